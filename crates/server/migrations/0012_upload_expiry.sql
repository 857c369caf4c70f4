-- The hourly expiry of uploads never sent looked at every file ever uploaded (and probed the
-- messages for each), holding the writer: a cost that grew with every file. It now looks at the
-- files that aged past the limit since its last run, and at withdrawn ones. A file it looked at
-- and kept was carried by a message, and stays carried until its last message is recalled or
-- burned, which withdraws it.
CREATE TABLE upload_expiry (checked_before INTEGER NOT NULL);
INSERT INTO upload_expiry (checked_before) VALUES (0);
CREATE INDEX files_by_created ON files(created_at);
CREATE INDEX files_withdrawn ON files(created_at) WHERE withdrawn = 1;
