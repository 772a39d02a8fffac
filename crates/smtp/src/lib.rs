//! SMTP: the inbound MX (RFC 5321), submission (RFC 6409, RFC 8314) and, in `queue`, delivery
//! of the outbound queue.
//!
//! A connection is one task: `conn` owns the socket and is the only code that writes to it;
//! `session` holds the SMTP state and answers each command with a `Reply` (handlers in
//! `commands/`, one file per command); `data` reads message content. Messages are handed to
//! `relais_mail::Mailer::deliver`, and the 250 goes out only after that returns (durable).
//! Content is received into a `spool` (memory up to a threshold and a global budget, then an
//! unlinked file), so a slow or half-sent message costs little memory.

mod commands;
mod conn;
pub mod data;
pub mod lines;
pub mod mailauth;
pub mod queue;
pub mod reply;
mod session;
pub mod spool;

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use conn::serve;
use relais_mail::Mailer;

/// Which port a connection came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    /// Connections at once on one listener (port 25, 587 or 465), from everywhere.
    pub max_connections: usize,
    pub command_timeout: Duration,
    /// How long a session that has not logged in and has no mail transaction may stay silent
    /// (an idle stranger holds a socket and a descriptor; a real client speaks at once).
    pub unauthenticated_timeout: Duration,
    pub data_timeout: Duration,
    /// Received fields beyond which a message is taken for a loop (RFC 5321 §6.3).
    pub max_hops: usize,
    /// Lets AUTH PLAIN/LOGIN run without TLS from 127.0.0.1/::1 (tests and local tools only).
    pub plaintext_auth_on_loopback: bool,
    /// Check SPF, DKIM, ARC and DMARC of inbound mail and add Authentication-Results.
    pub verify_inbound: bool,
    /// Reject (p=reject) or quarantine (p=quarantine) mail that fails DMARC.
    pub enforce_dmarc: bool,
    /// Clients whose mail is not checked (own hosts, local tools): (network, prefix length).
    pub trusted_networks: Vec<(IpAddr, u8)>,
    /// Where message content beyond `spool_threshold` waits (unlinked files).
    pub spool_dir: PathBuf,
    /// Content of one message kept in memory before it goes to disk.
    pub spool_threshold: usize,
    /// Message content in memory across all connections (receiving and delivering).
    pub body_memory_budget: usize,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            hostname: "localhost".into(),
            max_message_size: 50 << 20,
            max_recipients: 1000,
            max_line_length: 4096,
            max_errors: 20,
            max_connections_per_address: 20,
            max_connections: 1000,
            command_timeout: Duration::from_secs(300),
            unauthenticated_timeout: Duration::from_secs(60),
            data_timeout: Duration::from_secs(600),
            max_hops: 50,
            plaintext_auth_on_loopback: false,
            verify_inbound: true,
            enforce_dmarc: true,
            trusted_networks: vec![
                (IpAddr::from([127, 0, 0, 0]), 8),
                (IpAddr::from(std::net::Ipv6Addr::LOCALHOST), 128),
            ],
            spool_dir: std::env::temp_dir().join("relais-spool"),
            spool_threshold: 1 << 20,
            body_memory_budget: 256 << 20,
        }
    }
}

/// Everything a connection needs, shared by all of them.
pub struct Smtp {
    pub config: SmtpConfig,
    pub mailer: Mailer,
    pub tls: Option<tokio_rustls::TlsAcceptor>,
    /// The one DNS resolver, with SPF/DKIM/DMARC on top.
    pub dns: Arc<mail_auth::MessageAuthenticator>,
    pub spool: Arc<spool::SpoolConfig>,
    connections: Mutex<Connections>,
}

/// Open connections per address and per listener.
#[derive(Default)]
struct Connections {
    per_address: HashMap<IpAddr, usize>,
    per_mode: HashMap<Mode, usize>,
}

/// Why a connection is turned away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    Address,
    Listener,
}

impl Smtp {
    pub fn new(
        config: SmtpConfig,
        mailer: Mailer,
        tls: Option<tokio_rustls::TlsAcceptor>,
        dns: Arc<mail_auth::MessageAuthenticator>,
    ) -> Arc<Smtp> {
        let spool = Arc::new(spool::SpoolConfig::new(
            config.spool_dir.clone(),
            config.spool_threshold,
            config.body_memory_budget,
        ));
        Arc::new(Smtp { config, mailer, tls, dns, spool, connections: Mutex::new(Connections::default()) })
    }

    /// True if `ip` is in one of the trusted networks.
    pub fn trusted(&self, ip: IpAddr) -> bool {
        self.config.trusted_networks.iter().any(|(net, len)| in_network(ip, *net, *len))
    }

    /// A new message's content holder.
    pub fn new_spool(&self) -> spool::Spool {
        spool::Spool::new(self.spool.clone())
    }

    /// Counts a connection from `ip` on `mode`'s listener, or says which limit it is over.
    fn admit(self: &Arc<Self>, ip: IpAddr, mode: Mode) -> Result<ConnectionSlot, Refusal> {
        let mut c = self.connections.lock().map_err(|_| Refusal::Listener)?;
        if c.per_mode.get(&mode).is_some_and(|n| *n >= self.config.max_connections) {
            return Err(Refusal::Listener);
        }
        // Counted as every limit counts a client: an IPv6 /64 is one client.
        let ip = relais_directory::client_block(ip);
        let n = c.per_address.entry(ip).or_insert(0);
        if *n >= self.config.max_connections_per_address {
            return Err(Refusal::Address);
        }
        *n += 1;
        *c.per_mode.entry(mode).or_insert(0) += 1;
        Ok(ConnectionSlot { smtp: self.clone(), ip, mode })
    }
}

/// Gives the connection back to its address's and listener's counts when dropped.
struct ConnectionSlot {
    smtp: Arc<Smtp>,
    ip: IpAddr,
    mode: Mode,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        if let Ok(mut c) = self.smtp.connections.lock() {
            if let Some(n) = c.per_address.get_mut(&self.ip) {
                *n -= 1;
                if *n == 0 {
                    c.per_address.remove(&self.ip);
                }
            }
            if let Some(n) = c.per_mode.get_mut(&self.mode) {
                *n = n.saturating_sub(1);
            }
        }
    }
}

/// True if `ip` lies in `net`/`len` (both of one family).
pub fn in_network(ip: IpAddr, net: IpAddr, len: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - u32::from(len.min(32))) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if len == 0 { 0 } else { u128::MAX << (128 - u32::from(len.min(128))) };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(in_network(ip("127.1.2.3"), ip("127.0.0.0"), 8));
        assert!(!in_network(ip("128.0.0.1"), ip("127.0.0.0"), 8));
        assert!(in_network(ip("::1"), ip("::1"), 128));
        assert!(in_network(ip("2001:db8::5"), ip("2001:db8::"), 32));
        assert!(!in_network(ip("10.0.0.1"), ip("::"), 0));
        assert!(in_network(ip("10.0.0.1"), ip("0.0.0.0"), 0));
    }
}
