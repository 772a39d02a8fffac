-- The outbound queue: messages waiting for remote delivery, with per-recipient state.
-- Keep in step with ../postgres/0002_queue.sql.
CREATE TABLE queue_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    blob_hash TEXT NOT NULL,
    size INTEGER NOT NULL,
    -- The reverse-path; empty for delivery status notifications (RFC 5321 §4.5.5).
    sender TEXT NOT NULL,
    env_id TEXT,
    ret_full INTEGER NOT NULL DEFAULT 0,
    principal_id INTEGER,
    created INTEGER NOT NULL,
    expires INTEGER NOT NULL
);
CREATE TABLE queue_recipients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id INTEGER NOT NULL,
    address TEXT NOT NULL,
    domain TEXT NOT NULL,
    orcpt TEXT,
    notify INTEGER NOT NULL DEFAULT 0,
    -- 0 queued, 1 delivered, 2 failed permanently.
    status INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL,
    leased_until INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    warned INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL
);
CREATE INDEX queue_due ON queue_recipients (status, next_attempt);
CREATE INDEX queue_by_message ON queue_recipients (message_id);
