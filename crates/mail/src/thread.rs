//! Threads: which conversation a message belongs to, decided once when it is stored (delivery,
//! APPEND, a copy into another mailbox) and kept on the message, so IMAP THREADID, JMAP Thread,
//! ActiveSync conversations and EWS ConversationId all read the same id.
//!
//! The rule (RFC 8621 §3's suggestion, as Gmail and Stalwart do it): a message joins the thread
//! of a message of the same account that shares a Message-ID with it — one it names in
//! In-Reply-To or References, one that names it, or one that names the same ancestor — and has
//! the same base subject (RFC 5256 §2.1, compared case-insensitively). Failing that, it starts
//! a thread of its own. A thread id never changes once given (JMAP requires it): when a message
//! would join two threads, it joins the older one and the two stay apart.

use relais_directory::access::{Actor, Rights};
use relais_store::{AccountId, CollectionId, DataType, ItemId, NewItem, Store, ThreadKey, WriteTx};
use sha2::{Digest, Sha256};

use crate::MailError;
use crate::mailbox::require;
use crate::summary::Summary;

/// Most Message-IDs of one message kept for matching: its own, In-Reply-To, the root of
/// References and its most recent ancestors. A References field of thousands of ids costs no
/// more than this.
pub const MAX_IDS: usize = 24;

/// What `summary` contributes to finding and being found by its thread.
pub fn key(summary: &Summary) -> ThreadKey {
    let own = summary.message_id.iter();
    let replied = summary.in_reply_to.iter().take(4);
    let root = summary.references.first().into_iter();
    let ancestors = summary.references.iter().rev();
    let mut ids: Vec<&str> = Vec::with_capacity(MAX_IDS);
    for id in own.chain(replied).chain(root).chain(ancestors) {
        if ids.len() == MAX_IDS {
            break;
        }
        if !id.is_empty() && !ids.contains(&id.as_str()) {
            ids.push(id);
        }
    }
    ThreadKey {
        msgids: ids.into_iter().map(|id| hash(id.as_bytes())).collect(),
        subject_hash: hash(summary.base_subject.to_lowercase().as_bytes()),
    }
}

/// The thread a message with `key` joins in `account`, or `None` for a new one.
pub fn find(tx: &mut WriteTx<'_>, account: AccountId, key: &ThreadKey) -> relais_store::Result<Option<i64>> {
    let links = tx.read().threads_naming(account, &key.msgids)?;
    Ok(links.iter().find(|l| l.subject_hash == key.subject_hash).map(|l| l.thread))
}

/// Creates a message of `account` in its thread (found by `key`) and records what it names.
/// Every protocol that stores a new message calls this, inside its write transaction.
pub fn create_message(
    tx: &mut WriteTx<'_>,
    account: AccountId,
    mut item: NewItem,
    key: &ThreadKey,
) -> relais_store::Result<ItemId> {
    let joined = find(tx, account, key)?;
    item.thread_id = joined;
    let id = tx.create_item(account, DataType::Email, item)?;
    tx.link_thread(account, id, joined.unwrap_or(id.0), key)?;
    Ok(id)
}

/// The threads of the messages in `mailboxes` (each thread once, ascending), for an actor
/// holding the read right on each (refused as `search::search_as` refuses): for a front-end
/// that names a conversation by a value made from its thread id (ActiveSync's ConversationId)
/// and must find the thread again. At most `search::MAX_SCOPE` mailboxes.
pub async fn threads_in(store: &Store, actor: &Actor, mailboxes: &[CollectionId]) -> Result<Vec<i64>, MailError> {
    if mailboxes.len() > crate::search::MAX_SCOPE {
        return Err(MailError::Cannot("too many mailboxes to read at once"));
    }
    let (actor, mailboxes) = (actor.clone(), mailboxes.to_vec());
    store
        .read(move |r| {
            let mut threads = std::collections::BTreeSet::new();
            for id in mailboxes {
                if let Err(refused) = require(r, &actor, id, Rights::READ_ITEMS, "reading messages")? {
                    return Ok(Err(refused));
                }
                threads.extend(r.mailbox_threads(id)?.into_iter().map(|(_, thread, _)| thread));
            }
            Ok(Ok(threads.into_iter().collect()))
        })
        .await?
}

/// A stable 63-bit hash (the first eight octets of SHA-256): stored, so it must never change.
fn hash(bytes: &[u8]) -> i64 {
    let d = Sha256::digest(bytes);
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    (u64::from_be_bytes(b) >> 1) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(id: Option<&str>, irt: &[&str], refs: &[&str], subject: &str) -> Summary {
        Summary {
            message_id: id.map(str::to_owned),
            in_reply_to: irt.iter().map(|s| s.to_string()).collect(),
            references: refs.iter().map(|s| s.to_string()).collect(),
            base_subject: subject.to_owned(),
            ..Summary::default()
        }
    }

    #[test]
    fn key_names_own_reply_and_references_once_and_bounded() {
        let k = key(&summary(Some("a@x"), &["b@x"], &["r@x", "b@x"], "Hello"));
        assert_eq!(k.msgids.len(), 3, "a, b and r, b once");
        assert_eq!(k.subject_hash, key(&summary(None, &[], &[], "hello")).subject_hash, "case folded");
        let many: Vec<String> = (0..5000).map(|i| format!("{i}@x")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let k = key(&summary(Some("a@x"), &[], &refs, "s"));
        assert_eq!(k.msgids.len(), MAX_IDS);
        assert!(k.msgids.contains(&hash(b"0@x")), "the root is kept");
        assert!(k.msgids.contains(&hash(b"4999@x")), "the parent is kept");
        assert!(k.msgids.iter().all(|h| *h >= 0));
        assert!(key(&summary(None, &[], &[], "")).msgids.is_empty());
    }
}
