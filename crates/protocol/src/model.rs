//! The inbox's vocabulary: agents, approval requests and their resolutions.
//!
//! These types cross every boundary (SQLite, the local API, the Tauri bridge), so they are
//! serde-serializable with stable snake_case names, and their TypeScript twins are generated
//! by ts-rs (see `crates/bindings`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Milliseconds since the Unix epoch. A plain number on the wire and in TypeScript.
pub type Millis = i64;

/// Where an agent comes from; decides its icon and how it is driven.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum AgentKind {
    Converge,
    ClaudeCode,
    Codex,
    Script,
    Other,
}

/// What an agent is doing, as the user sees it.
///
/// `WaitingForApproval` is derived: an agent with pending requests shows it whatever it last
/// reported. `Gone` is set by the inbox when an agent stops reporting, so it never silently
/// vanishes from the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum AgentState {
    Idle,
    Working,
    WaitingForApproval,
    WaitingForInput,
    Done,
    Error,
    Gone,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Agent {
    pub id: String,
    pub name: String,
    pub kind: AgentKind,
    pub state: AgentState,
    /// Last activity in the agent's own words (untrusted text).
    pub activity: Option<String>,
    #[ts(type = "number | null")]
    pub activity_at: Option<Millis>,
    /// Last time anything was heard from the agent.
    #[ts(type = "number")]
    pub last_seen: Millis,
    pub pending: u32,
    /// The session's token use, as its hook read it from the agent's own transcript.
    #[serde(default)]
    pub usage: Option<TokenUsage>,
    /// What that use would cost at the model's list prices, in millionths of a US dollar;
    /// absent for a model whose prices the app does not know.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub estimated_cost_micro_usd: Option<u64>,
}

/// An agent session's token use so far, read from its own local transcript (Claude Code's
/// `transcript_path`, Codex's session file). Never sent anywhere.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct TokenUsage {
    /// Input not read from the model's cache.
    #[ts(type = "number")]
    pub input_tokens: u64,
    #[ts(type = "number")]
    pub output_tokens: u64,
    #[ts(type = "number")]
    pub cache_read_tokens: u64,
    #[ts(type = "number")]
    pub cache_write_tokens: u64,
    /// The model of the session's latest answer, as the transcript names it.
    pub model: Option<String>,
}

/// An agent's report of itself. Missing fields keep their stored value.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct AgentUpdate {
    pub id: String,
    pub name: Option<String>,
    pub kind: Option<AgentKind>,
    /// `WaitingForApproval` and `Gone` are the inbox's to set and are refused here.
    pub state: Option<AgentState>,
    pub activity: Option<String>,
    /// The session's token use so far (replaces what was reported before).
    #[serde(default)]
    pub usage: Option<TokenUsage>,
}

/// What a request turns into when nobody decides in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum OnTimeout {
    /// The safe default: the action does not happen.
    #[default]
    Deny,
    /// The asker falls back to its own prompt (hook integrations: the terminal asks instead).
    Fallback,
}

/// Who asked, as the kernel reported it (SO_PEERCRED) or the in-process host declared it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct Provenance {
    pub pid: Option<u32>,
    pub uid: Option<u32>,
    pub exe: Option<String>,
    /// Where the asker really is when the peer only carries its connection: `ssh:HOST` for
    /// a request forwarded by the local `ssh` client from HOST, `container` for a peer in
    /// another PID namespace; absent for a program on this machine. Set by the app from
    /// the kernel's view of the peer, never by the asker.
    #[serde(default)]
    pub remote: Option<String>,
    /// The asking process's working directory, from the kernel, for a program on this
    /// machine: what a grant limited to a project checks besides what the request says.
    /// Never set by the asker, and not kept with the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub cwd: Option<String>,
}

/// A request for approval, as an agent submits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct NewRequest {
    pub agent_id: String,
    /// Machine name of the action, e.g. `Bash`, `deploy`, `promote:expense.approved`.
    pub action: String,
    pub title: String,
    /// The exact command, diff or arguments, shown verbatim.
    pub details: String,
    pub provenance: Provenance,
    #[ts(type = "number")]
    pub timeout_ms: Millis,
    pub on_timeout: OnTimeout,
    /// A retried ask with the same key (per agent) returns the first request.
    pub idempotency_key: Option<String>,
    /// The agent's own "always allow" choices, as labels the person reads ("Always allow
    /// `npm test` in this project"): the agent remembers the one picked, not the tray.
    pub remember_choices: Vec<String>,
}

impl NewRequest {
    /// A request with the inbox's defaults: no provenance, 5 minutes, deny on timeout.
    pub fn new(agent_id: &str, action: &str, title: &str, details: &str) -> Self {
        Self {
            agent_id: agent_id.to_owned(),
            action: action.to_owned(),
            title: title.to_owned(),
            details: details.to_owned(),
            provenance: Provenance::default(),
            timeout_ms: 5 * 60 * 1000,
            on_timeout: OnTimeout::Deny,
            idempotency_key: None,
            remember_choices: Vec::new(),
        }
    }
}

/// How a request ended. Exactly one per request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Approved,
    Denied,
    /// Nobody decided before the deadline; the request's `on_timeout` applies.
    TimedOut,
    /// The asker withdrew or went away.
    Cancelled,
}

/// Through what a request was resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum Resolver {
    Popover,
    Window,
    Shortcut,
    Notification,
    /// A rule configured by the user in the app.
    Policy,
    /// The inbox itself, at the deadline.
    Timeout,
    /// The asker withdrew its own request.
    Requester,
    /// The inbox closed it because its agent went away.
    System,
    /// A grant the person made earlier from a card (named in the resolution's `grant`).
    Grant,
    /// The person's answer from their phone (docs/phone.md); the resolution names the
    /// Matrix device in `device`.
    Phone,
}

