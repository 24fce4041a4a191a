//! The popover's commands when its page runs in its own process (popover.rs): each forwarded
//! call is read as one of the commands command_list.rs allows the popover, with the arguments
//! the page passes (bridge.ts), and answered by the same command the app's own popover
//! would call, deciding as the popover. Anything else is refused.

use inbox::{GrantSpec, Inbox, Resolver, Verdict};
use serde::Deserialize;
use serde_json::Value;
use tauri::{AppHandle, Manager};

use crate::commands;
use crate::decisions::Selection;

/// A call the popover may make, as Tauri would read its arguments (camelCase).
#[derive(Debug, Deserialize)]
#[serde(
    tag = "command",
    content = "args",
    rename_all = "snake_case",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
enum PopoverCall {
    InboxSnapshot {},
    InboxDecide {
        request_id: String,
        verdict: Verdict,
    },
    InboxDecideBatch {
        request_ids: Vec<String>,
        verdict: Verdict,
    },
    GrantOffers {
        request_id: String,
    },
    InboxApproveAndGrant {
        request_id: String,
        spec: GrantSpec,
    },
    GrantsList {},
    GrantRevoke {
        grant_id: String,
    },
    PopoverHide {},
    PopoverSelect {
        request_id: Option<String>,
    },
    PopoverPainted {
        frame_at_ms: Option<f64>,
    },
    WindowOpen {},
}

impl PopoverCall {
    fn read(command: &str, args: Value) -> Result<Self, String> {
        serde_json::from_value(serde_json::json!({ "command": command, "args": args }))
            .map_err(|e| format!("the popover cannot call {command}: {e}"))
    }
}

/// Answers the popover's call `command` with `args`.
pub fn answer(app: &AppHandle, command: &str, args: Value) -> Result<Value, String> {
    let call = PopoverCall::read(command, args)?;
    let inbox = || app.state::<Inbox>();
    let surface = Resolver::Popover;
    match call {
        PopoverCall::InboxSnapshot {} => json(commands::inbox_snapshot(inbox())),
        PopoverCall::InboxDecide {
            request_id,
            verdict,
        } => json(inbox().decide(&request_id, verdict, surface).map(|_| ())),
        PopoverCall::InboxDecideBatch {
            request_ids,
            verdict,
        } => json(inbox().decide_batch(&request_ids, verdict, surface)),
        PopoverCall::GrantOffers { request_id } => {
            json(commands::grant_offers(inbox(), request_id))
        }
        PopoverCall::InboxApproveAndGrant { request_id, spec } => json(
            inbox()
                .approve_and_grant(&request_id, spec, surface)
                .map(|(_, grant)| grant),
        ),
        PopoverCall::GrantsList {} => json(commands::grants_list(inbox())),
        PopoverCall::GrantRevoke { grant_id } => json(inbox().revoke_grant(&grant_id, surface)),
        PopoverCall::PopoverHide {} => {
            commands::popover_hide(app.clone());
            Ok(Value::Null)
        }
        PopoverCall::PopoverSelect { request_id } => {
            commands::popover_select(app.state::<Selection>(), request_id);
            Ok(Value::Null)
        }
        PopoverCall::PopoverPainted { frame_at_ms } => {
            commands::popover_painted(frame_at_ms);
            Ok(Value::Null)
        }
        PopoverCall::WindowOpen {} => json(commands::window_open(app.clone())),
    }
}

/// A command's result as the page gets it: its value, or its error's message.
fn json<T: serde::Serialize, E: std::fmt::Display>(result: Result<T, E>) -> Result<Value, String> {
    let value = result.map_err(|e| e.to_string())?;
    serde_json::to_value(value).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command of command_list.rs with the windows that may call it.
    macro_rules! listed {
        ($($name:ident : [$($window:ident),*]),* $(,)?) => {
            &[$((stringify!($name), &[$(stringify!($window)),*])),*]
        };
    }
    const COMMANDS: &[(&str, &[&str])] = app_commands!(listed);

    #[test]
    fn the_popover_process_can_call_exactly_the_popovers_commands() {
        for (command, windows) in COMMANDS {
            let read = PopoverCall::read(command, serde_json::json!({}));
            let unknown = matches!(&read, Err(e) if e.contains("unknown variant"));
            assert_eq!(
                unknown,
                !windows.contains(&"popover"),
                "{command} ({windows:?}): {read:?}"
            );
        }
        assert!(PopoverCall::read("settings_set", serde_json::json!({})).is_err());
    }

    #[test]
    fn arguments_are_read_as_the_page_sends_them() {
        let call = PopoverCall::read(
            "inbox_decide",
            serde_json::json!({"requestId": "r-1", "verdict": {"verdict": "approve"}}),
        );
        assert!(
            matches!(&call, Ok(PopoverCall::InboxDecide { request_id, .. }) if request_id == "r-1"),
            "{call:?}"
        );
        // The surface is never the page's to say.
        let forged = PopoverCall::read(
            "inbox_decide",
            serde_json::json!({"requestId": "r-1", "verdict": {"verdict": "approve"}, "surface": "notification"}),
        );
        assert!(forged.is_err(), "{forged:?}");
    }
}
