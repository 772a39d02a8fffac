//! RFC 5322 §3.4 address lists, read as RFC 9051 §7.5.2 ENVELOPE addresses.
//!
//! Names stay raw (encoded words are not decoded: IMAP clients decode them) but quotes, escapes
//! and comments go, as Dovecot does. Obsolete syntax is accepted (RFC 5322 §4.4: routes, CFWS
//! inside local parts). Garbage gives what can be recovered, never an error.

use super::EnvAddress;

/// The mailbox Dovecot sends for an address without a local part.
pub const MISSING_MAILBOX: &str = "MISSING_MAILBOX";
/// The host Dovecot sends for an address without a domain.
pub const MISSING_DOMAIN: &str = "MISSING_DOMAIN";

#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// An atom (dots included) or the content of a quoted string.
    Word(String),
    Comment(String),
    /// A domain literal, brackets kept.
    Literal(String),
    Special(char),
}

fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => out.push(Token::Comment(comment(&mut chars))),
            '"' => {
                chars.next();
                out.push(Token::Word(quoted(&mut chars, '"')));
            }
            '[' => {
                chars.next();
                out.push(Token::Literal(format!("[{}]", quoted(&mut chars, ']'))));
            }
            '<' | '>' | '@' | ',' | ':' | ';' => {
                chars.next();
                out.push(Token::Special(c));
            }
            _ => {
                // The first char is taken whatever it is (a stray `)` or `]`), so this moves on.
                let mut atom = String::from(c);
                chars.next();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || "(<>@,:;\"[".contains(c) {
                        break;
                    }
                    atom.push(c);
                    chars.next();
                }
                out.push(Token::Word(atom));
            }
        }
    }
    out
}

