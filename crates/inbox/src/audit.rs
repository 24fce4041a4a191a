//! The audit log: append-only, hash-chained, searchable.
//!
//! Each entry's hash covers its content and the previous entry's hash, so changing, removing
//! or reordering any entry breaks every hash after it, and [`verify`] names the first broken
//! one. SQLite triggers refuse UPDATE and DELETE; the chain catches whoever drops them.
//! (Cutting entries off the end is only detectable against a head hash kept elsewhere.)

use rusqlite::{params, types::Value, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

use crate::enum_text::{enum_str, parse_enum};
use crate::error::Result;
use crate::model::{
    ApprovalRequest, BrokenEntry, ChainReport, Millis, Outcome, Resolver, RiskLevel,
};

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum AuditEvent {
    Requested,
    Resolved,
    /// A person made a grant from a request's card (`request_id`); `title` says what it
    /// allows, `details` where and until when, `decided_by` through which surface.
    GrantMade,
    /// A grant ended before it expired: revoked by the person, or its agent gone (`system`).
    GrantEnded,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AuditEntry {
    #[ts(type = "number")]
    pub seq: i64,
    #[ts(type = "number")]
    pub at: Millis,
    pub event: AuditEvent,
    pub request_id: String,
    pub agent_id: String,
    pub action: String,
    pub title: String,
    pub details: String,
    /// "pid 4242 · uid 1000 · /usr/bin/claude", as known when asked.
    pub requester: Option<String>,
    pub outcome: Option<Outcome>,
    pub decided_by: Option<Resolver>,
    pub reason: Option<String>,
    /// The agent's own "always allow" choice the person approved with.
    pub remembered: Option<String>,
    /// The grant made, ended, or (on a `resolved` entry) that approved the request.
    pub grant_id: Option<String>,
    /// How risky the request looked when it arrived (absent from entries written before the
    /// log recorded it, and from a grant's entries).
    pub risk_level: Option<RiskLevel>,
    /// The rule that set that level, if one did.
    pub risk_rule: Option<String>,
    /// On a `resolved` entry: how many requests the person decided at once with this one.
    pub batch: Option<u32>,
    /// On a `resolved` entry: the person's answers to the agent's questions, as JSON (each
    /// question's text to its answer).
    pub answers: Option<String>,
    /// On a `resolved` entry decided on the phone: the Matrix device it came from.
    pub device: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// The hashed content of an entry: every field but the hash itself, in a fixed order.
#[derive(Serialize)]
struct Hashed<'a> {
    seq: i64,
    at: Millis,
    event: AuditEvent,
    request_id: &'a str,
    agent_id: &'a str,
    action: &'a str,
    title: &'a str,
    details: &'a str,
    requester: Option<&'a str>,
    outcome: Option<Outcome>,
    decided_by: Option<Resolver>,
    reason: Option<&'a str>,
    /// Left out when absent, so entries written before it existed keep their hash.
    #[serde(skip_serializing_if = "Option::is_none")]
    remembered: Option<&'a str>,
    /// The same.
    #[serde(skip_serializing_if = "Option::is_none")]
    grant_id: Option<&'a str>,
    /// The same.
    #[serde(skip_serializing_if = "Option::is_none")]
    risk_level: Option<RiskLevel>,
    /// The same.
    #[serde(skip_serializing_if = "Option::is_none")]
    risk_rule: Option<&'a str>,
    /// The same.
    #[serde(skip_serializing_if = "Option::is_none")]
    batch: Option<u32>,
    /// The same.
    #[serde(skip_serializing_if = "Option::is_none")]
    answers: Option<&'a str>,
    /// The same.
    #[serde(skip_serializing_if = "Option::is_none")]
    device: Option<&'a str>,
    prev_hash: &'a str,
}

impl AuditEntry {
    fn compute_hash(&self) -> String {
        let hashed = Hashed {
            seq: self.seq,
            at: self.at,
            event: self.event,
            request_id: &self.request_id,
            agent_id: &self.agent_id,
            action: &self.action,
            title: &self.title,
            details: &self.details,
            requester: self.requester.as_deref(),
            outcome: self.outcome,
            decided_by: self.decided_by,
            reason: self.reason.as_deref(),
            remembered: self.remembered.as_deref(),
            grant_id: self.grant_id.as_deref(),
            risk_level: self.risk_level,
            risk_rule: self.risk_rule.as_deref(),
            batch: self.batch,
            answers: self.answers.as_deref(),
            device: self.device.as_deref(),
            prev_hash: &self.prev_hash,
        };
        let bytes = serde_json::to_vec(&hashed).expect("audit entries always serialize");
        hex(&Sha256::digest(bytes))
    }
}

/// The last entry's sequence number and hash: where the next entry links in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuditTail {
    seq: i64,
    hash: String,
}

pub(crate) fn tail(conn: &Connection) -> rusqlite::Result<AuditTail> {
    Ok(conn
        .query_row(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| {
                Ok(AuditTail {
                    seq: r.get(0)?,
                    hash: r.get(1)?,
                })
            },
        )
        .optional()?
        .unwrap_or(AuditTail {
            seq: 0,
            hash: GENESIS.to_owned(),
        }))
}

/// Appends the entry for `event` on `request` inside the caller's transaction and returns
/// the new tail, which the caller adopts only once the transaction commits.
pub(crate) fn append(
    conn: &Connection,
    tail: &AuditTail,
    event: AuditEvent,
    request: &ApprovalRequest,
    at: Millis,
) -> Result<AuditTail> {
    let resolution = request.resolution.as_ref();
    let entry = AuditEntry {
        seq: tail.seq + 1,
        at,
        event,
        request_id: request.id.clone(),
        agent_id: request.agent_id.clone(),
        action: request.action.clone(),
        title: request.title.clone(),
        details: request.details.clone(),
        requester: describe_requester(request),
        outcome: resolution.map(|r| r.outcome),
        decided_by: resolution.map(|r| r.by),
        reason: resolution.and_then(|r| r.reason.clone()),
        remembered: resolution.and_then(|r| r.remembered.clone()),
        grant_id: resolution.and_then(|r| r.grant.clone()),
        risk_level: Some(request.risk.level),
        risk_rule: request.risk.rule.clone(),
        batch: resolution.and_then(|r| r.batch),
        answers: resolution.and_then(|r| answers_text(r.answers.as_ref())),
        device: resolution.and_then(|r| r.device.clone()),
        prev_hash: tail.hash.clone(),
        hash: String::new(),
    };
    insert(conn, entry)
}

/// What a grant entry records, beside the chain's own fields.
pub(crate) struct GrantEntry<'a> {
    pub event: AuditEvent,
    pub grant_id: &'a str,
    pub from_request: &'a str,
    pub agent_id: &'a str,
    pub action: &'a str,
    /// What it allows.
    pub label: &'a str,
    /// Where and until when.
    pub scope: &'a str,
    pub by: Resolver,
}

