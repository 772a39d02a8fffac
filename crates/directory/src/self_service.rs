//! What a user manages of its own account (the web client's Settings, through JMAP's
//! `urn:relais:jmap:security`): its password, its app passwords, its API tokens and its devices. Everything
//! here acts on the actor's own account and nobody else's; each change that could lock the
//! user out or open the account to someone else (a new password, a new app password, a
//! device wiped or forgotten, a new API token) first re-confirms the account's password — not an app
//! password, which a phone or a desktop client holds — through the same throttling as a login.
//! Revoking an app password needs only the session: it can take access away, never give it.

use std::net::IpAddr;

use relais_store::{AccountId, ApiToken, AppPassword, Device, PrincipalKind};

use crate::access::Actor;
use crate::{AuthError, Credentials, Directory, DirectoryError, password};

/// The shortest password a user may choose for itself (an administrator's `user passwd` is
/// not bound by it: provisioning tools set what they set).
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Why a self-service change was refused.
#[derive(Debug, thiserror::Error)]
pub enum SelfServiceError {
    /// The current password was wrong, throttled or could not be checked.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// What was asked for is not allowed (a weak password, a bad name); the text says why.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Directory(#[from] DirectoryError),
}

impl From<relais_store::Error> for SelfServiceError {
    fn from(e: relais_store::Error) -> Self {
        SelfServiceError::Directory(e.into())
    }
}

/// The account's password confirmed once (`Directory::confirm_password`), for the operations of
/// one request that need it: each takes this instead of verifying the password again.
#[derive(Debug)]
pub struct Confirmed {
    account: AccountId,
}

/// What a device wipe erases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WipeScope {
    /// The whole device (ActiveSync RemoteWipe).
    Device,
    /// Only this account's data on it (ActiveSync 16.1 AccountOnlyRemoteWipe).
    Account,
}

impl Directory {
    /// Checks `current` is the actor's own account's password (not an app password), counted
    /// as a login from `remote`.
    pub async fn confirm_password(
        &self,
        actor: &Actor,
        current: &str,
        remote: Option<IpAddr>,
    ) -> Result<Confirmed, SelfServiceError> {
        let me = self
            .principal_by_id(actor.principal)
            .await?
            .filter(|p| p.kind == PrincipalKind::User)
            .ok_or_else(|| SelfServiceError::Refused("only a user's own account manages its credentials".into()))?;
        let c = Credentials { username: me.address(), password: current.to_owned(), remote };
        let confirmed = self.authenticate_password(&c).await?;
        if confirmed.id != me.id {
            // An address that is also another's alias cannot confirm for this account.
            return Err(AuthError::Failed.into());
        }
        Ok(Confirmed { account: me.id })
    }

    /// `proof` is the actor's own confirmation.
    fn confirmed_for(actor: &Actor, proof: &Confirmed) -> Result<(), SelfServiceError> {
        if proof.account == actor.principal {
            Ok(())
        } else {
            Err(SelfServiceError::Refused("the password confirmed is another account's".into()))
        }
    }

    /// Changes the actor's password: `current` confirmed first; the new one at least
    /// [`MIN_PASSWORD_CHARS`] characters and not the current one. Every session of the
    /// account ends (the store's rule for a new secret), the web client's included.
    pub async fn change_own_password(
        &self,
        actor: &Actor,
        current: &str,
        new: &str,
        remote: Option<IpAddr>,
    ) -> Result<(), SelfServiceError> {
        if new.chars().count() < MIN_PASSWORD_CHARS || new.len() > password::MAX_LEN {
            return Err(SelfServiceError::Refused(format!(
                "a new password needs at least {MIN_PASSWORD_CHARS} characters (at most {} bytes)",
                password::MAX_LEN
            )));
        }
        if new == current {
            return Err(SelfServiceError::Refused("the new password is the current one".into()));
        }
        self.confirm_password(actor, current, remote).await?;
        let secret = password::hash(new).await?;
        let id = actor.principal;
        self.store.write(move |tx| tx.set_secret(id, Some(&secret))).await?;
        tracing::info!(account = %id, "password changed by its user");
        Ok(())
    }

