//! Global shortcuts, with the keys from the settings. The toggle key is always global;
//! approve and deny are too unless the person turned them off (under X11 any program of the
//! user can press them: docs/security.md). They stay registered while nothing is pending, so
//! a press is never swallowed by a registration in progress; with nothing to decide it says
//! so.
//!
//! Two ways in: X11 key grabs (the global-shortcut plugin) in an X11 session, and in a
//! Wayland session the desktop's GlobalShortcuts portal (crates/portal-shortcuts), where the
//! desktop picks the keys and the settings' keys are only offered as preferred. Where the
//! portal is missing, the X11 keys are still registered (they fire while an X11 window has
//! focus) and Settings says so.

use std::sync::Mutex;
use std::time::Duration;

use inbox::Verdict;
use portal_shortcuts::PortalShortcuts;
use settings::{ShortcutRefused, ShortcutSettings, ShortcutsStatus, ShortcutsThrough};
use tauri::{AppHandle, Manager};
use tauri_plugin_global_shortcut::{GlobalShortcutExt, Shortcut, ShortcutEvent, ShortcutState};

use crate::popover::PopoverExt;
use crate::{decisions, notifications, terminals};

/// What a shortcut does when pressed.
type Action = fn(&AppHandle);

pub struct Shortcuts {
    keys: Mutex<ShortcutSettings>,
    status: Mutex<ShortcutsStatus>,
    /// The portal session while shortcuts come through it: dropped, it releases them.
    portal: Mutex<Option<PortalShortcuts>>,
}

impl Shortcuts {
    pub fn new(keys: ShortcutSettings) -> Self {
        Self {
            keys: Mutex::new(keys),
            status: Mutex::new(ShortcutsStatus {
                through: ShortcutsThrough::Nothing,
                note: "The global shortcuts are being registered.".into(),
            }),
            portal: Mutex::new(None),
        }
    }

    pub fn toggle_key(&self) -> String {
        self.keys.lock().unwrap().toggle_popover.clone()
    }

    pub fn status(&self) -> ShortcutsStatus {
        self.status.lock().unwrap().clone()
    }

    fn through_portal(&self) -> bool {
        self.portal.lock().unwrap().is_some()
    }

    /// Whether the toggle key opens the popover from anywhere: through the portal, or as an
    /// X11 key in an X11 session (in a Wayland session without the portal it works only
    /// while an X11 window has the focus).
    pub fn toggle_is_global(&self) -> bool {
        self.through_portal() || !wayland_session()
    }
}

/// How long the desktop may take to bind the portal's shortcuts: it may first ask the
/// person in a dialog.
const PORTAL_BIND_WITHIN: Duration = Duration::from_secs(300);

/// The portal's ids for the shortcuts; the desktop shows the descriptions.
const PORTAL_SHORTCUTS: [(&str, &str); 4] = [
    ("toggle-popover", "Open or close the Converge Tray popover"),
    (
        "approve",
        "Approve the request on screen (opens the popover when it cannot tell which)",
    ),
    (
        "deny",
        "Deny the request on screen, or the oldest waiting one",
    ),
    (
        "go-to-terminal",
        "Go to the terminal of the agent that asked last",
    ),
];

/// A Wayland session: X11 key grabs reach the app only while one of its own X11 windows
/// has focus.
fn wayland_session() -> bool {
    std::env::var("XDG_SESSION_TYPE").is_ok_and(|kind| kind == "wayland")
        || std::env::var_os("WAYLAND_DISPLAY").is_some_and(|display| !display.is_empty())
}

/// Registers the keys at start (off the main thread: the portal may wait for a dialog); a
/// refusal is shown, not fatal.
pub fn install(app: &AppHandle) {
    let keys = app.state::<Shortcuts>().keys.lock().unwrap().clone();
    let mut wayland_note = None;
    if wayland_session() {
        // A portal that binds none (Plasma 5.27 behind a portal frontend of 1.17 or later,
        // which no longer passes the shortcuts on; a dialog where all were unticked) leaves
        // the person with no keys at all: as good as no portal.
        let bound = bind_through_portal(app, &keys).and_then(|session| {
            if session.bound().is_empty() {
                Err(portal_shortcuts::PortalError::Failed(
                    "it bound none of the shortcuts".into(),
                ))
            } else {
                Ok(session)
            }
        });
        match bound {
            Ok(session) => {
                let note = portal_note(&session);
                tracing::info!("shortcuts through the desktop's portal: {note}");
                let shortcuts = app.state::<Shortcuts>();
                *shortcuts.portal.lock().unwrap() = Some(session);
                *shortcuts.status.lock().unwrap() = ShortcutsStatus {
                    through: ShortcutsThrough::Portal,
                    note,
                };
                return;
            }
            Err(e) => {
                tracing::warn!("no shortcuts portal: {e}");
                let note = format!(
                    "This is a Wayland session and {e}. The keys below are X11 keys: they work only while an X11 window has focus. The tray icon and the popover offer everything; desktops with the GlobalShortcuts portal (KDE Plasma 5.27 and later, GNOME 48 and later) make the keys global."
                );
                notifications::info(app, "Global shortcuts are limited", &limited_notice(&e));
                wayland_note = Some(note);
            }
        }
    }
    let mut refused = Vec::new();
    for (key, action) in plan(&keys) {
        if let Err(e) = register(app, &key, action) {
            let message = refusal_message(&e);
            notifications::info(app, "Shortcut unavailable", &message);
            refused.push(message);
        }
    }
    let status = match (wayland_note, refused.is_empty()) {
        (Some(note), _) => ShortcutsStatus {
            through: ShortcutsThrough::X11KeysUnderWayland,
            note,
        },
        (None, true) => ShortcutsStatus {
            through: ShortcutsThrough::X11Keys,
            note: "Registered as X11 keys: they work whichever window has focus.".into(),
        },
        (None, false) => ShortcutsStatus {
            through: if refused.len() == plan(&keys).len() {
                ShortcutsThrough::Nothing
            } else {
                ShortcutsThrough::X11Keys
            },
            note: format!(
                "{} The tray icon and the popover offer everything.",
                refused.join(" ")
            ),
        },
    };
    *app.state::<Shortcuts>().status.lock().unwrap() = status;
}

