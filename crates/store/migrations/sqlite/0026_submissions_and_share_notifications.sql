-- The messages an account submitted through JMAP (EmailSubmission, RFC 8621 §7), kept for a
-- bounded time (relais-mail's `email_submission` sweeps them and caps them per account) so that
-- /get, /query and /changes show them and a delayed one can be cancelled. envelope and delivery
-- are JSON that relais-mail gives meaning to. undo_status: 0 pending (held until send_at, its
-- message in held_blob, counted in blobs.refs), 1 final, 2 canceled. queue_id: the outbound
-- queue's message once released with remote recipients, whose outcomes update delivery.
-- Keep in step with the other backend.
CREATE TABLE email_submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    identity_id INTEGER NOT NULL,
    email_id INTEGER NOT NULL,
    thread_id INTEGER NOT NULL,
    envelope TEXT NOT NULL,
    send_at INTEGER NOT NULL,
    created INTEGER NOT NULL,
    undo_status INTEGER NOT NULL,
    delivery TEXT NOT NULL,
    queue_id INTEGER,
    held_blob TEXT
);
CREATE INDEX email_submissions_account ON email_submissions (account_id, id);
CREATE INDEX email_submissions_queue ON email_submissions (queue_id);
CREATE INDEX email_submissions_due ON email_submissions (undo_status, send_at);

-- What a principal was told of a change to its rights on another's collection (JMAP
-- ShareNotification, RFC 9670 §5): written by relais-directory's sharing operations (IMAP
-- SETACL, DAV ACL, JMAP shareWith) for the grantee, bounded per account and in time.
-- kind is the collection's data type; old_rights and new_rights the stored rights bits.
CREATE TABLE share_notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    created INTEGER NOT NULL,
    changed_by INTEGER NOT NULL,
    collection_id INTEGER NOT NULL,
    object_account INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    name TEXT NOT NULL,
    old_rights INTEGER NOT NULL,
    new_rights INTEGER NOT NULL
);
CREATE INDEX share_notifications_account ON share_notifications (account_id, id);
CREATE INDEX share_notifications_created ON share_notifications (created);
