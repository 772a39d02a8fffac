//! Header-level helpers that need no MIME parse: find top-level fields, and build the trace and
//! identity fields a server adds (RFC 5321 §4.4, RFC 5322 §3.6).

use rand::Rng;

/// The top-level header block: bytes up to and including the blank line (or all of `raw`).
pub fn header_block(raw: &[u8]) -> &[u8] {
    let mut i = 0;
    while i < raw.len() {
        let end = raw[i..].iter().position(|b| *b == b'\n').map_or(raw.len(), |p| i + p + 1);
        let line = &raw[i..end];
        if line == b"\r\n" || line == b"\n" {
            return &raw[..end];
        }
        i = end;
    }
    raw
}

/// True if a top-level field `name` is present (case-insensitive, RFC 5322 §1.2.2).
pub fn has_field(raw: &[u8], name: &str) -> bool {
    count_fields(raw, name) > 0
}

/// How many top-level fields are named `name`.
pub fn count_fields(raw: &[u8], name: &str) -> usize {
    header_block(raw)
        .split(|b| *b == b'\n')
        .filter(|line| {
            line.len() > name.len()
                && line[name.len()] == b':'
                && line[..name.len()].eq_ignore_ascii_case(name.as_bytes())
        })
        .count()
}

/// Drops top-level fields named `name` whose value starts with `authserv` (the authserv-id
/// of an Authentication-Results value, RFC 8601 §2.2), however folded or commented.
pub fn remove_fields(raw: Vec<u8>, name: &str, authserv: &str) -> Vec<u8> {
    remove_where(raw, name, |value| first_token(value).eq_ignore_ascii_case(authserv))
}

/// Drops every top-level field named `name`, with its folded lines (a Bcc field before a
/// message leaves, RFC 5322 §3.6.3).
pub fn remove_field(raw: Vec<u8>, name: &str) -> Vec<u8> {
    remove_where(raw, name, |_| true)
}

/// Drops the top-level fields named `name` whose value `drop` accepts.
fn remove_where(raw: Vec<u8>, name: &str, drop: impl Fn(&[u8]) -> bool) -> Vec<u8> {
    let block = header_block(&raw).len();
    let mut out = Vec::with_capacity(raw.len());
    let mut fields: Vec<&[u8]> = Vec::new();
    // Group physical lines into fields (a continuation starts with WSP).
    let mut start = 0;
    let lines: Vec<&[u8]> = raw[..block].split_inclusive(|b| *b == b'\n').collect();
    let mut offset = 0;
    for (i, line) in lines.iter().enumerate() {
        let next_continues = lines.get(i + 1).and_then(|l| l.first()).is_some_and(|b| *b == b' ' || *b == b'\t');
        offset += line.len();
        if !next_continues {
            fields.push(&raw[start..offset]);
            start = offset;
        }
    }
    for field in fields {
        let named = field.len() > name.len()
            && field[name.len()] == b':'
            && field[..name.len()].eq_ignore_ascii_case(name.as_bytes());
        if !(named && drop(&field[name.len() + 1..])) {
            out.extend_from_slice(field);
        }
    }
    out.extend_from_slice(&raw[block..]);
    out
}

/// The first token of a structured value, skipping folding white space and (nested) comments.
fn first_token(value: &[u8]) -> String {
    let text = String::from_utf8_lossy(value);
    let mut depth = 0u32;
    let mut token = String::new();
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            ';' => break,
            c if c.is_whitespace() => {
                if !token.is_empty() {
                    break;
                }
            }
            c => token.push(c),
        }
    }
    token
}

/// The addresses of the top-level From field (RFC 5322 §3.6.2), lower-cased.
pub fn from_addresses(raw: &[u8]) -> Vec<String> {
    let Some(message) = mail_parser::MessageParser::new().parse_headers(header_block(raw)) else { return Vec::new() };
    let Some(from) = message.from() else { return Vec::new() };
    from.iter().filter_map(|a| a.address()).map(str::to_ascii_lowercase).collect()
}

/// RFC 5322 §3.3 date-time in UTC: `Sun, 29 Nov 2026 11:21:01 +0000` (the one civil-date
/// module's).
pub use relais_civil::rfc5322_date;

