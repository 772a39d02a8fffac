//! The other direction: responses as a client receives them from a server, for Relais's own
//! IMAP client (`relais admin migrate imap`, which reads mail from the server an organisation
//! leaves). Pure like the rest of the crate: [`frame`] finds where one response ends in a
//! buffer (its line and the literals it announces, RFC 9051 §4.3), [`parse`] turns it into a
//! [`ServerResponse`] of plain [`Value`]s that the client interprets.
//!
//! ```text
//! response      = continue-req / response-data / response-tagged    ; RFC 9051 §9
//! continue-req  = "+" [SP (resp-text / base64)] CRLF
//! resp-cond     = ("OK" / "NO" / "BAD" / "BYE" / "PREAUTH") SP ["[" resp-text-code "]" SP] text
//! response-data = "*" SP (resp-cond / mailbox-data / message-data / capability-data / …) CRLF
//! ```
//!
//! Nothing a server sends makes this panic, and nothing is allocated beyond what arrived: a
//! literal's announced size is checked against [`ClientLimits`] before the caller reads it.

use thiserror::Error;

/// Bounds on what one response may hold.
#[derive(Debug, Clone, Copy)]
pub struct ClientLimits {
    /// Octets of the lines of one response (literals not counted).
    pub max_line: usize,
    /// Octets of one literal (a message's content).
    pub max_literal: u64,
    /// Nesting of parenthesised lists.
    pub max_depth: usize,
}

impl Default for ClientLimits {
    fn default() -> Self {
        ClientLimits { max_line: 1 << 20, max_literal: 256 << 20, max_depth: 32 }
    }
}

/// Why a server's response could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ResponseError {
    #[error("response line longer than {0} octets")]
    LineTooLong(usize),
    #[error("literal of {size} octets is larger than the limit of {limit}")]
    LiteralTooBig { size: u64, limit: u64 },
    #[error("response nested deeper than {0} lists")]
    TooDeep(usize),
    #[error("malformed response: {0}")]
    Syntax(&'static str),
}

/// One value of a response: what the client needs of IMAP's data types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Nil,
    /// An atom, a number, a flag (`\Seen`) or a section (`BODY[]`), as sent.
    Atom(String),
    /// A quoted string or a literal.
    String(Vec<u8>),
    List(Vec<Value>),
}

impl Value {
    /// The atom's text, or a string's if it is UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Atom(a) => Some(a),
            Value::String(s) => std::str::from_utf8(s).ok(),
            _ => None,
        }
    }

    /// The value as an unsigned number (RFC 9051 `number`, `nz-number`, `number64`).
    pub fn as_number(&self) -> Option<u64> {
        match self {
            Value::Atom(a) if !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit()) => a.parse().ok(),
            _ => None,
        }
    }
}

/// Status of a condition response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    Ok,
    No,
    Bad,
    Bye,
    Preauth,
}

/// One response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerResponse {
    /// `+ …`: the server waits for a literal or an authentication step.
    Continue(String),
    /// `TAG OK …` (with `tag`) or `* OK …` (without): the code's values inside `[…]`, and text.
    Status { tag: Option<String>, condition: Condition, code: Vec<Value>, text: String },
    /// `* …` other than a condition: every value after the `*`.
    Data(Vec<Value>),
}

/// The length of the first complete response in `buf` (its lines, its literals and the final
/// CRLF), or `None` while more octets are needed.
pub fn frame(buf: &[u8], limits: &ClientLimits) -> Result<Option<usize>, ResponseError> {
    let mut pos = 0;
    let mut lines = 0usize;
    loop {
        let Some(eol) = buf[pos..].windows(2).position(|w| w == b"\r\n") else {
            return if lines + buf.len() - pos > limits.max_line {
                Err(ResponseError::LineTooLong(limits.max_line))
            } else {
                Ok(None)
            };
        };
        lines += eol + 2;
        if lines > limits.max_line {
            return Err(ResponseError::LineTooLong(limits.max_line));
        }
        let line = &buf[pos..pos + eol];
        pos += eol + 2;
        let Some(size) = literal_size(line)? else {
            return Ok(Some(pos));
        };
        if size > limits.max_literal {
            return Err(ResponseError::LiteralTooBig { size, limit: limits.max_literal });
        }
        // The size is within the limit, which a usize holds on every target Relais runs on.
        let size = usize::try_from(size).map_err(|_| ResponseError::Syntax("literal size"))?;
        if buf.len() - pos < size {
            return Ok(None);
        }
        pos += size;
    }
}

