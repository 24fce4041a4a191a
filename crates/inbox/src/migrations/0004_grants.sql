-- Grants (crates/grants matches them): standing permissions a person made from a card. A
-- request a live grant covers is approved by it (decided_by 'grant', grant_id naming it);
-- a grant's making and its end (revoked, or its agent gone) are audit entries of their
-- own, in the same chain. SQLite cannot widen a CHECK, so requests and audit are rebuilt,
-- every row and column kept as it was (the audit hashes do not change).

CREATE TABLE grants (
    id                TEXT PRIMARY KEY NOT NULL,
    agent_id          TEXT NOT NULL,
    -- The project directory it is limited to, if any.
    project           TEXT,
    kind              TEXT NOT NULL CHECK (kind IN ('this-action', 'command-prefix', 'tool')),
    action            TEXT NOT NULL,
    -- this-action: the request's details; command-prefix: the words as a JSON list; tool: ''.
    pattern           TEXT NOT NULL,
    -- What it allows, in the person's words, as the card offered it.
    label             TEXT NOT NULL,
    from_request      TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    created_by        TEXT NOT NULL CHECK (created_by IN ('popover', 'window', 'notification')),
    expires_at        INTEGER NOT NULL,
    -- Ends, before expires_at, when its agent is gone.
    until_session_end INTEGER NOT NULL CHECK (until_session_end IN (0, 1)),
    ended_at          INTEGER,
    ended_by          TEXT CHECK (ended_by IN ('popover', 'window', 'notification', 'system')),
    CHECK ((ended_at IS NULL) = (ended_by IS NULL))
);

CREATE INDEX grants_live_by_agent ON grants (agent_id, expires_at) WHERE ended_at IS NULL;

CREATE TABLE requests_v4 (
    id               TEXT PRIMARY KEY NOT NULL,
    agent_id         TEXT NOT NULL REFERENCES agents (id),
    action           TEXT NOT NULL,
    title            TEXT NOT NULL,
    details          TEXT NOT NULL,
    pid              INTEGER,
    uid              INTEGER,
    exe              TEXT,
    created_at       INTEGER NOT NULL,
    deadline         INTEGER NOT NULL,
    on_timeout       TEXT NOT NULL CHECK (on_timeout IN ('deny', 'fallback')),
    idempotency_key  TEXT,
    outcome          TEXT CHECK (outcome IN ('approved', 'denied', 'timed-out', 'cancelled')),
    decided_by       TEXT CHECK (decided_by IN ('popover', 'window', 'shortcut', 'notification',
                                                'policy', 'timeout', 'requester', 'system',
                                                'grant')),
    decided_at       INTEGER,
    reason           TEXT,
    risk_level       TEXT NOT NULL DEFAULT 'low' CHECK (risk_level IN ('low', 'medium', 'high')),
    risk_rule        TEXT,
    remember_choices TEXT NOT NULL DEFAULT '[]',
    remembered       TEXT,
    grant_id         TEXT,
    CHECK ((outcome IS NULL) = (decided_by IS NULL) AND (outcome IS NULL) = (decided_at IS NULL)),
    CHECK ((grant_id IS NULL) = (decided_by IS NOT 'grant')),
    UNIQUE (agent_id, idempotency_key)
);

-- A request whose agent row is missing (written with foreign keys off) would stop the copy:
-- its agent is recorded as gone instead, so nothing is lost.
INSERT INTO agents (id, name, kind, state, last_seen)
SELECT agent_id, agent_id, 'other', 'gone', max(created_at) FROM requests
WHERE agent_id NOT IN (SELECT id FROM agents) GROUP BY agent_id;

INSERT INTO requests_v4 (id, agent_id, action, title, details, pid, uid, exe, created_at,
                         deadline, on_timeout, idempotency_key, outcome, decided_by,
                         decided_at, reason, risk_level, risk_rule, remember_choices,
                         remembered)
SELECT id, agent_id, action, title, details, pid, uid, exe, created_at, deadline, on_timeout,
       idempotency_key, outcome, decided_by, decided_at, reason, risk_level, risk_rule,
       remember_choices, remembered
FROM requests ORDER BY rowid;

DROP TABLE requests;
ALTER TABLE requests_v4 RENAME TO requests;
CREATE INDEX requests_pending_by_deadline ON requests (deadline) WHERE outcome IS NULL;
CREATE INDEX requests_pending_by_agent ON requests (agent_id) WHERE outcome IS NULL;

DROP TRIGGER audit_is_append_only_update;
DROP TRIGGER audit_is_append_only_delete;

CREATE TABLE audit_v4 (
    seq        INTEGER PRIMARY KEY NOT NULL,
    at         INTEGER NOT NULL,
    event      TEXT NOT NULL CHECK (event IN ('requested', 'resolved', 'grant-made', 'grant-ended')),
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
    hash       TEXT NOT NULL,
    remembered TEXT,
    grant_id   TEXT
);

INSERT INTO audit_v4 (seq, at, event, request_id, agent_id, action, title, details, requester,
                      outcome, decided_by, reason, prev_hash, hash, remembered)
SELECT seq, at, event, request_id, agent_id, action, title, details, requester, outcome,
       decided_by, reason, prev_hash, hash, remembered
FROM audit ORDER BY seq;

DROP TABLE audit;
ALTER TABLE audit_v4 RENAME TO audit;
CREATE INDEX audit_by_agent ON audit (agent_id, seq);
CREATE INDEX audit_by_outcome ON audit (outcome, seq);
CREATE INDEX audit_by_time ON audit (at);
CREATE INDEX audit_by_grant ON audit (grant_id) WHERE grant_id IS NOT NULL;

CREATE TRIGGER audit_is_append_only_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_is_append_only_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
