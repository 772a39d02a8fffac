//! Submissions kept (RFC 8621 §7, JMAP EmailSubmission): what a user sent, as which identity,
//! with which envelope, and what became of each recipient — kept in the store
//! (`email_submissions`) for `retention` after it was sent, at most `MAX_SUBMISSIONS` per
//! account (the oldest settled ones make room).
//!
//! A submission is sent at once, its record written in the delivery's own transaction (local
//! copies delivered = `yes`, remote ones `queued`, then `yes`/`no` as the outbound queue's
//! attempts end: `record_queue_outcomes`). Or it is held (RFC 4865 FUTURERELEASE, the client's
//! "undo send"): checked now, its message kept by the record until `send_at`, when the queue's
//! runner releases it (`release_submissions`: checked again, then delivered in one transaction
//! with the record turning final) — unless the user cancelled it first (`cancel_submission`).
//! Of a release and a cancellation at once exactly one commits (`settle_submission`).

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use relais_directory::Principal;
use relais_store::{AccountId, ItemId, NewSubmission, QueueOutcome, StoredSubmission, UndoStatus, WriteTx};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::identity::{Identity, IdentityId};
use crate::{Destination, Envelope, EnvelopeRecipient, MailError, Mailer, SubmitError, SubmitOptions, headers};

/// Most submissions an account keeps (the oldest settled ones make room; all pending: refused).
pub const MAX_SUBMISSIONS: u32 = 1000;
/// The furthest in the future a submission may be held (JMAP `maxDelayedSend`), in seconds.
pub const MAX_DELAYED_SEND: i64 = 7 * 86_400;
/// Held submissions released per pass.
const RELEASE_BATCH: i64 = 50;
/// How long a release that failed is put off before it is tried again.
const RELEASE_RETRY_SECS: i64 = 300;
/// Settled submissions removed per transaction by the sweep, and transactions per sweep.
const PURGE_BATCH: i64 = 500;
const PURGE_ROUNDS: usize = 100;

/// An address of the envelope (RFC 8621 §7 Address), with its SMTP parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionAddress {
    pub email: String,
    #[serde(default)]
    pub parameters: Option<BTreeMap<String, Option<String>>>,
}

/// The envelope a submission was (or will be) sent with, and whether the server keeps the
/// Sent copy when it is released.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubmissionEnvelope {
    pub mail_from: SubmissionAddress,
    pub rcpt_to: Vec<SubmissionAddress>,
    #[serde(default)]
    pub save_sent: bool,
}

/// RFC 8621 §7 DeliveryStatus `delivered`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Delivery {
    Queued,
    Yes,
    No,
    Unknown,
}

/// What became of one recipient: the last SMTP reply and whether it was delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryStatus {
    pub smtp_reply: String,
    pub delivered: Delivery,
}

/// One kept submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailSubmission {
    pub id: i64,
    pub identity: IdentityId,
    pub email: ItemId,
    pub thread: i64,
    pub envelope: SubmissionEnvelope,
    pub send_at: i64,
    pub undo: UndoStatus,
    /// By recipient address.
    pub delivery: BTreeMap<String, DeliveryStatus>,
}

/// What to send: an email of the account as one of its identities.
#[derive(Debug, Clone)]
pub struct SubmissionRequest {
    pub identity: Identity,
    pub email: ItemId,
    pub thread: i64,
    pub raw: Vec<u8>,
    /// The client's envelope (recipients routed); `None`: the header's recipients, and the
    /// identity's address as the reverse-path.
    pub envelope: Option<Envelope>,
    /// Hold it until then (RFC 4865 FUTURERELEASE); `None` or a past time: send at once.
    pub send_at: Option<i64>,
    pub save_sent: bool,
}

