//! One SMTP session's state, the table of which commands each state allows, and the dispatch
//! of a command line to its handler in `commands/`. Handlers return what to do; only the
//! connection loop (`conn.rs`) touches the socket.

use std::net::SocketAddr;
use std::sync::Arc;

use relais_directory::Principal;
use relais_mail::EnvelopeRecipient;
use smtp_proto::Request;

use crate::reply::{self, Reply};
use crate::{Mode, Smtp};

/// What the connection loop does after a command.
#[derive(Debug)]
pub enum Action {
    Reply(Reply),
    /// Send the reply, then close.
    Close(Reply),
    /// Send 220, then run the TLS handshake (RFC 3207).
    StartTls(Reply),
    /// Send 354, then read the message content.
    ReadData(Reply),
    /// Read a BDAT chunk of this many octets (RFC 3030).
    ReadChunk {
        size: usize,
        last: bool,
    },
    /// Send the reply and treat the next line as a SASL response, not a command.
    Challenge(Reply),
    /// A refused BDAT: read and drop its octets, then send the reply (RFC 3030 §2: the chunk
    /// follows the command whatever the answer; read as commands, it would be smuggled mail).
    DropChunk {
        size: usize,
        reply: Reply,
    },
}

/// The states of RFC 5321 §4.1.4's command sequencing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Connected, no EHLO/HELO yet.
    Fresh,
    /// Greeted, no transaction.
    Ready,
    /// MAIL accepted.
    Mail,
    /// At least one RCPT accepted.
    Rcpt,
    /// Inside a BDAT sequence.
    Chunking,
}

/// The mail transaction after MAIL FROM.
#[derive(Debug, Default)]
pub struct Transaction {
    pub sender: String,
    pub smtputf8: bool,
    pub env_id: Option<String>,
    pub ret_full: bool,
    pub recipients: Vec<EnvelopeRecipient>,
    /// BDAT content so far; `None` once a chunk overflowed the size limit.
    pub chunks: Option<crate::spool::Spool>,
    /// Bare CR or LF across the BDAT chunks so far.
    pub chunk_lines: crate::data::LineEnds,
}

/// A SASL exchange waiting for the client's next line.
#[derive(Debug)]
pub enum SaslStep {
    Plain,
    LoginUser,
    LoginPassword { user: String },
}

pub struct Session {
    pub smtp: Arc<Smtp>,
    pub mode: Mode,
    pub peer: SocketAddr,
    pub state: State,
    pub tls: bool,
    pub helo: Option<String>,
    pub esmtp: bool,
    pub principal: Option<Principal>,
    /// The credentials it authenticated with: when they are revoked, the session ends.
    pub credential: Option<relais_directory::CredentialWatch>,
    pub tx: Option<Transaction>,
    pub sasl: Option<SaslStep>,
    pub errors: u32,
    /// Short id for logs and the Received field.
    pub id: String,
}

/// Commands, as the state table names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verb {
    Hello,
    MailFrom,
    RcptTo,
    Data,
    Bdat,
    StartTls,
    Auth,
    Anytime,
}

/// RFC 5321 §4.1.4 (and RFC 3030, RFC 3207, RFC 4954): may `verb` run in `state`?
fn permitted(state: State, verb: Verb) -> Result<(), &'static str> {
    use State::*;
    use Verb::*;
    match (verb, state) {
        (Anytime | Hello, _) => Ok(()),
        (MailFrom, Ready) => Ok(()),
        (MailFrom, Fresh) => Err("send EHLO or HELO first"),
        (MailFrom, _) => Err("a transaction is already in progress"),
        (RcptTo, Mail | Rcpt) => Ok(()),
        (RcptTo, _) => Err("send MAIL first"),
        (Data, Rcpt) => Ok(()),
        (Data, Chunking) => Err("DATA cannot follow BDAT"),
        (Data, _) => Err("send RCPT first"),
        (Bdat, Rcpt | Chunking) => Ok(()),
        (Bdat, _) => Err("send RCPT first"),
        (StartTls | Auth, Ready) => Ok(()),
        (StartTls | Auth, Fresh) => Err("send EHLO first"),
        (StartTls | Auth, _) => Err("not inside a mail transaction"),
    }
}

fn verb_of(r: &Request<std::borrow::Cow<'_, str>>) -> Verb {
    match r {
        Request::Ehlo { .. } | Request::Helo { .. } | Request::Lhlo { .. } => Verb::Hello,
        Request::Mail { .. } => Verb::MailFrom,
        Request::Rcpt { .. } => Verb::RcptTo,
        Request::Data => Verb::Data,
        Request::Bdat { .. } => Verb::Bdat,
        Request::StartTls => Verb::StartTls,
        Request::Auth { .. } => Verb::Auth,
        _ => Verb::Anytime,
    }
}

