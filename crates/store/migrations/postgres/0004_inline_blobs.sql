-- Nothing to do: blob_data exists since 0001 on PostgreSQL (see ../sqlite/0004_inline_blobs.sql).
SELECT 1;
