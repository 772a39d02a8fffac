//! MIME analysis done once, at delivery, and stored with the message as JSON.
//!
//! IMAP FETCH ENVELOPE / BODYSTRUCTURE / BODY[section] / BINARY, JMAP Email/get, ActiveSync and
//! EWS read a [`Summary`] instead of parsing MIME on the hot path (DESIGN.md "Performance").
//!
//! Invariants every [`Summary`] keeps, whatever the input (the tests hold them):
//! - Offsets are byte offsets into the raw message, `header_start <= body_start <= body_end <=
//!   size`. `raw[header_start..body_start]` is a part's MIME header including its blank line when
//!   there is one, `raw[body_start..body_end]` its body without the line break before the next
//!   boundary, which belongs to the delimiter (RFC 2046 §5.1.1). So BODY[n.MIME], BODY[n] and,
//!   for message/rfc822, BODY[n.HEADER] / BODY[n.TEXT] are slices, never a parse.
//! - A `multipart/*` part has at least one child and a `message/rfc822` or `message/global` part
//!   has `message`, because IMAP's BODYSTRUCTURE grammar needs them (RFC 9051 §9 `body-type-mpart`,
//!   `body-type-msg`). Malformed input is made to fit as Dovecot does: a multipart without a usable
//!   boundary, or one cut off before its first part, gets one text/plain child over its body.
//! - Nesting is capped at [`MAX_DEPTH`] and the part count at [`MAX_PARTS`]; deeper or further
//!   content stays in the enclosing part's body. The depth cap keeps the stored JSON under
//!   serde_json's recursion limit (128), so every summary written can be read back.
//!
//! The JSON field names are stored in the database: never rename one. Every struct is
//! `#[serde(default)]`, so a row written before a field existed still loads, and empty options
//! and lists are left out of the JSON, which keeps a plain message's summary small.
//!
//! mail-parser does the field-level work (Content-Type and RFC 2231 parameters, RFC 2047 words,
//! dates, message ids, charsets, HTML to text); the part tree and its offsets are ours
//! (`summary/mime.rs`), because IMAP needs Dovecot's boundary rules and offsets that are always
//! in the raw message, also inside message/rfc822.

mod address;
mod envelope;
pub mod forms;
mod header;
mod mime;
mod subject;
mod text;

use serde::{Deserialize, Serialize};

pub use address::{MISSING_DOMAIN, MISSING_MAILBOX};
pub use subject::{base_subject, is_reply_or_forward};

/// A header value (or an ENVELOPE display name) with RFC 2047 encoded words decoded.
pub fn decode_encoded_words(value: &str) -> String {
    header::decode_words(value.as_bytes())
}

/// Deepest nesting of multipart and message/rfc822 parts that is analysed.
pub const MAX_DEPTH: usize = 50;
/// Most MIME parts analysed in one message, Dovecot's parser's limit too.
pub const MAX_PARTS: usize = 10_000;
/// Cap on [`body_text`]'s output.
pub const MAX_SEARCH_TEXT: usize = 1 << 20;
/// Length of [`Summary::preview`] in characters (JMAP `preview` allows up to 256, RFC 8621 §4.1.4).
pub const PREVIEW_CHARS: usize = 256;

/// What a front-end needs of a message without reading its MIME again.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Summary {
    /// Octets of the whole message.
    pub size: u64,
    /// Octets of the top-level header including the blank line.
    pub header_size: u64,
    pub envelope: Envelope,
    /// The body structure tree; its root is the message itself.
    pub structure: Part,
    /// The first [`PREVIEW_CHARS`] characters of the first text body (HTML stripped to text),
    /// whitespace collapsed.
    pub preview: String,
    /// JMAP `hasAttachment` (RFC 8621 §4.1.4): a part a client should offer for download.
    pub has_attachment: bool,
    /// Message-ID without `<>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// In-Reply-To ids without `<>`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub in_reply_to: Vec<String>,
    /// References ids without `<>`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// Subject with RFC 2047 encoded words decoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// RFC 5256 §2.1 base subject of `subject`, case kept: compare with i;unicode-casemap.
    pub base_subject: String,
    /// The Date: header as unix seconds, when it parses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<i64>,
}

impl Summary {
    /// The summary stored with a message (`Item::summary`), decoded: the one place front-ends
    /// get it from. One that does not decode (written by no Relais) reads as empty.
    pub fn from_stored(json: &str) -> Summary {
        serde_json::from_str(json).unwrap_or_default()
    }

    /// The summary of a stored message.
    pub fn of(item: &relais_store::Item) -> Summary {
        Summary::from_stored(&item.summary)
    }

    /// The summary of a stored message with only its envelope decoded: the body structure
    /// and the preview are skipped, not built (IMAP FETCH ENVELOPE of a whole mailbox).
    pub fn envelope_of(item: &relais_store::Item) -> Summary {
        Summary::envelope_from_stored(&item.summary)
    }

