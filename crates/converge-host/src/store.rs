//! What survives a restart: every run (its job, its state) and every decision taken at its
//! gates. A paused run is re-run from its job and these decisions to the same gate, since
//! the kernel's paused state cannot be serialized (docs/converge.md).

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};

use crate::jobs::JobDefinition;
pub use protocol::jobs::{RunRecord, RunState};

/// How a run's state is stored: its serde name.
fn state_str(state: RunState) -> &'static str {
    match state {
        RunState::Running => "running",
        RunState::Paused => "paused",
        RunState::Converged => "converged",
        RunState::Rejected => "rejected",
        RunState::Failed => "failed",
        RunState::BudgetExhausted => "budget-exhausted",
        RunState::Interrupted => "interrupted",
    }
}

fn parse_state(text: &str) -> Option<RunState> {
    [
        RunState::Running,
        RunState::Paused,
        RunState::Converged,
        RunState::Rejected,
        RunState::Failed,
        RunState::BudgetExhausted,
        RunState::Interrupted,
    ]
    .into_iter()
    .find(|state| state_str(*state) == text)
}

/// A person's decision at a gate, as the kernel needs it to resume (and to replay).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateDecisionRecord {
    pub gate_id: String,
    pub approved: bool,
    pub reason: Option<String>,
    /// "the popover", "a notification", …: the surface the person used.
    pub decided_by: String,
    pub decided_at: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the jobs database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the jobs database holds a run whose job cannot be read: {0}")]
    Corrupt(String),
}

pub struct RunStore {
    conn: Mutex<Connection>,
}

impl RunStore {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             CREATE TABLE IF NOT EXISTS runs (
                 id TEXT PRIMARY KEY,
                 job TEXT NOT NULL,
                 state TEXT NOT NULL,
                 detail TEXT,
                 started_at INTEGER NOT NULL,
                 updated_at INTEGER NOT NULL
             );
             CREATE TABLE IF NOT EXISTS gate_decisions (
                 run_id TEXT NOT NULL REFERENCES runs(id),
                 gate_id TEXT NOT NULL,
                 approved INTEGER NOT NULL,
                 reason TEXT,
                 decided_by TEXT NOT NULL,
                 decided_at INTEGER NOT NULL,
                 PRIMARY KEY (run_id, gate_id)
             );",
        )?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    pub fn insert(&self, id: &str, job: &JobDefinition, now: i64) -> Result<(), StoreError> {
        let job = serde_json::json!({
            "id": job.id, "name": job.name, "pack": job.pack, "input": job.input,
        });
        self.conn.lock().unwrap().execute(
            "INSERT INTO runs (id, job, state, started_at, updated_at) VALUES (?1, ?2, 'running', ?3, ?3)",
            params![id, job.to_string(), now],
        )?;
        Ok(())
    }

    pub fn set_state(
        &self,
        id: &str,
        state: RunState,
        detail: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn.lock().unwrap().execute(
            "UPDATE runs SET state = ?2, detail = ?3, updated_at = ?4 WHERE id = ?1",
            params![id, state_str(state), detail, now],
        )?;
        Ok(())
    }

    pub fn add_decision(&self, run_id: &str, d: &GateDecisionRecord) -> Result<(), StoreError> {
        self.conn.lock().unwrap().execute(
            "INSERT OR IGNORE INTO gate_decisions (run_id, gate_id, approved, reason, decided_by, decided_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![run_id, d.gate_id, d.approved, d.reason, d.decided_by, d.decided_at],
        )?;
        Ok(())
    }

    pub fn decisions(&self, run_id: &str) -> Result<Vec<GateDecisionRecord>, StoreError> {
        let conn = self.conn.lock().unwrap();
        let mut statement = conn.prepare(
            "SELECT gate_id, approved, reason, decided_by, decided_at FROM gate_decisions
             WHERE run_id = ?1 ORDER BY decided_at, rowid",
        )?;
        let rows = statement.query_map([run_id], |row| {
            Ok(GateDecisionRecord {
                gate_id: row.get(0)?,
                approved: row.get(1)?,
                reason: row.get(2)?,
                decided_by: row.get(3)?,
                decided_at: row.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn run(&self, id: &str) -> Result<Option<RunRecord>, StoreError> {
        let conn = self.conn.lock().unwrap();
        let row = conn
            .query_row(
                "SELECT id, job, state, detail, started_at, updated_at FROM runs WHERE id = ?1",
                [id],
                raw_run,
            )
            .optional()?;
        row.map(to_record).transpose()
    }

    /// The `limit` newest runs, newest first.
    pub fn runs(&self, limit: usize) -> Result<Vec<RunRecord>, StoreError> {
        self.select("1 = 1", limit)
    }

    /// The runs a restart has to pick up (running or paused): read at start-up, so the
    /// finished ones, however many, are left alone.
    pub fn unfinished(&self) -> Result<Vec<RunRecord>, StoreError> {
        self.select("state IN ('running', 'paused')", usize::MAX)
    }

    fn select(&self, condition: &str, limit: usize) -> Result<Vec<RunRecord>, StoreError> {
        let conn = self.conn.lock().unwrap();
        let mut statement = conn.prepare(&format!(
            "SELECT id, job, state, detail, started_at, updated_at FROM runs
             WHERE {condition} ORDER BY started_at DESC, rowid DESC LIMIT ?1"
        ))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = statement.query_map([limit], raw_run)?;
        rows.map(|row| to_record(row?)).collect()
    }
}

type RawRun = (String, String, String, Option<String>, i64, i64);

fn raw_run(row: &rusqlite::Row) -> rusqlite::Result<RawRun> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
    ))
}

fn to_record(
    (id, job, state, detail, started_at, updated_at): RawRun,
) -> Result<RunRecord, StoreError> {
    let job: JobDefinition =
        serde_json::from_str(&job).map_err(|e| StoreError::Corrupt(format!("run {id}: {e}")))?;
    let state = parse_state(&state)
        .ok_or_else(|| StoreError::Corrupt(format!("run {id}: unknown state {state:?}")))?;
    Ok(RunRecord {
        id,
        job,
        state,
        detail,
        started_at,
        updated_at,
    })
}
