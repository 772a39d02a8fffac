//! FETCH BODY and BODYSTRUCTURE data (RFC 9051 §7.5.2), as a plain tree the server fills from
//! its stored summary (the fields mirror relais-mail's `summary::Part`, offsets aside).
//!
//! ```text
//! body = "(" (body-type-1part / body-type-mpart) ")"
//! body-type-1part = (body-type-basic / body-type-msg / body-type-text) [SP body-ext-1part]
//! body-type-basic = media-basic SP body-fields
//! body-type-msg = media-message SP body-fields SP envelope SP body SP body-fld-lines
//! body-type-text = media-text SP body-fields SP body-fld-lines
//! body-fields = body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP body-fld-octets
//! body-fld-param = "(" string SP string *(SP string SP string) ")" / nil
//! body-ext-1part = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
//! body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
//! body-ext-mpart = body-fld-param [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
//! body-fld-dsp = "(" string SP body-fld-param ")" / nil
//! body-fld-lang = nstring / "(" string *(SP string) ")"
//! ```
//! BODYSTRUCTURE carries the extension data in full (md5, disposition, language, location),
//! as Dovecot does; BODY carries none, also inside an encapsulated message.

use crate::Dialect;
use crate::command::fetch::envelope::Envelope;
use crate::response::Writer;

/// Deeper trees are cut: their parts are written as empty text/plain (the summary already caps
/// nesting at 50, RFC-valid output matters more than depth nobody reads).
const MAX_DEPTH: usize = 100;

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct BodyStructure {
    /// `text`, `multipart`, `message`, … as the server stores it (sent as given).
    pub content_type: String,
    pub content_subtype: String,
    pub params: Vec<(String, String)>,
    pub id: Option<String>,
    pub description: Option<String>,
    /// `7BIT` when empty.
    pub encoding: String,
    /// Octets of the body as encoded.
    pub size: u64,
    /// Lines, for text/* and message/rfc822|global; 0 when absent.
    pub lines: Option<u64>,
    pub md5: Option<String>,
    pub disposition: Option<(String, Vec<(String, String)>)>,
    pub language: Vec<String>,
    pub location: Option<String>,
    /// Children of a multipart.
    pub parts: Vec<BodyStructure>,
    /// The message inside message/rfc822 or message/global.
    pub message: Option<Box<(Envelope, BodyStructure)>>,
}

impl BodyStructure {
    /// An empty text/plain part in US-ASCII, what a missing part is written as.
    pub fn empty_text() -> BodyStructure {
        BodyStructure {
            content_type: "text".into(),
            content_subtype: "plain".into(),
            params: vec![("charset".into(), "us-ascii".into())],
            encoding: "7bit".into(),
            lines: Some(0),
            ..BodyStructure::default()
        }
    }

    pub fn is_multipart(&self) -> bool {
        self.content_type.eq_ignore_ascii_case("multipart")
    }

    /// True for message/rfc822 and message/global (RFC 6532 §3.7).
    pub fn is_message(&self) -> bool {
        self.content_type.eq_ignore_ascii_case("message")
            && (self.content_subtype.eq_ignore_ascii_case("rfc822")
                || self.content_subtype.eq_ignore_ascii_case("global"))
    }

    /// Appends `(…)`: BODYSTRUCTURE's form when `extended`, BODY's otherwise.
    pub fn encode(&self, out: &mut Vec<u8>, extended: bool, dialect: Dialect) {
        self.write(&mut Writer::new(out, dialect), extended, 0);
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>, extended: bool, depth: usize) {
        if depth >= MAX_DEPTH {
            return BodyStructure::empty_text().write(w, extended, 0);
        }
        w.raw(b"(");
        if self.is_multipart() {
            self.write_multipart(w, extended, depth);
        } else {
            self.write_single(w, extended, depth);
        }
        w.raw(b")");
    }

    fn write_multipart(&self, w: &mut Writer<'_>, extended: bool, depth: usize) {
        if self.parts.is_empty() {
            // `1*body`: a multipart without parts gets an empty one, as Dovecot writes it.
            BodyStructure::empty_text().write(w, extended, depth + 1);
        }
        for part in &self.parts {
            part.write(w, extended, depth + 1);
        }
        w.sp();
        w.string(self.content_subtype.as_bytes());
        if extended {
            w.sp();
            write_params(w, &self.params);
            self.write_common_extension(w);
        }
    }

    fn write_single(&self, w: &mut Writer<'_>, extended: bool, depth: usize) {
        w.string(self.content_type.as_bytes());
        w.sp();
        w.string(self.content_subtype.as_bytes());
        w.sp();
        write_params(w, &self.params);
        w.sp();
        w.nstring_text(self.id.as_deref());
        w.sp();
        w.nstring_text(self.description.as_deref());
        w.sp();
        w.string(if self.encoding.is_empty() { b"7BIT" } else { self.encoding.as_bytes() });
        w.sp();
        w.number(self.size);
        if self.is_message() {
            // body-type-msg needs the envelope and body; a part without them gets empty ones.
            let fallback;
            let (envelope, body) = match &self.message {
                Some(m) => (&m.0, &m.1),
                None => {
                    fallback = (Envelope::default(), BodyStructure::empty_text());
                    (&fallback.0, &fallback.1)
                }
            };
            w.sp();
            envelope.write(w);
            w.sp();
            body.write(w, extended, depth + 1);
            w.sp();
            w.number(self.lines.unwrap_or(0));
        } else if self.content_type.eq_ignore_ascii_case("text") {
            w.sp();
            w.number(self.lines.unwrap_or(0));
        }
        if extended {
            w.sp();
            w.nstring_text(self.md5.as_deref());
            self.write_common_extension(w);
        }
    }

    /// `SP body-fld-dsp SP body-fld-lang SP body-fld-loc`.
    fn write_common_extension(&self, w: &mut Writer<'_>) {
        w.sp();
        match &self.disposition {
            Some((kind, params)) => {
                w.raw(b"(");
                w.string(kind.as_bytes());
                w.sp();
                write_params(w, params);
                w.raw(b")");
            }
            None => w.raw(b"NIL"),
        }
        w.sp();
        match self.language.as_slice() {
            [] => w.raw(b"NIL"),
            [one] => w.string(one.as_bytes()),
            many => {
                w.raw(b"(");
                for (i, l) in many.iter().enumerate() {
                    if i > 0 {
                        w.sp();
                    }
                    w.string(l.as_bytes());
                }
                w.raw(b")");
            }
        }
        w.sp();
        w.nstring_text(self.location.as_deref());
    }
}

fn write_params(w: &mut Writer<'_>, params: &[(String, String)]) {
    if params.is_empty() {
        w.raw(b"NIL");
        return;
    }
    w.raw(b"(");
    for (i, (name, value)) in params.iter().enumerate() {
        if i > 0 {
            w.sp();
        }
        w.string(name.as_bytes());
        w.sp();
        w.string(value.as_bytes());
    }
    w.raw(b")");
}
