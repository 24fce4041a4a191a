//! Global shortcuts, registered from Rust, with the keys from the settings. The toggle key
//! is always global; approve and deny are too unless the person turned them off (under X11
//! any program of the user can press them: docs/security.md). They stay registered while
//! nothing is pending, so a press is never swallowed by a registration in progress; with
//! nothing to decide it says so.

use std::sync::Mutex;

use inbox::Verdict;
use settings::ShortcutSettings;
use tauri::{AppHandle, Manager};
use tauri_plugin_global_shortcut::{GlobalShortcutExt, Shortcut, ShortcutEvent, ShortcutState};

use crate::{decisions, notifications, popover};

/// What a shortcut does when pressed.
type Action = fn(&AppHandle);

pub struct Shortcuts {
    keys: Mutex<ShortcutSettings>,
}

impl Shortcuts {
    pub fn new(keys: ShortcutSettings) -> Self {
        Self {
            keys: Mutex::new(keys),
        }
    }

    pub fn toggle_key(&self) -> String {
        self.keys.lock().unwrap().toggle_popover.clone()
    }
}

/// Registers the keys at start; a refusal is shown, not fatal.
pub fn install(app: &AppHandle) {
    let keys = app.state::<Shortcuts>().keys.lock().unwrap().clone();
    for (key, action) in plan(&keys) {
        if let Err(e) = register(app, &key, action) {
            notifications::info(app, "Shortcut unavailable", &e);
        }
    }
}

fn toggle_popover(app: &AppHandle) {
    popover::toggle(app, None);
}

fn approve(app: &AppHandle) {
    decisions::by_shortcut(app, Verdict::Approve, &approve_key(app));
}

fn deny(app: &AppHandle) {
    decisions::by_shortcut(app, Verdict::Deny { reason: None }, &approve_key(app));
}

fn approve_key(app: &AppHandle) -> String {
    display(&app.state::<Shortcuts>().keys.lock().unwrap().approve)
}

/// The keys to register for these settings, with what each does.
fn plan(keys: &ShortcutSettings) -> Vec<(String, Action)> {
    let mut plan: Vec<(String, Action)> = vec![(keys.toggle_popover.clone(), toggle_popover)];
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
) -> Result<(), String> {
    if old == new {
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

fn register(app: &AppHandle, key: &str, action: Action) -> Result<(), String> {
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
            format!("{} could not be registered: {e}", display(key))
        })
}

fn unregister(app: &AppHandle, key: &str) {
    if let Err(e) = app.global_shortcut().unregister(key) {
        tracing::warn!("cannot unregister {key}: {e}");
    }
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