    /// `from_stored` with only the envelope decoded (`envelope_of`).
    pub fn envelope_from_stored(json: &str) -> Summary {
        #[derive(Deserialize, Default)]
        struct EnvelopeOnly {
            #[serde(default)]
            envelope: Envelope,
        }
        let only: EnvelopeOnly = serde_json::from_str(json).unwrap_or_default();
        Summary { envelope: only.envelope, ..Summary::default() }
    }

    /// The form `from_stored` reads.
    pub fn to_stored(&self) -> Result<String, relais_store::Error> {
        serde_json::to_string(self).map_err(|e| relais_store::Error::Corrupt(format!("summary encoding: {e}")))
    }
}

/// RFC 9051 §7.5.2 ENVELOPE. Values are raw (unfolded, not decoded) so IMAP returns them as sent;
/// 8-bit bytes that are not UTF-8 are read as windows-1252.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Envelope {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub from: Vec<EnvAddress>,
    /// From when Sender is absent or empty (RFC 9051 §7.5.2).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sender: Vec<EnvAddress>,
    /// From when Reply-To is absent or empty (RFC 9051 §7.5.2).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reply_to: Vec<EnvAddress>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<EnvAddress>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cc: Vec<EnvAddress>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bcc: Vec<EnvAddress>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
}

/// One RFC 9051 §7.5.2 address. A group starts with `mailbox` = the group name and `host` =
/// None, and ends with every field None. An address always has `mailbox` and `host`; a missing
/// one is [`MISSING_MAILBOX`] or [`MISSING_DOMAIN`], as Dovecot sends.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EnvAddress {
    /// The display name, unquoted but not decoded: it may hold RFC 2047 encoded words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The obsolete source route (`@a,@b`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adl: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mailbox: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

impl EnvAddress {
    /// `mailbox@host`, or the mailbox alone when the host is missing; `None` for a group
    /// marker.
    pub fn addr_spec(&self) -> Option<String> {
        let (Some(mailbox), Some(host)) = (&self.mailbox, &self.host) else { return None };
        Some(if host.is_empty() || host == MISSING_DOMAIN { mailbox.clone() } else { format!("{mailbox}@{host}") })
    }

    /// The display name, RFC 2047-decoded, when there is one that is not blank.
    pub fn display_name(&self) -> Option<String> {
        self.name.as_deref().map(decode_encoded_words).filter(|n| !n.trim().is_empty())
    }

    /// `name <addr>` (or the address alone) as a person reads it; `None` for a group marker.
    pub fn to_text(&self) -> Option<String> {
        let addr = self.addr_spec()?;
        Some(match self.display_name() {
            Some(n) => format!("{n} <{addr}>"),
            None => addr,
        })
    }
}

/// One node of the body structure (RFC 9051 §7.5.2 BODYSTRUCTURE, RFC 8621 §4.1.4 EmailBodyPart).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Part {
    /// Lower case; `text` when absent or invalid (RFC 2045 §5.2).
    pub content_type: String,
    /// Lower case; `plain` when absent or invalid.
    pub content_subtype: String,
    /// Content-Type parameters, names lower case, RFC 2231 continuations joined and values
    /// decoded (RFC 2231 and RFC 2047). A defaulted text/plain has `charset=us-ascii`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<(String, String)>,
    /// Content-ID, raw (with its `<>`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Content-Description, raw.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Content-Transfer-Encoding upper case, `7BIT` when absent.
    pub encoding: String,
    /// Octets of the body as it is in the message (still encoded).
    pub size: u64,
    /// Lines of the body, for text/* and message/rfc822|global.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lines: Option<u64>,
    /// Content-MD5, raw.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub md5: Option<String>,
    /// Content-Disposition type (lower case) and its parameters, decoded like `params`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disposition: Option<(String, Vec<(String, String)>)>,
    /// Content-Language tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub language: Vec<String>,
    /// Content-Location, raw.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub header_start: u64,
    pub body_start: u64,
    pub body_end: u64,
    /// Children of a multipart part.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
    /// The encapsulated message of a message/rfc822 or message/global part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<Box<(Envelope, Part)>>,
}

impl Part {
    /// The part at an IMAP section path (RFC 9051 §6.4.5), 1-based; `&[]` is `self`. Called on
    /// the root: a non-multipart message's part 1 is its body, and a path that goes on past a
    /// message/rfc822 part continues in the encapsulated message the same way.
    pub fn section(&self, path: &[u32]) -> Option<&Part> {
        let mut part = self;
        for (i, &n) in path.iter().enumerate() {
            part = if part.is_multipart() {
                part.parts.get(usize::try_from(n).ok()?.checked_sub(1)?)?
            } else if n == 1 {
                part
            } else {
                return None;
            };
            if i + 1 < path.len() && !part.is_multipart() {
                // RFC 9051 §6.4.5: only a message/rfc822 part has parts below a non-multipart.
                part = &part.message.as_ref()?.1;
            }
        }
        Some(part)
    }

