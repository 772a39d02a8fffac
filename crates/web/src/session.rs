//! Login sessions of the web client: what they are made of, and their rules. A login (the
//! directory's one authentication, in the binary) opens a session: a random 256-bit token for
//! the cookie and another for the CSRF header. Only a SHA-256 of the cookie's token is kept
//! ([`token_hash`]), in the store (`relais_store::WebSession`), so every node finds it, a
//! restart signs nobody out, and the table shows no usable cookie.
//!
//! Bounds ([`SessionConfig`]): a session ends after `idle` without use or `lifetime` after the
//! login, whichever is first; an account holds at most `per_account` (a new login ends its
//! oldest one); the store at most `total` (past that, ended ones are purged, and a login is
//! refused when none is). A use is written at most once per [`TOUCH_EVERY`] ([`needs_touch`]),
//! not on every request.

use std::time::Duration;

use rand::RngCore;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy)]
pub struct SessionConfig {
    pub idle: Duration,
    pub lifetime: Duration,
    pub per_account: u32,
    pub total: u32,
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

/// How often a session's last use is written at most.
pub const TOUCH_EVERY: Duration = Duration::from_secs(60);

/// What a login hands the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The cookie's value.
    pub token: String,
    /// What the page sends in a header with each state-changing request.
    pub csrf: String,
}

impl Opened {
    /// Two fresh random tokens.
    pub fn new() -> Opened {
        Opened { token: random_token(), csrf: random_token() }
    }
}

impl Default for Opened {
    fn default() -> Self {
        Opened::new()
    }
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The key a session is stored under: the SHA-256 of its token, in hex. `None` for a value
/// that cannot be one of our tokens (64 lowercase hex digits), which is then not looked up.
pub fn token_hash(token: &str) -> Option<String> {
    let ours = token.len() == 64 && token.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    ours.then(|| hex::encode(Sha256::digest(token.as_bytes())))
}

/// Whether a use at `now` (Unix milliseconds) is to be written, the last one written at
/// `last_used`.
pub fn needs_touch(last_used: i64, now: i64) -> bool {
    now - last_used >= TOUCH_EVERY.as_millis() as i64
}

/// Now, in Unix milliseconds (the sessions' clock).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Whether a header value equals the session's CSRF token, compared in constant time.
pub fn csrf_matches(sent: &str, expected: &str) -> bool {
    sent.len() == expected.len() && sent.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_their_hashes() {
        let a = Opened::new();
        assert_eq!(a.token.len(), 64);
        assert_ne!(a.token, a.csrf);
        let h = token_hash(&a.token).unwrap();
        assert_eq!(h.len(), 64);
        assert_ne!(h, a.token);
        assert_eq!(token_hash(&a.token), Some(h));
        for bad in ["", "x", &a.token[..63], &format!("{}0", a.token), &a.token.to_uppercase(), &"g".repeat(64)] {
            assert_eq!(token_hash(bad), None, "{bad}");
        }
    }

    #[test]
    fn touched_once_a_minute() {
        assert!(!needs_touch(1_000, 1_000) && !needs_touch(1_000, 60_999));
        assert!(needs_touch(1_000, 61_000) && needs_touch(1_000, 500_000));
    }

    #[test]
    fn csrf_comparison() {
        assert!(csrf_matches("abc", "abc"));
        assert!(!csrf_matches("abd", "abc") && !csrf_matches("ab", "abc") && !csrf_matches("", "abc"));
    }
}
