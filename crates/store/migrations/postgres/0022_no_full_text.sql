-- The word index of message text (SQLite FTS5 `item_text`, PostgreSQL `items.fts`) is dropped:
-- since the search index of 0014 answers every search (IMAP SEARCH/SORT, JMAP, ActiveSync), as
-- substrings as IMAP requires, nothing read it, yet every delivery and append computed and wrote
-- it and every restore rebuilt it. Keep in step with the other backend.
DROP INDEX IF EXISTS items_fts;
ALTER TABLE items DROP COLUMN IF EXISTS fts;
