-- The identities an account sends as (JMAP Identity, RFC 8621 §6): an address the user may
-- send from (checked by relais-mail when it is made, and again by every submission) and its
-- setting as JSON (name, replyTo, bcc, signatures; relais-mail's `identity` gives it meaning).
-- The account's own identity (its own address) is always there without a row; `own` = 1 marks
-- the one row that keeps its setting once the user changed it (its email column is empty: the
-- address is the principal's). Keep in step with the other backend.
CREATE TABLE identities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    own INTEGER NOT NULL DEFAULT 0,
    email TEXT NOT NULL,
    setting TEXT NOT NULL
);
CREATE INDEX identities_account ON identities (account_id);
CREATE UNIQUE INDEX identities_own ON identities (account_id) WHERE own = 1;
