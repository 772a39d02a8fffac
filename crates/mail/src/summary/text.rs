//! Body text: transfer decoding, charsets, which parts are the body and which are attachments
//! (RFC 8621 §4.1.4), the preview and the body text the search index holds.

use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::decoders::html::html_to_text;

use super::header::text_of;
use super::{MAX_SEARCH_TEXT, PREVIEW_CHARS, Part, Summary};

/// Undoes a Content-Transfer-Encoding (RFC 2045 §6), leniently: what cannot be decoded is
/// skipped (base64) or kept as it is (quoted-printable); other encodings are identity.
pub(super) fn decode_transfer(encoding: &str, body: &[u8]) -> Vec<u8> {
    if encoding.eq_ignore_ascii_case("base64") {
        base64(body)
    } else if encoding.eq_ignore_ascii_case("quoted-printable") {
        quoted_printable(body)
    } else {
        body.to_vec()
    }
}

/// RFC 2045 §6.8: characters outside the alphabet are ignored, padding ends nothing.
fn base64(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() / 4 * 3);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &c in body {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// RFC 2045 §6.7: `=XX` octets, `=` line ends are soft breaks, trailing blanks are dropped;
/// a malformed `=` stays as it is.
fn quoted_printable(body: &[u8]) -> Vec<u8> {
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(body.len());
    for line in body.split_inclusive(|&b| b == b'\n') {
        let (content, eol): (&[u8], &[u8]) = match line {
            [rest @ .., b'\r', b'\n'] => (rest, b"\r\n"),
            [rest @ .., b'\n'] => (rest, b"\n"),
            rest => (rest, b""),
        };
        let content = &content[..content.iter().rposition(|b| !matches!(b, b' ' | b'\t')).map_or(0, |p| p + 1)];
        let mut i = 0;
        let mut soft = false;
        while i < content.len() {
            if content[i] == b'=' {
                if i + 1 == content.len() {
                    soft = true;
                    break;
                }
                if let (Some(h), Some(l)) = (hex(content[i + 1]), content.get(i + 2).and_then(|&c| hex(c))) {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
            }
            out.push(content[i]);
            i += 1;
        }
        if !soft {
            out.extend_from_slice(eol);
        }
    }
    out
}

/// A text part's body as a string, reading at most `limit` raw octets: transfer-decoded, then
/// from its charset (undeclared or unknown: UTF-8, else windows-1252), HTML stripped to text.
fn part_text(raw: &[u8], part: &Part, limit: usize) -> String {
    let text = decoded_text(raw, part, limit);
    if part.content_subtype == "html" { html_to_text(&text) } else { text }
}

/// A part's body as text, reading at most `limit` raw octets: transfer-decoded, then from its
/// charset (undeclared or unknown: UTF-8, else windows-1252); HTML stays HTML.
pub(super) fn decoded_text(raw: &[u8], part: &Part, limit: usize) -> String {
    let body = part.body_bytes(raw);
    let body = &body[..body.len().min(limit)];
    let bytes = decode_transfer(&part.encoding, body);
    // US-ASCII is also the RFC 2045 default: 8-bit text labelled so is most likely UTF-8.
    let declared = part
        .param("charset")
        .filter(|c| !["utf-8", "utf8", "us-ascii", "ascii"].iter().any(|u| c.eq_ignore_ascii_case(u)));
    match declared.and_then(|c| charset_decoder(c.as_bytes())) {
        Some(decode) => decode(&bytes),
        None if declared.is_none() => String::from_utf8(bytes).unwrap_or_else(|e| text_of(e.as_bytes()).into_owned()),
        None => text_of(&bytes).into_owned(),
    }
}

fn is_inline_media(part: &Part) -> bool {
    matches!(part.content_type.as_str(), "image" | "audio" | "video")
}

fn is_text_body(part: &Part) -> bool {
    part.content_type == "text" && matches!(part.content_subtype.as_str(), "plain" | "html")
}

/// The text body, HTML body and attachments of a message, by RFC 8621 §4.1.4's algorithm.
pub(super) struct Bodies<'p> {
    pub text: Vec<&'p Part>,
    pub html: Vec<&'p Part>,
    pub attachments: Vec<&'p Part>,
}

/// Where [`Bodies::walk`] is: the enclosing multipart's subtype, whether an alternative is
/// above, and which body lists still take parts (RFC 8621 sets the other one to null).
#[derive(Clone, Copy)]
struct Walk<'s> {
    multipart: &'s str,
    in_alternative: bool,
    text: bool,
    html: bool,
}