#[derive(Debug, Error)]
pub enum SubmissionError {
    #[error("{0}")]
    Submit(#[from] SubmitError),
    /// Held past `MAX_DELAYED_SEND`.
    #[error("a message is held at most {MAX_DELAYED_SEND} seconds")]
    TooLate,
    /// `MAX_SUBMISSIONS` kept and every one still pending.
    #[error("too many submissions are pending")]
    Full,
    #[error("no such submission")]
    NotFound,
    /// Released (or cancelled) already: RFC 8621 §7.5 cannotUnsend.
    #[error("the submission was released and cannot be cancelled")]
    CannotUnsend,
    /// A pending submission is cancelled before its record is destroyed.
    #[error("the submission is pending")]
    Pending,
}

impl From<MailError> for SubmissionError {
    fn from(e: MailError) -> Self {
        match e {
            MailError::Store(relais_store::Error::Limit(_)) => SubmissionError::Full,
            e => SubmissionError::Submit(SubmitError::Mail(e)),
        }
    }
}

impl From<relais_store::Error> for SubmissionError {
    fn from(e: relais_store::Error) -> Self {
        MailError::from(e).into()
    }
}

fn to_json<T: Serialize>(v: &T) -> relais_store::Result<String> {
    serde_json::to_string(v).map_err(|e| relais_store::Error::Corrupt(format!("submission encoding: {e}")))
}

fn from_json<T: for<'a> Deserialize<'a>>(s: &str) -> relais_store::Result<T> {
    serde_json::from_str(s).map_err(|e| relais_store::Error::Corrupt(format!("submission record: {e}")))
}

fn read(s: StoredSubmission) -> relais_store::Result<EmailSubmission> {
    Ok(EmailSubmission {
        id: s.id,
        identity: IdentityId::logged(s.identity),
        email: ItemId(s.email),
        thread: s.thread,
        envelope: from_json(&s.envelope)?,
        send_at: s.send_at,
        undo: s.undo,
        delivery: from_json(&s.delivery)?,
    })
}

fn status(smtp_reply: &str, delivered: Delivery) -> DeliveryStatus {
    DeliveryStatus { smtp_reply: smtp_reply.to_owned(), delivered }
}

/// Each recipient's status once the delivery committed: local ones delivered, remote queued.
fn statuses_at_delivery(recipients: &[EnvelopeRecipient]) -> BTreeMap<String, DeliveryStatus> {
    let mut out = BTreeMap::new();
    for r in recipients {
        let s = match r.destination {
            Destination::Local(_) => status("250 2.1.5 delivered", Delivery::Yes),
            Destination::Remote => status("250 2.1.5 queued", Delivery::Queued),
        };
        out.insert(r.address.clone(), s);
    }
    out
}

fn stored_envelope(envelope: &Envelope, save_sent: bool) -> SubmissionEnvelope {
    let address = |email: &str| SubmissionAddress { email: email.to_owned(), parameters: None };
    SubmissionEnvelope {
        mail_from: address(&envelope.sender),
        rcpt_to: envelope.recipients.iter().map(|r| address(&r.address)).collect(),
        save_sent,
    }
}

fn identity_number(id: IdentityId) -> i64 {
    match id {
        IdentityId::Own => 0,
        IdentityId::Stored(n) => n,
    }
}

impl Mailer {
    /// Sends (or holds) an email of `actor`'s account as one of its identities, and keeps the
    /// submission. With no envelope the reverse-path is the identity's address (an alias, or
    /// an address the user sends as), the recipients the header's (Bcc taken out).
    pub async fn submit_email(
        &self,
        actor: &Principal,
        request: SubmissionRequest,
    ) -> Result<EmailSubmission, SubmissionError> {
        let now = relais_store::now();
        let send_at = request.send_at.filter(|at| *at > now);
        if send_at.is_some_and(|at| at - now > MAX_DELAYED_SEND) {
            return Err(SubmissionError::TooLate);
        }
        let mut envelope = match request.envelope {
            Some(e) => e,
            None => self.header_envelope(&request.raw, request.identity.email.to_ascii_lowercase()).await?,
        };
        let raw = headers::remove_field(request.raw, "Bcc");
        let message = self.checked(actor, &mut envelope, raw).await?;
        let mut new = NewSubmission {
            identity: identity_number(request.identity.id),
            email: request.email.0,
            thread: request.thread,
            envelope: to_json(&stored_envelope(&envelope, request.save_sent))?,
            send_at: send_at.unwrap_or(now),
            undo: UndoStatus::Final,
            delivery: String::new(),
            queue: None,
            held: None,
        };
        let account = actor.id;
        let id = match send_at {
            Some(_) => {
                let delivery: BTreeMap<String, DeliveryStatus> =
                    envelope.recipients.iter().map(|r| (r.address.clone(), status("", Delivery::Unknown))).collect();
                new.delivery = to_json(&delivery)?;
                new.undo = UndoStatus::Pending;
                let held = self.store().put_blob(message).await?;
                let size = held.size;
                new.held = Some(held);
                let id = self
                    .store()
                    .write(move |tx| {
                        // What waits here counts for the quota, as it would in a mailbox.
                        tx.check_quota(account, size)?;
                        tx.create_submission(account, new, MAX_SUBMISSIONS)
                    })
                    .await?;
                // The runner sleeps until its next due time: this may be sooner.
                self.queue_wake().notify_one();
                id
            }
            None => {
                new.delivery = to_json(&statuses_at_delivery(&envelope.recipients))?;
                let made = Arc::new(OnceLock::new());
                let slot = made.clone();
                let run = Box::new(move |tx: &mut relais_store::WriteTx<'_>, delivered: &crate::deliver::Delivered| {
                    new.queue = delivered.queued;
                    let id = tx.create_submission(account, new, MAX_SUBMISSIONS)?;
                    let _ = slot.set(id);
                    Ok(())
                });
                let also = crate::deliver::AlsoInTx { account, run };
                let options = SubmitOptions { save_sent: request.save_sent };
                self.send_checked(actor, &envelope, message, options, Some(also)).await.map_err(|e| match e {
                    SubmitError::Mail(m) => SubmissionError::from(m),
                    e => SubmissionError::Submit(e),
                })?;
                *made.get().ok_or_else(|| relais_store::Error::NotCommitted("no submission kept".into()))?
            }
        };
        let kept = self.store().read(move |r| r.submission(account, id)).await?;
        Ok(read(kept.ok_or(SubmissionError::NotFound)?)?)
    }