/// Appends a grant's making or end inside the caller's transaction (see [`append`]).
pub(crate) fn append_grant(
    conn: &Connection,
    tail: &AuditTail,
    grant: &GrantEntry,
    at: Millis,
) -> Result<AuditTail> {
    insert(
        conn,
        AuditEntry {
            seq: tail.seq + 1,
            at,
            event: grant.event,
            request_id: grant.from_request.to_owned(),
            agent_id: grant.agent_id.to_owned(),
            action: grant.action.to_owned(),
            title: grant.label.to_owned(),
            details: grant.scope.to_owned(),
            requester: None,
            outcome: None,
            decided_by: Some(grant.by),
            reason: None,
            remembered: None,
            grant_id: Some(grant.grant_id.to_owned()),
            risk_level: None,
            risk_rule: None,
            batch: None,
            answers: None,
            device: None,
            prev_hash: tail.hash.clone(),
            hash: String::new(),
        },
    )
}

fn insert(conn: &Connection, mut entry: AuditEntry) -> Result<AuditTail> {
    entry.hash = entry.compute_hash();
    conn.prepare_cached(
        "INSERT INTO audit (seq, at, event, request_id, agent_id, action, title, details,
                            requester, outcome, decided_by, reason, prev_hash, hash,
                            remembered, grant_id, risk_level, risk_rule, batch, answers,
                            device)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                 ?17, ?18, ?19, ?20, ?21)",
    )?
    .execute(params![
        entry.seq,
        entry.at,
        enum_str(&entry.event),
        entry.request_id,
        entry.agent_id,
        entry.action,
        entry.title,
        entry.details,
        entry.requester,
        entry.outcome.as_ref().map(enum_str),
        entry.decided_by.as_ref().map(enum_str),
        entry.reason,
        entry.prev_hash,
        entry.hash,
        entry.remembered,
        entry.grant_id,
        entry.risk_level.as_ref().map(enum_str),
        entry.risk_rule,
        entry.batch,
        entry.answers,
        entry.device,
    ])?;
    Ok(AuditTail {
        seq: entry.seq,
        hash: entry.hash,
    })
}

