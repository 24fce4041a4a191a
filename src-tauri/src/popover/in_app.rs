//! The popover in the app's own process: its window, built on the main thread.

use std::time::Duration;

use inbox::Inbox;
use serde_json::Value;
use tauri::{AppHandle, Emitter, Manager, WebviewWindow};

use super::window::{self, Anchor, LABEL};
use super::{handed_over_snapshot, Place, PopoverExt};

pub struct InApp;

impl Place for InApp {
    fn show(&self, app: &AppHandle, anchor: Option<Anchor>) -> bool {
        let window = match app.get_webview_window(LABEL) {
            Some(window) => window,
            None => match create(app) {
                Ok(window) => window,
                Err(e) => {
                    tracing::error!("cannot create the popover: {e}");
                    return true;
                }
            },
        };
        if let Some(anchor) = anchor {
            if let Err(e) = window::place(&window, anchor) {
                tracing::warn!("cannot place the popover: {e}");
            }
        }
        let shown = window.show().and_then(|_| window.set_focus());
        if let Err(e) = shown {
            tracing::error!("cannot show the popover: {e}");
        }
        tracing::info!("popover shown");
        true
    }

    fn hide(&self, app: &AppHandle) -> bool {
        let Some(window) = app.get_webview_window(LABEL) else {
            return false;
        };
        if let Err(e) = window.hide() {
            tracing::warn!("cannot hide the popover: {e}");
        }
        tracing::info!("popover hidden");
        true
    }

    fn is_visible(&self, app: &AppHandle) -> bool {
        app.get_webview_window(LABEL)
            .is_some_and(|w| w.is_visible().unwrap_or(false))
    }

    fn emit(&self, app: &AppHandle, name: &'static str, payload: Value) {
        let _ = app.emit_to(LABEL, name, payload);
    }

    /// Windows are built on the main thread; this runs on the inbox's task.
    fn prepare(&self, app: &AppHandle) {
        if app.get_webview_window(LABEL).is_some() {
            return;
        }
        let handle = app.clone();
        if let Err(e) = app.run_on_main_thread(move || prepare(&handle)) {
            tracing::warn!("cannot prepare the popover: {e}");
        }
    }

    fn drop_now(&self, app: &AppHandle, hidden_for: Duration) {
        let Some(window) = app.get_webview_window(LABEL) else {
            return;
        };
        match window.destroy() {
            Ok(()) => {
                tracing::info!("popover dropped after {} s hidden", hidden_for.as_secs());
                release_freed_memory();
            }
            Err(e) => tracing::warn!("cannot drop the popover: {e}"),
        }
    }
}

/// Builds the popover hidden, unless it exists.
fn prepare(app: &AppHandle) {
    if app.get_webview_window(LABEL).is_some() {
        return;
    }
    match create(app) {
        Ok(_) => tracing::info!("popover prepared"),
        Err(e) => tracing::warn!("cannot prepare the popover: {e}"),
    }
}

/// Builds the popover's window in the app's process, with the inbox handed over.
fn create(app: &AppHandle) -> tauri::Result<WebviewWindow> {
    let snapshot = app
        .try_state::<Inbox>()
        .and_then(|inbox| handed_over_snapshot(&inbox));
    let window = window::build(app, snapshot.as_deref())?;
    if !app.popover().popover.pinned {
        let app = app.clone();
        window::hide_on_blur(&window, move || {
            tracing::info!("popover hidden");
            app.popover().hidden_by_blur();
        });
    }
    Ok(window)
}

/// Hands the heap the dropped WebView freed back to the system: glibc keeps freed memory
/// for reuse otherwise, and the app would stay at its popover-open size.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the kernel; it has no
    // preconditions and touches no memory in use.
    unsafe {
        libc::malloc_trim(0);
    }
}
