//! API tokens: bearer credentials (`Authorization: Bearer`, RFC 6750) for scripts and clients
//! that should not hold the account's password — JMAP clients first, but every HTTP protocol
//! takes them where it takes HTTP Basic (the same TLS rule). A token is `rlt_` and 64
//! lower-case hex digits (256 random bits): it names its account by itself, so a login is one
//! indexed lookup of its SHA-256, no Argon2 (a guess among 2^256 is hopeless, and failures
//! are throttled by address like any login). Made by the user (JMAP's security extension,
//! its password re-confirmed) or an administrator (`relais admin api-token`), shown once,
//! optionally expiring, revocable; at most [`MAX_PER_ACCOUNT`] per account. Revoking one ends
//! the account's sessions as revoking an app password does (`CredentialWatch`).

use std::net::IpAddr;

use rand::RngCore;
use relais_store::{AccountId, ApiToken, Principal, api_token_id};
use sha2::{Digest, Sha256};

use crate::{AuthError, Directory, DirectoryError, Result};

/// What every token starts with (so that it is recognised where it leaks, and never taken for
/// a password).
pub const PREFIX: &str = "rlt_";
/// Tokens one account may hold.
pub const MAX_PER_ACCOUNT: u32 = 50;
/// The longest lifetime a token may be given, in days.
pub const MAX_DAYS: u32 = 3650;
/// `last_used` is written at most this often per token (seconds).
const TOUCH_EVERY: i64 = 60;

/// The SHA-256 of a token's text, in hex: what the store keeps.
pub(crate) fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{PREFIX}{}", hex::encode(bytes))
}

/// Whether `token` has a token's shape (anything else is refused without a lookup).
pub fn well_formed(token: &str) -> bool {
    token.len() == PREFIX.len() + 64
        && token.starts_with(PREFIX)
        && token[PREFIX.len()..].bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Directory {
    /// Makes a token for account `id` named `name` (1 to 64 characters, unique in the account),
    /// expiring after `days` (1 to [`MAX_DAYS`]) or never; returns its text, shown once, and its
    /// record.
    pub(crate) async fn add_api_token_of(
        &self,
        id: AccountId,
        name: &str,
        days: Option<u32>,
    ) -> Result<(String, ApiToken)> {
        let name = name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err(DirectoryError::Invalid("an API token needs a name of 1 to 64 characters".into()));
        }
        if days.is_some_and(|d| d == 0 || d > MAX_DAYS) {
            return Err(DirectoryError::Invalid(format!("an API token lasts 1 to {MAX_DAYS} days, or never expires")));
        }
        let token = generate();
        let digest = hash(&token);
        let expires = days.map(|d| relais_store::now() + i64::from(d) * 86_400);
        let record = self.store.write(move |tx| tx.add_api_token(id, &digest, &name, expires, MAX_PER_ACCOUNT)).await?;
        Ok((token, record))
    }

    /// `add_api_token_of` for the administrator, by address.
    pub async fn add_api_token(&self, address: &str, name: &str, days: Option<u32>) -> Result<(String, ApiToken)> {
        let p = self.principal_required(address).await?;
        self.add_api_token_of(p.id, name, days).await
    }

    pub async fn api_tokens(&self, address: &str) -> Result<Vec<ApiToken>> {
        let p = self.principal_required(address).await?;
        Ok(self.store.read(move |r| r.api_tokens(p.id)).await?)
    }

    pub async fn revoke_api_token(&self, address: &str, id: &str) -> Result<()> {
        let p = self.principal_required(address).await?;
        let id = id.to_owned();
        Ok(self.store.write(move |tx| tx.revoke_api_token(p.id, &id)).await?)
    }

    /// When the token `token` expires (Unix seconds), if it is one that does: a stream opened
    /// with it ends then (the web layer's `Standing`).
    pub async fn api_token_expiry(&self, token: &str) -> Result<Option<i64>> {
        if !well_formed(token) {
            return Ok(None);
        }
        let digest = hash(token);
        Ok(self.store.read(move |r| r.api_token(&digest)).await?.and_then(|t| t.expires))
    }

    /// The login of a bearer token from `remote`: the token's account, if the token exists,
    /// has not expired, and its account can still log in. Throttled as every login (failures
    /// counted by address).
    pub async fn authenticate_bearer(&self, token: &str, remote: Option<IpAddr>) -> Result<Principal, AuthError> {
        // Failures are counted by address (the bound on guessing) and per token named, so that
        // one script with a revoked token does not lock out the others behind the same address.
        let digest = well_formed(token).then(|| hash(token));
        let key = digest.as_deref().map_or("bearer token".to_owned(), |d| format!("bearer token {}", api_token_id(d)));
        let attempt = self.auth.reserve(remote, &key).map_err(|retry_after| {
            tracing::info!(remote = ?remote, "bearer login refused: throttled");
            AuthError::Throttled { retry_after }
        })?;
        let found = match digest {
            None => None,
            Some(digest) => {
                let read = self.store.read(move |r| {
                    let Some(t) = r.api_token(&digest)? else { return Ok(None) };
                    Ok(r.principal(t.principal)?.map(|p| (t, p)))
                });
                match read.await {
                    Ok(found) => found,
                    Err(e) => {
                        attempt.abandoned();
                        return Err(AuthError::Unavailable(e.to_string()));
                    }
                }
            }
        };
        let now = relais_store::now();
        // An account that cannot log in (no password: a shared mailbox, a room, a disabled
        // user) has no token that works either.
        let Some((token_row, principal)) = found.filter(|(t, p)| t.live(now) && p.secret.is_some()) else {
            attempt.failed();
            tracing::info!(remote = ?remote, "bearer login failed");
            return Err(AuthError::Failed);
        };
        attempt.succeeded();
        if token_row.last_used.is_none_or(|at| now - at >= TOUCH_EVERY) {
            let digest = hash(token);
            if let Err(e) = self.store.write(move |tx| tx.touch_api_token(&digest, now)).await {
                tracing::debug!(error = %e, "api token: last use not recorded");
            }
        }
        Ok(principal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_have_one_shape() {
        let t = generate();
        assert!(well_formed(&t), "{t}");
        assert_ne!(generate(), t);
        assert_eq!(hash(&t).len(), 64);
        for bad in [
            "",
            "rlt_",
            &t[..t.len() - 1],
            &format!("{t}0"),
            &t.replace("rlt_", "rlx_"),
            &format!("rlt_{}", "A".repeat(64)),
            &format!("rlt_{}", "g".repeat(64)),
            &format!("rlt_{}é", "a".repeat(62)),
        ] {
            assert!(!well_formed(bad), "{bad:?}");
        }
    }
}
