//! MAIL FROM (RFC 5321 §4.1.1.2) with SIZE (RFC 1870), BODY=8BITMIME (RFC 6152), SMTPUTF8
//! (RFC 6531) and RET/ENVID (RFC 3461). On submission the sender must be the authenticated
//! principal's own address, alias, or one it may send as.

use std::borrow::Cow;

use smtp_proto::{MAIL_BODY_BINARYMIME, MAIL_RET_FULL, MAIL_SMTPUTF8, MailFrom};

use crate::Mode;
use crate::reply::Reply;
use crate::session::{Action, Session, State, Transaction};

pub async fn mail(s: &mut Session, from: MailFrom<Cow<'_, str>>) -> Action {
    let limit = s.smtp.config.max_message_size;
    if from.size > limit {
        return Action::Reply(Reply::new(552, "5.3.4", format!("message size exceeds the limit of {limit} octets")));
    }
    if from.flags & MAIL_BODY_BINARYMIME != 0 {
        return Action::Reply(Reply::new(555, "5.5.4", "BODY=BINARYMIME is not offered"));
    }
    let smtputf8 = from.flags & MAIL_SMTPUTF8 != 0;
    let sender = from.address.trim().to_owned();
    if !sender.is_ascii() && !smtputf8 {
        return Action::Reply(Reply::new(553, "5.6.7", "non-ASCII address needs SMTPUTF8"));
    }
    if !sender.is_empty() && !sender.contains('@') {
        return Action::Reply(Reply::new(553, "5.1.7", "the sender needs a domain"));
    }
    if s.mode != Mode::Inbound {
        let Some(principal) = s.principal.clone() else {
            return Action::Reply(Reply::new(530, "5.7.0", "authentication required"));
        };
        match s.smtp.mailer.directory().may_send_as(&principal, &sender).await {
            Ok(true) => {}
            Ok(false) => {
                return Action::Reply(Reply::new(
                    550,
                    "5.7.1",
                    format!("{} may not send as <{sender}>", principal.address()),
                ));
            }
            Err(e) => {
                tracing::warn!(session = %s.id, error = %e, "smtp: sender check failed");
                return Action::Reply(crate::reply::temporary_failure());
            }
        }
    }
    s.tx = Some(Transaction {
        sender,
        smtputf8,
        env_id: from.env_id.map(Cow::into_owned),
        ret_full: from.flags & MAIL_RET_FULL != 0,
        recipients: Vec::new(),
        chunks: Some(s.smtp.new_spool()),
        chunk_lines: Default::default(),
    });
    s.state = State::Mail;
    Action::Reply(Reply::new(250, "2.1.0", "sender OK"))
}
