//! Cursor (the IDE's agent and `cursor-agent`): `~/.cursor/hooks.json`, whose
//! `beforeShellExecution` and `beforeMCPExecution` decide with `{"permission": …}`. Cursor
//! is set up here but never run: it needs the vendor's login (docs/integrations.md).

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::{first_line, home, text, AgentProgram};
use crate::install::{install_handler_lists, uninstall_handler_lists, HandlerList};

pub struct Cursor;

/// Its events: the two that decide, then what shows the agent's state.
const EVENTS: &[&str] = &[
    "beforeShellExecution",
    "beforeMCPExecution",
    "afterShellExecution",
    "afterAgentResponse",
    "stop",
];
const DECIDES: &[&str] = &["beforeShellExecution", "beforeMCPExecution"];

fn hooks_file() -> Result<PathBuf, String> {
    Ok(home()?.join(".cursor").join("hooks.json"))
}

impl AgentProgram for Cursor {
    fn names(&self) -> &'static [&'static str] {
        &["cursor"]
    }

    fn label(&self) -> &'static str {
        "Cursor"
    }

    fn kind(&self) -> &'static str {
        "cursor"
    }

    /// A shell command or an MCP call to decide as a PermissionRequest, its after-events and
    /// `stop` as the status events they are. A conversation is a session.
    fn shared_input(&self, payload: &Value, _event: Option<&str>) -> Value {
        let cwd = match text(&payload["cwd"]) {
            "" => payload["workspace_roots"][0].clone(),
            cwd => json!(cwd),
        };
        let (event, tool, input) = match text(&payload["hook_event_name"]) {
            "beforeShellExecution" => (
                "PermissionRequest",
                json!("Shell"),
                json!({ "command": payload["command"] }),
            ),
            "afterShellExecution" => (
                "PostToolUse",
                json!("Shell"),
                json!({ "command": payload["command"] }),
            ),
            "beforeMCPExecution" => {
                let server = match text(&payload["mcp_server_name"]) {
                    "" => "server",
                    name => name,
                };
                // Cursor sends the arguments as a JSON string.
                let arguments = match &payload["tool_input"] {
                    Value::String(raw) => serde_json::from_str(raw).unwrap_or(json!(raw)),
                    other => other.clone(),
                };
                (
                    "PermissionRequest",
                    json!(format!("mcp__{server}__{}", text(&payload["tool_name"]))),
                    arguments,
                )
            }
            "afterAgentResponse" => ("Notification", Value::Null, Value::Null),
            "stop" => ("Stop", Value::Null, Value::Null),
            _ => ("", Value::Null, Value::Null),
        };
        let last_message = match text(&payload["status"]) {
            "aborted" => "Stopped (aborted)".to_owned(),
            "error" => "Stopped with an error".to_owned(),
            _ => String::new(),
        };
        json!({
            "hook_event_name": event,
            "session_id": payload["conversation_id"],
            "cwd": cwd,
            "tool_name": tool,
            "tool_input": input,
            "message": first_line(text(&payload["text"])),
            "last_assistant_message": last_message,
        })
    }

    fn answer(&self, decision: Value, _input: &Value) -> Value {
        match decision["behavior"].as_str() {
            Some("allow") => json!({ "permission": "allow" }),
            _ => json!({
                "permission": "deny",
                "user_message": decision["message"],
                "agent_message": decision["message"],
            }),
        }
    }

    /// Cursor's answer to "nothing to say" is not settled (and JSON it cannot read may block
    /// the call), so where Cursor waits for a decision the fallback is said outright: "ask",
    /// its own prompt. Unreadable input might be such a hook too.
    fn without_decision(&self, payload: Option<&Value>) -> Option<Value> {
        let event = payload.map(|p| text(&p["hook_event_name"]));
        matches!(
            event,
            None | Some("beforeShellExecution" | "beforeMCPExecution" | "")
        )
        .then(|| json!({ "permission": "ask" }))
    }

    fn install(&self, ctray: &Path, ask_secs: i64) -> Result<Vec<String>, String> {
        let list = HandlerList {
            events: EVENTS,
            decides: DECIDES,
            command: |plain, _event| plain.to_owned(),
            handler: |command, timeout| json!({ "command": command, "timeout": timeout }),
        };
        let mut said = install_handler_lists(self, &hooks_file()?, &list, ctray, ask_secs)?;
        said.push(
            "Cursor asks about every shell command and MCP call its agent runs, not only the \
             ones it would prompt for (add a \"matcher\" to a hook in the file to narrow it). \
             Cursor also runs Claude Code's hooks: if ctray is installed for Claude Code too, \
             turn off third-party hooks in Cursor's settings, or each call is asked twice."
                .into(),
        );
        Ok(said)
    }

    fn uninstall(&self) -> Result<Vec<String>, String> {
        uninstall_handler_lists(self, &hooks_file()?)
    }
}