/// `content` as SMTP DATA (RFC 5321 §4.5.2) or a POP3 multi-line response (RFC 1939 §3):
/// every line ended by CRLF, a leading dot doubled, then the terminating ".".
pub fn dot_stuffed(content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + content.len() / 40 + 8);
    for line in content.split_inclusive(|b| *b == b'\n') {
        let body = line.strip_suffix(b"\n").unwrap_or(line);
        let body = body.strip_suffix(b"\r").unwrap_or(body);
        if body.first() == Some(&b'.') {
            out.push(b'.');
        }
        out.extend_from_slice(body);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

/// A new Message-ID value (with angle brackets) under `hostname`.
pub fn new_message_id(hostname: &str) -> String {
    let r: u128 = rand::thread_rng().r#gen();
    format!("<{r:032x}@{hostname}>")
}

/// A short random id for logs and trace headers.
pub fn new_queue_id() -> String {
    let r: u64 = rand::thread_rng().r#gen();
    format!("{r:016X}")
}

/// Prepends `fields` (each a complete `Name: value` without line end) to `raw`.
pub fn prepend(fields: &[String], raw: Vec<u8>) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + fields.iter().map(|f| f.len() + 2).sum::<usize>());
    for f in fields {
        out.extend_from_slice(f.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(&raw);
    out
}

/// Inserts `fields` at the end of the top-level header (before the blank line).
pub fn append_to_header(fields: &[String], raw: Vec<u8>) -> Vec<u8> {
    let block = header_block(&raw).len();
    let at = if raw[..block].ends_with(b"\r\n\r\n") {
        block - 2
    } else if raw[..block].ends_with(b"\n\n") {
        block - 1
    } else if block == raw.len() && !raw.is_empty() && !raw.ends_with(b"\n") {
        // A header with no body and no final line end: end the last line first.
        let mut raw = raw;
        raw.extend_from_slice(b"\r\n");
        return append_to_header(fields, raw);
    } else {
        block
    };
    let mut out = Vec::with_capacity(raw.len() + 256);
    out.extend_from_slice(&raw[..at]);
    for f in fields {
        out.extend_from_slice(f.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(&raw[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(rfc5322_date(1_795_951_261), "Sun, 29 Nov 2026 11:21:01 +0000");
        assert_eq!(rfc5322_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 +0000");
    }

    #[test]
    fn fields() {
        let m = b"Subject: hi\r\nReceived: a\r\nreceived: b\r\n\r\nReceived: not a header\r\n";
        assert_eq!(count_fields(m, "Received"), 2);
        assert!(has_field(m, "subject"));
        assert!(!has_field(m, "Message-ID"));
        assert_eq!(header_block(m).len(), 41);
    }

    #[test]
    fn stuffing() {
        assert_eq!(dot_stuffed(b"a\n.b\r\n..c"), b"a\r\n..b\r\n...c\r\n.\r\n");
        assert_eq!(dot_stuffed(b""), b".\r\n");
    }

    #[test]
    fn removing() {
        let m = b"Authentication-Results: mx.test; spf=pass\r\n\tsmtp.mailfrom=a\r\nAuthentication-Results: other.test; dkim=pass\r\nSubject: x\r\n\r\nAuthentication-Results: mx.test; body\r\n".to_vec();
        let out = remove_fields(m, "Authentication-Results", "mx.test");
        let folded = b"Authentication-Results:\r\n\tmx.test; dkim=pass\r\nAuthentication-Results: (c) mx.test; x\r\nA: 1\r\n\r\n".to_vec();
        assert_eq!(remove_fields(folded, "Authentication-Results", "mx.test"), b"A: 1\r\n\r\n");
        assert_eq!(out, b"Authentication-Results: other.test; dkim=pass\r\nSubject: x\r\n\r\nAuthentication-Results: mx.test; body\r\n");
    }

    #[test]
    fn appending() {
        let add = vec!["Date: x".to_string()];
        assert_eq!(append_to_header(&add, b"A: 1\r\n\r\nbody".to_vec()), b"A: 1\r\nDate: x\r\n\r\nbody");
        assert_eq!(append_to_header(&add, b"A: 1\r\n".to_vec()), b"A: 1\r\nDate: x\r\n");
        assert_eq!(append_to_header(&add, b"A: 1".to_vec()), b"A: 1\r\nDate: x\r\n");
        assert_eq!(prepend(&add, b"A: 1\r\n".to_vec()), b"Date: x\r\nA: 1\r\n");
    }
}
