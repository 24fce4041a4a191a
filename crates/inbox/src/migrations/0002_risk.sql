-- How risky each request looks (crates/inbox/src/risk.rs), assessed when it arrives.
ALTER TABLE requests ADD COLUMN risk_level TEXT NOT NULL DEFAULT 'low'
    CHECK (risk_level IN ('low', 'medium', 'high'));
ALTER TABLE requests ADD COLUMN risk_rule TEXT;
