//! The tray icon: its state icon, tooltip and title follow the inbox; its menu is always
//! there. Without a tray host the app carries on: a notification says how to reach it.

use inbox::{Glance, GlanceState, Inbox, Update};
use tauri::image::Image;
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Listener, Manager};
use tauri_plugin_autostart::ManagerExt;

use crate::events::{self, AppEvent, SettingsChanged};
use crate::notifications::{self, Notifications};
use crate::shortcuts::{self, Shortcuts};
use crate::{popover, window};

/// The tray item's id: a StatusNotifier host remembers the item's place and visibility by it.
const TRAY_ID: &str = "converge-tray";
/// The item's name, where the host shows one (a StatusNotifier item's title, which also
/// heads its tooltip).
const TRAY_TITLE: &str = "Converge Tray";

fn icon(state: GlanceState) -> Image<'static> {
    let bytes: &'static [u8] = match state {
        GlanceState::Idle => include_bytes!("../../icons/tray-idle.png"),
        GlanceState::Working => include_bytes!("../../icons/tray-working.png"),
        GlanceState::Attention => include_bytes!("../../icons/tray-attention.png"),
    };
    Image::from_bytes(bytes).expect("bundled tray icons are valid PNGs")
}

/// Without a tray icon the app would be invisible: say it runs and how to open it. Sent
/// once the toggle shortcut it names is registered.
pub fn announce_without_tray(app: &AppHandle) {
    notifications::info(
        app,
        "Converge Tray is running",
        &format!(
            "This desktop shows no tray icons. Press {} to open the popover.",
            shortcuts::display(&app.state::<Shortcuts>().toggle_key())
        ),
    );
}

/// Builds the tray (if the desktop has a tray host) and keeps it in step with the inbox.
/// Returns whether there is a tray icon.
pub fn install(app: &AppHandle, inbox: Inbox) -> bool {
    match build(app) {
        Ok(tray) => {
            tauri::async_runtime::spawn(follow_inbox(tray, inbox));
            true
        }
        Err(e) => {
            tracing::warn!("no tray icon ({e}); is a StatusNotifier host running?");
            false
        }
    }
}

fn build(app: &AppHandle) -> tauri::Result<TrayIcon> {
    // "Open" is the fallback for trays that only show menus (libappindicator hosts).
    let open = MenuItem::with_id(app, "open", "Open", true, None::<&str>)?;
    let open_window =
        MenuItem::with_id(app, "open-window", "Open full window", true, None::<&str>)?;
    let autostart_enabled = app.autolaunch().is_enabled().unwrap_or(false);
    let autostart = CheckMenuItem::with_id(
        app,
        "autostart",
        "Start at login",
        true,
        autostart_enabled,
        None::<&str>,
    )?;
    let pause = CheckMenuItem::with_id(
        app,
        "pause-notifications",
        "Pause notifications",
        true,
        false,
        None::<&str>,
    )?;
    let quit = MenuItem::with_id(app, "quit", "Quit Converge Tray", true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(
        app,
        &[
            &open,
            &open_window,
            &separator,
            &autostart,
            &pause,
            &separator,
            &quit,
        ],
    )?;
    // The check follows start-at-login as changed in the Settings view.
    let check = autostart.clone();
    app.listen(SettingsChanged::NAME, move |event| {
        if let Ok(settings) = serde_json::from_str::<settings::Settings>(event.payload()) {
            let _ = check.set_checked(settings.start_at_login);
        }
    });
    TrayIconBuilder::with_id(TRAY_ID)
        .title(TRAY_TITLE)
        .icon(icon(GlanceState::Idle))
        .tooltip("Converge — starting")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(move |app, event| match event.id().as_ref() {
            "open" => popover::show(app, None),
            "open-window" => {
                if let Err(e) = window::open(app) {
                    tracing::error!("cannot open the full window: {e}");
                }
            }
            "autostart" => set_autostart(app, &autostart),
            "pause-notifications" => {
                let paused = app.state::<Notifications>().toggle_paused();
                let _ = pause.set_checked(paused);
            }
            "quit" => app.exit(0),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                position,
                rect,
                ..
            } = event
            {
                popover::toggle(
                    tray.app_handle(),
                    Some(popover::Anchor::tray(rect, position)),
                );
            }
        })
        .build(app)
}

/// Flips start-at-login. The check mark then shows what the OS has, not what was asked (not
/// every tray host toggles it on click): a failure leaves it as it was.
fn set_autostart(app: &AppHandle, item: &CheckMenuItem<tauri::Wry>) {
    let launcher = app.autolaunch();
    let wanted = !launcher.is_enabled().unwrap_or(false);
    let result = if wanted {
        launcher.enable()
    } else {
        launcher.disable()
    };
    if let Err(e) = result {
        tracing::warn!("start at login: {e}");
        notifications::info(app, "Start at login unchanged", &e.to_string());
    }
    let _ = item.set_checked(launcher.is_enabled().unwrap_or(false));
    // The Settings view shows start-at-login too; it must not later save a stale value.
    let settings = app.state::<crate::preferences::Preferences>().get(app);
    events::emit::<SettingsChanged>(app, &settings);
}

/// How stale the tray's grant count may get when nothing else happens.
const GLANCE_AT_LEAST_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

async fn follow_inbox(tray: TrayIcon, inbox: Inbox) {
    let mut updates = inbox.subscribe();
    let mut shown: Option<Glance> = None;
    loop {
        match inbox.glance() {
            Ok(glance) => {
                if shown != Some(glance) {
                    show(&tray, &glance);
                    shown = Some(glance);
                }
            }
            Err(e) => tracing::error!("tray: cannot read the inbox: {e}"),
        }
        // Grants expire without an event: while any is live, the count is looked at again
        // now and then; with none, nothing wakes the idle app but the inbox.
        let grants_live = shown.is_some_and(|glance| glance.grants_active > 0);
        let next = if grants_live {
            tokio::time::timeout(GLANCE_AT_LEAST_EVERY, updates.next()).await
        } else {
            Ok(updates.next().await)
        };
        match next {
            Ok(Ok(Update::Event(_) | Update::Resync(_))) | Err(_) => {}
            Ok(Err(e)) => tracing::error!("tray: inbox updates failed: {e}"),
        }
    }
}

/// On macOS the title is text beside the icon in the menu bar: the count of approvals waiting.
/// Elsewhere it is the item's name, and the icon and tooltip carry the count.
fn set_count(tray: &TrayIcon, waiting: u32) -> tauri::Result<()> {
    if cfg!(target_os = "macos") {
        let count = (waiting > 0).then(|| waiting.to_string());
        tray.set_title(count.as_deref())
    } else {
        Ok(())
    }
}

fn show(tray: &TrayIcon, glance: &Glance) {
    let tooltip = glance.tooltip();
    let results = [
        tray.set_icon(Some(icon(glance.state))),
        tray.set_tooltip(Some(&tooltip)),
        set_count(tray, glance.approvals_waiting),
    ];
    for e in results.into_iter().filter_map(Result::err) {
        tracing::warn!("tray update failed: {e}");
    }
    tracing::info!(tooltip, "tray");
}
