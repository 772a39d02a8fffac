//! Submission: the one entry point for a message a user sends, whatever protocol carries it
//! (SMTP submission now; ActiveSync SendMail, EWS CreateItem, JMAP EmailSubmission next).
//! `Mailer::submit` checks the envelope sender and the originator fields against the actor's
//! rights, adds a missing Message-ID and Date (RFC 6409 §8), delivers locally and queues the
//! rest in one durable transaction (`Mailer::deliver`), then stores the Sent copy if asked.
//!
//! The originator rule (RFC 6409 §8, RFC 5322 §3.6.2): the author and sender a message names
//! must be addresses the actor may send as, or an author on whose behalf it may send, with the
//! actor as the Sender. The fields are read as the MIME analysis reads them
//! (`summary::address_fields`), so `From : CEO <bob@…>` (white space before the colon, RFC 5322
//! §4.5.3), a folded value or a second From field cannot show one author to the recipient and
//! another to this check.

use relais_directory::{Directory, DirectoryError, Principal};
use relais_store::{CollectionKind, ItemId, MailboxRole, Uid};
use thiserror::Error;

use crate::deliver::Delivered;
use crate::mailbox::NewMessage;
use crate::summary::{self, EnvAddress, MISSING_DOMAIN, MISSING_MAILBOX};
use crate::{Envelope, MailError, Mailer, SenderAuth, headers};

