-- A file whose every message was recalled is withdrawn: its links stop working at once.
ALTER TABLE files ADD COLUMN withdrawn INTEGER NOT NULL DEFAULT 0;
