//! SQLite persistence: schema, migrations, recovery from unreadable files, and the
//! transactional operations the inbox is built from.
//!
//! Every operation that changes a request also appends to the audit log in the same
//! transaction, so the log and the requests can never disagree, even after `kill -9`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{named_params, params, Connection, OpenFlags, OptionalExtension, Row};

use crate::audit::{self, AuditEvent, AuditTail};
use crate::enum_text::{enum_str, parse_enum};
use crate::error::{Error, Result};
use crate::model::*;

/// "CvTr": marks the file as ours, so a foreign SQLite file is never migrated.
/// Marks the file as Converge Tray's (`PRAGMA application_id`).
pub const APPLICATION_ID: i32 = 0x4376_5472;

/// Each entry moves the schema from version `index` to `index + 1`. Append only: a shipped
/// migration is never edited.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_risk.sql"),
    include_str!("migrations/0003_remember.sql"),
    include_str!("migrations/0004_grants.sql"),
    include_str!("migrations/0005_remote.sql"),
    include_str!("migrations/0006_removed_agents.sql"),
    include_str!("migrations/0007_audit_risk_batch.sql"),
    include_str!("migrations/0008_answers.sql"),
    include_str!("migrations/0009_activity.sql"),
    include_str!("migrations/0010_device.sql"),
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How hard a commit waits for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// fsync on every commit: survives power loss as well as `kill -9`.
    #[default]
    Full,
    /// WAL without fsync per commit: survives `kill -9` (the OS keeps the pages), may lose
    /// the last commits on power loss. For benchmarks and tests.
    Normal,
}

/// What opening the store had to do, for the app to tell the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenReport {
    pub path: PathBuf,
    /// Set when the file could not be used and was moved aside; a fresh store was created.
    pub moved_aside: Option<MovedAside>,
    /// Set when the write-ahead log left by a crash could not be read: SQLite would drop
    /// it (and with it the last writes), so a copy was kept first.
    pub wal_kept_aside: Option<MovedAside>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovedAside {
    pub to: PathBuf,
    pub reason: String,
}

pub struct Store {
    // Also used by grant_store.rs, which adds the grants' operations.
    pub(crate) conn: Connection,
    pub(crate) tail: AuditTail,
}

/// The result of trying to resolve a request.
pub enum Resolved {
    Now(ApprovalRequest),
    Already(ApprovalRequest),
}

/// Why a file cannot be used as the store, as opposed to an error opening it at all.
enum OpenFailure {
    Unusable(String),
    Other(Error),
}

impl From<rusqlite::Error> for OpenFailure {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
                Self::Unusable(e.to_string())
            }
            _ => Self::Other(e.into()),
        }
    }
}

