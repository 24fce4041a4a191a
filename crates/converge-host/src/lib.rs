//! Converge jobs inside Converge Tray: each run is an agent in the inbox, each
//! human-in-the-loop gate an approval request, and the person's decision resumes the run
//! (docs/converge.md). No Tauri dependency.

mod host;
mod jobs;
mod jobs_file;
mod overview;
mod packs;
mod store;

pub use host::{ConvergeHost, HostError, Recovery};
pub use jobs::JobDefinition;
pub use jobs_file::{parse_jobs, DEFAULT_JOBS};
pub use overview::JobsOverview;
pub use store::{GateDecisionRecord, RunRecord, RunState};