#[derive(Debug, Error)]
pub enum OriginatorError {
    /// RFC 5322 §3.6: exactly one From field.
    #[error("the message needs exactly one From field")]
    FromCount,
    /// RFC 5322 §3.6: at most one Sender field.
    #[error("the message has more than one Sender field")]
    SenderCount,
    /// A From or Sender that names no address, a group or an incomplete address.
    #[error("the {0} field must name complete addresses")]
    Unreadable(&'static str),
    #[error("{principal} may not send as {address} ({field}:)")]
    NotPermitted { principal: String, address: String, field: &'static str },
    #[error("{0}")]
    Directory(#[from] DirectoryError),
}

/// The addresses of the From and Sender fields, lower-cased, each named with its field.
pub fn originators(raw: &[u8]) -> Result<Vec<(&'static str, String)>, OriginatorError> {
    let from = summary::address_fields(raw, "From");
    let sender = summary::address_fields(raw, "Sender");
    let [from] = from.as_slice() else { return Err(OriginatorError::FromCount) };
    if sender.len() > 1 {
        return Err(OriginatorError::SenderCount);
    }
    let mut out = addresses(from)
        .map(|a| a.into_iter().map(|a| ("From", a)).collect::<Vec<_>>())
        .ok_or(OriginatorError::Unreadable("From"))?;
    if let Some(sender) = sender.first() {
        // RFC 5322 §3.6.2: the Sender is one mailbox.
        let one = addresses(sender).filter(|a| a.len() == 1).ok_or(OriginatorError::Unreadable("Sender"))?;
        out.extend(one.into_iter().map(|a| ("Sender", a)));
    }
    Ok(out)
}

/// `local@domain` of each entry, or `None` if any is not a complete mailbox (or there is none).
fn addresses(list: &[EnvAddress]) -> Option<Vec<String>> {
    let all: Option<Vec<String>> = list
        .iter()
        .map(|a| match (a.mailbox.as_deref(), a.host.as_deref()) {
            (Some(m), Some(h)) if m != MISSING_MAILBOX && h != MISSING_DOMAIN && a.adl.is_none() => {
                Some(format!("{m}@{h}").to_ascii_lowercase())
            }
            _ => None,
        })
        .collect();
    all.filter(|a| !a.is_empty())
}

/// Checks that `principal` may send as every From and Sender address of `raw`, or send on
/// behalf of a From address (`rights::SEND_ON_BEHALF`). Returns the Sender field the message
/// then lacks: RFC 5322 §3.6.2, an author other than the agent sending names the agent in
/// Sender (the delegate's own address; a Sender the message has was checked as send-as).
pub async fn check_originator(
    directory: &Directory,
    principal: &Principal,
    raw: &[u8],
) -> Result<Option<String>, OriginatorError> {
    let fields = originators(raw)?;
    let has_sender = fields.iter().any(|(field, _)| *field == "Sender");
    let mut on_behalf = false;
    for (field, address) in fields {
        if directory.may_send_as(principal, &address).await? {
            continue;
        }
        if field == "From" && directory.may_send_on_behalf(principal, &address).await? {
            on_behalf = true;
            continue;
        }
        return Err(OriginatorError::NotPermitted { principal: principal.address(), address, field });
    }
    Ok((on_behalf && !has_sender).then(|| principal.address()))
}

/// How a submission is handled beyond sending.
#[derive(Debug, Clone, Copy, Default)]
pub struct SubmitOptions {
    /// Store a copy, `\Seen`, in the actor's Sent mailbox (role `sent`). Off for SMTP, whose
    /// clients APPEND their own copy; on for JMAP, ActiveSync and EWS, where the server keeps it.
    pub save_sent: bool,
}

#[derive(Debug, Error)]
pub enum SubmitError {
    /// The envelope's reverse-path is not an address the actor may send as.
    #[error("{principal} may not send as <{address}>")]
    EnvelopeSender { principal: String, address: String },
    #[error("{0}")]
    Originator(#[from] OriginatorError),
    #[error("{0}")]
    Mail(#[from] MailError),
    /// The message names no recipient (To, Cc and Bcc are empty).
    #[error("the message names no recipient")]
    NoRecipients,
    /// A recipient in a local domain that names nobody there.
    #[error("unknown recipient <{0}>")]
    UnknownRecipient(String),
    /// More recipients than one submission may have.
    #[error("more than {0} recipients")]
    TooManyRecipients(usize),
}

/// Most recipients a message submitted without an envelope may name.
pub const MAX_HEADER_RECIPIENTS: usize = 1000;

/// What became of the Sent copy.
#[derive(Debug)]
pub enum SentCopy {
    NotRequested,
    Stored {
        item: ItemId,
        uid: Uid,
    },
    /// The message was sent; its copy could not be kept (over quota, say). Logged too.
    Failed(MailError),
}

/// What a submission did.
#[derive(Debug)]
pub struct Submitted {
    pub delivered: Delivered,
    pub sent: SentCopy,
}

impl Mailer {
    /// Submits `raw` as `actor` with `envelope` (its recipients routed by `Mailer::route`):
    /// the envelope sender and the originator fields checked, Message-ID and Date added when
    /// missing, then one durable delivery (local copies and the outbound queue); returns once
    /// that is durable. The envelope's principal and sender authentication are the actor's.
    pub async fn submit(
        &self,
        actor: &Principal,
        mut envelope: Envelope,
        raw: Vec<u8>,
        options: SubmitOptions,
    ) -> Result<Submitted, SubmitError> {
        let message = self.checked(actor, &mut envelope, raw).await?;
        self.send_checked(actor, &envelope, message, options, None).await
    }

    /// The checks of `submit` and the fields it completes: the envelope sender and the
    /// originator fields against the actor's rights, Message-ID, Date and a delegate's Sender
    /// added; the envelope made the actor's. Returns the message to send.
    pub(crate) async fn checked(
        &self,
        actor: &Principal,
        envelope: &mut Envelope,
        raw: Vec<u8>,
    ) -> Result<Vec<u8>, SubmitError> {
        // RFC 6409 §4.2 is the MAIL FROM; a protocol may have checked it already (SMTP at MAIL),
        // the domain decides it anyway.
        let own = envelope.sender.eq_ignore_ascii_case(&actor.address());
        if !own && !self.directory().may_send_as(actor, &envelope.sender).await.map_err(MailError::from)? {
            return Err(SubmitError::EnvelopeSender { principal: actor.address(), address: envelope.sender.clone() });
        }
        let sender_field = check_originator(self.directory(), actor, &raw).await?;
        envelope.principal = Some(actor.id);
        envelope.quarantine = false;
        envelope.auth = SenderAuth::Submitted(actor.id);
        Ok(self.complete_fields(raw, sender_field))
    }

    /// Sends a `checked` message: one durable delivery (with `also` in its transaction), then
    /// the Sent copy if asked.
    pub(crate) async fn send_checked(
        &self,
        actor: &Principal,
        envelope: &Envelope,
        message: Vec<u8>,
        options: SubmitOptions,
        also: Option<crate::deliver::AlsoInTx>,
    ) -> Result<Submitted, SubmitError> {
        let copy = options.save_sent.then(|| message.clone());
        let delivered = self.deliver_with(envelope, message, also).await?;
        let sent = match copy {
            None => SentCopy::NotRequested,
            Some(raw) => match self.save_sent(actor, raw).await {
                Ok((item, uid)) => SentCopy::Stored { item, uid },
                Err(e) => {
                    tracing::warn!(principal = %actor.address(), error = %e, "submission: sent, but no Sent copy");
                    SentCopy::Failed(e)
                }
            },
        };
        Ok(Submitted { delivered, sent })
    }

    /// Submits `raw` as `actor` with the envelope its header gives (ActiveSync SendMail, JMAP
    /// and EWS when the client names no envelope): the actor's address as the reverse-path,
    /// every To, Cc and Bcc address as a recipient, and the Bcc field taken out of what is
    /// delivered and kept (RFC 5322 §3.6.3).
    pub async fn submit_message(
        &self,
        actor: &Principal,
        raw: Vec<u8>,
        options: SubmitOptions,
    ) -> Result<Submitted, SubmitError> {
        let envelope = self.header_envelope(&raw, actor.address()).await?;
        self.submit(actor, envelope, headers::remove_field(raw, "Bcc"), options).await
    }

    /// The envelope a message's header gives: `sender` as the reverse-path, every To, Cc and
    /// Bcc address as a recipient, routed (an unknown local one refused).
    pub async fn header_envelope(&self, raw: &[u8], sender: String) -> Result<Envelope, SubmitError> {
        let mut addresses: Vec<String> = Vec::new();
        for field in ["To", "Cc", "Bcc"] {
            for list in summary::address_fields(raw, field) {
                for a in list.iter().filter(|a| a.adl.is_none()) {
                    let (Some(m), Some(h)) = (a.mailbox.as_deref(), a.host.as_deref()) else { continue };
                    if m == MISSING_MAILBOX || h == MISSING_DOMAIN {
                        continue;
                    }
                    let address = format!("{m}@{h}").to_ascii_lowercase();
                    if !addresses.contains(&address) {
                        addresses.push(address);
                    }
                }
            }
        }
        if addresses.is_empty() {
            return Err(SubmitError::NoRecipients);
        }
        if addresses.len() > MAX_HEADER_RECIPIENTS {
            return Err(SubmitError::TooManyRecipients(MAX_HEADER_RECIPIENTS));
        }
        let mut recipients = Vec::with_capacity(addresses.len());
        for address in addresses {
            match self.route(&address).await? {
                Some(destination) => {
                    recipients.push(crate::EnvelopeRecipient { address, destination, orcpt: None, notify: 0 })
                }
                None => return Err(SubmitError::UnknownRecipient(address)),
            }
        }
        Ok(Envelope { sender, recipients, ..Envelope::default() })
    }

    /// RFC 6409 §8.3 and §8.1: a missing Message-ID and Date are the submission server's to add;
    /// a delegate's Sender too (`check_originator`).
    fn complete_fields(&self, raw: Vec<u8>, sender: Option<String>) -> Vec<u8> {
        let mut add = Vec::new();
        if let Some(sender) = sender {
            add.push(format!("Sender: {sender}"));
        }
        if !headers::has_field(&raw, "Message-ID") {
            add.push(format!("Message-ID: {}", headers::new_message_id(self.hostname())));
        }
        if !headers::has_field(&raw, "Date") {
            add.push(format!("Date: {}", headers::rfc5322_date(relais_store::now())));
        }
        if add.is_empty() { raw } else { headers::append_to_header(&add, raw) }
    }

    /// Appends the sent message, `\Seen`, to the actor's Sent mailbox, made if it has none.
    async fn save_sent(&self, actor: &Principal, raw: Vec<u8>) -> Result<(ItemId, Uid), MailError> {
        let account = actor.id;
        let found = self
            .store()
            .read(move |r| r.collection_by_role(account, CollectionKind::Mailbox, MailboxRole::Sent.as_str()))
            .await?;
        let sent = match found {
            Some(c) => c,
            None => {
                self.store()
                    .write(move |tx| {
                        tx.collection_with_role(account, CollectionKind::Mailbox, MailboxRole::Sent.as_str(), "Sent")
                    })
                    .await?
            }
        };
        let message = NewMessage { raw, keywords: vec!["\\Seen".into()], received_at: None };
        // The server files the copy for the sender: its own mailbox, whatever rights it shares.
        let stored = self.append(&relais_directory::Actor::system(account), sent.id, vec![message]).await?;
        stored.into_iter().next().ok_or_else(|| relais_store::Error::NotCommitted("no Sent copy stored".into()).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn originator_fields_as_the_envelope_reads_them() {
        let a = |list: &[(&'static str, &str)]| {
            Ok::<_, ()>(list.iter().map(|(f, a)| (*f, a.to_string())).collect::<Vec<_>>())
        };
        for (header, want) in [
            ("From: alice@a.test\r\n\r\n", a(&[("From", "alice@a.test")])),
            ("from: Alice <Alice@A.test>\r\n\r\n", a(&[("From", "alice@a.test")])),
            ("From : CEO <bob@a.test>\r\n\r\n", a(&[("From", "bob@a.test")])),
            ("From\t: bob@a.test\r\n\r\n", a(&[("From", "bob@a.test")])),
            ("FROM:\r\n bob@a.test\r\n\r\n", a(&[("From", "bob@a.test")])),
            ("From: a@a.test, b@a.test\r\n\r\n", a(&[("From", "a@a.test"), ("From", "b@a.test")])),
            ("From: a@a.test\r\nSender : b@a.test\r\n\r\n", a(&[("From", "a@a.test"), ("Sender", "b@a.test")])),
            ("From: a@a.test\r\nFrom : b@a.test\r\n\r\n", Err(())),
            ("Subject: none\r\n\r\nFrom: a@a.test\r\n", Err(())),
            ("From: undisclosed:;\r\n\r\n", Err(())),
            ("From: <>\r\n\r\n", Err(())),
            ("From: alice\r\n\r\n", Err(())),
            ("From: <@route:a@a.test>\r\n\r\n", Err(())),
            ("From: a@a.test\r\nSender: a@a.test, b@a.test\r\n\r\n", Err(())),
            ("From: a@a.test\r\nSender: a@a.test\r\nsender: b@a.test\r\n\r\n", Err(())),
        ] {
            assert_eq!(originators(header.as_bytes()).map_err(|_| ()), want, "{header:?}");
        }
    }
}
