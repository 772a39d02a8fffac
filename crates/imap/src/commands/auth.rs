//! STARTTLS (RFC 9051 §6.2.1), LOGIN (§6.2.3) and AUTHENTICATE PLAIN (§6.2.2, RFC 4616, with
//! SASL-IR, RFC 4959). Passwords only over TLS, or from loopback when configured.

use relais_directory::{AuthError, Credentials};
use relais_imap_proto::{Code, Tag};
use relais_sasl::Plain;

use crate::session::{Flow, Session, State};

pub fn may_authenticate(s: &Session) -> bool {
    relais_sasl::plaintext_allowed(s.tls, s.imap.config.plaintext_auth_on_loopback, s.peer.ip())
}

pub fn starttls(s: &mut Session, tag: &Tag) -> Flow {
    if s.tls || s.imap.tls.is_none() {
        s.bad(tag, "TLS is already active or not available");
        return Flow::Continue;
    }
    s.ok(tag, "begin TLS negotiation now");
    Flow::StartTls
}

pub async fn login(s: &mut Session, tag: &Tag, username: String, password: String) {
    if !may_authenticate(s) {
        s.no(tag, Some(Code::PrivacyRequired), "use STARTTLS first: no passwords over plain text");
        return;
    }
    check(s, tag, username, password).await;
}

/// AUTHENTICATE PLAIN: with an initial response answers at once; without, asks for it.
pub async fn authenticate(s: &mut Session, tag: Tag, mechanism: &str, initial: Option<Vec<u8>>) -> Flow {
    if !mechanism.eq_ignore_ascii_case("PLAIN") {
        s.no(&tag, None, "unsupported mechanism; use PLAIN");
        return Flow::Continue;
    }
    if !may_authenticate(s) {
        s.no(&tag, Some(Code::PrivacyRequired), "use STARTTLS first: no passwords over plain text");
        return Flow::Continue;
    }
    match initial {
        Some(data) => {
            response(s, &tag, &data).await;
            Flow::Continue
        }
        None => Flow::Authenticate(tag),
    }
}

/// The client's SASL PLAIN message.
pub async fn response(s: &mut Session, tag: &Tag, data: &[u8]) {
    let Ok(plain) = Plain::parse(data) else {
        s.bad(tag, "malformed PLAIN response");
        return;
    };
    if plain.acts_for_another() {
        s.no(tag, Some(Code::AuthorizationFailed), "acting as another user is not allowed");
        return;
    }
    check(s, tag, plain.authcid, plain.password).await;
}

async fn check(s: &mut Session, tag: &Tag, username: String, password: String) {
    let creds = Credentials { username, password, remote: Some(s.peer.ip()) };
    match s.imap.directory().authenticate(&creds).await {
        Ok(p) => {
            tracing::info!(peer = %s.peer, user = %p.address(), "imap: logged in");
            match s.imap.directory().watch_credential(&p).await {
                Ok(watch) => s.credential = Some(watch),
                Err(e) => {
                    tracing::warn!(peer = %s.peer, error = %e, "imap: cannot read the credentials just used");
                    return s.no(tag, Some(Code::Unavailable), "authentication unavailable");
                }
            }
            s.principal = Some(p);
            s.state = State::Authenticated;
            let caps = crate::commands::any::capabilities(s);
            s.ok_code(tag, Code::Capability(caps), "logged in");
        }
        Err(AuthError::Failed) => s.no(tag, Some(Code::AuthenticationFailed), "authentication failed"),
        Err(AuthError::Throttled { .. }) => s.no(tag, Some(Code::Unavailable), "too many failed logins; try later"),
        Err(AuthError::Unavailable(_)) => s.no(tag, Some(Code::Unavailable), "authentication unavailable"),
    }
}
