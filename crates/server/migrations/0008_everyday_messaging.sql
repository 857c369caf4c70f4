-- Everyday messaging: replies, edits (the server keeps what a message said before), reactions,
-- last seen, and full-text search.

-- The earlier message of the same conversation this one answers (its preview is read live, so a
-- recall or burn of the original shows at once; NULL when it is no reply).
ALTER TABLE messages ADD COLUMN reply_to_id INTEGER;
-- When the sender last changed the text (NULL: never).
ALTER TABLE messages ADD COLUMN edited_at INTEGER;

-- What a message said before each edit; recall and burn erase it with the message.
CREATE TABLE message_edits (
    id          INTEGER PRIMARY KEY,
    message_id  INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    content     TEXT NOT NULL,
    edited_at   INTEGER NOT NULL
);
CREATE INDEX message_edits_by_message ON message_edits(message_id, id);

CREATE TABLE reactions (
    message_id  INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    emoji       TEXT NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (message_id, emoji, user_id)
) WITHOUT ROWID;

-- When the person's last connection closed (presence: "last seen").
ALTER TABLE users ADD COLUMN last_seen_at INTEGER;

-- Full-text search over text messages, as the server writes it: every CJK character is its own
-- token (written with spaces around it), so a Chinese word of any length is found as a phrase,
-- and other words by the unicode61 tokenizer. It holds only what a message says now: an edit
-- replaces its row, a recall or burn deletes it. Rows are the messages' ids.
CREATE VIRTUAL TABLE message_search USING fts5(body, tokenize = 'unicode61 remove_diacritics 2');
-- Deleted text leaves the index's pages at once (not a delete marker until the next merge).
INSERT INTO message_search (message_search, rank) VALUES ('secure-delete', 1);
-- The messages sent before search existed are indexed by the server when it starts.
CREATE TABLE search_backfill (next_id INTEGER NOT NULL);
INSERT INTO search_backfill (next_id) VALUES (0);
