//! Failed-login throttling, per remote address and per account: after `max` failures inside
//! `window`, further attempts are refused without checking the password until the window
//! ends. A success clears the account's count (not the address's). IPv6 clients are counted per
//! /64, the block one subscriber usually holds.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct ThrottleConfig {
    pub max_failures_per_address: u32,
    pub max_failures_per_account: u32,
    pub window: Duration,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        ThrottleConfig { max_failures_per_address: 20, max_failures_per_account: 10, window: Duration::from_secs(300) }
    }
}

/// A table never grows past this many entries, however many keys a spray uses.
const PRUNE_AT: usize = 100_000;

struct Window {
    started: Instant,
    failures: u32,
}

struct Counter<K> {
    max: u32,
    entries: Mutex<HashMap<K, Window>>,
}

impl<K: Hash + Eq> Counter<K> {
    fn new(max: u32) -> Self {
        Counter { max, entries: Mutex::new(HashMap::new()) }
    }

    fn blocked(&self, key: &K, window: Duration, now: Instant) -> Option<Duration> {
        let entries = self.entries.lock().ok()?;
        let w = entries.get(key)?;
        let end = w.started + window;
        (w.failures >= self.max && end > now).then(|| end - now)
    }

    fn fail(&self, key: K, window: Duration, now: Instant) {
        let Ok(mut entries) = self.entries.lock() else { return };
        if entries.len() >= PRUNE_AT {
            // Expired windows first; then those not blocking; never more than PRUNE_AT.
            entries.retain(|_, w| w.started + window > now);
            let max = self.max;
            if entries.len() >= PRUNE_AT {
                entries.retain(|_, w| w.failures >= max);
            }
            if entries.len() >= PRUNE_AT {
                entries.clear();
            }
        }
        let w = entries.entry(key).or_insert(Window { started: now, failures: 0 });
        if w.started + window <= now {
            *w = Window { started: now, failures: 0 };
        }
        w.failures = w.failures.saturating_add(1);
    }

    fn clear(&self, key: &K) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(key);
        }
    }
}

pub(crate) struct Throttle {
    window: Duration,
    by_address: Counter<IpAddr>,
    by_account: Counter<String>,
}

/// The unit an address is counted in: itself (IPv4), or its /64 (IPv6).
fn block(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
    }
}

impl Throttle {
    pub fn new(config: &ThrottleConfig) -> Throttle {
        Throttle {
            window: config.window,
            by_address: Counter::new(config.max_failures_per_address),
            by_account: Counter::new(config.max_failures_per_account),
        }
    }

    /// How long this address or account must wait, if it must.
    pub fn blocked(&self, remote: Option<IpAddr>, account: &str) -> Option<Duration> {
        let now = Instant::now();
        let by_address = remote.and_then(|ip| self.by_address.blocked(&block(ip), self.window, now));
        let by_account = self.by_account.blocked(&account.to_owned(), self.window, now);
        by_address.max(by_account)
    }

    /// Counts one failure.
    pub fn fail(&self, remote: Option<IpAddr>, account: &str) {
        let now = Instant::now();
        if let Some(ip) = remote {
            self.by_address.fail(block(ip), self.window, now);
        }
        self.by_account.fail(account.to_owned(), self.window, now);
    }

    /// A login succeeded: the account starts afresh.
    pub fn succeed(&self, account: &str) {
        self.by_account.clear(&account.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle(per_address: u32, per_account: u32, window: Duration) -> Throttle {
        Throttle::new(&ThrottleConfig {
            max_failures_per_address: per_address,
            max_failures_per_account: per_account,
            window,
        })
    }

    #[test]
    fn blocks_after_max_failures_and_clears_on_success() {
        let t = throttle(3, 2, Duration::from_secs(60));
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        t.fail(Some(ip), "a@x");
        assert!(t.blocked(Some(ip), "a@x").is_none());
        t.fail(Some(ip), "a@x");
        // The account is blocked from any address; the address is not yet blocked for others.
        assert!(t.blocked(Some(other), "a@x").is_some());
        assert!(t.blocked(Some(ip), "b@x").is_none());
        t.fail(Some(ip), "b@x");
        assert!(t.blocked(Some(ip), "c@x").is_some(), "address reached its limit");
        t.succeed("a@x");
        assert!(t.blocked(Some(other), "a@x").is_none());
    }

    #[test]
    fn ipv6_counts_per_64() {
        let t = throttle(2, 100, Duration::from_secs(60));
        t.fail(Some("2001:db8:1:2::1".parse().unwrap()), "a@x");
        t.fail(Some("2001:db8:1:2:ffff::9".parse().unwrap()), "b@x");
        assert!(t.blocked(Some("2001:db8:1:2::77".parse().unwrap()), "c@x").is_some());
        assert!(t.blocked(Some("2001:db8:1:3::1".parse().unwrap()), "c@x").is_none());
    }

    #[test]
    fn window_expires() {
        let t = throttle(1, 1, Duration::from_millis(50));
        t.fail(None, "a@x");
        assert!(t.blocked(None, "a@x").is_some());
        std::thread::sleep(Duration::from_millis(60));
        assert!(t.blocked(None, "a@x").is_none());
    }
}
