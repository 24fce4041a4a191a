//! Qwen Code: Claude Code's hook format and event names, in `~/.qwen/settings.json`
//! (`QWEN_HOME` is not a setting of its own). Its questions and plans always go to its own
//! dialog, whatever a hook answers (an allow is ignored): no card that could not answer.

use std::path::{Path, PathBuf};

use super::{claude, home, AgentProgram, OwnDialog};
use crate::install::{install_groups, uninstall_groups, Groups};
use crate::json_settings::Syntax;

pub struct Qwen;

/// Claude Code's events, with Qwen Code's reading of a timeout.
const GROUPS: Groups = Groups {
    timeout: hook_timeout,
    ..Groups::claude_style(claude::EVENTS)
};

fn settings() -> Result<PathBuf, String> {
    Ok(home()?.join(".qwen").join("settings.json"))
}

/// A hook's `timeout` as Qwen Code reads it: seconds, except that a value of 1000 or more
/// is milliseconds (a 30-minute approval would otherwise be cut off after two seconds), so
/// from there it gets milliseconds.
fn hook_timeout(secs: i64) -> i64 {
    if secs >= 1000 {
        secs * 1000
    } else {
        secs
    }
}

impl AgentProgram for Qwen {
    fn names(&self) -> &'static [&'static str] {
        &["qwen", "qwen-code"]
    }

    fn label(&self) -> &'static str {
        "Qwen Code"
    }

    fn kind(&self) -> &'static str {
        "qwen-code"
    }

    fn waits_in_its_terminal(&self, event: &str, tool: &str) -> Option<OwnDialog> {
        match (event, tool) {
            ("PermissionRequest", "ask_user_question") => Some(OwnDialog::Question),
            ("PermissionRequest", "exit_plan_mode") => Some(OwnDialog::Plan),
            _ => None,
        }
    }

    /// Comments, which Qwen Code keeps when it writes the file itself; a trailing comma
    /// stops it from starting.
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
