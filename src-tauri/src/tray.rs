//! The tray icon: its state icon, tooltip and status follow the inbox; its menu is always
//! there. Without a tray host the app carries on: a notification says how to reach it. On
//! Linux and the BSDs the item is the app's own StatusNotifierItem (status_notifier.rs);
//! elsewhere Tauri's tray.

use inbox::{Glance, GlanceState, Inbox, Update};
use tauri::image::Image;
use tauri::{AppHandle, Listener, Manager};
use tauri_plugin_autostart::ManagerExt;

use crate::events::{self, AppEvent, SettingsChanged};
use crate::notifications::{self, Notifications};
use crate::popover::PopoverExt;
use crate::shortcuts::{self, Shortcuts};
use crate::window;

#[cfg(all(unix, not(target_os = "macos")))]
pub use crate::status_notifier::TrayItem;
#[cfg(not(all(unix, not(target_os = "macos"))))]
pub use tauri_tray::TrayItem;

/// The tray item's id: a StatusNotifier host remembers the item's place and visibility by it.
pub const TRAY_ID: &str = "converge-tray";
/// The item's name, where the host shows one (a StatusNotifier item's title, which also
/// heads its tooltip).
pub const TRAY_TITLE: &str = "Converge Tray";

/// The icons as pixels, decoded when the app is built: the binary carries no PNG decoder
/// (48 KiB of pixels for three 64×64 icons).
pub fn icon(state: GlanceState) -> Image<'static> {
    match state {
        GlanceState::Idle => tauri::include_image!("icons/tray-idle.png"),
        GlanceState::Working => tauri::include_image!("icons/tray-working.png"),
        GlanceState::Attention => tauri::include_image!("icons/tray-attention.png"),
    }
}

/// Without a tray icon the app would be invisible: say it runs and how to open it. Sent
/// once the toggle shortcut it names is registered.
pub fn announce_without_tray(app: &AppHandle) {
    let shortcuts = app.state::<Shortcuts>();
    let key = shortcuts
        .toggle_is_global()
        .then(|| shortcuts::display(&shortcuts.toggle_key()));
    let gnome = std::env::var("XDG_CURRENT_DESKTOP")
        .is_ok_and(|desktops| desktops.split(':').any(|desktop| desktop == "GNOME"));
    notifications::info(
        app,
        "Converge Tray is running",
        &without_tray_note(gnome, key.as_deref()),
    );
}

/// How the person reaches the app when the desktop shows no tray icons, and on GNOME, which
/// hides them unless an extension shows them, how to see them.
fn without_tray_note(gnome: bool, global_toggle_key: Option<&str>) -> String {
    let mut note = if gnome {
        "GNOME shows tray icons only with the AppIndicator extension: install \
         gnome-shell-extension-appindicator (Debian, Ubuntu: sudo apt install \
         gnome-shell-extension-appindicator), turn it on in Extensions and log in again. \
         Until then, Converge Tray in your launcher opens the popover"
            .to_owned()
    } else {
        "This desktop shows no tray icons. Converge Tray in your launcher opens the popover"
            .to_owned()
    };
    if let Some(key) = global_toggle_key {
        note.push_str(&format!(", and so does {key}"));
    }
    note.push('.');
    note
}

/// What the tray menu offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuAction {
    Open,
    OpenWindow,
    ToggleAutostart,
    TogglePause,
    Quit,
}

/// Does what a menu item says, on the main thread; for a check item, returns whether it is
/// checked now.
pub fn on_menu(app: &AppHandle, action: MenuAction) -> Option<bool> {
    match action {
        MenuAction::Open => app.popover().show(None),
        MenuAction::OpenWindow => {
            if let Err(e) = window::open(app) {
                tracing::error!("cannot open the full window: {e}");
            }
        }
        MenuAction::ToggleAutostart => return Some(toggle_autostart(app)),
        MenuAction::TogglePause => {
            return Some(app.state::<Notifications>().toggle_paused());
        }
        MenuAction::Quit => app.exit(0),
    }
    None
}

/// The app's tray item, if the desktop has a tray.
pub fn item(app: &AppHandle) -> Option<tauri::State<'_, TrayItem>> {
    app.try_state::<TrayItem>()
}

/// Builds the tray (if the desktop has a tray host) and keeps it in step with the inbox.
/// Returns whether there is a tray icon.
pub fn install(app: &AppHandle, inbox: Inbox) -> bool {
    let autostart = app.autolaunch().is_enabled().unwrap_or(false);
    match TrayItem::build(app, autostart) {
        Ok(item) => {
            app.manage(item.clone());
            // The check follows start-at-login as changed in the Settings view.
            let listener = app.clone();
            app.listen(SettingsChanged::NAME, move |event| {
                let Ok(settings) = serde_json::from_str::<settings::Settings>(event.payload())
                else {
                    return;
                };
                if let Some(item) = self::item(&listener) {
                    item.set_checked(MenuAction::ToggleAutostart, settings.start_at_login);
                }
            });
            tauri::async_runtime::spawn(follow_inbox(item, inbox));
            true
        }
        Err(e) => {
            tracing::warn!("no tray icon ({e}); is a StatusNotifier host running?");
            false
        }
    }
}

/// Flips start-at-login and returns what the OS has now, not what was asked: a failure
/// leaves it as it was, and says so.
fn toggle_autostart(app: &AppHandle) -> bool {
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
    // The Settings view shows start-at-login too; it must not later save a stale value.
    let settings = app.state::<crate::preferences::Preferences>().get(app);
    events::emit::<SettingsChanged>(app, &settings);
    launcher.is_enabled().unwrap_or(false)
}

