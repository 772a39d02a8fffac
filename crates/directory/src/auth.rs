//! The authentication entry point. Argon2id stays the only thing at rest; a successful
//! verification is remembered for `cache_ttl`, keyed by a keyed SHA-256 of (principal, its
//! stored hashes, the password), so a reconnecting client costs a hash lookup, and a changed or
//! revoked password misses the cache at once.
//!
//! Defences, in the order an attempt meets them:
//! 1. `throttle`: a failure is reserved before anything is verified (address and
//!    (account, address) limits), so parallel guesses cannot outrun the count;
//! 2. `gate`: the address's verification permit — a flood from one address waits behind itself;
//! 3. the account's slowdown, for an address that already failed on an account under attack;
//! 4. the account's permit and one of the Argon2 pool's, each waited for a bounded time;
//! 5. one Argon2 verification: the password, or the app password its selector names
//!    (`password`), or for an unknown user a decoy — the same cost in every case.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use rand::Rng;
use sha2::{Digest, Sha256};

use crate::gate::{GateConfig, Gates};
use crate::throttle::{Attempt, Throttle, ThrottleConfig};
use crate::{Address, AuthError, Directory, Principal, password};

#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub throttle: ThrottleConfig,
    pub gates: GateConfig,
    /// How long a successful verification is remembered (0 disables the cache).
    pub cache_ttl: Duration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            throttle: ThrottleConfig::default(),
            gates: GateConfig::default(),
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
/// RFC 5321 §4.5.3.1.3: no address is longer.
const MAX_USERNAME: usize = 320;
/// What a refusal for lack of a free verifier tells the client to wait.
const BUSY_RETRY: Duration = Duration::from_secs(1);

pub(crate) struct Authenticator {
    config: AuthConfig,
    throttle: Throttle,
    gates: Gates,
    key: [u8; 32],
    cache: Mutex<HashMap<[u8; 32], Instant>>,
    /// Argon2 verifications computed (a metric, and what tests count).
    verifications: Arc<AtomicU64>,
}

/// A hash of a random password, verified against when the user is unknown, so that the
/// answer takes as long as for a real account.
fn decoy() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| password::hash_blocking(&password::generate(), None).unwrap_or_default())
}

/// The hashes one login verifies — one, except for app passwords from before selectors — and
/// its cache key (`None` for the decoy).
struct Candidates {
    hashes: Vec<String>,
    /// Per hash: the name of the pre-selector app password it is, to re-hash after a match.
    legacy: Vec<Option<String>>,
    key: Option<[u8; 32]>,
}

impl Candidates {
    fn decoy() -> Candidates {
        Candidates { hashes: vec![decoy().to_owned()], legacy: vec![None], key: None }
    }
}

/// Which of an account's secrets a login may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secrets {
    /// The password or any app password: every protocol's login.
    Any,
    /// The account's password alone: the web client's sign-in and what re-confirms it (a
    /// password change), which an app password handed to a phone must not open.
    PasswordOnly,
}

enum Verdict {
    /// The password matched; with the name of a pre-selector app password to re-hash.
    Right(Option<String>),
    Wrong,
    /// No verifier was free within the wait: nothing was verified.
    Busy,
}

impl Authenticator {
    pub fn new(config: AuthConfig) -> Authenticator {
        Authenticator {
            throttle: Throttle::new(&config.throttle),
            gates: Gates::new(&config.gates),
            key: rand::thread_rng().r#gen(),
            cache: Mutex::new(HashMap::new()),
            verifications: Arc::default(),
            config,
        }
    }

    pub async fn authenticate(
        &self,
        dir: &Directory,
        c: &Credentials,
        secrets: Secrets,
    ) -> Result<Principal, AuthError> {
        let typed = c.username.trim();
        let normalised = match Address::parse(typed) {
            Ok(a) if typed.len() <= MAX_USERNAME => a.to_string(),
            _ => {
                if let Ok(attempt) = self.throttle.reserve(c.remote, "") {
                    attempt.failed();
                }
                return Err(AuthError::Failed);
            }
        };
        let principal = dir.principal(&normalised).await.map_err(|e| AuthError::Unavailable(e.to_string()))?;
        // Count against the principal however it was named; an unknown name by itself.
        let account = principal.as_ref().map_or(normalised.clone(), |p| format!("#{}", p.id));
        let attempt = self.throttle.reserve(c.remote, &account).map_err(|retry_after| {
            tracing::info!(user = %normalised, remote = ?c.remote, "login refused: throttled");
            AuthError::Throttled { retry_after }
        })?;
        let verdict = match self.verdict(dir, principal.as_ref(), c, secrets, &account, attempt.delay).await {
            Ok(v) => v,
            Err(e) => {
                attempt.abandoned();
                return Err(e);
            }
        };
        match (verdict, principal) {
            (Verdict::Right(legacy), Some(p)) => {
                attempt.succeeded();
                if let Some(name) = legacy {
                    upgrade(dir.clone(), p.clone(), name, c.password.clone());
                }
                Ok(p)
            }
            (Verdict::Busy, _) => {
                attempt.abandoned();
                tracing::info!(user = %normalised, remote = ?c.remote, "login refused: verifiers busy");
                Err(AuthError::Throttled { retry_after: BUSY_RETRY })
            }
            _ => {
                attempt.failed();
                tracing::info!(user = %normalised, remote = ?c.remote, "login failed");
                Err(AuthError::Failed)
            }
        }
    }

