//! Codex: Claude Code's hook format in `$CODEX_HOME/hooks.json` (`~/.codex`), which Codex
//! runs only once the person trusted them (it records that trust in its config.toml, by
//! each handler's position); and its `notify` program in config.toml, which reports each
//! turn's end. Its questions (`request_user_input`) are asked in its own terminal only.

use std::path::{Path, PathBuf};

use protocol::model::AgentKind;
use serde_json::{json, Value};

use super::{dir_from, text, AgentProgram, OwnDialog};
use crate::backup::{replace_file, Backup};
use crate::install::{install_groups, is_ours, remove_groups, said_or_nothing, Groups};
use crate::json_settings::{JsonSettings, Syntax};

pub struct Codex;

const EVENTS: &[&str] = &[
    "PermissionRequest",
    "PreToolUse",
    "PostToolUse",
    "UserPromptSubmit",
    "Stop",
    "SessionStart",
    "SessionEnd",
];
const GROUPS: Groups = Groups::claude_style(EVENTS);
const NOTIFY_MARKER: &str = "# Added by `ctray install codex`; `ctray uninstall codex` removes it.";

fn home_dir() -> Result<PathBuf, String> {
    dir_from("CODEX_HOME", ".codex")
}

impl AgentProgram for Codex {
    fn names(&self) -> &'static [&'static str] {
        &["codex"]
    }

    fn label(&self) -> &'static str {
        "Codex"
    }

    fn kind(&self) -> &'static str {
        "codex"
    }

    fn agent_kind(&self) -> AgentKind {
        AgentKind::Codex
    }

    /// The hooks' input is already in the shared shape; the notify program's JSON (the last
    /// argument) has a `type`, and `agent-turn-complete` is the only one so far. Codex also
    /// notifies the turns of its own helper threads (the one that writes a task's title has
    /// a thread id of its own), so a turn's end shows only a thread the hooks already made
    /// an agent of (SessionStart comes first): one Codex session stays one agent.
    fn shared_input(&self, payload: &Value, _event: Option<&str>) -> Value {
        match payload["type"].as_str() {
            None => payload.clone(),
            Some("agent-turn-complete") => json!({
                "hook_event_name": "TurnComplete",
                "session_id": payload["thread-id"],
                "cwd": payload["cwd"],
                "last_assistant_message": text(&payload["last-assistant-message"]),
            }),
            Some(_) => json!({ "hook_event_name": "" }),
        }
    }

    fn waits_in_its_terminal(&self, event: &str, tool: &str) -> Option<OwnDialog> {
        (event == "PreToolUse" && tool == "request_user_input").then_some(OwnDialog::Question)
    }

    fn install(&self, ctray: &Path, ask_secs: i64) -> Result<Vec<String>, String> {
        let dir = home_dir()?;
        let mut said = install_groups(self, &dir.join("hooks.json"), &GROUPS, ctray, ask_secs)?;
        said.extend(add_notify(&dir.join("config.toml"), &program_array(ctray))?);
        said.push(
            "Codex runs these hooks only once you trust them, and asks again after any change \
             to them (this one too): start codex and choose \"Trust all and continue\", or open \
             /hooks and trust them (t trusts all). Until then it asks in its own prompt."
                .into(),
        );
        Ok(said)
    }

    fn uninstall(&self) -> Result<Vec<String>, String> {
        let dir = home_dir()?;
        let hooks = dir.join("hooks.json");
        let config = dir.join("config.toml");
        let trusted = if hooks.exists() {
            trust_keys(&JsonSettings::read(&hooks, Syntax::Json)?.value(), &hooks)
        } else {
            Vec::new()
        };
        let mut said = remove_groups(self, &hooks, &GROUPS)?;
        said.extend(remove_notify(&config)?);
        said.extend(remove_trust(&config, &trusted)?);
        Ok(said_or_nothing(said, &hooks))
    }
}

