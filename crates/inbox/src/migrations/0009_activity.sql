-- What agents reported doing, each report kept for an agent's timeline (the agents table
-- holds only the last). Pruned by age, as the person's retention setting says.
CREATE TABLE activity (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id TEXT NOT NULL,
    at       INTEGER NOT NULL,
    state    TEXT,
    text     TEXT
);

CREATE INDEX activity_by_agent ON activity (agent_id, at);
CREATE INDEX activity_by_time ON activity (at);

-- A session's token use, as its hook read it from the agent's transcript (JSON).
ALTER TABLE agents ADD COLUMN usage TEXT;
