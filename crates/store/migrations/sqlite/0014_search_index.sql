-- Message search index (store/src/search.rs): derived from the message blobs, written with the
-- message at delivery and append, rebuilt on the first search that finds a message without it
-- (so messages stored before this migration need no backfill here). Text is folded by the mail
-- domain; the store tests substrings. Keep in step with the other backend.
CREATE TABLE message_search (
    item_id INTEGER PRIMARY KEY,
    sent_day INTEGER,
    subject TEXT,
    from_addr TEXT,
    to_addr TEXT,
    cc_addr TEXT,
    bcc_addr TEXT
);
CREATE TABLE message_text (
    item_id INTEGER PRIMARY KEY,
    header_text TEXT NOT NULL,
    body_text TEXT NOT NULL
);
CREATE TABLE message_headers (
    item_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL
);
CREATE INDEX message_headers_item ON message_headers (item_id, name);
