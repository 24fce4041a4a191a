-- An agent the person took off the list (nothing pending, not working). It is listed again as
-- soon as it is heard from; its name stays for the history.
ALTER TABLE agents ADD COLUMN removed_at INTEGER;
