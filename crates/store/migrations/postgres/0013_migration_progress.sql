-- How far `relais admin migrate imap` has come, per account, source server and source folder:
-- the source folder's UIDVALIDITY and the highest UID whose message is stored here (RFC 9051
-- §2.3.1.1: UIDs grow within one UIDVALIDITY). Written in the transaction that appends the
-- messages, so an interrupted run resumes after the last message stored and a re-run fetches
-- only what arrived since. Keep in step with the other backend.
CREATE TABLE migration_progress (
    account_id BIGINT NOT NULL,
    source TEXT NOT NULL,
    folder TEXT NOT NULL,
    uidvalidity BIGINT NOT NULL,
    last_uid BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, source, folder)
);
