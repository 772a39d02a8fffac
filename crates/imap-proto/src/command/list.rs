//! LIST (with LIST-EXTENDED, LIST-STATUS and SPECIAL-USE) and LSUB.
//!
//! ```text
//! list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]
//!                                                                  RFC 9051 §6.3.9, RFC 5258 §6
//! list-select-opts = "(" [list-select-opt *(SP list-select-opt)] ")"
//! list-select-opt = "SUBSCRIBED" / "REMOTE" / "RECURSIVEMATCH"    RFC 5258 §3.1
//!                 / "SPECIAL-USE"                                  RFC 6154 §5.1
//! mbox-or-pat = list-mailbox / patterns
//! patterns = "(" list-mailbox *(SP list-mailbox) ")"
//! list-return-opts = "RETURN" SP "(" [return-option *(SP return-option)] ")"
//! return-option = "SUBSCRIBED" / "CHILDREN" / "SPECIAL-USE"        RFC 5258 §3.2, RFC 6154 §5.2
//!               / "STATUS" SP "(" status-att *(SP status-att) ")"  RFC 5819 §2
//!               / "MYRIGHTS"                                       RFC 8440 §2
//! lsub = "LSUB" SP mailbox SP list-mailbox                         RFC 3501 §6.3.9
//!
//! mailbox-list = "(" [mbx-list-flags] ")" SP (DQUOTE QUOTED-CHAR DQUOTE / nil) SP mailbox
//!                [SP mbox-list-extended]                           RFC 9051 §7.3.1
//! mbox-list-extended = "(" [mbox-list-extended-item *(SP mbox-list-extended-item)] ")"
//! mbox-list-extended-item = "CHILDINFO" SP "(" ... ")"             RFC 5258 §4
//!                         / "OLDNAME" SP "(" mailbox ")"           RFC 9051 §6.3.6
//! ```

use crate::command::CommandBody;
use crate::command::status::{self, StatusItem};
use crate::error::ErrorKind;
use crate::flag::MailboxAttribute;
use crate::mailbox::MailboxName;
use crate::parser::{Parser, Result};
use crate::response::Writer;