fn bind_through_portal(
    app: &AppHandle,
    keys: &ShortcutSettings,
) -> Result<PortalShortcuts, portal_shortcuts::PortalError> {
    let preferred = [
        &keys.toggle_popover,
        &keys.approve,
        &keys.deny,
        &keys.go_to_terminal,
    ];
    let shortcuts: Vec<portal_shortcuts::Shortcut> = PORTAL_SHORTCUTS
        .iter()
        .zip(preferred)
        .map(|((id, description), key)| portal_shortcuts::Shortcut {
            id: (*id).into(),
            description: (*description).into(),
            preferred_trigger: xdg_trigger(key),
        })
        .collect();
    let handle = app.clone();
    PortalShortcuts::session(&shortcuts, PORTAL_BIND_WITHIN, move |id| {
        let action: Action = match id {
            "toggle-popover" => toggle_popover,
            "approve" | "deny" if !decision_keys_on(&handle) => {
                tracing::info!(id, "portal shortcut ignored: decision keys are off");
                return;
            }
            "approve" => approve,
            "deny" => deny,
            "go-to-terminal" => go_to_terminal,
            other => {
                tracing::warn!(id = other, "portal shortcut ignored: not one of ours");
                return;
            }
        };
        // Off the portal's listener thread: window calls wait for the main thread.
        let app = handle.clone();
        tauri::async_runtime::spawn_blocking(move || action(&app));
    })
}

/// The notification's words when the desktop binds no global keys: what happened and what
/// works, without the bus's own error (in the log and in Settings).
fn limited_notice(why: &portal_shortcuts::PortalError) -> String {
    let reason = match why {
        portal_shortcuts::PortalError::NotOffered(_) => {
            "this desktop has no shortcuts portal, so no app can bind global keys"
        }
        portal_shortcuts::PortalError::Declined => {
            "the shortcuts were declined in the desktop's dialog"
        }
        _ => "the desktop's shortcuts portal failed (the log says how)",
    };
    format!(
        "In this Wayland session {reason}. The keys in Settings work only while an X11 window has focus. The tray icon and the popover offer everything; GNOME 48 and later and KDE Plasma 5.27 and later bind global keys."
    )
}

fn decision_keys_on(app: &AppHandle) -> bool {
    app.state::<Shortcuts>().keys.lock().unwrap().decision_keys
}

/// What Settings says while the portal brings the shortcuts: the keys the desktop chose.
fn portal_note(session: &PortalShortcuts) -> String {
    let bound: Vec<String> = PORTAL_SHORTCUTS
        .iter()
        .map(|(id, _)| {
            let name = match *id {
                "toggle-popover" => "open or close",
                "go-to-terminal" => "go to terminal",
                other => other,
            };
            match session.bound().iter().find(|b| b.id == *id) {
                Some(b) => format!("{name}: {}", b.trigger.as_deref().unwrap_or("no keys yet")),
                None => format!("{name}: not bound"),
            }
        })
        .collect();
    format!(
        "Through your desktop's shortcuts portal ({}). Your desktop decides the keys: change them in its settings; the keys below are only offered to it.",
        bound.join(", ")
    )
}