/// The size of the literal a line announces at its end (`{123}`; RFC 7888's `{123+}` too).
fn literal_size(line: &[u8]) -> Result<Option<u64>, ResponseError> {
    let Some(body) = line.strip_suffix(b"}") else { return Ok(None) };
    let Some(open) = body.iter().rposition(|b| *b == b'{') else { return Ok(None) };
    let digits = body[open + 1..].strip_suffix(b"+").unwrap_or(&body[open + 1..]);
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return Ok(None);
    }
    let text = std::str::from_utf8(digits).map_err(|_| ResponseError::Syntax("literal size"))?;
    text.parse().map(Some).map_err(|_| ResponseError::Syntax("literal size"))
}

/// Parses one framed response (as [`frame`] delimits it, CRLF included).
pub fn parse(resp: &[u8], limits: &ClientLimits) -> Result<ServerResponse, ResponseError> {
    let resp = resp.strip_suffix(b"\r\n").ok_or(ResponseError::Syntax("no CRLF at the end"))?;
    if let Some(rest) = resp.strip_prefix(b"+") {
        return Ok(ServerResponse::Continue(text(rest.strip_prefix(b" ").unwrap_or(rest))));
    }
    let space = resp.iter().position(|b| *b == b' ').ok_or(ResponseError::Syntax("no space after the tag"))?;
    let (tag, rest) = (&resp[..space], &resp[space + 1..]);
    if tag.is_empty() {
        return Err(ResponseError::Syntax("empty tag"));
    }
    if condition(rest).is_some() {
        let tag = (tag != b"*").then(|| text(tag));
        return status_response(tag, rest, limits);
    }
    if tag != b"*" {
        return Err(ResponseError::Syntax("a tagged response must be OK, NO or BAD"));
    }
    let mut lexer = Lexer { input: rest, pos: 0, limits };
    Ok(ServerResponse::Data(lexer.values(0, false)?))
}

fn condition(rest: &[u8]) -> Option<Condition> {
    let word = rest.split(|b| *b == b' ').next()?;
    let word = std::str::from_utf8(word).ok()?.to_ascii_uppercase();
    Some(match word.as_str() {
        "OK" => Condition::Ok,
        "NO" => Condition::No,
        "BAD" => Condition::Bad,
        "BYE" => Condition::Bye,
        "PREAUTH" => Condition::Preauth,
        _ => return None,
    })
}

fn status_response(tag: Option<String>, rest: &[u8], limits: &ClientLimits) -> Result<ServerResponse, ResponseError> {
    let condition = condition(rest).ok_or(ResponseError::Syntax("status"))?;
    let after = rest.iter().position(|b| *b == b' ').map_or(&rest[rest.len()..], |i| &rest[i + 1..]);
    let (code, text_part) = match after.strip_prefix(b"[") {
        // RFC 9051 §7.1: resp-text-code; its values are read up to the closing bracket.
        Some(inner) => {
            let close = inner.iter().position(|b| *b == b']').ok_or(ResponseError::Syntax("unclosed code"))?;
            let mut lexer = Lexer { input: &inner[..close], pos: 0, limits };
            let code = lexer.values(0, false)?;
            let tail = &inner[close + 1..];
            (code, tail.strip_prefix(b" ").unwrap_or(tail))
        }
        None => (Vec::new(), after),
    };
    Ok(ServerResponse::Status { tag, condition, code, text: text(text_part) })
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

struct Lexer<'a> {
    input: &'a [u8],
    pos: usize,
    limits: &'a ClientLimits,
}

