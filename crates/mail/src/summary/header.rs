//! Header fields of one entity: splitting (RFC 5322 §2.2), unfolding (§2.2.3), and the MIME
//! fields of a part (RFC 2045 §5–6, RFC 2183, RFC 2231), with mail-parser parsing the values.

use std::borrow::Cow;

use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::parsers::MessageStream;
use mail_parser::{ContentType, HeaderValue};

/// The fields of one header block, in order, each value raw (folding kept, final line break
/// dropped).
pub(super) struct Fields<'a> {
    fields: Vec<(&'a [u8], &'a [u8])>,
}

impl<'a> Fields<'a> {
    /// Splits a header block. A line that is neither a field nor a continuation is skipped, as
    /// is a continuation with no field before it; the first empty line ends the block.
    pub(super) fn parse(header: &'a [u8]) -> Fields<'a> {
        let mut spans: Vec<(usize, usize, usize)> = Vec::new(); // field start, colon, value end
        let mut in_field = false;
        let mut line_start = 0;
        while line_start < header.len() {
            let line_end = line_end(header, line_start);
            let content_end = strip_eol(header, line_start, line_end);
            let line = &header[line_start..content_end];
            if line.is_empty() {
                break;
            }
            if matches!(line[0], b' ' | b'\t') {
                // RFC 5322 §2.2.3: a folded line continues the field above it.
                if let Some(span) = spans.last_mut().filter(|_| in_field) {
                    span.2 = content_end;
                }
            } else if let Some(colon) = line.iter().position(|&b| b == b':') {
                spans.push((line_start, line_start + colon, content_end));
                in_field = true;
            } else {
                in_field = false;
            }
            line_start = line_end;
        }
        let fields =
            spans.into_iter().map(|(start, colon, end)| (trim(&header[start..colon]), &header[colon + 1..end]));
        Fields { fields: fields.collect() }
    }

    /// Every field, in order: name as written, raw value.
    pub(super) fn iter(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + '_ {
        self.fields.iter().copied()
    }

    /// The raw value of the first field named `name` (lower case).
    pub(super) fn first(&self, name: &[u8]) -> Option<&'a [u8]> {
        self.all(name).next()
    }

    /// The raw values of every field named `name`, in order.
    pub(super) fn all<'n>(&self, name: &'n [u8]) -> impl Iterator<Item = &'a [u8]> + use<'a, '_, 'n> {
        self.fields.iter().filter(move |(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| *v)
    }
}

/// The index just past the line starting at `start` (past its LF, or the end of `data`).
pub(super) fn line_end(data: &[u8], start: usize) -> usize {
    data[start..].iter().position(|&b| b == b'\n').map_or(data.len(), |p| start + p + 1)
}

/// `end` without the CRLF or LF that ends the line `start..end`.
fn strip_eol(data: &[u8], start: usize, end: usize) -> usize {
    let mut end = end;
    if end > start && data[end - 1] == b'\n' {
        end -= 1;
        if end > start && data[end - 1] == b'\r' {
            end -= 1;
        }
    }
    end
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(start, |p| p + 1);
    &bytes[start..end]
}

/// Bytes as text: UTF-8 (RFC 6532) when they are, else windows-1252, the usual guess for
/// undeclared 8-bit text, which reads where a lossy UTF-8 conversion would only give U+FFFD.
pub(super) fn text_of(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => match charset_decoder(b"windows-1252") {
            Some(decode) => Cow::Owned(decode(bytes)),
            None => String::from_utf8_lossy(bytes),
        },
    }
}

/// A raw value unfolded (RFC 5322 §2.2.3: line breaks removed) and trimmed, not decoded.
pub(super) fn unfold(value: &[u8]) -> String {
    let text = text_of(value);
    let unfolded: String = text.chars().filter(|&c| c != '\r' && c != '\n').collect();
    unfolded.trim_matches([' ', '\t']).to_string()
}

/// Which mail-parser value parser reads a field.
#[derive(Clone, Copy)]
enum Syntax {
    Unstructured,
    ContentType,
    Ids,
    Date,
}

/// Runs a mail-parser value parser over a raw value. They stop at a line break not followed by
/// whitespace, so the value gets one; non-UTF-8 bytes are converted first so none is lost.
fn parse_value(value: &[u8], syntax: Syntax) -> HeaderValue<'static> {
    let mut line = text_of(value).into_owned().into_bytes();
    line.push(b'\n');
    let mut stream = MessageStream::new(&line);
    let parsed = match syntax {
        Syntax::Unstructured => stream.parse_unstructured(),
        Syntax::ContentType => stream.parse_content_type(),
        Syntax::Ids => stream.parse_id(),
        Syntax::Date => stream.parse_date(),
    };
    parsed.into_owned()
}

/// An unstructured value with RFC 2047 encoded words decoded and folding removed.
pub(super) fn decode_words(value: &[u8]) -> String {
    match parse_value(value, Syntax::Unstructured) {
        HeaderValue::Text(text) => text.into_owned(),
        _ => String::new(),
    }
}

