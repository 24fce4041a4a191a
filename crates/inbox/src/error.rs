use crate::model::{Outcome, Resolution, Resolver};
use crate::time::format_utc;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid {field}: {problem}")]
    Invalid {
        field: &'static str,
        problem: String,
    },

    #[error("no approval request with id {0}")]
    NotFound(String),

    #[error("{}", already_resolved_message(.id, .resolution))]
    AlreadyResolved {
        id: String,
        resolution: Box<Resolution>,
    },

    #[error("idempotency key {key:?} of agent {agent_id} was already used for a different request ({existing_id})")]
    IdempotencyConflict {
        agent_id: String,
        key: String,
        existing_id: String,
    },

    #[error("agent {agent_id} already has {limit} pending requests; decide or cancel some first")]
    TooManyPending { agent_id: String, limit: usize },

    #[error("process {pid} already has {limit} pending requests; decide or cancel some first")]
    TooManyPendingFromProcess { pid: u32, limit: usize },

    #[error("the inbox already holds {limit} pending requests; decide or cancel some first")]
    InboxFull { limit: usize },

    #[error("{0:?} is not a surface a person decides through")]
    NotADecisionSurface(Resolver),

    #[error("database error: {0}")]
    Storage(#[from] rusqlite::Error),

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    /// The requests table says the request was decided, but the audit chain does not hold
    /// that decision: the database was changed outside the app. Nothing is handed over.
    #[error("the decision on request {request_id} is refused: {problem}; the inbox database was changed outside Converge Tray")]
    Tampered { request_id: String, problem: String },

    #[error("the inbox needs a Tokio runtime to run its timers")]
    NoRuntime,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn invalid(field: &'static str, problem: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            problem: problem.into(),
        }
    }
}

fn already_resolved_message(id: &str, r: &Resolution) -> String {
    let at = format_utc(r.at);
    match (r.outcome, r.by) {
        (Outcome::TimedOut, _) => format!("request {id} expired at {at}"),
        (Outcome::Cancelled, Resolver::Requester) => {
            format!("request {id} was cancelled by its requester at {at}")
        }
        (Outcome::Cancelled, _) => {
            format!("request {id} was cancelled at {at} because its agent went away")
        }
        (Outcome::Approved, by) => format!(
            "request {id} was already approved by {} at {at}",
            by.described()
        ),
        (Outcome::Denied, by) => {
            format!(
                "request {id} was already denied by {} at {at}",
                by.described()
            )
        }
    }
}
