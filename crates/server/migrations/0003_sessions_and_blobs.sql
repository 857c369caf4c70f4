-- Sliding token expiry and the list of a person's sessions.
ALTER TABLE tokens ADD COLUMN last_used_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tokens ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
UPDATE tokens SET last_used_at = created_at;
CREATE INDEX tokens_by_user ON tokens(user_id);

-- Blobs are shared by content hash: find every file row of one blob, and unsent uploads.
CREATE INDEX files_by_sha256 ON files(sha256);
CREATE INDEX files_by_uploader ON files(uploader_id);
