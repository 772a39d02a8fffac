//! DATA (RFC 5321 §4.1.1.4) and BDAT (RFC 3030), and what happens when the content is in:
//! trace fields, loop check, submission fix-ups, then one durable delivery before the reply.

use relais_mail::deliver::Delivered;
use relais_mail::{Envelope, headers};

use crate::Mode;
use crate::data::LineEnds;
use crate::reply::{self, Reply};
use crate::session::{Action, Session, State, Transaction};
use crate::spool::{Body, Spool};

pub fn data(s: &mut Session) -> Action {
    if s.tx.as_ref().is_none_or(|t| t.recipients.is_empty()) {
        return Action::Reply(reply::bad_sequence("no valid recipients"));
    }
    Action::ReadData(Reply::new(354, "", "end data with <CR><LF>.<CR><LF>"))
}

pub fn bdat(s: &mut Session, size: usize, last: bool) -> Action {
    s.state = State::Chunking;
    Action::ReadChunk { size, last }
}

/// Before a BDAT chunk is read: the transaction's content so far and its line-end state. No
/// spool if the chunk would pass the size limit (then it is read and dropped).
pub fn take_chunks(s: &mut Session, size: usize) -> (Option<Spool>, LineEnds) {
    let limit = s.smtp.config.max_message_size;
    let Some(tx) = s.tx.as_mut() else { return (None, LineEnds::default()) };
    let spool = tx.chunks.take().filter(|sp| sp.len().saturating_add(size) <= limit);
    (spool, tx.chunk_lines)
}

/// A BDAT chunk of `size` octets was read into `spool` (see [`take_chunks`]).
pub async fn chunk(s: &mut Session, spool: Option<Spool>, lines: LineEnds, size: usize, last: bool) -> Reply {
    let limit = s.smtp.config.max_message_size;
    let too_big = || Reply::new(552, "5.3.4", format!("message size exceeds the limit of {limit} octets"));
    let Some(tx) = s.tx.as_mut() else { return reply::bad_sequence("send MAIL first") };
    tx.chunk_lines = lines;
    if !last {
        let answer = match spool {
            Some(_) => Reply::new(250, "2.0.0", format!("{size} octets received")),
            None => too_big(),
        };
        tx.chunks = spool;
        return answer;
    }
    let recipients = !tx.recipients.is_empty();
    match spool {
        Some(spool) if recipients && !lines.bare() => complete(s, spool).await,
        Some(_) if lines.bare() => {
            s.reset();
            bare_line_end()
        }
        Some(_) => {
            s.reset();
            reply::bad_sequence("no valid recipients")
        }
        None => {
            s.reset();
            too_big()
        }
    }
}

/// The message content is complete: deliver it and answer. The transaction ends either way.
pub async fn complete(s: &mut Session, spool: Spool) -> Reply {
    let Some(tx) = s.tx.take() else { return reply::bad_sequence("send MAIL first") };
    s.reset();
    if spool.is_empty() {
        // RFC 3030 §2 lets BDAT 0 LAST end a chunk sequence, not stand for a message alone;
        // RFC 5322 §3.6 asks for at least Date and From. Nothing is not a message.
        return Reply::new(554, "5.6.0", "the message is empty");
    }
    match spool.into_body().await {
        Ok(body) => accept(s, tx, body).await,
        Err(e) => {
            tracing::error!(session = %s.id, error = %e, "smtp: the message spool failed");
            reply::temporary_failure()
        }
    }
}

/// Checks, fixes up and delivers a complete message. `held` keeps the message's share of the
/// memory budget until this returns, the delivery done.
async fn accept(s: &mut Session, tx: Transaction, mut held: Body) -> Reply {
    let body = std::mem::take(&mut held.bytes);
    let hops = headers::count_fields(&body, "Received");
    if hops >= s.smtp.config.max_hops {
        return Reply::new(554, "5.4.6", format!("too many hops ({hops} Received fields): mail loop?"));
    }
    if s.mode == Mode::Inbound && relais_mail::summary::address_fields(&body, "From").len() > 1 {
        // RFC 5322 §3.6 allows one From; RFC 7489 §6.6.1: such mail is typically rejected. With
        // two, what DMARC judges and what the reader is shown (the first) can differ.
        return Reply::new(550, "5.6.0", "the message has more than one From field");
    }
    let trace = received(s, &tx.recipients);
    // RFC 8601 §5: results claiming to be ours, arriving from outside, are forgeries.
    let message = headers::remove_fields(body, "Authentication-Results", &s.smtp.config.hostname);
    let envelope = Envelope {
        sender: tx.sender,
        recipients: tx.recipients,
        env_id: tx.env_id,
        ret_full: tx.ret_full,
        ..Envelope::default()
    };
    let size = message.len();
    let done = match s.mode {
        Mode::Inbound => inbound(s, envelope, trace, message).await,
        _ => submit(s, envelope, trace, message).await,
    };
    match done {
        Ok((sender, recipients, done)) => {
            tracing::info!(
                session = %s.id, %sender, recipients,
                size, local = done.items.len(), queued = ?done.queued, "smtp: message accepted"
            );
            Reply::new(250, "2.0.0", format!("message accepted, id {}", s.id))
        }
        Err(reply) => reply,
    }
}

