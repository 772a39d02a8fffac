-- Migration re-runs from a CalDAV/CardDAV server (`relais admin migrate dav`) tell which side
-- changed an object: per account, source, source collection and resource name, the source's
-- ETag when the object was last brought over and the ETag it got here. An object the source
-- did not change is not read again; one changed here since is kept, not overwritten. Keep in
-- step with the other backend.
CREATE TABLE migration_objects (
    account_id BIGINT NOT NULL,
    source TEXT NOT NULL,
    collection TEXT NOT NULL,
    name TEXT NOT NULL,
    source_etag TEXT NOT NULL,
    local_etag TEXT NOT NULL,
    PRIMARY KEY (account_id, source, collection, name)
);
