//! IMAP4rev2 (RFC 9051) and IMAP4rev1 (RFC 3501) on the mail store.
//!
//! `relais-imap-proto` parses and encodes; this crate runs sessions: `conn` owns the socket and
//! is the only code that writes to it; `session` holds the state (RFC 9051 §3) and dispatches
//! each command to its handler (`commands/`), which appends responses to an output buffer;
//! `view` is the selected mailbox as this session has reported it; `folders` maps IMAP mailbox
//! names onto the store's collections; `convert` maps the MIME summary stored at delivery onto
//! ENVELOPE and BODYSTRUCTURE, so FETCH never parses MIME.

mod commands;
mod compress;
mod conn;
mod convert;
mod folders;
mod recent;
pub mod rights;
mod search;
mod session;
pub mod view;

use std::sync::Arc;
use std::time::Duration;

use relais_directory::Directory;
use relais_mail::Mailer;

pub use conn::serve;

#[derive(Debug, Clone)]
pub struct ImapConfig {
    pub hostname: String,
    /// RFC 9051 §5.4: an idle session may be closed after at least 30 minutes.
    pub idle_timeout: Duration,
    /// Before login, a connection may be idle this long (RFC 9051 §5.4's 30 minutes are for
    /// authenticated sessions; a stranger's idle connection is only a cost).
    pub login_timeout: Duration,
    pub max_line: usize,
    pub max_literal: u64,
    /// Largest message APPEND takes (APPENDLIMIT, RFC 7889).
    pub max_append: u64,
    /// Commands answered BAD before the session is closed.
    pub max_errors: u32,
    /// LOGIN and AUTHENTICATE without TLS from loopback (tests and local tools only).
    pub plaintext_auth_on_loopback: bool,
}

impl Default for ImapConfig {
    fn default() -> Self {
        ImapConfig {
            hostname: "localhost".into(),
            idle_timeout: Duration::from_secs(30 * 60),
            login_timeout: Duration::from_secs(60),
            max_line: 64 * 1024,
            max_literal: 64 * 1024,
            max_append: 50 << 20,
            max_errors: 50,
            plaintext_auth_on_loopback: false,
        }
    }
}

pub struct Imap {
    pub config: ImapConfig,
    pub mailer: Mailer,
    pub tls: Option<tokio_rustls::TlsAcceptor>,
}

impl Imap {
    pub fn new(config: ImapConfig, mailer: Mailer, tls: Option<tokio_rustls::TlsAcceptor>) -> Arc<Imap> {
        Arc::new(Imap { config, mailer, tls })
    }

    pub fn directory(&self) -> &Directory {
        self.mailer.directory()
    }

    pub fn store(&self) -> &relais_store::Store {
        self.mailer.store()
    }
}
