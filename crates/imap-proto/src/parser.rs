//! The lexical layer of RFC 9051 §9 over one whole command as the [`Receiver`] assembles it:
//! the command's lines without their CRLF, each literal's octets right after its `{n}` (the CRLF
//! that follows an announcement is dropped too). Every command file builds on these functions.
//!
//! [`Receiver`]: crate::Receiver

use std::borrow::Cow;

use crate::Dialect;
use crate::date::{Date, DateTime};
use crate::error::ErrorKind;
use crate::flag::Flag;
use crate::mailbox::MailboxName;
use crate::sequence::SequenceSet;
use crate::tag::{is_astring_char, is_atom_char, is_list_char};
use crate::utf7::decode_mutf7;

/// Nesting allowed in a search program and other recursive arguments: deep enough for any real
/// client, shallow enough that recursion and dropping the tree stay far from the stack's end.
pub(crate) const MAX_DEPTH: usize = 64;

pub(crate) type Result<T> = std::result::Result<T, ErrorKind>;

pub(crate) struct Parser<'a> {
    buf: &'a [u8],
    pos: usize,
    pub(crate) dialect: Dialect,
    pub(crate) depth: usize,
}

impl<'a> Parser<'a> {
    pub(crate) fn new(buf: &'a [u8], dialect: Dialect) -> Parser<'a> {
        Parser { buf, pos: 0, dialect, depth: 0 }
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<u8> {
        self.buf.get(self.pos + offset).copied()
    }

    /// True if the input continues with `s`, ASCII case-insensitively; consumes nothing.
    pub(crate) fn looking_at(&self, s: &[u8]) -> bool {
        self.buf.get(self.pos..self.pos + s.len()).is_some_and(|b| b.eq_ignore_ascii_case(s))
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }

    pub(crate) fn eat(&mut self, b: u8) -> bool {
        let found = self.peek() == Some(b);
        if found {
            self.pos += 1;
        }
        found
    }

    pub(crate) fn expect(&mut self, b: u8, msg: &'static str) -> Result<()> {
        if self.eat(b) { Ok(()) } else { Err(ErrorKind::syntax(msg)) }
    }

    pub(crate) fn sp(&mut self) -> Result<()> {
        self.expect(b' ', "expected a space")
    }

    /// Nothing may follow the command's last argument.
    pub(crate) fn end(&self) -> Result<()> {
        if self.at_end() { Ok(()) } else { Err(ErrorKind::syntax("unexpected characters at the end of the command")) }
    }

    /// Consumes and returns bytes while `pred` holds.
    pub(crate) fn take_while(&mut self, pred: impl Fn(u8) -> bool) -> &'a [u8] {
        let start = self.pos;
        while self.peek().is_some_and(&pred) {
            self.pos += 1;
        }
        self.buf.get(start..self.pos).unwrap_or_default()
    }

    /// RFC 9051 §9 `atom = 1*ATOM-CHAR`.
    pub(crate) fn atom(&mut self) -> Result<&'a str> {
        let atom = self.take_while(is_atom_char);
        if atom.is_empty() {
            return Err(self.unexpected("expected an atom"));
        }
        std::str::from_utf8(atom).map_err(|_| ErrorKind::InvalidUtf8)
    }

    /// An atom, upper-cased: command names, keywords, options.
    pub(crate) fn keyword(&mut self) -> Result<String> {
        Ok(self.atom()?.to_ascii_uppercase())
    }

    /// Consumes `word` (case-insensitively) if it comes next as a whole atom.
    pub(crate) fn eat_keyword(&mut self, word: &str) -> bool {
        let end = self.pos + word.len();
        let matches = self.buf.get(self.pos..end).is_some_and(|b| b.eq_ignore_ascii_case(word.as_bytes()))
            && !self.buf.get(end).is_some_and(|&b| is_atom_char(b));
        if matches {
            self.pos = end;
        }
        matches
    }

    /// The error for something unexpected here, naming 8-bit text when that is what was found.
    pub(crate) fn unexpected(&self, msg: &'static str) -> ErrorKind {
        match self.peek() {
            Some(b) if b >= 0x80 => ErrorKind::syntax("8-bit characters must be in a quoted string or a literal"),
            None => ErrorKind::Syntax(Cow::Owned(format!("{msg}, found the end of the command"))),
            Some(_) => ErrorKind::syntax(msg),
        }
    }

