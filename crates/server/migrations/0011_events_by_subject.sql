-- What each logged event is about, for the rewrites that erase content from the log (recall,
-- burn after reading, edits, deleted assistant sessions): the message it carries, else its
-- conversation. Those rewrites read every event of the log (`json_extract` on each payload:
-- ~0.2 s per rewrite at 260,000 events, four of them per recall, holding the write lock); by
-- this index they read only the events about that message or conversation. Computed from the
-- payload itself, so no writer of the log can leave it out; new messages' ids only grow, so
-- their entries go at the end of the index.
ALTER TABLE events ADD COLUMN subject INTEGER GENERATED ALWAYS AS
    (COALESCE(json_extract(payload, '$.data.messageId'), json_extract(payload, '$.data.conversationId'))) VIRTUAL;
CREATE INDEX events_by_subject ON events(subject) WHERE subject IS NOT NULL;
-- The replies to a message, whose logged copies quote it.
CREATE INDEX messages_by_reply ON messages(reply_to_id) WHERE reply_to_id IS NOT NULL;
