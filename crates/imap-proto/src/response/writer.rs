//! Writing the lexical pieces of responses (RFC 9051 §4): the one place that decides between
//! atom, quoted string and literal, and between modified UTF-7 and UTF-8 mailbox names.

use std::io::Write;

use crate::Dialect;
use crate::date::DateTime;
use crate::flag::Flag;
use crate::mailbox::MailboxName;
use crate::sequence::SequenceSet;
use crate::tag::{is_astring_char, is_atom_char};
use crate::utf7::encode_mutf7;

/// Appends response syntax to a buffer. Public so that a server can stream a large response
/// (a FETCH of many messages) piece by piece; [`Response::encode`](crate::Response::encode)
/// covers everything else.
pub struct Writer<'o> {
    out: &'o mut Vec<u8>,
    dialect: Dialect,
}

impl<'o> Writer<'o> {
    pub fn new(out: &'o mut Vec<u8>, dialect: Dialect) -> Writer<'o> {
        Writer { out, dialect }
    }

    /// Octets as they are; the caller vouches for their syntax.
    pub fn raw(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    pub fn sp(&mut self) {
        self.out.push(b' ');
    }

    pub fn crlf(&mut self) {
        self.out.extend_from_slice(b"\r\n");
    }

    pub fn number(&mut self, n: u64) {
        // Writing to a Vec cannot fail.
        let _ = write!(self.out, "{n}");
    }

    /// An atom (capability, keyword, object id); a value that is not one is written as a
    /// string rather than break the syntax.
    pub fn atom(&mut self, s: &str) {
        if !s.is_empty() && s.bytes().all(is_atom_char) {
            self.raw(s.as_bytes());
        } else {
            self.string(s.as_bytes());
        }
    }

    /// RFC 9051 §9 `astring`: an atom when it can be (never `NIL`, which would read as nil),
    /// else a string.
    pub fn astring(&mut self, s: &[u8]) {
        if !s.is_empty() && s.iter().all(|&b| is_astring_char(b)) && !s.eq_ignore_ascii_case(b"NIL") {
            self.raw(s);
        } else {
            self.string(s);
        }
    }

    /// RFC 9051 §9 `string`: quoted when every octet may be quoted (no NUL, CR or LF; 8-bit
    /// only as UTF-8 once the session enabled it, RFC 6855 §3), a literal otherwise.
    pub fn string(&mut self, s: &[u8]) {
        let quotable = !s.iter().any(|&b| matches!(b, 0 | b'\r' | b'\n'))
            && (s.is_ascii() || (self.dialect.utf8 && std::str::from_utf8(s).is_ok()));
        if quotable {
            self.out.push(b'"');
            for &b in s {
                if b == b'"' || b == b'\\' {
                    self.out.push(b'\\');
                }
                self.out.push(b);
            }
            self.out.push(b'"');
        } else {
            self.literal(s);
        }
    }

    /// RFC 9051 §9 `nstring`.
    pub fn nstring(&mut self, s: Option<&[u8]>) {
        match s {
            Some(s) => self.string(s),
            None => self.raw(b"NIL"),
        }
    }

    pub fn nstring_text(&mut self, s: Option<&str>) {
        self.nstring(s.map(str::as_bytes));
    }

    /// `{n}` CRLF and the octets (servers never send `{n+}`, RFC 7888 §3). CHAR8 excludes NUL
    /// (RFC 9051 §9): a NUL (a message APPENDed with one in a plain literal) goes out as 0x80,
    /// the size unchanged, as Dovecot sends it; BINARY keeps the octets (`binary`).
    pub fn literal(&mut self, data: &[u8]) {
        self.literal_head(data.len());
        if data.contains(&0) {
            self.out.extend(data.iter().map(|b| if *b == 0 { 0x80 } else { *b }));
        } else {
            self.out.extend_from_slice(data);
        }
    }

    fn literal_head(&mut self, len: usize) {
        self.out.push(b'{');
        self.number(len as u64);
        self.out.extend_from_slice(b"}\r\n");
    }

    /// BINARY content: a literal8 `~{n}` when it holds NUL, else a literal (RFC 3516 §4.2).
    pub fn binary(&mut self, data: &[u8]) {
        if data.contains(&0) {
            self.out.push(b'~');
        }
        self.literal_head(data.len());
        self.out.extend_from_slice(data);
    }

    /// RFC 9051 §9 `mailbox`: modified UTF-7 unless the session enabled UTF-8.
    pub fn mailbox(&mut self, name: &MailboxName) {
        let wire = self.mailbox_wire(name);
        self.astring(wire.as_bytes());
    }

    /// A mailbox name where the grammar wants a `string` (NAMESPACE prefixes).
    pub fn mailbox_string(&mut self, name: &MailboxName) {
        let wire = self.mailbox_wire(name);
        self.string(wire.as_bytes());
    }

    fn mailbox_wire(&self, name: &MailboxName) -> String {
        if self.dialect.utf8 { name.as_str().to_owned() } else { encode_mutf7(name.as_str()) }
    }

    /// `DQUOTE QUOTED-CHAR DQUOTE`: a hierarchy delimiter.
    pub fn quoted_char(&mut self, c: char) {
        self.out.push(b'"');
        if c == '"' || c == '\\' {
            self.out.push(b'\\');
        }
        let mut buf = [0u8; 4];
        self.out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        self.out.push(b'"');
    }

    /// `(\Seen $Forwarded)`.
    pub fn flags(&mut self, flags: &[Flag]) {
        self.out.push(b'(');
        for (i, f) in flags.iter().enumerate() {
            if i > 0 {
                self.sp();
            }
            let _ = write!(self.out, "{f}");
        }
        self.out.push(b')');
    }

    pub fn sequence_set(&mut self, set: &SequenceSet) {
        let _ = write!(self.out, "{set}");
    }

    /// `"17-Jul-1996 02:44:25 -0700"`.
    pub fn date_time(&mut self, t: &DateTime) {
        let _ = write!(self.out, "\"{t}\"");
    }

    /// Human-readable text (RFC 9051 §9 `text`): no CR or LF, and 7-bit unless UTF-8 is on.
    pub fn text(&mut self, text: &str) {
        for c in text.chars() {
            match c {
                c if c.is_control() => self.out.push(b' '),
                c if c.is_ascii() || self.dialect.utf8 => {
                    let mut buf = [0u8; 4];
                    self.out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                _ => self.out.push(b'?'),
            }
        }
    }
}
