//! The devices that sync an account (ActiveSync phones today), as domain operations: a device
//! is registered by its first request, keeps the policy key it acknowledged and its sync
//! states, and can be wiped or removed by an administrator (`relais admin device ...`). A
//! device belongs to the account that logged in from it: it acts for that account only, and
//! nobody else's requests read or change its state.
//!
//! Policy keys are random 32-bit numbers other than 0 (ActiveSync sends them as decimal
//! strings; 0 means "none").

use rand::Rng;
use relais_store::{AccountId, Device, SyncState, Wipe};

use crate::access::{Actor, Protocol};
use crate::{Directory, DirectoryError, Result};

/// What a Provision round trip decided for a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provisioned {
    /// A new key handed out for the device to acknowledge.
    Offered(u32),
    /// The device acknowledged the key it was offered: this is now its policy key.
    Acknowledged(u32),
    /// The device acknowledged a key it was not offered.
    WrongKey,
}

/// The device's own account: only its owner (or the server and administrators) act on it.
fn owner_only(actor: &Actor, account: AccountId) -> Result<()> {
    let trusted = matches!(actor.protocol, Protocol::Admin | Protocol::Internal);
    if actor.principal == account || trusted {
        Ok(())
    } else {
        Err(DirectoryError::Invalid("a device is managed by its own account or an administrator".into()))
    }
}

/// How stale a device's `last_seen` may get before a request writes it again (seconds).
const SEEN_WITHIN: i64 = 60;

/// Most devices one account holds (Exchange's partnership limit): each request with a device id
/// not seen before would otherwise add one, without end. A device past it is refused (a
/// `Limit` error; ActiveSync's Status 177) until an administrator removes one.
pub const MAX_DEVICES: usize = 100;

fn new_key() -> u32 {
    rand::thread_rng().gen_range(1..=u32::MAX)
}

impl Directory {
    /// Records a request from `device_id` of the actor's account (created on its first, unless
    /// the account holds [`MAX_DEVICES`] already), with what the device says of itself when it
    /// says it (a JSON object). Returns the device.
    pub async fn device_seen(
        &self,
        actor: &Actor,
        device_id: &str,
        device_type: &str,
        info: Option<String>,
    ) -> Result<Device> {
        let (account, id, kind) = (actor.principal, device_id.to_owned(), device_type.to_owned());
        if info.is_none() {
            // Most requests change nothing worth a write: last_seen is kept to the minute.
            let key = id.clone();
            let known = self.store.read(move |r| r.device(account, &key)).await?;
            if let Some(d) = known.filter(|d| d.device_type == kind && relais_store::now() - d.last_seen < SEEN_WITHIN)
            {
                return Ok(d);
            }
        }
        Ok(self
            .store
            .write(move |tx| {
                if tx.read().device(account, &id)?.is_none() && tx.read().devices(account)?.len() >= MAX_DEVICES {
                    return Err(relais_store::Error::Limit(format!("more than {MAX_DEVICES} devices")));
                }
                tx.touch_device(account, &id, &kind, info.as_deref())
            })
            .await?)
    }

    /// One device of `account`, if known.
    pub async fn device(&self, actor: &Actor, account: AccountId, device_id: &str) -> Result<Option<Device>> {
        owner_only(actor, account)?;
        let id = device_id.to_owned();
        Ok(self.store.read(move |r| r.device(account, &id)).await?)
    }

    /// The devices of `account`, most recently seen first.
    pub async fn devices(&self, actor: &Actor, account: AccountId) -> Result<Vec<Device>> {
        owner_only(actor, account)?;
        Ok(self.store.read(move |r| r.devices(account)).await?)
    }

