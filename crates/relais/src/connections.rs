//! Connection limits, applied by the accept loops of every listener before a connection's task
//! starts: per protocol (IMAP, POP3, SMTP, HTTP; the plain and TLS listeners of one protocol
//! share its limit) at most `max_connections` at once and `max_connections_per_address` from
//! one client address (IPv6 per /64); and for the whole process at most what its file
//! descriptors allow, less a reserve for the store, blobs and DNS. A refused client is told so
//! in its protocol's words where it speaks plain text, and closed.
//!
//! Also: the process's soft RLIMIT_NOFILE is raised to its hard limit at start.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::config::Config;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Smtp,
    Imap,
    Pop3,
    Http,
}

impl Protocol {
    const ALL: [Protocol; 4] = [Protocol::Smtp, Protocol::Imap, Protocol::Pop3, Protocol::Http];

    fn name(self) -> &'static str {
        match self {
            Protocol::Smtp => "smtp",
            Protocol::Imap => "imap",
            Protocol::Pop3 => "pop3",
            Protocol::Http => "http",
        }
    }

    /// What a refused client is told on a plain-text connection (with TLS from the first byte,
    /// nothing: it is closed).
    pub fn refusal(self) -> &'static [u8] {
        match self {
            // RFC 5321 §3.1: 421 instead of the greeting.
            Protocol::Smtp => b"421 4.7.0 too many connections, try again later\r\n",
            // RFC 9051 §7.1.5 BYE instead of the greeting; RFC 5530 UNAVAILABLE.
            Protocol::Imap => b"* BYE [UNAVAILABLE] too many connections, try again later\r\n",
            // RFC 2449 §8.1.2 / RFC 3206: a temporary problem of the server.
            Protocol::Pop3 => b"-ERR [SYS/TEMP] too many connections, try again later\r\n",
            // RFC 9110 §15.6.4
            Protocol::Http => {
                b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 10\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
            }
        }
    }
}

/// Why a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Address,
    Listener,
    Process,
}

struct Count {
    open: usize,
    by_address: HashMap<IpAddr, usize>,
}

/// One protocol's counts.
struct Limit {
    max: usize,
    per_address: usize,
    count: Mutex<Count>,
    warned: Mutex<Option<Instant>>,
}

impl Limit {
    fn new(max: usize, per_address: usize) -> Limit {
        Limit {
            max: max.max(1),
            per_address: per_address.max(1),
            count: Mutex::new(Count { open: 0, by_address: HashMap::new() }),
            warned: Mutex::new(None),
        }
    }
}

/// Every listener's limits, and the process's.
pub struct Connections {
    process_max: usize,
    process: Mutex<usize>,
    limits: [Limit; 4],
}

/// An admitted connection: gives its place back when dropped.
pub struct Admitted {
    connections: Arc<Connections>,
    protocol: Protocol,
    address: IpAddr,
}

impl Connections {
    /// The limits of `config`, under a process-wide cap of `descriptors` less a reserve.
    pub fn new(config: &Config, descriptors: u64) -> Arc<Connections> {
        let limit = |(max, per_address): (usize, usize)| Limit::new(max, per_address);
        let reserve = (descriptors / 10).max(128 + 4 * config.store.max_connections as u64);
        let process_max = usize::try_from(descriptors.saturating_sub(reserve)).unwrap_or(usize::MAX).max(1);
        let limits = Protocol::ALL.map(|p| limit(config.connection_limits(p)));
        for p in [Protocol::Imap, Protocol::Pop3, Protocol::Http] {
            let l = &limits[p as usize];
            tracing::info!(protocol = p.name(), max = l.max, per_address = l.per_address, "connection limits");
        }
        tracing::info!(
            max = process_max,
            descriptors,
            "connection limit of the process (file descriptors less a reserve)"
        );
        Arc::new(Connections { process_max, process: Mutex::new(0), limits })
    }

