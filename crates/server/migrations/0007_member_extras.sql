-- Per-member conversation fields that OpenIM's clients set and read back (kept, not interpreted):
-- `attachedInfo`, `ex`, and when the draft last changed (`draftTextTime`, Unix ms).
ALTER TABLE members ADD COLUMN attached_info TEXT NOT NULL DEFAULT '';
ALTER TABLE members ADD COLUMN ex TEXT NOT NULL DEFAULT '';
ALTER TABLE members ADD COLUMN draft_text_time INTEGER NOT NULL DEFAULT 0;
