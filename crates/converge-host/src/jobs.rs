//! Job definitions: what the user can run, in a TOML file they can edit.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One runnable job: a pack (the suggestors and the gate policy) and its input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct JobDefinition {
    /// Stable name, used to start it: `ctray job start <id>`.
    pub id: String,
    /// What the user sees as the agent's name.
    pub name: String,
    /// A built-in pack (`expense`).
    pub pack: String,
    /// The pack's input, as the pack documents it.
    #[serde(default)]
    #[ts(type = "Record<string, unknown>")]
    pub input: serde_json::Map<String, serde_json::Value>,
}
