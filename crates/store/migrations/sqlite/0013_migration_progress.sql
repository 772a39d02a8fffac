-- How far `relais admin migrate imap` has come, per account, source server and source folder:
-- the source folder's UIDVALIDITY and the highest UID whose message is stored here (RFC 9051
-- §2.3.1.1: UIDs grow within one UIDVALIDITY). Written in the transaction that appends the
-- messages, so an interrupted run resumes after the last message stored and a re-run fetches
-- only what arrived since. Keep in step with the other backend.
CREATE TABLE migration_progress (
    account_id INTEGER NOT NULL,
    source TEXT NOT NULL,
    folder TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    last_uid INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, source, folder)
);
