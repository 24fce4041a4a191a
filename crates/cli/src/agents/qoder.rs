//! Qoder CLI (`@qoder-ai/qodercli`): a Claude Code fork with Claude Code's hooks and
//! decisions, in `$QODER_CONFIG_DIR/settings.json` (`~/.qoder`), read with comments but no
//! trailing comma (with one, Qoder ignores the whole file). Its own dialog opens as its
//! `PermissionRequest` hook starts: both places can answer, the first counts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::{claude, home, text, AgentProgram};
use crate::install::{install_groups, uninstall_groups, Groups};
use crate::json_settings::Syntax;
use crate::remember;

pub struct Qoder;

const GROUPS: Groups = Groups::claude_style(claude::EVENTS);

fn settings() -> Result<PathBuf, String> {
    let dir = match std::env::var_os("QODER_CONFIG_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => match std::env::var_os("QODER_CLI_HOME") {
            Some(dir) if !dir.is_empty() => PathBuf::from(dir).join(".qoder"),
            _ => home()?.join(".qoder"),
        },
    };
    Ok(dir.join("settings.json"))
}

impl AgentProgram for Qoder {
    fn names(&self) -> &'static [&'static str] {
        &["qoder", "qodercli"]
    }

    fn label(&self) -> &'static str {
        "Qoder CLI"
    }

    fn kind(&self) -> &'static str {
        "qoder"
    }

    /// Its `permission_prompt` notification comes with every `PermissionRequest`, even one
    /// the tray then answers: not a sign that it waits in its terminal only.
    fn shared_input(&self, payload: &Value, _event: Option<&str>) -> Value {
        let mut shared = payload.clone();
        if text(&payload["hook_event_name"]) == "Notification"
            && text(&payload["notification_type"]) == "permission_prompt"
        {
            shared["hook_event_name"] = json!("");
        }
        shared
    }

    fn remember_choices(&self, payload: &Value) -> Vec<remember::Choice> {
        remember::choices(&payload["permission_suggestions"])
    }

    /// As Claude Code takes them.
    fn answer_questions(&self, input: &Value, answers: &BTreeMap<String, String>) -> Option<Value> {
        claude::answers_in_input(input, answers).map(|decision| self.answer(decision, input))
    }

    fn settings_syntax(&self) -> Syntax {
        Syntax::JsonWithComments
    }

    fn install(&self, ctray: &Path, ask_secs: i64) -> Result<Vec<String>, String> {
        install_groups(self, &settings()?, &GROUPS, ctray, ask_secs)
    }

    fn uninstall(&self) -> Result<Vec<String>, String> {
        uninstall_groups(self, &settings()?, &GROUPS)
    }
}
