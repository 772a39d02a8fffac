//! Bounds on concurrent password verifications: per client address, per account, and in total
//! (the Argon2 pool). An attempt takes its address's permit first, then its account's, then
//! one of the pool's, each waiting at most `wait`. One address holds at most
//! `per_address` of the pool, so its flood queues behind itself, and everyone else finds the
//! pool's remaining permits free; the pool's queue is first come, first served, so a flood from
//! many addresses delays a login by at most one turn per flooding address.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

#[derive(Debug, Clone)]
pub struct GateConfig {
    /// Verifications running at once in the process (0: the number of cores, at least 2 ×
    /// `per_address` so that one address never fills it).
    pub pool: usize,
    pub per_address: usize,
    pub per_account: usize,
    /// The longest an attempt waits for a permit before it is refused as busy.
    pub wait: Duration,
}

impl Default for GateConfig {
    fn default() -> Self {
        GateConfig { pool: 0, per_address: 2, per_account: 2, wait: Duration::from_secs(5) }
    }
}

/// A semaphore per key, kept only while someone holds or waits for it.
struct Keyed<K> {
    permits: usize,
    semaphores: Mutex<HashMap<K, Arc<Semaphore>>>,
}

/// A keyed permit: gives itself back, and the key's semaphore when nobody else needs it.
pub(crate) struct KeyedPermit<'a, K: Hash + Eq + Clone> {
    keyed: &'a Keyed<K>,
    key: K,
    semaphore: Option<Arc<Semaphore>>,
    permit: Option<OwnedSemaphorePermit>,
}

impl<K: Hash + Eq + Clone> Keyed<K> {
    fn new(permits: usize) -> Keyed<K> {
        Keyed { permits: permits.max(1), semaphores: Mutex::new(HashMap::new()) }
    }

    async fn acquire(&self, key: K, wait: Duration) -> Option<KeyedPermit<'_, K>> {
        let semaphore = {
            let mut map = self.semaphores.lock().ok()?;
            map.entry(key.clone()).or_insert_with(|| Arc::new(Semaphore::new(self.permits))).clone()
        };
        // From here on a drop (timeout, cancellation) must tidy the map: the guard does.
        let mut guard = KeyedPermit { keyed: self, key, semaphore: Some(semaphore.clone()), permit: None };
        let permit = tokio::time::timeout(wait, semaphore.acquire_owned()).await.ok()?.ok()?;
        guard.permit = Some(permit);
        Some(guard)
    }
}

impl<K: Hash + Eq + Clone> Drop for KeyedPermit<'_, K> {
    fn drop(&mut self) {
        drop(self.permit.take());
        drop(self.semaphore.take());
        let Ok(mut map) = self.keyed.semaphores.lock() else { return };
        // Only the map's own reference left: nobody holds or awaits this key.
        if map.get(&self.key).is_some_and(|s| Arc::strong_count(s) == 1) {
            map.remove(&self.key);
        }
    }
}

pub(crate) struct Gates {
    wait: Duration,
    pool: Arc<Semaphore>,
    by_address: Keyed<IpAddr>,
    by_account: Keyed<String>,
}

/// The permits one verification holds.
pub(crate) struct Permits<'a> {
    _address: Option<KeyedPermit<'a, IpAddr>>,
    _account: KeyedPermit<'a, String>,
    _pool: OwnedSemaphorePermit,
}

impl Gates {
    pub fn new(config: &GateConfig) -> Gates {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        let pool = if config.pool == 0 { cores.max(2 * config.per_address.max(1)) } else { config.pool };
        Gates {
            wait: config.wait,
            pool: Arc::new(Semaphore::new(pool)),
            by_address: Keyed::new(config.per_address),
            by_account: Keyed::new(config.per_account),
        }
    }

    /// The address's permit (none for local tools, which have no address).
    pub async fn address(&self, address: Option<IpAddr>) -> Result<Option<KeyedPermit<'_, IpAddr>>, Busy> {
        match address {
            Some(ip) => {
                self.by_address.acquire(crate::throttle::client_block(ip), self.wait).await.map(Some).ok_or(Busy)
            }
            None => Ok(None),
        }
    }

    /// The account's permit and one of the pool's, after the address's.
    pub async fn verification<'a>(
        &'a self,
        address: Option<KeyedPermit<'a, IpAddr>>,
        account: &str,
    ) -> Result<Permits<'a>, Busy> {
        let account = self.by_account.acquire(account.to_owned(), self.wait).await.ok_or(Busy)?;
        let pool = tokio::time::timeout(self.wait, self.pool.clone().acquire_owned())
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or(Busy)?;
        Ok(Permits { _address: address, _account: account, _pool: pool })
    }
}

/// No permit came within the wait.
#[derive(Debug)]
pub(crate) struct Busy;

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keyed_semaphores_bound_and_are_forgotten() {
        let keyed = Keyed::<u8>::new(2);
        let wait = Duration::from_millis(20);
        let a = keyed.acquire(1, wait).await.unwrap();
        let b = keyed.acquire(1, wait).await.unwrap();
        assert!(keyed.acquire(1, wait).await.is_none(), "a third waits, then gives up");
        assert!(keyed.acquire(2, wait).await.is_some(), "another key is free");
        drop((a, b));
        assert!(keyed.semaphores.lock().unwrap().is_empty(), "nobody holds or waits: nothing kept");
    }
}
