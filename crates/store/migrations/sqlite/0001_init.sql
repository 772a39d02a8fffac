-- Relais schema v1 (SQLite). Keep in step with ../postgres/0001_init.sql: same tables, same
-- columns, same meaning; only types, identity columns and the full-text index differ.

-- Every principal that owns data has one row; `modseq` is bumped once per committed write.
-- Ids are never reused (AUTOINCREMENT): a destroyed item's id must not come back in the change log.
-- Account 0 is the directory itself: domain and principal changes are logged against it.
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    modseq INTEGER NOT NULL DEFAULT 0,
    trimmed_modseq INTEGER NOT NULL DEFAULT 0,
    -- The last UIDVALIDITY given to one of its mailboxes: a new mailbox gets a larger one.
    last_uidvalidity INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL
);
INSERT INTO accounts (id, modseq, trimmed_modseq, created) VALUES (0, 0, 0, 0);

-- Mailboxes, calendars, address books, task lists. `uidvalidity`/`uidnext` serve IMAP.
CREATE TABLE collections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    name TEXT NOT NULL,
    parent_id INTEGER,
    role TEXT,
    uidvalidity INTEGER NOT NULL,
    uidnext INTEGER NOT NULL DEFAULT 1,
    modseq INTEGER NOT NULL,
    subscribed INTEGER NOT NULL DEFAULT 1,
    props TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX collections_name ON collections (account_id, kind, coalesce(parent_id, 0), name);

-- Messages, events, contacts, tasks. A message's mailboxes are in mailbox_messages;
-- other items live in exactly one collection (`collection_id`).
CREATE TABLE items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    data_type INTEGER NOT NULL,
    collection_id INTEGER,
    blob_hash TEXT,
    size INTEGER NOT NULL DEFAULT 0,
    modseq INTEGER NOT NULL,
    created_modseq INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    keywords TEXT NOT NULL DEFAULT '',
    thread_id INTEGER,
    uid_text TEXT,
    start_utc INTEGER,
    end_utc INTEGER,
    summary TEXT NOT NULL DEFAULT ''
);
CREATE INDEX items_account ON items (account_id, data_type);
CREATE INDEX items_collection ON items (collection_id, start_utc);
CREATE INDEX items_uid_text ON items (account_id, uid_text);

-- IMAP view of a message in a mailbox: UIDs are per mailbox and never reused.
CREATE TABLE mailbox_messages (
    mailbox_id INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    item_id INTEGER NOT NULL,
    modseq INTEGER NOT NULL,
    PRIMARY KEY (mailbox_id, uid)
);
CREATE INDEX mailbox_messages_item ON mailbox_messages (item_id);

-- The change log: one sync substrate for every protocol. Rows with collection_id set record
-- membership changes of a message in a mailbox (with its uid); rows without it, the item itself.
CREATE TABLE changes (
    account_id INTEGER NOT NULL,
    modseq INTEGER NOT NULL,
    data_type INTEGER NOT NULL,
    id INTEGER NOT NULL,
    collection_id INTEGER,
    uid INTEGER,
    kind INTEGER NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX changes_account ON changes (account_id, data_type, modseq);
CREATE INDEX changes_collection ON changes (collection_id, modseq);
CREATE INDEX changes_at ON changes (at);

-- Content-addressed blobs: reference counts here, bytes in DATA/blobs (files).
CREATE TABLE blobs (
    hash TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    refs INTEGER NOT NULL,
    released_at INTEGER
);
CREATE INDEX blobs_released ON blobs (released_at) WHERE refs <= 0;

-- Cross-process notifications (the CLI and the server share one data directory).
CREATE TABLE notifications (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    origin TEXT NOT NULL,
    account_id INTEGER NOT NULL,
    modseq INTEGER NOT NULL,
    types INTEGER NOT NULL,
    at INTEGER NOT NULL
);

-- Full-text index, written in the same transaction as the item (rowid = items.id).
CREATE VIRTUAL TABLE item_text USING fts5 (body, content = '', contentless_delete = 1);

-- Directory.
CREATE TABLE domains (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    catchall_id INTEGER,
    created INTEGER NOT NULL
);
CREATE TABLE principals (
    id INTEGER PRIMARY KEY,
    kind INTEGER NOT NULL,
    local_part TEXT NOT NULL,
    domain_id INTEGER NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    secret TEXT,
    role INTEGER NOT NULL DEFAULT 0,
    quota INTEGER,
    created INTEGER NOT NULL,
    UNIQUE (domain_id, local_part)
);
CREATE TABLE aliases (
    domain_id INTEGER NOT NULL,
    local_part TEXT NOT NULL,
    principal_id INTEGER NOT NULL,
    PRIMARY KEY (domain_id, local_part)
);
CREATE INDEX aliases_principal ON aliases (principal_id);
CREATE TABLE group_members (
    group_id INTEGER NOT NULL,
    member_id INTEGER NOT NULL,
    PRIMARY KEY (group_id, member_id)
);
CREATE INDEX group_members_member ON group_members (member_id);
CREATE TABLE app_passwords (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    principal_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    secret TEXT NOT NULL,
    created INTEGER NOT NULL,
    last_used INTEGER,
    UNIQUE (principal_id, name)
);
-- Who may act for a principal (shared mailboxes, delegation): rights is a bit set.
CREATE TABLE delegates (
    principal_id INTEGER NOT NULL,
    delegate_id INTEGER NOT NULL,
    rights INTEGER NOT NULL,
    PRIMARY KEY (principal_id, delegate_id)
);
