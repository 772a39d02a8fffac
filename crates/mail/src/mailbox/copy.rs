//! Copy and move (IMAP COPY/MOVE, RFC 6851; JMAP Email/set mailboxIds; EAS MoveItems; EWS
//! CopyItem/MoveItem). A copy is a new message (a new item sharing the stored content), so its
//! flags are its own; a move within one account keeps the item and changes its mailbox. A
//! message belongs to one account: into another account's mailbox even a move copies (charged
//! to that owner's quota) and then takes the original out. Rights (RFC 4314 §4): `r` on the
//! source, `i` on the target, and for a move `t` and `e` on the source.

use std::collections::HashMap;

use relais_directory::access::{Actor, Rights};
use relais_store::{BlobRef, CollectionId, Item, ItemId, NewItem, Store, ThreadKey, Uid, WriteTx};

use super::keywords::present_in;
use super::{Checked, require, settable};
use crate::{MailError, summary, thread};

/// Messages to copy or move from one mailbox to another.
#[derive(Debug, Clone)]
pub struct Transfer {
    pub source: CollectionId,
    /// The messages as the actor knows them; one no longer in the source is skipped (RFC 9051
    /// §6.4.7 allows it).
    pub messages: Vec<(Uid, ItemId)>,
    pub target: CollectionId,
    /// Move (take them out of the source) rather than copy.
    pub moving: bool,
}

/// What a copy or move did: the target's UIDVALIDITY and each message's UID in the source and
/// in the target (RFC 4315 §3 COPYUID).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Copied {
    pub uid_validity: u32,
    pub uids: Vec<(Uid, Uid)>,
}

/// A new item ready for the target: the source's content, flags, date and summary.
type Prepared = Option<(NewItem, ThreadKey)>;

/// Copies or moves `t.messages` in one transaction. A move into the mailbox itself gives each
/// message a new UID and expunges the old one (RFC 6851 §3.3 allows it; clients use it to
/// "touch" a message), as other servers do.
pub async fn copy(store: &Store, actor: &Actor, t: Transfer) -> Result<Copied, MailError> {
    let (source, target) = (t.source, t.target);
    let owners = store.read(move |r| Ok((r.collection(source)?.account, r.collection(target)?.account))).await;
    let across = match owners {
        Ok((a, b)) => a != b,
        Err(relais_store::Error::NotFound(_)) => return Err(MailError::NoMailbox),
        Err(e) => return Err(e.into()),
    };
    let copies = if t.moving && !across { Vec::new() } else { prepare(store, &t.messages).await? };
    let actor = actor.clone();
    store.write(move |tx| copy_in(tx, &actor, t, copies)).await?
}

fn copy_in(
    tx: &mut WriteTx<'_>,
    actor: &Actor,
    t: Transfer,
    copies: Vec<Prepared>,
) -> relais_store::Result<Checked<Copied>> {
    let (source, target) = (t.source, t.target);
    let needed =
        if t.moving { Rights::READ_ITEMS | Rights::DELETE_ITEMS | Rights::EXPUNGE } else { Rights::READ_ITEMS };
    let from = match require(&mut tx.read(), actor, source, needed, if t.moving { "MOVE" } else { "COPY" })? {
        Ok((c, _)) => c,
        Err(refused) => return Ok(Err(refused)),
    };
    let (to, held) = match require(&mut tx.read(), actor, target, Rights::INSERT, "adding messages")? {
        Ok(x) => x,
        Err(refused) => return Ok(Err(refused)),
    };
    let across = from.account != to.account;
    let present = present_in(tx, source, &t.messages)?;
    let picked: Vec<(usize, Uid, ItemId)> = (t.messages.iter().enumerate())
        .filter(|(_, m)| present.contains(m))
        .map(|(i, &(uid, item))| (i, uid, item))
        .collect();
    if !t.moving || across {
        let adding = picked.iter().filter_map(|(i, ..)| copies.get(*i)?.as_ref()).map(|(c, _)| size_of(c)).sum();
        tx.check_quota(to.account, adding)?;
    }
    let mut uids = Vec::with_capacity(picked.len());
    for (i, uid, item) in picked {
        let new_uid = if t.moving && target == source {
            tx.renumber_in_mailbox(item, source, uid)?
        } else if t.moving && !across {
            tx.add_to_mailbox(item, target)?
        } else {
            let Some((mut copy, key)) = copies.get(i).cloned().flatten() else { continue };
            copy.keywords = settable(std::mem::take(&mut copy.keywords), held);
            let id = thread::create_message(tx, to.account, copy, &key)?;
            tx.copy_message_index(item, id)?;
            tx.add_to_mailbox(id, target)?
        };
        if t.moving && target != source {
            tx.remove_from_mailbox(item, source)?;
        }
        uids.push((uid, new_uid));
    }
    Ok(Ok(Copied { uid_validity: to.uid_validity, uids }))
}

fn size_of(item: &NewItem) -> u64 {
    item.blob.as_ref().map_or(0, |b| b.size)
}

/// The new items for copies of `messages`, read before the write (each copy's search index
/// rows are the original's, copied in the write); `None` for a message gone meanwhile.
async fn prepare(store: &Store, messages: &[(Uid, ItemId)]) -> Result<Vec<Prepared>, MailError> {
    let ids: Vec<ItemId> = messages.iter().map(|&(_, item)| item).collect();
    let found: HashMap<ItemId, Item> =
        store.read(move |r| r.items(&ids)).await?.into_iter().map(|i| (i.id, i)).collect();
    Ok(messages
        .iter()
        .map(|(_, item)| {
            let it = found.get(item)?;
            let key = thread::key(&summary::Summary::of(it));
            let copy = NewItem {
                blob: it.blob.clone().map(|hash| BlobRef::existing(hash, it.size)),
                received_at: it.received_at,
                keywords: it.keywords.clone(),
                summary: it.summary.clone(),
                ..NewItem::default()
            };
            Some((copy, key))
        })
        .collect())
}
