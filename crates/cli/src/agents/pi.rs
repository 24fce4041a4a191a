//! Pi (`@mariozechner/pi-coding-agent`): no permission prompts and no hooks file of its own;
//! its extensions see every tool call and may block it. `ctray install pi` writes one,
//! `$PI_CODING_AGENT_DIR/extensions/ctray.js` (`~/.pi/agent`), which sends the hooks' shared
//! events to `ctray hook pi` and reads back the bare decision (`{"behavior": …}`).

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{dir_from, AgentProgram};
use crate::durations::spoken;
use crate::install::{install_plugin, uninstall_plugin};

pub struct Pi;

/// The extension, as written by install; its first line says whose it is.
const EXTENSION: &str = include_str!("pi_extension.js");
const EXTENSION_FIRST_LINE: &str = "// Converge Tray's Pi extension";

/// Pi loads every extension in its agent folder's `extensions/`.
fn extension_file() -> Result<PathBuf, String> {
    Ok(dir_from("PI_CODING_AGENT_DIR", ".pi/agent")?
        .join("extensions")
        .join("ctray.js"))
}

impl AgentProgram for Pi {
    fn names(&self) -> &'static [&'static str] {
        &["pi"]
    }

    fn label(&self) -> &'static str {
        "Pi"
    }

    fn kind(&self) -> &'static str {
        "pi"
    }

    /// The extension reads the decision itself.
    fn answer(&self, decision: Value, _input: &Value) -> Value {
        decision
    }

    fn install(&self, ctray: &Path, ask_secs: i64) -> Result<Vec<String>, String> {
        let literal = |text: String| Value::String(text).to_string();
        let extension = EXTENSION
            .replace("__CTRAY__", &literal(ctray.display().to_string()))
            .replace("__ASK_TIMEOUT__", &literal(format!("{ask_secs}s")));
        let path = extension_file()?;
        let mut said = install_plugin(&path, &extension, EXTENSION_FIRST_LINE)?;
        said.push(format!(
            "{}: Pi asks Converge Tray before each tool call that can change something \
             (every tool but read, grep, find and ls)",
            path.display()
        ));
        said.push(format!(
            "Approvals wait {} for you in Converge Tray, while Pi shows its own Yes/No dialog \
             too: the first answer counts. Without the app, Pi's dialog decides; `pi -p` has \
             no dialog, so there a call nobody approved is not run.",
            spoken(ask_secs * 1000)
        ));
        Ok(said)
    }

    fn uninstall(&self) -> Result<Vec<String>, String> {
        uninstall_plugin(&extension_file()?, EXTENSION_FIRST_LINE)
    }
}
