//! The approval inbox: the heart of Converge Tray, with no Tauri dependency.
//!
//! Agents register and report what they do; they ask for approval and wait. People decide
//! through the app's own surfaces. Every request is durable before anyone hears of it, the
//! first decision wins, timeouts fire by themselves, and every request and resolution lands
//! in a hash-chained audit log. See `docs/architecture.md` for how the app uses it.

mod audit;
mod enum_text;
mod error;
mod glance;
mod grant_store;
mod granting;
mod inbox;
mod pricing;
mod questions;
mod risk;
mod shell_risk;
mod store;
mod time;
mod timeline;
mod validate;

// The model is the local API's (crates/protocol): the same types on the wire and here.
use protocol::model;

pub use audit::{describe_remote, AuditEntry, AuditEvent, HistoryPage, HistoryQuery};
pub use error::{Error, Result};
pub use glance::{Glance, GlanceState};
pub use granting::{
    grant_offers, GrantFor, GrantOffer, GrantOffers, GrantRecord, GrantSpec, GrantWhat,
};
pub use inbox::{Inbox, InboxConfig, Subscription, Update};
pub use model::*;
pub use protocol::limits::{self, clip, describe_duration};
pub use questions::{
    is_question, option_answer, questions_of, single_choice, Question, QuestionOption,
};
pub use risk::{approval_refused, RiskRule, RiskRules};
pub use store::{Durability, MovedAside, OpenReport, APPLICATION_ID, SCHEMA_VERSION};
pub use time::{format_utc, Clock, ManualClock, SystemClock};
pub use timeline::{Timeline, TimelineEntry, TimelineWhat, MAX_TIMELINE_PAGE};