    /// The actor's app passwords (their hashes included: callers show the rest).
    pub async fn own_app_passwords(&self, actor: &Actor) -> Result<Vec<AppPassword>, SelfServiceError> {
        let id = actor.principal;
        Ok(self.store.read(move |r| r.app_passwords(id)).await?)
    }

    /// Creates an app password named `name` for the actor, its password confirmed; returns the
    /// password, shown once (only its hash is kept).
    pub async fn add_own_app_password(
        &self,
        actor: &Actor,
        name: &str,
        proof: &Confirmed,
    ) -> Result<String, SelfServiceError> {
        Self::confirmed_for(actor, proof)?;
        match self.add_app_password_of(actor.principal, name).await {
            Err(DirectoryError::Invalid(why)) => Err(SelfServiceError::Refused(why)),
            Err(DirectoryError::Store(relais_store::Error::AlreadyExists(_))) => {
                Err(SelfServiceError::Refused(format!("an app password named {name:?} exists already")))
            }
            other => Ok(other?),
        }
    }

    /// Revokes the actor's app password `name`; false when there was none.
    pub async fn revoke_own_app_password(&self, actor: &Actor, name: &str) -> Result<bool, SelfServiceError> {
        let (id, name) = (actor.principal, name.to_owned());
        match self.store.write(move |tx| tx.revoke_app_password(id, &name)).await {
            Ok(()) => Ok(true),
            Err(relais_store::Error::NotFound(_)) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The actor's API tokens.
    pub async fn own_api_tokens(&self, actor: &Actor) -> Result<Vec<ApiToken>, SelfServiceError> {
        let id = actor.principal;
        Ok(self.store.read(move |r| r.api_tokens(id)).await?)
    }

    /// Creates an API token named `name` for the actor, expiring after `days` or never, its
    /// password confirmed; returns the token, shown once (only its hash is kept), and its record.
    pub async fn add_own_api_token(
        &self,
        actor: &Actor,
        name: &str,
        days: Option<u32>,
        proof: &Confirmed,
    ) -> Result<(String, ApiToken), SelfServiceError> {
        Self::confirmed_for(actor, proof)?;
        match self.add_api_token_of(actor.principal, name, days).await {
            Err(DirectoryError::Invalid(why)) => Err(SelfServiceError::Refused(why)),
            Err(DirectoryError::Store(relais_store::Error::AlreadyExists(_))) => {
                Err(SelfServiceError::Refused(format!("an API token named {:?} exists already", name.trim())))
            }
            Err(DirectoryError::Store(relais_store::Error::Limit(why))) => Err(SelfServiceError::Refused(why)),
            other => Ok(other?),
        }
    }

    /// Revokes the actor's API token `id`; false when there was none.
    pub async fn revoke_own_api_token(&self, actor: &Actor, id: &str) -> Result<bool, SelfServiceError> {
        let (principal, id) = (actor.principal, id.to_owned());
        match self.store.write(move |tx| tx.revoke_api_token(principal, &id)).await {
            Ok(()) => Ok(true),
            Err(relais_store::Error::NotFound(_)) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Asks the actor's device `device_id` to wipe itself at its next request, its password
    /// confirmed; false when the account has no such device.
    pub async fn wipe_own_device(
        &self,
        actor: &Actor,
        device_id: &str,
        scope: WipeScope,
        proof: &Confirmed,
    ) -> Result<bool, SelfServiceError> {
        Self::confirmed_for(actor, proof)?;
        Ok(self.request_wipe(actor, actor.principal, device_id, scope == WipeScope::Account).await?)
    }

    /// Forgets the actor's device `device_id` (a wiped one may then sync again), its password
    /// confirmed; false when the account has no such device.
    pub async fn remove_own_device(
        &self,
        actor: &Actor,
        device_id: &str,
        proof: &Confirmed,
    ) -> Result<bool, SelfServiceError> {
        Self::confirmed_for(actor, proof)?;
        Ok(self.remove_device(actor, actor.principal, device_id).await?)
    }

    /// The actor's devices, most recently seen first.
    pub async fn own_devices(&self, actor: &Actor) -> Result<Vec<Device>, SelfServiceError> {
        Ok(self.devices(actor, actor.principal).await?)
    }
}
