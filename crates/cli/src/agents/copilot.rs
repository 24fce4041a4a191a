//! GitHub Copilot CLI: every `hooks/*.json` of `$COPILOT_HOME` (`~/.copilot`) is loaded, so
//! ctray's handlers go in a file of their own, `hooks/ctray.json`. Its input is camelCase and
//! names its event only for `permissionRequest`, so each handler says which event it serves
//! (`--event`); it reads the bare decision (`{"behavior": …}`). Its questions (`ask_user`)
//! are asked in its own terminal only.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::{dir_from, AgentProgram, OwnDialog};
use crate::install::{install_handler_lists, uninstall_handler_lists, HandlerList};

pub struct Copilot;

/// Its events, in its own names: the one that decides, then what shows the agent's state.
const EVENTS: &[&str] = &[
    "permissionRequest",
    "preToolUse",
    "postToolUse",
    "userPromptSubmitted",
    "agentStop",
    "sessionStart",
    "sessionEnd",
];

fn hooks_file() -> Result<PathBuf, String> {
    Ok(dir_from("COPILOT_HOME", ".copilot")?
        .join("hooks")
        .join("ctray.json"))
}

impl AgentProgram for Copilot {
    fn names(&self) -> &'static [&'static str] {
        &["copilot"]
    }

    fn label(&self) -> &'static str {
        "Copilot CLI"
    }

    fn kind(&self) -> &'static str {
        "copilot"
    }

    /// Its event (named by `hookName`, or by the installer's `--event`) under Claude Code's
    /// name for the same moment, its camelCase fields under Claude Code's names. An event it
    /// does not know stays unknown.
    fn shared_input(&self, payload: &Value, event: Option<&str>) -> Value {
        let event = payload["hookName"].as_str().or(event).unwrap_or("");
        let event = match event {
            "permissionRequest" => "PermissionRequest",
            "preToolUse" => "PreToolUse",
            "postToolUse" => "PostToolUse",
            "userPromptSubmitted" => "UserPromptSubmit",
            "agentStop" => "Stop",
            "sessionStart" => "SessionStart",
            "sessionEnd" => "SessionEnd",
            _ => "",
        };
        let input = match &payload["toolInput"] {
            Value::Null => payload["toolArgs"].clone(),
            input => input.clone(),
        };
        json!({
            "hook_event_name": event,
            "session_id": payload["sessionId"],
            "cwd": payload["cwd"],
            "tool_name": payload["toolName"],
            "tool_input": input,
            "source": payload["source"],
            "reason": payload["reason"],
        })
    }

    fn waits_in_its_terminal(&self, event: &str, tool: &str) -> Option<OwnDialog> {
        (event == "PreToolUse" && tool == "ask_user").then_some(OwnDialog::Question)
    }

    /// Copilot reads the decision itself, not Claude Code's wrapper around it.
    fn answer(&self, decision: Value, _input: &Value) -> Value {
        decision
    }

    fn install(&self, ctray: &Path, ask_secs: i64) -> Result<Vec<String>, String> {
        let list = HandlerList {
            events: EVENTS,
            decides: &["permissionRequest"],
            command: |plain, event| format!("{plain} --event {event}"),
            // Its handlers run `bash`, with `timeoutSec` (default 30 s).
            handler: |command, timeout| json!({ "type": "command", "bash": command, "timeoutSec": timeout }),
        };
        install_handler_lists(self, &hooks_file()?, &list, ctray, ask_secs)
    }

    fn uninstall(&self) -> Result<Vec<String>, String> {
        uninstall_handler_lists(self, &hooks_file()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn its_input_reads_as_the_event_it_is() {
        let asked = Copilot.shared_input(
            &json!({"hookName": "permissionRequest", "sessionId": "s", "cwd": "/p",
                    "toolName": "bash", "toolInput": {"command": "ls"}}),
            Some("preToolUse"),
        );
        assert_eq!(
            asked["hook_event_name"], "PermissionRequest",
            "hookName wins"
        );
        assert_eq!(asked["tool_input"], json!({"command": "ls"}));
        let before = Copilot.shared_input(
            &json!({"sessionId": "s", "toolName": "bash", "toolArgs": {"command": "ls"}}),
            Some("preToolUse"),
        );
        assert_eq!(before["hook_event_name"], "PreToolUse");
        assert_eq!(before["tool_input"], json!({"command": "ls"}));
        let unknown = Copilot.shared_input(&json!({"sessionId": "s"}), Some("somethingNew"));
        assert_eq!(unknown["hook_event_name"], "");
    }
}
