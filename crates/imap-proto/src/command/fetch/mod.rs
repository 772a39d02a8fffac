//! FETCH: attributes, sections and partial ranges, BINARY, and CONDSTORE/QRESYNC modifiers.
//!
//! ```text
//! fetch = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att /
//!         "(" fetch-att *(SP fetch-att) ")") [fetch-modifiers]      RFC 9051 §6.4.5
//! fetch-att = "ENVELOPE" / "FLAGS" / "INTERNALDATE" / "RFC822.SIZE" / "RFC822" /
//!             "RFC822.HEADER" / "RFC822.TEXT" / "BODY" ["STRUCTURE"] / "UID" /
//!             "BODY" section [partial] / "BODY.PEEK" section [partial] /
//!             "BINARY" [".PEEK"] section-binary [partial] / "BINARY.SIZE" section-binary
//!           / "MODSEQ"                                  RFC 7162 §3.1.4
//!           / "EMAILID" / "THREADID"                    RFC 8474 §5
//!           / "SAVEDATE"                                RFC 8514 §4.2
//!           / "PREVIEW" [SP "(" "LAZY" ")"]             RFC 8970 §3
//! section = "[" [section-spec] "]"
//! section-spec = section-msgtext / (section-part ["." section-text])
//! section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT"
//! section-text = section-msgtext / "MIME"
//! section-part = nz-number *("." nz-number)
//! section-binary = "[" [section-part] "]"
//! partial = "<" number64 "." nz-number64 ">"
//! fetch-modifiers = SP "(" fetch-modifier *(SP fetch-modifier) ")"  RFC 4466 §2.4
//! fetch-modifier = "CHANGEDSINCE" SP mod-sequence-value             RFC 7162 §3.1.4
//!                / "VANISHED"                                       RFC 7162 §3.2.6
//! ```
//! The macros are expanded: ALL = FLAGS INTERNALDATE RFC822.SIZE ENVELOPE, FAST = the first
//! three, FULL = ALL BODY (RFC 9051 §6.4.5).

pub mod body;
pub mod envelope;
pub mod response;

