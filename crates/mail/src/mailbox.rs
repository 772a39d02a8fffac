//! Mailbox operations every front-end shares, each one store transaction: IMAP, POP3, JMAP,
//! ActiveSync, EWS and the import command call these instead of writing the store themselves.
//! So far: append (analysed once, threaded, indexed, the quota checked inside the write that
//! uses it), expunge (on the flags as committed, for IMAP EXPUNGE, UID EXPUNGE, CLOSE and POP3
//! QUIT alike), the test for content a mailbox already holds, and a mailbox found or made by path.

use relais_store::{
    AccountId, BlobHash, Collection, CollectionId, CollectionKind, ItemId, NewCollection, NewItem, Store, Uid,
};

use crate::{MailError, Mailer, summary, thread};

/// The hierarchy separator of mailbox paths (IMAP's, for Relais's own names).
pub const SEPARATOR: char = '/';

/// The first level under which other accounts' shared mailboxes are shown (IMAP's Other Users
/// namespace, RFC 2342 §5); an account's own mailbox may not pass for one.
pub const OTHER_USERS: &str = "Other Users";

/// Why an account's own new mailbox cannot have the path `name` (levels by `SEPARATOR`), if it
/// cannot: an empty level, control characters (RFC 9051 §5.1 lets a server refuse names it
/// cannot keep; a NUL or a line break shows differently in every client and hides what a name
/// is), or a first level spelled like `OTHER_USERS` in any case or spacing. Every protocol and
/// the importer ask this before making a mailbox.
pub fn refuse_name(name: &str) -> Option<&'static str> {
    if name.is_empty() || name.split(SEPARATOR).any(str::is_empty) {
        return Some("invalid mailbox name");
    }
    if name.chars().any(char::is_control) {
        return Some("mailbox names cannot hold control characters");
    }
    if name.split(SEPARATOR).next().unwrap_or_default().trim().eq_ignore_ascii_case(OTHER_USERS) {
        return Some("that name is reserved for other users' shared mailboxes");
    }
    None
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

/// Takes messages out of `mailbox` in one transaction; returns the UIDs it removed (a message
/// removed meanwhile by someone else is not among them).
pub async fn expunge(store: &Store, mailbox: CollectionId, which: Expunge) -> Result<Vec<Uid>, MailError> {
    Ok(store
        .write(move |tx| {
            let doomed: Vec<(Uid, ItemId)> = match which {
                Expunge::Deleted(uids) => tx
                    .read()
                    .mailbox_messages(mailbox)?
                    .into_iter()
                    .filter(|m| m.keywords.iter().any(|k| k.eq_ignore_ascii_case("\\Deleted")))
                    .filter(|m| uids.as_ref().is_none_or(|u| u.contains(&m.uid)))
                    .map(|m| (m.uid, m.item))
                    .collect(),
                Expunge::Messages(list) => {
                    let present: std::collections::HashSet<(Uid, ItemId)> =
                        tx.read().mailbox_entries(mailbox)?.into_iter().map(|e| (e.uid, e.item)).collect();
                    list.into_iter().filter(|m| present.contains(m)).collect()
                }
            };
            let mut removed = Vec::with_capacity(doomed.len());
            for (uid, item) in doomed {
                tx.remove_from_mailbox(item, mailbox)?;
                removed.push(uid);
            }
            Ok(removed)
        })
        .await?)
}

/// Adds `keyword` (e.g. `\Seen` when a message is read) to each message on its keywords as
/// committed, not as a session last saw them, so a flag another session just changed is kept;
/// a message gone meanwhile is skipped. Returns the messages it changed.
pub async fn add_keyword(store: &Store, items: Vec<ItemId>, keyword: &str) -> Result<Vec<ItemId>, MailError> {
    let keyword = keyword.to_owned();
    Ok(store
        .write(move |tx| {
            let mut changed = Vec::new();
            for item in items {
                let mut keywords = match tx.read().item(item) {
                    Ok(it) => it.keywords,
                    Err(relais_store::Error::NotFound(_)) => continue,
                    Err(e) => return Err(e),
                };
                if keywords.iter().any(|k| k.eq_ignore_ascii_case(&keyword)) {
                    continue;
                }
                keywords.push(keyword.clone());
                tx.set_keywords(item, &keywords)?;
                changed.push(item);
            }
            Ok(changed)
        })
        .await?)
}

impl Mailer {
    /// Appends `messages` to `mailbox`, all or none, charged to the mailbox's owner; returns
    /// each one's item and UID. Refused with `OverQuota` when they would take the owner past
    /// its quota, decided in the same transaction that stores them.
    pub async fn append(
        &self,
        mailbox: CollectionId,
        messages: Vec<NewMessage>,
    ) -> Result<Vec<(ItemId, Uid)>, MailError> {
        let mut prepared = Vec::with_capacity(messages.len());
        for m in messages {
            if m.raw.is_empty() {
                return Err(relais_store::Error::Invalid("an empty message cannot be stored".into()).into());
            }
            let raw = m.raw;
            let (raw, analysed, text) = tokio::task::spawn_blocking(move || {
                let s = summary::summarize(&raw);
                let text = (summary::search_text(&raw, &s), crate::search::index(&raw, &s));
                (raw, s, text)
            })
            .await
            .map_err(|e| relais_store::Error::NotCommitted(format!("message analysis failed: {e}")))?;
            let key = thread::key(&analysed);
            let json = serde_json::to_string(&analysed)
                .map_err(|e| relais_store::Error::Corrupt(format!("summary encoding: {e}")))?;
            let size = raw.len() as u64;
            let item = NewItem {
                blob: Some(self.store().put_blob(raw).await?),
                received_at: m.received_at.unwrap_or_else(relais_store::now),
                keywords: m.keywords,
                summary: json,
                text: Some(text.0),
                search: Some(text.1),
                ..NewItem::default()
            };
            prepared.push((item, key, size));
        }
        let stored = self
            .store()
            .write(move |tx| {
                let owner = tx.read().collection(mailbox)?.account;
                let adding: u64 = prepared.iter().map(|(_, _, size)| size).sum();
                if let Some(limit) = tx.read().principal(owner)?.and_then(|p| p.quota)
                    && tx.read().usage(owner)?.saturating_add(adding) > limit
                {
                    return Err(relais_store::Error::OverQuota);
                }
                let mut out = Vec::with_capacity(prepared.len());
                for (item, key, _) in prepared {
                    let id = thread::create_message(tx, owner, item, &key)?;
                    out.push((id, tx.add_to_mailbox(id, mailbox)?));
                }
                Ok(out)
            })
            .await?;
        Ok(stored)
    }

    /// Whether `mailbox` already holds a message with exactly this content (an import run
    /// twice adds nothing).
    pub async fn holds(&self, mailbox: CollectionId, raw: &[u8]) -> Result<bool, MailError> {
        let hash = BlobHash::of(raw);
        Ok(self.store().read(move |r| r.mailbox_holds_blob(mailbox, &hash)).await?)
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
                        (0, true) => tx.read().collection_by_role(account, kind, "inbox")?,
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
