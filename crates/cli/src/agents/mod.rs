//! The agent programs ctray's hooks serve, one module each: what an agent sends (its events
//! and their input, brought to one shape), what it takes back (its decision JSON), and where
//! and how its hooks are installed. `hook.rs` and `install.rs` hold the flow they share.
//!
//! Adding an agent: a module here that implements [`AgentProgram`], and its line in [`ALL`].

mod claude;
mod cline;
mod codex;
mod copilot;
mod cursor;
mod droid;
mod gemini;
mod kilo;
mod opencode;
mod pi;
mod qoder;
mod qwen;

use std::fmt;
use std::path::{Path, PathBuf};

use protocol::limits::clip;
use protocol::model::AgentKind;
use serde_json::{json, Value};

use crate::json_settings::Syntax;
use crate::remember;

/// Every agent program ctray serves, likeliest first (the order of help and "did you
/// mean").
pub const ALL: &[&dyn AgentProgram] = &[
    &claude::Claude,
    &codex::Codex,
    &qwen::Qwen,
    &copilot::Copilot,
    &cursor::Cursor,
    &opencode::OPENCODE,
    &pi::Pi,
    &gemini::Gemini,
    &droid::Droid,
    &cline::Cline,
    &qoder::Qoder,
    &kilo::KILO,
];

/// One agent program, as its hooks meet ctray.
///
/// The shared shape of an event (what [`AgentProgram::shared_input`] returns) is Claude
/// Code's: `hook_event_name` (`PermissionRequest`, `PreToolUse`, `PostToolUse`,
/// `PostToolUseFailure`, `UserPromptSubmit`, `Notification`, `Stop`, `SessionStart`,
/// `SessionEnd`, or `TurnComplete` for a turn's end that shows only a session the tray knows),
/// `session_id`, `cwd`, `tool_name`, `tool_input`, and each event's own fields.
///
/// A decision is Claude Code's too: `{"behavior": "allow", …}` or `{"behavior": "deny",
/// "message": …}`; [`AgentProgram::answer`] says it the agent's way.
pub trait AgentProgram: Sync {
    /// How ctray's arguments name it (`ctray hook claude`), then its other spellings.
    fn names(&self) -> &'static [&'static str];

    /// Its usual name: `claude`.
    fn word(&self) -> &'static str {
        self.names()[0]
    }

    /// The agent's own name, as the person knows it.
    fn label(&self) -> &'static str;

    /// What its agents' ids in the tray start with (`claude-code:<session>`).
    fn kind(&self) -> &'static str;

    fn agent_kind(&self) -> AgentKind {
        AgentKind::Other
    }

    /// Its hook input in the shared shape. `event` is the one the installer put on the
    /// command line (`--event`), for an agent whose input does not name it.
    fn shared_input(&self, payload: &Value, _event: Option<&str>) -> Value {
        payload.clone()
    }

    /// Where an event (in the shared shape) means the agent asks the person in its own
    /// terminal and no answer of a hook can reach it: what it waits for there, shown as the
    /// agent's state instead of a card that could not answer.
    fn waits_in_its_terminal(&self, _event: &str, _tool: &str) -> Option<OwnDialog> {
        None
    }

    /// Whether its hooks can refuse a call but never approve one (its own prompt asks):
    /// before each call, the person's rule in the tray may refuse it (`approval.check`).
    fn only_refuses(&self) -> bool {
        false
    }

    /// The standing permissions the agent offers with a request ("always allow" its own way),
    /// which the person may pick in the tray.
    fn remember_choices(&self, _payload: &Value) -> Vec<remember::Choice> {
        Vec::new()
    }

    /// A decision (Claude Code's shape) about the call whose tool input was `input`, as this
    /// agent reads it.
    fn answer(&self, decision: Value, _input: &Value) -> Value {
        json!({
            "hookSpecificOutput": {
                "hookEventName": "PermissionRequest",
                "decision": decision,
            }
        })
    }

    /// The person's answers to the agent's question (`input` is what it asked, in Claude
    /// Code's shape; `answers` maps each question's text to the chosen label or labels, or
    /// to the person's own words), if a hook can give them to this agent.
    fn answer_questions(
        &self,
        _input: &Value,
        _answers: &std::collections::BTreeMap<String, String>,
    ) -> Option<Value> {
        None
    }

    /// What to print when there is no decision (the app is away, nobody decided in time):
    /// nothing, for every agent whose silence means "ask in your own prompt".
    fn without_decision(&self, _payload: Option<&Value>) -> Option<Value> {
        None
    }

    /// How the agent reads the JSON file its hooks are in.
    fn settings_syntax(&self) -> Syntax {
        Syntax::Json
    }

    /// Adds ctray's hooks for this agent (replacing an earlier install of ours) and says what
    /// it did. `program` is ctray as the agent's shell runs it; approvals wait `ask_secs`.
    fn install(&self, ctray: &Path, ask_secs: i64) -> Result<Vec<String>, String>;

    /// Removes exactly what `install` added.
    fn uninstall(&self) -> Result<Vec<String>, String>;
}

