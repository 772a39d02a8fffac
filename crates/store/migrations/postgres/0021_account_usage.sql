-- What each account's items take, in octets, kept by every write that adds, replaces or
-- destroys an item (relais_store::WriteTx): a quota check reads one row instead of summing
-- every item of the account, which inside the writer cost each APPEND and delivery time in
-- proportion to the mailbox. Keep in step with the other backend.
ALTER TABLE accounts ADD COLUMN used_octets BIGINT NOT NULL DEFAULT 0;
UPDATE accounts SET used_octets = (SELECT coalesce(sum(i.size), 0) FROM items i WHERE i.account_id = accounts.id);