impl Resolver {
    /// How messages name it: "already approved by the popover", "rejected by a notification".
    pub fn described(self) -> &'static str {
        match self {
            Self::Popover => "the popover",
            Self::Window => "the full window",
            Self::Shortcut => "the keyboard shortcut",
            Self::Notification => "a notification",
            Self::Policy => "a policy",
            Self::Timeout => "the timeout",
            Self::Requester => "the requester",
            Self::System => "the inbox",
            Self::Grant => "a grant",
            Self::Phone => "the phone",
        }
    }

    /// The surfaces through which a person (or their own policy) decides.
    pub fn is_decision_surface(self) -> bool {
        matches!(
            self,
            Self::Popover
                | Self::Window
                | Self::Shortcut
                | Self::Notification
                | Self::Policy
                | Self::Phone
        )
    }
}

/// The action of a request that asks the person questions (Claude Code's tool of that
/// name): answered with a choice on its card ([`Verdict::Answer`]), never approved as it
/// stands.
pub const QUESTION_TOOL: &str = "AskUserQuestion";

/// The action of a request that hands the person a plan to approve (Claude Code's tool of
/// that name, with the plan's Markdown as `plan`): approved, or denied with the person's
/// feedback to keep planning.
pub const PLAN_TOOL: &str = "ExitPlanMode";

/// A human's verdict on a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub enum Verdict {
    Approve,
    /// Approve, and let the agent remember one of the request's `remember_choices` (only
    /// from the request's own card).
    ApproveRemembering {
        choice: String,
    },
    Deny {
        reason: Option<String>,
    },
    /// The person's answers to an agent's questions (Claude Code's `AskUserQuestion`), each
    /// question's text to the answer: an option's label, several joined by ", ", or their
    /// own words. Only from the request's own card.
    Answer {
        answers: BTreeMap<String, String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Resolution {
    pub outcome: Outcome,
    pub by: Resolver,
    #[ts(type = "number")]
    pub at: Millis,
    pub reason: Option<String>,
    /// The agent's own "always allow" choice the person approved with, if any (absent
    /// from older servers).
    #[serde(default)]
    pub remembered: Option<String>,
    /// The grant that approved it, when `by` is `grant` (absent from older servers).
    #[serde(default)]
    pub grant: Option<String>,
    /// How many requests the person decided at once with this one (a batch), if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub batch: Option<u32>,
    /// The answers the person gave to the agent's questions, when it asked some.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub answers: Option<BTreeMap<String, String>>,
    /// The device it was decided on, when `by` is `phone`: its Matrix device id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub device: Option<String>,
}

/// How risky a request looks, from the inbox's rules (built-in and the user's).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize, TS,
)]
#[serde(rename_all = "kebab-case")]
pub enum RiskLevel {
    #[default]
    Low,
    Medium,
    /// Never approved by the global approve key: only from its card.
    High,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct Risk {
    pub level: RiskLevel,
    /// The rule that gave the level, as the person reads it ("deletes files recursively").
    pub rule: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ApprovalRequest {
    /// 128 random bits; unguessable, so holding an id is the capability to wait on it.
    pub id: String,
    pub agent_id: String,
    pub action: String,
    pub title: String,
    pub details: String,
    pub provenance: Provenance,
    #[ts(type = "number")]
    pub created_at: Millis,
    #[ts(type = "number")]
    pub deadline: Millis,
    pub on_timeout: OnTimeout,
    pub idempotency_key: Option<String>,
    /// `None` while pending.
    pub resolution: Option<Resolution>,
    /// Assessed by the inbox when the request arrives (absent from older servers: low).
    #[serde(default)]
    pub risk: Risk,
    /// The agent's own "always allow" choices (see `NewRequest`).
    #[serde(default)]
    pub remember_choices: Vec<String>,
}

impl ApprovalRequest {
    pub fn is_pending(&self) -> bool {
        self.resolution.is_none()
    }
}

/// Everything the UI shows, at one sequence number. A subscriber that fell behind
/// replaces its state with this and ignores events with `seq <= snapshot.seq`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Snapshot {
    #[ts(type = "number")]
    pub seq: u64,
    pub agents: Vec<Agent>,
    /// Pending requests, oldest first.
    pub pending: Vec<ApprovalRequest>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum InboxEventKind {
    AgentUpdated {
        agent: Agent,
    },
    RequestCreated {
        request: ApprovalRequest,
    },
    RequestResolved {
        request: ApprovalRequest,
    },
    /// Something the person must hear about, e.g. a decision refused because the database
    /// was changed outside the app.
    Problem {
        message: String,
    },
    /// A grant was made, revoked or ended with its agent's session: read the list again.
    GrantsChanged {},
    /// The person took these agents off the list; one heard from again comes back
    /// (`AgentUpdated`).
    AgentsRemoved {
        ids: Vec<String>,
    },
}

/// A change in the inbox, numbered in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct InboxEvent {
    #[ts(type = "number")]
    pub seq: u64,
    pub kind: InboxEventKind,
}

/// The result of checking the audit log's whole hash chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ChainReport {
    #[ts(type = "number")]
    pub entries: u64,
    pub first_broken: Option<BrokenEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BrokenEntry {
    #[ts(type = "number")]
    pub seq: i64,
    pub problem: String,
}

/// What a batch decision did: the requests it decided, and those it left as they were, each
/// with why (already decided, expired, high risk).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct BatchOutcome {
    pub decided: Vec<String>,
    pub refused: Vec<BatchRefusal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BatchRefusal {
    pub id: String,
    pub reason: String,
}