    /// The account's kept submissions, oldest first.
    pub async fn submissions(&self, account: AccountId) -> Result<Vec<EmailSubmission>, MailError> {
        let all = self.store().read(move |r| r.submissions(account)).await?;
        Ok(all.into_iter().map(read).collect::<relais_store::Result<_>>()?)
    }

    /// RFC 8621 §7.5: a pending submission's undoStatus set to canceled; its message is never
    /// sent. A released one is `CannotUnsend`.
    pub async fn cancel_submission(&self, actor: &Principal, id: i64) -> Result<(), SubmissionError> {
        let account = actor.id;
        let done = self
            .store()
            .write(move |tx| {
                let Some(s) = tx.read().submission(account, id)? else { return Ok(None) };
                tx.settle_submission(account, id, UndoStatus::Canceled, None, &s.delivery).map(Some)
            })
            .await?;
        match done {
            None => Err(SubmissionError::NotFound),
            Some(false) => Err(SubmissionError::CannotUnsend),
            Some(true) => Ok(()),
        }
    }

    /// Removes a submission's record (what was sent stays sent); a pending one is cancelled
    /// first (`Pending`).
    pub async fn destroy_submission(&self, actor: &Principal, id: i64) -> Result<(), SubmissionError> {
        let account = actor.id;
        let done = self
            .store()
            .write(move |tx| match tx.read().submission(account, id)? {
                None => Ok(None),
                Some(s) if s.undo == UndoStatus::Pending => Ok(Some(false)),
                Some(_) => tx.destroy_submission(account, id).map(Some),
            })
            .await?;
        match done {
            None => Err(SubmissionError::NotFound),
            Some(false) => Err(SubmissionError::Pending),
            Some(true) => Ok(()),
        }
    }

    /// Removes the submissions settled more than `retention` seconds ago (the periodic
    /// maintenance); how many went.
    pub async fn purge_submissions(&self, retention: i64) -> Result<u64, MailError> {
        let before = relais_store::now().saturating_sub(retention);
        let mut total = 0;
        for _ in 0..PURGE_ROUNDS {
            let gone = self.store().write(move |tx| tx.purge_submissions(before, PURGE_BATCH)).await?;
            total += gone;
            if gone < u64::try_from(PURGE_BATCH).unwrap_or(0) {
                break;
            }
        }
        Ok(total)
    }

    /// Releases the held submissions due at `now` (the outbound queue's runner calls it before
    /// each lease); how many it released.
    pub async fn release_submissions(&self, now: i64) -> Result<usize, MailError> {
        let due = self.store().read(move |r| r.due_submissions(now, RELEASE_BATCH)).await?;
        let mut released = 0;
        for s in due {
            let (account, id) = (s.account, s.id);
            match self.release(s).await {
                Ok(true) => released += 1,
                Ok(false) => {}
                Err(e) => {
                    // Put off, not tried again at every tick of the queue: a release that keeps
                    // failing would otherwise take its place in every batch, and enough of them
                    // would keep every submission due after them waiting.
                    let until = now + RELEASE_RETRY_SECS;
                    tracing::warn!(submission = id, error = %e, until, "submission: release failed; tried again later");
                    let deferred = self.store().write(move |tx| tx.defer_submission(account, id, until)).await;
                    if let Err(e) = deferred {
                        tracing::warn!(submission = id, error = %e, "submission: could not put the release off");
                    }
                }
            }
        }
        Ok(released)
    }

