//! Command tags and the character classes of RFC 9051 §9 that the parser and the encoder share.

use std::fmt;

/// A command tag: `tag = 1*<any ASTRING-CHAR except "+">` (RFC 9051 §9).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(String);

impl Tag {
    /// The tag, or `None` when `s` is not a valid tag.
    pub fn new(s: impl Into<String>) -> Option<Tag> {
        let s = s.into();
        (!s.is_empty() && s.bytes().all(is_tag_char)).then_some(Tag(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// RFC 9051 §9 `ATOM-CHAR`: any 7-bit CHAR except `atom-specials`
/// (`(`, `)`, `{`, SP, CTL, `%`, `*`, `"`, `\`, `]`).
pub(crate) fn is_atom_char(b: u8) -> bool {
    matches!(b, 0x21..=0x7e) && !matches!(b, b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\' | b']')
}

/// RFC 9051 §9 `ASTRING-CHAR = ATOM-CHAR / resp-specials`.
pub(crate) fn is_astring_char(b: u8) -> bool {
    is_atom_char(b) || b == b']'
}

/// RFC 9051 §9 `tag`.
pub(crate) fn is_tag_char(b: u8) -> bool {
    is_astring_char(b) && b != b'+'
}

/// RFC 9051 §9 `list-char = ATOM-CHAR / list-wildcards / resp-specials`.
pub(crate) fn is_list_char(b: u8) -> bool {
    is_astring_char(b) || b == b'%' || b == b'*'
}

/// The tag at the start of a command line, if it is one: lets an error be answered `TAG BAD`.
pub(crate) fn peek_tag(line: &[u8]) -> Option<Tag> {
    let end = line.iter().position(|&b| !is_tag_char(b)).unwrap_or(line.len());
    if end == 0 || line.get(end).is_some_and(|&b| b != b' ') {
        return None;
    }
    let tag = std::str::from_utf8(line.get(..end)?).ok()?;
    Tag::new(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        assert!(Tag::new("A001").is_some());
        assert!(Tag::new("a]b").is_some());
        assert!(Tag::new("").is_none());
        assert!(Tag::new("+").is_none());
        assert!(Tag::new("*").is_none());
        assert!(Tag::new("a b").is_none());
        assert_eq!(peek_tag(b"A1 NOOP").map(|t| t.0), Some("A1".into()));
        assert_eq!(peek_tag(b"A1"), Tag::new("A1"));
        assert_eq!(peek_tag(b"A(1 NOOP"), None);
        assert_eq!(peek_tag(b"* NOOP"), None);
    }
}
