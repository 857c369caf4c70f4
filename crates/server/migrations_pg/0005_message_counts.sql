-- A history page's total read from counts kept as messages come and go, not counted (as
-- SQLite's 0013).
CREATE TABLE message_counts (
    conversation_id BIGINT PRIMARY KEY,
    messages        BIGINT NOT NULL
);
ALTER TABLE members ADD COLUMN hidden_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN left_count BIGINT;

INSERT INTO message_counts (conversation_id, messages)
    SELECT conversation_id, COUNT(*) FROM messages GROUP BY conversation_id;
UPDATE members SET hidden_count =
    (SELECT COUNT(*) FROM hidden_messages h JOIN messages m ON m.id = h.message_id
      WHERE h.user_id = members.user_id AND m.conversation_id = members.conversation_id);
UPDATE members SET left_count =
    (SELECT COUNT(*) FROM messages m
      WHERE m.conversation_id = members.conversation_id AND m.id <= members.left_at_message_id)
 WHERE left_at_message_id IS NOT NULL;

CREATE FUNCTION count_message() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO message_counts AS c (conversation_id, messages) VALUES (NEW.conversation_id, 1)
        ON CONFLICT (conversation_id) DO UPDATE SET messages = c.messages + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER messages_counted AFTER INSERT ON messages FOR EACH ROW EXECUTE FUNCTION count_message();

CREATE FUNCTION uncount_message() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE message_counts SET messages = messages - 1 WHERE conversation_id = OLD.conversation_id;
    UPDATE members SET left_count = left_count - 1
     WHERE conversation_id = OLD.conversation_id AND left_at_message_id >= OLD.id;
    UPDATE members me SET hidden_count = me.hidden_count - 1
     WHERE me.conversation_id = OLD.conversation_id
       AND EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = me.user_id AND h.message_id = OLD.id);
    RETURN OLD;
END $$;
CREATE TRIGGER messages_uncounted BEFORE DELETE ON messages FOR EACH ROW EXECUTE FUNCTION uncount_message();

CREATE FUNCTION count_hidden() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE members SET hidden_count = hidden_count + 1
     WHERE user_id = NEW.user_id
       AND conversation_id = (SELECT conversation_id FROM messages WHERE id = NEW.message_id);
    RETURN NULL;
END $$;
CREATE TRIGGER hidden_counted AFTER INSERT ON hidden_messages FOR EACH ROW EXECUTE FUNCTION count_hidden();
