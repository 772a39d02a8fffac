//! Binary MIME parts made 7-bit when a message is stored: a message APPENDed as an IMAP
//! literal8 (RFC 3516 §4.4) may hold parts with `Content-Transfer-Encoding: binary`, whose
//! bytes (NUL among them) no `{n}` literal may carry (RFC 3501 §4.3 CHAR8). As Dovecot does,
//! each such leaf part is stored base64-encoded (lines of 76 characters, RFC 2045 §6.8) with
//! its field saying `base64`; BODY[n] and BODYSTRUCTURE then describe what is stored, and
//! BINARY[n] decodes it back to the original octets.

use base64::Engine;

use crate::summary::{Part, summarize};

/// The message with its binary leaf parts base64-encoded, or `None` when it has none.
pub fn encode_binary_parts(raw: &[u8]) -> Option<Vec<u8>> {
    let summary = summarize(raw);
    let mut parts = Vec::new();
    binary_leaves(&summary.structure, &mut parts);
    if parts.is_empty() {
        return None;
    }
    parts.sort_by_key(|p| p.header_start);
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 2);
    let mut at = 0usize;
    for p in parts {
        let (Ok(start), Ok(end)) = (usize::try_from(p.header_start), usize::try_from(p.body_end)) else { continue };
        if start < at || end > raw.len() {
            continue;
        }
        out.extend_from_slice(&raw[at..start]);
        rewrite_header(p.header_bytes(raw), &mut out);
        encode_lines(p.body_bytes(raw), &mut out);
        at = end;
    }
    out.extend_from_slice(&raw[at..]);
    Some(out)
}

/// Leaf parts (not multipart, not an encapsulated message) whose encoding is `binary`.
fn binary_leaves<'p>(part: &'p Part, out: &mut Vec<&'p Part>) {
    if part.is_multipart() {
        part.parts.iter().for_each(|p| binary_leaves(p, out));
    } else if !part.is_message() && part.encoding.eq_ignore_ascii_case("binary") {
        out.push(part);
    }
}

/// The part's header with its Content-Transfer-Encoding field (and continuation lines)
/// replaced by `base64`; every other line kept as it is.
fn rewrite_header(header: &[u8], out: &mut Vec<u8>) {
    let mut skipping = false;
    for line in header.split_inclusive(|b| *b == b'\n') {
        let continuation = matches!(line.first(), Some(b' ' | b'\t'));
        if skipping && continuation {
            continue;
        }
        skipping = false;
        let name = line.split(|b| *b == b':').next().unwrap_or_default().trim_ascii();
        if !continuation && line.contains(&b':') && name.eq_ignore_ascii_case(b"content-transfer-encoding") {
            out.extend_from_slice(b"Content-Transfer-Encoding: base64\r\n");
            skipping = true;
        } else {
            out.extend_from_slice(line);
        }
    }
}

/// Base64 in lines of 76 characters separated by CRLF, the last one without (the CRLF before
/// the next boundary, if any, follows in the message as it was).
fn encode_lines(body: &[u8], out: &mut Vec<u8>) {
    let engine = base64::engine::general_purpose::STANDARD;
    for (i, chunk) in body.chunks(57).enumerate() {
        if i > 0 {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(engine.encode(chunk).as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (message, what is stored), as Dovecot 2.3 stores a literal8 APPEND.
    #[test]
    fn binary_parts_become_base64() {
        let table: &[(&[u8], Option<&[u8]>)] = &[
            (
                b"Subject: b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\nA\x00B\x01\xff\r\nC\r\n--b--\r\n",
                Some(b"Subject: b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nQQBCAf8NCkM=\r\n--b--\r\n"),
            ),
            (
                b"Subject: b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: BINARY\r\n\r\nA\x00B\x01\xff\r\nC\r\n",
                Some(b"Subject: b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nQQBCAf8NCkMNCg=="),
            ),
            (b"Subject: 8bit\r\nContent-Transfer-Encoding: 8bit\r\n\r\ncaf\xc3\xa9\r\n", None),
        ];
        for (raw, want) in table {
            assert_eq!(encode_binary_parts(raw).as_deref(), *want, "{}", String::from_utf8_lossy(raw));
        }
    }

    #[test]
    fn long_parts_wrap_at_76() {
        let body: Vec<u8> = (0..=255u8).collect();
        let mut raw = b"Content-Transfer-Encoding: binary\r\n\r\n".to_vec();
        raw.extend_from_slice(&body);
        let out = encode_binary_parts(&raw).expect("converted");
        let text = String::from_utf8(out).expect("7-bit");
        let lines: Vec<&str> = text.split("\r\n").skip(2).collect();
        assert_eq!(lines.iter().map(|l| l.len()).collect::<Vec<_>>(), [76, 76, 76, 76, 40]);
        assert!(lines[0].starts_with("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4"));
    }
}