impl Store {
    /// Opens (or creates) the store at `path`. A file that is not a readable Converge Tray
    /// database is moved aside with its WAL and a fresh store takes its place; the report
    /// says so. Errors that moving aside cannot fix (permissions, a full disk) are returned.
    pub fn open(path: &Path, durability: Durability) -> Result<(Self, OpenReport)> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| Error::Io {
                context: format!("cannot create the data directory {}", dir.display()),
                source,
            })?;
        }
        if path.is_dir() {
            return Err(Error::invalid(
                "database",
                format!("{} is a directory, not a database file", path.display()),
            ));
        }
        let wal_kept_aside = keep_unreadable_wal(path)?;
        match Self::open_checked(path, durability) {
            Ok(store) => Ok((
                store,
                OpenReport {
                    path: path.to_owned(),
                    moved_aside: None,
                    wal_kept_aside,
                },
            )),
            Err(OpenFailure::Other(e)) => Err(e),
            Err(OpenFailure::Unusable(reason)) => {
                let to = move_aside(path)?;
                tracing::error!(
                    "the inbox database {} could not be used ({reason}); it was moved to {} and a new one was created",
                    path.display(),
                    to.display()
                );
                let store = Self::open_checked(path, durability).map_err(|f| match f {
                    OpenFailure::Other(e) => e,
                    OpenFailure::Unusable(r) => {
                        Error::invalid("database", format!("a fresh database is unusable: {r}"))
                    }
                })?;
                Ok((
                    store,
                    OpenReport {
                        path: path.to_owned(),
                        moved_aside: Some(MovedAside { to, reason }),
                        wal_kept_aside,
                    },
                ))
            }
        }
    }

    fn open_checked(path: &Path, durability: Durability) -> Result<Self, OpenFailure> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // Opening (migrations, the first look) waits for another program's lock as long as a
        // write does; after that, statements give up quickly (see `STATEMENT_WAIT`).
        conn.busy_timeout(WRITE_WAIT)?;
        // Look before touching anything: a file that is not ours must stay byte for byte as
        // it was. The first read of the header is where a non-database file shows.
        let app_id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let objects: i64 =
            conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
        if objects > 0 && app_id != APPLICATION_ID {
            return Err(OpenFailure::Unusable(
                "it is an SQLite file of another application".into(),
            ));
        }
        if version > SCHEMA_VERSION {
            return Err(OpenFailure::Unusable(format!(
                "it was written by a newer Converge Tray (schema {version}, this build knows {SCHEMA_VERSION})"
            )));
        }
        if objects > 0 {
            let check: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
            if check != "ok" {
                return Err(OpenFailure::Unusable(format!(
                    "integrity check failed: {check}"
                )));
            }
        }

        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(OpenFailure::Other(Error::invalid(
                "database",
                format!("cannot switch to WAL mode (got {mode})"),
            )));
        }
        let sync = match durability {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
        };
        conn.execute_batch(&format!(
            "PRAGMA synchronous={sync}; PRAGMA foreign_keys=ON; PRAGMA trusted_schema=OFF;"
        ))?;
        migrate(&conn, version)?;
        let tail = audit::tail(&conn)?;
        conn.busy_timeout(STATEMENT_WAIT)?;
        Ok(Self { conn, tail })
    }

    pub fn agent(&self, id: &str) -> Result<Option<Agent>> {
        Ok(self
            .conn
            .prepare_cached(&format!("{AGENT_SELECT} WHERE a.id = ?1"))?
            .query_row([id], agent_from_row)
            .optional()?)
    }

    pub fn agents(&self) -> Result<Vec<Agent>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{AGENT_SELECT} WHERE a.removed_at IS NULL ORDER BY a.last_seen DESC, a.id"
        ))?;
        let agents = stmt
            .query_map([], agent_from_row)?
            .collect::<Result<_, _>>()?;
        Ok(agents)
    }

    /// The ids of the agents that asked from `remote` (`ssh:HOST`, `container`).
    pub fn agents_asking_from(&self, remote: &str) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT DISTINCT agent_id FROM requests WHERE remote = ?1")?;
        let ids = stmt
            .query_map([remote], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// Applies an agent's report of itself (creating the agent if new); it is no longer gone.
    pub fn upsert_agent(&mut self, update: &AgentUpdate, now: Millis) -> Result<Agent> {
        // The stored row, not `agent()`: its state is what the agent reported, not derived.
        let stored = self
            .conn
            .prepare_cached(
                "SELECT name, kind, state, activity, activity_at FROM agents WHERE id = ?1",
            )?
            .query_row([&update.id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    parse_enum::<AgentKind>(&r.get::<_, String>(1)?)?,
                    parse_enum::<AgentState>(&r.get::<_, String>(2)?)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<Millis>>(4)?,
                ))
            })
            .optional()?;
        let (name, kind, state, activity, activity_at) = stored.unwrap_or_else(|| {
            (
                update.id.clone(),
                AgentKind::Other,
                AgentState::Idle,
                None,
                None,
            )
        });
        let state = match (update.state, state) {
            (Some(reported), _) => reported,
            (None, AgentState::Gone) => AgentState::Idle,
            (None, kept) => kept,
        };
        let (activity, activity_at) = match &update.activity {
            Some(text) => (Some(text.clone()), Some(now)),
            None => (activity, activity_at),
        };
        let tx = self.conn.transaction()?;
        tx.prepare_cached(
            "INSERT INTO agents (id, name, kind, state, activity, activity_at, last_seen, usage)
                 VALUES (:id, :name, :kind, :state, :activity, :activity_at, :now, :usage)
                 ON CONFLICT (id) DO UPDATE SET name = :name, kind = :kind, state = :state,
                   activity = :activity, activity_at = :activity_at, last_seen = :now,
                   usage = coalesce(:usage, usage), removed_at = NULL",
        )?
        .execute(named_params! {
            ":id": update.id,
            ":name": update.name.clone().unwrap_or(name),
            ":kind": enum_str(&update.kind.unwrap_or(kind)),
            ":state": enum_str(&state),
            ":activity": activity,
            ":activity_at": activity_at,
            ":now": now,
            // Plain numbers and a string: serializing cannot fail.
            ":usage": update.usage.as_ref().and_then(|u| serde_json::to_string(u).ok()),
        })?;
        if update.state.is_some() || update.activity.is_some() {
            crate::timeline::record(
                &tx,
                &update.id,
                now,
                update.state,
                update.activity.as_deref(),
            )?;
        }
        tx.commit()?;
        self.agent(&update.id)?
            .ok_or_else(|| Error::NotFound(update.id.clone()))
    }

    /// Takes these agents off the list, where nothing of theirs is pending and they are not
    /// working (idle, done, failed or gone); returns the ids taken off.
    pub fn remove_agents(&mut self, ids: &[String], now: Millis) -> Result<Vec<String>> {
        let tx = self.conn.transaction()?;
        let mut removed = Vec::new();
        for id in ids {
            let taken: Option<String> = tx
                .prepare_cached(
                    "UPDATE agents SET removed_at = ?2
                     WHERE id = ?1 AND removed_at IS NULL
                       AND state IN ('idle', 'done', 'error', 'gone')
                       AND NOT EXISTS (SELECT 1 FROM requests r
                                       WHERE r.agent_id = agents.id AND r.outcome IS NULL)
                     RETURNING id",
                )?
                .query_row(params![id, now], |r| r.get(0))
                .optional()?;
            removed.extend(taken);
        }
        tx.commit()?;
        Ok(removed)
    }

    /// Agents not heard from since `cutoff`, with nothing pending, become `Gone`.
    pub fn age_out_agents(&mut self, cutoff: Millis) -> Result<Vec<Agent>> {
        let ids: Vec<String> = self
            .conn
            .prepare_cached(
                "UPDATE agents SET state = 'gone'
                 WHERE state <> 'gone' AND last_seen < ?1
                   AND NOT EXISTS (SELECT 1 FROM requests r
                                   WHERE r.agent_id = agents.id AND r.outcome IS NULL)
                 RETURNING id",
            )?
            .query_map([cutoff], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        ids.iter()
            .filter_map(|id| self.agent(id).transpose())
            .collect()
    }

    /// Marks the agent gone now, whatever it last reported (its requests are closed first).
    pub fn mark_gone(&mut self, agent_id: &str) -> Result<Option<Agent>> {
        let ids: Vec<String> = self
            .conn
            .prepare_cached("UPDATE agents SET state = 'gone' WHERE id = ?1 RETURNING id")?
            .query_map([agent_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        match ids.first() {
            Some(id) => self.agent(id),
            None => Ok(None),
        }
    }

    /// When the next agent could age out, given `stale_after`.
    pub fn next_agent_age_out(&self, stale_after: Millis) -> Result<Option<Millis>> {
        let oldest: Option<Millis> = self.conn.query_row(
            "SELECT min(last_seen) FROM agents WHERE state <> 'gone'
               AND NOT EXISTS (SELECT 1 FROM requests r
                               WHERE r.agent_id = agents.id AND r.outcome IS NULL)",
            [],
            |r| r.get(0),
        )?;
        Ok(oldest.map(|t| t.saturating_add(stale_after)))
    }

    /// The request as stored; a resolution the audit chain does not hold is refused
    /// (`Error::Tampered`), so it is never handed to an agent.
    pub fn request(&self, id: &str) -> Result<Option<ApprovalRequest>> {
        let request = self
            .conn
            .prepare_cached(&format!("{REQUEST_SELECT} WHERE id = ?1"))?
            .query_row([id], request_from_row)
            .optional()?;
        match request {
            Some(request) => self.as_recorded(request).map(Some),
            None => Ok(None),
        }
    }

    /// `request`, if the audit chain holds its resolution.
    pub fn as_recorded(&self, request: ApprovalRequest) -> Result<ApprovalRequest> {
        audit::check_resolution(&self.conn, &request).map_err(|problem| {
            tracing::error!(
                request = request.id,
                "{problem}: database changed outside the app"
            );
            Error::Tampered {
                request_id: request.id.clone(),
                problem,
            }
        })?;
        Ok(request)
    }

    pub fn request_by_idempotency_key(
        &self,
        agent_id: &str,
        key: &str,
    ) -> Result<Option<ApprovalRequest>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "{REQUEST_SELECT} WHERE agent_id = ?1 AND idempotency_key = ?2"
            ))?
            .query_row([agent_id, key], request_from_row)
            .optional()?)
    }

    /// Pending requests, oldest first.
    pub fn pending(&self) -> Result<Vec<ApprovalRequest>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{REQUEST_SELECT} WHERE outcome IS NULL ORDER BY created_at, rowid"
        ))?;
        let pending = stmt
            .query_map([], request_from_row)?
            .collect::<Result<_, _>>()?;
        Ok(pending)
    }

    pub fn pending_count_of_process(&self, pid: u32) -> Result<usize> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM requests WHERE outcome IS NULL AND pid = ?1",
            [pid],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }

    pub fn pending_count(&self, agent_id: Option<&str>) -> Result<usize> {
        let n: i64 = match agent_id {
            Some(agent) => self.conn.query_row(
                "SELECT count(*) FROM requests WHERE outcome IS NULL AND agent_id = ?1",
                [agent],
                |r| r.get(0),
            )?,
            None => self.conn.query_row(
                "SELECT count(*) FROM requests WHERE outcome IS NULL",
                [],
                |r| r.get(0),
            )?,
        };
        Ok(n as usize)
    }

    pub fn next_deadline(&self) -> Result<Option<Millis>> {
        Ok(self.conn.query_row(
            "SELECT min(deadline) FROM requests WHERE outcome IS NULL",
            [],
            |r| r.get(0),
        )?)
    }

    /// Ids of pending requests whose deadline is at or before `now`.
    pub fn due(&self, now: Millis) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM requests WHERE outcome IS NULL AND deadline <= ?1 ORDER BY deadline",
        )?;
        let ids = stmt
            .query_map([now], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// Ids of the agent's pending requests.
    pub fn pending_of_agent(&self, agent_id: &str) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM requests WHERE outcome IS NULL AND agent_id = ?1 ORDER BY created_at",
        )?;
        let ids = stmt
            .query_map([agent_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// Stores a new request and its audit entry in one transaction, and marks its agent seen.
    /// Stores a new request with its `requested` audit entry; `granted`, when a grant
    /// approves it at once, resolves it in the same transaction (never stored pending
    /// without it). Returns the request as stored.
    pub fn insert_request(
        &mut self,
        req: &ApprovalRequest,
        granted: Option<&Resolution>,
    ) -> Result<ApprovalRequest> {
        let tx = self.conn.transaction()?;
        tx.prepare_cached(
            "INSERT INTO agents (id, name, kind, state, last_seen) VALUES (?1, ?1, 'other', 'working', ?2)
             ON CONFLICT (id) DO UPDATE SET last_seen = ?2, removed_at = NULL,
               state = CASE state WHEN 'gone' THEN 'working' ELSE state END",
        )?
        .execute(params![req.agent_id, req.created_at])?;
        tx.prepare_cached(
            "INSERT INTO requests (id, agent_id, action, title, details, pid, uid, exe,
                                   created_at, deadline, on_timeout, idempotency_key,
                                   risk_level, risk_rule, remember_choices, remote)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        )?
        .execute(params![
            req.id,
            req.agent_id,
            req.action,
            req.title,
            req.details,
            req.provenance.pid,
            req.provenance.uid,
            req.provenance.exe,
            req.created_at,
            req.deadline,
            enum_str(&req.on_timeout),
            req.idempotency_key,
            enum_str(&req.risk.level),
            req.risk.rule,
            serde_json::to_string(&req.remember_choices).expect("a list of strings serializes"),
            req.provenance.remote,
        ])?;
        let mut tail = audit::append(&tx, &self.tail, AuditEvent::Requested, req, req.created_at)?;
        let mut stored = req.clone();
        if let Some(resolution) = granted {
            let (Resolved::Now(resolved) | Resolved::Already(resolved), after) =
                resolve_in(&tx, &tail, &req.id, resolution)?;
            stored = resolved;
            tail = after.unwrap_or(tail);
        }
        tx.commit()?;
        self.tail = tail;
        Ok(stored)
    }

    /// Records the first resolution of a request; a later one gets the stored request back.
    pub fn resolve(&mut self, id: &str, resolution: &Resolution) -> Result<Resolved> {
        let tx = self.conn.transaction()?;
        let (resolved, tail) = resolve_in(&tx, &self.tail, id, resolution)?;
        if let Some(tail) = tail {
            tx.commit()?;
            self.tail = tail;
        }
        Ok(resolved)
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }
}

