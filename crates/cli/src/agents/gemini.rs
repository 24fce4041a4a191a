//! Gemini CLI: Claude Code's hook shape under its own event names, in
//! `$GEMINI_CLI_HOME/.gemini/settings.json` (`~/.gemini`), read with comments but no trailing
//! comma. No hook of Gemini's can approve: `BeforeTool` runs before its own permission check,
//! which asks whatever the hook said (docs/integrations.md). So ctray shows what Gemini does
//! and where it waits for the person, and its own prompt stays the place to approve; where
//! the person turned it on in Settings, the tray refuses high-risk calls first.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::{dir_from, first_line, text, AgentProgram};
use crate::install::{install_groups, uninstall_groups, Groups};
use crate::json_settings::Syntax;

pub struct Gemini;

const EVENTS: &[&str] = &[
    "BeforeTool",
    "AfterTool",
    "BeforeAgent",
    "AfterAgent",
    "Notification",
    "SessionStart",
    "SessionEnd",
];

/// Nothing of Gemini's waits for a decision; it reads a hook's timeout in milliseconds.
const GROUPS: Groups = Groups {
    events: EVENTS,
    decides: None,
    timeout: |secs| secs * 1000,
    under_hooks_key: true,
};

fn settings() -> Result<PathBuf, String> {
    Ok(dir_from("GEMINI_CLI_HOME", "")?
        .join(".gemini")
        .join("settings.json"))
}

impl AgentProgram for Gemini {
    fn names(&self) -> &'static [&'static str] {
        &["gemini"]
    }

    fn label(&self) -> &'static str {
        "Gemini CLI"
    }

    fn kind(&self) -> &'static str {
        "gemini"
    }

    /// Its events under Claude Code's names for the same moments. Its one notification,
    /// `ToolPermission`, comes as its own dialog opens: the agent waits for the person there.
    fn shared_input(&self, payload: &Value, _event: Option<&str>) -> Value {
        let mut shared = payload.clone();
        let event = match text(&payload["hook_event_name"]) {
            "BeforeTool" => "PreToolUse",
            "AfterTool" if payload["tool_response"]["error"].is_null() => "PostToolUse",
            "AfterTool" => "PostToolUseFailure",
            "BeforeAgent" => "UserPromptSubmit",
            "AfterAgent" => {
                shared["last_assistant_message"] = payload["prompt_response"].clone();
                "Stop"
            }
            "Notification" => {
                let details = &payload["details"];
                let what = [&details["command"], &details["filePath"], &details["title"]]
                    .into_iter()
                    .map(text)
                    .find(|what| !what.is_empty())
                    .unwrap_or("a tool call");
                shared["notification_type"] = json!("permission_prompt");
                shared["message"] = json!(if text(&details["type"]) == "ask_user" {
                    "Asks in its terminal".to_owned()
                } else {
                    format!("Waits in its terminal for approval: {}", first_line(what))
                });
                "Notification"
            }
            "SessionStart" => "SessionStart",
            "SessionEnd" => "SessionEnd",
            _ => "",
        };
        shared["hook_event_name"] = json!(event);
        shared
    }

    fn only_refuses(&self) -> bool {
        true
    }

    /// Only ever a refusal (`BeforeTool` can deny, with a reason the model reads): an allow
    /// would change nothing, Gemini's own prompt asks anyway.
    fn answer(&self, decision: Value, _input: &Value) -> Value {
        let reason = text(&decision["message"]);
        json!({ "decision": "deny", "reason": reason })
    }

    fn settings_syntax(&self) -> Syntax {
        Syntax::JsonWithComments
    }

    fn install(&self, ctray: &Path, ask_secs: i64) -> Result<Vec<String>, String> {
        let mut said = install_groups(self, &settings()?, &GROUPS, ctray, ask_secs)?;
        said.push(
            "Gemini CLI's hooks cannot approve: it asks in its own prompt, and the tray shows \
             where it waits (Go to terminal takes you there). Settings → Agents can have the \
             tray deny its high-risk calls first."
                .into(),
        );
        Ok(said)
    }

    fn uninstall(&self) -> Result<Vec<String>, String> {
        uninstall_groups(self, &settings()?, &GROUPS)
    }
}
