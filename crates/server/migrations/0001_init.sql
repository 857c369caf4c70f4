-- Confab schema v1. Conversations have members from the start so that groups need no rewrite.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    user_name     TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT NOT NULL,
    avatar        TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    -- Last event sequence number handed out to this user (see events).
    last_seq      INTEGER NOT NULL DEFAULT 0
);

-- Only the SHA-256 of a token is stored; deleting the row revokes it.
CREATE TABLE tokens (
    token_hash  BLOB PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE conversations (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('single', 'group')),
    -- "lo:hi" user ids for one-to-one chats, so that a pair has exactly one conversation.
    direct_key  TEXT UNIQUE,
    created_at  INTEGER NOT NULL
);

CREATE TABLE members (
    conversation_id        INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    user_id                INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- Shown in this member's list (set on creation by them, or on the first message).
    listed                 INTEGER NOT NULL DEFAULT 0,
    is_pinned              INTEGER NOT NULL DEFAULT 0,
    recv_msg_opt           INTEGER NOT NULL DEFAULT 0,
    draft_text             TEXT NOT NULL DEFAULT '',
    last_read_message_id   INTEGER NOT NULL DEFAULT 0,
    cleared_before_id      INTEGER NOT NULL DEFAULT 0,
    joined_at              INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
) WITHOUT ROWID;
CREATE INDEX members_by_user ON members(user_id);

CREATE TABLE files (
    id           INTEGER PRIMARY KEY,
    sha256       TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    mime         TEXT NOT NULL,
    size         INTEGER NOT NULL,
    width        INTEGER,
    height       INTEGER,
    uploader_id  INTEGER NOT NULL REFERENCES users(id),
    created_at   INTEGER NOT NULL
);

CREATE TABLE messages (
    id               INTEGER PRIMARY KEY,
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    sender_id        INTEGER NOT NULL REFERENCES users(id),
    receiver_id      INTEGER NOT NULL DEFAULT 0,
    message_type     TEXT NOT NULL,
    -- Text for text/system messages; '' once recalled (erased, not hidden).
    content          TEXT NOT NULL,
    file_id          INTEGER REFERENCES files(id),
    status           TEXT NOT NULL DEFAULT 'normal',
    client_msg_id    TEXT,
    created_at       INTEGER NOT NULL
);
CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
CREATE UNIQUE INDEX messages_idempotency ON messages(sender_id, client_msg_id) WHERE client_msg_id IS NOT NULL;
CREATE INDEX messages_by_file ON messages(file_id) WHERE file_id IS NOT NULL;

-- Delete-for-me.
CREATE TABLE hidden_messages (
    user_id     INTEGER NOT NULL,
    message_id  INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, message_id)
) WITHOUT ROWID;

-- Per-user event log for WebSocket catch-up after a reconnect.
CREATE TABLE events (
    user_id     INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    payload     TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, seq)
) WITHOUT ROWID;