/// The message ids of a Message-ID, In-Reply-To or References value, without `<>`
/// (RFC 5322 §3.6.4).
pub(super) fn message_ids(value: &[u8]) -> Vec<String> {
    match parse_value(value, Syntax::Ids) {
        HeaderValue::Text(id) => vec![id.into_owned()],
        HeaderValue::TextList(ids) => ids.into_iter().map(Cow::into_owned).collect(),
        _ => Vec::new(),
    }
}

/// A Date value (RFC 5322 §3.3) as unix seconds, when it is a valid date.
pub(super) fn date(value: &[u8]) -> Option<i64> {
    match parse_value(value, Syntax::Date) {
        HeaderValue::DateTime(date) if date.is_valid() => Some(date.to_timestamp()),
        _ => None,
    }
}

/// A Date value's calendar date as written (year, month, day), its zone and time disregarded
/// (RFC 3501 §6.4.4 SENTON and friends), when it is a valid date.
pub(super) fn date_as_written(value: &[u8]) -> Option<(i64, u32, u32)> {
    match parse_value(value, Syntax::Date) {
        HeaderValue::DateTime(date) if date.is_valid() => {
            Some((i64::from(date.year), u32::from(date.month), u32::from(date.day)))
        }
        _ => None,
    }
}

/// A Content-Type or Content-Disposition value: type, subtype, parameters.
fn content_type_value(value: &[u8]) -> Option<ContentType<'static>> {
    match parse_value(value, Syntax::ContentType) {
        HeaderValue::ContentType(content_type) => Some(content_type),
        _ => None,
    }
}

/// The MIME fields of one entity, as BODYSTRUCTURE shows them.
#[derive(Debug, Clone, Default)]
pub(super) struct MimeHeader {
    pub content_type: String,
    pub content_subtype: String,
    pub params: Vec<(String, String)>,
    pub id: Option<String>,
    pub description: Option<String>,
    pub encoding: String,
    pub md5: Option<String>,
    pub disposition: Option<(String, Vec<(String, String)>)>,
    pub language: Vec<String>,
    pub location: Option<String>,
}

impl MimeHeader {
    /// Reads the MIME fields of a header block. `in_digest`: the entity is a part of a
    /// multipart/digest, whose default type is message/rfc822 (RFC 2046 §5.1.5).
    pub(super) fn parse(header: &[u8], in_digest: bool) -> MimeHeader {
        let fields = Fields::parse(header);
        let (content_type, content_subtype, params) = fields
            .first(b"content-type")
            .and_then(content_type_value)
            .and_then(valid_type)
            .unwrap_or_else(|| default_type(in_digest));
        let encoding = fields
            .first(b"content-transfer-encoding")
            .map(|v| unfold(v).split([' ', '\t', '(', ';']).next().unwrap_or_default().to_ascii_uppercase())
            .filter(|e| !e.is_empty())
            .unwrap_or_else(|| "7BIT".to_string());
        let disposition = fields.first(b"content-disposition").and_then(content_type_value).and_then(|cd| {
            let kind = cd.c_type.to_ascii_lowercase();
            (!kind.is_empty()).then(|| (kind, params_of(&cd)))
        });
        let language = fields
            .first(b"content-language")
            .map(|v| unfold(v).split(',').map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect())
            .unwrap_or_default();
        MimeHeader {
            content_type,
            content_subtype,
            params,
            id: fields.first(b"content-id").map(unfold),
            description: fields.first(b"content-description").map(unfold),
            encoding,
            md5: fields.first(b"content-md5").map(unfold),
            disposition,
            language,
            location: fields.first(b"content-location").map(unfold),
        }
    }
}

type TypeAndParams = (String, String, Vec<(String, String)>);

/// The type, or None when it is not `token/token`: RFC 2045 §5.2 then falls back to the default.
fn valid_type(ct: ContentType<'static>) -> Option<TypeAndParams> {
    let is_token =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?=".contains(&b));
    let subtype = ct.c_subtype.as_deref().unwrap_or_default();
    if !is_token(&ct.c_type) || !is_token(subtype) {
        return None;
    }
    let (kind, mut params) = (ct.c_type.to_ascii_lowercase(), params_of(&ct));
    // RFC 2045 §5.2 (RFC 2046 §4.1.2): text without a charset is us-ascii; say so, as Dovecot
    // and Cyrus do, so a client need not know the default.
    if kind == "text" && !params.iter().any(|(k, _)| k == "charset") {
        params.push(("charset".into(), "us-ascii".into()));
    }
    Some((kind, subtype.to_ascii_lowercase(), params))
}

/// RFC 2045 §5.2 default: text/plain; charset=us-ascii, or message/rfc822 in a digest.
fn default_type(in_digest: bool) -> TypeAndParams {
    if in_digest {
        ("message".into(), "rfc822".into(), Vec::new())
    } else {
        ("text".into(), "plain".into(), vec![("charset".into(), "us-ascii".into())])
    }
}