    /// True for `multipart/*`.
    pub fn is_multipart(&self) -> bool {
        self.content_type == "multipart"
    }

    /// True for message/rfc822 and message/global (RFC 6532 §3.7), the types that encapsulate.
    pub fn is_message(&self) -> bool {
        self.content_type == "message" && matches!(self.content_subtype.as_str(), "rfc822" | "global")
    }

    /// A Content-Type parameter by lower-case name.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The file name: Content-Disposition `filename`, else Content-Type `name` (RFC 2183 §2.3).
    pub fn file_name(&self) -> Option<&str> {
        let from_disposition = self
            .disposition
            .as_ref()
            .and_then(|(_, params)| params.iter().find(|(k, _)| k == "filename").map(|(_, v)| v.as_str()));
        from_disposition.or_else(|| self.param("name"))
    }

    /// The Content-Disposition type, lower case.
    pub fn disposition_type(&self) -> Option<&str> {
        self.disposition.as_ref().map(|(kind, _)| kind.as_str())
    }

    /// The part's MIME header, a slice of the raw message.
    pub fn header_bytes<'r>(&self, raw: &'r [u8]) -> &'r [u8] {
        slice(raw, self.header_start, self.body_start)
    }

    /// The part's body as in the message (still transfer-encoded), a slice of the raw message.
    pub fn body_bytes<'r>(&self, raw: &'r [u8]) -> &'r [u8] {
        slice(raw, self.body_start, self.body_end)
    }

    /// The body with its Content-Transfer-Encoding undone (IMAP BINARY, RFC 3516), best effort.
    pub fn decoded_body(&self, raw: &[u8]) -> Vec<u8> {
        text::decode_transfer(&self.encoding, self.body_bytes(raw))
    }
}

/// Bytes `start..end` of `raw`, empty when the range does not fit (a summary from other bytes).
fn slice(raw: &[u8], start: u64, end: u64) -> &[u8] {
    let (Ok(start), Ok(end)) = (usize::try_from(start), usize::try_from(end)) else {
        return &[];
    };
    raw.get(start..end).unwrap_or_default()
}

/// The address lists of every top-level field named `name`, in order, read exactly as
/// [`summarize`] reads the envelope: names case-insensitive and white space before the colon
/// allowed (RFC 5322 §4.5.3 obsolete syntax). A check of From or Sender must see what IMAP
/// ENVELOPE, JMAP and every client will show, so it reads them here and nowhere else.
pub fn address_fields(raw: &[u8], name: &str) -> Vec<Vec<EnvAddress>> {
    let fields = header::Fields::parse(raw);
    fields.all(name.as_bytes()).map(|v| address::parse_list(&header::unfold(v))).collect()
}

/// Analyses a message. Never panics; malformed MIME gives a best-effort structure.
pub fn summarize(raw: &[u8]) -> Summary {
    let structure = mime::structure(raw);
    let top = header::Fields::parse(structure.header_bytes(raw));
    let subject = top.first(b"subject").map(header::decode_words);
    let base_subject = subject.as_deref().map(base_subject).unwrap_or_default();
    let bodies = text::Bodies::of(&structure);
    Summary {
        size: raw.len() as u64,
        header_size: structure.body_start,
        envelope: envelope::envelope(&top),
        preview: text::preview(raw, &bodies),
        has_attachment: bodies.has_attachment(),
        message_id: top.first(b"message-id").and_then(|v| header::message_ids(v).into_iter().next()),
        in_reply_to: top.first(b"in-reply-to").map(header::message_ids).unwrap_or_default(),
        references: top.first(b"references").map(header::message_ids).unwrap_or_default(),
        subject,
        base_subject,
        sent_at: top.first(b"date").and_then(header::date),
        structure,
    }
}

/// Every top-level header field of `raw`, in order: the name in lower case and the value
/// unfolded with RFC 2047 encoded words decoded (what IMAP SEARCH HEADER compares with).
pub fn decoded_fields(raw: &[u8], summary: &Summary) -> Vec<(String, String)> {
    let fields = header::Fields::parse(summary.structure.header_bytes(raw));
    fields
        .iter()
        .map(|(name, value)| (header::text_of(name).to_ascii_lowercase(), header::decode_words(value)))
        .collect()
}

/// The calendar date of the Date: field as written (year, month, day), zone disregarded.
pub fn sent_date(raw: &[u8], summary: &Summary) -> Option<(i64, u32, u32)> {
    header::Fields::parse(summary.structure.header_bytes(raw)).first(b"date").and_then(header::date_as_written)
}

/// The decoded text of every text/plain and text/html part (HTML as text), line breaks as
/// `\n`, at most [`MAX_SEARCH_TEXT`] bytes: what IMAP SEARCH BODY looks for substrings in.
pub fn body_text(raw: &[u8], summary: &Summary) -> String {
    text::body_text(raw, summary)
}
