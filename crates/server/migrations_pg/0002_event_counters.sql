-- Each person's event counter in a table of its own (as SQLite's 0010): the numbering updates
-- small rows, not the wide `users` rows. users.last_seq is no longer used.
CREATE TABLE event_counters (
    user_id   BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    last_seq  BIGINT NOT NULL DEFAULT 0
);
INSERT INTO event_counters (user_id, last_seq) SELECT id, last_seq FROM users;
-- Every person has one from the start, however they were made.
CREATE FUNCTION users_event_counter() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO event_counters (user_id) VALUES (NEW.id);
    RETURN NEW;
END
$$;
CREATE TRIGGER users_event_counter AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION users_event_counter();
