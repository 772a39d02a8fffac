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
pub mod mailauth;
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
    /// Check SPF, DKIM, ARC and DMARC of inbound mail and add Authentication-Results.
    pub verify_inbound: bool,
    /// Reject (p=reject) or quarantine (p=quarantine) mail that fails DMARC.
    pub enforce_dmarc: bool,
    /// Clients whose mail is not checked (own hosts, local tools): (network, prefix length).
    pub trusted_networks: Vec<(IpAddr, u8)>,
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
            verify_inbound: true,
            enforce_dmarc: true,
            trusted_networks: vec![
                (IpAddr::from([127, 0, 0, 0]), 8),
                (IpAddr::from(std::net::Ipv6Addr::LOCALHOST), 128),
            ],
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
    connections: Mutex<HashMap<IpAddr, usize>>,
}

impl Smtp {
    pub fn new(
        config: SmtpConfig,
        mailer: Mailer,
        tls: Option<tokio_rustls::TlsAcceptor>,
        dns: Arc<mail_auth::MessageAuthenticator>,
    ) -> Arc<Smtp> {
        Arc::new(Smtp { config, mailer, tls, dns, connections: Mutex::new(HashMap::new()) })
    }

    /// True if `ip` is in one of the trusted networks.
    pub fn trusted(&self, ip: IpAddr) -> bool {
        self.config.trusted_networks.iter().any(|(net, len)| in_network(ip, *net, *len))
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
