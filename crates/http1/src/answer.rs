//! Answer heads (RFC 9112 §4, §6): the status line, the handler's header fields, and the
//! framing fields, which are this crate's alone — a handler's own Content-Length,
//! Transfer-Encoding or Connection is dropped, and a field that could not be sent as it is
//! (a name that is not a token, a value with CR, LF or NUL) is left out, never sent half.

/// The interim answer to `Expect: 100-continue` (RFC 9110 §15.2.1).
pub const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

/// How an answer's body is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    /// This many octets follow the head.
    Known(usize),
    /// A stream of unknown length (an EventSource): chunked (RFC 9112 §7.1), each piece sent
    /// as [`chunk`] writes it and the end as [`LAST_CHUNK`].
    Chunked,
}

impl From<usize> for Length {
    fn from(n: usize) -> Length {
        Length::Known(n)
    }
}

/// The end of a chunked body, with no trailer fields.
pub const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

/// One piece of a chunked body (`data` not empty: an empty chunk would end the body).
pub fn chunk(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 12);
    out.extend_from_slice(format!("{:x}\r\n", data.len()).as_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
    out
}

/// The head of an answer: `status`, then `headers`, then the framing (`content-length`, or
/// `transfer-encoding: chunked`), `connection: close` when `close`, and `date` (RFC 9110
/// §6.6.1, an IMF-fixdate the caller gives).
pub fn answer_head(
    status: u16,
    headers: &[(&str, &str)],
    length: impl Into<Length>,
    close: bool,
    date: &str,
) -> Vec<u8> {
    let status = if (200..=999).contains(&status) { status } else { 500 };
    let mut out = Vec::with_capacity(128 + headers.iter().map(|(n, v)| n.len() + v.len() + 4).sum::<usize>());
    out.extend_from_slice(format!("HTTP/1.1 {status} {}\r\n", reason(status)).as_bytes());
    for (name, value) in headers {
        let framing = ["content-length", "transfer-encoding", "connection", "date"];
        if !is_token(name) || !is_value(value) || framing.iter().any(|f| name.eq_ignore_ascii_case(f)) {
            continue;
        }
        for part in [name.as_bytes(), b": ", value.as_bytes(), b"\r\n"] {
            out.extend_from_slice(part);
        }
    }
    match length.into() {
        Length::Known(n) => out.extend_from_slice(format!("content-length: {n}\r\n").as_bytes()),
        Length::Chunked => out.extend_from_slice(b"transfer-encoding: chunked\r\n"),
    }
    if close {
        out.extend_from_slice(b"connection: close\r\n");
    }
    if is_value(date) {
        out.extend_from_slice(format!("date: {date}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// RFC 9110 §5.6.2 `token`.
fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// RFC 9110 §5.5 field-value: visible characters, obs-text, and inner spaces and tabs.
fn is_value(s: &str) -> bool {
    let edge = |b: u8| b == b' ' || b == b'\t';
    let ok = s.bytes().all(|b| b == b'\t' || (b >= 0x20 && b != 0x7f));
    ok && !s.bytes().next().is_some_and(edge) && !s.bytes().last().is_some_and(edge)
}

/// The reason phrase of the statuses the server sends (RFC 9110 §15); the phrase is not
/// interpreted by clients (RFC 9112 §4), so others get an empty one.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        449 => "Retry With",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        507 => "Insufficient Storage",
        _ => "",
    }
}