use crate::command::CommandBody;
use crate::error::ErrorKind;
use crate::parser::{Parser, Result};
use crate::sequence::SequenceSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchCommand {
    pub uid: bool,
    pub set: SequenceSet,
    /// In the client's order, macros expanded. A UID FETCH always lists
    /// [`FetchAttribute::Uid`] (RFC 9051 §6.4.9) and CHANGEDSINCE always lists
    /// [`FetchAttribute::Modseq`] (RFC 7162 §3.1.4.1), so the session just answers each.
    pub attributes: Vec<FetchAttribute>,
    pub changed_since: Option<u64>,
    /// QRESYNC: report expunged UIDs of the set as `VANISHED (EARLIER)` (RFC 7162 §3.2.6);
    /// only with UID FETCH and CHANGEDSINCE, which the parser checks.
    pub vanished: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FetchAttribute {
    Envelope,
    Flags,
    InternalDate,
    Rfc822Size,
    Uid,
    /// `BODY`: the body structure without extension data.
    Body,
    BodyStructure,
    /// `BODY[section]<partial>` or, with `peek`, `BODY.PEEK[…]`.
    BodySection {
        peek: bool,
        section: Section,
        partial: Option<(u64, u64)>,
    },
    /// `BINARY[part]<partial>` or `BINARY.PEEK[…]` (RFC 3516 §4.2).
    Binary {
        peek: bool,
        part: Vec<u32>,
        partial: Option<(u64, u64)>,
    },
    BinarySize {
        part: Vec<u32>,
    },
    Rfc822,
    Rfc822Header,
    Rfc822Text,
    Modseq,
    EmailId,
    ThreadId,
    SaveDate,
    Preview {
        lazy: bool,
    },
}

impl FetchAttribute {
    /// True if fetching it sets `\Seen` (RFC 9051 §6.4.5: BODY[…], BINARY[…], RFC822 and
    /// RFC822.TEXT, not their PEEK forms).
    pub fn sets_seen(&self) -> bool {
        match self {
            FetchAttribute::BodySection { peek, .. } | FetchAttribute::Binary { peek, .. } => !peek,
            FetchAttribute::Rfc822 | FetchAttribute::Rfc822Text => true,
            _ => false,
        }
    }
}

/// A section of a message (RFC 9051 §6.4.5): a part path, then what of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Section {
    /// 1-based part numbers; empty for the whole message.
    pub part: Vec<u32>,
    /// `None`: the whole part (`BODY[]`, `BODY[1.2]`).
    pub text: Option<SectionText>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SectionText {
    Header,
    /// Field names as the client wrote them; compare case-insensitively.
    HeaderFields(Vec<String>),
    HeaderFieldsNot(Vec<String>),
    Text,
    /// The part's MIME header; needs a part number.
    Mime,
}

pub(crate) fn parse(p: &mut Parser<'_>, uid: bool) -> Result<CommandBody> {
    p.sp()?;
    let set = p.sequence_set()?;
    p.sp()?;
    let mut attributes = if p.peek() == Some(b'(') {
        p.paren_list1(attribute)?
    } else {
        match name(p).as_str() {
            "ALL" => macro_(false, true),
            "FAST" => macro_(false, false),
            "FULL" => macro_(true, true),
            other => vec![attribute_named(p, other)?],
        }
    };
    let (mut changed_since, mut vanished) = (None, false);
    if p.eat(b' ') {
        p.paren_list1(|p| {
            match p.keyword()?.as_str() {
                "CHANGEDSINCE" if changed_since.is_none() => {
                    p.sp()?;
                    changed_since = Some(p.modseq()?);
                }
                "VANISHED" if !vanished => vanished = true,
                _ => return Err(ErrorKind::syntax("unknown FETCH modifier")),
            }
            Ok(())
        })?;
    }
    if vanished && !(uid && changed_since.is_some()) {
        // RFC 7162 §3.2.6
        return Err(ErrorKind::syntax("VANISHED needs UID FETCH and CHANGEDSINCE"));
    }
    for (needed, attribute) in [(uid, FetchAttribute::Uid), (changed_since.is_some(), FetchAttribute::Modseq)] {
        if needed && !attributes.contains(&attribute) {
            attributes.push(attribute);
        }
    }
    Ok(CommandBody::Fetch(FetchCommand { uid, set, attributes, changed_since, vanished }))
}

fn macro_(body: bool, envelope: bool) -> Vec<FetchAttribute> {
    let mut atts = vec![FetchAttribute::Flags, FetchAttribute::InternalDate, FetchAttribute::Rfc822Size];
    if envelope {
        atts.push(FetchAttribute::Envelope);
    }
    if body {
        atts.push(FetchAttribute::Body);
    }
    atts
}

/// An attribute name: letters, digits and dots, upper-cased.
fn name(p: &mut Parser<'_>) -> String {
    String::from_utf8_lossy(p.take_while(|b| b.is_ascii_alphanumeric() || b == b'.')).to_ascii_uppercase()
}

fn attribute(p: &mut Parser<'_>) -> Result<FetchAttribute> {
    let name = name(p);
    attribute_named(p, &name)
}

fn attribute_named(p: &mut Parser<'_>, name: &str) -> Result<FetchAttribute> {
    use FetchAttribute::*;
    Ok(match name {
        "ENVELOPE" => Envelope,
        "FLAGS" => Flags,
        "INTERNALDATE" => InternalDate,
        "RFC822.SIZE" => Rfc822Size,
        "RFC822" => Rfc822,
        "RFC822.HEADER" => Rfc822Header,
        "RFC822.TEXT" => Rfc822Text,
        "UID" => Uid,
        "BODYSTRUCTURE" => BodyStructure,
        "MODSEQ" => Modseq,
        "EMAILID" => EmailId,
        "THREADID" => ThreadId,
        "SAVEDATE" => SaveDate,
        "BODY" if p.peek() != Some(b'[') => Body,
        "BODY" | "BODY.PEEK" => {
            let section = section(p)?;
            BodySection { peek: name == "BODY.PEEK", section, partial: partial(p)? }
        }
        "BINARY" | "BINARY.PEEK" => {
            let part = section_binary(p)?;
            Binary { peek: name == "BINARY.PEEK", part, partial: partial(p)? }
        }
        "BINARY.SIZE" => BinarySize { part: section_binary(p)? },
        "PREVIEW" => {
            // `SP "(" "LAZY" ")"`; a bare `SP "("` after PREVIEW is the FETCH modifiers.
            let lazy = p.looking_at(b" (LAZY)");
            if lazy {
                p.take_while(|b| b != b')');
                p.eat(b')');
            }
            Preview { lazy }
        }
        "" => return Err(p.unexpected("expected a FETCH attribute")),
        _ => return Err(ErrorKind::syntax("unknown FETCH attribute")),
    })
}

/// `"[" [section-spec] "]"`.
fn section(p: &mut Parser<'_>) -> Result<Section> {
    p.expect(b'[', "expected [")?;
    let mut section = Section::default();
    if p.eat(b']') {
        return Ok(section);
    }
    let mut dot = false;
    while p.peek().is_some_and(|b| b.is_ascii_digit()) {
        section.part.push(p.nz_number()?);
        dot = p.eat(b'.');
        if !dot {
            break;
        }
    }
    // After a part number only `.` section-text or `]` may come.
    let wants_text = if section.part.is_empty() { p.peek() != Some(b']') } else { dot };
    if wants_text {
        let text = p.take_while(|b| b.is_ascii_alphabetic() || b == b'.').to_ascii_uppercase();
        section.text = Some(match text.as_slice() {
            b"HEADER" => SectionText::Header,
            b"TEXT" => SectionText::Text,
            b"MIME" if !section.part.is_empty() => SectionText::Mime,
            b"HEADER.FIELDS" => SectionText::HeaderFields(header_list(p)?),
            b"HEADER.FIELDS.NOT" => SectionText::HeaderFieldsNot(header_list(p)?),
            _ => return Err(ErrorKind::syntax("invalid section")),
        });
    }
    p.expect(b']', "expected ] after the section")?;
    Ok(section)
}

/// `SP "(" header-fld-name *(SP header-fld-name) ")"`.
fn header_list(p: &mut Parser<'_>) -> Result<Vec<String>> {
    p.sp()?;
    p.paren_list1(Parser::astring_text)
}

/// `"[" [section-part] "]"`.
fn section_binary(p: &mut Parser<'_>) -> Result<Vec<u32>> {
    p.expect(b'[', "expected [")?;
    let mut part = Vec::new();
    if !p.eat(b']') {
        loop {
            part.push(p.nz_number()?);
            if !p.eat(b'.') {
                break;
            }
        }
        p.expect(b']', "expected ] after the section")?;
    }
    Ok(part)
}

/// `"<" number64 "." nz-number64 ">"`: first octet and count.
fn partial(p: &mut Parser<'_>) -> Result<Option<(u64, u64)>> {
    if !p.eat(b'<') {
        return Ok(None);
    }
    let start = p.number64()?;
    p.expect(b'.', "expected . in the partial range")?;
    let count = p.number64()?;
    if count == 0 {
        return Err(ErrorKind::syntax("a partial range needs a non-zero length"));
    }
    p.expect(b'>', "expected > after the partial range")?;
    Ok(Some((start, count)))
}
