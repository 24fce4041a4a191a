-- Where the asker really is when the socket's peer only carries its connection: `ssh:HOST`
-- (the local ssh client forwarding it) or `container` (another PID namespace).
ALTER TABLE requests ADD COLUMN remote TEXT;
