//! SMTP: the inbound MX (RFC 5321), submission (RFC 6409, RFC 8314) and, in `queue`, delivery
//! of the outbound queue.
//!
//! A connection is one task: `conn` owns the socket and is the only code that writes to it;
//! `session` holds the SMTP state and answers each command with a `Reply` (handlers in
//! `commands/`, one file per command); `data` reads message content. Messages are handed to
//! `relais_mail::Mailer::deliver`, and the 250 goes out only after that returns (durable).

mod commands;
mod conn;
pub mod data;
pub mod queue;
pub mod reply;
mod session;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use conn::serve;
use relais_mail::Mailer;

/// Which port a connection came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Port 25: mail from the internet for local recipients; never relays.
    Inbound,
    /// Port 587: STARTTLS, then AUTH; the authenticated principal may send anywhere.
    Submission,
    /// Port 465: as submission, with TLS from the first byte (RFC 8314).
    Submissions,
}

/// Limits and switches; every one has a default that lets an organisation work untuned.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub hostname: String,
    pub max_message_size: usize,
    pub max_recipients: usize,
    /// Longest command line, CRLF included (RFC 5321 §4.5.3.1.4 asks for at least 512).
    pub max_line_length: usize,
    /// Error replies tolerated in one session before it is closed.
    pub max_errors: u32,
    pub max_connections_per_address: usize,
    pub command_timeout: Duration,
    pub data_timeout: Duration,
    /// Received fields beyond which a message is taken for a loop (RFC 5321 §6.3).
    pub max_hops: usize,
    /// Lets AUTH PLAIN/LOGIN run without TLS from 127.0.0.1/::1 (tests and local tools only).
    pub plaintext_auth_on_loopback: bool,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            hostname: "localhost".into(),
            max_message_size: 50 << 20,
            max_recipients: 1000,
            max_line_length: 4096,
            max_errors: 20,
            max_connections_per_address: 100,
            command_timeout: Duration::from_secs(300),
            data_timeout: Duration::from_secs(600),
            max_hops: 50,
            plaintext_auth_on_loopback: false,
        }
    }
}

/// Everything a connection needs, shared by all of them.
pub struct Smtp {
    pub config: SmtpConfig,
    pub mailer: Mailer,
    pub tls: Option<tokio_rustls::TlsAcceptor>,
    connections: Mutex<HashMap<IpAddr, usize>>,
}

impl Smtp {
    pub fn new(config: SmtpConfig, mailer: Mailer, tls: Option<tokio_rustls::TlsAcceptor>) -> Arc<Smtp> {
        Arc::new(Smtp { config, mailer, tls, connections: Mutex::new(HashMap::new()) })
    }

    /// Counts a connection from `ip`; `None` if it has too many already.
    fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<ConnectionSlot> {
        let mut map = self.connections.lock().ok()?;
        let n = map.entry(ip).or_insert(0);
        if *n >= self.config.max_connections_per_address {
            return None;
        }
        *n += 1;
        Some(ConnectionSlot { smtp: self.clone(), ip })
    }
}

/// Gives the connection back to its address's count when dropped.
struct ConnectionSlot {
    smtp: Arc<Smtp>,
    ip: IpAddr,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        if let Ok(mut map) = self.smtp.connections.lock()
            && let Some(n) = map.get_mut(&self.ip)
        {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
    }
}
