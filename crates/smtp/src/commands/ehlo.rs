//! EHLO and HELO (RFC 5321 §4.1.1.1): start a session and list the extensions on offer.

use crate::Mode;
use crate::reply::{self, Reply};
use crate::session::{Action, Session, State};

pub fn ehlo(s: &mut Session, host: &str, extended: bool) -> Action {
    if host.is_empty() || host.len() > 255 || host.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Action::Reply(reply::syntax("give your host name"));
    }
    s.reset();
    s.state = State::Ready;
    s.helo = Some(host.to_owned());
    s.esmtp = extended;
    let greeting = format!("{} greets {host}", s.smtp.config.hostname);
    if !extended {
        return Action::Reply(Reply::new(250, "", greeting));
    }
    let mut lines = vec![
        greeting,
        "PIPELINING".into(),
        "8BITMIME".into(),
        "SMTPUTF8".into(),
        format!("SIZE {}", s.smtp.config.max_message_size),
        "ENHANCEDSTATUSCODES".into(),
        "CHUNKING".into(),
        "DSN".into(),
    ];
    if !s.tls && s.smtp.tls.is_some() {
        lines.push("STARTTLS".into());
    }
    if s.mode != Mode::Inbound && s.principal.is_none() && crate::commands::auth::allowed(s) {
        lines.push("AUTH PLAIN LOGIN".into());
    }
    Action::Reply(Reply::multi(250, lines))
}
