-- The history says how risky each request looked and which decisions were made for several
-- requests at once. Entries written before have neither, and keep their hashes.
ALTER TABLE requests ADD COLUMN batch INTEGER;
ALTER TABLE audit ADD COLUMN risk_level TEXT;
ALTER TABLE audit ADD COLUMN risk_rule TEXT;
ALTER TABLE audit ADD COLUMN batch INTEGER;
