//! OpenCode, through the plugin `ctray install opencode` writes into its config folder's
//! `plugin/` (`$XDG_CONFIG_HOME/opencode`): the plugin hands its `permission.asked`,
//! `question.asked` and session status events to `ctray hook opencode` and replies through
//! OpenCode's own server (`{"reply": "once" | "reject"}`, a question's labels).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use protocol::model::QUESTION_TOOL;
use serde_json::{json, Value};

use super::{dir_from, text, AgentProgram};
use crate::durations::spoken;
use crate::install::{install_plugin, uninstall_plugin};

/// OpenCode, and a fork of it with the same plugin API in a config folder of its own.
pub struct OpenCode {
    names: &'static [&'static str],
    label: &'static str,
    kind: &'static str,
    /// Its folder under `$XDG_CONFIG_HOME`.
    config_folder: &'static str,
}

impl OpenCode {
    pub const fn fork(
        names: &'static [&'static str],
        label: &'static str,
        kind: &'static str,
        config_folder: &'static str,
    ) -> Self {
        Self {
            names,
            label,
            kind,
            config_folder,
        }
    }

    /// Its config folder's `plugin/`, which it loads every plugin of.
    fn plugin_file(&self) -> Result<PathBuf, String> {
        Ok(dir_from("XDG_CONFIG_HOME", ".config")?
            .join(self.config_folder)
            .join("plugin")
            .join("ctray.js"))
    }
}

pub const OPENCODE: OpenCode = OpenCode::fork(&["opencode"], "OpenCode", "opencode", "opencode");

/// The plugin, as written by install; its first line says whose it is.
const PLUGIN: &str = include_str!("opencode_plugin.js");
const PLUGIN_FIRST_LINE: &str = "// Converge Tray's OpenCode plugin";

impl AgentProgram for OpenCode {
    fn names(&self) -> &'static [&'static str] {
        self.names
    }

    fn label(&self) -> &'static str {
        self.label
    }

    fn kind(&self) -> &'static str {
        self.kind
    }

    /// What the plugin hands over (an event's properties, with the event's name as
    /// `hook_event_name` and the session's `directory`): a permission request shows the
    /// permission (`bash`, `edit`, …) as the tool and its metadata (`{command}`) as the input;
    /// a busy session is working, an idle one has finished its turn; its `question` tool's
    /// questions are Claude Code's: the same card, the same answers.
    fn shared_input(&self, payload: &Value, _event: Option<&str>) -> Value {
        let status = text(&payload["status"]["type"]);
        if text(&payload["hook_event_name"]) == "question.asked" {
            let questions: Vec<Value> = payload["questions"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|question| {
                    json!({
                        "question": question["question"],
                        "header": question["header"],
                        "options": question["options"],
                        "multiSelect": question["multiple"] == true,
                    })
                })
                .collect();
            return json!({
                "hook_event_name": "PermissionRequest",
                "session_id": payload["sessionID"],
                "cwd": payload["directory"],
                "tool_name": QUESTION_TOOL,
                "tool_input": { "questions": questions },
            });
        }
        let event = match (text(&payload["hook_event_name"]), status) {
            ("permission.asked", _) => "PermissionRequest",
            ("session.status", "busy") => "UserPromptSubmit",
            ("session.idle", _) => "Stop",
            _ => "",
        };
        let input = match &payload["metadata"] {
            Value::Object(fields) if !fields.is_empty() => payload["metadata"].clone(),
            _ => json!({ "patterns": payload["patterns"] }),
        };
        json!({
            "hook_event_name": event,
            "session_id": payload["sessionID"],
            "cwd": payload["directory"],
            "tool_name": payload["permission"],
            "tool_input": input,
        })
    }

    /// "always" would be OpenCode's own standing rule: only "once" comes from the tray.
    fn answer(&self, decision: Value, _input: &Value) -> Value {
        match decision["behavior"].as_str() {
            Some("allow") => json!({ "reply": "once" }),
            _ => json!({ "reply": "reject", "message": decision["message"] }),
        }
    }

    /// For each question in order, the labels chosen (several joined by ", " in the tray,
    /// where each part is one of the options), or the person's own words as one answer.
    fn answer_questions(&self, input: &Value, answers: &BTreeMap<String, String>) -> Option<Value> {
        let questions = input["questions"].as_array().cloned().unwrap_or_default();
        let per_question: Vec<Value> = questions
            .iter()
            .map(|question| {
                let answer = answers
                    .get(text(&question["question"]))
                    .map(String::as_str)
                    .unwrap_or("");
                let labels: Vec<&str> = question["options"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|option| text(&option["label"]))
                    .collect();
                let parts: Vec<&str> = answer.split(", ").collect();
                let chosen = if question["multiSelect"] == true
                    && parts.iter().all(|part| labels.contains(part))
                {
                    parts
                } else {
                    vec![answer]
                };
                json!(chosen)
            })
            .collect();
        Some(json!({ "answers": per_question }))
    }

    fn install(&self, ctray: &Path, ask_secs: i64) -> Result<Vec<String>, String> {
        let literal = |text: String| Value::String(text).to_string();
        let plugin = PLUGIN
            .replace("__CTRAY__", &literal(ctray.display().to_string()))
            .replace("__ASK_TIMEOUT__", &literal(format!("{ask_secs}s")))
            .replace("__AGENT__", &literal(self.word().to_owned()));
        let path = self.plugin_file()?;
        let mut said = install_plugin(&path, &plugin, PLUGIN_FIRST_LINE)?;
        said.push(format!(
            "{}: {} asks Converge Tray about its permission prompts",
            path.display(),
            self.label
        ));
        said.push(format!(
            "Approvals wait {} for you in Converge Tray, while {label} shows its own \
             prompt too: the first answer counts. {label} asks only where its config says \
             \"ask\" (for some or all shell commands its default is to allow them): set \
             \"permission\": {{\"bash\": \"ask\"}} in its config. `{word} run` refuses such \
             prompts by itself; its TUI brings them here.",
            spoken(ask_secs * 1000),
            label = self.label,
            word = self.word(),
        ));
        Ok(said)
    }

    fn uninstall(&self) -> Result<Vec<String>, String> {
        uninstall_plugin(&self.plugin_file()?, PLUGIN_FIRST_LINE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gets_each_questions_labels_or_the_persons_own_words() {
        let input = json!({"questions": [
            {"question": "Which?", "multiSelect": true,
             "options": [{"label": "a, b"}, {"label": "c"}, {"label": "d"}]},
            {"question": "Name?", "multiSelect": false, "options": [{"label": "x"}]},
            {"question": "More?", "multiSelect": true, "options": [{"label": "c"}]},
        ]});
        let answers = [
            ("Which?".to_owned(), "c, d".to_owned()),
            ("Name?".to_owned(), "my, own, words".to_owned()),
            ("More?".to_owned(), "c, not an option".to_owned()),
        ]
        .into();
        assert_eq!(
            OPENCODE.answer_questions(&input, &answers),
            Some(json!({"answers": [["c", "d"], ["my, own, words"], ["c, not an option"]]}))
        );
    }
}
