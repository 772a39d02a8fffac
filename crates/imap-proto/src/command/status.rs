//! STATUS.
//!
//! ```text
//! status = "STATUS" SP mailbox SP "(" status-att *(SP status-att) ")"     RFC 9051 §6.3.11
//! status-att = "MESSAGES" / "UIDNEXT" / "UIDVALIDITY" / "UNSEEN" / "DELETED" / "SIZE"
//!            / "RECENT"                       RFC 3501 (IMAP4rev1 only)
//!            / "HIGHESTMODSEQ"                RFC 7162 §3.1.9
//!            / "APPENDLIMIT"                  RFC 7889 §3
//!            / "MAILBOXID"                    RFC 8474 §4.1
//!            / "DELETED-STORAGE"              RFC 9208 §4.3
//! mailbox-data =/ "STATUS" SP mailbox SP "(" [status-att-list] ")"
//! status-att-val = "MESSAGES" SP number / "UIDNEXT" SP nz-number / … / "SIZE" SP number64
//!                / "APPENDLIMIT" SP (number / nil) / "MAILBOXID" SP "(" objectid ")"
//! ```

use crate::command::CommandBody;
use crate::error::ErrorKind;
use crate::mailbox::MailboxName;
use crate::parser::{Parser, Result};
use crate::response::Writer;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusItem {
    Messages,
    Recent,
    UidNext,
    UidValidity,
    Unseen,
    Deleted,
    Size,
    HighestModseq,
    AppendLimit,
    MailboxId,
    DeletedStorage,
}

pub(crate) fn parse(p: &mut Parser<'_>) -> Result<CommandBody> {
    p.sp()?;
    let mailbox = p.mailbox()?;
    p.sp()?;
    let items = p.paren_list1(item)?;
    Ok(CommandBody::Status { mailbox, items })
}

pub(crate) fn item(p: &mut Parser<'_>) -> Result<StatusItem> {
    Ok(match p.keyword()?.as_str() {
        "MESSAGES" => StatusItem::Messages,
        "RECENT" => StatusItem::Recent,
        "UIDNEXT" => StatusItem::UidNext,
        "UIDVALIDITY" => StatusItem::UidValidity,
        "UNSEEN" => StatusItem::Unseen,
        "DELETED" => StatusItem::Deleted,
        "SIZE" => StatusItem::Size,
        "HIGHESTMODSEQ" => StatusItem::HighestModseq,
        "APPENDLIMIT" => StatusItem::AppendLimit,
        "MAILBOXID" => StatusItem::MailboxId,
        "DELETED-STORAGE" => StatusItem::DeletedStorage,
        _ => return Err(ErrorKind::syntax("unknown STATUS item")),
    })
}

/// One value of a STATUS response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusValue {
    Messages(u32),
    Recent(u32),
    UidNext(u32),
    UidValidity(u32),
    Unseen(u32),
    Deleted(u32),
    Size(u64),
    HighestModseq(u64),
    /// `None`: no limit (`APPENDLIMIT NIL`, RFC 7889 §3).
    AppendLimit(Option<u64>),
    MailboxId(String),
    DeletedStorage(u64),
}

/// `STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)`.
pub(crate) fn encode(w: &mut Writer<'_>, mailbox: &MailboxName, values: &[StatusValue]) {
    w.raw(b"STATUS ");
    w.mailbox(mailbox);
    w.raw(b" (");
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            w.sp();
        }
        let (name, n) = match v {
            StatusValue::Messages(n) => ("MESSAGES", u64::from(*n)),
            StatusValue::Recent(n) => ("RECENT", u64::from(*n)),
            StatusValue::UidNext(n) => ("UIDNEXT", u64::from(*n)),
            StatusValue::UidValidity(n) => ("UIDVALIDITY", u64::from(*n)),
            StatusValue::Unseen(n) => ("UNSEEN", u64::from(*n)),
            StatusValue::Deleted(n) => ("DELETED", u64::from(*n)),
            StatusValue::Size(n) => ("SIZE", *n),
            StatusValue::HighestModseq(n) => ("HIGHESTMODSEQ", *n),
            StatusValue::DeletedStorage(n) => ("DELETED-STORAGE", *n),
            StatusValue::AppendLimit(None) => {
                w.raw(b"APPENDLIMIT NIL");
                continue;
            }
            StatusValue::AppendLimit(Some(n)) => ("APPENDLIMIT", *n),
            StatusValue::MailboxId(id) => {
                w.raw(b"MAILBOXID (");
                w.atom(id);
                w.raw(b")");
                continue;
            }
        };
        w.raw(name.as_bytes());
        w.sp();
        w.number(n);
    }
    w.raw(b")");
}
