//! POP3 (RFC 1939) with CAPA (RFC 2449), STLS (RFC 2595), AUTH PLAIN (RFC 5034), UIDL and TOP,
//! on the INBOX of the authenticated principal.
//!
//! Mail is never lost: the maildrop is a snapshot of INBOX taken at login; DELE only marks; at
//! QUIT the marked messages are taken out of INBOX in one store transaction (messages that
//! arrived meanwhile are untouched, ones already gone elsewhere are skipped). One POP3 session
//! per maildrop at a time (RFC 1939 §8, `[IN-USE]` of RFC 2449 §8.1.1) in this process.
//! `command` parses; `session` runs the states; only `session::run` touches the socket.

pub mod command;
mod session;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use relais_directory::Directory;
use relais_store::AccountId;

pub use session::serve;

#[derive(Debug, Clone)]
pub struct Pop3Config {
    pub hostname: String,
    /// RFC 1939 §3: the autologout timer, at least 10 minutes.
    pub idle_timeout: Duration,
    /// Before login, a connection may be idle this long (a stranger's idle connection is only
    /// a cost; RFC 1939 §3's autologout timer is for the session).
    pub login_timeout: Duration,
    /// Failed logins tolerated in one session before it is closed.
    pub max_auth_failures: u32,
    /// USER/PASS and AUTH without TLS from loopback (tests and local tools only).
    pub plaintext_auth_on_loopback: bool,
}

impl Default for Pop3Config {
    fn default() -> Self {
        Pop3Config {
            hostname: "localhost".into(),
            idle_timeout: Duration::from_secs(600),
            login_timeout: Duration::from_secs(60),
            max_auth_failures: 3,
            plaintext_auth_on_loopback: false,
        }
    }
}

pub struct Pop3 {
    pub config: Pop3Config,
    pub directory: Directory,
    pub tls: Option<tokio_rustls::TlsAcceptor>,
    locked: Mutex<HashSet<AccountId>>,
}

impl Pop3 {
    pub fn new(config: Pop3Config, directory: Directory, tls: Option<tokio_rustls::TlsAcceptor>) -> Arc<Pop3> {
        Arc::new(Pop3 { config, directory, tls, locked: Mutex::new(HashSet::new()) })
    }

    /// Takes the maildrop lock of `account`; `None` if another session holds it.
    fn lock(self: &Arc<Self>, account: AccountId) -> Option<MaildropLock> {
        let mut locked = self.locked.lock().ok()?;
        locked.insert(account).then(|| MaildropLock { pop3: self.clone(), account })
    }
}

/// Releases the maildrop when the session ends, however it ends.
struct MaildropLock {
    pop3: Arc<Pop3>,
    account: AccountId,
}

impl Drop for MaildropLock {
    fn drop(&mut self) {
        if let Ok(mut locked) = self.pop3.locked.lock() {
            locked.remove(&self.account);
        }
    }
}
