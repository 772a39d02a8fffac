//! Flags and keywords (IMAP STORE, JMAP Email/set keywords, EAS read and flag state) and
//! expunge (IMAP EXPUNGE, UID EXPUNGE, CLOSE; POP3 QUIT), each on the flags as committed: read
//! inside the write, so a change another session made a moment ago is never undone. Rights
//! (RFC 4314 §4): `\Seen` needs `s`, `\Deleted` `t`, any other flag or keyword `w`; expunging
//! needs `e`. In a shared mailbox the flags are the message's, seen by every user alike.

use std::collections::HashSet;

use relais_directory::access::{Actor, Rights};
use relais_store::{CollectionId, ItemId, Modseq, Store, Uid, WriteTx};

use super::{Checked, refusal, require};
use crate::MailError;

/// The right that changing `keyword` needs (RFC 4314 §4).
pub fn right_for(keyword: &str) -> Rights {
    if keyword.eq_ignore_ascii_case("\\Seen") {
        Rights::KEEP_SEEN
    } else if keyword.eq_ignore_ascii_case("\\Deleted") {
        Rights::DELETE_ITEMS
    } else {
        Rights::WRITE_FLAGS
    }
}

fn has(keywords: &[String], k: &str) -> bool {
    keywords.iter().any(|x| x.eq_ignore_ascii_case(k))
}

/// The rights needed to go from `before` to `after` (every flag added or removed).
pub fn rights_to_change(before: &[String], after: &[String]) -> Rights {
    let added = after.iter().filter(|k| !has(before, k));
    let removed = before.iter().filter(|k| !has(after, k));
    added.chain(removed).fold(Rights::NONE, |acc, k| acc | right_for(k))
}

/// The flags of a new message (append, copy) an actor holding `rights` may set: the others
/// are dropped silently, as RFC 4314 §4 asks; so is anything that is not a flag or keyword
/// (`is_keyword`), which an imported file may carry.
pub fn settable(keywords: Vec<String>, rights: Rights) -> Vec<String> {
    keywords.into_iter().filter(|k| is_keyword(k) && rights.contains(right_for(k))).collect()
}

/// The system flags a message can carry (`\Recent` is a session's, never stored).
const SYSTEM_FLAGS: [&str; 5] = ["\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft"];

/// A system flag, or a keyword every front-end can show: an IMAP atom (RFC 9051 §9: printable
/// ASCII without `(){ %*"\]`) of at most 255 octets. Anything else written into a FETCH
/// FLAGS list would break the response around it.
pub fn is_keyword(k: &str) -> bool {
    const SPECIALS: &[u8] = b"(){ %*\"\\]";
    SYSTEM_FLAGS.iter().any(|f| f.eq_ignore_ascii_case(k))
        || (!k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic() && !SPECIALS.contains(&b)))
}

/// How a flag change combines with the flags a message has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeywordChange {
    /// Replace them (IMAP `FLAGS`).
    Set,
    /// Add these (`+FLAGS`).
    Add,
    /// Remove these (`-FLAGS`).
    Remove,
}

/// A flag change on some messages of one mailbox.
#[derive(Debug, Clone)]
pub struct FlagChange {
    pub mailbox: CollectionId,
    /// The messages as the actor knows them; one no longer in the mailbox is skipped.
    pub messages: Vec<(Uid, ItemId)>,
    pub kind: KeywordChange,
    pub keywords: Vec<String>,
    /// RFC 7162 §3.1.3 UNCHANGEDSINCE: only messages whose modseq is at most this.
    pub unchanged_since: Option<u64>,
}

/// What a flag change did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlagsChanged {
    /// The messages changed, with their new flags (sorted) and modseq. With an unchanged-since
    /// condition, a message that passed it is listed even when its flags stay the same (its
    /// flags are reported, RFC 7162 §3.1.3).
    pub changed: Vec<(Uid, ItemId, Vec<String>, Modseq)>,
    /// Those that failed the unchanged-since condition (RFC 7162 §3.1.3's MODIFIED set).
    pub modified: Vec<Uid>,
}

