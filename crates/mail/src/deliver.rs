//! Delivery: one message, one envelope, one durable transaction. Local recipients get the
//! message in their INBOX (one item each, one shared blob); remote recipients are queued.
//! `deliver` returns only after the transaction is durable: a protocol may acknowledge then.

use std::sync::Arc;
use std::time::Duration;

use relais_directory::{Directory, DirectoryError, Recipient};
use relais_store::{AccountId, ItemId, MailboxRole, NewItem, NewQueued, Store, ThreadKey};
use thiserror::Error;

use crate::{headers, summary};

/// Where one recipient's copy goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Into these accounts' INBOX (one for a mailbox, the members for a group).
    Local(Vec<AccountId>),
    /// Onto the outbound queue.
    Remote,
}

#[derive(Debug, Clone)]
pub struct EnvelopeRecipient {
    pub address: String,
    pub destination: Destination,
    /// RFC 3461 ORCPT and NOTIFY (smtp-proto's RCPT_NOTIFY_* bits; 0 = default).
    pub orcpt: Option<String>,
    pub notify: i64,
}

#[derive(Debug, Clone, Default)]
pub struct Envelope {
    /// The reverse-path; empty for a bounce.
    pub sender: String,
    pub recipients: Vec<EnvelopeRecipient>,
    pub env_id: Option<String>,
    pub ret_full: bool,
    /// Who submitted it, when authenticated.
    pub principal: Option<AccountId>,
    /// Local copies go to Junk instead of INBOX (DMARC quarantine).
    pub quarantine: bool,
    /// How SMTP authenticated the sender (handed on to iMIP; see `SenderAuth`).
    pub auth: crate::SenderAuth,
}

