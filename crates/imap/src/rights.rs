//! RFC 4314 rights as letters: IMAP's view of the one rights model
//! (`relais_directory::Rights`), and the answer to a command the user lacks a right for.
//! `Rights::FREE_BUSY` has no letter: it is neither shown nor granted over IMAP.
//!
//! ```text
//! rights = astring   ; "lrswipkxtea", RFC 4314 §2.1; "c" and "d" are the obsolete RFC 2086
//!                    ; rights, read as "kx" and "te" (RFC 4314 §2.1.1, RIGHTS=texk)
//! ```

use relais_directory::Rights;
use relais_imap_proto::{Code, Tag};

use crate::folders::Folder;
use crate::session::Session;

/// Every right, in the order RFC 4314 §2.1 lists them.
const LETTERS: [(char, Rights); 11] = [
    ('l', Rights::LOOKUP),
    ('r', Rights::READ_ITEMS),
    ('s', Rights::KEEP_SEEN),
    ('w', Rights::WRITE_FLAGS),
    ('i', Rights::INSERT),
    ('p', Rights::POST),
    ('k', Rights::CREATE),
    ('x', Rights::DELETE_COLLECTION),
    ('t', Rights::DELETE_ITEMS),
    ('e', Rights::EXPUNGE),
    ('a', Rights::ADMIN),
];

/// The rights of a rights string; `Err` names the first letter that is not a right (the
/// command is then BAD, RFC 4314 §3.1). Case matters: rights are lower-case.
pub fn parse(text: &str) -> Result<Rights, char> {
    let mut rights = Rights::NONE;
    for ch in text.chars() {
        rights |= match ch {
            // RFC 4314 §2.1.1: with RIGHTS=texk, "c" is k and x, "d" is t and e.
            'c' => Rights::CREATE | Rights::DELETE_COLLECTION,
            'd' => Rights::DELETE_ITEMS | Rights::EXPUNGE,
            _ => LETTERS.iter().find(|(l, _)| *l == ch).map(|(_, b)| *b).ok_or(ch)?,
        };
    }
    Ok(rights)
}

/// `lrswipkxtea` order, only RFC 4314 letters (never "c" or "d"); the stored bit set
/// (`i64`) is taken as well as `Rights`.
pub fn format(rights: impl Into<Rights>) -> String {
    let rights = rights.into();
    LETTERS.iter().filter(|(_, b)| rights.contains(*b)).map(|(l, _)| *l).collect()
}

/// Each right as its own LISTRIGHTS group (RFC 4314 §3.7): any may be granted independently.
pub fn each() -> Vec<String> {
    LETTERS.iter().map(|(l, _)| l.to_string()).collect()
}

/// True if the user holds `needed` on `folder`; otherwise answers the command: NO [NOPERM]
/// when the user may see the mailbox, else NO [NONEXISTENT] as if it did not exist, so a
/// mailbox's existence does not leak to someone without `l` (RFC 4314 §4).
pub fn check(s: &mut Session, tag: &Tag, folder: &Folder, needed: impl Into<Rights>, what: &str) -> bool {
    let (needed, held) = (needed.into(), Rights::from_bits(folder.rights));
    if held.contains(needed) {
        return true;
    }
    if held.contains(Rights::LOOKUP) {
        let missing = format(held.missing(needed));
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
        let imap = Rights::ALL & !Rights::FREE_BUSY;
        let cases: &[(&str, Result<Rights, char>)] = &[
            ("", Ok(Rights::NONE)),
            ("lr", Ok(Rights::READ)),
            ("lrswipkxtea", Ok(imap)),
            ("aetxkpiwsrl", Ok(imap)),
            ("c", Ok(Rights::CREATE | Rights::DELETE_COLLECTION)),
            ("d", Ok(Rights::DELETE_ITEMS | Rights::EXPUNGE)),
            ("lrz", Err('z')),
            ("L", Err('L')),
            ("0", Err('0')),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text), *want, "{text:?}");
        }
        assert_eq!(format(Rights::ALL), "lrswipkxtea");
        assert_eq!(format(Rights::READ | Rights::WRITE), "lrwite");
        assert_eq!(format(Rights::FREE_BUSY), "", "no letter for free/busy");
        assert_eq!(format(0), "");
    }
}
