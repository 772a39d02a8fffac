//! The FETCH response (RFC 9051 §7.5.2).
//!
//! ```text
//! message-data = nz-number SP "FETCH" SP msg-att
//! msg-att = "(" (msg-att-dynamic / msg-att-static) *(SP (msg-att-dynamic / msg-att-static)) ")"
//! msg-att-dynamic = "FLAGS" SP "(" [flag-fetch *(SP flag-fetch)] ")"
//!                 / "MODSEQ" SP "(" permsg-modsequence ")"                RFC 7162 §3.1.4
//! msg-att-static = "ENVELOPE" SP envelope / "INTERNALDATE" SP date-time /
//!                  "RFC822.SIZE" SP number64 / "BODY" ["STRUCTURE"] SP body /
//!                  "BODY" section ["<" number ">"] SP nstring /
//!                  "BINARY" section-binary SP (nstring / literal8) /
//!                  "BINARY.SIZE" section-binary SP number / "UID" SP uniqueid
//!                / "RFC822" / "RFC822.HEADER" / "RFC822.TEXT" SP nstring   RFC 3501
//!                / "EMAILID" SP "(" objectid ")" / "THREADID" SP ("(" objectid ")" / nil)
//!                                                                         RFC 8474 §5
//!                / "SAVEDATE" SP (date-time / nil)                        RFC 8514 §4.2
//!                / "PREVIEW" SP nstring                                   RFC 8970 §3
//! ```
//! Message content always goes out as a literal; BINARY content holding NUL as a literal8
//! (RFC 3516 §4.2).

use crate::command::fetch::body::BodyStructure;
use crate::command::fetch::envelope::Envelope;
use crate::command::fetch::{Section, SectionText};
use crate::date::DateTime;
use crate::flag::Flag;
use crate::response::Writer;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchItem {
    Flags(Vec<Flag>),
    Uid(u32),
    InternalDate(DateTime),
    Rfc822Size(u64),
    Envelope(Box<Envelope>),
    /// BODY: written without extension data.
    Body(Box<BodyStructure>),
    BodyStructure(Box<BodyStructure>),
    /// `BODY[section]<origin> {n}`: `origin` is the partial's first octet; `None` data is NIL.
    BodySection {
        section: Section,
        origin: Option<u64>,
        data: Option<Vec<u8>>,
    },
    Binary {
        part: Vec<u32>,
        origin: Option<u64>,
        data: Option<Vec<u8>>,
    },
    BinarySize {
        part: Vec<u32>,
        size: u64,
    },
    Rfc822(Option<Vec<u8>>),
    Rfc822Header(Option<Vec<u8>>),
    Rfc822Text(Option<Vec<u8>>),
    Modseq(u64),
    EmailId(String),
    /// `None`: the message has no thread id (`THREADID NIL`).
    ThreadId(Option<String>),
    /// `None`: the mailbox keeps no save dates (`SAVEDATE NIL`).
    SaveDate(Option<DateTime>),
    Preview(Option<String>),
}

/// `12 FETCH (FLAGS (\Seen) UID 4827)` (the caller writes `* `).
pub(crate) fn encode(w: &mut Writer<'_>, seq: u32, items: &[FetchItem]) {
    w.number(u64::from(seq));
    w.raw(b" FETCH (");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            w.sp();
        }
        encode_item(w, item);
    }
    w.raw(b")");
}