impl<'p> Bodies<'p> {
    pub(super) fn of(root: &'p Part) -> Bodies<'p> {
        let mut bodies = Bodies { text: Vec::new(), html: Vec::new(), attachments: Vec::new() };
        let walk = Walk { multipart: "mixed", in_alternative: false, text: true, html: true };
        bodies.walk(std::slice::from_ref(root), walk);
        bodies
    }

    fn walk(&mut self, parts: &'p [Part], mut at: Walk<'_>) {
        let (text_len, html_len) = (self.text.len(), self.html.len());
        for (i, part) in parts.iter().enumerate() {
            let is_inline = part.disposition_type() != Some("attachment")
                && (is_text_body(part) || is_inline_media(part))
                && (i == 0 || (at.multipart != "related" && (is_inline_media(part) || part.file_name().is_none())));
            if part.is_multipart() {
                let sub = part.content_subtype.as_str();
                let in_alternative = at.in_alternative || sub == "alternative";
                self.walk(&part.parts, Walk { multipart: sub, in_alternative, ..at });
            } else if !is_inline {
                self.attachments.push(part);
            } else if at.multipart == "alternative" {
                match part.content_subtype.as_str() {
                    _ if part.content_type != "text" => self.attachments.push(part),
                    "plain" if at.text => self.text.push(part),
                    "html" if at.html => self.html.push(part),
                    "plain" | "html" => {}
                    _ => self.attachments.push(part),
                }
            } else {
                if at.in_alternative {
                    at.html &= part.content_subtype != "plain" || part.content_type != "text";
                    at.text &= part.content_subtype != "html" || part.content_type != "text";
                }
                if at.text {
                    self.text.push(part);
                }
                if at.html {
                    self.html.push(part);
                }
                if (!at.text || !at.html) && is_inline_media(part) {
                    self.attachments.push(part);
                }
            }
        }
        if at.multipart == "alternative" && at.text && at.html {
            // Only HTML was found: it is the text body too; only text: the HTML body too.
            if text_len == self.text.len() && html_len != self.html.len() {
                let found = self.html[html_len..].to_vec();
                self.text.extend(found);
            }
            if html_len == self.html.len() && text_len != self.text.len() {
                let found = self.text[text_len..].to_vec();
                self.html.extend(found);
            }
        }
    }

    /// JMAP `hasAttachment`: an attachment that is not `Content-Disposition: inline` (RFC 8621
    /// §4.1.4 allows this). Detached signatures (RFC 3156, RFC 8551) are not offered either.
    pub(super) fn has_attachment(&self) -> bool {
        self.attachments.iter().any(|p| {
            p.disposition_type() != Some("inline")
                && !(p.content_type == "application"
                    && matches!(p.content_subtype.as_str(), "pgp-signature" | "pkcs7-signature" | "x-pkcs7-signature"))
        })
    }
}

/// The first [`PREVIEW_CHARS`] characters of the text body, whitespace collapsed.
pub(super) fn preview(raw: &[u8], bodies: &Bodies<'_>) -> String {
    // Enough raw octets for the preview even from base64 HTML with a style sheet in front.
    const READ: usize = 64 * 1024;
    for part in bodies.text.iter().filter(|p| is_text_body(p)) {
        let text = part_text(raw, part, READ);
        let preview: String =
            text.split_whitespace().flat_map(|w| [" ", w]).skip(1).flat_map(str::chars).take(PREVIEW_CHARS).collect();
        if !preview.is_empty() {
            return preview;
        }
    }
    String::new()
}

/// See [`super::body_text`].
pub(super) fn body_text(raw: &[u8], summary: &Summary) -> String {
    let mut out = String::new();
    body_parts(raw, &summary.structure, &mut out);
    out
}

fn body_parts(raw: &[u8], part: &Part, out: &mut String) {
    let room = MAX_SEARCH_TEXT.saturating_sub(out.len());
    if room == 0 {
        return;
    }
    if is_text_body(part) {
        let text = part_text(raw, part, room.saturating_mul(3).saturating_add(4)).replace("\r\n", "\n");
        if !out.is_empty() {
            out.push('\n');
        }
        let mut end = text.len().min(MAX_SEARCH_TEXT.saturating_sub(out.len()));
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        out.push_str(&text[..end]);
    }
    for child in &part.parts {
        body_parts(raw, child, out);
    }
    if let Some(message) = &part.message {
        body_parts(raw, &message.1, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_table() {
        let table: [(&[u8], &[u8]); 5] = [
            (b"", b""),
            (b"aGVsbG8=", b"hello"),
            (b"aGVs\r\nbG8=\r\n", b"hello"),
            (b"aGV*sbG8", b"hello"),
            (b"aGVsbA", b"hell"),
        ];
        for (input, expected) in table {
            assert_eq!(base64(input), expected, "{input:?}");
        }
    }

    #[test]
    fn quoted_printable_table() {
        let table: [(&[u8], &[u8]); 6] = [
            (b"", b""),
            (b"caf=C3=A9", "café".as_bytes()),
            (b"soft=\r\nbreak\r\n", b"softbreak\r\n"),
            (b"trailing  \nx", b"trailing\nx"),
            (b"bad =ZZ and =4", b"bad =ZZ and =4"),
            (b"a=3d=3D", b"a=="),
        ];
        for (input, expected) in table {
            assert_eq!(quoted_printable(input), expected, "{input:?}");
        }
    }
}