    /// RFC 9051 §9 `number64`: up to 2^63 − 1 (`number` and `nz-number` narrow it).
    pub(crate) fn number64(&mut self) -> Result<u64> {
        let digits = self.take_while(|b| b.is_ascii_digit());
        if digits.is_empty() {
            return Err(self.unexpected("expected a number"));
        }
        if digits.len() > 19 {
            return Err(ErrorKind::syntax("number too large"));
        }
        let n = digits.iter().fold(0u64, |n, &d| n * 10 + u64::from(d - b'0'));
        if n > i64::MAX as u64 { Err(ErrorKind::syntax("number too large")) } else { Ok(n) }
    }

    /// RFC 9051 §9 `number`: 0 to 4294967295.
    pub(crate) fn number(&mut self) -> Result<u32> {
        u32::try_from(self.number64()?).map_err(|_| ErrorKind::syntax("number too large"))
    }

    /// RFC 9051 §9 `nz-number`.
    pub(crate) fn nz_number(&mut self) -> Result<u32> {
        match self.number()? {
            0 => Err(ErrorKind::syntax("expected a non-zero number")),
            n => Ok(n),
        }
    }

    /// RFC 7162 §7 `mod-sequence-value`: 1 to 2^63 − 1.
    pub(crate) fn modseq(&mut self) -> Result<u64> {
        match self.number64()? {
            0 => Err(ErrorKind::syntax("expected a non-zero mod-sequence")),
            n => Ok(n),
        }
    }

