//! The directory: domains, principals (users, shared mailboxes, groups, rooms, equipment),
//! aliases, group membership, credentials, and the one authentication entry point every
//! protocol uses; and access: who acts (`access::Actor`), what they may do on a collection
//! (`access::rights_on`), delegation, and the sharing operations every protocol calls
//! (`sharing`).
//!
//! Invariants:
//! - passwords and app passwords are stored only as Argon2id PHC strings, hashed on blocking
//!   threads;
//! - addresses are stored lower-case; a local part and an alias never collide in a domain;
//! - every principal that can own data gets its default collections in the same transaction
//!   that creates it;
//! - reads go to the store each time, so a change made by another process (the CLI) is seen
//!   at once; only successful password verifications are cached, keyed by the stored hash.

pub mod access;
mod address;
pub mod api_tokens;
mod auth;
mod credential;
pub mod devices;
mod error;
mod gate;
mod password;
pub mod policy;
mod provision;
mod push_subscriptions;
pub mod self_service;
pub mod share_notifications;
pub mod sharing;
mod throttle;
mod visibility;

use relais_store::{AccountId, NewPrincipal, PrincipalKind, Role, Store};

pub use access::{Actor, Credential, Delegation, PermissionLevel, Protocol, Rights};
pub use address::Address;
pub use auth::{AuthConfig, Credentials};
pub use credential::CredentialWatch;
pub use error::{AuthError, DirectoryError};
pub use gate::GateConfig;
pub use relais_store::{AppPassword, Domain, Principal};
pub use sharing::{Acl, GrantChange, SharingError};
pub use throttle::{ThrottleConfig, client_block};
pub use visibility::GalScope;

pub type Result<T, E = DirectoryError> = std::result::Result<T, E>;

/// What a delegate may do for a principal (a bit set, stored): the bits of [`Delegation`].
pub use relais_store::delegate_rights as rights;

/// Where mail for an address goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    /// A principal that owns a mailbox (user, shared mailbox, room, equipment).
    Mailbox(Principal),
    /// A group: its members, each a mailbox (nested groups flattened, cycles cut).
    Group { group: Principal, members: Vec<Principal> },
}

#[derive(Clone)]
pub struct Directory {
    store: Store,
    auth: std::sync::Arc<auth::Authenticator>,
    /// Who sees whom (`visibility`).
    gal_scope: GalScope,
}

