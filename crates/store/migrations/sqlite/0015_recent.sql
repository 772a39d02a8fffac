-- IMAP \Recent (RFC 3501 §2.3.2): per mailbox, the highest UID a session has already claimed
-- as recent. A message above it is recent for the next IMAP4rev1 session that SELECTs the
-- mailbox or learns of the message while it is selected (`recent::claim_recent`). Not a change:
-- claiming logs nothing and bumps no modseq. Keep in step with the other backend.
ALTER TABLE collections ADD COLUMN recent_uid INTEGER NOT NULL DEFAULT 0;