/// Resolves `id` in `tx` with its audit entry after `tail`: the request and, when this
/// resolved it, the audit's new tail (nothing written when it was resolved before).
pub(crate) fn resolve_in(
    tx: &Connection,
    tail: &AuditTail,
    id: &str,
    resolution: &Resolution,
) -> Result<(Resolved, Option<AuditTail>)> {
    let changed = tx
        .prepare_cached(
            "UPDATE requests SET outcome = ?2, decided_by = ?3, decided_at = ?4, reason = ?5,
                                 remembered = ?6, grant_id = ?7, batch = ?8, answers = ?9,
                                 device = ?10
             WHERE id = ?1 AND outcome IS NULL",
        )?
        .execute(params![
            id,
            enum_str(&resolution.outcome),
            enum_str(&resolution.by),
            resolution.at,
            resolution.reason,
            resolution.remembered,
            resolution.grant,
            resolution.batch,
            audit::answers_text(resolution.answers.as_ref()),
            resolution.device,
        ])?;
    let request = tx
        .prepare_cached(&format!("{REQUEST_SELECT} WHERE id = ?1"))?
        .query_row([id], request_from_row)
        .optional()?
        .ok_or_else(|| Error::NotFound(id.to_owned()))?;
    if changed == 0 {
        return Ok((Resolved::Already(request), None));
    }
    let tail = audit::append(tx, tail, AuditEvent::Resolved, &request, resolution.at)?;
    Ok((Resolved::Now(request), Some(tail)))
}

