//! Search keys: the criteria of SEARCH, SORT and THREAD.
//!
//! ```text
//! search-key = "ALL" / "ANSWERED" / "BCC" SP astring / "BEFORE" SP date / "BODY" SP astring /
//!              "CC" SP astring / "DELETED" / "FLAGGED" / "FROM" SP astring /
//!              "KEYWORD" SP flag-keyword / "ON" SP date / "SEEN" / "SINCE" SP date /
//!              "SUBJECT" SP astring / "TEXT" SP astring / "TO" SP astring / "UNANSWERED" /
//!              "UNDELETED" / "UNFLAGGED" / "UNKEYWORD" SP flag-keyword / "UNSEEN" / "DRAFT" /
//!              "HEADER" SP header-fld-name SP astring / "LARGER" SP number64 /
//!              "NOT" SP search-key / "OR" SP search-key SP search-key /
//!              "SENTBEFORE" SP date / "SENTON" SP date / "SENTSINCE" SP date /
//!              "SMALLER" SP number64 / "UID" SP sequence-set / "UNDRAFT" / sequence-set /
//!              "(" search-key *(SP search-key) ")"                    RFC 9051 §6.4.4, §9
//!            / "NEW" / "OLD" / "RECENT"                               RFC 3501 §6.4.4 (rev1)
//!            / "MODSEQ" [SP entry-name SP entry-type-req] SP mod-sequence-valzer
//!                                                                     RFC 7162 §3.1.5
//!            / "OLDER" SP nz-number / "YOUNGER" SP nz-number          RFC 5032 §3
//!            / "EMAILID" SP objectid / "THREADID" SP objectid         RFC 8474 §6
//!            / "SAVEDBEFORE" / "SAVEDON" / "SAVEDSINCE" SP date / "SAVEDATESUPPORTED"
//!                                                                     RFC 8514 §4.3
//! ```
//! Strings are decoded from the command's CHARSET, so every string here is UTF-8.

use std::borrow::Cow;

use crate::date::Date;
use crate::error::ErrorKind;
use crate::parser::{Parser, Result};
use crate::sequence::SequenceSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchKey {
    All,
    Answered,
    Bcc(String),
    Before(Date),
    Body(String),
    Cc(String),
    Deleted,
    Draft,
    Flagged,
    From(String),
    /// Field name and the string to find in it; an empty string matches every message that has
    /// the field (RFC 9051 §6.4.4).
    Header(String, String),
    Keyword(String),
    Larger(u64),
    New,
    Not(Box<SearchKey>),
    Old,
    On(Date),
    Or(Box<SearchKey>, Box<SearchKey>),
    Recent,
    Seen,
    SentBefore(Date),
    SentOn(Date),
    SentSince(Date),
    Since(Date),
    Smaller(u64),
    Subject(String),
    Text(String),
    To(String),
    Uid(SequenceSet),
    Unanswered,
    Undeleted,
    Undraft,
    Unflagged,
    Unkeyword(String),
    Unseen,
    /// Message sequence numbers.
    SequenceSet(SequenceSet),
    /// Every key must match: a parenthesised list, or the keys of a search program.
    And(Vec<SearchKey>),
    Modseq {
        entry: Option<ModseqEntry>,
        modseq: u64,
    },
    /// Internal date at least this many seconds ago.
    Older(u32),
    /// Internal date at most this many seconds ago.
    Younger(u32),
    EmailId(String),
    ThreadId(String),
    SavedBefore(Date),
    SavedOn(Date),
    SavedSince(Date),
    SavedDateSupported,
}

/// RFC 7162 §3.1.5 `entry-name SP entry-type-req`: whose modseq of which flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModseqEntry {
    /// `/flags/\draft` and the like.
    pub name: String,
    /// `priv`, `shared` or `all`, lower-cased.
    pub kind: String,
}

impl SearchKey {
    /// True if a MODSEQ key appears: the SEARCH response then carries `(MODSEQ n)`
    /// (RFC 7162 §3.1.5).
    pub fn uses_modseq(&self) -> bool {
        self.any(&|k| matches!(k, SearchKey::Modseq { .. }))
    }

    /// True if `$` appears (RFC 5182 §2.1: the session substitutes its saved result).
    pub fn uses_saved(&self) -> bool {
        self.any(&|k| matches!(k, SearchKey::Uid(s) | SearchKey::SequenceSet(s) if s.is_saved()))
    }

    /// True if `pred` holds for this key or one inside it.
    pub fn any(&self, pred: &dyn Fn(&SearchKey) -> bool) -> bool {
        if pred(self) {
            return true;
        }
        match self {
            SearchKey::Not(k) => k.any(pred),
            SearchKey::Or(a, b) => a.any(pred) || b.any(pred),
            SearchKey::And(keys) => keys.iter().any(|k| k.any(pred)),
            _ => false,
        }
    }
}

/// How the strings of a search were encoded (its CHARSET).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Charset {
    /// US-ASCII, UTF-8 or none named.
    Utf8,
    /// ISO-8859-1: each octet is the code point of the same number.
    Latin1,
}

impl Charset {
    /// The charset named; [`ErrorKind::BadCharset`] for others (RFC 9051 §6.4.4).
    pub(crate) fn named(name: &str) -> Result<Charset> {
        match name.to_ascii_uppercase().as_str() {
            "US-ASCII" | "UTF-8" | "UTF8" | "ASCII" => Ok(Charset::Utf8),
            "ISO-8859-1" | "LATIN1" | "ISO_8859-1" => Ok(Charset::Latin1),
            _ => Err(ErrorKind::BadCharset(name.to_owned())),
        }
    }

