-- A history page's `total` counted every message of the conversation its reader may see (7–10 ms
-- at ~230,000 messages): the one cost of a page that grew with the conversation. Each
-- conversation now keeps its count of messages, and each member the count when they left and how
-- many messages they deleted for themselves; the total is read from those in a few lookups
-- (`store::messages::history`). Triggers keep them, so every way a message is written (sends,
-- notices, the assistant's answers) or erased (burning) counts.
CREATE TABLE message_counts (
    conversation_id INTEGER PRIMARY KEY,
    messages        INTEGER NOT NULL
);
-- `hidden_count`: the member's deleted-for-me messages of the conversation. `left_count`: the
-- conversation's messages up to `left_at_message_id`, while that is set.
ALTER TABLE members ADD COLUMN hidden_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN left_count INTEGER;

INSERT INTO message_counts (conversation_id, messages)
    SELECT conversation_id, COUNT(*) FROM messages GROUP BY conversation_id;
UPDATE members SET hidden_count =
    (SELECT COUNT(*) FROM hidden_messages h JOIN messages m ON m.id = h.message_id
      WHERE h.user_id = members.user_id AND m.conversation_id = members.conversation_id);
UPDATE members SET left_count =
    (SELECT COUNT(*) FROM messages m
      WHERE m.conversation_id = members.conversation_id AND m.id <= members.left_at_message_id)
 WHERE left_at_message_id IS NOT NULL;

CREATE TRIGGER messages_counted AFTER INSERT ON messages BEGIN
    INSERT INTO message_counts (conversation_id, messages) VALUES (NEW.conversation_id, 1)
        ON CONFLICT (conversation_id) DO UPDATE SET messages = messages + 1;
END;

-- Before the row goes (and its deleted-for-me marks with it, by cascade).
CREATE TRIGGER messages_uncounted BEFORE DELETE ON messages BEGIN
    UPDATE message_counts SET messages = messages - 1 WHERE conversation_id = OLD.conversation_id;
    UPDATE members SET left_count = left_count - 1
     WHERE conversation_id = OLD.conversation_id AND left_at_message_id >= OLD.id;
    UPDATE members SET hidden_count = hidden_count - 1
     WHERE conversation_id = OLD.conversation_id
       AND EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = members.user_id AND h.message_id = OLD.id);
END;

-- Only a mark that is new fires it (`ON CONFLICT DO NOTHING` inserts nothing).
CREATE TRIGGER hidden_counted AFTER INSERT ON hidden_messages BEGIN
    UPDATE members SET hidden_count = hidden_count + 1
     WHERE user_id = NEW.user_id
       AND conversation_id = (SELECT conversation_id FROM messages WHERE id = NEW.message_id);
END;
