//! Converge jobs as the API and the full window show them: what the user can run (their
//! `jobs.toml`), the runs and their states. The app's Converge host (crates/converge-host)
//! runs them; these are the shapes that cross the boundary.

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum RunState {
    Running,
    /// At a gate, waiting for a person.
    Paused,
    Converged,
    /// Converged after a person rejected a proposal.
    Rejected,
    Failed,
    BudgetExhausted,
    /// The app stopped while it ran; start the job again.
    Interrupted,
}

impl RunState {
    /// Converged, rejected, failed, out of budget or interrupted: nothing more will happen.
    pub fn is_finished(self) -> bool {
        !matches!(self, Self::Running | Self::Paused)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RunRecord {
    pub id: String,
    pub job: JobDefinition,
    pub state: RunState,
    /// How it ended, or what it waits for.
    pub detail: Option<String>,
    #[ts(type = "number")]
    pub started_at: i64,
    #[ts(type = "number")]
    pub updated_at: i64,
}

/// The jobs the user can start and what became of their runs, for the full window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct JobsOverview {
    pub definitions: Vec<JobDefinition>,
    /// Why the jobs file could not be used, if it could not.
    pub problem: Option<String>,
    /// The most recent runs (the app shows 50), newest first.
    pub runs: Vec<RunRecord>,
}
