//! Global shortcuts, registered from Rust, with the keys from the settings. Approve and deny
//! are registered only while something is pending, so the rest of the time the keys belong
//! to other apps.

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
    /// Whether approve/deny are registered now (they are while something is pending).
    decision_keys_live: Mutex<bool>,
}

impl Shortcuts {
    pub fn new(keys: ShortcutSettings) -> Self {
        Self {
            keys: Mutex::new(keys),
            decision_keys_live: Mutex::new(false),
        }
    }

    pub fn toggle_key(&self) -> String {
        self.keys.lock().unwrap().toggle_popover.clone()
    }
}

/// Registers the popover toggle at start; a refusal is shown, not fatal.
pub fn install(app: &AppHandle) {
    let key = app.state::<Shortcuts>().toggle_key();
    if let Err(e) = register(app, &key, toggle_popover) {
        notifications::info(app, "Shortcut unavailable", &e);
    }
}

fn toggle_popover(app: &AppHandle) {
    popover::toggle(app, None);
}

fn approve(app: &AppHandle) {
    decisions::by_shortcut(app, Verdict::Approve);
}

fn deny(app: &AppHandle) {
    decisions::by_shortcut(app, Verdict::Deny { reason: None });
}

/// Registers or unregisters approve/deny to match whether anything is pending.
pub fn follow_pending(app: &AppHandle, pending: bool) {
    let state = app.state::<Shortcuts>();
    let mut live = state.decision_keys_live.lock().unwrap();
    if pending == *live {
        return;
    }
    let keys = state.keys.lock().unwrap().clone();
    if pending {
        for (key, action) in [(&keys.approve, approve as Action), (&keys.deny, deny)] {
            if let Err(e) = register(app, key, action) {
                notifications::info(app, "Shortcut unavailable", &e);
            }
        }
    } else {
        unregister(app, &keys.approve);
        unregister(app, &keys.deny);
    }
    *live = pending;
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
    let state = app.state::<Shortcuts>();
    let live = *state.decision_keys_live.lock().unwrap();
    let plan = |keys: &ShortcutSettings| {
        let mut plan: Vec<(String, Action)> = vec![(keys.toggle_popover.clone(), toggle_popover)];
        if live {
            plan.push((keys.approve.clone(), approve));
            plan.push((keys.deny.clone(), deny));
        }
        plan
    };
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
    *state.keys.lock().unwrap() = new.clone();
    Ok(())
}

fn register(app: &AppHandle, key: &str, action: Action) -> Result<(), String> {
    let handler = move |app: &AppHandle, _: &Shortcut, event: ShortcutEvent| {
        if event.state() == ShortcutState::Pressed {
            action(app);
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
