-- One bit per RFC 4314 right in collection_grants.rights, shared by IMAP ACL and DAV ACL
-- (relais_store::share_rights): l 1, r 2, s 4, w 8, i 16, p 32, k 64, x 128, t 256, e 512,
-- a 1024. Until now rights was 1 read, 2 write content (DAV): read becomes READ (l r = 3),
-- write becomes WRITE (w i t e = 792). Keep in step with the other backend.
UPDATE collection_grants SET rights =
    (CASE WHEN (rights & 1) <> 0 THEN 3 ELSE 0 END) | (CASE WHEN (rights & 2) <> 0 THEN 792 ELSE 0 END);
-- The grantee's own subscription to a shared mailbox (IMAP SUBSCRIBE, LSUB).
ALTER TABLE collection_grants ADD COLUMN subscribed BIGINT NOT NULL DEFAULT 0;