/// How stale the tray's grant count may get when nothing else happens.
const GLANCE_AT_LEAST_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

async fn follow_inbox(item: TrayItem, inbox: Inbox) {
    let mut updates = inbox.subscribe();
    let mut shown: Option<Glance> = None;
    loop {
        match inbox.glance() {
            Ok(glance) => {
                if shown != Some(glance) {
                    // The item's library waits for its own thread: not on a runtime worker.
                    let item = item.clone();
                    let tooltip = glance.tooltip();
                    let _ = tauri::async_runtime::spawn_blocking(move || item.show(&glance)).await;
                    tracing::info!(tooltip, "tray");
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

/// macOS and Windows: Tauri's tray (never run there yet).
#[cfg(not(all(unix, not(target_os = "macos"))))]
mod tauri_tray {
    use inbox::{Glance, GlanceState};
    use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem};
    use tauri::tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};
    use tauri::{AppHandle, Wry};

    use super::{icon, on_menu, MenuAction, TRAY_ID};
    use crate::popover;

    #[derive(Clone)]
    pub struct TrayItem {
        tray: TrayIcon,
        autostart: CheckMenuItem<Wry>,
        pause: CheckMenuItem<Wry>,
    }

    impl TrayItem {
        pub fn build(app: &AppHandle, autostart: bool) -> Result<Self, String> {
            Self::try_build(app, autostart).map_err(|e| e.to_string())
        }

        fn try_build(app: &AppHandle, autostart_on: bool) -> tauri::Result<Self> {
            let open = MenuItem::with_id(app, "open", "Open", true, None::<&str>)?;
            let open_window =
                MenuItem::with_id(app, "open-window", "Open full window", true, None::<&str>)?;
            let autostart = CheckMenuItem::with_id(
                app,
                "autostart",
                "Start at login",
                true,
                autostart_on,
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
            let tray = TrayIconBuilder::with_id(TRAY_ID)
                .icon(icon(GlanceState::Idle))
                .tooltip("Converge — starting")
                .menu(&menu)
                .show_menu_on_left_click(false)
                .on_menu_event(move |app, event| {
                    let action = match event.id().as_ref() {
                        "open" => MenuAction::Open,
                        "open-window" => MenuAction::OpenWindow,
                        "autostart" => MenuAction::ToggleAutostart,
                        "pause-notifications" => MenuAction::TogglePause,
                        "quit" => MenuAction::Quit,
                        _ => return,
                    };
                    if let (Some(checked), Some(item)) = (on_menu(app, action), super::item(app)) {
                        item.set_checked(action, checked);
                    }
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
                        tray.app_handle()
                            .popover()
                            .toggle(Some(crate::popover::Anchor::tray(rect, position)));
                    }
                })
                .build(app)?;
            Ok(Self {
                tray,
                autostart,
                pause,
            })
        }

        /// On macOS the title is text beside the icon in the menu bar: the count of
        /// approvals waiting.
        pub fn show(&self, glance: &Glance) {
            let count =
                (glance.approvals_waiting > 0).then(|| glance.approvals_waiting.to_string());
            let results = [
                self.tray.set_icon(Some(icon(glance.state))),
                self.tray.set_tooltip(Some(&glance.tooltip())),
                self.tray.set_title(count.as_deref()),
            ];
            for e in results.into_iter().filter_map(Result::err) {
                tracing::warn!("tray update failed: {e}");
            }
        }

        pub fn set_checked(&self, action: MenuAction, checked: bool) {
            let item = match action {
                MenuAction::ToggleAutostart => &self.autostart,
                MenuAction::TogglePause => &self.pause,
                MenuAction::Open | MenuAction::OpenWindow | MenuAction::Quit => return,
            };
            let _ = item.set_checked(checked);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_tray_gnome_is_told_how_to_show_the_icons() {
        let note = without_tray_note(true, None);
        assert!(note.contains("sudo apt install gnome-shell-extension-appindicator"));
        assert!(note.contains("Converge Tray in your launcher opens the popover."));
        // GNOME 43 binds no global keys for the app: no key is offered that would not work.
        assert!(!note.contains("Ctrl"));
    }

    #[test]
    fn without_a_tray_the_key_is_named_only_where_it_is_global() {
        assert_eq!(
            without_tray_note(false, Some("Ctrl+Alt+Space")),
            "This desktop shows no tray icons. Converge Tray in your launcher opens the \
             popover, and so does Ctrl+Alt+Space."
        );
        assert!(!without_tray_note(false, None).contains("so does"));
    }

    /// The icons are decoded when the app is built; each state shows its own picture.
    #[test]
    fn each_state_has_its_own_icon() {
        let icons = [
            icon(GlanceState::Idle),
            icon(GlanceState::Working),
            icon(GlanceState::Attention),
        ];
        for image in &icons {
            assert_eq!((image.width(), image.height()), (64, 64));
            assert_eq!(image.rgba().len(), 64 * 64 * 4);
            let opaque = image.rgba().chunks(4).filter(|px| px[3] > 0).count();
            assert!(
                opaque > 64 * 64 / 10,
                "an icon is nearly empty: {opaque} pixels"
            );
        }
        assert_ne!(icons[0].rgba(), icons[1].rgba());
        assert_ne!(icons[1].rgba(), icons[2].rgba());
        assert_ne!(icons[0].rgba(), icons[2].rgba());
    }
}
