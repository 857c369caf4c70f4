-- Each person's event counter in a table of its own. Numbering a message's events updates the
-- counters of its sender and receivers; in `users` (rows of ~200 bytes with the password hash)
-- that dirtied a page per person or two, here (rows of a few bytes) a handful of pages hold
-- every counter. users.last_seq is no longer used.
CREATE TABLE event_counters (
    user_id   INTEGER PRIMARY KEY,
    last_seq  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO event_counters (user_id, last_seq) SELECT id, last_seq FROM users;
-- Every person has one from the start, however they were made.
CREATE TRIGGER users_event_counter AFTER INSERT ON users
BEGIN
    INSERT INTO event_counters (user_id) VALUES (NEW.id);
END;
