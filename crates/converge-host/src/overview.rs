//! What the full window and `ctray jobs` show of Converge: the jobs the user defined and
//! the recent runs.

use serde::Serialize;
use ts_rs::TS;

use crate::jobs::JobDefinition;
use crate::store::RunRecord;

/// The jobs the user can start and what became of their runs, for the full window.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct JobsOverview {
    pub definitions: Vec<JobDefinition>,
    /// Why the jobs file could not be used, if it could not.
    pub problem: Option<String>,
    /// The most recent runs (the app shows 50), newest first.
    pub runs: Vec<RunRecord>,
}
