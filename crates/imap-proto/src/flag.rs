//! Message flags (RFC 9051 §2.3.2) and mailbox attributes (RFC 9051 §7.3.1, RFC 6154 §2,
//! RFC 5258 §3.4).

use std::fmt;

use crate::tag::is_atom_char;

/// A message flag. System flags compare case-insensitively on the wire and are normalised here;
/// keywords keep the client's spelling (compare them with `eq_ignore_ascii_case`, as servers do).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Flag {
    Seen,
    Answered,
    Flagged,
    Deleted,
    Draft,
    /// `\Recent`: IMAP4rev1 only (RFC 3501 §2.3.2), gone from IMAP4rev2. Clients cannot set it:
    /// a STORE or APPEND naming it is the session's to refuse.
    Recent,
    /// A keyword (`$Forwarded`, `$MDNSent`, `NonJunk`, …), without anything added.
    Keyword(String),
    /// An unknown `\`-flag (RFC 9051 §9 `flag-extension`), the name without its backslash.
    Extension(String),
}

impl Flag {
    /// Reads `\Seen`, `\Recent`, `$Forwarded`, …; `None` for a string that is neither
    /// `"\" atom` nor an atom.
    pub fn parse(s: &str) -> Option<Flag> {
        if let Some(name) = s.strip_prefix('\\') {
            if name.is_empty() || !name.bytes().all(is_atom_char) {
                return None;
            }
            return Some(match name.to_ascii_lowercase().as_str() {
                "seen" => Flag::Seen,
                "answered" => Flag::Answered,
                "flagged" => Flag::Flagged,
                "deleted" => Flag::Deleted,
                "draft" => Flag::Draft,
                "recent" => Flag::Recent,
                _ => Flag::Extension(name.to_owned()),
            });
        }
        (!s.is_empty() && s.bytes().all(is_atom_char)).then(|| Flag::Keyword(s.to_owned()))
    }

    /// True for the flags of RFC 9051 §2.3.2 that start with `\`.
    pub fn is_system(&self) -> bool {
        !matches!(self, Flag::Keyword(_))
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Flag::Seen => f.write_str("\\Seen"),
            Flag::Answered => f.write_str("\\Answered"),
            Flag::Flagged => f.write_str("\\Flagged"),
            Flag::Deleted => f.write_str("\\Deleted"),
            Flag::Draft => f.write_str("\\Draft"),
            Flag::Recent => f.write_str("\\Recent"),
            Flag::Keyword(k) => f.write_str(k),
            Flag::Extension(e) => write!(f, "\\{e}"),
        }
    }
}

/// A mailbox attribute of a LIST response, or a special use of CREATE … (USE (…)).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MailboxAttribute {
    // RFC 9051 §7.3.1
    NoInferiors,
    NoSelect,
    NonExistent,
    Marked,
    Unmarked,
    Subscribed,
    Remote,
    HasChildren,
    HasNoChildren,
    // RFC 6154 §2 (special use)
    All,
    Archive,
    Drafts,
    Flagged,
    Junk,
    Sent,
    Trash,
    /// RFC 8457 §3.
    Important,
    /// Any other `\`-attribute, the name without its backslash.
    Other(String),
}

impl MailboxAttribute {
    const NAMES: [(&'static str, MailboxAttribute); 17] = [
        ("Noinferiors", MailboxAttribute::NoInferiors),
        ("Noselect", MailboxAttribute::NoSelect),
        ("NonExistent", MailboxAttribute::NonExistent),
        ("Marked", MailboxAttribute::Marked),
        ("Unmarked", MailboxAttribute::Unmarked),
        ("Subscribed", MailboxAttribute::Subscribed),
        ("Remote", MailboxAttribute::Remote),
        ("HasChildren", MailboxAttribute::HasChildren),
        ("HasNoChildren", MailboxAttribute::HasNoChildren),
        ("All", MailboxAttribute::All),
        ("Archive", MailboxAttribute::Archive),
        ("Drafts", MailboxAttribute::Drafts),
        ("Flagged", MailboxAttribute::Flagged),
        ("Junk", MailboxAttribute::Junk),
        ("Sent", MailboxAttribute::Sent),
        ("Trash", MailboxAttribute::Trash),
        ("Important", MailboxAttribute::Important),
    ];

    /// Reads `\Drafts` and the like, case-insensitively; `None` without the backslash.
    pub fn parse(s: &str) -> Option<MailboxAttribute> {
        let name = s.strip_prefix('\\')?;
        if name.is_empty() || !name.bytes().all(is_atom_char) {
            return None;
        }
        let known = Self::NAMES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name));
        Some(known.map_or_else(|| MailboxAttribute::Other(name.to_owned()), |(_, a)| a.clone()))
    }

    /// True for the RFC 6154 special-use attributes (and RFC 8457 `\Important`).
    pub fn is_special_use(&self) -> bool {
        use MailboxAttribute::*;
        matches!(self, All | Archive | Drafts | Flagged | Junk | Sent | Trash | Important)
    }

    fn name(&self) -> &str {
        match self {
            MailboxAttribute::Other(name) => name,
            known => Self::NAMES.iter().find(|(_, a)| a == known).map_or("", |(n, _)| n),
        }
    }
}

impl fmt::Display for MailboxAttribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\\{}", self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags() {
        assert_eq!(Flag::parse("\\SEEN"), Some(Flag::Seen));
        assert_eq!(Flag::parse("\\Recent"), Some(Flag::Recent));
        assert_eq!(Flag::parse("$Forwarded"), Some(Flag::Keyword("$Forwarded".into())));
        assert_eq!(Flag::parse("\\X-Foo"), Some(Flag::Extension("X-Foo".into())));
        assert_eq!(Flag::parse("\\"), None);
        assert_eq!(Flag::parse("a b"), None);
        assert_eq!(Flag::parse("\\*"), None);
        assert_eq!(Flag::Extension("X".into()).to_string(), "\\X");
    }

    #[test]
    fn attributes() {
        assert_eq!(MailboxAttribute::parse("\\drafts"), Some(MailboxAttribute::Drafts));
        assert_eq!(MailboxAttribute::parse("\\HasNoChildren").unwrap().to_string(), "\\HasNoChildren");
        assert_eq!(MailboxAttribute::parse("\\Foo"), Some(MailboxAttribute::Other("Foo".into())));
        assert_eq!(MailboxAttribute::parse("Drafts"), None);
        assert!(MailboxAttribute::Trash.is_special_use() && !MailboxAttribute::Marked.is_special_use());
    }
}
