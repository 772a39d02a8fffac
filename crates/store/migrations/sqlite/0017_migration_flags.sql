-- Migration re-runs bring the source's flag changes (`relais admin migrate imap`): which item
-- each migrated source message became (per account, source, folder and source UID; the rows of
-- a folder go when its UIDVALIDITY changes), and the source folder's HIGHESTMODSEQ when it was
-- last read (RFC 7162 §3.1.2.1; 0: the source has no CONDSTORE), so that a re-run fetches only
-- the flags changed since. Keep in step with the other backend.
CREATE TABLE migration_messages (
    account_id INTEGER NOT NULL,
    source TEXT NOT NULL,
    folder TEXT NOT NULL,
    uid INTEGER NOT NULL,
    item_id INTEGER NOT NULL,
    PRIMARY KEY (account_id, source, folder, uid)
);
ALTER TABLE migration_progress ADD COLUMN highest_modseq INTEGER NOT NULL DEFAULT 0;
