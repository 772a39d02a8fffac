//! Failed-login throttling, per remote address and per account: after `max` failures inside
//! `window`, further attempts are refused without checking the password until the window
//! ends. A success clears the account's count (not the address's).

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
        ThrottleConfig {
            max_failures_per_address: 20,
            max_failures_per_account: 10,
            window: Duration::from_secs(300),
        }
    }
}

/// Entries are pruned when a table grows past this; memory stays bounded under a spray.
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
        Counter {
            max,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn blocked(&self, key: &K, window: Duration, now: Instant) -> Option<Duration> {
        let entries = self.entries.lock().ok()?;
        let w = entries.get(key)?;
        let end = w.started + window;
        (w.failures >= self.max && end > now).then(|| end - now)
    }

    fn fail(&self, key: K, window: Duration, now: Instant) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= PRUNE_AT {
            entries.retain(|_, w| w.started + window > now);
        }
        let w = entries.entry(key).or_insert(Window {
            started: now,
            failures: 0,
        });
        if w.started + window <= now {
            *w = Window {
                started: now,
                failures: 0,
            };
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
        let by_address = remote.and_then(|ip| self.by_address.blocked(&ip, self.window, now));
        let by_account = self
            .by_account
            .blocked(&account.to_owned(), self.window, now);
        by_address.max(by_account)
    }

    pub fn fail(&self, remote: Option<IpAddr>, account: &str) {
        let now = Instant::now();
        if let Some(ip) = remote {
            self.by_address.fail(ip, self.window, now);
        }
        self.by_account.fail(account.to_owned(), self.window, now);
    }

    pub fn succeed(&self, account: &str) {
        self.by_account.clear(&account.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_max_failures_and_clears_on_success() {
        let t = Throttle::new(&ThrottleConfig {
            max_failures_per_address: 3,
            max_failures_per_account: 2,
            window: Duration::from_secs(60),
        });
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        t.fail(Some(ip), "a@x");
        assert!(t.blocked(Some(ip), "a@x").is_none());
        t.fail(Some(ip), "a@x");
        // The account is blocked from any address; the address is not yet blocked for others.
        assert!(t.blocked(Some(other), "a@x").is_some());
        assert!(t.blocked(Some(ip), "b@x").is_none());
        t.fail(Some(ip), "b@x");
        assert!(
            t.blocked(Some(ip), "c@x").is_some(),
            "address reached its limit"
        );
        t.succeed("a@x");
        assert!(t.blocked(Some(other), "a@x").is_none());
    }

    #[test]
    fn window_expires() {
        let t = Throttle::new(&ThrottleConfig {
            max_failures_per_address: 1,
            max_failures_per_account: 1,
            window: Duration::from_millis(50),
        });
        t.fail(None, "a@x");
        assert!(t.blocked(None, "a@x").is_some());
        std::thread::sleep(Duration::from_millis(60));
        assert!(t.blocked(None, "a@x").is_none());
    }
}