/// How long a write waits for another program (a database tool) to let go of the
/// database's write lock before it fails. Reads never wait for it: the log is
/// write-ahead, so they read what was last committed.
pub(crate) const WRITE_WAIT: Duration = Duration::from_secs(5);

/// How long one statement waits for a lock before the store answers "busy". Short, so a
/// write does not wait holding the inbox's lock: the inbox lets go of it and tries the
/// write again after `WRITE_RETRY`, until `WRITE_WAIT` has passed.
const STATEMENT_WAIT: Duration = Duration::from_millis(20);
pub(crate) const WRITE_RETRY: Duration = Duration::from_millis(25);

/// Whether a statement failed because another connection holds a lock it needs.
pub(crate) fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

fn migrate(conn: &Connection, from: i64) -> Result<(), OpenFailure> {
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(from as usize) {
        let to = index as i64 + 1;
        // One transaction per step: a crash mid-migration leaves the previous version.
        conn.execute_batch(&format!(
            "BEGIN IMMEDIATE; {sql}\nPRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {to}; COMMIT;"
        ))
        .map_err(|e| {
            let _ = conn.execute_batch("ROLLBACK");
            OpenFailure::from(e)
        })?;
    }
    Ok(())
}

/// A write-ahead log that SQLite cannot replay (its header or first frame does not check
/// out: junk written over it, a disk that lost it) is silently reset on open, and the
/// writes it held are gone. Copies such a log to `<name>-wal.unreadable-<time>` first, so it
/// is kept and the person can be told where.
fn keep_unreadable_wal(path: &Path) -> Result<Option<MovedAside>> {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let wal = PathBuf::from(wal);
    let bytes = match std::fs::read(&wal) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(Error::Io {
                context: format!("cannot read the write-ahead log {}", wal.display()),
                source,
            })
        }
    };
    let Some(reason) = wal_problem(&bytes) else {
        return Ok(None);
    };
    let stamp = crate::time::Clock::now(&crate::time::SystemClock);
    let mut to = wal.as_os_str().to_owned();
    to.push(format!(".unreadable-{stamp}"));
    let to = PathBuf::from(to);
    std::fs::copy(&wal, &to).map_err(|source| Error::Io {
        context: format!(
            "cannot keep the unreadable write-ahead log {} aside",
            wal.display()
        ),
        source,
    })?;
    tracing::error!(
        "the inbox's write-ahead log {} could not be read ({reason}); a copy was kept as {}",
        wal.display(),
        to.display()
    );
    Ok(Some(MovedAside { to, reason }))
}