#[derive(Debug, Error)]
pub enum MailError {
    #[error("{0}")]
    Store(#[from] relais_store::Error),
    #[error("{0}")]
    Directory(#[from] DirectoryError),
    #[error("account {0} has no INBOX")]
    NoInbox(AccountId),
    /// The mailbox does not exist for this actor: absent, or held without the right to see it
    /// (RFC 4314 §4: its existence is not disclosed). IMAP: NO [NONEXISTENT] / [TRYCREATE].
    #[error("no such mailbox")]
    NoMailbox,
    /// The actor sees the mailbox but lacks these rights for the operation (IMAP: NO [NOPERM]).
    #[error("{what} needs rights the user does not hold on this mailbox")]
    NoRight { missing: relais_directory::access::Rights, what: &'static str },
    /// The operation cannot be done on this mailbox, whoever asks (IMAP: NO [CANNOT]).
    #[error("{0}")]
    Cannot(&'static str),
}

/// A local copy ready to store: the item and its thread key, whether it has a calendar part
/// (and its bytes then), and what an out-of-office reply needs to know of it.
type LocalCopy = ((NewItem, ThreadKey), bool, Arc<[u8]>, Option<crate::vacation::Incoming>);

/// What a delivery's transaction also does, after it stored and queued (see `deliver_with`),
/// and the one account it writes: locked with the recipients' accounts, in ascending order
/// (`WriteTx::modseq`), so that two deliveries crossing each other cannot deadlock.
pub(crate) struct AlsoInTx {
    pub account: AccountId,
    pub run: Box<dyn FnOnce(&mut relais_store::WriteTx<'_>, &Delivered) -> relais_store::Result<()> + Send>,
}

/// What a delivery stored.
#[derive(Debug, Clone, Default)]
pub struct Delivered {
    pub items: Vec<(AccountId, ItemId)>,
    pub queued: Option<i64>,
}

#[derive(Clone)]
pub struct Mailer {
    store: Store,
    directory: Directory,
    hostname: Arc<str>,
    queue_lifetime: Duration,
    queue_wake: Arc<tokio::sync::Notify>,
    pub(crate) index_queue: Arc<crate::indexer::IndexQueue>,
    calendar_sink: Option<tokio::sync::mpsc::UnboundedSender<CalendarMail>>,
}

/// A delivered message with a text/calendar part (an iMIP invitation, reply or
/// cancellation, RFC 6047), handed to the groupware layer after the delivery is durable.
#[derive(Debug, Clone)]
pub struct CalendarMail {
    /// The local accounts it was delivered to.
    pub accounts: Vec<AccountId>,
    /// Their copies, each recorded as pending (`calendar_pending`) until the groupware layer
    /// has applied the message: a crash in between is replayed at the next start.
    pub items: Vec<ItemId>,
    /// The envelope sender.
    pub sender: String,
    /// How SMTP authenticated the sender; a quarantined message is `NotAligned` (never applied).
    pub auth: crate::SenderAuth,
    pub message: Arc<[u8]>,
}

impl Mailer {
    pub fn new(store: Store, directory: Directory, hostname: &str, queue_lifetime: Duration) -> Mailer {
        Mailer {
            store,
            directory,
            hostname: hostname.into(),
            queue_lifetime,
            queue_wake: Arc::new(tokio::sync::Notify::new()),
            index_queue: Arc::default(),
            calendar_sink: None,
        }
    }

    /// Messages with a text/calendar part delivered locally are also sent to `sink`.
    pub fn with_calendar_sink(mut self, sink: tokio::sync::mpsc::UnboundedSender<CalendarMail>) -> Mailer {
        self.calendar_sink = Some(sink);
        self
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    pub fn hostname(&self) -> &str {
        &self.hostname
    }

    /// What tells the search indexer ([`crate::indexer::run`]) that messages were stored.
    pub fn index_queue(&self) -> Arc<crate::indexer::IndexQueue> {
        self.index_queue.clone()
    }

    /// Woken whenever something is queued (the SMTP crate's queue runner waits on it).
    pub fn queue_wake(&self) -> Arc<tokio::sync::Notify> {
        self.queue_wake.clone()
    }

    /// Where mail for `address` goes: local accounts, or `None` if the address is in a local
    /// domain but unknown. Addresses outside local domains are `Some(Remote)`.
    pub async fn route(&self, address: &str) -> Result<Option<Destination>, MailError> {
        let domain = address.rsplit_once('@').map_or("", |(_, d)| d);
        if !self.directory.is_local_domain(domain).await? {
            return Ok(Some(Destination::Remote));
        }
        Ok(match self.directory.resolve(address).await? {
            Some(Recipient::Mailbox(p)) => Some(Destination::Local(vec![p.id])),
            Some(Recipient::Group { members, .. }) if !members.is_empty() => {
                Some(Destination::Local(members.iter().map(|m| m.id).collect()))
            }
            _ => None,
        })
    }

    /// Stores `message` for every local recipient and queues it for the remote ones, in one
    /// transaction; returns once that is durable. Local copies get a Return-Path.
    pub async fn deliver(&self, envelope: &Envelope, message: Vec<u8>) -> Result<Delivered, MailError> {
        self.deliver_with(envelope, message, None).await
    }

    /// `deliver`, with `also` run in the delivery's transaction once it has stored and queued
    /// (what a submission keeps of itself commits with it, or neither does).
    pub(crate) async fn deliver_with(
        &self,
        envelope: &Envelope,
        message: Vec<u8>,
        also: Option<AlsoInTx>,
    ) -> Result<Delivered, MailError> {
        let (delivered, incoming) = self.store_and_queue(envelope, message, also).await?;
        // Out-of-office replies: after the delivery is durable, never holding up its answer;
        // never for a quarantined message (RFC 3834 §2: do not answer probable spam), nor to a
        // sender SMTP could not vouch for (a forged MAIL FROM would make every absent user a
        // reflector of text to third parties).
        let answerable = !envelope.quarantine && crate::vacation::may_answer(&envelope.auth, &envelope.sender);
        if let Some(incoming) = incoming.filter(|_| answerable) {
            let accounts = delivered.items.iter().map(|(a, _)| *a).collect();
            tokio::spawn(self.clone().answer_vacations(accounts, incoming));
        }
        Ok(delivered)
    }

    /// `deliver` without the out-of-office replies (which are delivered by it): also says what
    /// a reply would need to know of the message.
    pub(crate) async fn store_and_queue(
        &self,
        envelope: &Envelope,
        message: Vec<u8>,
        also: Option<AlsoInTx>,
    ) -> Result<(Delivered, Option<crate::vacation::Incoming>), MailError> {
        let mut local: Vec<AccountId> = Vec::new();
        let mut remote = Vec::new();
        for r in &envelope.recipients {
            match &r.destination {
                Destination::Local(ids) => local.extend(ids),
                Destination::Remote => remote.push((r.address.clone(), r.orcpt.clone(), r.notify)),
            }
        }
        // Ascending ids: the order accounts must be locked in (see WriteTx::modseq).
        local.sort();
        local.dedup();
        // A recipient named twice gets one copy (RFC 5321 §3.3 leaves it to us).
        let mut seen = std::collections::HashSet::new();
        remote.retain(|(address, _, _)| seen.insert(address.to_ascii_lowercase()));

        let queued_blob = match remote.is_empty() {
            true => None,
            false => Some(self.store.put_blob(message.clone()).await?),
        };
        let local_copy = match local.is_empty() {
            true => None,
            false => Some(self.prepare_local(envelope, message).await?),
        };
        let mut calendar = match (&self.calendar_sink, &local_copy) {
            (Some(_), Some((_, true, raw, _))) => Some(CalendarMail {
                accounts: local.clone(),
                items: Vec::new(),
                sender: envelope.sender.clone(),
                // DMARC quarantine put it in Junk: its calendar part is never applied.
                auth: if envelope.quarantine { crate::SenderAuth::NotAligned } else { envelope.auth.clone() },
                message: raw.clone(),
            }),
            _ => None,
        };
        let pending_sender = calendar.as_ref().map(|c| (c.sender.clone(), c.auth.to_text()));
        let (local_copy, incoming) = match local_copy {
            Some((item, _, _, incoming)) => (Some(item), incoming),
            None => (None, None),
        };
        let new_queued = queued_blob.map(|blob| NewQueued {
            blob,
            sender: envelope.sender.clone(),
            env_id: envelope.env_id.clone(),
            ret_full: envelope.ret_full,
            principal: envelope.principal,
            expires: relais_store::now() + i64::try_from(self.queue_lifetime.as_secs()).unwrap_or(i64::MAX / 2),
            recipients: remote,
        });
        let has_remote = new_queued.is_some();
        let role = if envelope.quarantine { MailboxRole::Junk } else { MailboxRole::Inbox };
        let delivered = self
            .store
            .write(move |tx| {
                let mut out = Delivered::default();
                if let Some(also) = &also {
                    let mut accounts = local.clone();
                    accounts.push(also.account);
                    accounts.sort();
                    accounts.dedup();
                    for account in accounts {
                        tx.modseq(account)?;
                    }
                }
                if let Some((item, key)) = local_copy {
                    for account in local {
                        let inbox = tx
                            .read()
                            .mailbox_by_role(account, role)?
                            .or(tx.read().mailbox_by_role(account, MailboxRole::Inbox)?)
                            .ok_or_else(|| relais_store::Error::NotFound(format!("INBOX of account {account}")))?;
                        let id = crate::thread::create_message(tx, account, item.clone(), &key)?;
                        tx.add_to_mailbox(id, inbox.id)?;
                        if let Some((sender, auth)) = &pending_sender {
                            tx.add_calendar_pending(id, account, sender, auth)?;
                        }
                        out.items.push((account, id));
                    }
                }
                if let Some(q) = new_queued {
                    out.queued = Some(tx.enqueue(q)?);
                }
                if let Some(also) = also {
                    (also.run)(tx, &out)?;
                }
                Ok(out)
            })
            .await?;
        if has_remote {
            self.queue_wake.notify_one();
        }
        if !delivered.items.is_empty() {
            self.index_queue.added();
        }
        if let (Some(sink), Some(mut mail)) = (&self.calendar_sink, calendar.take()) {
            mail.items = delivered.items.iter().map(|(_, id)| *id).collect();
            let _ = sink.send(mail);
        }
        Ok((delivered, incoming))
    }

    /// Adds Return-Path, analyses the MIME once, writes the blob: the item every local
    /// recipient gets.
    /// Also says whether the message has a text/calendar part, with its bytes when it has.
    async fn prepare_local(&self, envelope: &Envelope, message: Vec<u8>) -> Result<LocalCopy, MailError> {
        let raw = headers::prepend(&[format!("Return-Path: <{}>", envelope.sender)], message);
        let sender = envelope.sender.clone();
        let (raw, summary, incoming) = tokio::task::spawn_blocking(move || {
            let s = summary::summarize(&raw);
            let incoming = crate::vacation::incoming(&sender, &raw);
            (raw, s, incoming)
        })
        .await
        .map_err(|e| relais_store::Error::NotCommitted(format!("message analysis failed: {e}")))?;
        let json = serde_json::to_string(&summary)
            .map_err(|e| relais_store::Error::Corrupt(format!("summary encoding: {e}")))?;
        let calendar = has_part(&summary.structure, "text", "calendar");
        let key = crate::thread::key(&summary);
        let copy: Arc<[u8]> = if calendar { raw.clone().into() } else { Arc::from(&[][..]) };
        let blob = self.store.put_blob(raw).await?;
        let item = NewItem {
            blob: Some(blob),
            received_at: relais_store::now(),
            thread_id: None,
            summary: json,
            ..NewItem::default()
        };
        Ok(((item, key), calendar, copy, incoming))
    }
}

/// Whether the body structure holds a part of this MIME type (an attached message included).
fn has_part(p: &summary::Part, kind: &str, subtype: &str) -> bool {
    (p.content_type.eq_ignore_ascii_case(kind) && p.content_subtype.eq_ignore_ascii_case(subtype))
        || p.parts.iter().any(|c| has_part(c, kind, subtype))
}
