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

pub struct OpenCode;

/// The plugin, as written by install; its first line says whose it is.
const PLUGIN: &str = include_str!("opencode_plugin.js");
const PLUGIN_FIRST_LINE: &str = "// Converge Tray's OpenCode plugin";

/// OpenCode loads every plugin in its config folder's `plugin/`.
fn plugin_file() -> Result<PathBuf, String> {
    Ok(dir_from("XDG_CONFIG_HOME", ".config")?
        .join("opencode")
        .join("plugin")
        .join("ctray.js"))
}

impl AgentProgram for OpenCode {
    fn names(&self) -> &'static [&'static str] {
        &["opencode"]
    }

    fn label(&self) -> &'static str {
        "OpenCode"
    }

    fn kind(&self) -> &'static str {
        "opencode"
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
            .replace("__ASK_TIMEOUT__", &literal(format!("{ask_secs}s")));
        let path = plugin_file()?;
        let mut said = install_plugin(&path, &plugin, PLUGIN_FIRST_LINE)?;
        said.push(format!(
            "{}: OpenCode asks Converge Tray about its permission prompts",
            path.display()
        ));
        said.push(format!(
            "Approvals wait {} for you in Converge Tray, while OpenCode shows its own \
             prompt too: the first answer counts. OpenCode asks only where its config says \"ask\" \
             (its default for shell commands is to allow them): set \"permission\": {{\"bash\": \
             \"ask\"}} in opencode.json. `opencode run` refuses such prompts by itself; its TUI \
             brings them here.",
            spoken(ask_secs * 1000)
        ));
        Ok(said)
    }

    fn uninstall(&self) -> Result<Vec<String>, String> {
        uninstall_plugin(&plugin_file()?, PLUGIN_FIRST_LINE)
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
            OpenCode.answer_questions(&input, &answers),
            Some(json!({"answers": [["c", "d"], ["my, own, words"], ["c, not an option"]]}))
        );
    }
}
