-- What each logged event is about (as SQLite's 0011): the message it carries, else its
-- conversation, so the rewrites that erase content from the log read only those events.
ALTER TABLE events ADD COLUMN subject BIGINT GENERATED ALWAYS AS (COALESCE(
    CASE WHEN jsonb_typeof(payload::jsonb #> '{data,messageId}') = 'number'
         THEN (payload::jsonb #>> '{data,messageId}')::bigint END,
    CASE WHEN jsonb_typeof(payload::jsonb #> '{data,conversationId}') = 'number'
         THEN (payload::jsonb #>> '{data,conversationId}')::bigint END)) STORED;
CREATE INDEX events_by_subject ON events(subject) WHERE subject IS NOT NULL;
CREATE INDEX messages_by_reply ON messages(reply_to_id) WHERE reply_to_id IS NOT NULL;
