-- A message's received date beside its place in each mailbox, indexed with the mailbox: a
-- mailbox's newest messages (JMAP Email/query sorted by receivedAt, a web client opening the
-- Inbox) are read from the index in order, a page at a time, instead of every message of the
-- mailbox being read and sorted. A message's received date never changes. Keep in step with
-- the other backend.
ALTER TABLE mailbox_messages ADD COLUMN received_at BIGINT NOT NULL DEFAULT 0;
UPDATE mailbox_messages m SET received_at = i.received_at FROM items i WHERE i.id = m.item_id;
CREATE INDEX mailbox_messages_received ON mailbox_messages (mailbox_id, received_at, item_id);