/// The envelope sender, the number of recipients, what the delivery stored.
type Accepted = (String, usize, Delivered);

/// Inbound mail: SPF/DKIM/ARC/DMARC from untrusted networks, then delivery.
async fn inbound(s: &Session, mut envelope: Envelope, received: String, message: Vec<u8>) -> Result<Accepted, Reply> {
    let mut trace = vec![received];
    if s.smtp.config.verify_inbound && !s.smtp.trusted(s.peer.ip()) {
        let helo = s.helo.clone().unwrap_or_default();
        let verdict = crate::mailauth::verify(
            &s.smtp.dns,
            &s.smtp.config.hostname,
            s.peer.ip(),
            &helo,
            &envelope.sender,
            &message,
            s.smtp.config.enforce_dmarc,
        )
        .await;
        match verdict.disposition {
            crate::mailauth::Disposition::Reject(why) => {
                tracing::info!(session = %s.id, sender = %envelope.sender, "smtp: {why}");
                return Err(Reply::new(550, "5.7.1", why));
            }
            crate::mailauth::Disposition::Quarantine => envelope.quarantine = true,
            crate::mailauth::Disposition::Accept => {}
        }
        // Only a verified DMARC pass vouches for the sender (iMIP acts on it).
        envelope.auth = verdict.auth;
        trace.insert(0, verdict.header);
    }
    let message = headers::prepend(&trace, message);
    match s.smtp.mailer.deliver(&envelope, message).await {
        Ok(done) => Ok((envelope.sender, envelope.recipients.len(), done)),
        Err(e) => {
            tracing::error!(session = %s.id, error = %e, "smtp: delivery failed");
            Err(reply::temporary_failure())
        }
    }
}

/// Submission (RFC 6409): the mail domain's one entry point checks the sender's rights, adds a
/// missing Message-ID and Date, and delivers. SMTP clients keep their own Sent copy (APPEND).
async fn submit(s: &Session, envelope: Envelope, received: String, message: Vec<u8>) -> Result<Accepted, Reply> {
    use relais_mail::submission::OriginatorError;
    use relais_mail::{SubmitError, SubmitOptions};
    let Some(principal) = s.principal.as_ref() else { return Err(Reply::new(530, "5.7.0", "authentication required")) };
    let message = headers::prepend(&[received], message);
    let (sender, recipients) = (envelope.sender.clone(), envelope.recipients.len());
    match s.smtp.mailer.submit(principal, envelope, message, SubmitOptions::default()).await {
        Ok(done) => Ok((sender, recipients, done.delivered)),
        Err(
            e @ (SubmitError::EnvelopeSender { .. } | SubmitError::Originator(OriginatorError::NotPermitted { .. })),
        ) => Err(Reply::new(550, "5.7.1", e.to_string())),
        Err(SubmitError::Originator(OriginatorError::Directory(e))) => {
            tracing::error!(session = %s.id, error = %e, "smtp: cannot check the originator");
            Err(reply::temporary_failure())
        }
        Err(SubmitError::Originator(e)) => Err(Reply::new(550, "5.6.0", e.to_string())),
        Err(SubmitError::Mail(e)) => {
            tracing::error!(session = %s.id, error = %e, "smtp: delivery failed");
            Err(reply::temporary_failure())
        }
        // SMTP gives an envelope: the errors of a header-derived one do not arise.
        Err(e @ (SubmitError::NoRecipients | SubmitError::UnknownRecipient(_) | SubmitError::TooManyRecipients(_))) => {
            Err(Reply::new(550, "5.1.1", e.to_string()))
        }
    }
}

/// RFC 5321 §4.4 trace field; protocol names from RFC 3848.
fn received(s: &Session, recipients: &[relais_mail::EnvelopeRecipient]) -> String {
    let with = match (s.esmtp, s.tls, s.principal.is_some()) {
        (false, _, _) => "SMTP",
        (true, false, false) => "ESMTP",
        (true, true, false) => "ESMTPS",
        (true, false, true) => "ESMTPA",
        (true, true, true) => "ESMTPSA",
    };
    let helo = s.helo.as_deref().unwrap_or("unknown");
    let helo: String = helo.chars().filter(|c| !c.is_control()).collect();
    let for_clause = match recipients {
        [one] => format!("\r\n\tfor <{}>", one.address),
        _ => String::new(),
    };
    format!(
        "Received: from {helo} ([{}])\r\n\tby {} (Relais) with {with} id {}{for_clause};\r\n\t{}",
        s.peer.ip(),
        s.smtp.config.hostname,
        s.id,
        headers::rfc5322_date(relais_store::now())
    )
}

/// RFC 5321 §2.3.8: CR and LF only as CRLF.
pub fn bare_line_end() -> Reply {
    Reply::new(550, "5.6.0", "bare CR or LF in the message; lines must end with CRLF")
}