/// `ctrl+alt+shift+a` → `CTRL+ALT+SHIFT+a`, the XDG shortcuts format; `None` for a key the
/// format has no name for.
fn xdg_trigger(key: &str) -> Option<String> {
    let mut parts = Vec::new();
    for part in key.split('+').map(str::trim) {
        let lower = part.to_ascii_lowercase();
        parts.push(match lower.as_str() {
            "ctrl" | "control" | "cmdorctrl" | "commandorcontrol" => "CTRL".to_owned(),
            "alt" | "option" => "ALT".to_owned(),
            "shift" => "SHIFT".to_owned(),
            "super" | "meta" | "cmd" | "command" => "LOGO".to_owned(),
            _ if lower.len() == 1 && lower.chars().all(|c| c.is_ascii_alphanumeric()) => lower,
            _ if lower.starts_with('f') && lower[1..].parse::<u8>().is_ok() => part.to_uppercase(),
            _ => return None,
        });
    }
    Some(parts.join("+"))
}

fn toggle_popover(app: &AppHandle) {
    app.popover().toggle(None);
}

fn approve(app: &AppHandle) {
    decisions::by_shortcut(app, Verdict::Approve, &approve_key(app));
}

fn deny(app: &AppHandle) {
    decisions::by_shortcut(app, Verdict::Deny { reason: None }, &approve_key(app));
}

fn go_to_terminal(app: &AppHandle) {
    terminals::by_shortcut(app);
}

fn approve_key(app: &AppHandle) -> String {
    display(&app.state::<Shortcuts>().keys.lock().unwrap().approve)
}

/// The keys to register for these settings, with what each does.
fn plan(keys: &ShortcutSettings) -> Vec<(String, Action)> {
    let mut plan: Vec<(String, Action)> = vec![
        (keys.toggle_popover.clone(), toggle_popover),
        (keys.go_to_terminal.clone(), go_to_terminal),
    ];
    if keys.decision_keys {
        plan.push((keys.approve.clone(), approve));
        plan.push((keys.deny.clone(), deny));
    }
    plan
}

/// Moves the registrations from `old` to `new` keys. All or nothing: if the OS refuses one
/// of the new keys, the old ones are registered again and the error says which key failed.
pub fn apply(
    app: &AppHandle,
    old: &ShortcutSettings,
    new: &ShortcutSettings,
) -> Result<(), ShortcutRefused> {
    if old == new {
        return Ok(());
    }
    if app.state::<Shortcuts>().through_portal() {
        // The desktop owns the keys; decision_keys is read at each press.
        *app.state::<Shortcuts>().keys.lock().unwrap() = new.clone();
        return Ok(());
    }
    for (key, _) in plan(old) {
        unregister(app, &key);
    }
    let mut registered = Vec::new();
    for (key, action) in plan(new) {
        match register(app, &key, action) {
            Ok(()) => registered.push(key),
            Err(e) => {
                for key in registered {
                    unregister(app, &key);
                }
                for (key, action) in plan(old) {
                    let _ = register(app, &key, action);
                }
                return Err(e);
            }
        }
    }
    *app.state::<Shortcuts>().keys.lock().unwrap() = new.clone();
    Ok(())
}

fn register(app: &AppHandle, key: &str, action: Action) -> Result<(), ShortcutRefused> {
    let handler = move |app: &AppHandle, _: &Shortcut, event: ShortcutEvent| {
        if event.state() == ShortcutState::Pressed {
            // This runs on the X11 hotkey thread, which the main thread waits for while it
            // registers a key; anything here that waits for the main thread (every window
            // call does) would freeze both for good. Hand the work over and return.
            let app = app.clone();
            tauri::async_runtime::spawn_blocking(move || action(&app));
        }
    };
    app.global_shortcut()
        .on_shortcut(key, handler)
        .map_err(|e| {
            tracing::warn!("shortcut {key} refused: {e}");
            ShortcutRefused {
                key: key.to_owned(),
                reason: e.to_string(),
            }
        })
}

fn unregister(app: &AppHandle, key: &str) {
    if let Err(e) = app.global_shortcut().unregister(key) {
        tracing::warn!("cannot unregister {key}: {e}");
    }
}

/// "Ctrl+Alt+Shift+Y could not be registered: …", as the person reads it.
pub fn refusal_message(refused: &ShortcutRefused) -> String {
    format!(
        "{} could not be registered: {}",
        display(&refused.key),
        refused.reason
    )
}

/// `ctrl+alt+shift+a` → `Ctrl+Alt+Shift+A`, as people write it.
pub fn display(key: &str) -> String {
    key.split('+')
        .map(|part| {
            let mut chars = part.trim().chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("+")
}

#[cfg(test)]
mod tests {
    use super::xdg_trigger;

    #[test]
    fn settings_keys_become_xdg_triggers() {
        assert_eq!(
            xdg_trigger("ctrl+alt+shift+a").as_deref(),
            Some("CTRL+ALT+SHIFT+a")
        );
        assert_eq!(
            xdg_trigger("Super+Shift+Y").as_deref(),
            Some("LOGO+SHIFT+y")
        );
        assert_eq!(xdg_trigger("ctrl+F5").as_deref(), Some("CTRL+F5"));
        assert_eq!(xdg_trigger("ctrl+PageDown"), None);
    }
}
