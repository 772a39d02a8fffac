//! QUOTA (RFC 9208).
//!
//! ```text
//! getquota = "GETQUOTA" SP quota-root-name                      RFC 9208 §4.1
//! getquotaroot = "GETQUOTAROOT" SP mailbox                      RFC 9208 §4.2
//! setquota = "SETQUOTA" SP quota-root-name SP setquota-list     RFC 9208 §4.3
//! setquota-list = "(" [setquota-resource *(SP setquota-resource)] ")"
//! setquota-resource = resource-name SP resource-limit
//! quota-response = "QUOTA" SP quota-root-name SP quota-list     RFC 9208 §5.1
//! quota-list = "(" quota-resource *(SP quota-resource) ")"
//! quota-resource = resource-name SP resource-usage SP resource-limit
//! quotaroot-response = "QUOTAROOT" SP mailbox *(SP quota-root-name)   RFC 9208 §5.2
//! ```
//! Resource names (STORAGE in KiB, MESSAGE, MAILBOX, ANNOTATION-STORAGE) are upper-cased.

use crate::command::CommandBody;
use crate::mailbox::MailboxName;
use crate::parser::{Parser, Result};
use crate::response::Writer;

/// A SETQUOTA limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaLimit {
    pub resource: String,
    pub limit: u64,
}

/// A resource of a QUOTA response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaResource {
    pub resource: String,
    pub usage: u64,
    pub limit: u64,
}

pub(crate) fn get_quota(p: &mut Parser<'_>) -> Result<CommandBody> {
    p.sp()?;
    Ok(CommandBody::GetQuota(p.astring_text()?))
}

pub(crate) fn get_quota_root(p: &mut Parser<'_>) -> Result<CommandBody> {
    p.sp()?;
    Ok(CommandBody::GetQuotaRoot(p.mailbox()?))
}

pub(crate) fn set_quota(p: &mut Parser<'_>) -> Result<CommandBody> {
    p.sp()?;
    let root = p.astring_text()?;
    p.sp()?;
    let limits = p.paren_list(|p| {
        let resource = p.keyword()?;
        p.sp()?;
        Ok(QuotaLimit { resource, limit: p.number64()? })
    })?;
    Ok(CommandBody::SetQuota { root, limits })
}

/// `QUOTA "" (STORAGE 10 512)`.
pub(crate) fn encode_quota(w: &mut Writer<'_>, root: &str, resources: &[QuotaResource]) {
    w.raw(b"QUOTA ");
    w.astring(root.as_bytes());
    w.raw(b" (");
    for (i, r) in resources.iter().enumerate() {
        if i > 0 {
            w.sp();
        }
        w.atom(&r.resource);
        w.sp();
        w.number(r.usage);
        w.sp();
        w.number(r.limit);
    }
    w.raw(b")");
}

/// `QUOTAROOT INBOX ""`.
pub(crate) fn encode_quota_root(w: &mut Writer<'_>, mailbox: &MailboxName, roots: &[String]) {
    w.raw(b"QUOTAROOT ");
    w.mailbox(mailbox);
    for root in roots {
        w.sp();
        w.astring(root.as_bytes());
    }
}