/// What an agent asks in its own terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnDialog {
    Question,
    Plan,
}

/// An agent program, as ctray's commands carry it.
#[derive(Clone, Copy)]
pub struct Host(&'static dyn AgentProgram);

impl Host {
    /// The agent by any of its names.
    pub fn parse(name: &str) -> Option<Self> {
        ALL.iter()
            .find(|agent| agent.names().contains(&name))
            .map(|agent| Self(*agent))
    }

    #[cfg(test)]
    pub fn named(name: &str) -> Self {
        Self::parse(name).unwrap_or_else(|| panic!("no agent is named {name:?}"))
    }

    /// Every name each agent goes by, the usual ones first (for "did you mean").
    pub fn every_name() -> Vec<&'static str> {
        let first = ALL.iter().map(|agent| agent.names()[0]);
        let others = ALL
            .iter()
            .flat_map(|agent| agent.names()[1..].iter().copied());
        first.chain(others).collect()
    }

    /// The agents' usual names as a sentence: "claude, codex, … or opencode".
    pub fn names_spoken() -> String {
        let names: Vec<&str> = ALL.iter().map(|agent| agent.names()[0]).collect();
        match names.split_last() {
            Some((last, [])) => (*last).to_owned(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        }
    }
}

impl std::ops::Deref for Host {
    type Target = dyn AgentProgram;

    fn deref(&self) -> &Self::Target {
        self.0
    }
}

impl PartialEq for Host {
    fn eq(&self, other: &Self) -> bool {
        self.word() == other.word()
    }
}

impl Eq for Host {}

impl fmt::Debug for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Host({})", self.word())
    }
}

/// The person's home directory.
fn home() -> Result<PathBuf, String> {
    std::env::var_os("HOME")
        .filter(|home| !home.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| "HOME is not set".to_owned())
}

/// A directory an agent lets an environment variable move, else `default` under home.
fn dir_from(variable: &str, default: &str) -> Result<PathBuf, String> {
    match std::env::var_os(variable) {
        Some(dir) if !dir.is_empty() => Ok(PathBuf::from(dir)),
        _ => Ok(home()?.join(default)),
    }
}

/// A JSON string field, or "" for anything else.
pub fn text(value: &Value) -> &str {
    value.as_str().unwrap_or("")
}

/// The first line of a text, clipped, with " …" where more follows.
pub fn first_line(text: &str) -> String {
    let mut lines = text.trim().lines();
    let first = lines.next().unwrap_or("");
    if lines.next().is_some() {
        clip(&format!("{first} …"), 200)
    } else {
        clip(first, 200)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_names_one_agent() {
        let names = Host::every_name();
        for name in &names {
            assert_eq!(
                names.iter().filter(|other| other == &name).count(),
                1,
                "{name}"
            );
            assert!(Host::parse(name).is_some(), "{name}");
        }
        assert_eq!(Host::parse("claude-code"), Host::parse("claude"));
        assert!(Host::parse("nobody").is_none());
    }
}