fn encode_item(w: &mut Writer<'_>, item: &FetchItem) {
    match item {
        FetchItem::Flags(flags) => {
            w.raw(b"FLAGS ");
            w.flags(flags);
        }
        FetchItem::Uid(uid) => named_number(w, "UID", u64::from(*uid)),
        FetchItem::InternalDate(date) => {
            w.raw(b"INTERNALDATE ");
            w.date_time(date);
        }
        FetchItem::Rfc822Size(size) => named_number(w, "RFC822.SIZE", *size),
        FetchItem::Envelope(envelope) => {
            w.raw(b"ENVELOPE ");
            envelope.write(w);
        }
        FetchItem::Body(body) => {
            w.raw(b"BODY ");
            body.write(w, false, 0);
        }
        FetchItem::BodyStructure(body) => {
            w.raw(b"BODYSTRUCTURE ");
            body.write(w, true, 0);
        }
        FetchItem::BodySection { section, origin, data } => {
            w.raw(b"BODY");
            write_section(w, section);
            write_origin(w, *origin);
            w.sp();
            content(w, data.as_deref());
        }
        FetchItem::Binary { part, origin, data } => {
            w.raw(b"BINARY");
            write_part(w, part);
            write_origin(w, *origin);
            w.sp();
            match data {
                Some(d) => w.binary(d),
                None => w.raw(b"NIL"),
            }
        }
        FetchItem::BinarySize { part, size } => {
            w.raw(b"BINARY.SIZE");
            write_part(w, part);
            w.sp();
            w.number(*size);
        }
        FetchItem::Rfc822(data) => named_content(w, "RFC822", data.as_deref()),
        FetchItem::Rfc822Header(data) => named_content(w, "RFC822.HEADER", data.as_deref()),
        FetchItem::Rfc822Text(data) => named_content(w, "RFC822.TEXT", data.as_deref()),
        FetchItem::Modseq(modseq) => {
            w.raw(b"MODSEQ (");
            w.number(*modseq);
            w.raw(b")");
        }
        FetchItem::EmailId(id) => {
            w.raw(b"EMAILID (");
            w.atom(id);
            w.raw(b")");
        }
        FetchItem::ThreadId(id) => {
            w.raw(b"THREADID ");
            match id {
                Some(id) => {
                    w.raw(b"(");
                    w.atom(id);
                    w.raw(b")");
                }
                None => w.raw(b"NIL"),
            }
        }
        FetchItem::SaveDate(date) => {
            w.raw(b"SAVEDATE ");
            match date {
                Some(d) => w.date_time(d),
                None => w.raw(b"NIL"),
            }
        }
        FetchItem::Preview(text) => {
            w.raw(b"PREVIEW ");
            w.nstring_text(text.as_deref());
        }
    }
}

fn named_number(w: &mut Writer<'_>, name: &str, n: u64) {
    w.raw(name.as_bytes());
    w.sp();
    w.number(n);
}

fn named_content(w: &mut Writer<'_>, name: &str, data: Option<&[u8]>) {
    w.raw(name.as_bytes());
    w.sp();
    content(w, data);
}

/// Message content: a literal, or NIL.
fn content(w: &mut Writer<'_>, data: Option<&[u8]>) {
    match data {
        Some(d) => w.literal(d),
        None => w.raw(b"NIL"),
    }
}

fn write_origin(w: &mut Writer<'_>, origin: Option<u64>) {
    if let Some(o) = origin {
        w.raw(b"<");
        w.number(o);
        w.raw(b">");
    }
}

/// `[1.2]`, the part path of BINARY.
fn write_part(w: &mut Writer<'_>, part: &[u32]) {
    w.raw(b"[");
    write_path(w, part);
    w.raw(b"]");
}

fn write_path(w: &mut Writer<'_>, part: &[u32]) {
    for (i, n) in part.iter().enumerate() {
        if i > 0 {
            w.raw(b".");
        }
        w.number(u64::from(*n));
    }
}

/// `[1.2.HEADER.FIELDS (From Subject)]`, echoing the request.
pub(crate) fn write_section(w: &mut Writer<'_>, section: &Section) {
    w.raw(b"[");
    write_path(w, &section.part);
    if let Some(text) = &section.text {
        if !section.part.is_empty() {
            w.raw(b".");
        }
        let (name, fields) = match text {
            SectionText::Header => ("HEADER", None),
            SectionText::Text => ("TEXT", None),
            SectionText::Mime => ("MIME", None),
            SectionText::HeaderFields(f) => ("HEADER.FIELDS", Some(f)),
            SectionText::HeaderFieldsNot(f) => ("HEADER.FIELDS.NOT", Some(f)),
        };
        w.raw(name.as_bytes());
        if let Some(fields) = fields {
            w.raw(b" (");
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    w.sp();
                }
                w.astring(f.as_bytes());
            }
            w.raw(b")");
        }
    }
    w.raw(b"]");
}