/// Why SQLite would not replay this write-ahead log, or `None` if it would (an empty log
/// is fine: nothing was waiting in it). Format: sqlite.org/fileformat.html#the_write_ahead_log.
fn wal_problem(bytes: &[u8]) -> Option<String> {
    const HEADER: usize = 32;
    const FRAME_HEADER: usize = 24;
    if bytes.is_empty() {
        return None;
    }
    if bytes.len() < HEADER {
        return Some(format!(
            "it is {} bytes, shorter than its header",
            bytes.len()
        ));
    }
    let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    let big_endian = match word(0) {
        0x377f_0682 => false,
        0x377f_0683 => true,
        _ => return Some("it does not start like a write-ahead log".into()),
    };
    let (mut s0, mut s1) = (0u32, 0u32);
    for pair in bytes[..24].chunks_exact(8) {
        let read = |b: &[u8]| {
            let b: [u8; 4] = b.try_into().unwrap();
            if big_endian {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        s0 = s0.wrapping_add(read(&pair[..4])).wrapping_add(s1);
        s1 = s1.wrapping_add(read(&pair[4..])).wrapping_add(s0);
    }
    if (s0, s1) != (word(24), word(28)) {
        return Some("its header does not match its checksum".into());
    }
    if bytes.len() >= HEADER + FRAME_HEADER && bytes[16..24] != bytes[HEADER + 8..HEADER + 16] {
        return Some("its first frame does not belong to it".into());
    }
    None
}

/// Renames the database and its WAL/SHM files to `<name>.unreadable-<time>`.
fn move_aside(path: &Path) -> Result<PathBuf> {
    let stamp = crate::time::Clock::now(&crate::time::SystemClock);
    let target = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(format!(".unreadable-{stamp}{suffix}"));
        PathBuf::from(name)
    };
    let main = target("");
    std::fs::rename(path, &main).map_err(|source| Error::Io {
        context: format!(
            "cannot move the unreadable database {} aside",
            path.display()
        ),
        source,
    })?;
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        let side = PathBuf::from(side);
        if side.exists() {
            let _ = std::fs::rename(&side, target(suffix));
        }
    }
    Ok(main)
}