    /// Counts a connection from `ip` on a `protocol` listener, or says why it may not open.
    pub fn admit(self: &Arc<Self>, protocol: Protocol, ip: IpAddr) -> Result<Admitted, Refusal> {
        let address = relais_directory::client_block(ip);
        let limit = &self.limits[protocol as usize];
        let refusal = {
            let mut process = self.process.lock().map_err(|_| Refusal::Process)?;
            let mut count = limit.count.lock().map_err(|_| Refusal::Process)?;
            let from_address = count.by_address.get(&address).copied().unwrap_or(0);
            if *process >= self.process_max {
                Some(Refusal::Process)
            } else if count.open >= limit.max {
                Some(Refusal::Listener)
            } else if from_address >= limit.per_address {
                Some(Refusal::Address)
            } else {
                *process += 1;
                count.open += 1;
                count.by_address.insert(address, from_address + 1);
                None
            }
        };
        match refusal {
            Some(why) => {
                self.warn(protocol, why);
                Err(why)
            }
            None => Ok(Admitted { connections: self.clone(), protocol, address }),
        }
    }

    /// A refusal is logged, once per minute and protocol at most: a flood must not flood the log.
    fn warn(&self, protocol: Protocol, why: Refusal) {
        let Ok(mut warned) = self.limits[protocol as usize].warned.lock() else { return };
        if warned.is_none_or(|at| at.elapsed() > Duration::from_secs(60)) {
            *warned = Some(Instant::now());
            tracing::warn!(protocol = protocol.name(), limit = ?why, "connections refused: limit reached");
        }
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        if let Ok(mut process) = self.connections.process.lock() {
            *process = process.saturating_sub(1);
        }
        let limit = &self.connections.limits[self.protocol as usize];
        if let Ok(mut count) = limit.count.lock() {
            count.open = count.open.saturating_sub(1);
            if let Some(n) = count.by_address.get_mut(&self.address) {
                *n -= 1;
                if *n == 0 {
                    count.by_address.remove(&self.address);
                }
            }
        }
    }
}

/// Raises the soft RLIMIT_NOFILE to the hard limit (capped by the kernel's `nr_open`) and
/// returns the limit now in force.
pub fn raise_descriptor_limit() -> u64 {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &raw mut limit) } != 0 {
        tracing::warn!("file descriptors: the limit could not be read; assuming 1024");
        return 1024;
    }
    let before = limit.rlim_cur;
    let nr_open = std::fs::read_to_string("/proc/sys/fs/nr_open").ok().and_then(|s| s.trim().parse().ok());
    let target = match nr_open {
        Some(n) if limit.rlim_max == libc::RLIM_INFINITY => n,
        Some(n) => limit.rlim_max.min(n),
        None => limit.rlim_max,
    };
    if target > before {
        let raised = libc::rlimit { rlim_cur: target, rlim_max: limit.rlim_max };
        // SAFETY: setrlimit reads the struct we own.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raw const raised) } == 0 {
            tracing::info!(from = before, to = target, "file descriptors: soft limit raised to the hard limit");
            return target;
        }
        tracing::warn!(soft = before, hard = limit.rlim_max, "file descriptors: the soft limit could not be raised");
    } else {
        tracing::info!(limit = before, "file descriptors: the soft limit is already the hard limit");
    }
    before
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_address_per_listener_and_process() {
        let mut config = Config::default();
        config.imap.max_connections = 3;
        config.imap.max_connections_per_address = 2;
        config.store.max_connections = 0;
        // 138 descriptors less a reserve of 128: 10 connections in the process.
        let c = Connections::new(&config, 138);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let a = c.admit(Protocol::Imap, ip("192.0.2.1")).unwrap();
        let _b = c.admit(Protocol::Imap, ip("192.0.2.1")).unwrap();
        assert_eq!(c.admit(Protocol::Imap, ip("192.0.2.1")).err(), Some(Refusal::Address));
        // IPv6 by /64.
        let _v6 = c.admit(Protocol::Imap, ip("2001:db8::1")).unwrap();
        assert_eq!(c.admit(Protocol::Imap, ip("192.0.2.9")).err(), Some(Refusal::Listener));
        drop(a);
        let _again = c.admit(Protocol::Imap, ip("192.0.2.1")).unwrap();
        let others: Vec<_> =
            (1..=7).filter_map(|i| c.admit(Protocol::Smtp, IpAddr::from([10, 0, 0, i])).ok()).collect();
        assert_eq!(others.len(), 7);
        assert_eq!(c.admit(Protocol::Smtp, ip("10.0.0.99")).err(), Some(Refusal::Process));
    }
}
