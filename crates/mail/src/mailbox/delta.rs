//! What a sync client is missing of a mailbox (ActiveSync Sync, later EWS SyncFolderItems):
//! the client holds every message of the mailbox up to a UID that was received after a date,
//! as they were at a modseq; the delta is what it must be told to hold them as they are now,
//! and the next messages after that UID, a window at a time.
//!
//! UIDs only grow within a mailbox, so "what the client holds" needs no list: the UID bound,
//! the date bound and the modseq say it. Messages taken out are read from the change log; a
//! state older than the log's window is `Store(ChangesTooOld)` (the client starts over).

use relais_directory::access::{Actor, Rights};
use relais_store::{ChangeKind, CollectionId, MailboxMessage, Modseq, ReadTx, Store, Uid};

use super::require;
use crate::MailError;
use crate::summary::Summary;

/// What a client holds of a mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    /// The account's modseq its copies are as of (0: it holds nothing yet).
    pub modseq: Modseq,
    /// It holds every message up to this UID ...
    pub uid: Uid,
    /// ... that was received at or after this time (Unix seconds; 0 for all).
    pub since: i64,
}

impl Default for Held {
    /// Nothing held.
    fn default() -> Held {
        Held { modseq: Modseq(0), uid: Uid(0), since: 0 }
    }
}

/// A message as a sync client is told of it: its place in the mailbox, its thread and its
/// summary.
#[derive(Debug, Clone)]
pub struct Listed {
    pub message: MailboxMessage,
    pub thread: Option<i64>,
    pub summary: Summary,
}

/// What the client is missing, and what it holds once told.
#[derive(Debug, Clone, Default)]
pub struct Delta {
    /// Messages it holds that are gone from the mailbox.
    pub removed: Vec<Uid>,
    /// Messages it holds whose flags changed.
    pub changed: Vec<Listed>,
    /// Messages it holds that were received before the window it keeps now (`delta_within`):
    /// it drops them, and they stay in the mailbox (ActiveSync SoftDelete).
    pub left: Vec<Uid>,
    /// Messages it does not hold yet, in UID order, at most the limit asked for.
    pub added: Vec<Listed>,
    /// More remain to be told after these (messages to add, or removals and changes past the window).
    pub more: bool,
    /// What the client holds once told all of the above.
    pub held: Held,
    /// The actor's rights on the mailbox.
    pub rights: Rights,
}

/// The delta of `mailbox` for a client holding `held`: at most `limit` new messages, and at
/// most `limit` removals and flag changes (whole modseqs; the rest next time).
/// Needs the read right (`r`).
pub async fn delta(
    store: &Store,
    actor: &Actor,
    mailbox: CollectionId,
    held: Held,
    limit: usize,
) -> Result<Delta, MailError> {
    delta_within(store, actor, mailbox, held, held.since, limit).await
}

/// Like [`delta`], for a client that now keeps only what was received at or after `window`
/// (a date window that moved on, as ActiveSync's FilterType does each day): the messages it
/// holds from before it are `left`, at most `limit` of them (the oldest; the rest next time,
/// with `more`), and `held.since` moves up to the window as far as they were told.
pub async fn delta_within(
    store: &Store,
    actor: &Actor,
    mailbox: CollectionId,
    held: Held,
    window: i64,
    limit: usize,
) -> Result<Delta, MailError> {
    let actor = actor.clone();
    store
        .read(move |r| {
            let (collection, rights) = match require(r, &actor, mailbox, Rights::READ_ITEMS, "reading messages")? {
                Ok(x) => x,
                Err(refused) => return Ok(Err(refused)),
            };
            let now = r.account_modseq(collection.account)?;
            let mut removed: Vec<(Uid, Modseq)> = Vec::new();
            if held.uid.0 > 0 {
                for c in r.mailbox_changes_since(mailbox, held.modseq)? {
                    if c.kind == ChangeKind::Destroyed && c.uid <= held.uid {
                        removed.push((c.uid, c.modseq));
                    }
                }
            }
            let messages = r.mailbox_messages(mailbox)?;
            let (left, since, mut more) = leaving(&messages, held, window, limit);
            let mut changed = Vec::new();
            let mut added = Vec::new();
            // What it holds is told from `since`; what it does not hold yet, from the window.
            let window = window.max(held.since);
            for m in messages {
                if m.uid <= held.uid {
                    if m.received_at >= since && m.modseq > held.modseq {
                        changed.push(m);
                    }
                } else if m.received_at < window {
                    continue;
                } else if added.len() < limit {
                    added.push(m);
                } else {
                    more = true;
                    break;
                }
            }
            // Removals and flag changes are a window too: past `limit` of them, the oldest
            // whole modseqs up to the limit are told now (the client then holds the mailbox as
            // of the last of them) and the rest, and the new messages, next time.
            let (mut upto, mut last) = (now, added.last().map_or(held.uid, |m: &MailboxMessage| m.uid));
            if removed.len() + changed.len() > limit.max(1) {
                let mut modseqs: Vec<Modseq> =
                    removed.iter().map(|r| r.1).chain(changed.iter().map(|m| m.modseq)).collect();
                modseqs.sort_unstable();
                upto = modseqs[limit.max(1) - 1];
                removed.retain(|r| r.1 <= upto);
                changed.retain(|m| m.modseq <= upto);
                added.clear();
                more = true;
                last = held.uid;
            }
            let removed = removed.into_iter().map(|r| r.0).collect();
            let changed = changed.into_iter().map(|m| listed_row(r, m)).collect::<relais_store::Result<Vec<_>>>()?;
            let added = added.into_iter().map(|m| listed_row(r, m)).collect::<relais_store::Result<Vec<_>>>()?;
            let held = Held { modseq: upto, uid: last, since };
            Ok(Ok(Delta { removed, changed, left, added, more, held, rights }))
        })
        .await?
}

