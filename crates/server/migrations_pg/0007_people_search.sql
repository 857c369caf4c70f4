-- The people search reads a full-text index of names instead of every user's (as SQLite's 0015;
-- PostgreSQL's text search as for messages).
CREATE TABLE user_search (
    user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    names   TEXT NOT NULL,
    words   TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple', names)) STORED
);
CREATE INDEX user_search_words ON user_search USING GIN (words);
CREATE TABLE user_search_backfill (next_id BIGINT NOT NULL);
INSERT INTO user_search_backfill (next_id) VALUES (0);
