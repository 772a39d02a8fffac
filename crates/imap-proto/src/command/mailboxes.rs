//! CREATE (with CREATE-SPECIAL-USE), DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE.
//!
//! ```text
//! create = "CREATE" SP mailbox [create-params]                   RFC 9051 §6.3.4, RFC 4466 §2.2
//! create-params = SP "(" create-param *(SP create-param) ")"
//! create-param =/ "USE" SP "(" [use-attr *(SP use-attr)] ")"     RFC 6154 §6
//! delete = "DELETE" SP mailbox                                   RFC 9051 §6.3.5
//! rename = "RENAME" SP mailbox SP mailbox                        RFC 9051 §6.3.6
//! subscribe = "SUBSCRIBE" SP mailbox                             RFC 9051 §6.3.7
//! unsubscribe = "UNSUBSCRIBE" SP mailbox                         RFC 9051 §6.3.8
//! ```
//! A use-attr the server does not know is the session's to refuse with `NO [USEATTR]`.

use crate::command::CommandBody;
use crate::error::ErrorKind;
use crate::flag::MailboxAttribute;
use crate::mailbox::MailboxName;
use crate::parser::{Parser, Result};

pub(crate) fn one(p: &mut Parser<'_>) -> Result<MailboxName> {
    p.sp()?;
    p.mailbox()
}

pub(crate) fn create(p: &mut Parser<'_>) -> Result<CommandBody> {
    let mailbox = one(p)?;
    let mut special_use = Vec::new();
    if p.eat(b' ') {
        p.paren_list1(|p| {
            if !p.eat_keyword("USE") {
                return Err(ErrorKind::syntax("unknown CREATE parameter"));
            }
            p.sp()?;
            special_use.extend(p.paren_list(use_attr)?);
            Ok(())
        })?;
    }
    Ok(CommandBody::Create { mailbox, special_use })
}

fn use_attr(p: &mut Parser<'_>) -> Result<MailboxAttribute> {
    p.expect(b'\\', "expected a special-use attribute like \\Drafts")?;
    let name = p.atom()?;
    MailboxAttribute::parse(&format!("\\{name}")).ok_or(ErrorKind::syntax("invalid special-use attribute"))
}

pub(crate) fn rename(p: &mut Parser<'_>) -> Result<CommandBody> {
    let from = one(p)?;
    let to = one(p)?;
    Ok(CommandBody::Rename { from, to })
}
