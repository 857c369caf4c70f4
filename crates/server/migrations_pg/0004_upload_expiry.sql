-- The expiry of uploads never sent looks at the files that aged past the limit since its last
-- run, and at withdrawn ones, not at every file (as SQLite's 0012).
CREATE TABLE upload_expiry (checked_before BIGINT NOT NULL);
INSERT INTO upload_expiry (checked_before) VALUES (0);
CREATE INDEX files_by_created ON files(created_at);
CREATE INDEX files_withdrawn ON files(created_at) WHERE withdrawn = 1;
