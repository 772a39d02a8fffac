//! Whether a logged-in session may go on: a session keeps a `CredentialWatch` from its login,
//! and asks it before each command. The watch reads nothing until the directory changes (any
//! commit to `AccountId::DIRECTORY`: a password set, an app password added or revoked, a
//! principal removed); then it compares the account's credentials with those at login.
//!
//! The rule: a session ends when the principal is gone or can no longer log in, or when any
//! credential it held at login (the password, an app password) was changed or revoked. The
//! directory does not know which of them the session's login matched (that would cost one
//! Argon2 verification per credential), so revoking one app password or changing the
//! password ends every open session of the account; a client whose credential still holds
//! logs in again at once. Adding an app password ends nothing.

use relais_store::{AccountId, Notification, Principal};
use tokio::sync::broadcast::{self, error::TryRecvError};

use crate::{Directory, Result};

/// The credentials a session's principal held when it logged in, and the directory's
/// notifications since.
pub struct CredentialWatch {
    principal: AccountId,
    /// The password's and every app password's PHC string at login.
    secrets: Vec<String>,
    /// The directory's own notifications (`AccountId::DIRECTORY`), nobody else's.
    changes: broadcast::Receiver<Notification>,
    /// A change was seen by `changed` and not yet checked by `still_valid`.
    dirty: bool,
}

impl Directory {
    /// Starts watching `p`'s credentials, just after it logged in.
    pub async fn watch_credential(&self, p: &Principal) -> Result<CredentialWatch> {
        // Subscribe before reading: a change committed in between is seen as a change.
        let changes = self.store.subscribe_account(AccountId::DIRECTORY);
        let principal = p.id;
        let secrets = self.store.read(move |r| current_secrets(r, principal)).await?.unwrap_or_default();
        Ok(CredentialWatch { principal, secrets, changes, dirty: false })
    }
}

impl CredentialWatch {
    /// True while the session may go on. Cheap: reads the directory only after it changed.
    /// SMTP submission, IMAP and POP3 call it before each command and end the session
    /// (SMTP 421 4.7.0, IMAP BYE, POP3 -ERR) when it is false.
    pub async fn still_valid(&mut self, dir: &Directory) -> Result<bool> {
        if !std::mem::take(&mut self.dirty) && !self.directory_changed() {
            return Ok(true);
        }
        let principal = self.principal;
        let Some(now) = dir.store.read(move |r| current_secrets(r, principal)).await? else {
            return Ok(false);
        };
        Ok(!now.is_empty() && self.secrets.iter().all(|s| now.contains(s)))
    }

    /// Resolves when the directory changes (for a session waiting in IDLE); the next
    /// `still_valid` then reads the credentials again.
    pub async fn changed(&mut self) {
        match self.changes.recv().await {
            Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => self.dirty = true,
            Err(broadcast::error::RecvError::Closed) => std::future::pending::<()>().await,
        }
    }

    /// Drains the notifications; true if the directory changed (or some were missed).
    fn directory_changed(&mut self) -> bool {
        let mut changed = false;
        loop {
            match self.changes.try_recv() {
                Ok(n) => changed |= n.account == AccountId::DIRECTORY,
                Err(TryRecvError::Lagged(_) | TryRecvError::Closed) => changed = true,
                Err(TryRecvError::Empty) => return changed,
            }
            if changed {
                // Read the rest next time; one re-check covers them all.
                while let Ok(_) | Err(TryRecvError::Lagged(_)) = self.changes.try_recv() {}
                return true;
            }
        }
    }
}

impl Directory {
    /// A digest (SHA-256, hex) of each of the principal's credentials as they stand — what a
    /// login that lives on (a JMAP push subscription) keeps to know later that they still
    /// hold; `None` when the principal is gone.
    pub async fn credential_digests(&self, id: AccountId) -> Result<Option<Vec<String>>> {
        let now = self.store.read(move |r| current_secrets(r, id)).await?;
        Ok(now.map(|list| list.iter().map(|s| crate::api_tokens::hash(s)).collect()))
    }

    /// Whether every credential `digests` names is still the principal's and it can still log
    /// in: the rule a session's [`CredentialWatch`] keeps, for a login kept in the store.
    pub async fn credentials_hold(&self, id: AccountId, digests: &[String]) -> Result<bool> {
        let Some(now) = self.credential_digests(id).await? else { return Ok(false) };
        Ok(!now.is_empty() && digests.iter().all(|d| now.contains(d)))
    }
}

/// The principal's credentials as they stand: its password's stored hash, and each app password
/// by name and creation time — not by its hash, which a login may re-hash (an older app password
/// upgraded to one with a selector) without revoking anything. `None` when it no longer exists.
fn current_secrets(r: &mut relais_store::ReadTx<'_>, id: AccountId) -> relais_store::Result<Option<Vec<String>>> {
    let Some(p) = r.principal(id)? else { return Ok(None) };
    let mut secrets: Vec<String> = p.secret.into_iter().collect();
    secrets.extend(r.app_passwords(id)?.into_iter().map(|a| format!("app password {} of {}", a.name, a.created)));
    secrets.extend(r.api_tokens(id)?.into_iter().map(|t| format!("API token {} of {}", t.id, t.created)));
    Ok(Some(secrets))
}
