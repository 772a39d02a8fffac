//! APPEND, with MULTIAPPEND, BINARY's literal8 and UTF8=ACCEPT's UTF8 form.
//!
//! ```text
//! append = "APPEND" SP mailbox 1*append-message                RFC 3502 §6
//! append-message = append-opts SP append-data
//! append-opts = [SP flag-list] [SP date-time]                  RFC 9051 §6.3.12
//! append-data = literal / literal8                             RFC 3516 §4.4
//!             / "UTF8" SP "(" literal8 ")"                     RFC 6855 §4
//! ```
//! The message octets arrive as the literal; the receiver has already checked them against
//! [`Limits::max_append_literal`](crate::Limits::max_append_literal). A NUL in a plain literal
//! is accepted: clients migrating old mail send them, and the store keeps octets.

use crate::command::CommandBody;
use crate::date::DateTime;
use crate::flag::Flag;
use crate::parser::{Parser, Result};

/// How the message was sent; a server without BINARY answers `NO [UNKNOWN-CTE]` or BAD for
/// [`AppendKind::Binary`] as it sees fit (RFC 3516 §4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppendKind {
    /// `{n}`: a plain literal.
    Literal,
    /// `~{n}`: may hold NUL and binary MIME parts (RFC 3516 §4.4).
    Binary,
    /// `UTF8 (~{n})`: a message with UTF-8 headers (RFC 6855 §4).
    Utf8,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendMessage {
    pub flags: Vec<Flag>,
    /// The internal date; the server's current time when absent.
    pub date: Option<DateTime>,
    pub data: Vec<u8>,
    pub kind: AppendKind,
}

pub(crate) fn parse(p: &mut Parser<'_>) -> Result<CommandBody> {
    p.sp()?;
    let mailbox = p.mailbox()?;
    let mut messages = Vec::new();
    while messages.is_empty() || !p.at_end() {
        p.sp()?;
        messages.push(message(p)?);
    }
    Ok(CommandBody::Append { mailbox, messages })
}

fn message(p: &mut Parser<'_>) -> Result<AppendMessage> {
    let mut flags = Vec::new();
    let mut date = None;
    if p.peek() == Some(b'(') {
        flags = p.flag_list()?;
        p.sp()?;
    }
    if p.peek() == Some(b'"') {
        date = Some(p.date_time()?);
        p.sp()?;
    }
    let (data, kind) = if p.eat_keyword("UTF8") {
        p.sp()?;
        p.expect(b'(', "expected ( after UTF8")?;
        let (data, _) = p.literal_or_literal8(true)?;
        p.expect(b')', "expected ) after the UTF8 literal")?;
        (data, AppendKind::Utf8)
    } else if p.at_literal8() {
        (p.literal_or_literal8(true)?.0, AppendKind::Binary)
    } else if p.peek() == Some(b'{') {
        (p.literal()?.0, AppendKind::Literal)
    } else {
        return Err(p.unexpected("expected the message as a literal"));
    };
    Ok(AppendMessage { flags, date, data: data.to_vec(), kind })
}
