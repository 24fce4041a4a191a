-- Decisions from the person's phone (docs/phone.md): decided_by 'phone', and the Matrix device
-- the answer came from, with the decision and in its history entry. SQLite cannot widen a
-- CHECK, so requests is rebuilt, every row and column kept as it was; the audit table has no
-- such CHECK and only gains the column (entries written before have none, and keep their
-- hashes).

CREATE TABLE requests_v10 (
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
                                                'grant', 'phone')),
    decided_at       INTEGER,
    reason           TEXT,
    risk_level       TEXT NOT NULL DEFAULT 'low' CHECK (risk_level IN ('low', 'medium', 'high')),
    risk_rule        TEXT,
    remember_choices TEXT NOT NULL DEFAULT '[]',
    remembered       TEXT,
    grant_id         TEXT,
    remote           TEXT,
    batch            INTEGER,
    answers          TEXT,
    device           TEXT,
    CHECK ((outcome IS NULL) = (decided_by IS NULL) AND (outcome IS NULL) = (decided_at IS NULL)),
    CHECK ((grant_id IS NULL) = (decided_by IS NOT 'grant')),
    CHECK ((device IS NULL) = (decided_by IS NOT 'phone')),
    UNIQUE (agent_id, idempotency_key)
);

INSERT INTO requests_v10 (id, agent_id, action, title, details, pid, uid, exe, created_at,
                          deadline, on_timeout, idempotency_key, outcome, decided_by,
                          decided_at, reason, risk_level, risk_rule, remember_choices,
                          remembered, grant_id, remote, batch, answers)
SELECT id, agent_id, action, title, details, pid, uid, exe, created_at, deadline, on_timeout,
       idempotency_key, outcome, decided_by, decided_at, reason, risk_level, risk_rule,
       remember_choices, remembered, grant_id, remote, batch, answers
FROM requests ORDER BY rowid;

DROP TABLE requests;
ALTER TABLE requests_v10 RENAME TO requests;
CREATE INDEX requests_pending_by_deadline ON requests (deadline) WHERE outcome IS NULL;
CREATE INDEX requests_pending_by_agent ON requests (agent_id) WHERE outcome IS NULL;

ALTER TABLE audit ADD COLUMN device TEXT;
