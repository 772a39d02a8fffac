//! RFC 4314 rights as letters ↔ the store's bit set (`relais_store::share_rights`), and the
//! answer to a command the user lacks a right for.
//!
//! ```text
//! rights = astring   ; "lrswipkxtea", RFC 4314 §2.1; "c" and "d" are the obsolete RFC 2086
//!                    ; rights, read as "kx" and "te" (RFC 4314 §2.1.1, RIGHTS=texk)
//! ```

use relais_imap_proto::{Code, Tag};
use relais_store::share_rights::{self as r, has};

use crate::folders::Folder;
use crate::session::Session;

/// Every right, in the order RFC 4314 §2.1 lists them.
const LETTERS: [(char, i64); 11] = [
    ('l', r::LOOKUP),
    ('r', r::READ_ITEMS),
    ('s', r::KEEP_SEEN),
    ('w', r::WRITE_FLAGS),
    ('i', r::INSERT),
    ('p', r::POST),
    ('k', r::CREATE),
    ('x', r::DELETE_MAILBOX),
    ('t', r::DELETE_ITEMS),
    ('e', r::EXPUNGE),
    ('a', r::ADMIN),
];

/// The bits of a rights string; `Err` names the first letter that is not a right (the
/// command is then BAD, RFC 4314 §3.1). Case matters: rights are lower-case.
pub fn parse(text: &str) -> Result<i64, char> {
    let mut bits = 0;
    for ch in text.chars() {
        bits |= match ch {
            // RFC 4314 §2.1.1: with RIGHTS=texk, "c" is k and x, "d" is t and e.
            'c' => r::CREATE | r::DELETE_MAILBOX,
            'd' => r::DELETE_ITEMS | r::EXPUNGE,
            _ => LETTERS.iter().find(|(l, _)| *l == ch).map(|(_, b)| *b).ok_or(ch)?,
        };
    }
    Ok(bits)
}

/// `lrswipkxtea` order, only RFC 4314 letters (never "c" or "d").
pub fn format(bits: i64) -> String {
    LETTERS.iter().filter(|(_, b)| has(bits, *b)).map(|(l, _)| *l).collect()
}

/// Each right as its own LISTRIGHTS group (RFC 4314 §3.7): any may be granted independently.
pub fn each() -> Vec<String> {
    LETTERS.iter().map(|(l, _)| l.to_string()).collect()
}

/// True if the user holds `needed` on `folder`; otherwise answers the command: NO [NOPERM]
/// when the user may see the mailbox, else NO [NONEXISTENT] as if it did not exist, so a
/// mailbox's existence does not leak to someone without `l` (RFC 4314 §4).
pub fn check(s: &mut Session, tag: &Tag, folder: &Folder, needed: i64, what: &str) -> bool {
    if folder.may(needed) {
        return true;
    }
    if folder.may(r::LOOKUP) {
        let missing = format(needed & !folder.rights);
        s.no(tag, Some(Code::NoPerm), &format!("{what} needs the \"{missing}\" right on this mailbox"));
    } else {
        s.no(tag, Some(Code::Nonexistent), "no such mailbox");
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_round_trip() {
        let cases: &[(&str, Result<i64, char>)] = &[
            ("", Ok(0)),
            ("lr", Ok(r::READ)),
            ("lrswipkxtea", Ok(r::ALL)),
            ("aetxkpiwsrl", Ok(r::ALL)),
            ("c", Ok(r::CREATE | r::DELETE_MAILBOX)),
            ("d", Ok(r::DELETE_ITEMS | r::EXPUNGE)),
            ("lrz", Err('z')),
            ("L", Err('L')),
            ("0", Err('0')),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text), *want, "{text:?}");
        }
        assert_eq!(format(r::ALL), "lrswipkxtea");
        assert_eq!(format(r::READ | r::WRITE), "lrwite");
        assert_eq!(format(0), "");
    }
}