/// The flags a message gets from a change, sorted and without duplicates.
fn next_flags(kind: KeywordChange, current: &[String], flags: &[String]) -> Vec<String> {
    let mut next: Vec<String> = match kind {
        KeywordChange::Set => flags.to_vec(),
        KeywordChange::Add => current.iter().chain(flags).cloned().collect(),
        KeywordChange::Remove => current.iter().filter(|k| !has(flags, k)).cloned().collect(),
    };
    next.sort();
    next.dedup();
    next
}

/// Changes the flags of `c.messages` in one transaction, on the flags as committed. Every
/// right the change needs is checked, on every message, before anything is written: a refusal
/// leaves every message as it was.
pub async fn change_keywords(store: &Store, actor: &Actor, c: FlagChange) -> Result<FlagsChanged, MailError> {
    let actor = actor.clone();
    store.write(move |tx| change_in(tx, &actor, c)).await?
}

fn change_in(tx: &mut WriteTx<'_>, actor: &Actor, c: FlagChange) -> relais_store::Result<Checked<FlagsChanged>> {
    let held = match require(&mut tx.read(), actor, c.mailbox, Rights::NONE, "changing flags")? {
        Ok((_, held)) => held,
        Err(refused) => return Ok(Err(refused)),
    };
    // The flags named are checked first (a replacement is checked per message, below).
    if c.kind != KeywordChange::Set {
        let named = c.keywords.iter().fold(Rights::NONE, |a, k| a | right_for(k));
        if let Err(refused) = refusal(held, named, "changing these flags") {
            return Ok(Err(refused));
        }
    }
    let present = present_in(tx, c.mailbox, &c.messages)?;
    let mut planned = Vec::new();
    let mut out = FlagsChanged::default();
    for (uid, item) in c.messages {
        if !present.contains(&(uid, item)) {
            continue;
        }
        let current = match tx.read().item(item) {
            Ok(it) => it,
            Err(relais_store::Error::NotFound(_)) => continue,
            Err(e) => return Err(e),
        };
        if c.unchanged_since.is_some_and(|u| current.modseq.0 > u) {
            out.modified.push(uid);
            continue;
        }
        let next = next_flags(c.kind, &current.keywords, &c.keywords);
        let mut before = current.keywords;
        before.sort();
        if next == before && c.unchanged_since.is_none() {
            continue;
        }
        if let Err(refused) = refusal(held, rights_to_change(&before, &next), "changing these flags") {
            return Ok(Err(refused));
        }
        planned.push((uid, item, next));
    }
    for (uid, item, next) in planned {
        let modseq = tx.set_keywords(item, &next)?;
        out.changed.push((uid, item, next, modseq));
    }
    Ok(Ok(out))
}

/// Adds `keyword` (e.g. `\Seen` when a message is read) to each of `items` in `mailbox` on its
/// keywords as committed, not as a session last saw them, so a flag another session just
/// changed is kept; a message gone meanwhile is skipped. Returns the messages it changed;
/// nothing when the actor may not set that keyword there (a read by a user without `s` marks
/// nothing, RFC 4314 §4).
pub async fn add_keyword(
    store: &Store,
    actor: &Actor,
    mailbox: CollectionId,
    items: Vec<ItemId>,
    keyword: &str,
) -> Result<Vec<ItemId>, MailError> {
    let (actor, keyword) = (actor.clone(), keyword.to_owned());
    store
        .write(move |tx| {
            if let Err(refused) = require(&mut tx.read(), &actor, mailbox, right_for(&keyword), "marking")? {
                return Ok(Err(refused));
            }
            let mut changed = Vec::new();
            for item in items {
                if !tx.read().mailboxes_of(item)?.iter().any(|(mb, _)| *mb == mailbox) {
                    continue;
                }
                let mut keywords = match tx.read().item(item) {
                    Ok(it) => it.keywords,
                    Err(relais_store::Error::NotFound(_)) => continue,
                    Err(e) => return Err(e),
                };
                if has(&keywords, &keyword) {
                    continue;
                }
                keywords.push(keyword.clone());
                tx.set_keywords(item, &keywords)?;
                changed.push(item);
            }
            Ok(Ok(changed))
        })
        .await?
}

