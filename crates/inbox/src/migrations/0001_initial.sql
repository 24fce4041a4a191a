-- Schema version 1. Enum columns hold the serde (kebab-case) names of the Rust enums.

CREATE TABLE agents (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('converge', 'claude-code', 'codex', 'script', 'other')),
    -- What the agent last reported, or 'gone'; 'waiting-for-approval' is derived on read.
    state       TEXT NOT NULL CHECK (state IN ('idle', 'working', 'waiting-for-input', 'done', 'error', 'gone')),
    activity    TEXT,
    activity_at INTEGER,
    last_seen   INTEGER NOT NULL
);

CREATE TABLE requests (
    id              TEXT PRIMARY KEY NOT NULL,
    agent_id        TEXT NOT NULL REFERENCES agents (id),
    action          TEXT NOT NULL,
    title           TEXT NOT NULL,
    details         TEXT NOT NULL,
    pid             INTEGER,
    uid             INTEGER,
    exe             TEXT,
    created_at      INTEGER NOT NULL,
    deadline        INTEGER NOT NULL,
    on_timeout      TEXT NOT NULL CHECK (on_timeout IN ('deny', 'fallback')),
    idempotency_key TEXT,
    outcome         TEXT CHECK (outcome IN ('approved', 'denied', 'timed-out', 'cancelled')),
    decided_by      TEXT CHECK (decided_by IN ('popover', 'window', 'shortcut', 'notification',
                                               'policy', 'timeout', 'requester', 'system')),
    decided_at      INTEGER,
    reason          TEXT,
    CHECK ((outcome IS NULL) = (decided_by IS NULL) AND (outcome IS NULL) = (decided_at IS NULL)),
    UNIQUE (agent_id, idempotency_key)
);

CREATE INDEX requests_pending_by_deadline ON requests (deadline) WHERE outcome IS NULL;
CREATE INDEX requests_pending_by_agent ON requests (agent_id) WHERE outcome IS NULL;

-- Append-only and hash-chained: hash = sha256(canonical JSON of the entry with prev_hash).
CREATE TABLE audit (
    seq        INTEGER PRIMARY KEY NOT NULL,
    at         INTEGER NOT NULL,
    event      TEXT NOT NULL CHECK (event IN ('requested', 'resolved')),
    request_id TEXT NOT NULL,
    agent_id   TEXT NOT NULL,
    action     TEXT NOT NULL,
    title      TEXT NOT NULL,
    details    TEXT NOT NULL,
    requester  TEXT,
    outcome    TEXT,
    decided_by TEXT,
    reason     TEXT,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);

CREATE INDEX audit_by_agent ON audit (agent_id, seq);
CREATE INDEX audit_by_outcome ON audit (outcome, seq);
CREATE INDEX audit_by_time ON audit (at);

CREATE TRIGGER audit_is_append_only_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_is_append_only_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
