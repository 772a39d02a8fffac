-- API tokens: bearer credentials (`Authorization: Bearer`, RFC 6750) a user or an administrator
-- makes for a script or a client that cannot keep a password. Only the SHA-256 of the token is
-- stored (hex; a token is 256 random bits, so a fast hash is enough and a lookup needs no
-- user name); `id` is the hash's first 16 hex digits, which lists and revocations name.
-- Times are Unix seconds; `expires` NULL for a token that does not expire. In backups, like
-- app passwords. Keep in step with the other backend.
CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    principal_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    created BIGINT NOT NULL,
    expires BIGINT,
    last_used BIGINT,
    UNIQUE (principal_id, name)
);
-- Once: web sessions signed in before the web sign-in took the account's password alone (a
-- session opened with an app password outlived that app password's revocation) end here;
-- their users sign in again.
DELETE FROM web_sessions;
