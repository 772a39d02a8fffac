//! A request head: request line and header fields (RFC 9112 §2.1, §3, §5), parsed whole from
//! the bytes received so far.
//!
//! Refused (400, then the connection is closed, since nothing after such a head can be framed
//! safely): anything `httparse` refuses (invalid tokens, a bare CR, obs-fold — RFC 9112 §5.2 —
//! a space before a header's colon, §5.1), a bare LF as a line end (§2.2 lets a server accept
//! it; a proxy in front may not, and the two would then split the stream differently), more than
//! one Content-Length field or one that is not a plain decimal number (§6.3, item 5: a list such
//! as `5, 5` included), Content-Length together with Transfer-Encoding (§6.1: "ought to be
//! handled as an error"), and more than one Host field (§3.2). A head larger than the limit is
//! [`HeadError::TooLarge`] (431).

/// At most this many header fields (hyper's limit too); more is [`HeadError::TooLarge`].
pub const MAX_HEADERS: usize = 100;

/// Why a head was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadError {
    /// Larger than the read limit, or too many fields: 431 (RFC 6585 §5).
    TooLarge,
    /// Malformed or ambiguous: 400; the reason is for the log.
    Malformed(&'static str),
}

/// A parsed request head. Header names are lower case; values are as received, without the
/// surrounding whitespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub method: String,
    /// The request target as sent (origin-form for every request served here).
    pub target: String,
    /// The `x` of `HTTP/1.x`.
    pub minor: u8,
    pub headers: Vec<(String, Vec<u8>)>,
    /// How the body is framed.
    pub body: Framing,
}

/// The body's framing (RFC 9112 §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Neither Content-Length nor Transfer-Encoding: no body.
    None,
    Length(u64),
    /// Transfer-Encoding (without Content-Length): served by hyper, never here.
    Coded,
}

/// A head simple enough to be served without hyper: HTTP/1.1, origin-form, a body of known
/// length or none, no upgrade, no expectation but `100-continue`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Simple {
    /// Octets of body that follow the head.
    pub length: u64,
    /// `Expect: 100-continue` (RFC 9110 §10.1.1).
    pub expect_continue: bool,
    /// `Connection: close` (RFC 9112 §9.6): the connection ends after the answer.
    pub close: bool,
}

/// Parses the head at the start of `buf`. `Ok(None)` while it is incomplete and shorter than
/// `max` octets; `Ok(Some((head, n)))` when its `n` octets (at most `max`) are all there.
pub fn parse(buf: &[u8], max: usize) -> Result<Option<(Head, usize)>, HeadError> {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut fields);
    let len = match req.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) if buf.len() >= max => return Err(HeadError::TooLarge),
        Ok(httparse::Status::Partial) => return bare_lf(buf).map(|()| None),
        Err(httparse::Error::TooManyHeaders) => return Err(HeadError::TooLarge),
        Err(e) => return Err(HeadError::Malformed(refusal(e))),
    };
    if len > max {
        return Err(HeadError::TooLarge);
    }
    bare_lf(&buf[..len])?;
    let (Some(method), Some(target), Some(minor)) = (req.method, req.path, req.version) else {
        return Err(HeadError::Malformed("incomplete request line"));
    };
    let headers: Vec<(String, Vec<u8>)> =
        req.headers.iter().map(|h| (h.name.to_ascii_lowercase(), trim(h.value).to_vec())).collect();
    let body = framing(&headers)?;
    if headers.iter().filter(|(n, _)| n == "host").count() > 1 {
        return Err(HeadError::Malformed("more than one Host"));
    }
    let head = Head { method: method.to_owned(), target: target.to_owned(), minor, headers, body };
    Ok(Some((head, len)))
}

/// RFC 9112 §2.2: every line of a head served here ends in CRLF.
fn bare_lf(buf: &[u8]) -> Result<(), HeadError> {
    let bare = buf.iter().enumerate().any(|(i, &b)| b == b'\n' && (i == 0 || buf[i - 1] != b'\r'));
    if bare { Err(HeadError::Malformed("a line ends in a bare LF")) } else { Ok(()) }
}

