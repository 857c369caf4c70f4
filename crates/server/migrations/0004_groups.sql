-- Groups: a name, an announcement and roles; members who leave or are removed keep the history
-- they saw. @mentions and system messages carry structured data, localised by the app.
ALTER TABLE conversations ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN announcement TEXT NOT NULL DEFAULT '';

ALTER TABLE members ADD COLUMN role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'admin', 'member'));
-- Set when the member left or was removed: they still read messages up to this id, nothing after.
ALTER TABLE members ADD COLUMN left_at_message_id INTEGER;
-- The newest unread mention of this member: its message and kind (groupAtType).
ALTER TABLE members ADD COLUMN mention_message_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN group_at_type INTEGER NOT NULL DEFAULT 0;

-- JSON array of mentioned user ids, and whether everyone was mentioned.
ALTER TABLE messages ADD COLUMN at_user_ids TEXT NOT NULL DEFAULT '[]';
ALTER TABLE messages ADD COLUMN at_all INTEGER NOT NULL DEFAULT 0;
-- A system message's structured notice (JSON), which the app words in its own language.
ALTER TABLE messages ADD COLUMN system_data TEXT;
CREATE INDEX members_by_conversation ON members(conversation_id, user_id);