    /// Checks the password through the gates (see the module's steps 2 to 5).
    async fn verdict(
        &self,
        dir: &Directory,
        principal: Option<&Principal>,
        c: &Credentials,
        secrets: Secrets,
        account: &str,
        delay: Option<Duration>,
    ) -> Result<Verdict, AuthError> {
        let candidates = match principal {
            Some(p) if c.password.len() <= password::MAX_LEN => self.candidates(dir, p, &c.password, secrets).await?,
            _ => Candidates::decoy(),
        };
        if self.cached(candidates.key.as_ref()) {
            return Ok(Verdict::Right(None));
        }
        let Ok(address) = self.gates.address(c.remote).await else { return Ok(Verdict::Busy) };
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
        // A client opening many connections at once sends the same credentials many times:
        // after the wait, the first one's success is in the cache, so the rest skip the hash.
        if self.cached(candidates.key.as_ref()) {
            return Ok(Verdict::Right(None));
        }
        let Ok(_permits) = self.gates.verification(address, account).await else { return Ok(Verdict::Busy) };
        match password::verify(&c.password, candidates.hashes, self.verifications.clone()).await {
            Some(i) => {
                if let Some(key) = candidates.key {
                    self.remember(key);
                }
                Ok(Verdict::Right(candidates.legacy.get(i).cloned().flatten()))
            }
            None => Ok(Verdict::Wrong),
        }
    }

    /// What `password` is checked against: the app password its selector names if it has
    /// one, else the principal's password (and the app passwords without a selector); with
    /// `PasswordOnly`, the principal's password alone.
    async fn candidates(
        &self,
        dir: &Directory,
        p: &Principal,
        password: &str,
        secrets: Secrets,
    ) -> Result<Candidates, AuthError> {
        let mut hashes = Vec::new();
        let mut legacy = Vec::new();
        if let (Some(selector), Secrets::Any) = (password::selector(password), secrets) {
            let id = p.id;
            let apps = dir
                .store()
                .read(move |r| r.app_passwords(id))
                .await
                .map_err(|e| AuthError::Unavailable(e.to_string()))?;
            if let Some(app) = apps.iter().find(|a| password::selector_of(&a.secret).as_deref() == Some(selector)) {
                let key = self.cache_key(p, std::slice::from_ref(&app.secret), password);
                return Ok(Candidates { hashes: vec![app.secret.clone()], legacy: vec![None], key: Some(key) });
            }
            for app in apps.into_iter().filter(|a| password::selector_of(&a.secret).is_none()) {
                hashes.push(app.secret);
                legacy.push(Some(app.name));
            }
        }
        if let Some(secret) = &p.secret {
            hashes.insert(0, secret.clone());
            legacy.insert(0, None);
        }
        if hashes.is_empty() {
            return Ok(Candidates::decoy());
        }
        let key = self.cache_key(p, &hashes, password);
        Ok(Candidates { hashes, legacy, key: Some(key) })
    }

    /// Reserves a failure for a login that is not a password's (a bearer token): counted by
    /// address and under `account`, as [`Throttle::reserve`].
    pub(crate) fn reserve(&self, remote: Option<IpAddr>, account: &str) -> Result<Attempt<'_>, Duration> {
        self.throttle.reserve(remote, account)
    }

    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    fn cache_key(&self, p: &Principal, hashes: &[String], password: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.key);
        h.update(p.id.0.to_be_bytes());
        for s in p.secret.iter().chain(hashes) {
            h.update(s.as_bytes());
            h.update([0]);
        }
        h.update(password.as_bytes());
        h.finalize().into()
    }

    fn cached(&self, key: Option<&[u8; 32]>) -> bool {
        let Some(key) = key else { return false };
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

/// Re-hashes an app password from before selectors with its selector, now that its owner has
/// presented it: from then on it costs one verification like the others. In the background;
/// a failure only leaves it as it was.
fn upgrade(dir: Directory, p: Principal, name: String, app_password: String) {
    tokio::spawn(async move {
        let result = match password::hash_app(&app_password).await {
            Ok(secret) => {
                let id = p.id;
                dir.store().write(move |tx| tx.rehash_app_password(id, &name, &secret)).await.map_err(|e| e.to_string())
            }
            Err(e) => Err(e.to_string()),
        };
        match result {
            Ok(()) => tracing::info!(user = %p.address(), "app password re-hashed with its selector"),
            Err(e) => tracing::warn!(user = %p.address(), error = %e, "app password not re-hashed"),
        }
    });
}
