//! Global shortcuts, registered from Rust. Approve and deny are registered only while
//! something is pending, so the rest of the time the keys belong to other apps.

use std::sync::Mutex;

use inbox::Verdict;
use tauri::{AppHandle, Manager};
use tauri_plugin_global_shortcut::{GlobalShortcutExt, Shortcut, ShortcutState};

use crate::{decisions, notifications, popover};

/// Three modifiers: combinations common apps do not use.
pub const TOGGLE_POPOVER: &str = "ctrl+alt+shift+c";
pub const APPROVE: &str = "ctrl+alt+shift+a";
pub const DENY: &str = "ctrl+alt+shift+d";

#[derive(Default)]
pub struct DecisionShortcuts {
    registered: Mutex<bool>,
}

pub fn install(app: &AppHandle) {
    register(app, TOGGLE_POPOVER, |app| popover::toggle(app, None));
}

/// Registers or unregisters approve/deny to match whether anything is pending.
pub fn follow_pending(app: &AppHandle, pending: bool) {
    let state = app.state::<DecisionShortcuts>();
    let mut registered = state.registered.lock().unwrap();
    if pending == *registered {
        return;
    }
    if pending {
        register(app, APPROVE, |app| {
            decisions::by_shortcut(app, Verdict::Approve)
        });
        register(app, DENY, |app| {
            decisions::by_shortcut(app, Verdict::Deny { reason: None })
        });
    } else {
        for key in [APPROVE, DENY] {
            if let Err(e) = app.global_shortcut().unregister(key) {
                tracing::warn!("cannot unregister {key}: {e}");
            }
        }
    }
    *registered = pending;
}

fn register(app: &AppHandle, key: &str, action: fn(&AppHandle)) {
    let handler =
        move |app: &AppHandle, _: &Shortcut, event: tauri_plugin_global_shortcut::ShortcutEvent| {
            if event.state() == ShortcutState::Pressed {
                action(app);
            }
        };
    if let Err(e) = app.global_shortcut().on_shortcut(key, handler) {
        tracing::warn!("shortcut {key} refused: {e}");
        notifications::info(
            app,
            "Shortcut unavailable",
            &format!(
                "{} could not be registered ({e}); another app may use it.",
                display(key)
            ),
        );
    }
}

/// `ctrl+alt+shift+a` → `Ctrl+Alt+Shift+A`, as people write it.
pub fn display(key: &str) -> String {
    key.split('+')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("+")
}
