-- Sharing: who besides the owner may reach a calendar, task list or address book (DAV ACL,
-- RFC 3744). rights is a bit set: 1 read, 2 write content. Keep in step with the other backend.
CREATE TABLE collection_grants (
    collection_id INTEGER NOT NULL,
    grantee_id INTEGER NOT NULL,
    rights INTEGER NOT NULL,
    PRIMARY KEY (collection_id, grantee_id)
);
CREATE INDEX collection_grants_grantee ON collection_grants (grantee_id);
