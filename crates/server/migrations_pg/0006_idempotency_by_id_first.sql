-- The idempotency index keyed by the clientMsgId first (as SQLite's 0014): time-ordered ids are
-- added at its end instead of one place per sender.
DROP INDEX messages_idempotency;
CREATE UNIQUE INDEX messages_idempotency ON messages(client_msg_id, sender_id) WHERE client_msg_id IS NOT NULL;
