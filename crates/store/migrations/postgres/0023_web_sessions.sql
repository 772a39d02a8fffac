-- The web client's login sessions, shared by every node and kept across restarts. Only the
-- SHA-256 of the cookie's token is stored (hex), so the table shows no usable cookie. A
-- session ends at `expires` (its lifetime from the login) or after the configured idle time
-- since `last_used` (written at most once a minute per session); the server's maintenance
-- deletes ended rows. Times are Unix milliseconds. Not in a backup (snapshot::DERIVED): a restore signs people out.
-- Keep in step with the other backend.
CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    csrf TEXT NOT NULL,
    created BIGINT NOT NULL,
    last_used BIGINT NOT NULL,
    expires BIGINT NOT NULL
);
CREATE INDEX web_sessions_account ON web_sessions (account_id, created);
