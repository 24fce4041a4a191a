//! The popover refuses input no person made, where it is an X11 window in a Wayland session
//! (process.rs runs it under XWayland so that it can sit beside the tray icon). There any
//! program of the person's may press keys and click on the X11 display through XTest, which
//! a Wayland window never receives; XTest's presses arrive from the display's XTEST devices,
//! and a person's through XWayland's own. So the popover drops every key, button, motion,
//! scroll and touch event from an XTEST device, and every one another client sent
//! (XSendEvent), before GTK or WebKit sees it. In an X11 session nothing is dropped: there
//! XTest reaches every window alike (docs/security.md says what that allows).

use gtk::gdk;
use gtk::gdk::prelude::*;

/// Installs the filter if this popover runs on X11 inside a Wayland session. Call on the main
/// thread once GTK is initialised.
pub fn refuse_in_xwayland() {
    let under_xwayland = std::env::var_os("WAYLAND_DISPLAY").is_some_and(|d| !d.is_empty())
        && gdk::Display::default().is_some_and(|display| display.type_().name() == "GdkX11Display");
    if !under_xwayland {
        return;
    }
    tracing::info!("popover under XWayland: presses from XTest and XSendEvent are refused");
    gdk::Event::set_handler(Some(|event: &mut gdk::Event| {
        if let Some(from) = synthetic(event) {
            tracing::warn!(
                event = ?event.event_type(),
                from,
                "popover input refused: not made by a person's device"
            );
            return;
        }
        gtk::main_do_event(event);
    }));
}

/// Where a person's input event did not come from: an XTEST device, or another client.
fn synthetic(event: &gdk::Event) -> Option<&'static str> {
    use gdk::EventType::*;
    let input = matches!(
        event.event_type(),
        KeyPress
            | KeyRelease
            | ButtonPress
            | DoubleButtonPress
            | TripleButtonPress
            | ButtonRelease
            | MotionNotify
            | Scroll
            | TouchBegin
            | TouchUpdate
            | TouchEnd
    );
    if !input {
        return None;
    }
    if event.is_send_event() {
        return Some("another client (XSendEvent)");
    }
    let from_xtest = event
        .source_device()
        .and_then(|device| device.name())
        .is_some_and(|name| name.contains("XTEST"));
    from_xtest.then_some("XTest")
}
