-- iMIP (RFC 6047): a delivered copy of a message with a text/calendar part whose iTIP objects are
-- not yet applied to its recipient's calendar. Written in the delivery's transaction, removed
-- once applied, so a crash in between is made good at the next start. Keep in step with the
-- other backend.
CREATE TABLE calendar_pending (
    item_id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    sender TEXT NOT NULL
);