/// Parameters with lower-case names. mail-parser reports an RFC 2231 language tag as an extra
/// `<name>-language` parameter; it is not one the sender wrote, so it is dropped.
fn params_of(ct: &ContentType<'_>) -> Vec<(String, String)> {
    let attributes = ct.attributes.as_deref().unwrap_or_default();
    attributes
        .iter()
        .filter(|a| {
            !a.name
                .strip_suffix("-language")
                .is_some_and(|base| attributes.iter().any(|b| b.name.eq_ignore_ascii_case(base)))
        })
        .map(|a| (a.name.to_ascii_lowercase(), a.value.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn content_types() {
        type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);
        let table: [Case<'_>; 12] = [
            ("", "text/plain", &[("charset", "us-ascii")]),
            ("Content-Type: text\n", "text/plain", &[("charset", "us-ascii")]),
            ("Content-Type: /plain\n", "text/plain", &[("charset", "us-ascii")]),
            ("Content-Type: TEXT/HTML; Charset=\"UTF-8\"\n", "text/html", &[("charset", "UTF-8")]),
            ("Content-Type: text/csv; name=a.csv\n", "text/csv", &[("name", "a.csv"), ("charset", "us-ascii")]),
            ("Content-Type: image/png\n", "image/png", &[]),
            (
                "Content-Type: text/plain; charset=utf-8;\n format=flowed\n",
                "text/plain",
                &[("charset", "utf-8"), ("format", "flowed")],
            ),
            ("Content-Type: application/x-a (comment)\n", "application/x-a", &[]),
            ("Content-Type: image/png; name=\"=?utf-8?q?=C3=A9t=C3=A9.png?=\"\n", "image/png", &[("name", "été.png")]),
            (
                "Content-Type: text/plain; name*=utf-8'en'%E2%82%AC.txt\n",
                "text/plain",
                &[("name", "€.txt"), ("charset", "us-ascii")],
            ),
            (
                "Content-Type: text/plain; name*0=\"long\"; name*1=\"name.txt\"\n",
                "text/plain",
                &[("name", "longname.txt"), ("charset", "us-ascii")],
            ),
            (
                "Content-type: multipart/mixed; boundary=\"a b\"\nContent-Type: text/plain\n",
                "multipart/mixed",
                &[("boundary", "a b")],
            ),
        ];
        for (header, kind, params) in table {
            let mime = MimeHeader::parse(header.as_bytes(), false);
            assert_eq!(format!("{}/{}", mime.content_type, mime.content_subtype), kind, "{header:?}");
            assert_eq!(mime.params, pairs(params), "{header:?}");
        }
        let digest_part = MimeHeader::parse(b"Subject: x\n", true);
        assert_eq!((digest_part.content_type.as_str(), digest_part.content_subtype.as_str()), ("message", "rfc822"));
    }

    #[test]
    fn other_mime_fields() {
        let header = b"Content-Transfer-Encoding:  Base64 \nContent-ID: <part1@x>\nContent-Description: a\n =?utf-8?q?b?=\nContent-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\nContent-Disposition: ATTACHMENT; filename=\"r.pdf\"; size=3\nContent-Language: en, de-CH\nContent-Location: http://x/y\n\nbody: not a header\n";
        let mime = MimeHeader::parse(header, false);
        assert_eq!(mime.encoding, "BASE64");
        assert_eq!(mime.id.as_deref(), Some("<part1@x>"));
        assert_eq!(mime.description.as_deref(), Some("a =?utf-8?q?b?="));
        assert_eq!(mime.md5.as_deref(), Some("Q2hlY2sgSW50ZWdyaXR5IQ=="));
        assert_eq!(mime.disposition, Some(("attachment".into(), pairs(&[("filename", "r.pdf"), ("size", "3")]))));
        assert_eq!(mime.language, ["en", "de-CH"]);
        assert_eq!(mime.location.as_deref(), Some("http://x/y"));
        assert_eq!(MimeHeader::parse(b"", false).encoding, "7BIT");
    }

    #[test]
    fn fields_and_values() {
        let header = b"Subject: a\r\n\tb\r\nno colon here\r\n continuation of nothing\r\nX-Empty:\r\nFrom : x@y\r\n\r\nTo: body\r\n";
        let fields = Fields::parse(header);
        assert_eq!(fields.first(b"subject"), Some(&b" a\r\n\tb"[..]));
        assert_eq!(fields.first(b"x-empty"), Some(&b""[..]));
        assert_eq!(fields.first(b"from"), Some(&b" x@y"[..]));
        assert_eq!(fields.first(b"to"), None);
        assert_eq!(unfold(b" a\r\n\tb "), "a\tb");
        assert_eq!(decode_words(b" =?utf-8?b?w6k=?= =?utf-8?q?t=C3=A9?= x"), "été x");
        assert_eq!(message_ids(b" <a@b> <c@d>\r\n <e@f>"), ["a@b", "c@d", "e@f"]);
        assert_eq!(date(b" Thu, 1 Jan 1970 00:00:00 +0000"), Some(0));
        assert_eq!(date(b" yesterday"), None);
        assert_eq!(text_of(b"caf\xe9"), "café");
    }
}
