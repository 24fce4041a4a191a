//! An agent's timeline: each thing it reported doing (kept for as long as the person's
//! retention says), and each request it asked and how it ended (from the audit log, which
//! keeps everything).

use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::enum_text::{enum_str, parse_enum};
use crate::error::Result;
use crate::model::{AgentState, Millis, Outcome, Resolver};

/// One moment of an agent's session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TimelineEntry {
    #[ts(type = "number")]
    pub at: Millis,
    pub what: TimelineWhat,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum TimelineWhat {
    /// What the agent reported: its state, and what it said it was doing (untrusted text).
    Reported {
        state: Option<AgentState>,
        activity: Option<String>,
    },
    /// It asked the person (an approval, a question, a plan: `action` says which).
    Asked {
        request_id: String,
        action: String,
        title: String,
    },
    /// The request ended: decided, timed out or withdrawn.
    Resolved {
        request_id: String,
        action: String,
        title: String,
        outcome: Outcome,
        by: Resolver,
    },
}

/// A page of an agent's timeline, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Timeline {
    pub agent_id: String,
    pub entries: Vec<TimelineEntry>,
    /// Older entries exist: ask again with `before` the last entry's time.
    pub more: bool,
}

/// The most entries one page holds.
pub const MAX_TIMELINE_PAGE: usize = 500;

/// Keeps what `agent_id` reported at `at`.
pub(crate) fn record(
    conn: &Connection,
    agent_id: &str,
    at: Millis,
    state: Option<AgentState>,
    activity: Option<&str>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO activity (agent_id, at, state, text) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![agent_id, at, state.map(|s| enum_str(&s)), activity])?;
    Ok(())
}

/// Up to `limit` entries of `agent_id`'s timeline before `before` (all when `None`), newest
/// first.
pub(crate) fn read(
    conn: &Connection,
    agent_id: &str,
    before: Option<Millis>,
    limit: usize,
) -> Result<Timeline> {
    let limit = limit.clamp(1, MAX_TIMELINE_PAGE);
    let before = before.unwrap_or(Millis::MAX);
    // One more than asked from each source: whether there is more shows in the merge.
    let fetch = (limit + 1) as i64;
    let mut entries: Vec<TimelineEntry> = conn
        .prepare_cached(
            "SELECT at, state, text FROM activity WHERE agent_id = ?1 AND at < ?2
             ORDER BY at DESC, seq DESC LIMIT ?3",
        )?
        .query_map(params![agent_id, before, fetch], |row| {
            Ok(TimelineEntry {
                at: row.get(0)?,
                what: TimelineWhat::Reported {
                    state: row
                        .get::<_, Option<String>>(1)?
                        .map(|s| parse_enum(&s))
                        .transpose()?,
                    activity: row.get(2)?,
                },
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let asked = conn
        .prepare_cached(
            "SELECT at, event, request_id, action, title, outcome, decided_by FROM audit
             WHERE agent_id = ?1 AND at < ?2 AND event IN ('requested', 'resolved')
             ORDER BY seq DESC LIMIT ?3",
        )?
        .query_map(params![agent_id, before, fetch], |row| {
            let request_id: String = row.get(2)?;
            let action: String = row.get(3)?;
            let title: String = row.get(4)?;
            let what = if row.get::<_, String>(1)? == "requested" {
                TimelineWhat::Asked {
                    request_id,
                    action,
                    title,
                }
            } else {
                TimelineWhat::Resolved {
                    request_id,
                    action,
                    title,
                    outcome: parse_enum(&row.get::<_, String>(5)?)?,
                    by: parse_enum(&row.get::<_, String>(6)?)?,
                }
            };
            Ok(TimelineEntry {
                at: row.get(0)?,
                what,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    entries.extend(asked);
    // Newest first; at the same millisecond a request comes before its resolution.
    entries.sort_by(|a, b| b.at.cmp(&a.at).then(rank(&b.what).cmp(&rank(&a.what))));
    let more = entries.len() > limit;
    entries.truncate(limit);
    Ok(Timeline {
        agent_id: agent_id.to_owned(),
        entries,
        more,
    })
}

fn rank(what: &TimelineWhat) -> u8 {
    match what {
        TimelineWhat::Reported { .. } => 0,
        TimelineWhat::Asked { .. } => 1,
        TimelineWhat::Resolved { .. } => 2,
    }
}

/// Forgets what agents reported before `before`; returns how many reports went. The audit
/// log's requests stay: they are the record of decisions.
pub(crate) fn prune(conn: &Connection, before: Millis) -> Result<usize> {
    Ok(conn
        .prepare_cached("DELETE FROM activity WHERE at < ?1")?
        .execute([before])?)
}
