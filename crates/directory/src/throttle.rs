//! Failed-login throttling. The model (docs/security.md):
//!
//! - an **address** that failed `max_failures_per_address` times inside `window` is refused
//!   (any account) until the window ends;
//! - an **(account, address)** pair that failed `max_failures_per_account` times is refused until
//!   the window ends — the lock is per pair, so failures from one address never lock the account
//!   for its owner elsewhere;
//! - an **account** that failed `max_failures_per_account` times from anywhere is only slowed
//!   down: an attempt from an address that already failed on it waits `slowdown` first; an
//!   address with no failure on it (the owner's, usually) is not delayed.
//!
//! A slot is reserved *before* the password is verified, so parallel guesses cannot outrun the
//! count: the `max`-th reservation is the last one let through, whatever is still in flight. A
//! success gives its address slot back and clears its pair; a failure keeps both. IPv6 clients
//! are counted per /64, the block one subscriber usually holds.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct ThrottleConfig {
    pub max_failures_per_address: u32,
    /// Failures that lock one (account, address) pair, and that put the account under slowdown.
    pub max_failures_per_account: u32,
    pub window: Duration,
    /// The wait of a further attempt on an account under slowdown from an address that failed on it.
    pub slowdown: Duration,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        ThrottleConfig {
            max_failures_per_address: 20,
            max_failures_per_account: 10,
            window: Duration::from_secs(300),
            slowdown: Duration::from_secs(2),
        }
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

    /// Counts one failure in advance, unless the limit is reached: then how long until the
    /// window ends. Returns the failures counted before this one.
    fn reserve(&self, key: K, window: Duration, now: Instant) -> Result<u32, Duration> {
        let Ok(mut entries) = self.entries.lock() else { return Ok(0) };
        if entries.len() >= PRUNE_AT {
            prune(&mut entries, self.max, window, now);
        }
        let w = entries.entry(key).or_insert(Window { started: now, failures: 0 });
        if w.started + window <= now {
            *w = Window { started: now, failures: 0 };
        }
        if w.failures >= self.max {
            return Err(w.started + window - now);
        }
        w.failures += 1;
        Ok(w.failures - 1)
    }

    /// Takes a reserved failure back (the attempt succeeded or was never verified).
    fn release(&self, key: &K) {
        if let Ok(mut entries) = self.entries.lock()
            && let Some(w) = entries.get_mut(key)
        {
            w.failures = w.failures.saturating_sub(1);
        }
    }

    /// Failures inside the window.
    fn count(&self, key: &K, window: Duration, now: Instant) -> u32 {
        let Ok(entries) = self.entries.lock() else { return 0 };
        entries.get(key).filter(|w| w.started + window > now).map_or(0, |w| w.failures)
    }

    fn clear(&self, key: &K) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(key);
        }
    }
}

/// Expired windows go first; then those not at their limit; never more than PRUNE_AT.
fn prune<K>(entries: &mut HashMap<K, Window>, max: u32, window: Duration, now: Instant) {
    entries.retain(|_, w| w.started + window > now);
    if entries.len() >= PRUNE_AT {
        entries.retain(|_, w| w.failures >= max);
    }
    if entries.len() >= PRUNE_AT {
        entries.clear();
    }
}

type Pair = (String, Option<IpAddr>);

pub(crate) struct Throttle {
    window: Duration,
    slowdown: Duration,
    slow_after: u32,
    by_address: Counter<IpAddr>,
    by_pair: Counter<Pair>,
    /// Never refuses (its limit is unreachable): counts an account's failures from anywhere.
    by_account: Counter<String>,
}

/// The unit a client address is counted in, by every limit (logins, connections): itself
/// (IPv4, or IPv4 mapped into IPv6), or its /64 (IPv6: one subscriber's usual share).
pub fn client_block(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
    }
}

/// One login attempt's reserved failure. Settle it with `succeeded`, `failed` or `abandoned`;
/// dropped unsettled (the client went away mid-verification) it counts as failed.
pub(crate) struct Attempt<'a> {
    throttle: &'a Throttle,
    address: Option<IpAddr>,
    account: String,
    /// How long to wait before verifying (slowdown), if at all.
    pub delay: Option<Duration>,
    settled: bool,
}

impl Attempt<'_> {
    /// Right password: the address slot is given back and the pair starts afresh. The
    /// account's count stays: the owner logging in must not hide a guesser's failures.
    pub fn succeeded(mut self) {
        self.settled = true;
        if let Some(ip) = self.address {
            self.throttle.by_address.release(&ip);
        }
        self.throttle.by_pair.clear(&(std::mem::take(&mut self.account), self.address));
    }

    /// Wrong password: the reservations stay, and the account counts one failure.
    pub fn failed(mut self) {
        self.settled = true;
        self.count_failure();
    }

    /// Nothing was verified (the store or the verifier was unavailable): give everything back.
    pub fn abandoned(mut self) {
        self.settled = true;
        if let Some(ip) = self.address {
            self.throttle.by_address.release(&ip);
        }
        self.throttle.by_pair.release(&(std::mem::take(&mut self.account), self.address));
    }

    fn count_failure(&mut self) {
        // The account's count never blocks: its reservation can come after the fact.
        let _ = self.throttle.by_account.reserve(self.account.clone(), self.throttle.window, Instant::now());
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if !self.settled {
            self.count_failure();
        }
    }
}

