//! The tray icon: its state icon and tooltip follow the inbox; its menu is always there.

use inbox::{Glance, GlanceState, Inbox, Update};
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};
use tauri::AppHandle;

use crate::popover;

const TRAY_ID: &str = "main";

fn icon(state: GlanceState) -> Image<'static> {
    let bytes: &'static [u8] = match state {
        GlanceState::Idle => include_bytes!("../../icons/tray-idle.png"),
        GlanceState::Working => include_bytes!("../../icons/tray-working.png"),
        GlanceState::Attention => include_bytes!("../../icons/tray-attention.png"),
    };
    Image::from_bytes(bytes).expect("bundled tray icons are valid PNGs")
}

/// Builds the tray and keeps it in step with the inbox. Without a tray host (some Linux
/// desktops) building fails: the app goes on without it rather than crash.
pub fn install(app: &AppHandle, inbox: Inbox) {
    let tray = match build(app) {
        Ok(tray) => tray,
        Err(e) => {
            tracing::warn!("no tray icon ({e}); is a StatusNotifier host running?");
            return;
        }
    };
    tauri::async_runtime::spawn(follow_inbox(tray, inbox));
}

fn build(app: &AppHandle) -> tauri::Result<TrayIcon> {
    // "Open" is the fallback for trays that only show menus (libappindicator hosts).
    let open = MenuItem::with_id(app, "open", "Open", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit Converge Tray", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&open, &quit])?;
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon(GlanceState::Idle))
        .tooltip("Converge — starting")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "open" => popover::show(app, None),
            "quit" => app.exit(0),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                position,
                ..
            } = event
            {
                popover::toggle(tray.app_handle(), Some(position));
            }
        })
        .build(app)
}

async fn follow_inbox(tray: TrayIcon, inbox: Inbox) {
    let mut updates = inbox.subscribe();
    let mut shown: Option<Glance> = None;
    loop {
        match inbox.snapshot() {
            Ok(snapshot) => {
                let glance = Glance::of(&snapshot);
                if shown != Some(glance) {
                    show(&tray, &glance);
                    shown = Some(glance);
                }
            }
            Err(e) => tracing::error!("tray: cannot read the inbox: {e}"),
        }
        match updates.next().await {
            Ok(Update::Event(_) | Update::Resync(_)) => {}
            Err(e) => tracing::error!("tray: inbox updates failed: {e}"),
        }
    }
}

fn show(tray: &TrayIcon, glance: &Glance) {
    let tooltip = glance.tooltip();
    let title = (glance.approvals_waiting > 0).then(|| glance.approvals_waiting.to_string());
    let results = [
        tray.set_icon(Some(icon(glance.state))),
        tray.set_tooltip(Some(&tooltip)),
        tray.set_title(title.as_deref()),
    ];
    for e in results.into_iter().filter_map(Result::err) {
        tracing::warn!("tray update failed: {e}");
    }
    tracing::info!(tooltip, "tray");
}
