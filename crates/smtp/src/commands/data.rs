//! DATA (RFC 5321 §4.1.1.4) and BDAT (RFC 3030), and what happens when the content is in:
//! trace fields, loop check, submission fix-ups, then one durable delivery before the reply.

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
    let mut message = body;
    if s.mode != Mode::Inbound {
        match submission_fixups(s, message).await {
            Ok(m) => message = m,
            Err(r) => return r,
        }
    } else if relais_mail::summary::address_fields(&message, "From").len() > 1 {
        // RFC 5322 §3.6 allows one From; RFC 7489 §6.6.1: such mail is typically rejected. With
        // two, what DMARC judges and what the reader is shown (the first) can differ.
        return Reply::new(550, "5.6.0", "the message has more than one From field");
    }
    let mut trace = vec![received(s, &tx.recipients)];
    let mut quarantine = false;
    // Only a submission or a verified DMARC pass vouches for the sender (iMIP acts on it).
    let mut auth = match (&s.principal, s.mode) {
        (Some(p), m) if m != Mode::Inbound => relais_mail::SenderAuth::Submitted(p.id),
        _ => relais_mail::SenderAuth::Unverified,
    };
    // RFC 8601 §5: results claiming to be ours, arriving from outside, are forgeries.
    message = headers::remove_fields(message, "Authentication-Results", &s.smtp.config.hostname);
    if s.mode == Mode::Inbound && s.smtp.config.verify_inbound && !s.smtp.trusted(s.peer.ip()) {
        let helo = s.helo.clone().unwrap_or_default();
        let verdict = crate::mailauth::verify(
            &s.smtp.dns,
            &s.smtp.config.hostname,
            s.peer.ip(),
            &helo,
            &tx.sender,
            &message,
            s.smtp.config.enforce_dmarc,
        )
        .await;
        match verdict.disposition {
            crate::mailauth::Disposition::Reject(why) => {
                tracing::info!(session = %s.id, sender = %tx.sender, "smtp: {why}");
                return Reply::new(550, "5.7.1", why);
            }
            crate::mailauth::Disposition::Quarantine => quarantine = true,
            crate::mailauth::Disposition::Accept => {}
        }
        auth = verdict.auth;
        trace.insert(0, verdict.header);
    }
    let message = headers::prepend(&trace, message);
    let envelope = Envelope {
        sender: tx.sender,
        recipients: tx.recipients,
        env_id: tx.env_id,
        ret_full: tx.ret_full,
        principal: s.principal.as_ref().map(|p| p.id),
        quarantine,
        auth,
    };
    let size = message.len();
    match s.smtp.mailer.deliver(&envelope, message).await {
        Ok(done) => {
            tracing::info!(
                session = %s.id, sender = %envelope.sender, recipients = envelope.recipients.len(),
                size, local = done.items.len(), queued = ?done.queued, "smtp: message accepted"
            );
            Reply::new(250, "2.0.0", format!("message accepted, id {}", s.id))
        }
        Err(e) => {
            tracing::error!(session = %s.id, error = %e, "smtp: delivery failed");
            reply::temporary_failure()
        }
    }
}

/// RFC 6409 §8: a submission server may add a missing Message-ID and Date; the From and Sender
/// must be addresses the principal may send as (the envelope was checked at MAIL).
async fn submission_fixups(s: &Session, message: Vec<u8>) -> Result<Vec<u8>, Reply> {
    let Some(principal) = s.principal.as_ref() else { return Err(Reply::new(530, "5.7.0", "authentication required")) };
    // RFC 6409 §8, RFC 5322 §3.6.2: the From and Sender, read as every client reads them.
    use relais_mail::submission::{OriginatorError, check_originator};
    match check_originator(s.smtp.mailer.directory(), principal, &message).await {
        Ok(()) => {}
        Err(OriginatorError::Directory(e)) => {
            tracing::error!(session = %s.id, error = %e, "smtp: cannot check the originator");
            return Err(reply::temporary_failure());
        }
        Err(e @ OriginatorError::NotPermitted { .. }) => return Err(Reply::new(550, "5.7.1", e.to_string())),
        Err(e) => return Err(Reply::new(550, "5.6.0", e.to_string())),
    }
    let mut add = Vec::new();
    if !headers::has_field(&message, "Message-ID") {
        add.push(format!("Message-ID: {}", headers::new_message_id(&s.smtp.config.hostname)));
    }
    if !headers::has_field(&message, "Date") {
        add.push(format!("Date: {}", headers::rfc5322_date(relais_store::now())));
    }
    Ok(if add.is_empty() { message } else { headers::append_to_header(&add, message) })
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