impl Directory {
    pub fn new(store: Store, config: AuthConfig) -> Directory {
        Directory { auth: std::sync::Arc::new(auth::Authenticator::new(config)), store, gal_scope: GalScope::default() }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    // ---- domains ----

    pub async fn add_domain(&self, name: &str) -> Result<Domain> {
        let name = address::domain(name)?;
        let n = name.clone();
        let id = self.store.write(move |tx| tx.add_domain(&n)).await?;
        Ok(Domain { id, name, catchall: None })
    }

    pub async fn remove_domain(&self, name: &str) -> Result<()> {
        let name = address::domain(name)?;
        Ok(self.store.write(move |tx| tx.remove_domain(&name)).await?)
    }

    pub async fn domains(&self) -> Result<Vec<Domain>> {
        Ok(self.store.read(|r| r.domains()).await?)
    }

    /// Sets (or with `None` clears) the principal that receives mail for unknown local parts.
    pub async fn set_catchall(&self, domain: &str, target: Option<&str>) -> Result<()> {
        let domain = self.domain(domain).await?;
        let target = match target {
            Some(t) => Some(self.principal_required(t).await?.id),
            None => None,
        };
        Ok(self.store.write(move |tx| tx.set_catchall(domain.id, target)).await?)
    }

    /// True if mail for `domain` is ours.
    pub async fn is_local_domain(&self, domain: &str) -> Result<bool> {
        let Ok(name) = address::domain(domain) else { return Ok(false) };
        Ok(self.store.read(move |r| r.domain(&name)).await?.is_some())
    }

    async fn domain(&self, name: &str) -> Result<Domain> {
        let name = address::domain(name)?;
        let n = name.clone();
        self.store.read(move |r| r.domain(&n)).await?.ok_or(DirectoryError::UnknownDomain(name))
    }

    // ---- principals ----

    /// Creates a principal at `address` (its domain must exist), with a password if given, and
    /// provisions its default collections.
    pub async fn add_principal(
        &self,
        kind: PrincipalKind,
        address: &str,
        display_name: &str,
        password: Option<&str>,
        role: Role,
    ) -> Result<Principal> {
        let secret = match password {
            Some(p) => Some(password::hash(p).await?),
            None => None,
        };
        self.create_principal(kind, address, display_name, secret, role).await
    }

    /// Creates a user whose password is already hashed (an import from another server, or a
    /// bulk provisioning): `phc` must be an Argon2id PHC string, the only scheme Relais stores;
    /// its own parameters are kept, and a login verifies with them.
    pub async fn add_user_hashed(&self, address: &str, display_name: &str, phc: &str, role: Role) -> Result<Principal> {
        password::check_phc(phc)?;
        self.create_principal(PrincipalKind::User, address, display_name, Some(phc.to_owned()), role).await
    }

    async fn create_principal(
        &self,
        kind: PrincipalKind,
        address: &str,
        display_name: &str,
        secret: Option<String>,
        role: Role,
    ) -> Result<Principal> {
        let addr = Address::parse(address)?;
        let domain = self.domain(&addr.domain).await?;
        let new = NewPrincipal {
            kind,
            local_part: addr.local.clone(),
            domain: domain.id,
            display_name: display_name.to_owned(),
            secret,
            role,
        };
        let id = self
            .store
            .write(move |tx| {
                let id = tx.create_principal(new)?;
                provision::default_collections(tx, id, kind)?;
                Ok(id)
            })
            .await?;
        self.principal_by_id(id).await?.ok_or_else(|| DirectoryError::NotFound(address.to_owned()))
    }

    pub async fn principal_by_id(&self, id: AccountId) -> Result<Option<Principal>> {
        Ok(self.store.read(move |r| r.principal(id)).await?)
    }

    /// The principal whose own address, or one of whose aliases, is `address`.
    pub async fn principal(&self, address: &str) -> Result<Option<Principal>> {
        let Ok(addr) = Address::parse(address) else {
            return Ok(None);
        };
        Ok(self
            .store
            .read(move |r| {
                if let Some(p) = r.principal_by_address(&addr.local, &addr.domain)? {
                    return Ok(Some(p));
                }
                match r.alias_target(&addr.local, &addr.domain)? {
                    Some(id) => r.principal(id),
                    None => Ok(None),
                }
            })
            .await?)
    }

    async fn principal_required(&self, address: &str) -> Result<Principal> {
        self.principal(address).await?.ok_or_else(|| DirectoryError::NotFound(address.to_owned()))
    }

    pub async fn principals(&self, kind: Option<PrincipalKind>, domain: Option<&str>) -> Result<Vec<Principal>> {
        let domain = domain.map(address::domain).transpose()?;
        Ok(self.store.read(move |r| r.principals(kind, domain.as_deref())).await?)
    }

    pub async fn set_password(&self, address: &str, password: &str) -> Result<()> {
        let p = self.principal_required(address).await?;
        let secret = password::hash(password).await?;
        Ok(self.store.write(move |tx| tx.set_secret(p.id, Some(&secret))).await?)
    }

    /// Sets (or with `None` removes) the storage quota of a principal, in octets.
    pub async fn set_quota(&self, address: &str, quota: Option<u64>) -> Result<()> {
        let p = self.principal_required(address).await?;
        Ok(self.store.write(move |tx| tx.set_quota(p.id, quota)).await?)
    }

    /// (usage, quota) in octets when the account has a quota; `None` when unlimited. Usage is
    /// summed over everything the account holds (mail, calendars, contacts, files), so it is
    /// counted only when there is a quota to check:
    /// APPEND and SMTP RCPT call this on every message, and their cost must not grow with the
    /// mailbox for the unlimited default.
    pub async fn quota(&self, id: AccountId) -> Result<Option<(u64, u64)>> {
        Ok(self
            .store
            .read(move |r| match r.principal(id)?.and_then(|p| p.quota) {
                Some(quota) => Ok(Some((r.usage(id)?, quota))),
                None => Ok(None),
            })
            .await?)
    }

    /// (usage, quota) in octets, the quota `None` when unlimited: for showing, not checking
    /// (DAV quota properties); usage is counted whatever the quota.
    pub async fn usage(&self, id: AccountId) -> Result<(u64, Option<u64>)> {
        Ok(self.store.read(move |r| Ok((r.usage(id)?, r.principal(id)?.and_then(|p| p.quota)))).await?)
    }

    pub async fn set_role(&self, address: &str, role: Role) -> Result<()> {
        let p = self.principal_required(address).await?;
        Ok(self.store.write(move |tx| tx.set_role(p.id, role)).await?)
    }

    /// Removes the principal and everything it owns.
    pub async fn remove_principal(&self, address: &str) -> Result<()> {
        let addr = Address::parse(address)?;
        let p = self
            .store
            .read(move |r| r.principal_by_address(&addr.local, &addr.domain))
            .await?
            .ok_or_else(|| DirectoryError::NotFound(address.to_owned()))?;
        Ok(self.store.write(move |tx| tx.remove_principal(p.id)).await?)
    }

    // ---- aliases and groups ----

    pub async fn add_alias(&self, alias: &str, target: &str) -> Result<()> {
        let a = Address::parse(alias)?;
        let domain = self.domain(&a.domain).await?;
        let target = self.principal_required(target).await?;
        Ok(self.store.write(move |tx| tx.add_alias(domain.id, &a.local, target.id)).await?)
    }

    pub async fn remove_alias(&self, alias: &str) -> Result<()> {
        let a = Address::parse(alias)?;
        let domain = self.domain(&a.domain).await?;
        Ok(self.store.write(move |tx| tx.remove_alias(domain.id, &a.local)).await?)
    }

    /// (alias, target) pairs.
    pub async fn aliases(&self) -> Result<Vec<(String, String)>> {
        Ok(self.store.read(|r| r.aliases()).await?)
    }

    pub async fn add_member(&self, group: &str, member: &str) -> Result<()> {
        let g = self.group(group).await?;
        let m = self.principal_required(member).await?;
        if m.id == g.id {
            return Err(DirectoryError::Invalid("a group cannot contain itself".into()));
        }
        Ok(self.store.write(move |tx| tx.add_group_member(g.id, m.id)).await?)
    }

    pub async fn remove_member(&self, group: &str, member: &str) -> Result<()> {
        let g = self.group(group).await?;
        let m = self.principal_required(member).await?;
        Ok(self.store.write(move |tx| tx.remove_group_member(g.id, m.id)).await?)
    }

    pub async fn members(&self, group: &str) -> Result<Vec<Principal>> {
        let g = self.group(group).await?;
        Ok(self.store.read(move |r| r.group_members(g.id)).await?)
    }

    async fn group(&self, address: &str) -> Result<Principal> {
        let g = self.principal_required(address).await?;
        if g.kind != PrincipalKind::Group {
            return Err(DirectoryError::Invalid(format!("{address} is not a group")));
        }
        Ok(g)
    }

    /// Where mail to `address` goes: its principal, an alias's target, a group's members
    /// (expanded), or the domain's catch-all. `None` if the address is not local or unknown.
    pub async fn resolve(&self, address: &str) -> Result<Option<Recipient>> {
        let Ok(addr) = Address::parse(address) else {
            return Ok(None);
        };
        Ok(self.store.read(move |r| provision::resolve(r, &addr)).await?)
    }

    // ---- delegation ----

    /// Sets what `delegate` may do for `principal` ([`Delegation::NONE`] removes it).
    pub async fn grant(&self, principal: &str, delegate: &str, rights: Delegation) -> Result<()> {
        let p = self.principal_required(principal).await?;
        let d = self.principal_required(delegate).await?;
        if p.id == d.id {
            return Err(DirectoryError::Invalid("one needs no delegation to act for oneself".into()));
        }
        Ok(self.store.write(move |tx| tx.set_delegate(p.id, d.id, rights.bits())).await?)
    }

    /// What `delegate` may do for `principal` ([`access::delegation`]).
    pub async fn delegation(&self, delegate: AccountId, principal: AccountId) -> Result<Delegation> {
        Ok(self.store.read(move |r| access::delegation(r, delegate, principal)).await?)
    }

    /// The principal `address` names and what `principal` may do for it: `None` when the
    /// address is nobody's; every delegation right when it is `principal`'s own address or
    /// alias (one acts for oneself).
    pub async fn sender(&self, principal: &Principal, address: &str) -> Result<Option<(Principal, Delegation)>> {
        let Some(owner) = self.principal(address).await? else { return Ok(None) };
        if owner.id == principal.id {
            return Ok(Some((owner, Delegation::ALL)));
        }
        let granted = self.delegation(principal.id, owner.id).await?;
        Ok(Some((owner, granted)))
    }

    /// True if `principal` may use `address` as its sender (From): its own address or alias,
    /// or that of a principal that made it a send-as delegate. Submission calls this.
    pub async fn may_send_as(&self, principal: &Principal, address: &str) -> Result<bool> {
        Ok(self.sender(principal, address).await?.is_some_and(|(_, d)| d.contains(Delegation::SEND_AS)))
    }

    /// True if `principal` may send on behalf of `address` (From: the principal `address`
    /// names, Sender: `principal`'s own): its own address, a send-on-behalf delegate, or a
    /// send-as delegate (who may do more).
    pub async fn may_send_on_behalf(&self, principal: &Principal, address: &str) -> Result<bool> {
        Ok(self
            .sender(principal, address)
            .await?
            .is_some_and(|(_, d)| d.contains(Delegation::SEND_ON_BEHALF) || d.contains(Delegation::SEND_AS)))
    }

    /// The principal `address` names if `principal` may act for it: itself (by its address or
    /// an alias), or a principal that granted it `rights::FULL_ACCESS` or `rights::SEND_AS`.
    /// `None` for anyone else's address and for an unknown one alike, so a caller's answer
    /// does not tell the two apart (Autodiscover answers only for these).
    pub async fn acts_for(&self, principal: &Principal, address: &str) -> Result<Option<Principal>> {
        let acting = self.sender(principal, address).await?;
        Ok(acting
            .filter(|(_, d)| d.contains(Delegation::FULL_ACCESS) || d.contains(Delegation::SEND_AS))
            .map(|(owner, _)| owner))
    }

    // ---- app passwords ----

    /// Creates an app password and returns it; only its hash is kept.
    pub async fn add_app_password(&self, address: &str, name: &str) -> Result<String> {
        let p = self.principal_required(address).await?;
        self.add_app_password_of(p.id, name).await
    }

    /// `add_app_password` for the account `id`.
    pub(crate) async fn add_app_password_of(&self, id: AccountId, name: &str) -> Result<String> {
        if name.trim().is_empty() || name.len() > 64 {
            return Err(DirectoryError::Invalid("an app password needs a name of 1 to 64 characters".into()));
        }
        // Selectors are unique within an account, so that a login names one hash (password.rs).
        let taken: Vec<String> = self
            .store
            .read(move |r| r.app_passwords(id))
            .await?
            .iter()
            .filter_map(|a| password::selector_of(&a.secret))
            .collect();
        let secret = std::iter::repeat_with(password::generate)
            .find(|s| password::selector(s).is_some_and(|sel| !taken.iter().any(|t| t == sel)))
            .unwrap_or_default();
        let hash = password::hash_app(&secret).await?;
        let name = name.to_owned();
        self.store.write(move |tx| tx.add_app_password(id, &name, &hash)).await?;
        Ok(secret)
    }

    pub async fn app_passwords(&self, address: &str) -> Result<Vec<AppPassword>> {
        let p = self.principal_required(address).await?;
        Ok(self.store.read(move |r| r.app_passwords(p.id)).await?)
    }

    pub async fn revoke_app_password(&self, address: &str, name: &str) -> Result<()> {
        let p = self.principal_required(address).await?;
        let name = name.to_owned();
        Ok(self.store.write(move |tx| tx.revoke_app_password(p.id, &name)).await?)
    }

    // ---- authentication ----

    /// The one entry point for every protocol's login: checks throttling, then the password
    /// or an app password. Returns the principal on success.
    pub async fn authenticate(&self, credentials: &Credentials) -> Result<Principal, AuthError> {
        self.auth.authenticate(self, credentials, auth::Secrets::Any).await
    }

    /// `authenticate` with the account's password alone, no app password: the web client's
    /// sign-in, and the current password a password change re-confirms. Throttled as a login.
    pub async fn authenticate_password(&self, credentials: &Credentials) -> Result<Principal, AuthError> {
        self.auth.authenticate(self, credentials, auth::Secrets::PasswordOnly).await
    }

    /// How many Argon2 password verifications this process has computed (cache hits and
    /// refusals before verifying are not counted).
    pub fn password_verifications(&self) -> u64 {
        self.auth.verifications()
    }
}