impl Session {
    pub fn new(smtp: Arc<Smtp>, mode: Mode, peer: SocketAddr, tls: bool) -> Session {
        Session {
            smtp,
            mode,
            peer,
            state: State::Fresh,
            tls,
            helo: None,
            esmtp: false,
            principal: None,
            credential: None,
            tx: None,
            sasl: None,
            errors: 0,
            id: relais_mail::headers::new_queue_id(),
        }
    }

    pub fn greeting(&self) -> Reply {
        Reply::new(220, "", format!("{} ESMTP Relais ready", self.smtp.config.hostname))
    }

    /// After STARTTLS the session starts over (RFC 3207 §4.2): forget everything but the TLS.
    pub fn restart_after_tls(&mut self) {
        self.tls = true;
        self.state = State::Fresh;
        self.helo = None;
        self.esmtp = false;
        self.principal = None;
        self.tx = None;
        self.sasl = None;
    }

    /// Ends the transaction (RSET, after a message, on error).
    pub fn reset(&mut self) {
        self.tx = None;
        if self.state != State::Fresh {
            self.state = State::Ready;
        }
    }

    /// One line from the client (CRLF included).
    pub async fn handle_line(&mut self, line: &[u8]) -> Action {
        if !self.credential_holds().await {
            tracing::info!(session = %self.id, "smtp: credentials revoked; session ended");
            return Action::Close(Reply::new(421, "4.7.0", "credentials revoked; closing"));
        }
        if let Some(step) = self.sasl.take() {
            return crate::commands::auth::step(self, step, line).await;
        }
        let request = match Request::parse(&mut line.iter()) {
            Ok(r) => r,
            // A BDAT whose size cannot be read leaves octets we cannot skip: end the session.
            Err(_) if line.len() >= 4 && line[..4].eq_ignore_ascii_case(b"BDAT") => {
                return Action::Close(Reply::new(501, "5.5.4", "malformed BDAT; closing"));
            }
            Err(e) => return Action::Reply(parse_error(&e)),
        };
        if let Err(why) = permitted(self.state, verb_of(&request)) {
            if let Request::Bdat { chunk_size, .. } = request {
                return Action::DropChunk { size: chunk_size, reply: reply::bad_sequence(why) };
            }
            return Action::Reply(reply::bad_sequence(why));
        }
        crate::commands::dispatch(self, request).await
    }
}

impl Session {
    /// False once the password or app password this session authenticated with was changed or
    /// revoked, or its principal removed (checked before every command; cheap until the
    /// directory changes). A store error lets the session go on: it is logged.
    async fn credential_holds(&mut self) -> bool {
        let Some(watch) = self.credential.as_mut() else { return true };
        match watch.still_valid(self.smtp.mailer.directory()).await {
            Ok(valid) => valid,
            Err(e) => {
                tracing::warn!(session = %self.id, error = %e, "smtp: cannot check the credentials");
                true
            }
        }
    }
}

fn parse_error(e: &smtp_proto::Error) -> Reply {
    use smtp_proto::Error::*;
    match e {
        UnknownCommand => reply::unknown_command(),
        InvalidSenderAddress => Reply::new(501, "5.1.7", "invalid sender address"),
        InvalidRecipientAddress => Reply::new(501, "5.1.3", "invalid recipient address"),
        SyntaxError { syntax } => reply::syntax(&format!("syntax: {syntax}")),
        InvalidParameter { param } => Reply::new(501, "5.5.4", format!("invalid parameter {param}")),
        UnsupportedParameter { param } => Reply::new(555, "5.5.4", format!("unsupported parameter {param}")),
        _ => reply::syntax("syntax error"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_table() {
        use State::*;
        use Verb::*;
        for (state, verb, ok) in [
            (Fresh, MailFrom, false),
            (Ready, MailFrom, true),
            (Mail, MailFrom, false),
            (Ready, RcptTo, false),
            (Mail, RcptTo, true),
            (Mail, Data, false),
            (Rcpt, Data, true),
            (Chunking, Data, false),
            (Rcpt, Bdat, true),
            (Chunking, Bdat, true),
            (Ready, StartTls, true),
            (Mail, StartTls, false),
            (Fresh, Auth, false),
            (Rcpt, Auth, false),
            (Chunking, Anytime, true),
        ] {
            assert_eq!(permitted(state, verb).is_ok(), ok, "{state:?} {verb:?}");
        }
    }
}
