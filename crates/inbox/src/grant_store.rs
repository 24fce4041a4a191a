//! The grants' rows in the store, each change in one transaction with its audit entry.

use rusqlite::{params, OptionalExtension, Row};

use crate::audit::{self, AuditEvent, AuditTail, GrantEntry};
use crate::enum_text::{enum_str, parse_enum};
use crate::error::Result;
use crate::granting::{GrantRecord, GrantWhat};
use crate::model::{ApprovalRequest, Millis, Resolution, Resolver, RiskLevel};
use crate::store::{resolve_in, Resolved, Store};

const GRANT_SELECT: &str = "SELECT g.id, g.agent_id, g.project, g.kind, g.action, g.pattern,
    g.label, g.from_request, g.created_at, g.created_by, g.expires_at, g.until_session_end,
    g.ended_at, g.ended_by,
    (SELECT count(*) FROM requests r WHERE r.grant_id = g.id) AS uses
    FROM grants g";

impl Store {
    /// Approves request `id` as `resolution` says and makes `grant` from it, with both
    /// audit entries, in one transaction: never the one without the other. `Already` (and
    /// no grant) when the request was resolved before.
    pub(crate) fn resolve_granting(
        &mut self,
        id: &str,
        resolution: &Resolution,
        grant: &GrantRecord,
        pattern: &str,
    ) -> Result<Resolved> {
        let tx = self.conn.transaction()?;
        let (resolved, tail) = resolve_in(&tx, &self.tail, id, resolution)?;
        let Some(tail) = tail else {
            return Ok(resolved);
        };
        tx.prepare_cached(
            "INSERT INTO grants (id, agent_id, project, kind, action, pattern, label,
                                 from_request, created_at, created_by, expires_at,
                                 until_session_end)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?
        .execute(params![
            grant.id,
            grant.agent_id,
            grant.project,
            kind(&grant.what),
            grant.action,
            pattern,
            grant.label,
            grant.from_request,
            grant.created_at,
            enum_str(&grant.created_by),
            grant.expires_at,
            grant.until_session_end,
        ])?;
        let tail = append_entry(
            &tx,
            &tail,
            grant,
            AuditEvent::GrantMade,
            grant.created_by,
            grant.created_at,
        )?;
        tx.commit()?;
        self.tail = tail;
        Ok(resolved)
    }

    /// Ends a live grant, with its `grant-ended` audit entry; `None` if there is no such
    /// grant or it had ended or expired already.
    pub(crate) fn end_grant(
        &mut self,
        id: &str,
        by: Resolver,
        now: Millis,
    ) -> Result<Option<GrantRecord>> {
        let tx = self.conn.transaction()?;
        let changed = tx
            .prepare_cached(
                "UPDATE grants SET ended_at = ?2, ended_by = ?3
                 WHERE id = ?1 AND ended_at IS NULL AND expires_at > ?2",
            )?
            .execute(params![id, now, enum_str(&by)])?;
        if changed == 0 {
            return Ok(None);
        }
        let grant = tx
            .prepare_cached(&format!("{GRANT_SELECT} WHERE g.id = ?1"))?
            .query_row([id], grant_from_row)?;
        let tail = append_entry(&tx, &self.tail, &grant, AuditEvent::GrantEnded, by, now)?;
        tx.commit()?;
        self.tail = tail;
        Ok(Some(grant))
    }

    pub(crate) fn grant(&self, id: &str) -> Result<Option<GrantRecord>> {
        Ok(self
            .conn
            .prepare_cached(&format!("{GRANT_SELECT} WHERE g.id = ?1"))?
            .query_row([id], grant_from_row)
            .optional()?)
    }