/// The messages a client holding `held` drops when it keeps only `window` and later, oldest
/// first and at most `limit` (messages received in the same second as the last one told are
/// told with it, so a window always moves on); the date it then holds from, and whether more
/// remain to drop.
fn leaving(messages: &[MailboxMessage], held: Held, window: i64, limit: usize) -> (Vec<Uid>, i64, bool) {
    if window <= held.since {
        return (Vec::new(), held.since, false);
    }
    let mut left: Vec<(i64, Uid)> = messages
        .iter()
        .filter(|m| m.uid <= held.uid && m.received_at >= held.since && m.received_at < window)
        .map(|m| (m.received_at, m.uid))
        .collect();
    left.sort_unstable();
    let limit = limit.max(1);
    if left.len() <= limit {
        return (left.into_iter().map(|l| l.1).collect(), window, false);
    }
    let last = left[limit - 1].0;
    let cut = left.partition_point(|l| l.0 <= last);
    let since = left.get(cut).map_or(window, |l| l.0);
    left.truncate(cut);
    (left.into_iter().map(|l| l.1).collect(), since, since < window)
}

fn listed_row(r: &mut ReadTx<'_>, m: MailboxMessage) -> relais_store::Result<Listed> {
    let item = r.item(m.item)?;
    Ok(Listed { message: m, thread: item.thread_id, summary: Summary::from_stored(&item.summary) })
}

/// Message `uid` of `mailbox` as a sync client lists it, for an actor holding the read right
/// (`r`): `NoMailbox` when the mailbox is not the actor's to see, `Ok(None)` when the message
/// is not (or no longer) there.
pub async fn listed(
    store: &Store,
    actor: &Actor,
    mailbox: CollectionId,
    uid: Uid,
) -> Result<Option<Listed>, MailError> {
    let actor = actor.clone();
    store
        .read(move |r| {
            if let Err(refused) = require(r, &actor, mailbox, Rights::READ_ITEMS, "reading messages")? {
                return Ok(Err(refused));
            }
            match r.mailbox_message(mailbox, uid)? {
                Some(m) => Ok(Ok(Some(listed_row(r, m)?))),
                None => Ok(Ok(None)),
            }
        })
        .await?
}

/// Like [`listed`], with the message's content.
pub async fn message(
    store: &Store,
    actor: &Actor,
    mailbox: CollectionId,
    uid: Uid,
) -> Result<Option<(Listed, Vec<u8>)>, MailError> {
    let Some(found) = self::listed(store, actor, mailbox, uid).await? else { return Ok(None) };
    let Some(blob) = found.message.blob.clone() else { return Ok(Some((found, Vec::new()))) };
    let content = store.blob(blob).await?;
    Ok(Some((found, content)))
}

/// Whether messages of `mailbox` were added, changed or removed after `since` (a parked
/// ActiveSync Ping's question), for an actor holding the read right. A `since` older than the
/// change log's window counts as changed (the client must look).
pub async fn changed_since(
    store: &Store,
    actor: &Actor,
    mailbox: CollectionId,
    since: Modseq,
) -> Result<bool, MailError> {
    let actor = actor.clone();
    store
        .read(move |r| {
            if let Err(refused) = require(r, &actor, mailbox, Rights::READ_ITEMS, "reading messages")? {
                return Ok(Err(refused));
            }
            match r.mailbox_changes_since(mailbox, since) {
                Ok(list) => Ok(Ok(!list.is_empty())),
                Err(relais_store::Error::ChangesTooOld { .. }) => Ok(Ok(true)),
                Err(e) => Err(e),
            }
        })
        .await?
}

/// How many messages a client holding `held` would be told of (removed, changed and not yet
/// added), without reading them (ActiveSync GetItemEstimate).
pub async fn count_missing(
    store: &Store,
    actor: &Actor,
    mailbox: CollectionId,
    held: Held,
) -> Result<usize, MailError> {
    let actor = actor.clone();
    store
        .read(move |r| {
            if let Err(refused) = require(r, &actor, mailbox, Rights::READ_ITEMS, "reading messages")? {
                return Ok(Err(refused));
            }
            let mut n = 0;
            if held.uid.0 > 0 {
                n += r
                    .mailbox_changes_since(mailbox, held.modseq)?
                    .iter()
                    .filter(|c| c.kind == ChangeKind::Destroyed && c.uid <= held.uid)
                    .count();
            }
            n += r
                .mailbox_messages(mailbox)?
                .iter()
                .filter(|m| m.received_at >= held.since && (m.uid > held.uid || m.modseq > held.modseq))
                .count();
            Ok(Ok(n))
        })
        .await?
}
