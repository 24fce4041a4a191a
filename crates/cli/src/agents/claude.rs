//! Claude Code: the hook format the others borrow. Its `PermissionRequest` hook decides
//! (allow, with the "always allow" rule it suggested if the person picked one; deny with a
//! message the model reads), its questions and plans arrive there too, and its settings
//! live in `$CLAUDE_CONFIG_DIR/settings.json` (`~/.claude`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use protocol::model::AgentKind;
use serde_json::{json, Value};

use super::{dir_from, AgentProgram};
use crate::install::{install_groups, uninstall_groups, Groups};
use crate::remember;

pub struct Claude;

/// The events ctray answers, for Claude Code and for Qwen Code, which has the same names.
pub const EVENTS: &[&str] = &[
    "PermissionRequest",
    "PreToolUse",
    "PostToolUse",
    "PostToolUseFailure",
    "Notification",
    "UserPromptSubmit",
    "Stop",
    "SessionStart",
    "SessionEnd",
];

const GROUPS: Groups = Groups::claude_style(EVENTS);

/// The decision that answers a question: the answers go back in the tool's input, which
/// keeps what was asked (Claude Code, and Qoder CLI after it).
pub fn answers_in_input(input: &Value, answers: &BTreeMap<String, String>) -> Option<Value> {
    let mut answered = input.clone();
    answered
        .as_object_mut()?
        .insert("answers".into(), json!(answers));
    Some(json!({ "behavior": "allow", "updatedInput": answered }))
}

fn settings() -> Result<PathBuf, String> {
    Ok(dir_from("CLAUDE_CONFIG_DIR", ".claude")?.join("settings.json"))
}

impl AgentProgram for Claude {
    fn names(&self) -> &'static [&'static str] {
        &["claude", "claude-code"]
    }

    fn label(&self) -> &'static str {
        "Claude Code"
    }

    fn kind(&self) -> &'static str {
        "claude-code"
    }

    fn agent_kind(&self) -> AgentKind {
        AgentKind::ClaudeCode
    }

    fn remember_choices(&self, payload: &Value) -> Vec<remember::Choice> {
        remember::choices(&payload["permission_suggestions"])
    }

    fn answer_questions(&self, input: &Value, answers: &BTreeMap<String, String>) -> Option<Value> {
        answers_in_input(input, answers).map(|decision| self.answer(decision, input))
    }

    fn install(&self, ctray: &Path, ask_secs: i64) -> Result<Vec<String>, String> {
        let mut said = install_groups(self, &settings()?, &GROUPS, ctray, ask_secs)?;
        said.push(
            "Claude Code starts in auto mode, where its cloud classifier approves most calls \
             itself and the tray is asked only about what it hands back (nothing when it is \
             unreachable). To bring every question here, set \"permissions\": \
             {\"defaultMode\": \"default\"} in ~/.claude/settings.json (or run claude \
             --permission-mode default), and answer No if Claude Code offers to make auto mode \
             your default."
                .into(),
        );
        Ok(said)
    }

    fn uninstall(&self) -> Result<Vec<String>, String> {
        uninstall_groups(self, &settings()?, &GROUPS)
    }
}
