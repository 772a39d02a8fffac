//! Login sessions of the web client. A login (the directory's one authentication, in the
//! binary) opens a session: a random 256-bit token for the cookie and another for the CSRF
//! header. Only a SHA-256 of the cookie's token is kept, so the map is looked up by hash (no
//! token is compared byte by byte) and a memory dump shows no usable cookie.
//!
//! Sessions live in this process's memory: a restart logs every web user out, and with several
//! nodes a browser must keep reaching the node it logged in on. The store has no table for them
//! yet; moving them there is the way to survive restarts (docs/protocol-status.md).
//!
//! Bounds: a session ends after `idle` without use or `lifetime` after the login, whichever is
//! first; an account holds at most `per_account` (a new login ends its oldest one); the process
//! at most `total` (past that, expired ones are swept, and a login is refused when none is).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::RngCore;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy)]
pub struct SessionConfig {
    pub idle: Duration,
    pub lifetime: Duration,
    pub per_account: usize,
    pub total: usize,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            idle: Duration::from_secs(8 * 3600),
            lifetime: Duration::from_secs(7 * 24 * 3600),
            per_account: 20,
            total: 100_000,
        }
    }
}

/// What a login hands the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The cookie's value.
    pub token: String,
    /// What the page sends in a header with each state-changing request.
    pub csrf: String,
}

/// A live session, as a request presenting its cookie finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found<A> {
    pub account: A,
    pub csrf: String,
}

/// Every session is taken and none has expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full;

struct Entry<A> {
    account: A,
    csrf: String,
    opened: Instant,
    used: Instant,
}

pub struct Sessions<A> {
    config: SessionConfig,
    map: Mutex<HashMap<[u8; 32], Entry<A>>>,
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn key(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl<A: Copy + Eq + Hash> Sessions<A> {
    pub fn new(config: SessionConfig) -> Sessions<A> {
        Sessions { config, map: Mutex::new(HashMap::new()) }
    }

    fn live(&self, e: &Entry<A>, now: Instant) -> bool {
        now.duration_since(e.used) < self.config.idle && now.duration_since(e.opened) < self.config.lifetime
    }

    /// Opens a session of `account` (already authenticated).
    pub fn open(&self, account: A) -> Result<Opened, Full> {
        self.open_at(account, Instant::now())
    }

    fn open_at(&self, account: A, now: Instant) -> Result<Opened, Full> {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= self.config.total {
            map.retain(|_, e| self.live(e, now));
        }
        let mut own: Vec<([u8; 32], Instant)> =
            map.iter().filter(|(_, e)| e.account == account).map(|(k, e)| (*k, e.opened)).collect();
        if own.len() >= self.config.per_account.max(1) {
            own.sort_by_key(|(_, opened)| *opened);
            for (k, _) in &own[..=own.len() - self.config.per_account.max(1)] {
                map.remove(k);
            }
        } else if map.len() >= self.config.total {
            return Err(Full);
        }
        let opened = Opened { token: random_token(), csrf: random_token() };
        map.insert(key(&opened.token), Entry { account, csrf: opened.csrf.clone(), opened: now, used: now });
        Ok(opened)
    }

    /// The live session of a cookie's token, marked used; an expired one is removed.
    pub fn find(&self, token: &str) -> Option<Found<A>> {
        self.find_at(token, Instant::now())
    }

    fn find_at(&self, token: &str, now: Instant) -> Option<Found<A>> {
        if token.len() != 64 {
            return None;
        }
        let k = key(token);
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let entry = map.get_mut(&k)?;
        if !self.live(entry, now) {
            map.remove(&k);
            return None;
        }
        entry.used = now;
        Some(Found { account: entry.account, csrf: entry.csrf.clone() })
    }

    /// Ends the session of a cookie's token (logout); false if there was none.
    pub fn close(&self, token: &str) -> bool {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).remove(&key(token)).is_some()
    }

    /// Ends every session of `account` (its password changed, it was removed).
    pub fn close_account(&self, account: A) {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).retain(|_, e| e.account != account);
    }

    pub fn len(&self) -> usize {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Whether a header value equals the session's CSRF token, compared in constant time.
pub fn csrf_matches(sent: &str, expected: &str) -> bool {
    sent.len() == expected.len() && sent.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sessions(per_account: usize, total: usize) -> Sessions<u32> {
        Sessions::new(SessionConfig {
            idle: Duration::from_secs(60),
            lifetime: Duration::from_secs(600),
            per_account,
            total,
        })
    }

    #[test]
    fn open_find_close() {
        let s = sessions(4, 10);
        let a = s.open(1).unwrap();
        assert_eq!(a.token.len(), 64);
        assert_ne!(a.token, a.csrf);
        assert_eq!(s.find(&a.token), Some(Found { account: 1, csrf: a.csrf.clone() }));
        for bad in ["", "x", &a.csrf, &a.token[..63], &format!("{}0", a.token)] {
            assert_eq!(s.find(bad), None, "{bad}");
        }
        assert!(s.close(&a.token));
        assert!(!s.close(&a.token));
        assert_eq!(s.find(&a.token), None);
    }

    #[test]
    fn idle_and_lifetime_end_a_session() {
        let s = sessions(4, 10);
        let t0 = Instant::now();
        let a = s.open_at(1, t0).unwrap();
        // Used every 50 s: idle never reached, but the lifetime is.
        let mut t = t0;
        for _ in 0..11 {
            t += Duration::from_secs(50);
            assert!(s.find_at(&a.token, t).is_some());
        }
        assert!(s.find_at(&a.token, t0 + Duration::from_secs(601)).is_none());
        let b = s.open_at(1, t0).unwrap();
        assert!(s.find_at(&b.token, t0 + Duration::from_secs(61)).is_none());
        assert!(s.is_empty());
    }

    #[test]
    fn an_account_keeps_its_newest_sessions() {
        let s = sessions(3, 100);
        let t0 = Instant::now();
        let opened: Vec<Opened> = (0..5).map(|i| s.open_at(7, t0 + Duration::from_secs(i)).unwrap()).collect();
        let other = s.open_at(8, t0).unwrap();
        assert_eq!(s.len(), 4);
        let now = t0 + Duration::from_secs(5);
        assert!(s.find_at(&opened[0].token, now).is_none() && s.find_at(&opened[1].token, now).is_none());
        assert!(opened[2..].iter().all(|o| s.find_at(&o.token, now).is_some()));
        assert!(s.find_at(&other.token, now).is_some());
        s.close_account(7);
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn the_process_bound_sweeps_then_refuses() {
        let s = sessions(3, 2);
        let t0 = Instant::now();
        s.open_at(1, t0).unwrap();
        s.open_at(2, t0).unwrap();
        assert_eq!(s.open_at(3, t0), Err(Full));
        // An account at its own bound still logs in (its oldest session makes room).
        let s1 = sessions(1, 2);
        s1.open_at(1, t0).unwrap();
        s1.open_at(2, t0).unwrap();
        assert!(s1.open_at(1, t0).is_ok());
        // Expired sessions are swept to make room.
        assert!(s.open_at(3, t0 + Duration::from_secs(61)).is_ok());
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn csrf_comparison() {
        assert!(csrf_matches("abc", "abc"));
        assert!(!csrf_matches("abd", "abc") && !csrf_matches("ab", "abc") && !csrf_matches("", "abc"));
    }
}