/// A LIST command. The reference and patterns are UTF-8 like mailbox names; the server joins
/// them and matches with [`pattern_matches`](crate::pattern_matches).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListCommand {
    pub reference: String,
    /// One, or several with LIST-EXTENDED.
    pub patterns: Vec<String>,
    pub selection: Vec<ListSelection>,
    pub returns: Vec<ListReturn>,
    /// True for the extended syntax (selection options, a pattern list or return options), whose
    /// answers carry CHILDINFO and `\NonExistent` (RFC 5258 §3).
    pub extended: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListSelection {
    Subscribed,
    Remote,
    RecursiveMatch,
    SpecialUse,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListReturn {
    Subscribed,
    Children,
    SpecialUse,
    /// LIST-STATUS: a STATUS response after each selectable mailbox's LIST response.
    Status(Vec<StatusItem>),
    MyRights,
}

pub(crate) fn list(p: &mut Parser<'_>) -> Result<CommandBody> {
    p.sp()?;
    let mut extended = false;
    let mut selection = Vec::new();
    if p.peek() == Some(b'(') {
        extended = true;
        selection = p.paren_list(select_option)?;
        p.sp()?;
        // RFC 5258 §3.1: RECURSIVEMATCH needs another selection option beside REMOTE.
        if selection.contains(&ListSelection::RecursiveMatch)
            && !selection.iter().any(|s| matches!(s, ListSelection::Subscribed | ListSelection::SpecialUse))
        {
            return Err(ErrorKind::syntax("RECURSIVEMATCH needs another selection option"));
        }
    }
    // The reference is a `mailbox` in the grammar; wildcards in it are taken as servers do.
    let reference = p.list_mailbox()?;
    p.sp()?;
    let patterns = if p.peek() == Some(b'(') {
        extended = true;
        p.paren_list1(Parser::list_mailbox)?
    } else {
        vec![p.list_mailbox()?]
    };
    let mut returns = Vec::new();
    if p.eat(b' ') {
        if !p.eat_keyword("RETURN") {
            return Err(ErrorKind::syntax("expected RETURN"));
        }
        p.sp()?;
        extended = true;
        returns = p.paren_list(return_option)?;
    }
    Ok(CommandBody::List(ListCommand { reference, patterns, selection, returns, extended }))
}

pub(crate) fn lsub(p: &mut Parser<'_>) -> Result<CommandBody> {
    p.sp()?;
    let reference = p.list_mailbox()?;
    p.sp()?;
    let pattern = p.list_mailbox()?;
    Ok(CommandBody::Lsub { reference, pattern })
}

fn select_option(p: &mut Parser<'_>) -> Result<ListSelection> {
    Ok(match p.keyword()?.as_str() {
        "SUBSCRIBED" => ListSelection::Subscribed,
        "REMOTE" => ListSelection::Remote,
        "RECURSIVEMATCH" => ListSelection::RecursiveMatch,
        "SPECIAL-USE" => ListSelection::SpecialUse,
        // RFC 5258 §3.1: unknown selection options are a BAD.
        _ => return Err(ErrorKind::syntax("unknown LIST selection option")),
    })
}

fn return_option(p: &mut Parser<'_>) -> Result<ListReturn> {
    Ok(match p.keyword()?.as_str() {
        "SUBSCRIBED" => ListReturn::Subscribed,
        "CHILDREN" => ListReturn::Children,
        "SPECIAL-USE" => ListReturn::SpecialUse,
        "MYRIGHTS" => ListReturn::MyRights,
        "STATUS" => {
            p.sp()?;
            ListReturn::Status(p.paren_list1(status::item)?)
        }
        _ => return Err(ErrorKind::syntax("unknown LIST return option")),
    })
}

/// One LIST or LSUB response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListItem {
    pub attributes: Vec<MailboxAttribute>,
    /// The hierarchy delimiter; `None` for a flat namespace (`NIL`).
    pub delimiter: Option<char>,
    pub mailbox: MailboxName,
    pub extended: Vec<ListExtendedItem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListExtendedItem {
    /// RFC 5258 §4: why a non-matching parent is listed, e.g. `["SUBSCRIBED"]`.
    ChildInfo(Vec<String>),
    /// RFC 9051 §6.3.6 / RFC 5465 §5.4: the name before a RENAME.
    OldName(MailboxName),
}

/// `LIST (\HasNoChildren) "/" INBOX` (the caller writes `* ` and chooses LIST or LSUB).
pub(crate) fn encode(w: &mut Writer<'_>, name: &str, item: &ListItem) {
    w.raw(name.as_bytes());
    w.raw(b" (");
    for (i, a) in item.attributes.iter().enumerate() {
        if i > 0 {
            w.sp();
        }
        w.raw(a.to_string().as_bytes());
    }
    w.raw(b") ");
    match item.delimiter {
        Some(d) => w.quoted_char(d),
        None => w.raw(b"NIL"),
    }
    w.sp();
    w.mailbox(&item.mailbox);
    if item.extended.is_empty() {
        return;
    }
    w.raw(b" (");
    for (i, x) in item.extended.iter().enumerate() {
        if i > 0 {
            w.sp();
        }
        match x {
            ListExtendedItem::ChildInfo(reasons) => {
                w.raw(b"\"CHILDINFO\" (");
                for (j, r) in reasons.iter().enumerate() {
                    if j > 0 {
                        w.sp();
                    }
                    w.string(r.as_bytes());
                }
                w.raw(b")");
            }
            ListExtendedItem::OldName(old) => {
                w.raw(b"\"OLDNAME\" (");
                w.mailbox(old);
                w.raw(b")");
            }
        }
    }
    w.raw(b")");
}
