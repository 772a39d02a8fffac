//! Mailbox names (RFC 9051 §5.1): UTF-8 in the API, with INBOX case-insensitive, and LIST
//! pattern matching (RFC 9051 §6.3.9).

use std::fmt;

/// A mailbox name as UTF-8. `inbox`, `Inbox`, … are all stored as `INBOX` (RFC 9051 §5.1: the
/// name INBOX is case-insensitive); every other name is kept as given, case included.
///
/// A name sent in modified UTF-7 that does not decode (RFC 3501 §5.1.3, `foo&bar`) is kept as
/// sent and marked: it names no mailbox, and the server answers NO (not BAD: the command is
/// well-formed), as other servers do.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MailboxName(String, Encoding);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Encoding {
    Valid,
    NotModifiedUtf7,
}

impl MailboxName {
    pub fn new(name: impl Into<String>) -> MailboxName {
        let name = name.into();
        if name.eq_ignore_ascii_case("INBOX") {
            MailboxName("INBOX".into(), Encoding::Valid)
        } else {
            MailboxName(name, Encoding::Valid)
        }
    }

    /// A name as sent that is not valid modified UTF-7.
    pub fn not_modified_utf7(raw: impl Into<String>) -> MailboxName {
        MailboxName(raw.into(), Encoding::NotModifiedUtf7)
    }

    /// False for a name sent in modified UTF-7 that does not decode.
    pub fn is_valid(&self) -> bool {
        self.1 == Encoding::Valid
    }

    /// Also normalises `inbox<delimiter>…` to `INBOX<delimiter>…`, for servers whose INBOX has
    /// children and that treat the whole INBOX hierarchy case-insensitively, as Dovecot does.
    pub fn with_inbox_children(self, delimiter: char) -> MailboxName {
        let MailboxName(name, encoding) = self;
        match name.get(..5).zip(name.get(5..)) {
            Some((head, tail)) if head.eq_ignore_ascii_case("INBOX") && tail.starts_with(delimiter) => {
                MailboxName(format!("INBOX{tail}"), encoding)
            }
            _ => MailboxName(name, encoding),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    pub fn is_inbox(&self) -> bool {
        self.0 == "INBOX"
    }
}

impl fmt::Display for MailboxName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for MailboxName {
    fn from(s: &str) -> MailboxName {
        MailboxName::new(s)
    }
}

impl From<String> for MailboxName {
    fn from(s: String) -> MailboxName {
        MailboxName::new(s)
    }
}

impl PartialEq<str> for MailboxName {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for MailboxName {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// True if `name` matches the LIST `pattern` (the reference and the pattern already joined by
/// the server): `*` matches anything, `%` anything but `delimiter` (RFC 9051 §6.3.9). A name in
/// the INBOX hierarchy matches `inbox…` too. Runs in O(pattern × name) time without
/// backtracking, so `*%*%*%…` patterns cost no more than others.
pub fn pattern_matches(pattern: &str, name: &str, delimiter: Option<char>) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let inbox_prefix = name.get(..5).is_some_and(|p| p == "INBOX")
        && name.get(5..).is_some_and(|rest| rest.is_empty() || delimiter.is_some_and(|d| rest.starts_with(d)));
    // states[i]: the first i pattern characters can match the name read so far.
    let mut states = vec![false; pattern.len() + 1];
    states[0] = true;
    close_over_wildcards(&pattern, &mut states);
    for (i, c) in name.chars().enumerate() {
        let mut next = vec![false; pattern.len() + 1];
        for (at, &p) in pattern.iter().enumerate() {
            if !states[at] {
                continue;
            }
            match p {
                '*' => next[at] = true,
                '%' if Some(c) != delimiter => next[at] = true,
                '%' => {}
                p if p == c || (inbox_prefix && i < 5 && p.eq_ignore_ascii_case(&c)) => next[at + 1] = true,
                _ => {}
            }
        }
        close_over_wildcards(&pattern, &mut next);
        if !next.contains(&true) {
            return false;
        }
        states = next;
    }
    states[pattern.len()]
}

/// A wildcard may match nothing: a state before one is also a state after it.
fn close_over_wildcards(pattern: &[char], states: &mut [bool]) {
    for (at, &p) in pattern.iter().enumerate() {
        if states[at] && (p == '*' || p == '%') {
            states[at + 1] = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inbox_is_case_insensitive() {
        assert!(MailboxName::new("inBox").is_inbox());
        assert_eq!(MailboxName::new("Inbox/Sub").as_str(), "Inbox/Sub");
        assert_eq!(MailboxName::new("Inbox/Sub").with_inbox_children('/').as_str(), "INBOX/Sub");
        assert_eq!(MailboxName::new("Inboxes").with_inbox_children('/').as_str(), "Inboxes");
        assert_eq!(MailboxName::new("INBOXA"), "INBOXA");
    }

    #[test]
    fn patterns() {
        let d = Some('/');
        assert!(pattern_matches("*", "a/b/c", d));
        assert!(pattern_matches("%", "abc", d));
        assert!(!pattern_matches("%", "a/b", d));
        assert!(pattern_matches("a/%", "a/b", d));
        assert!(!pattern_matches("a/%", "a/b/c", d));
        assert!(pattern_matches("a/*", "a/b/c", d));
        assert!(pattern_matches("inbox", "INBOX", d));
        assert!(pattern_matches("inbox/%", "INBOX/x", d));
        assert!(!pattern_matches("inboxes", "INBOXES", d));
        assert!(pattern_matches("*b*", "abc", d));
        assert!(!pattern_matches("abc", "ab", d));
        assert!(pattern_matches("", "", d));
        assert!(!pattern_matches("", "a", d));
        let long = "*%".repeat(500);
        assert!(!pattern_matches(&format!("{long}x"), &"a".repeat(2000), d));
    }
}
