//! The authentication entry point. Argon2id stays the only thing at rest; a successful
//! verification is remembered for `cache_ttl`, keyed by a keyed SHA-256 of (principal, its
//! stored hashes, the password), so a reconnecting client costs a hash lookup, and a changed or
//! revoked password misses the cache at once.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::Rng;
use sha2::{Digest, Sha256};

use crate::throttle::{Throttle, ThrottleConfig};
use crate::{AuthError, Directory, Principal, password};

#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub throttle: ThrottleConfig,
    /// How long a successful verification is remembered (0 disables the cache).
    pub cache_ttl: Duration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            throttle: ThrottleConfig::default(),
            cache_ttl: Duration::from_secs(300),
        }
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

pub(crate) struct Authenticator {
    config: AuthConfig,
    throttle: Throttle,
    key: [u8; 32],
    cache: Mutex<HashMap<[u8; 32], Instant>>,
}

impl Authenticator {
    pub fn new(config: AuthConfig) -> Authenticator {
        Authenticator {
            throttle: Throttle::new(&config.throttle),
            key: rand::thread_rng().r#gen(),
            cache: Mutex::new(HashMap::new()),
            config,
        }
    }

    pub async fn authenticate(
        &self,
        dir: &Directory,
        c: &Credentials,
    ) -> Result<Principal, AuthError> {
        let account = c.username.trim().to_ascii_lowercase();
        if let Some(retry_after) = self.throttle.blocked(c.remote, &account) {
            tracing::info!(user = %account, remote = ?c.remote, "login refused: throttled");
            return Err(AuthError::Throttled { retry_after });
        }
        let principal = dir
            .principal(&account)
            .await
            .map_err(|e| AuthError::Unavailable(e.to_string()))?;
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
        let Some(p) =
            principal.filter(|_| !hashes.is_empty() && c.password.len() <= password::MAX_LEN)
        else {
            self.throttle.fail(c.remote, &account);
            tracing::info!(user = %account, remote = ?c.remote, "login failed: no such login");
            return Err(AuthError::Failed);
        };
        let key = self.cache_key(&p, &hashes, &c.password);
        if self.cached(&key) || password::verify_any(&c.password, hashes).await {
            self.remember(key);
            self.throttle.succeed(&account);
            return Ok(p);
        }
        self.throttle.fail(c.remote, &account);
        tracing::info!(user = %account, remote = ?c.remote, "login failed: wrong password");
        Err(AuthError::Failed)
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
        let Ok(cache) = self.cache.lock() else {
            return false;
        };
        cache.get(key).is_some_and(|until| *until > Instant::now())
    }

    fn remember(&self, key: [u8; 32]) {
        if self.config.cache_ttl.is_zero() {
            return;
        }
        let Ok(mut cache) = self.cache.lock() else {
            return;
        };
        let now = Instant::now();
        if cache.len() >= CACHE_MAX {
            cache.retain(|_, until| *until > now);
        }
        cache.insert(key, now + self.config.cache_ttl);
    }
}