    /// RFC 9051 §9 `astring = 1*ASTRING-CHAR / string`.
    pub(crate) fn astring(&mut self) -> Result<Cow<'a, [u8]>> {
        match self.peek() {
            Some(b'"' | b'{') => self.string(),
            _ => {
                let atom = self.take_while(is_astring_char);
                if atom.is_empty() { Err(self.unexpected("expected a string")) } else { Ok(Cow::Borrowed(atom)) }
            }
        }
    }

    /// RFC 9051 §9 `string = quoted / literal`.
    pub(crate) fn string(&mut self) -> Result<Cow<'a, [u8]>> {
        match self.peek() {
            Some(b'"') => self.quoted(),
            Some(b'{') => Ok(Cow::Borrowed(self.literal()?.0)),
            _ => Err(self.unexpected("expected a quoted string or a literal")),
        }
    }

    /// RFC 9051 §9 `nstring = string / nil`.
    pub(crate) fn nstring(&mut self) -> Result<Option<Cow<'a, [u8]>>> {
        if self.eat_keyword("NIL") { Ok(None) } else { self.string().map(Some) }
    }

    /// RFC 9051 §9 `quoted`: only `\"` and `\\` are escapes; 8-bit text is UTF-8 and allowed once
    /// the session enabled it (RFC 9051 `quoted-char` UTF8-2/3/4, RFC 6855 §3).
    pub(crate) fn quoted(&mut self) -> Result<Cow<'a, [u8]>> {
        self.expect(b'"', "expected a quoted string")?;
        let start = self.pos;
        let mut owned: Option<Vec<u8>> = None;
        loop {
            let b = self.peek().ok_or(ErrorKind::syntax("unterminated quoted string"))?;
            self.pos += 1;
            match b {
                b'"' => break,
                b'\\' => {
                    let escaped = self.peek().filter(|&e| e == b'"' || e == b'\\');
                    let e = escaped.ok_or(ErrorKind::syntax("only \\\" and \\\\ may be escaped in a quoted string"))?;
                    self.pos += 1;
                    let v = owned.get_or_insert_with(|| self.buf.get(start..self.pos - 2).unwrap_or_default().to_vec());
                    v.push(e);
                }
                0 | b'\r' | b'\n' => return Err(ErrorKind::syntax("control character in a quoted string")),
                _ if b >= 0x80 && !self.dialect.utf8 => return Err(ErrorKind::Utf8NotEnabled),
                _ => {
                    if let Some(v) = owned.as_mut() {
                        v.push(b);
                    }
                }
            }
        }
        let value = match owned {
            Some(v) => Cow::Owned(v),
            None => Cow::Borrowed(self.buf.get(start..self.pos - 1).unwrap_or_default()),
        };
        if !value.is_ascii() && std::str::from_utf8(&value).is_err() {
            return Err(ErrorKind::InvalidUtf8);
        }
        Ok(value)
    }

    /// RFC 9051 §9 `literal`, and `literal8` (RFC 3516 §4.1, `~{n}`) where the caller allows it.
    /// Returns the octets and whether it was a literal8.
    pub(crate) fn literal_or_literal8(&mut self, allow8: bool) -> Result<(&'a [u8], bool)> {
        let binary = allow8 && self.eat(b'~');
        self.expect(b'{', "expected a literal")?;
        let size = self.number64()?;
        self.eat(b'+');
        self.expect(b'}', "expected } after the literal's size")?;
        let size = usize::try_from(size).map_err(|_| ErrorKind::syntax("literal too large"))?;
        let end = self.pos.checked_add(size).filter(|&e| e <= self.buf.len());
        let end = end.ok_or(ErrorKind::syntax("literal shorter than announced"))?;
        let data = self.buf.get(self.pos..end).unwrap_or_default();
        self.pos = end;
        Ok((data, binary))
    }

    pub(crate) fn literal(&mut self) -> Result<(&'a [u8], bool)> {
        self.literal_or_literal8(false)
    }

    /// An `astring` as text: valid UTF-8 without NUL.
    pub(crate) fn astring_text(&mut self) -> Result<String> {
        let raw = self.astring()?;
        text(raw)
    }

    /// A `string` as text.
    pub(crate) fn string_text(&mut self) -> Result<String> {
        let raw = self.string()?;
        text(raw)
    }

    /// RFC 9051 §9 `mailbox = "INBOX" / astring`, decoded from modified UTF-7 when the session
    /// has not enabled UTF-8 (RFC 3501 §5.1.3). 8-bit names arrive only in literals before
    /// UTF-8 is enabled; they are taken as UTF-8, as Dovecot does.
    pub(crate) fn mailbox(&mut self) -> Result<MailboxName> {
        let raw = self.astring()?;
        match self.decode_name(raw) {
            Ok(name) => Ok(MailboxName::new(name)),
            Err(Undecodable::NotModifiedUtf7(raw)) => Ok(MailboxName::not_modified_utf7(raw)),
            Err(Undecodable::Bad(e)) => Err(e),
        }
    }

    /// RFC 9051 §9 `list-mailbox = 1*list-char / string`, decoded as a mailbox name is.
    pub(crate) fn list_mailbox(&mut self) -> Result<String> {
        let raw = match self.peek() {
            Some(b'"' | b'{') => self.string()?,
            _ => {
                let raw = self.take_while(is_list_char);
                if raw.is_empty() {
                    return Err(self.unexpected("expected a mailbox pattern"));
                }
                Cow::Borrowed(raw)
            }
        };
        match self.decode_name(raw) {
            Ok(pattern) => Ok(pattern),
            // RFC 3501 §6.3.8: a pattern naming no mailbox lists nothing. A control character
            // is in no mailbox name (they are refused), so this pattern matches none.
            Err(Undecodable::NotModifiedUtf7(_)) => Ok(NO_MAILBOX_PATTERN.to_owned()),
            Err(Undecodable::Bad(e)) => Err(e),
        }
    }

    fn decode_name(&self, raw: Cow<'_, [u8]>) -> std::result::Result<String, Undecodable> {
        let name = text(raw).map_err(Undecodable::Bad)?;
        if name.chars().any(char::is_control) {
            return Err(Undecodable::Bad(ErrorKind::InvalidMailboxName));
        }
        if self.dialect.utf8 || !name.is_ascii() {
            return Ok(name);
        }
        decode_mutf7(&name).ok_or(Undecodable::NotModifiedUtf7(name))
    }

    /// RFC 9051 §9 `sequence-set`, with RFC 5182's `$`.
    pub(crate) fn sequence_set(&mut self) -> Result<SequenceSet> {
        let raw = self.take_while(|b| b.is_ascii_digit() || matches!(b, b':' | b',' | b'*' | b'$'));
        if raw.is_empty() {
            return Err(self.unexpected("expected a sequence set"));
        }
        if self.peek().is_some_and(is_atom_char) {
            return Err(ErrorKind::InvalidSequenceSet);
        }
        SequenceSet::parse(raw)
    }

    /// RFC 9051 §9 `flag`: a system flag, `\` atom, or keyword.
    pub(crate) fn flag(&mut self) -> Result<Flag> {
        let start = self.pos;
        self.eat(b'\\');
        self.take_while(is_atom_char);
        let raw = self.buf.get(start..self.pos).unwrap_or_default();
        std::str::from_utf8(raw).ok().and_then(Flag::parse).ok_or_else(|| {
            self.pos = start;
            self.unexpected("expected a flag")
        })
    }

    /// RFC 9051 §9 `flag-list = "(" [flag *(SP flag)] ")"`.
    pub(crate) fn flag_list(&mut self) -> Result<Vec<Flag>> {
        self.paren_list(Parser::flag)
    }

    /// `"(" [item *(SP item)] ")"`.
    pub(crate) fn paren_list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Result<T>) -> Result<Vec<T>> {
        self.expect(b'(', "expected (")?;
        let mut items = Vec::new();
        if self.eat(b')') {
            return Ok(items);
        }
        loop {
            items.push(item(self)?);
            if self.eat(b')') {
                return Ok(items);
            }
            self.sp().map_err(|_| self.unexpected("expected a space or )"))?;
        }
    }

    /// `"(" item *(SP item) ")"`: at least one.
    pub(crate) fn paren_list1<T>(&mut self, item: impl FnMut(&mut Self) -> Result<T>) -> Result<Vec<T>> {
        let items = self.paren_list(item)?;
        if items.is_empty() { Err(ErrorKind::syntax("empty list")) } else { Ok(items) }
    }

    /// RFC 9051 §9 `date = date-text / DQUOTE date-text DQUOTE`.
    pub(crate) fn date(&mut self) -> Result<Date> {
        let quoted = self.eat(b'"');
        let raw = self.take_while(|b| b.is_ascii_alphanumeric() || b == b'-');
        if quoted {
            self.expect(b'"', "expected \" after the date")?;
        }
        Date::parse(raw).ok_or(ErrorKind::syntax("expected a date like 1-Feb-2024"))
    }

    /// RFC 9051 §9 `date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP
    /// zone DQUOTE`.
    pub(crate) fn date_time(&mut self) -> Result<DateTime> {
        self.expect(b'"', "expected a date-time")?;
        let raw = self.take_while(|b| b != b'"');
        self.expect(b'"', "unterminated date-time")?;
        DateTime::parse(raw).ok_or(ErrorKind::syntax("expected a date-time like \"01-Feb-2024 10:00:00 +0100\""))
    }

    /// Enters one level of nesting, refusing past [`MAX_DEPTH`].
    pub(crate) fn descend(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH { Err(ErrorKind::TooDeep) } else { Ok(()) }
    }

    pub(crate) fn ascend(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// True if the next byte starts a literal8 (`~{`).
    pub(crate) fn at_literal8(&self) -> bool {
        self.peek() == Some(b'~') && self.peek_at(1) == Some(b'{')
    }
}

