-- IMAP subscriptions by name (RFC 9051 §6.3.7-8, RFC 3501 §6.3.6): the user's own list of
-- names, which the server never changes by itself — a deleted mailbox stays subscribed and is
-- listed \NonExistent (RFC 5258 §3.1). A subscription to another account's shared mailbox
-- stays on the grant (collection_grants.subscribed). collections.subscribed is no longer read
-- for mailboxes. Keep in step with the other backend.
CREATE TABLE mailbox_subscriptions (
    account_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (account_id, name)
);
-- The subscriptions kept on the mailboxes until now, by full name (INBOX for the top-level
-- inbox, levels joined by '/'; kind 2 is a mailbox).
INSERT INTO mailbox_subscriptions (account_id, name)
WITH RECURSIVE paths (id, account_id, full_name) AS (
    SELECT id, account_id, CAST(CASE WHEN role = 'inbox' THEN 'INBOX' ELSE name END AS TEXT)
    FROM collections WHERE kind = 2 AND parent_id IS NULL
    UNION ALL
    SELECT c.id, c.account_id, CAST(p.full_name || '/' || c.name AS TEXT)
    FROM collections c JOIN paths p ON c.parent_id = p.id
)
SELECT p.account_id, p.full_name FROM paths p JOIN collections c ON c.id = p.id WHERE c.subscribed = 1;