    /// Sends one held submission as its account, checked again; false if it was cancelled
    /// (or released elsewhere) meanwhile.
    async fn release(&self, s: StoredSubmission) -> Result<bool, MailError> {
        let (account, id) = (s.account, s.id);
        let stored: SubmissionEnvelope = from_json(&s.envelope)?;
        let mut delivery: BTreeMap<String, DeliveryStatus> = BTreeMap::new();
        // An account that can no longer log in (its password removed: a compromised or
        // disabled user) sends nothing more, held mail included.
        let actor = self.directory().principal_by_id(account).await?.filter(|p| p.secret.is_some());
        let raw = match &s.held {
            Some(h) => self.store().blob(h.clone()).await.ok(),
            None => None,
        };
        let (Some(actor), Some(raw)) = (actor, raw) else {
            for r in &stored.rcpt_to {
                delivery
                    .insert(r.email.clone(), status("550 5.1.0 the sender is gone or may not log in", Delivery::No));
            }
            return self.settle_unsent(account, id, &delivery).await;
        };
        let mut envelope = Envelope { sender: stored.mail_from.email.clone(), ..Envelope::default() };
        for r in &stored.rcpt_to {
            match self.route(&r.email).await? {
                Some(destination) => envelope.recipients.push(EnvelopeRecipient {
                    address: r.email.clone(),
                    destination,
                    orcpt: None,
                    notify: 0,
                }),
                None => {
                    delivery.insert(r.email.clone(), status("550 5.1.1 no such recipient", Delivery::No));
                }
            }
        }
        let message = match self.checked(&actor, &mut envelope, raw).await {
            Ok(m) => m,
            Err(e) => {
                let reply = format!("550 5.7.1 {e}");
                for r in &stored.rcpt_to {
                    delivery.insert(r.email.clone(), status(&reply, Delivery::No));
                }
                return self.settle_unsent(account, id, &delivery).await;
            }
        };
        if envelope.recipients.is_empty() {
            return self.settle_unsent(account, id, &delivery).await;
        }
        delivery.extend(statuses_at_delivery(&envelope.recipients));
        let delivery = to_json(&delivery)?;
        let run = Box::new(move |tx: &mut relais_store::WriteTx<'_>, delivered: &crate::deliver::Delivered| {
            if tx.settle_submission(account, id, UndoStatus::Final, delivered.queued, &delivery)? {
                Ok(())
            } else {
                Err(relais_store::Error::NotCommitted(CANCELLED.into()))
            }
        });
        let also = crate::deliver::AlsoInTx { account, run };
        let options = SubmitOptions { save_sent: stored.save_sent };
        match self.send_checked(&actor, &envelope, message, options, Some(also)).await {
            Ok(_) => Ok(true),
            Err(SubmitError::Mail(MailError::Store(relais_store::Error::NotCommitted(why)))) if why == CANCELLED => {
                Ok(false)
            }
            Err(SubmitError::Mail(e)) => Err(e),
            Err(e) => Err(relais_store::Error::NotCommitted(e.to_string()).into()),
        }
    }

    /// A held submission that cannot be sent becomes final with these statuses.
    async fn settle_unsent(
        &self,
        account: AccountId,
        id: i64,
        delivery: &BTreeMap<String, DeliveryStatus>,
    ) -> Result<bool, MailError> {
        let delivery = to_json(delivery)?;
        Ok(self.store().write(move |tx| tx.settle_submission(account, id, UndoStatus::Final, None, &delivery)).await?)
    }
}

/// Why a release's delivery was rolled back: the submission was cancelled meanwhile.
const CANCELLED: &str = "the submission was cancelled before its release";

/// In the transaction that records the outbound queue's outcomes for `queued`: the statuses of
/// the submission that sent it, if one is kept.
pub(crate) fn record_queue_outcomes(
    tx: &mut WriteTx<'_>,
    queued: i64,
    outcomes: &[(i64, QueueOutcome)],
) -> relais_store::Result<()> {
    let Some(s) = tx.read().submission_of_queued(queued)? else { return Ok(()) };
    let Some(message) = tx.read().queued_message(queued)? else { return Ok(()) };
    let mut delivery: BTreeMap<String, DeliveryStatus> = from_json(&s.delivery)?;
    let mut changed = false;
    for (recipient, outcome) in outcomes {
        let Some(r) = message.recipients.iter().find(|r| r.id == *recipient) else { continue };
        let new = match outcome {
            QueueOutcome::Delivered => status("250 2.0.0 delivered", Delivery::Yes),
            QueueOutcome::Failed { error } => status(error, Delivery::No),
            QueueOutcome::Retry { error, .. } => status(error, Delivery::Queued),
            QueueOutcome::Warned => continue,
        };
        delivery.insert(r.address.clone(), new);
        changed = true;
    }
    if changed {
        tx.set_submission_delivery(s.account, s.id, &to_json(&delivery)?)?;
    }
    Ok(())
}