const AGENT_SELECT: &str =
    "SELECT a.id, a.name, a.kind, a.state, a.activity, a.activity_at, a.last_seen,
    (SELECT count(*) FROM requests r WHERE r.agent_id = a.id AND r.outcome IS NULL) AS pending,
    a.usage
    FROM agents a";

fn agent_from_row(row: &Row) -> rusqlite::Result<Agent> {
    let pending: i64 = row.get(7)?;
    let usage: Option<TokenUsage> = row
        .get::<_, Option<String>>(8)?
        .and_then(|json| serde_json::from_str(&json).ok());
    let stored: AgentState = parse_enum(&row.get::<_, String>(3)?)?;
    Ok(Agent {
        id: row.get(0)?,
        name: row.get(1)?,
        kind: parse_enum(&row.get::<_, String>(2)?)?,
        state: if pending > 0 {
            AgentState::WaitingForApproval
        } else {
            stored
        },
        activity: row.get(4)?,
        activity_at: row.get(5)?,
        last_seen: row.get(6)?,
        pending: pending as u32,
        // Usage that cannot be read is shown as none: it is the agent's report, not a record.
        estimated_cost_micro_usd: usage
            .as_ref()
            .and_then(crate::pricing::estimated_cost_micro_usd),
        usage,
    })
}

