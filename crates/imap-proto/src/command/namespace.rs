//! NAMESPACE (RFC 2342, RFC 9051 §6.3.10): the command has no arguments; this is its response.
//!
//! ```text
//! namespace-response = "NAMESPACE" SP namespace SP namespace SP namespace    RFC 9051 §7.3.4
//! namespace = nil / "(" 1*namespace-descr ")"
//! namespace-descr = "(" string SP (DQUOTE QUOTED-CHAR DQUOTE / nil) ")"
//! ```
//! Prefixes are mailbox names, so they travel in modified UTF-7 like them.

use crate::mailbox::MailboxName;
use crate::response::Writer;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Namespaces {
    pub personal: Vec<Namespace>,
    pub other_users: Vec<Namespace>,
    pub shared: Vec<Namespace>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace {
    /// `""` for the personal namespace of most servers, `Other Users/`, `Shared/`, …
    pub prefix: String,
    pub delimiter: Option<char>,
}

/// `NAMESPACE (("" "/")) NIL NIL`.
pub(crate) fn encode(w: &mut Writer<'_>, namespaces: &Namespaces) {
    w.raw(b"NAMESPACE");
    for list in [&namespaces.personal, &namespaces.other_users, &namespaces.shared] {
        w.sp();
        if list.is_empty() {
            w.raw(b"NIL");
            continue;
        }
        w.raw(b"(");
        for ns in list {
            w.raw(b"(");
            w.mailbox_string(&MailboxName::new(ns.prefix.as_str()));
            w.sp();
            match ns.delimiter {
                Some(d) => w.quoted_char(d),
                None => w.raw(b"NIL"),
            }
            w.raw(b")");
        }
        w.raw(b")");
    }
}