impl Throttle {
    pub fn new(config: &ThrottleConfig) -> Throttle {
        Throttle {
            window: config.window,
            slowdown: config.slowdown,
            slow_after: config.max_failures_per_account,
            by_address: Counter::new(config.max_failures_per_address),
            by_pair: Counter::new(config.max_failures_per_account),
            by_account: Counter::new(u32::MAX),
        }
    }

    /// Reserves one failure for this address and this (account, address) pair, or says how
    /// long they must wait. `account` is what failures on one principal are counted under.
    pub fn reserve(&self, remote: Option<IpAddr>, account: &str) -> Result<Attempt<'_>, Duration> {
        let now = Instant::now();
        let address = remote.map(client_block);
        if let Some(ip) = address {
            self.by_address.reserve(ip, self.window, now)?;
        }
        let before = match self.by_pair.reserve((account.to_owned(), address), self.window, now) {
            Ok(n) => n,
            Err(wait) => {
                if let Some(ip) = address {
                    self.by_address.release(&ip);
                }
                return Err(wait);
            }
        };
        let under_attack = self.by_account.count(&account.to_owned(), self.window, now) >= self.slow_after;
        let delay = (before > 0 && under_attack && !self.slowdown.is_zero()).then_some(self.slowdown);
        Ok(Attempt { throttle: self, address, account: account.to_owned(), delay, settled: false })
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
            slowdown: Duration::from_secs(1),
        })
    }

    fn fail(t: &Throttle, ip: Option<IpAddr>, account: &str) {
        t.reserve(ip, account).unwrap().failed();
    }

    #[test]
    fn locks_the_pair_and_the_address_not_the_account() {
        let t = throttle(3, 2, Duration::from_secs(60));
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        fail(&t, Some(ip), "a@x");
        fail(&t, Some(ip), "a@x");
        assert!(t.reserve(Some(ip), "a@x").is_err(), "the pair reached its limit");
        // The owner elsewhere is neither refused nor slowed; the address may try another account.
        let owner = t.reserve(Some(other), "a@x").unwrap();
        assert_eq!(owner.delay, None);
        owner.succeeded();
        fail(&t, Some(ip), "b@x");
        assert!(t.reserve(Some(ip), "c@x").is_err(), "the address reached its limit");
    }

    #[test]
    fn reservations_count_before_the_outcome() {
        let t = throttle(100, 3, Duration::from_secs(60));
        let ip = Some("192.0.2.1".parse().unwrap());
        let held: Vec<_> = (0..3).map(|_| t.reserve(ip, "a@x").unwrap()).collect();
        assert!(t.reserve(ip, "a@x").is_err(), "three in flight use up the limit");
        // Successes give their slots back; an abandoned attempt too; a dropped one does not.
        let mut held = held.into_iter();
        held.next().unwrap().succeeded();
        held.next().unwrap().abandoned();
        drop(held);
        assert!(t.reserve(ip, "a@x").is_ok());
    }

    #[test]
    fn an_account_under_attack_slows_addresses_that_failed_on_it() {
        let t = throttle(100, 2, Duration::from_secs(60));
        let guesser = Some("192.0.2.1".parse().unwrap());
        let other_guesser = Some("192.0.2.3".parse().unwrap());
        fail(&t, guesser, "a@x");
        fail(&t, other_guesser, "a@x");
        // Two failures from anywhere: the account is under slowdown for those who failed.
        let again = t.reserve(other_guesser, "a@x").unwrap();
        assert_eq!(again.delay, Some(Duration::from_secs(1)));
        again.abandoned();
        let owner = t.reserve(Some("198.51.100.1".parse().unwrap()), "a@x").unwrap();
        assert_eq!(owner.delay, None, "an address with no failure on the account is not delayed");
        assert_eq!(t.reserve(guesser, "b@x").unwrap().delay, None, "other accounts are not slowed");
    }

    #[test]
    fn ipv6_counts_per_64() {
        let t = throttle(2, 100, Duration::from_secs(60));
        fail(&t, Some("2001:db8:1:2::1".parse().unwrap()), "a@x");
        fail(&t, Some("2001:db8:1:2:ffff::9".parse().unwrap()), "b@x");
        assert!(t.reserve(Some("2001:db8:1:2::77".parse().unwrap()), "c@x").is_err());
        assert!(t.reserve(Some("2001:db8:1:3::1".parse().unwrap()), "c@x").is_ok());
    }

    #[test]
    fn window_expires() {
        let t = throttle(1, 1, Duration::from_millis(50));
        fail(&t, None, "a@x");
        assert!(t.reserve(None, "a@x").is_err());
        std::thread::sleep(Duration::from_millis(60));
        assert!(t.reserve(None, "a@x").is_ok());
    }
}
