//! SEARCH, with ESEARCH's return options and SEARCHRES's SAVE; the SEARCH and ESEARCH responses.
//!
//! ```text
//! search = "SEARCH" [search-return-opts] SP search-program      RFC 9051 §6.4.4, RFC 4466 §2.6
//! search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"
//! search-return-opt = "MIN" / "MAX" / "ALL" / "COUNT"           RFC 4731 §3.1
//!                   / "SAVE"                                    RFC 5182 §2.2
//! search-program = ["CHARSET" SP charset SP] search-key *(SP search-key)
//!
//! search-response = "SEARCH" *(SP nz-number) [SP "(" "MODSEQ" SP mod-sequence-value ")"]
//!                                                               RFC 3501 §7.2.5, RFC 7162 §3.1.5
//! esearch-response = "ESEARCH" [search-correlator] [SP "UID"] *(SP search-return-data)
//! search-correlator = SP "(" "TAG" SP tag-string ")"            RFC 4731 §3.1, RFC 9051 §7.3.4
//! search-return-data = "MIN" SP nz-number / "MAX" SP nz-number / "ALL" SP sequence-set /
//!                      "COUNT" SP number / "MODSEQ" SP mod-sequence-value
//! ```
//! CHARSET may be US-ASCII, UTF-8 or ISO-8859-1; others are `NO [BADCHARSET]`.

pub mod key;

use crate::command::CommandBody;
use crate::error::ErrorKind;
use crate::parser::{Parser, Result};
use crate::response::Writer;
use crate::sequence::SequenceSet;
use crate::tag::Tag;

use self::key::{Charset, SearchKey};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchCommand {
    pub uid: bool,
    /// The CHARSET named, as sent; the strings in `criteria` are already UTF-8.
    pub charset: Option<String>,
    pub criteria: SearchKey,
    /// `None`: a plain SEARCH, answered with `* SEARCH`. `Some`: answered with `* ESEARCH`;
    /// an empty list means ALL (RFC 4731 §3.1).
    pub returns: Option<Vec<SearchReturn>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SearchReturn {
    Min,
    Max,
    All,
    Count,
    /// Keep the result for `$` (RFC 5182).
    Save,
}

impl SearchCommand {
    /// The return options in effect: `RETURN ()` means `RETURN (ALL)` (RFC 4731 §3.1).
    pub fn effective_returns(&self) -> Option<Vec<SearchReturn>> {
        self.returns.as_ref().map(|r| if r.is_empty() { vec![SearchReturn::All] } else { r.clone() })
    }
}

pub(crate) fn parse(p: &mut Parser<'_>, uid: bool) -> Result<CommandBody> {
    p.sp()?;
    let returns = return_options(p)?;
    let (charset, criteria) = charset_and_program(p)?;
    Ok(CommandBody::Search(SearchCommand { uid, charset, criteria, returns }))
}

/// `[RETURN (…) SP]`, shared with SORT (RFC 5267 §3).
pub(crate) fn return_options(p: &mut Parser<'_>) -> Result<Option<Vec<SearchReturn>>> {
    if !p.eat_keyword("RETURN") {
        return Ok(None);
    }
    p.sp()?;
    let returns = p.paren_list(|p| {
        Ok(match p.keyword()?.as_str() {
            "MIN" => SearchReturn::Min,
            "MAX" => SearchReturn::Max,
            "ALL" => SearchReturn::All,
            "COUNT" => SearchReturn::Count,
            "SAVE" => SearchReturn::Save,
            _ => return Err(ErrorKind::syntax("unknown SEARCH return option")),
        })
    })?;
    p.sp()?;
    Ok(Some(returns))
}

/// `["CHARSET" SP charset SP] search-key *(SP search-key)`.
fn charset_and_program(p: &mut Parser<'_>) -> Result<(Option<String>, SearchKey)> {
    let mut charset = None;
    let mut cs = Charset::Utf8;
    if p.eat_keyword("CHARSET") {
        p.sp()?;
        let name = p.astring_text()?;
        cs = Charset::named(&name)?;
        charset = Some(name);
        p.sp()?;
    }
    Ok((charset, key::program(p, cs)?))
}

/// SORT and THREAD's `charset SP search-key *(SP search-key)`: the charset is required.
pub(crate) fn required_charset_and_program(p: &mut Parser<'_>) -> Result<(String, SearchKey)> {
    let name = p.astring_text()?;
    let cs = Charset::named(&name)?;
    p.sp()?;
    Ok((name, key::program(p, cs)?))
}

/// An ESEARCH response (RFC 4731 §3.1). Options not asked for stay `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Esearch {
    /// The command's tag.
    pub tag: Option<Tag>,
    /// The numbers are UIDs.
    pub uid: bool,
    pub min: Option<u32>,
    pub max: Option<u32>,
    /// Left out when empty: `ALL` needs a non-empty set.
    pub all: Option<SequenceSet>,
    pub count: Option<u32>,
    /// RFC 7162 §3.1.5: the highest modseq of the matches, when MODSEQ was searched.
    pub modseq: Option<u64>,
}

/// `ESEARCH (TAG "A1") UID MIN 2 ALL 2,10:11 COUNT 3`.
pub(crate) fn encode_esearch(w: &mut Writer<'_>, e: &Esearch) {
    w.raw(b"ESEARCH");
    if let Some(tag) = &e.tag {
        w.raw(b" (TAG ");
        w.string(tag.as_str().as_bytes());
        w.raw(b")");
    }
    if e.uid {
        w.raw(b" UID");
    }
    let numbers = [("MIN", e.min.map(u64::from)), ("MAX", e.max.map(u64::from))];
    for (name, n) in numbers.into_iter().filter_map(|(name, n)| Some((name, n?))) {
        w.sp();
        w.raw(name.as_bytes());
        w.sp();
        w.number(n);
    }
    if let Some(all) = e.all.as_ref().filter(|s| !matches!(s, SequenceSet::Ranges(r) if r.is_empty())) {
        w.raw(b" ALL ");
        w.sequence_set(all);
    }
    if let Some(count) = e.count {
        w.raw(b" COUNT ");
        w.number(u64::from(count));
    }
    if let Some(modseq) = e.modseq {
        w.raw(b" MODSEQ ");
        w.number(modseq);
    }
}

/// `SEARCH 2 3 6` or `SORT 2 3 6`, with `(MODSEQ n)` after MODSEQ was searched.
pub(crate) fn encode_numbers(w: &mut Writer<'_>, name: &str, ids: &[u32], modseq: Option<u64>) {
    w.raw(name.as_bytes());
    for id in ids {
        w.sp();
        w.number(u64::from(*id));
    }
    if let Some(m) = modseq {
        w.raw(b" (MODSEQ ");
        w.number(m);
        w.raw(b")");
    }
}
