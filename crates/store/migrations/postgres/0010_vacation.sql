-- Out-of-office (RFC 3834, RFC 8621 §7 VacationResponse, MS-ASCMD Oof, EWS UserOofSettings):
-- one setting per account, JSON whose meaning is relais-mail's (vacation), and the senders
-- already answered in the current period, so each gets one reply (RFC 3834 §2). Keep in step
-- with the other backend.
CREATE TABLE vacations (
    account_id BIGINT PRIMARY KEY,
    setting TEXT NOT NULL
);
CREATE TABLE vacation_replies (
    account_id BIGINT NOT NULL,
    sender TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, sender)
);
