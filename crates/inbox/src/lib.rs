//! The approval inbox: the heart of Converge Tray, with no Tauri dependency.
//!
//! Agents register and report what they do; they ask for approval and wait. People decide
//! through the app's own surfaces. Every request is durable before anyone hears of it, the
//! first decision wins, timeouts fire by themselves, and every request and resolution lands
//! in a hash-chained audit log. See `docs/architecture.md` for how the app uses it.

mod audit;
mod error;
mod glance;
mod inbox;
mod model;
mod store;
mod time;
mod validate;

pub use audit::{AuditEntry, AuditEvent, BrokenEntry, ChainReport, HistoryPage, HistoryQuery};
pub use error::{Error, Result};
pub use glance::{Glance, GlanceState};
pub use inbox::{Inbox, InboxConfig, Subscription, Update};
pub use model::*;
pub use store::{Durability, MovedAside, OpenReport, SCHEMA_VERSION};
pub use time::{format_utc, Clock, ManualClock, SystemClock};
pub use validate::{clip, describe_duration};

/// Limits on submitted text and timeouts, for callers that want to check early.
pub mod limits {
    pub use crate::validate::{
        MAX_ACTION, MAX_ACTIVITY, MAX_DETAILS, MAX_ID, MAX_IDEMPOTENCY_KEY, MAX_NAME, MAX_REASON,
        MAX_TIMEOUT_MS, MAX_TITLE, MIN_TIMEOUT_MS,
    };
}