impl Lexer<'_> {
    /// Values up to the end (or, inside a list, up to its `)`, which is consumed).
    fn values(&mut self, depth: usize, in_list: bool) -> Result<Vec<Value>, ResponseError> {
        if depth > self.limits.max_depth {
            return Err(ResponseError::TooDeep(self.limits.max_depth));
        }
        let mut out = Vec::new();
        loop {
            while self.peek() == Some(b' ') {
                self.pos += 1;
            }
            match self.peek() {
                None if in_list => return Err(ResponseError::Syntax("unclosed list")),
                None => return Ok(out),
                Some(b')') if in_list => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b')') => return Err(ResponseError::Syntax("unbalanced )")),
                Some(b'(') => {
                    self.pos += 1;
                    out.push(Value::List(self.values(depth + 1, true)?));
                }
                Some(b'"') => out.push(Value::String(self.quoted()?)),
                Some(b'{') => out.push(Value::String(self.literal()?)),
                Some(_) => out.push(self.atom()?),
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    /// RFC 9051 §4.3 quoted: `\"` and `\\` are the only escapes.
    fn quoted(&mut self) -> Result<Vec<u8>, ResponseError> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None | Some(b'\r') | Some(b'\n') => return Err(ResponseError::Syntax("unclosed quoted string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    let escaped = self.input.get(self.pos + 1).copied().ok_or(ResponseError::Syntax("escape"))?;
                    out.push(escaped);
                    self.pos += 2;
                }
                Some(b) => {
                    out.push(b);
                    self.pos += 1;
                }
            }
        }
    }

    /// `{n}` CRLF and n octets (RFC 9051 §4.3).
    fn literal(&mut self) -> Result<Vec<u8>, ResponseError> {
        let rest = &self.input[self.pos..];
        let eol = rest.windows(2).position(|w| w == b"\r\n").ok_or(ResponseError::Syntax("literal without CRLF"))?;
        let size = literal_size(&rest[..eol])?.ok_or(ResponseError::Syntax("bad literal"))?;
        if size > self.limits.max_literal {
            return Err(ResponseError::LiteralTooBig { size, limit: self.limits.max_literal });
        }
        let start = self.pos + eol + 2;
        let end = usize::try_from(size)
            .ok()
            .and_then(|s| start.checked_add(s))
            .filter(|e| *e <= self.input.len())
            .ok_or(ResponseError::Syntax("literal shorter than announced"))?;
        self.pos = end;
        Ok(self.input[start..end].to_vec())
    }

    /// An atom, number or flag; a `[` takes everything to its `]` (`BODY[HEADER.FIELDS (A)]`).
    fn atom(&mut self) -> Result<Value, ResponseError> {
        let start = self.pos;
        while let Some(b) = self.peek() {
            match b {
                b' ' | b'(' | b')' | b'\r' | b'\n' | b'"' | b'{' => break,
                b'[' => {
                    let close = self.input[self.pos..]
                        .iter()
                        .position(|c| *c == b']')
                        .ok_or(ResponseError::Syntax("unclosed ["))?;
                    self.pos += close + 1;
                }
                _ => self.pos += 1,
            }
        }
        if self.pos == start {
            return Err(ResponseError::Syntax("unexpected character"));
        }
        let atom = text(&self.input[start..self.pos]);
        Ok(if atom.eq_ignore_ascii_case("NIL") { Value::Nil } else { Value::Atom(atom) })
    }
}

