-- Small blobs live in the database, written by the transaction that references them (one fsync
-- for content and metadata). Larger ones stay files. PostgreSQL had blob_data from 0001.
CREATE TABLE blob_data (
    hash TEXT PRIMARY KEY,
    data BLOB NOT NULL,
    touched INTEGER NOT NULL
);