    fn decode(self, raw: Cow<'_, [u8]>) -> Result<String> {
        match self {
            Charset::Utf8 => crate::parser::text(raw),
            Charset::Latin1 => Ok(raw.iter().map(|&b| char::from(b)).collect()),
        }
    }
}

/// A search program: `search-key *(SP search-key)`, several keys meaning all of them.
pub(crate) fn program(p: &mut Parser<'_>, cs: Charset) -> Result<SearchKey> {
    let mut keys = vec![key(p, cs)?];
    while p.eat(b' ') {
        keys.push(key(p, cs)?);
    }
    Ok(and(keys))
}

fn and(mut keys: Vec<SearchKey>) -> SearchKey {
    if keys.len() == 1 { keys.pop().unwrap_or(SearchKey::All) } else { SearchKey::And(keys) }
}

fn key(p: &mut Parser<'_>, cs: Charset) -> Result<SearchKey> {
    match p.peek() {
        Some(b'(') => {
            p.descend()?;
            let keys = p.paren_list1(|p| key(p, cs))?;
            p.ascend();
            Ok(and(keys))
        }
        Some(b'0'..=b'9' | b'*' | b'$') => Ok(SearchKey::SequenceSet(p.sequence_set()?)),
        _ => {
            let name = p.keyword().map_err(|_| p.unexpected("expected a search key"))?;
            named(p, cs, &name)
        }
    }
}

fn named(p: &mut Parser<'_>, cs: Charset, name: &str) -> Result<SearchKey> {
    use SearchKey::*;
    let simple = match name {
        "ALL" => Some(All),
        "ANSWERED" => Some(Answered),
        "DELETED" => Some(Deleted),
        "DRAFT" => Some(Draft),
        "FLAGGED" => Some(Flagged),
        "NEW" => Some(New),
        "OLD" => Some(Old),
        "RECENT" => Some(Recent),
        "SEEN" => Some(Seen),
        "UNANSWERED" => Some(Unanswered),
        "UNDELETED" => Some(Undeleted),
        "UNDRAFT" => Some(Undraft),
        "UNFLAGGED" => Some(Unflagged),
        "UNSEEN" => Some(Unseen),
        "SAVEDATESUPPORTED" => Some(SavedDateSupported),
        _ => None,
    };
    if let Some(k) = simple {
        return Ok(k);
    }
    p.sp()?;
    let string = |p: &mut Parser<'_>| -> Result<String> { cs.decode(p.astring()?) };
    Ok(match name {
        "BCC" => Bcc(string(p)?),
        "BODY" => Body(string(p)?),
        "CC" => Cc(string(p)?),
        "FROM" => From(string(p)?),
        "SUBJECT" => Subject(string(p)?),
        "TEXT" => Text(string(p)?),
        "TO" => To(string(p)?),
        "HEADER" => {
            let field = p.astring_text()?;
            p.sp()?;
            Header(field, string(p)?)
        }
        "BEFORE" => Before(p.date()?),
        "ON" => On(p.date()?),
        "SINCE" => Since(p.date()?),
        "SENTBEFORE" => SentBefore(p.date()?),
        "SENTON" => SentOn(p.date()?),
        "SENTSINCE" => SentSince(p.date()?),
        "SAVEDBEFORE" => SavedBefore(p.date()?),
        "SAVEDON" => SavedOn(p.date()?),
        "SAVEDSINCE" => SavedSince(p.date()?),
        "KEYWORD" => Keyword(p.atom()?.to_owned()),
        "UNKEYWORD" => Unkeyword(p.atom()?.to_owned()),
        "LARGER" => Larger(p.number64()?),
        "SMALLER" => Smaller(p.number64()?),
        "OLDER" => Older(p.nz_number()?),
        "YOUNGER" => Younger(p.nz_number()?),
        "UID" => Uid(p.sequence_set()?),
        "EMAILID" => EmailId(objectid(p)?),
        "THREADID" => ThreadId(objectid(p)?),
        "MODSEQ" => modseq(p)?,
        "NOT" => {
            p.descend()?;
            let k = key(p, cs)?;
            p.ascend();
            Not(Box::new(k))
        }
        "OR" => {
            p.descend()?;
            let a = key(p, cs)?;
            p.sp()?;
            let b = key(p, cs)?;
            p.ascend();
            Or(Box::new(a), Box::new(b))
        }
        _ => return Err(ErrorKind::Syntax(Cow::Owned(format!("unknown search key {name}")))),
    })
}

/// RFC 7162 §3.1.5: `MODSEQ [SP entry-name SP entry-type-req] SP mod-sequence-valzer`.
fn modseq(p: &mut Parser<'_>) -> Result<SearchKey> {
    let mut entry = None;
    if p.peek() == Some(b'"') {
        let name = p.string_text()?;
        p.sp()?;
        let kind = p.atom()?.to_ascii_lowercase();
        if !matches!(kind.as_str(), "priv" | "shared" | "all") {
            return Err(ErrorKind::syntax("expected priv, shared or all"));
        }
        p.sp()?;
        entry = Some(ModseqEntry { name, kind });
    }
    Ok(SearchKey::Modseq { entry, modseq: p.number64()? })
}

/// RFC 8474 §7 `objectid = 1*255(ALPHA / DIGIT / "_" / "-")`.
pub(crate) fn objectid(p: &mut Parser<'_>) -> Result<String> {
    let id = p.take_while(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if id.is_empty() || id.len() > 255 {
        return Err(p.unexpected("expected an object id"));
    }
    Ok(String::from_utf8_lossy(id).into_owned())
}