/// Octets as text: valid UTF-8 and no NUL (RFC 9051 §9 `CHAR8` excludes it).
pub(crate) fn text(raw: Cow<'_, [u8]>) -> Result<String> {
    if raw.contains(&0) {
        return Err(ErrorKind::syntax("NUL in a string"));
    }
    String::from_utf8(raw.into_owned()).map_err(|_| ErrorKind::InvalidUtf8)
}

/// Why a mailbox name or pattern did not decode: a malformed command (BAD), or a well-formed
/// string that is not modified UTF-7 (RFC 3501 §5.1.3), which names no mailbox (NO).
enum Undecodable {
    Bad(ErrorKind),
    NotModifiedUtf7(String),
}

/// The LIST pattern of a string that is not modified UTF-7: it matches no mailbox name, since
/// none holds a control character.
pub const NO_MAILBOX_PATTERN: &str = "\u{0}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings() {
        let mut p = Parser::new(b"atom \"q\\\"x\\\\\" {3}a\"b NIL \"\"", Dialect::default());
        assert_eq!(&*p.astring().unwrap(), b"atom");
        p.sp().unwrap();
        assert_eq!(&*p.astring().unwrap(), b"q\"x\\");
        p.sp().unwrap();
        assert_eq!(&*p.astring().unwrap(), b"a\"b");
        p.sp().unwrap();
        assert_eq!(p.nstring().unwrap(), None);
        p.sp().unwrap();
        assert_eq!(&*p.string().unwrap(), b"");
        p.end().unwrap();
        let mut p = Parser::new(b"{10}abc", Dialect::default());
        assert!(p.string().is_err());
        let mut p = Parser::new("\"é\"".as_bytes(), Dialect::default());
        assert_eq!(p.quoted(), Err(ErrorKind::Utf8NotEnabled));
        let mut p = Parser::new("\"é\"".as_bytes(), Dialect::UTF8);
        assert_eq!(&*p.quoted().unwrap(), "é".as_bytes());
        let mut p = Parser::new(b"\"\xff\"", Dialect::UTF8);
        assert_eq!(p.quoted(), Err(ErrorKind::InvalidUtf8));
        let mut p = Parser::new(b"\"a\\n\"", Dialect::UTF8);
        assert!(p.quoted().is_err());
    }

    #[test]
    fn numbers() {
        let mut p = Parser::new(b"9223372036854775807", Dialect::default());
        assert_eq!(p.number64(), Ok(i64::MAX as u64));
        let mut p = Parser::new(b"9223372036854775808", Dialect::default());
        assert!(p.number64().is_err());
        let mut p = Parser::new(b"4294967296", Dialect::default());
        assert!(p.number().is_err());
        let mut p = Parser::new(b"0", Dialect::default());
        assert!(p.nz_number().is_err());
    }
}
