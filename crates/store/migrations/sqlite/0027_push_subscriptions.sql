-- JMAP push subscriptions (RFC 8620 §7.2): a URL a client's push service gives, to which the
-- server POSTs a StateChange when one of the principal's accounts changes. `verification_code`
-- is the server's, sent once in a PushVerification; the subscription carries nothing else
-- until the client sets that code (`verified`). `keys` is the RFC 8291 key pair's public half
-- and secret as JSON (`{"p256dh","auth"}`), NULL for a plain push; `types` a JSON list of type
-- names, NULL for all. `credential` (JSON) names what the login that made it stood on — the
-- credentials' digests, the web session's token hash, a bearer token's expiry —: when those
-- change the subscription is destroyed (§7.2). Times are Unix seconds. Not in a backup
-- (snapshot::DERIVED), like web sessions. Keep in step with the other backend.
CREATE TABLE push_subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    device_client_id TEXT NOT NULL,
    url TEXT NOT NULL,
    keys TEXT,
    verification_code TEXT NOT NULL,
    verified INTEGER NOT NULL DEFAULT 0,
    expires INTEGER NOT NULL,
    types TEXT,
    credential TEXT NOT NULL,
    created INTEGER NOT NULL,
    -- The pushState (RFC 8887 §4.3.5.1's form) told last, or when it was verified: a new
    -- sender (another node, a restart) resumes from it, so no change goes untold.
    push_state TEXT,
    failures INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX push_subscriptions_account ON push_subscriptions (account_id, id);
CREATE INDEX push_subscriptions_expires ON push_subscriptions (expires);
-- Leases: which node runs a job that must run once in the cluster (the push sender), until
-- when. A node renews its lease well before it ends; another takes it only after.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until INTEGER NOT NULL
);
