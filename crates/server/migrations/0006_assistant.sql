-- The assistant: a person's chat sessions with a language model. `session_key` is the id the
-- client chose (seed 004 creates a session on its first chat); it is unique across people, so
-- that a session id names one session and another person's is refused rather than shadowed.
CREATE TABLE ai_sessions (
    id          INTEGER PRIMARY KEY,
    session_key TEXT NOT NULL UNIQUE,
    owner_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX ai_sessions_by_owner ON ai_sessions(owner_id, updated_at);

-- role: 'human' | 'assistant'; status: NULL (complete), 'stopped' or 'failed' (partial reply).
CREATE TABLE ai_messages (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES ai_sessions(id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('human', 'assistant')),
    content     TEXT NOT NULL,
    status      TEXT CHECK (status IN ('stopped', 'failed')),
    created_at  INTEGER NOT NULL
);
CREATE INDEX ai_messages_by_session ON ai_messages(session_id, id);