/// An INTERNALDATE (`"17-Jul-1996 02:44:25 -0700"`, RFC 9051 §9 `date-time`; the day may be
/// space-padded) as Unix seconds.
pub fn internal_date(s: &str) -> Option<i64> {
    crate::DateTime::parse(s.as_bytes()).map(|d| d.unix_seconds())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn atom(s: &str) -> Value {
        Value::Atom(s.into())
    }

    fn string(s: &str) -> Value {
        Value::String(s.as_bytes().to_vec())
    }

    #[test]
    fn frames() {
        let l = ClientLimits::default();
        let table: &[(&[u8], Option<usize>)] = &[
            (b"* OK ready\r\n", Some(12)),
            (b"* OK ready\r\nA1 OK\r\n", Some(12)),
            (b"* OK rea", None),
            (b"* 1 FETCH (BODY[] {3}\r\nab", None),
            (b"* 1 FETCH (BODY[] {3}\r\nabc)\r\n", Some(29)),
            (b"* 1 FETCH (BODY[] {3}\r\nabc FLAGS {0}\r\n)\r\nX", Some(41)),
            (b"* LIST () \"/\" {0+}\r\n\r\n", Some(22)),
        ];
        for (input, expected) in table {
            assert_eq!(frame(input, &l).unwrap(), *expected, "{}", String::from_utf8_lossy(input));
        }
        let small = ClientLimits { max_line: 8, max_literal: 4, max_depth: 2 };
        assert_eq!(frame(b"* OK too long", &small), Err(ResponseError::LineTooLong(8)));
        assert!(matches!(frame(b"* {5}\r\n", &small), Err(ResponseError::LiteralTooBig { size: 5, .. })));
        let huge = b"* {99999999999999999999}\r\n";
        assert!(frame(huge, &l).is_ok(), "not a literal (too many digits): a plain line");
    }

    #[test]
    fn parses() {
        let l = ClientLimits::default();
        let table: Vec<(&[u8], ServerResponse)> = vec![
            (b"+ go ahead\r\n", ServerResponse::Continue("go ahead".into())),
            (b"+\r\n", ServerResponse::Continue(String::new())),
            (
                b"* OK [UIDVALIDITY 3857529045] UIDs valid\r\n",
                ServerResponse::Status {
                    tag: None,
                    condition: Condition::Ok,
                    code: vec![atom("UIDVALIDITY"), atom("3857529045")],
                    text: "UIDs valid".into(),
                },
            ),
            (
                b"A1 no [AUTHENTICATIONFAILED] it's (wrong\r\n",
                ServerResponse::Status {
                    tag: Some("A1".into()),
                    condition: Condition::No,
                    code: vec![atom("AUTHENTICATIONFAILED")],
                    text: "it's (wrong".into(),
                },
            ),
            (
                b"* OK [PERMANENTFLAGS (\\Seen \\*)] Limited\r\n",
                ServerResponse::Status {
                    tag: None,
                    condition: Condition::Ok,
                    code: vec![atom("PERMANENTFLAGS"), Value::List(vec![atom("\\Seen"), atom("\\*")])],
                    text: "Limited".into(),
                },
            ),
            (
                b"* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent \\\"x\\\"\"\r\n",
                ServerResponse::Data(vec![
                    atom("LIST"),
                    Value::List(vec![atom("\\HasNoChildren"), atom("\\Sent")]),
                    string("/"),
                    string("Sent \"x\""),
                ]),
            ),
            (
                b"* LIST () NIL {5}\r\nIN\r\nX\r\n",
                ServerResponse::Data(vec![atom("LIST"), Value::List(vec![]), Value::Nil, string("IN\r\nX")]),
            ),
            (
                b"* 2 FETCH (UID 7 FLAGS (\\Seen $Label1) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" \
                  RFC822.SIZE 3 BODY[] {3}\r\nabc)\r\n",
                ServerResponse::Data(vec![
                    atom("2"),
                    atom("FETCH"),
                    Value::List(vec![
                        atom("UID"),
                        atom("7"),
                        atom("FLAGS"),
                        Value::List(vec![atom("\\Seen"), atom("$Label1")]),
                        atom("INTERNALDATE"),
                        string("17-Jul-1996 02:44:25 -0700"),
                        atom("RFC822.SIZE"),
                        atom("3"),
                        atom("BODY[]"),
                        string("abc"),
                    ]),
                ]),
            ),
            (b"* SEARCH 1 5 9\r\n", ServerResponse::Data(vec![atom("SEARCH"), atom("1"), atom("5"), atom("9")])),
            (b"* SEARCH\r\n", ServerResponse::Data(vec![atom("SEARCH")])),
        ];
        for (input, expected) in table {
            assert_eq!(parse(input, &l).unwrap(), expected, "{}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn internal_dates() {
        let table: &[(&str, Option<i64>)] = &[
            ("17-Jul-1996 02:44:25 -0700", Some(837_596_665)),
            (" 1-Feb-2020 10:00:00 +0000", Some(1_580_551_200)),
            ("01-Feb-2020 10:00:00 +0130", Some(1_580_545_800)),
            ("31-Feb-2020 10:00:00 +0000", None),
            ("01-Foo-2020 10:00:00 +0000", None),
            ("01-Feb-2020 10:00:00 0000", None),
            ("01-Feb-2020 25:00:00 +0000", None),
            ("", None),
        ];
        for (input, expected) in table {
            assert_eq!(internal_date(input), *expected, "{input}");
        }
    }

    #[test]
    fn refuses() {
        let l = ClientLimits { max_depth: 3, ..ClientLimits::default() };
        let table: &[&[u8]] = &[
            b"* LIST (\\Noselect \"/\" x\r\n",
            b"* 1 FETCH (BODY[] {9}\r\nabc)\r\n",
            b"* x \"unclosed\r\n",
            b"A1 FETCH done\r\n",
            b"* ((((((x))))))\r\n",
            b"* x)\r\n",
            b"* OK [UNCLOSED text\r\n",
            b"no crlf",
            b"*\r\n",
            b"* 1 FETCH (BODY[ x\r\n",
        ];
        for input in table {
            assert!(parse(input, &l).is_err(), "{}", String::from_utf8_lossy(input));
        }
        assert_eq!(Value::Atom("42".into()).as_number(), Some(42));
        assert_eq!(Value::Atom("4x".into()).as_number(), None);
    }
}
