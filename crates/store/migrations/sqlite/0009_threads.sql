-- Threads (RFC 8621 §3 Thread, RFC 8474 THREADID): every message has a thread id, the id of the
-- first message of its thread (its own when it starts one). A message joins the thread of a
-- message it refers to (or one that refers to it) with the same base subject; this table is how
-- one is found: one row per Message-ID a message names (its own, In-Reply-To, References),
-- as a 63-bit hash, with the base subject's hash and the message's thread. Rows go with their
-- message. Keep in step with the other backend.
CREATE TABLE message_threads (
    account_id INTEGER NOT NULL,
    msgid_hash INTEGER NOT NULL,
    subject_hash INTEGER NOT NULL,
    thread_id INTEGER NOT NULL,
    item_id INTEGER NOT NULL
);
CREATE INDEX message_threads_lookup ON message_threads (account_id, msgid_hash);
CREATE INDEX message_threads_item ON message_threads (item_id);
CREATE INDEX items_thread ON items (thread_id) WHERE thread_id IS NOT NULL;
-- Messages stored before threads existed each start their own.
UPDATE items SET thread_id = id WHERE data_type = 3 AND thread_id IS NULL;
