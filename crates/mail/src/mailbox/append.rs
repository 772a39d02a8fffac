//! Append (RFC 9051 §6.3.12, JMAP Email/import, EAS and EWS item creation): each message
//! analysed once like a delivery, threaded and indexed, charged to the mailbox's owner; the
//! importer's helpers (content already held, a mailbox by path).

use std::collections::{HashMap, HashSet};

use relais_directory::access::{Actor, Rights};
use relais_store::{
    AccountId, BlobHash, Collection, CollectionId, CollectionKind, ItemId, MailboxRole, NewCollection, NewItem, Uid,
};

use super::{Folder, Folders, SEPARATOR, refuse_name, require, settable};
use crate::{MailError, Mailer, summary, thread};

/// A message as a migration recognises it again: Message-ID (without `<>`), received date
/// (Unix seconds) and size in octets.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fingerprint {
    pub message_id: String,
    pub received_at: i64,
    pub size: u64,
}

impl Fingerprint {
    /// The fingerprint of a message about to be stored, if it has a Message-ID.
    pub fn of(raw: &[u8], received_at: i64) -> Option<Fingerprint> {
        let s = summary::summarize(raw);
        Some(Fingerprint { message_id: s.message_id?, received_at, size: raw.len() as u64 })
    }
}

/// A message to append.
#[derive(Debug, Clone, Default)]
pub struct NewMessage {
    pub raw: Vec<u8>,
    /// Flags and keywords as stored (`\Seen`, `$Forwarded`, …).
    pub keywords: Vec<String>,
    /// The received (IMAP internal) date, Unix seconds; now if `None`.
    pub received_at: Option<i64>,
}

impl Mailer {
    /// Appends `messages` to `mailbox`, all or none, charged to the mailbox's owner; returns
    /// each one's item and UID. Refused with `OverQuota` when they would take the owner past
    /// its quota, decided in the same transaction that stores them.
    /// Needs `i` on the mailbox (RFC 4314 §4); flags the actor may not set there are dropped.
    pub async fn append(
        &self,
        actor: &Actor,
        mailbox: CollectionId,
        messages: Vec<NewMessage>,
    ) -> Result<Vec<(ItemId, Uid)>, MailError> {
        self.append_then(actor, mailbox, messages, |_, _| Ok(())).await
    }

