//! The authentication entry point. Argon2id stays the only thing at rest; a successful
//! verification is remembered for `cache_ttl`, keyed by a keyed SHA-256 of (principal, its
//! stored hashes, the password), so a reconnecting client costs a hash lookup, and a changed or
//! revoked password misses the cache at once.
//!
//! Defences: failures are throttled per principal (whatever name or alias was typed) and per
//! client address; at most one Argon2 verification per core runs at a time, so a flood queues
//! instead of exhausting memory, and parallel guesses can outrun the count by a core's worth at
//! most; an unknown user costs the same verification as a known one. Failures are counted once
//! known (counting attempts in advance throttled clients that open many connections at once).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use rand::Rng;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::throttle::{Throttle, ThrottleConfig};
use crate::{Address, AuthError, Directory, Principal, password};

#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub throttle: ThrottleConfig,
    /// How long a successful verification is remembered (0 disables the cache).
    pub cache_ttl: Duration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig { throttle: ThrottleConfig::default(), cache_ttl: Duration::from_secs(300) }
    }
}

/// What a client presented.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// An address or alias of the principal.
    pub username: String,
    pub password: String,
    /// The client's address, for per-address throttling (`None` for local tools).
    pub remote: Option<IpAddr>,
}

const CACHE_MAX: usize = 50_000;
/// RFC 5321 §4.5.3.1.3: no address is longer.
const MAX_USERNAME: usize = 320;

pub(crate) struct Authenticator {
    config: AuthConfig,
    throttle: Throttle,
    key: [u8; 32],
    cache: Mutex<HashMap<[u8; 32], Instant>>,
    verifying: Semaphore,
}

/// A hash of a random password, verified against when the user is unknown, so that the
/// answer takes as long as for a real account.
fn decoy() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| password::hash_blocking(&password::generate()).unwrap_or_default())
}

impl Authenticator {
    pub fn new(config: AuthConfig) -> Authenticator {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        Authenticator {
            throttle: Throttle::new(&config.throttle),
            key: rand::thread_rng().r#gen(),
            cache: Mutex::new(HashMap::new()),
            verifying: Semaphore::new(cores),
            config,
        }
    }

    pub async fn authenticate(&self, dir: &Directory, c: &Credentials) -> Result<Principal, AuthError> {
        let typed = c.username.trim();
        let normalised = match Address::parse(typed) {
            Ok(a) if typed.len() <= MAX_USERNAME => a.to_string(),
            _ => {
                self.throttle.fail(c.remote, "");
                return Err(AuthError::Failed);
            }
        };
        let principal = dir.principal(&normalised).await.map_err(|e| AuthError::Unavailable(e.to_string()))?;
        // Count against the principal however it was named; an unknown name by itself.
        let account = principal.as_ref().map_or(normalised.clone(), |p| format!("#{}", p.id));
        if let Some(retry_after) = self.throttle.blocked(c.remote, &account) {
            tracing::info!(user = %normalised, remote = ?c.remote, "login refused: throttled");
            return Err(AuthError::Throttled { retry_after });
        }
        let mut hashes = Vec::new();
        if let Some(p) = &principal {
            hashes.extend(p.secret.clone());
            let id = p.id;
            let apps = dir
                .store()
                .read(move |r| r.app_passwords(id))
                .await
                .map_err(|e| AuthError::Unavailable(e.to_string()))?;
            hashes.extend(apps.into_iter().map(|a| a.secret));
        }
        let ok = match principal {
            Some(p) if !hashes.is_empty() && c.password.len() <= password::MAX_LEN => {
                let key = self.cache_key(&p, &hashes, &c.password);
                if self.cached(&key) || self.verify(&c.password, hashes, &key).await {
                    self.remember(key);
                    Some(p)
                } else {
                    None
                }
            }
            _ => {
                self.verify(&c.password, vec![decoy().to_owned()], &[0; 32]).await;
                None
            }
        };
        match ok {
            Some(p) => {
                self.throttle.succeed(&account);
                Ok(p)
            }
            None => {
                self.throttle.fail(c.remote, &account);
                tracing::info!(user = %normalised, remote = ?c.remote, "login failed");
                Err(AuthError::Failed)
            }
        }
    }

    /// Argon2id, at most one per core at a time. A client opening many connections at once
    /// sends the same credentials many times: after the wait, the first one's success is in
    /// the cache, so the rest skip the hash.
    async fn verify(&self, password: &str, hashes: Vec<String>, key: &[u8; 32]) -> bool {
        let Ok(_permit) = self.verifying.acquire().await else { return false };
        if self.cached(key) {
            return true;
        }
        password::verify_any(password, hashes).await
    }

    fn cache_key(&self, p: &Principal, hashes: &[String], password: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.key);
        h.update(p.id.0.to_be_bytes());
        for s in hashes {
            h.update(s.as_bytes());
            h.update([0]);
        }
        h.update(password.as_bytes());
        h.finalize().into()
    }

    fn cached(&self, key: &[u8; 32]) -> bool {
        let Ok(cache) = self.cache.lock() else { return false };
        cache.get(key).is_some_and(|until| *until > Instant::now())
    }

    fn remember(&self, key: [u8; 32]) {
        if self.config.cache_ttl.is_zero() {
            return;
        }
        let Ok(mut cache) = self.cache.lock() else { return };
        let now = Instant::now();
        if cache.len() >= CACHE_MAX {
            cache.retain(|_, until| *until > now);
            if cache.len() >= CACHE_MAX {
                cache.clear();
            }
        }
        cache.insert(key, now + self.config.cache_ttl);
    }
}