const REQUEST_SELECT: &str = "SELECT id, agent_id, action, title, details, pid, uid, exe,
    created_at, deadline, on_timeout, idempotency_key, outcome, decided_by, decided_at, reason,
    risk_level, risk_rule, remember_choices, remembered, grant_id, remote, batch, answers,
    device
    FROM requests";

fn request_from_row(row: &Row) -> rusqlite::Result<ApprovalRequest> {
    let outcome: Option<String> = row.get(12)?;
    let resolution = match outcome {
        Some(outcome) => Some(Resolution {
            outcome: parse_enum(&outcome)?,
            by: parse_enum(&row.get::<_, String>(13)?)?,
            at: row.get(14)?,
            reason: row.get(15)?,
            remembered: row.get(19)?,
            grant: row.get(20)?,
            batch: row.get(22)?,
            answers: row
                .get::<_, Option<String>>(23)?
                .map(|text| serde_json::from_str(&text))
                .transpose()
                .map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        23,
                        rusqlite::types::Type::Text,
                        Box::new(e),
                    )
                })?,
            device: row.get(24)?,
        }),
        None => None,
    };
    Ok(ApprovalRequest {
        id: row.get(0)?,
        agent_id: row.get(1)?,
        action: row.get(2)?,
        title: row.get(3)?,
        details: row.get(4)?,
        provenance: Provenance {
            pid: row.get(5)?,
            uid: row.get(6)?,
            exe: row.get(7)?,
            remote: row.get(21)?,
            cwd: None,
        },
        created_at: row.get(8)?,
        deadline: row.get(9)?,
        on_timeout: parse_enum(&row.get::<_, String>(10)?)?,
        idempotency_key: row.get(11)?,
        resolution,
        risk: Risk {
            level: parse_enum(&row.get::<_, String>(16)?)?,
            rule: row.get(17)?,
        },
        remember_choices: {
            let text: String = row.get(18)?;
            serde_json::from_str(&text).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(18, rusqlite::types::Type::Text, e.into())
            })?
        },
    })
}
