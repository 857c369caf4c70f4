-- Burn after reading (one-to-one chats): the conversation's setting, each message's duration,
-- and when a read message expires. The timer lives in the database, so a restart keeps it.
ALTER TABLE conversations ADD COLUMN burn_duration INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN burn_duration INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN burn_at INTEGER;
CREATE INDEX messages_by_burn_at ON messages(burn_at) WHERE burn_at IS NOT NULL;

-- "Mark as unread" from the list: shown with a badge until the member reads the conversation.
ALTER TABLE members ADD COLUMN marked_unread INTEGER NOT NULL DEFAULT 0;
