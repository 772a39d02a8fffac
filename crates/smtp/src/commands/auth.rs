//! AUTH (RFC 4954) with PLAIN (RFC 4616) and LOGIN, on submission ports only, and only over
//! TLS (or from loopback when configured for tests). Credentials go to the directory's single
//! entry point, which throttles failures.

use relais_directory::{AuthError, Credentials};
use relais_sasl::Plain;
use smtp_proto::{AUTH_LOGIN, AUTH_PLAIN};

use crate::Mode;
use crate::reply::{self, Reply};
use crate::session::{Action, SaslStep, Session};

/// May this session authenticate at all?
pub fn allowed(s: &Session) -> bool {
    relais_sasl::plaintext_allowed(s.tls, s.smtp.config.plaintext_auth_on_loopback, s.peer.ip())
}

pub async fn auth(s: &mut Session, mechanism: u64, initial: &str) -> Action {
    if s.mode == Mode::Inbound {
        return Action::Reply(Reply::new(502, "5.5.1", "AUTH is offered on the submission ports"));
    }
    if s.principal.is_some() {
        return Action::Reply(reply::bad_sequence("already authenticated"));
    }
    if !allowed(s) {
        return Action::Reply(Reply::new(538, "5.7.11", "encryption required: use STARTTLS first"));
    }
    match mechanism {
        AUTH_PLAIN if initial.is_empty() => challenge(s, SaslStep::Plain, ""),
        AUTH_PLAIN => plain(s, initial.as_bytes()).await,
        // RFC 4954 §4: "=" is an empty initial response.
        AUTH_LOGIN if initial.is_empty() || initial == "=" => challenge(s, SaslStep::LoginUser, "VXNlcm5hbWU6"),
        AUTH_LOGIN => match decode(initial.as_bytes()) {
            Some(user) => challenge(s, SaslStep::LoginPassword { user }, "UGFzc3dvcmQ6"),
            None => Action::Reply(malformed()),
        },
        _ => Action::Reply(Reply::new(504, "5.5.4", "mechanism not supported; use PLAIN or LOGIN")),
    }
}

/// The client's answer to a 334 challenge.
pub async fn step(s: &mut Session, step: SaslStep, line: &[u8]) -> Action {
    let line = trim_crlf(line);
    if line == b"*" {
        return Action::Reply(Reply::new(501, "5.0.0", "authentication cancelled"));
    }
    match step {
        SaslStep::Plain => plain(s, line).await,
        SaslStep::LoginUser => match decode(line) {
            Some(user) => challenge(s, SaslStep::LoginPassword { user }, "UGFzc3dvcmQ6"),
            None => Action::Reply(malformed()),
        },
        SaslStep::LoginPassword { user } => match decode(line) {
            Some(password) => login(s, user, password).await,
            None => Action::Reply(malformed()),
        },
    }
}

fn challenge(s: &mut Session, step: SaslStep, text: &str) -> Action {
    s.sasl = Some(step);
    Action::Challenge(Reply::new(334, "", text))
}

/// RFC 4616 §2: [authzid] NUL authcid NUL passwd. Acting as someone else is refused.
async fn plain(s: &mut Session, b64: &[u8]) -> Action {
    let Ok(plain) = Plain::decode(trim_crlf(b64)) else { return Action::Reply(malformed()) };
    if plain.acts_for_another() {
        return Action::Reply(Reply::new(535, "5.7.8", "authorisation identity refused"));
    }
    login(s, plain.authcid, plain.password).await
}

async fn login(s: &mut Session, username: String, password: String) -> Action {
    let credentials = Credentials { username, password, remote: Some(s.peer.ip()) };
    match s.smtp.mailer.directory().authenticate(&credentials).await {
        Ok(p) => {
            tracing::info!(session = %s.id, user = %p.address(), "smtp: authenticated");
            match s.smtp.mailer.directory().watch_credential(&p).await {
                Ok(watch) => s.credential = Some(watch),
                Err(e) => {
                    tracing::warn!(session = %s.id, error = %e, "smtp: cannot read the credentials just used");
                    return Action::Reply(Reply::new(454, "4.7.0", "temporary authentication failure"));
                }
            }
            s.principal = Some(p);
            Action::Reply(Reply::new(235, "2.7.0", "authentication succeeded"))
        }
        Err(AuthError::Failed) => Action::Reply(Reply::new(535, "5.7.8", "authentication credentials invalid")),
        Err(AuthError::Throttled { .. }) => {
            Action::Reply(Reply::new(454, "4.7.0", "too many failed logins; try again later"))
        }
        Err(AuthError::Unavailable(e)) => {
            tracing::warn!(session = %s.id, error = %e, "smtp: authentication unavailable");
            Action::Reply(Reply::new(454, "4.7.0", "temporary authentication failure"))
        }
    }
}

fn decode(b64: &[u8]) -> Option<String> {
    relais_sasl::login_field(trim_crlf(b64)).ok()
}

fn trim_crlf(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn malformed() -> Reply {
    Reply::new(501, "5.5.2", "cannot decode the response")
}