/// Answers as they are stored and hashed: JSON, keys in order.
pub(crate) fn answers_text(
    answers: Option<&std::collections::BTreeMap<String, String>>,
) -> Option<String> {
    answers.map(|a| serde_json::to_string(a).expect("a map of strings serializes"))
}

fn describe_requester(request: &ApprovalRequest) -> Option<String> {
    let p = &request.provenance;
    let parts: Vec<String> = [
        p.pid.map(|pid| format!("pid {pid}")),
        p.uid.map(|uid| format!("uid {uid}")),
        p.exe.clone(),
        p.remote.as_deref().map(describe_remote),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// `ssh:devbox` → "via SSH from devbox"; `container` → "from a container".
pub fn describe_remote(remote: &str) -> String {
    match remote.strip_prefix("ssh:") {
        Some(host) => format!("via SSH from {host}"),
        None if remote == "container" => "from a container".to_owned(),
        None => format!("from {remote}"),
    }
}

pub(crate) fn verify(conn: &Connection) -> Result<ChainReport> {
    let mut stmt = conn.prepare(&format!("{ENTRY_SELECT} ORDER BY seq"))?;
    let mut rows = stmt.query([])?;
    let mut expected_seq = 1;
    let mut prev_hash = GENESIS.to_owned();
    let mut entries = 0;
    while let Some(row) = rows.next()? {
        let broken = |problem: String| ChainReport {
            entries,
            first_broken: Some(BrokenEntry {
                seq: expected_seq,
                problem,
            }),
        };
        let entry = match entry_from_row(row) {
            Ok(entry) => entry,
            Err(e) => return Ok(broken(format!("unreadable: {e}"))),
        };
        if entry.seq != expected_seq {
            return Ok(broken(format!(
                "entry {expected_seq} is missing (next is {})",
                entry.seq
            )));
        }
        if entry.prev_hash != prev_hash {
            return Ok(broken("does not link to the entry before it".into()));
        }
        if entry.compute_hash() != entry.hash {
            return Ok(broken("its content does not match its hash".into()));
        }
        prev_hash = entry.hash;
        expected_seq += 1;
        entries += 1;
    }
    Ok(ChainReport {
        entries,
        first_broken: None,
    })
}

/// Checks that the audit chain holds `request`'s resolution as the requests table has it:
/// a `resolved` entry for it with the same outcome, surface and reason, whose content matches
/// its hash and which links to the entry before it. A decision written into the requests
/// table by hand has no such entry, so it is never handed to an agent. (Writing a whole new
/// entry with a correct hash is only detectable against a head hash kept elsewhere.)
pub(crate) fn check_resolution(conn: &Connection, request: &ApprovalRequest) -> Result<(), String> {
    let Some(resolution) = &request.resolution else {
        return Ok(());
    };
    let entry = conn
        .prepare_cached(&format!(
            "{ENTRY_SELECT} WHERE request_id = ?1 AND event = 'resolved' ORDER BY seq LIMIT 1"
        ))
        .and_then(|mut stmt| stmt.query_row([&request.id], entry_from_row).optional())
        .map_err(|e| format!("its audit entry cannot be read ({e})"))?;
    let Some(entry) = entry else {
        return Err("the audit log has no decision for it".into());
    };
    if entry.outcome != Some(resolution.outcome)
        || entry.decided_by != Some(resolution.by)
        || entry.reason != resolution.reason
        || entry.remembered != resolution.remembered
        || entry.grant_id != resolution.grant
        || entry.answers != answers_text(resolution.answers.as_ref())
        || entry.device != resolution.device
    {
        return Err(format!(
            "the audit log records a different decision (entry {})",
            entry.seq
        ));
    }
    if entry.compute_hash() != entry.hash {
        return Err(format!(
            "its audit entry {} does not match its hash",
            entry.seq
        ));
    }
    let previous: String = conn
        .query_row(
            "SELECT hash FROM audit WHERE seq = ?1",
            [entry.seq - 1],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| format!("the audit log cannot be read ({e})"))?
        .unwrap_or_else(|| GENESIS.to_owned());
    if entry.prev_hash != previous {
        return Err(format!(
            "its audit entry {} does not link to the entry before it",
            entry.seq
        ));
    }
    Ok(())
}

/// Filters for the history view. Every filter is optional; pages go newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct HistoryQuery {
    pub agent_id: Option<String>,
    pub outcome: Option<Outcome>,
    pub event: Option<AuditEvent>,
    /// Case-insensitive substring of title, action, details, agent, requester or reason.
    pub text: Option<String>,
    /// Entries about this grant: its making, the requests it approved, its end.
    #[serde(default)]
    pub grant_id: Option<String>,
    #[ts(type = "number | null")]
    pub from: Option<Millis>,
    /// Exclusive.
    #[ts(type = "number | null")]
    pub to: Option<Millis>,
    /// Continue after this sequence number (the previous page's `next_before`).
    #[ts(type = "number | null")]
    pub before_seq: Option<i64>,
    /// At most 500; 50 when zero.
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct HistoryPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `before_seq` for the next page; `None` on the last page.
    #[ts(type = "number | null")]
    pub next_before: Option<i64>,
}

pub(crate) fn history(conn: &Connection, query: &HistoryQuery) -> Result<HistoryPage> {
    let limit = match query.limit {
        0 => 50,
        n => n.min(500),
    };
    let mut sql = format!("{ENTRY_SELECT} WHERE 1 = 1");
    let mut args: Vec<(&str, Value)> = Vec::new();
    let mut filter = |clause: &str, name: &'static str, value: Value| {
        sql.push_str(clause);
        args.push((name, value));
    };
    if let Some(agent) = &query.agent_id {
        filter(" AND agent_id = :agent", ":agent", agent.clone().into());
    }
    if let Some(outcome) = &query.outcome {
        filter(
            " AND outcome = :outcome",
            ":outcome",
            enum_str(outcome).into(),
        );
    }
    if let Some(event) = &query.event {
        filter(" AND event = :event", ":event", enum_str(event).into());
    }
    if let Some(grant) = &query.grant_id {
        filter(" AND grant_id = :grant", ":grant", grant.clone().into());
    }
    if let Some(from) = query.from {
        filter(" AND at >= :from", ":from", from.into());
    }
    if let Some(to) = query.to {
        filter(" AND at < :to", ":to", to.into());
    }
    if let Some(before) = query.before_seq {
        filter(" AND seq < :before", ":before", before.into());
    }
    if let Some(text) = query.text.as_deref().filter(|t| !t.is_empty()) {
        filter(
            " AND (title LIKE :text ESCAPE '\\' OR action LIKE :text ESCAPE '\\'
                   OR details LIKE :text ESCAPE '\\' OR agent_id LIKE :text ESCAPE '\\'
                   OR requester LIKE :text ESCAPE '\\' OR reason LIKE :text ESCAPE '\\')",
            ":text",
            format!("%{}%", escape_like(text)).into(),
        );
    }
    sql.push_str(" ORDER BY seq DESC LIMIT :limit");
    args.push((":limit", i64::from(limit + 1).into()));

    let params: Vec<(&str, &dyn rusqlite::ToSql)> = args
        .iter()
        .map(|(name, value)| (*name, value as &dyn rusqlite::ToSql))
        .collect();
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut entries: Vec<AuditEntry> = stmt
        .query_map(params.as_slice(), entry_from_row)?
        .collect::<Result<_, _>>()?;
    let next_before = if entries.len() > limit as usize {
        entries.truncate(limit as usize);
        entries.last().map(|e| e.seq)
    } else {
        None
    };
    Ok(HistoryPage {
        entries,
        next_before,
    })
}

fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

const ENTRY_SELECT: &str = "SELECT seq, at, event, request_id, agent_id, action, title, details,
    requester, outcome, decided_by, reason, prev_hash, hash, remembered, grant_id, risk_level,
    risk_rule, batch, answers, device FROM audit";

fn entry_from_row(row: &Row) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        seq: row.get(0)?,
        at: row.get(1)?,
        event: parse_enum(&row.get::<_, String>(2)?)?,
        request_id: row.get(3)?,
        agent_id: row.get(4)?,
        action: row.get(5)?,
        title: row.get(6)?,
        details: row.get(7)?,
        requester: row.get(8)?,
        outcome: row
            .get::<_, Option<String>>(9)?
            .map(|s| parse_enum(&s))
            .transpose()?,
        decided_by: row
            .get::<_, Option<String>>(10)?
            .map(|s| parse_enum(&s))
            .transpose()?,
        reason: row.get(11)?,
        prev_hash: row.get(12)?,
        hash: row.get(13)?,
        remembered: row.get(14)?,
        grant_id: row.get(15)?,
        risk_level: row
            .get::<_, Option<String>>(16)?
            .map(|s| parse_enum(&s))
            .transpose()?,
        risk_rule: row.get(17)?,
        batch: row.get(18)?,
        answers: row.get(19)?,
        device: row.get(20)?,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