    /// `append`, and `then` in the same transaction after the messages are stored (given each
    /// one's item and UID, in order): a migration records how far it has come, and what each
    /// source message became, with the messages that take it there, so an interruption leaves
    /// neither a message without its progress nor progress without its message.
    pub async fn append_then<F>(
        &self,
        actor: &Actor,
        mailbox: CollectionId,
        messages: Vec<NewMessage>,
        then: F,
    ) -> Result<Vec<(ItemId, Uid)>, MailError>
    where
        F: FnOnce(&mut relais_store::WriteTx<'_>, &[(ItemId, Uid)]) -> relais_store::Result<()> + Send + 'static,
    {
        let prepared = self.prepare(messages).await?;
        let actor = actor.clone();
        let stored = self
            .store()
            .write(move |tx| {
                let out = match store_in(tx, &actor, mailbox, prepared)? {
                    Ok(out) => out,
                    Err(refused) => return Ok(Err(refused)),
                };
                then(tx, &out)?;
                Ok(Ok(out))
            })
            .await??;
        self.index_queue.added();
        Ok(stored)
    }

    /// `append` into the mailbox the actor names `name` (as `Folders::resolve` reads a name:
    /// its own mailboxes, and `Other Users/…` for shared ones), found in the transaction that
    /// stores the messages — so a rename meanwhile cannot send them elsewhere, and an IMAP
    /// APPEND needs no read transaction of its own. The folder as it was found and each
    /// message's item and UID; `None` when the name names no mailbox (IMAP's TRYCREATE), a
    /// refusal as `append` gives it when one is named but the actor may not append there.
    pub async fn append_named(
        &self,
        actor: &Actor,
        name: &str,
        messages: Vec<NewMessage>,
    ) -> Result<Option<(Folder, Vec<(ItemId, Uid)>)>, MailError> {
        // A content too large to go inline is written to a file before the transaction: not
        // for a mailbox that does not exist (the name is looked up first, as before).
        if messages.iter().any(|m| m.raw.len() > relais_store::INLINE_BLOB_MAX) {
            let (reader, name) = (actor.clone(), name.to_owned());
            if self.store().read(move |r| Folders::resolve(r, &reader, &name)).await?.is_none() {
                return Ok(None);
            }
        }
        let prepared = self.prepare(messages).await?;
        let (actor, name) = (actor.clone(), name.to_owned());
        let stored = self
            .store()
            .write(move |tx| {
                let Some(folder) = Folders::resolve(&mut tx.read(), &actor, &name)? else {
                    return Ok(Ok(None));
                };
                Ok(store_in(tx, &actor, folder.collection.id, prepared)?.map(|out| Some((folder, out))))
            })
            .await??;
        if stored.is_some() {
            self.index_queue.added();
        }
        Ok(stored)
    }

    /// Each message analysed once like a delivery (off the executor), its content put where
    /// blobs go, ready for `store_in`. Its search index is written later, by the indexer.
    async fn prepare(&self, messages: Vec<NewMessage>) -> Result<Vec<Prepared>, MailError> {
        let mut prepared = Vec::with_capacity(messages.len());
        for m in messages {
            if m.raw.is_empty() {
                return Err(relais_store::Error::Invalid("an empty message cannot be stored".into()).into());
            }
            let raw = m.raw;
            let (raw, analysed) = tokio::task::spawn_blocking(move || {
                let s = summary::summarize(&raw);
                (raw, s)
            })
            .await
            .map_err(|e| relais_store::Error::NotCommitted(format!("message analysis failed: {e}")))?;
            let key = thread::key(&analysed);
            let json = analysed.to_stored()?;
            let size = raw.len() as u64;
            let item = NewItem {
                blob: Some(self.store().put_blob(raw).await?),
                received_at: m.received_at.unwrap_or_else(relais_store::now),
                keywords: m.keywords,
                summary: json,
                ..NewItem::default()
            };
            prepared.push(Prepared { item, key, size });
        }
        Ok(prepared)
    }

    /// Whether `mailbox` already holds a message with exactly this content (an import run
    /// twice adds nothing).
    pub async fn holds(&self, mailbox: CollectionId, raw: &[u8]) -> Result<bool, MailError> {
        let hash = BlobHash::of(raw);
        Ok(self.store().read(move |r| r.mailbox_holds_blob(mailbox, &hash)).await?)
    }

    /// What tells the messages of `mailbox` apart when their source's UIDs no longer can
    /// (a migration whose source folder changed its UIDVALIDITY): each one's Message-ID,
    /// received date and size. A message without a Message-ID has none.
    pub async fn fingerprints(&self, mailbox: CollectionId) -> Result<HashSet<Fingerprint>, MailError> {
        let (messages, summaries) =
            self.store().read(move |r| Ok((r.mailbox_messages(mailbox)?, r.mailbox_summaries(mailbox)?))).await?;
        let ids: HashMap<ItemId, String> = summaries
            .into_iter()
            .filter_map(|(item, json)| Some((item, summary::Summary::from_stored(&json).message_id?)))
            .collect();
        Ok(messages
            .into_iter()
            .filter_map(|m| {
                let id = ids.get(&m.item)?.clone();
                Some(Fingerprint { message_id: id, received_at: m.received_at, size: m.size })
            })
            .collect())
    }

    /// The account's mailbox at `path` (levels separated by `SEPARATOR`), made with its parents
    /// when missing.
    pub async fn mailbox_at(&self, account: AccountId, path: &str) -> Result<Collection, MailError> {
        let levels: Vec<String> = path.split(SEPARATOR).filter(|l| !l.is_empty()).map(str::to_owned).collect();
        if let Some(why) = refuse_name(&levels.join(&SEPARATOR.to_string())) {
            return Err(relais_store::Error::Invalid(why.into()).into());
        }
        // INBOX is a name of its own at the top level, in any case (RFC 9051 §5.1).
        let inbox = levels[0].eq_ignore_ascii_case("INBOX");
        Ok(self
            .store()
            .write(move |tx| {
                let mut parent: Option<Collection> = None;
                for (i, name) in levels.into_iter().enumerate() {
                    let kind = CollectionKind::Mailbox;
                    let found = match (i, inbox) {
                        (0, true) => tx.read().mailbox_by_role(account, MailboxRole::Inbox)?,
                        _ => tx.read().child_collection(account, kind, parent.as_ref().map(|p| p.id), &name)?,
                    };
                    let c = match found {
                        Some(c) => c,
                        None => {
                            let new = NewCollection { kind, name, parent: parent.as_ref().map(|p| p.id), role: None };
                            tx.create_collection(account, new)?
                        }
                    };
                    parent = Some(c);
                }
                parent.ok_or_else(|| relais_store::Error::Invalid("a mailbox needs a name".into()))
            })
            .await?)
    }
}

/// A message analysed and its content stored, not yet in a mailbox.
struct Prepared {
    item: NewItem,
    key: relais_store::ThreadKey,
    size: u64,
}

/// Stores `prepared` in `mailbox`, inside the caller's transaction: the `i` right checked, the
/// quota of the mailbox's owner, each message threaded, flags the actor may not set dropped.
fn store_in(
    tx: &mut relais_store::WriteTx<'_>,
    actor: &Actor,
    mailbox: CollectionId,
    prepared: Vec<Prepared>,
) -> relais_store::Result<Result<Vec<(ItemId, Uid)>, MailError>> {
    let (c, held) = match require(&mut tx.read(), actor, mailbox, Rights::INSERT, "APPEND")? {
        Ok(x) => x,
        Err(refused) => return Ok(Err(refused)),
    };
    let owner = c.account;
    tx.check_quota(owner, prepared.iter().map(|p| p.size).sum())?;
    let mut out = Vec::with_capacity(prepared.len());
    for Prepared { mut item, key, .. } in prepared {
        item.keywords = settable(std::mem::take(&mut item.keywords), held);
        let id = thread::create_message(tx, owner, item, &key)?;
        out.push((id, tx.add_to_mailbox(id, mailbox)?));
    }
    Ok(Ok(out))
}