/// The keys under which Codex records the person's trust in our handlers, in its
/// config.toml: `<hooks.json path>:<event in snake case>:<group index>:<handler index>`.
fn trust_keys(settings: &Value, hooks_file: &Path) -> Vec<String> {
    let Some(hooks) = settings.get("hooks").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut keys = Vec::new();
    for (event, groups) in hooks {
        let groups = groups.as_array().map(Vec::as_slice).unwrap_or_default();
        for (g, group) in groups.iter().enumerate() {
            let handlers = group["hooks"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            for (h, handler) in handlers.iter().enumerate() {
                if is_ours(handler, &Codex) {
                    keys.push(format!(
                        "{}:{}:{g}:{h}",
                        hooks_file.display(),
                        snake_case(event)
                    ));
                }
            }
        }
    }
    keys
}

fn snake_case(event: &str) -> String {
    let mut out = String::new();
    for (i, c) in event.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Takes out of Codex's config.toml the `[hooks.state."<key>"]` tables of `keys` (the trust
/// Codex recorded for our handlers), and the `[hooks.state]` table if that leaves it empty.
fn remove_trust(config: &Path, keys: &[String]) -> Result<Vec<String>, String> {
    let Ok(text) = std::fs::read_to_string(config) else {
        return Ok(Vec::new());
    };
    let table_key = |line: &str| -> Option<String> {
        let quoted = line
            .trim()
            .strip_prefix("[hooks.state.")?
            .strip_suffix(']')?;
        serde_json::from_str::<String>(quoted).ok()
    };
    // The file's lines, each with its newline.
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut keep = vec![true; lines.len()];
    let mut removed = 0;
    let mut i = 0;
    while i < lines.len() {
        if table_key(lines[i]).is_some_and(|key| keys.contains(&key)) {
            removed += 1;
            keep[i] = false;
            i += 1;
            while i < lines.len() && !lines[i].trim_start().starts_with('[') {
                keep[i] = false;
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    if removed == 0 {
        return Ok(Vec::new());
    }
    let others_left = lines
        .iter()
        .zip(&keep)
        .any(|(line, kept)| *kept && line.trim_start().starts_with("[hooks.state."));
    if !others_left {
        // An empty `[hooks.state]` (Codex writes it before the tables) goes too.
        if let Some(at) = lines.iter().position(|l| l.trim() == "[hooks.state]") {
            let end = (at + 1..lines.len())
                .find(|&j| lines[j].trim_start().starts_with('['))
                .unwrap_or(lines.len());
            if lines[at + 1..end].iter().all(|l| l.trim().is_empty()) {
                // With the blank line Codex put before it.
                let start = (0..at)
                    .rev()
                    .take_while(|&j| lines[j].trim().is_empty())
                    .last()
                    .unwrap_or(at);
                keep[start..end].iter_mut().for_each(|k| *k = false);
            }
        }
    }
    let mut kept: String = lines
        .iter()
        .zip(&keep)
        .filter(|(_, kept)| **kept)
        .map(|(line, _)| *line)
        .collect();
    // A table taken from the end leaves the blank line that separated it.
    while kept.ends_with("\n\n") && !text.ends_with("\n\n") {
        kept.pop();
    }
    let mut said = replace_file(config, &kept, Backup::Never)?;
    said.push(format!(
        "{}: removed Codex's trust in ctray's {removed} hook(s)",
        config.display()
    ));
    Ok(said)
}

/// Codex's `notify`: one top-level key, one program. Ours goes first in the file (top-level
/// keys must precede the first table) unless the user already has a notify program.
fn add_notify(config: &Path, program: &str) -> Result<Vec<String>, String> {
    let text = match std::fs::read_to_string(config) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("cannot read {}: {e}", config.display())),
    };
    let line = notify_line(program);
    if text.lines().any(|l| l == line) {
        return Ok(vec![format!(
            "{}: notify already runs ctray",
            config.display()
        )]);
    }
    // ctray's own notify from an earlier install, run from elsewhere (ctray moved out of
    // a build directory): it now runs this ctray.
    if let Some(earlier) = text.lines().find(|l| is_our_notify(l)) {
        let moved = text.replacen(earlier, &line, 1);
        let mut said = replace_file(config, &moved, Backup::Never)?;
        said.push(format!("{}: notify runs this ctray now", config.display()));
        return Ok(said);
    }
    if let Some(existing) = top_level_notify(&text) {
        return Ok(vec![format!(
            "{}: left your notify program as it is ({existing}); Codex runs only one, and ctray \
             gets turn ends from the Stop hook anyway",
            config.display()
        )]);
    }
    let mut said = replace_file(
        config,
        &format!("{NOTIFY_MARKER}\n{line}\n{text}"),
        Backup::FirstOnly,
    )?;
    said.push(format!(
        "{}: notify runs ctray at the end of each turn",
        config.display()
    ));
    Ok(said)
}

fn remove_notify(config: &Path) -> Result<Vec<String>, String> {
    let Ok(text) = std::fs::read_to_string(config) else {
        return Ok(Vec::new());
    };
    let ours = |line: &str| line == NOTIFY_MARKER || is_our_notify(line);
    if !text.lines().any(ours) {
        return Ok(Vec::new());
    }
    let kept: String = text
        .split_inclusive('\n')
        .filter(|line| !ours(line.trim_end_matches('\n')))
        .collect();
    let mut said = replace_file(config, &kept, Backup::Never)?;
    said.push(format!("{}: removed ctray's notify", config.display()));
    Ok(said)
}

/// The `notify = […/ctray", "hook", "codex"]` line an install wrote, wherever ctray was.
fn is_our_notify(line: &str) -> bool {
    line.starts_with("notify = [")
        && line.contains("\"hook\", \"codex\"]")
        && line.contains("ctray\"")
}

/// The value of a top-level `notify = …` line, if there is one before the first table.
fn top_level_notify(text: &str) -> Option<&str> {
    text.lines()
        .map(str::trim)
        .take_while(|line| !line.starts_with('['))
        .find_map(|line| {
            let (key, value) = line.split_once('=')?;
            (key.trim() == "notify").then(|| value.trim())
        })
}

fn notify_line(program: &str) -> String {
    format!("notify = [{program}, \"hook\", \"codex\"]")
}

/// A TOML basic string (JSON's escapes are a subset TOML accepts).
fn program_array(ctray: &Path) -> String {
    Value::String(ctray.display().to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_top_level_notify_only() {
        assert_eq!(
            top_level_notify("model = \"o3\"\nnotify = [\"x\"]\n[tui]\n"),
            Some("[\"x\"]")
        );
        assert_eq!(top_level_notify("[tui]\nnotify = [\"x\"]\n"), None);
    }
}
