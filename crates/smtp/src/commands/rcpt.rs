//! RCPT TO (RFC 5321 §4.1.1.3) with NOTIFY/ORCPT (RFC 3461). A recipient in a local domain
//! must exist (550 5.1.1 otherwise); any other needs an authenticated submission, else 554:
//! Relais never relays for strangers. Addresses are routed by the directory alone, so the old
//! tricks (user%host@local, source routes, quoted local parts) find no one and relay nothing.

use std::borrow::Cow;

use relais_mail::{Destination, EnvelopeRecipient};
use smtp_proto::RcptTo;

use crate::Mode;
use crate::reply::Reply;
use crate::session::{Action, Session, State};

pub async fn rcpt(s: &mut Session, to: RcptTo<Cow<'_, str>>) -> Action {
    let max = s.smtp.config.max_recipients;
    let Some(tx) = s.tx.as_ref() else { return Action::Reply(crate::reply::bad_sequence("send MAIL first")) };
    if tx.recipients.len() >= max {
        return Action::Reply(Reply::new(452, "4.5.3", format!("too many recipients (at most {max})")));
    }
    let mut address = to.address.trim().to_owned();
    // RFC 5321 §4.5.1: "Postmaster" without a domain must be accepted.
    if address.is_empty() || address.eq_ignore_ascii_case("postmaster") {
        match postmaster(s).await {
            Some(a) => address = a,
            None => return Action::Reply(Reply::new(550, "5.1.1", "no postmaster here")),
        }
    }
    if !address.is_ascii() && !tx.smtputf8 {
        return Action::Reply(Reply::new(553, "5.6.7", "non-ASCII address needs SMTPUTF8"));
    }
    let Some((local, domain)) = address.rsplit_once('@') else {
        return Action::Reply(Reply::new(550, "5.1.3", "the recipient needs a domain"));
    };
    if local.is_empty() || domain.is_empty() {
        return Action::Reply(Reply::new(550, "5.1.3", "invalid recipient address"));
    }
    let destination = match s.smtp.mailer.route(&address).await {
        Ok(Some(d)) => d,
        Ok(None) => return Action::Reply(Reply::new(550, "5.1.1", format!("<{address}>: no such recipient here"))),
        Err(e) => {
            tracing::warn!(session = %s.id, error = %e, "smtp: recipient lookup failed");
            return Action::Reply(crate::reply::temporary_failure());
        }
    };
    if let Destination::Local(ids) = &destination
        && let [one] = ids.as_slice()
        && let Ok(Some((used, limit))) = s.smtp.mailer.directory().quota(*one).await
        && used >= limit
    {
        // RFC 3463 §3.3 X.2.2: mailbox full; permanent for this delivery attempt.
        return Action::Reply(Reply::new(552, "5.2.2", format!("<{address}>: mailbox full")));
    }
    if destination == Destination::Remote && (s.mode == Mode::Inbound || s.principal.is_none()) {
        tracing::info!(session = %s.id, peer = %s.peer, recipient = %address, "smtp: relay denied");
        return Action::Reply(Reply::new(554, "5.7.1", format!("<{address}>: relay access denied")));
    }
    let recipient = EnvelopeRecipient {
        address,
        destination,
        orcpt: to.orcpt.map(Cow::into_owned),
        notify: i64::try_from(to.flags).unwrap_or(0),
    };
    if let Some(tx) = s.tx.as_mut() {
        tx.recipients.push(recipient);
    }
    s.state = State::Rcpt;
    Action::Reply(Reply::new(250, "2.1.5", "recipient OK"))
}

/// The first local domain's postmaster that exists.
async fn postmaster(s: &Session) -> Option<String> {
    let domains = s.smtp.mailer.directory().domains().await.ok()?;
    for d in domains {
        let address = format!("postmaster@{}", d.name);
        if let Ok(Some(Destination::Local(_))) = s.smtp.mailer.route(&address).await {
            return Some(address);
        }
    }
    None
}
