-- An agent's own "always allow" choices (a JSON list of labels), and the one the person
-- approved with; the audit entry of the decision records it too.
ALTER TABLE requests ADD COLUMN remember_choices TEXT NOT NULL DEFAULT '[]';
ALTER TABLE requests ADD COLUMN remembered TEXT;
ALTER TABLE audit ADD COLUMN remembered TEXT;
