//! ACL (RFC 4314).
//!
//! ```text
//! setacl = "SETACL" SP mailbox SP identifier SP mod-rights        RFC 4314 §3.1
//! mod-rights = astring    ; +rights, -rights or rights
//! deleteacl = "DELETEACL" SP mailbox SP identifier                RFC 4314 §3.2
//! getacl = "GETACL" SP mailbox                                    RFC 4314 §3.3
//! listrights = "LISTRIGHTS" SP mailbox SP identifier              RFC 4314 §3.4
//! myrights = "MYRIGHTS" SP mailbox                                RFC 4314 §3.5
//! acl-data = "ACL" SP mailbox *(SP identifier SP rights)          RFC 4314 §3.6
//! listrights-data = "LISTRIGHTS" SP mailbox SP identifier SP rights *(SP rights)   §3.7
//! myrights-data = "MYRIGHTS" SP mailbox SP rights                 RFC 4314 §3.8
//! ```

use crate::command::CommandBody;
use crate::mailbox::MailboxName;
use crate::parser::{Parser, Result};
use crate::response::Writer;

/// SETACL's rights: added (`+lr`), removed (`-w`) or replacing (`lrswi`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RightsChange {
    Add(String),
    Remove(String),
    Replace(String),
}

fn mailbox_and_identifier(p: &mut Parser<'_>) -> Result<(MailboxName, String)> {
    p.sp()?;
    let mailbox = p.mailbox()?;
    p.sp()?;
    Ok((mailbox, p.astring_text()?))
}

pub(crate) fn set_acl(p: &mut Parser<'_>) -> Result<CommandBody> {
    let (mailbox, identifier) = mailbox_and_identifier(p)?;
    p.sp()?;
    let rights = p.astring_text()?;
    let rights = if let Some(r) = rights.strip_prefix('+') {
        RightsChange::Add(r.to_owned())
    } else if let Some(r) = rights.strip_prefix('-') {
        RightsChange::Remove(r.to_owned())
    } else {
        RightsChange::Replace(rights)
    };
    Ok(CommandBody::SetAcl { mailbox, identifier, rights })
}

pub(crate) fn delete_acl(p: &mut Parser<'_>) -> Result<CommandBody> {
    let (mailbox, identifier) = mailbox_and_identifier(p)?;
    Ok(CommandBody::DeleteAcl { mailbox, identifier })
}

pub(crate) fn list_rights(p: &mut Parser<'_>) -> Result<CommandBody> {
    let (mailbox, identifier) = mailbox_and_identifier(p)?;
    Ok(CommandBody::ListRights { mailbox, identifier })
}

pub(crate) fn get_acl(p: &mut Parser<'_>) -> Result<CommandBody> {
    p.sp()?;
    Ok(CommandBody::GetAcl(p.mailbox()?))
}

pub(crate) fn my_rights(p: &mut Parser<'_>) -> Result<CommandBody> {
    p.sp()?;
    Ok(CommandBody::MyRights(p.mailbox()?))
}

/// `ACL INBOX fred rwipslxetad`.
pub(crate) fn encode_acl(w: &mut Writer<'_>, mailbox: &MailboxName, entries: &[(String, String)]) {
    w.raw(b"ACL ");
    w.mailbox(mailbox);
    for (identifier, rights) in entries {
        w.sp();
        w.astring(identifier.as_bytes());
        w.sp();
        w.astring(rights.as_bytes());
    }
}

/// `LISTRIGHTS INBOX fred "" l r s w i p k x t e a c d`.
pub(crate) fn encode_list_rights(
    w: &mut Writer<'_>,
    mailbox: &MailboxName,
    identifier: &str,
    required: &str,
    optional: &[String],
) {
    w.raw(b"LISTRIGHTS ");
    w.mailbox(mailbox);
    w.sp();
    w.astring(identifier.as_bytes());
    w.sp();
    w.astring(required.as_bytes());
    for r in optional {
        w.sp();
        w.astring(r.as_bytes());
    }
}

/// `MYRIGHTS INBOX rwiptsldaex`.
pub(crate) fn encode_my_rights(w: &mut Writer<'_>, mailbox: &MailboxName, rights: &str) {
    w.raw(b"MYRIGHTS ");
    w.mailbox(mailbox);
    w.sp();
    w.astring(rights.as_bytes());
}
