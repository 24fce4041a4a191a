//! Converge jobs inside Converge Tray: each run is an agent in the inbox, each
//! human-in-the-loop gate an approval request, and the person's decision resumes the run
//! (docs/converge.md). No Tauri dependency.

mod host;
mod jobs;
mod packs;
mod store;

pub use host::{ConvergeHost, HostError, Recovery};
pub use jobs::{parse_jobs, JobDefinition, JobsOverview, DEFAULT_JOBS};
pub use store::{GateDecisionRecord, RunRecord, RunState};
