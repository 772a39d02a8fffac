//! RSET, QUIT, STARTTLS, VRFY, EXPN, HELP (RFC 5321 §4.1.1.5, §4.1.1.10, §3.5; RFC 3207).
//!
//! VRFY and EXPN confirm nothing (RFC 5321 §3.5.3 allows 252): they would let anyone harvest
//! the directory.

use crate::Mode;
use crate::reply::{self, Reply};
use crate::session::{Action, Session};

pub fn rset(s: &mut Session) -> Action {
    s.reset();
    Action::Reply(reply::ok())
}

pub fn quit(s: &Session) -> Action {
    Action::Close(Reply::new(221, "2.0.0", format!("{} closing connection", s.smtp.config.hostname)))
}

pub fn starttls(s: &Session) -> Action {
    if s.tls || s.mode == Mode::Submissions {
        return Action::Reply(reply::bad_sequence("TLS already active"));
    }
    if s.smtp.tls.is_none() {
        return Action::Reply(Reply::new(454, "4.7.0", "TLS not available"));
    }
    Action::StartTls(Reply::new(220, "2.0.0", "ready to start TLS"))
}

pub fn vrfy() -> Action {
    Action::Reply(Reply::new(252, "2.5.0", "cannot verify the user, but will accept the message and attempt delivery"))
}

pub fn expn() -> Action {
    Action::Reply(Reply::new(502, "5.5.1", "EXPN not available"))
}

pub fn help() -> Action {
    Action::Reply(Reply::new(
        214,
        "2.0.0",
        "see RFC 5321; commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT STARTTLS AUTH",
    ))
}