    /// Provision's first round trip: a new key for the device to acknowledge (its current
    /// key stays valid until it does).
    pub async fn offer_policy_key(&self, actor: &Actor, device_id: &str) -> Result<u32> {
        let (account, id, key) = (actor.principal, device_id.to_owned(), new_key());
        self.store
            .write(move |tx| {
                let current = tx.read().device(account, &id)?.map_or(0, |d| d.policy_key);
                tx.set_device_keys(account, &id, current, key)
            })
            .await?;
        Ok(key)
    }

    /// Provision's second round trip: the device acknowledges `key`. When it is the key it
    /// was offered, the device gets a final key of its own (the offered one is spent).
    pub async fn acknowledge_policy_key(&self, actor: &Actor, device_id: &str, key: u32) -> Result<Provisioned> {
        let (account, id, fresh) = (actor.principal, device_id.to_owned(), new_key());
        Ok(self
            .store
            .write(move |tx| {
                let Some(d) = tx.read().device(account, &id)? else { return Ok(Provisioned::WrongKey) };
                if key == 0 || d.pending_key != key {
                    return Ok(Provisioned::WrongKey);
                }
                tx.set_device_keys(account, &id, fresh, 0)?;
                Ok(Provisioned::Acknowledged(fresh))
            })
            .await?)
    }

    /// Asks for `device_id` of `account` to be wiped at its next request (the whole device, or
    /// with `account_only` this account's data only). False when there is no such device.
    pub async fn request_wipe(
        &self,
        actor: &Actor,
        account: AccountId,
        device_id: &str,
        account_only: bool,
    ) -> Result<bool> {
        owner_only(actor, account)?;
        let id = device_id.to_owned();
        let wipe = if account_only { Wipe::AccountOnlyRequested } else { Wipe::Requested };
        Ok(self.store.write(move |tx| tx.set_device_wipe(account, &id, wipe)).await?)
    }

    /// The device confirmed the wipe it was asked for: from now on it is refused.
    pub async fn confirm_wipe(&self, actor: &Actor, device_id: &str) -> Result<()> {
        let (account, id) = (actor.principal, device_id.to_owned());
        self.store
            .write(move |tx| {
                let done = match tx.read().device(account, &id)?.map(|d| d.wipe) {
                    Some(Wipe::AccountOnlyRequested) => Wipe::AccountWiped,
                    Some(Wipe::Requested) => Wipe::Wiped,
                    _ => return Ok(()),
                };
                tx.set_device_wipe(account, &id, done)?;
                tx.clear_device_sync(account, &id)
            })
            .await?;
        Ok(())
    }

    /// Forgets a device, its keys and sync states (it starts over if it comes back, unless it
    /// was wiped: then it is refused until removed). False when there was none.
    pub async fn remove_device(&self, actor: &Actor, account: AccountId, device_id: &str) -> Result<bool> {
        owner_only(actor, account)?;
        let id = device_id.to_owned();
        Ok(self.store.write(move |tx| tx.remove_device(account, &id)).await?)
    }

    /// The actor's device's sync state for `collection`.
    pub async fn sync_state(&self, actor: &Actor, device_id: &str, collection: &str) -> Result<Option<SyncState>> {
        let (account, id, c) = (actor.principal, device_id.to_owned(), collection.to_owned());
        Ok(self.store.read(move |r| r.device_sync(account, &id, &c)).await?)
    }

    /// Stores the actor's device's sync state for `collection`.
    pub async fn save_sync_state(
        &self,
        actor: &Actor,
        device_id: &str,
        collection: &str,
        state: SyncState,
    ) -> Result<()> {
        let (account, id, c) = (actor.principal, device_id.to_owned(), collection.to_owned());
        Ok(self.store.write(move |tx| tx.put_device_sync(account, &id, &c, &state)).await?)
    }

    /// Forgets every sync state of the actor's device (it starts over from its folder list).
    pub async fn clear_sync_states(&self, actor: &Actor, device_id: &str) -> Result<()> {
        let (account, id) = (actor.principal, device_id.to_owned());
        Ok(self.store.write(move |tx| tx.clear_device_sync(account, &id)).await?)
    }
}