    /// The grants of `request`'s agent that have neither ended nor expired, oldest first, as
    /// the matcher takes them; only those made on a card at least as risky as `request` (a
    /// grant made on a low-risk card never approves a riskier request), asked from where it
    /// is asked (this machine, an SSH host, a container) by the same program.
    pub(crate) fn live_grants_for(
        &self,
        request: &ApprovalRequest,
        now: Millis,
    ) -> Result<Vec<grants::Grant>> {
        let agent_id = request.agent_id.as_str();
        let mut stmt = self.conn.prepare_cached(
            "SELECT g.id, g.kind, g.action, g.pattern, g.project, g.expires_at
             FROM grants g JOIN requests r ON r.id = g.from_request
             WHERE g.agent_id = ?1 AND g.ended_at IS NULL AND g.expires_at > ?2
               AND (CASE r.risk_level WHEN 'high' THEN 2 WHEN 'medium' THEN 1 ELSE 0 END) >= ?3
               AND r.remote IS ?4 AND r.exe IS ?5
             ORDER BY g.created_at, g.rowid",
        )?;
        let rank = match request.risk.level {
            RiskLevel::Low => 0,
            RiskLevel::Medium => 1,
            RiskLevel::High => 2,
        };
        let origin = &request.provenance;
        let rows = stmt.query_map(
            params![agent_id, now, rank, origin.remote, origin.exe],
            |row| {
                let action: String = row.get(2)?;
                let pattern: String = row.get(3)?;
                let pattern = match what_of(&row.get::<_, String>(1)?, &pattern, 3)? {
                    GrantWhat::ThisAction => grants::Pattern::Exact {
                        action,
                        details: pattern,
                    },
                    GrantWhat::CommandPrefix { words } => {
                        grants::Pattern::CommandPrefix { action, words }
                    }
                    GrantWhat::Tool => grants::Pattern::Tool { action },
                };
                Ok(grants::Grant {
                    id: row.get(0)?,
                    pattern,
                    scope: grants::Scope {
                        agent_id: agent_id.to_owned(),
                        project: row.get(4)?,
                    },
                    expires_at: row.get(5)?,
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The agent's live grants that last until its session ends.
    pub(crate) fn session_grants_of(&self, agent_id: &str) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM grants WHERE agent_id = ?1 AND ended_at IS NULL AND until_session_end = 1",
        )?;
        let ids = stmt
            .query_map([agent_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// Every grant still live, then the most recent past ones, up to `limit` in all.
    pub(crate) fn grants(&self, now: Millis, limit: u32) -> Result<Vec<GrantRecord>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{GRANT_SELECT}
             ORDER BY (g.ended_at IS NULL AND g.expires_at > ?1) DESC, g.created_at DESC, g.rowid DESC
             LIMIT ?2"
        ))?;
        let list = stmt
            .query_map(params![now, limit], grant_from_row)?
            .collect::<Result<_, _>>()?;
        Ok(list)
    }

    pub(crate) fn live_grant_count(&self, now: Millis) -> Result<usize> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM grants WHERE ended_at IS NULL AND expires_at > ?1",
            [now],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }
}

/// A grant's making or end, as its audit entry.
fn append_entry(
    conn: &rusqlite::Connection,
    tail: &AuditTail,
    grant: &GrantRecord,
    event: AuditEvent,
    by: Resolver,
    at: Millis,
) -> Result<AuditTail> {
    audit::append_grant(
        conn,
        tail,
        &GrantEntry {
            event,
            grant_id: &grant.id,
            from_request: &grant.from_request,
            agent_id: &grant.agent_id,
            action: &grant.action,
            label: &grant.label,
            scope: &grant.scope_text(),
            by,
        },
        at,
    )
}

fn kind(what: &GrantWhat) -> &'static str {
    match what {
        GrantWhat::ThisAction => "this-action",
        GrantWhat::CommandPrefix { .. } => "command-prefix",
        GrantWhat::Tool => "tool",
    }
}

/// What a grant allows, from its `kind` and `pattern` columns (`kind` writes them);
/// `column` is the pattern's, for the error.
fn what_of(kind: &str, pattern: &str, column: usize) -> rusqlite::Result<GrantWhat> {
    Ok(match kind {
        "this-action" => GrantWhat::ThisAction,
        "command-prefix" => GrantWhat::CommandPrefix {
            words: serde_json::from_str(pattern).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    column,
                    rusqlite::types::Type::Text,
                    e.into(),
                )
            })?,
        },
        _ => GrantWhat::Tool,
    })
}

fn grant_from_row(row: &Row) -> rusqlite::Result<GrantRecord> {
    let what = what_of(&row.get::<_, String>(3)?, &row.get::<_, String>(5)?, 5)?;
    Ok(GrantRecord {
        id: row.get(0)?,
        agent_id: row.get(1)?,
        project: row.get(2)?,
        what,
        action: row.get(4)?,
        label: row.get(6)?,
        from_request: row.get(7)?,
        created_at: row.get(8)?,
        created_by: parse_enum(&row.get::<_, String>(9)?)?,
        expires_at: row.get(10)?,
        until_session_end: row.get(11)?,
        ended_at: row.get(12)?,
        ended_by: row
            .get::<_, Option<String>>(13)?
            .map(|s| parse_enum(&s))
            .transpose()?,
        uses: row.get::<_, i64>(14)? as u32,
    })
}