fn refusal(e: httparse::Error) -> &'static str {
    match e {
        httparse::Error::HeaderName => "invalid header name (or obs-fold)",
        httparse::Error::HeaderValue => "invalid header value",
        httparse::Error::NewLine => "invalid line end",
        httparse::Error::Status => "invalid status",
        httparse::Error::Token => "invalid token in the request line",
        httparse::Error::TooManyHeaders => "too many header fields",
        httparse::Error::Version => "not HTTP/1.x",
    }
}

/// RFC 9110 §5.5: the whitespace around a field value is not part of it.
fn trim(v: &[u8]) -> &[u8] {
    let start = v.iter().position(|b| !matches!(b, b' ' | b'\t')).unwrap_or(v.len());
    let end = v.iter().rposition(|b| !matches!(b, b' ' | b'\t')).map_or(start, |i| i + 1);
    &v[start..end]
}

/// RFC 9112 §6.3, refusing every case where two readers could disagree.
fn framing(headers: &[(String, Vec<u8>)]) -> Result<Framing, HeadError> {
    let mut lengths = headers.iter().filter(|(n, _)| n == "content-length").map(|(_, v)| v);
    let coded = headers.iter().any(|(n, _)| n == "transfer-encoding");
    let length = match (lengths.next(), lengths.next()) {
        (None, _) => None,
        (Some(v), None) => Some(decimal(v).ok_or(HeadError::Malformed("invalid Content-Length"))?),
        (Some(_), Some(_)) => return Err(HeadError::Malformed("more than one Content-Length")),
    };
    match (length, coded) {
        (Some(_), true) => Err(HeadError::Malformed("Content-Length with Transfer-Encoding")),
        (Some(n), false) => Ok(Framing::Length(n)),
        (None, true) => Ok(Framing::Coded),
        (None, false) => Ok(Framing::None),
    }
}

/// `1*DIGIT` that fits in 63 bits: no sign, no spaces, no list.
fn decimal(v: &[u8]) -> Option<u64> {
    if v.is_empty() || v.len() > 18 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    v.iter().try_fold(0u64, |n, d| n.checked_mul(10)?.checked_add(u64::from(d - b'0')))
}

impl Head {
    /// The first value of a header (name in lower case).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_slice())
    }

    /// The target's path, without the query.
    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(&self.target, |(p, _)| p)
    }

    /// The target's query, if it has one.
    pub fn query(&self) -> Option<&str> {
        self.target.split_once('?').map(|(_, q)| q)
    }

    /// The head as served without hyper, or `None` when hyper must serve it: not HTTP/1.1, not
    /// origin-form, a coded body, an upgrade (RFC 9110 §7.8), or an expectation other than
    /// `100-continue` (RFC 9110 §10.1.1).
    pub fn simple(&self) -> Option<Simple> {
        let length = match self.body {
            Framing::None => 0,
            Framing::Length(n) => n,
            Framing::Coded => return None,
        };
        if self.minor != 1 || !self.target.starts_with('/') || self.header("upgrade").is_some() {
            return None;
        }
        let tokens = self.tokens("connection");
        if tokens.iter().any(|t| t.eq_ignore_ascii_case("upgrade")) {
            return None;
        }
        let expect_continue = match self.tokens("expect").as_slice() {
            [] => false,
            [one] if one.eq_ignore_ascii_case("100-continue") => true,
            _ => return None,
        };
        let close = tokens.iter().any(|t| t.eq_ignore_ascii_case("close"));
        Some(Simple { length, expect_continue, close })
    }

    /// The comma-separated elements of every field named `name` (RFC 9110 §5.6.1), empty ones
    /// left out; a value that is not text gives one element that matches nothing.
    fn tokens(&self, name: &str) -> Vec<&str> {
        let values = self.headers.iter().filter(|(n, _)| n == name);
        values
            .flat_map(|(_, v)| std::str::from_utf8(v).unwrap_or("\u{fffd}").split(','))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect()
    }
}
