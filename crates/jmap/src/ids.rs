//! JMAP ids (RFC 8620 §1.2: 1–255 of `A-Za-z0-9-_`) for the store's numeric ids: a letter for
//! the kind, then the number. A blob id is the content's SHA-256, and for a body part the
//! part's section path (`b<hash>_1_2`), so a download needs no table of its own.

use relais_store::{AccountId, BlobHash, CollectionId, ItemId};

pub fn account(a: AccountId) -> String {
    format!("a{}", a.0)
}

pub fn parse_account(s: &str) -> Option<AccountId> {
    number(s, 'a').map(AccountId)
}

pub fn mailbox(c: CollectionId) -> String {
    format!("m{}", c.0)
}

pub fn parse_mailbox(s: &str) -> Option<CollectionId> {
    number(s, 'm').map(CollectionId)
}

pub fn email(i: ItemId) -> String {
    format!("e{}", i.0)
}

pub fn parse_email(s: &str) -> Option<ItemId> {
    number(s, 'e').map(ItemId)
}

pub fn thread(t: i64) -> String {
    format!("t{t}")
}

pub fn parse_thread(s: &str) -> Option<i64> {
    number(s, 't')
}

/// An address book (RFC 9610 §2): `ab` and the collection's number.
pub fn address_book(c: CollectionId) -> String {
    format!("ab{}", c.0)
}

pub fn parse_address_book(s: &str) -> Option<CollectionId> {
    number(s.strip_prefix('a')?, 'b').map(CollectionId)
}

/// A card (RFC 9610 §3): `c` and the item's number.
pub fn card(i: ItemId) -> String {
    format!("c{}", i.0)
}

pub fn parse_card(s: &str) -> Option<ItemId> {
    number(s, 'c').map(ItemId)
}

/// A calendar (JMAP Calendars §4): `cal` and the collection's number.
pub fn calendar(c: CollectionId) -> String {
    format!("cal{}", c.0)
}

pub fn parse_calendar(s: &str) -> Option<CollectionId> {
    number(s.strip_prefix("ca")?, 'l').map(CollectionId)
}

/// An event (JMAP Calendars §5): `ev` and the item's number.
pub fn event(i: ItemId) -> String {
    format!("ev{}", i.0)
}

pub fn parse_event(s: &str) -> Option<ItemId> {
    number(s.strip_prefix('e')?, 'v').map(ItemId)
}

/// A task list (JMAP for Task Lists §2): `tl` and the collection's number.
pub fn task_list(c: CollectionId) -> String {
    format!("tl{}", c.0)
}

pub fn parse_task_list(s: &str) -> Option<CollectionId> {
    number(s.strip_prefix('t')?, 'l').map(CollectionId)
}

/// A task (JMAP for Task Lists §3): `tk` and the item's number.
pub fn task(i: ItemId) -> String {
    format!("tk{}", i.0)
}

pub fn parse_task(s: &str) -> Option<ItemId> {
    number(s.strip_prefix('t')?, 'k').map(ItemId)
}

/// The principal's participant identity (JMAP Calendars §3): `pi` and the account's number.
pub fn participant_identity(a: AccountId) -> String {
    format!("pi{}", a.0)
}

/// The account's own identity (RFC 8621 §6): `i` and the account's number.
pub fn identity(a: AccountId) -> String {
    format!("i{}", a.0)
}

/// Another identity of the account: `is` and its number.
pub fn stored_identity(n: i64) -> String {
    format!("is{n}")
}

pub fn parse_stored_identity(s: &str) -> Option<i64> {
    number(s.strip_prefix('i')?, 's')
}

/// A kept email submission (RFC 8621 §7): `s` and its number.
pub fn submission(n: i64) -> String {
    format!("s{n}")
}

pub fn parse_submission(s: &str) -> Option<i64> {
    number(s, 's')
}

/// A push subscription (RFC 8620 §7.2): `ps` and its number.
pub fn push_subscription(n: i64) -> String {
    format!("ps{n}")
}

pub fn parse_push_subscription(s: &str) -> Option<i64> {
    number(s.strip_prefix('p')?, 's')
}

/// A whole blob's id.
pub fn blob(hash: &BlobHash) -> String {
    format!("b{hash}")
}

/// A body part's blob id: the message's blob and the part's section path (`[]` for the whole).
pub fn part_blob(hash: &BlobHash, path: &[u32]) -> String {
    let mut id = blob(hash);
    for n in path {
        id.push('_');
        id.push_str(&n.to_string());
    }
    id
}

/// Most levels a part's section path may have in a blob id.
const MAX_PATH: usize = 32;

/// A blob id's content hash and part path.
pub fn parse_blob(s: &str) -> Option<(BlobHash, Vec<u32>)> {
    let rest = s.strip_prefix('b')?;
    let mut parts = rest.split('_');
    let hash = BlobHash::parse(parts.next()?)?;
    let path: Vec<u32> = parts.map(|p| p.parse::<u32>().ok().filter(|n| *n > 0)).collect::<Option<_>>()?;
    (path.len() <= MAX_PATH).then_some((hash, path))
}

fn number(s: &str, kind: char) -> Option<i64> {
    let digits = s.strip_prefix(kind)?;
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_refuse() {
        assert_eq!(parse_mailbox(&mailbox(CollectionId(42))), Some(CollectionId(42)));
        assert_eq!(parse_email("e7"), Some(ItemId(7)));
        for bad in ["", "e", "m7", "e-1", "e+1", "e1x", "e99999999999999999999", " e1"] {
            assert_eq!(parse_email(bad), None, "{bad}");
        }
        let h = BlobHash::of(b"x");
        assert_eq!(parse_blob(&blob(&h)), Some((h.clone(), vec![])));
        assert_eq!(parse_blob(&part_blob(&h, &[1, 2])), Some((h.clone(), vec![1, 2])));
        assert_eq!(parse_blob(&format!("b{h}_0")), None);
        assert_eq!(parse_blob(&format!("b{h}_")), None);
        assert_eq!(parse_blob("bXYZ"), None);
        assert_eq!(parse_address_book(&address_book(CollectionId(3))), Some(CollectionId(3)));
        assert_eq!((parse_address_book("a3"), parse_address_book("b3"), parse_card("c")), (None, None, None));
        assert_eq!(parse_card(&card(ItemId(9))), Some(ItemId(9)));
        assert_eq!(parse_calendar(&calendar(CollectionId(4))), Some(CollectionId(4)));
        assert_eq!(parse_event(&event(ItemId(5))), Some(ItemId(5)));
        for bad in ["ca4", "cl4", "c4", "cal", "e5", "v5", "ev"] {
            assert_eq!((parse_calendar(bad), parse_event(bad)), (None, None), "{bad}");
        }
        assert_eq!(parse_task_list(&task_list(CollectionId(6))), Some(CollectionId(6)));
        assert_eq!(parse_task(&task(ItemId(7))), Some(ItemId(7)));
        for bad in ["t6", "l6", "tk", "tl", "tl-1", "tkk7", "cal6", "ev7"] {
            assert_eq!((parse_task_list(bad), parse_task(bad)), (None, None), "{bad}");
        }
        assert_eq!(parse_thread("tl6"), None, "no thread id");
    }
}
