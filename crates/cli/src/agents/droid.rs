//! Factory Droid (`@factory/cli`): Claude Code's hook shape in `~/.factory/hooks.json` (the
//! file is the hooks object itself), read with comments but no trailing comma (with one,
//! Droid ignores the whole file, silently). It has no permission event: `PreToolUse` comes
//! before every call, and its answer `permissionDecision` allows (skipping Droid's own
//! prompt, whatever its autonomy level) or denies with a reason the model reads. So ctray
//! asks the person about exactly the calls Droid would have asked about, and reports the rest.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::{home, text, AgentProgram, OwnDialog};
use crate::install::{install_groups, uninstall_groups, Groups};
use crate::json_settings::Syntax;

pub struct Droid;

const EVENTS: &[&str] = &[
    "PreToolUse",
    "PostToolUse",
    "UserPromptSubmit",
    "Notification",
    "Stop",
    "SessionStart",
    "SessionEnd",
];
const GROUPS: Groups = Groups {
    events: EVENTS,
    decides: Some("PreToolUse"),
    timeout: |secs| secs,
    under_hooks_key: false,
};

/// The tools Droid runs without asking at any autonomy level.
const NEVER_ASKS: &[&str] = &["Read", "LS", "Grep", "Glob", "TodoWrite"];

fn hooks_file() -> Result<PathBuf, String> {
    Ok(home()?.join(".factory").join("hooks.json"))
}

/// Whether Droid would ask the person before this call, by its autonomy level
/// (`permission_mode`): at Auto (Off) and in spec mode every call that is not a read asks;
/// at Auto (Low/Medium/High) only a command whose risk is above the level.
fn would_ask(tool: &str, input: &Value, mode: &str) -> bool {
    if NEVER_ASKS.contains(&tool) || tool == "AskUser" {
        return false;
    }
    let allowed_risk = match mode {
        "auto-low" => 1,
        "auto-medium" => 2,
        "auto-high" => 3,
        _ => return true,
    };
    let risk = match text(&input["riskLevel"]) {
        "low" => 1,
        "medium" => 2,
        _ => 3,
    };
    tool == "Execute" && risk > allowed_risk
}

impl AgentProgram for Droid {
    fn names(&self) -> &'static [&'static str] {
        &["droid", "factory"]
    }

    fn label(&self) -> &'static str {
        "Droid"
    }

    fn kind(&self) -> &'static str {
        "droid"
    }

    /// A `PreToolUse` that Droid would have asked the person about is the request.
    fn shared_input(&self, payload: &Value, _event: Option<&str>) -> Value {
        let mut shared = payload.clone();
        if text(&payload["hook_event_name"]) == "PreToolUse"
            && would_ask(
                text(&payload["tool_name"]),
                &payload["tool_input"],
                text(&payload["permission_mode"]),
            )
        {
            shared["hook_event_name"] = json!("PermissionRequest");
        }
        shared
    }

    /// Its questions are asked in its own terminal; no hook can answer them.
    fn waits_in_its_terminal(&self, event: &str, tool: &str) -> Option<OwnDialog> {
        (event == "PreToolUse" && tool == "AskUser").then_some(OwnDialog::Question)
    }

    fn answer(&self, decision: Value, _input: &Value) -> Value {
        let allow = decision["behavior"] == "allow";
        let reason = match &decision["message"] {
            Value::String(message) => message.clone(),
            _ => "Approved in Converge Tray.".to_owned(),
        };
        json!({
            "hookSpecificOutput": {
                "hookEventName": "PreToolUse",
                "permissionDecision": if allow { "allow" } else { "deny" },
                "permissionDecisionReason": reason,
            }
        })
    }

    fn settings_syntax(&self) -> Syntax {
        Syntax::JsonWithComments
    }

    fn install(&self, ctray: &Path, ask_secs: i64) -> Result<Vec<String>, String> {
        let mut said = install_groups(self, &hooks_file()?, &GROUPS, ctray, ask_secs)?;
        said.push(
            "Droid runs hooks in its terminal only in folders you trusted in it. The tray is \
             asked about the calls Droid itself would ask about at its autonomy level."
                .into(),
        );
        Ok(said)
    }

    fn uninstall(&self) -> Result<Vec<String>, String> {
        uninstall_groups(self, &hooks_file()?, &GROUPS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asks_where_droid_would_ask() {
        let risky = json!({"command": "rm -rf build", "riskLevel": "high"});
        let medium = json!({"command": "touch x", "riskLevel": "medium"});
        assert!(would_ask("Execute", &medium, "off"));
        assert!(would_ask("Edit", &json!({}), "off"));
        assert!(would_ask("Edit", &json!({}), "spec"));
        assert!(!would_ask("Read", &json!({}), "off"));
        assert!(!would_ask("Execute", &medium, "auto-medium"));
        assert!(would_ask("Execute", &risky, "auto-medium"));
        assert!(!would_ask("Edit", &json!({}), "auto-low"));
        assert!(!would_ask("Execute", &json!({"command": "x"}), "auto-high"));
    }

    #[test]
    fn says_the_decision_as_a_pre_tool_use_answer() {
        let denied = Droid.answer(
            json!({"behavior": "deny", "message": "not here"}),
            &Value::Null,
        );
        assert_eq!(
            denied["hookSpecificOutput"]["permissionDecision"],
            json!("deny")
        );
        assert_eq!(
            denied["hookSpecificOutput"]["permissionDecisionReason"],
            json!("not here")
        );
        let allowed = Droid.answer(json!({"behavior": "allow"}), &Value::Null);
        assert_eq!(
            allowed["hookSpecificOutput"]["permissionDecision"],
            json!("allow")
        );
    }
}
