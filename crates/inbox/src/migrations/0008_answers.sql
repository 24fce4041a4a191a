-- The person's answers to an agent's questions, with the decision and in its history entry.
-- Entries written before have none, and keep their hashes.
ALTER TABLE requests ADD COLUMN answers TEXT;
ALTER TABLE audit ADD COLUMN answers TEXT;
