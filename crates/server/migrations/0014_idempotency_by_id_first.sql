-- A send is told from a retry by its sender and `clientMsgId`. Keyed sender first, every batch
-- of sends wrote into one leaf of this index per sender (~15 of a batch's ~80 pages). Keyed by
-- the id first, ids that begin with the time, as the app's do (milliseconds in hex, then a
-- random part), are added at the index's end: a leaf or two a batch. Random ids cost what they
-- did. The same pairs are unique either way.
DROP INDEX messages_idempotency;
CREATE UNIQUE INDEX messages_idempotency ON messages(client_msg_id, sender_id) WHERE client_msg_id IS NOT NULL;