/// Which messages an expunge takes out of a mailbox.
#[derive(Debug, Clone)]
pub enum Expunge {
    /// Every message flagged `\Deleted` (IMAP EXPUNGE, CLOSE), or only those among these UIDs
    /// (UID EXPUNGE, RFC 4315 §2.1) — decided on the flags as committed, not as a session last
    /// saw them: a `\Deleted` another session just cleared keeps its message.
    Deleted(Option<Vec<Uid>>),
    /// These messages whatever their flags (POP3 DELE then QUIT, RFC 1939 §6).
    Messages(Vec<(Uid, ItemId)>),
}

/// Takes messages out of `mailbox` in one transaction; needs `e` there (RFC 4314 §4). Returns
/// the UIDs it removed (a message removed meanwhile by someone else is not among them).
pub async fn expunge(
    store: &Store,
    actor: &Actor,
    mailbox: CollectionId,
    which: Expunge,
) -> Result<Vec<Uid>, MailError> {
    let actor = actor.clone();
    store
        .write(move |tx| {
            if let Err(refused) = require(&mut tx.read(), &actor, mailbox, Rights::EXPUNGE, "EXPUNGE")? {
                return Ok(Err(refused));
            }
            let doomed: Vec<(Uid, ItemId)> = match which {
                Expunge::Deleted(uids) => tx
                    .read()
                    .mailbox_messages(mailbox)?
                    .into_iter()
                    .filter(|m| has(&m.keywords, "\\Deleted"))
                    .filter(|m| uids.as_ref().is_none_or(|u| u.contains(&m.uid)))
                    .map(|m| (m.uid, m.item))
                    .collect(),
                Expunge::Messages(list) => {
                    let present = present_in(tx, mailbox, &list)?;
                    list.into_iter().filter(|m| present.contains(m)).collect()
                }
            };
            let mut removed = Vec::with_capacity(doomed.len());
            for (uid, item) in doomed {
                tx.remove_from_mailbox(item, mailbox)?;
                removed.push(uid);
            }
            Ok(Ok(removed))
        })
        .await?
}

/// Which of `messages` are still in `mailbox` under those UIDs: one indexed lookup each for a
/// few, one read of the mailbox for many.
pub(crate) fn present_in(
    tx: &mut WriteTx<'_>,
    mailbox: CollectionId,
    messages: &[(Uid, ItemId)],
) -> relais_store::Result<HashSet<(Uid, ItemId)>> {
    if messages.len() > 32 {
        return Ok(tx.read().mailbox_entries(mailbox)?.into_iter().map(|e| (e.uid, e.item)).collect());
    }
    let mut out = HashSet::with_capacity(messages.len());
    for &(uid, item) in messages {
        if tx.read().mailboxes_of(item)?.iter().any(|(mb, u)| *mb == mailbox && *u == uid) {
            out.insert((uid, item));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_flags_and_atoms_are_keywords() {
        for k in ["\\Seen", "\\deleted", "$Forwarded", "$Label1", "NonJunk", "a.b-c_d+e/f"] {
            assert!(is_keyword(k), "{k}");
        }
        let long = "k".repeat(256);
        for k in [
            "",
            "two words",
            "x)y",
            "(x",
            "\\Recent",
            "\\Foo",
            "q\"",
            "brace{",
            "sq]",
            "wild*",
            "per%",
            "é",
            "cr\r\n",
            &long,
        ] {
            assert!(!is_keyword(k), "{k:?}");
        }
        let kept =
            settable(vec!["\\Seen".into(), "bad word".into(), "$ok".into()], Rights::KEEP_SEEN | Rights::WRITE_FLAGS);
        assert_eq!(kept, ["\\Seen", "$ok"]);
    }
}