/// A comment's text (RFC 5322 §3.2.2), nested comments kept as written; starts at `(`.
fn comment(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> String {
    chars.next();
    let mut depth = 1;
    let mut text = String::new();
    while let Some(c) = chars.next() {
        match c {
            '\\' => text.extend(chars.next()),
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
        if c != '\\' {
            text.push(c);
        }
    }
    text.trim().to_string()
}

/// The unescaped text up to `end` (RFC 5322 §3.2.4 quoted-pair), or to the end of the input.
fn quoted(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, end: char) -> String {
    let mut text = String::new();
    while let Some(c) = chars.next() {
        match c {
            '\\' => text.extend(chars.next()),
            c if c == end => break,
            c => text.push(c),
        }
    }
    text
}

/// Reads an address-list (RFC 5322 §3.4) as ENVELOPE addresses, group markers included.
pub(super) fn parse_list(text: &str) -> Vec<EnvAddress> {
    let tokens = tokens(text);
    let mut list = List { tokens: &tokens, pos: 0, out: Vec::new(), in_group: false };
    while list.pos < tokens.len() {
        list.item();
    }
    if list.in_group {
        list.out.push(EnvAddress::default());
    }
    list.out
}

struct List<'t> {
    tokens: &'t [Token],
    pos: usize,
    out: Vec<EnvAddress>,
    in_group: bool,
}

impl List<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn at(&self, c: char) -> bool {
        self.peek() == Some(&Token::Special(c))
    }

    /// Words (and domain literals) up to a special; comments are kept apart, the last one wins.
    fn words(&mut self, comment: &mut Option<String>) -> Vec<String> {
        let mut words = Vec::new();
        while let Some(token) = self.peek() {
            match token {
                Token::Word(w) | Token::Literal(w) => words.push(w.clone()),
                Token::Comment(c) => *comment = Some(c.clone()).filter(|c| !c.is_empty()),
                Token::Special(_) => break,
            }
            self.pos += 1;
        }
        words
    }

    /// One mailbox, group start, group end or stray token; always moves on.
    fn item(&mut self) {
        let mut comment = None;
        let phrase = self.words(&mut comment);
        match self.peek() {
            Some(Token::Special(':')) => {
                self.pos += 1;
                if !self.in_group {
                    self.in_group = true;
                    let name = Some(phrase.join(" "));
                    self.out.push(EnvAddress { mailbox: name, ..EnvAddress::default() });
                }
            }
            Some(Token::Special('<')) => {
                self.pos += 1;
                let name = (!phrase.is_empty()).then(|| phrase.join(" "));
                self.angle_addr(name);
            }
            Some(Token::Special('@')) => {
                self.pos += 1;
                let domain = self.words(&mut comment);
                self.push(comment, None, phrase.concat(), domain.concat());
            }
            Some(Token::Special(';')) => {
                self.pos += 1;
                self.bare(phrase, comment);
                if self.in_group {
                    self.in_group = false;
                    self.out.push(EnvAddress::default());
                }
            }
            Some(Token::Special(_)) => {
                self.pos += 1;
                self.bare(phrase, comment);
            }
            _ => self.bare(phrase, comment),
        }
    }

    /// `[route] local@domain >` after `<` (RFC 5322 §3.4, §4.4 obs-route).
    fn angle_addr(&mut self, name: Option<String>) {
        let mut route = String::new();
        if self.at('@') {
            while let Some(token) = self.peek() {
                match token {
                    Token::Special(':') => {
                        self.pos += 1;
                        break;
                    }
                    Token::Special('>' | ';') => break,
                    Token::Special(c) => route.push(*c),
                    Token::Word(w) | Token::Literal(w) => route.push_str(w),
                    Token::Comment(_) => {}
                }
                self.pos += 1;
            }
        }
        let mut ignored = None;
        let local = self.words(&mut ignored).concat();
        let mut domain = String::new();
        if self.at('@') {
            self.pos += 1;
            domain = self.words(&mut ignored).concat();
        }
        if self.at('>') {
            self.pos += 1;
        }
        let adl = (!route.is_empty()).then_some(route);
        self.push(name, adl, local, domain);
    }

    /// A phrase with no `@` or `<`: a local part alone (`undisclosed-recipients`, `root`).
    fn bare(&mut self, phrase: Vec<String>, comment: Option<String>) {
        if !phrase.is_empty() {
            self.push(comment, None, phrase.concat(), String::new());
        }
    }

    fn push(&mut self, name: Option<String>, adl: Option<String>, local: String, domain: String) {
        let or = |s: String, missing: &str| if s.is_empty() { missing.to_string() } else { s };
        self.out.push(EnvAddress {
            name,
            adl,
            mailbox: Some(or(local, MISSING_MAILBOX)),
            host: Some(or(domain, MISSING_DOMAIN)),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(name: Option<&str>, mailbox: &str, host: &str) -> EnvAddress {
        EnvAddress {
            name: name.map(str::to_string),
            adl: None,
            mailbox: Some(mailbox.to_string()),
            host: Some(host.to_string()),
        }
    }

    fn group_start(name: &str) -> EnvAddress {
        EnvAddress { mailbox: Some(name.to_string()), ..EnvAddress::default() }
    }

    #[test]
    fn address_lists() {
        let end = EnvAddress::default();
        let table: Vec<(&str, Vec<EnvAddress>)> = vec![
            ("", vec![]),
            ("joe@example.com", vec![addr(None, "joe", "example.com")]),
            (
                "Joe Q. Public <john.q.public@example.com>",
                vec![addr(Some("Joe Q. Public"), "john.q.public", "example.com")],
            ),
            ("\"Doe, John\" <j@x.org>, b@y", vec![addr(Some("Doe, John"), "j", "x.org"), addr(None, "b", "y")]),
            ("\"a \\\"q\\\" b\" <q@x>", vec![addr(Some("a \"q\" b"), "q", "x")]),
            ("=?utf-8?q?J=C3=B6rg?= <j@x>", vec![addr(Some("=?utf-8?q?J=C3=B6rg?="), "j", "x")]),
            ("j@x (John Doe)", vec![addr(Some("John Doe"), "j", "x")]),
            (
                "Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
                vec![addr(Some("Pete"), "pete", "silly.test")],
            ),
            ("\"john doe\"@example.com", vec![addr(None, "john doe", "example.com")]),
            ("<j@[192.0.2.1]>", vec![addr(None, "j", "[192.0.2.1]")]),
            (
                "A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
                vec![
                    group_start("A Group"),
                    addr(Some("Ed Jones"), "c", "a.test"),
                    addr(None, "joe", "where.test"),
                    addr(Some("John"), "jdoe", "one.test"),
                    end.clone(),
                ],
            ),
            ("undisclosed-recipients:;", vec![group_start("undisclosed-recipients"), end.clone()]),
            ("g: a@b", vec![group_start("g"), addr(None, "a", "b"), end.clone()]),
            ("root", vec![addr(None, "root", MISSING_DOMAIN)]),
            ("<>", vec![addr(None, MISSING_MAILBOX, MISSING_DOMAIN)]),
            ("Joe <joe@x", vec![addr(Some("Joe"), "joe", "x")]),
            ("a@b,,, ,c@d", vec![addr(None, "a", "b"), addr(None, "c", "d")]),
            ("(only a comment)", vec![]),
            ("a\u{c}b@c\u{a0}d", vec![addr(None, "ab", "cd")]),
            ("a)b] <c@d>", vec![addr(Some("a)b]"), "c", "d")]),
            ("\"unterminated <a@b>", vec![addr(None, "unterminated <a@b>", MISSING_DOMAIN)]),
        ];
        for (input, expected) in table {
            assert_eq!(parse_list(input), expected, "{input:?}");
        }
    }

    #[test]
    fn source_route() {
        let list = parse_list("Jo <@relay1,@relay2:jo@example.net>");
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].adl.as_deref(), Some("@relay1,@relay2"));
        assert_eq!(list[0].mailbox.as_deref(), Some("jo"));
        assert_eq!(list[0].host.as_deref(), Some("example.net"));
    }
}
