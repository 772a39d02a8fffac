//! API tokens (migration 0025): bearer credentials a user or an administrator makes for a
//! script or a client. A token is found by the SHA-256 of its text (the caller hashes; this
//! module never sees a token); its `id` (the hash's first 16 hex digits) names it in lists
//! and revocations. Adding or revoking one is a directory change (logged on
//! `AccountId::DIRECTORY`), so a session that logged in with the account's credentials sees
//! it as `relais_directory::CredentialWatch` sees an app password; touching `last_used` is not.

use crate::{AccountId, ChangeKind, Error, ReadTx, Result, WriteTx, params};

/// One stored token (its hash stays in the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: String,
    pub principal: AccountId,
    pub name: String,
    /// Unix seconds.
    pub created: i64,
    pub expires: Option<i64>,
    pub last_used: Option<i64>,
}

impl ApiToken {
    /// Whether the token may be used at `now` (Unix seconds).
    pub fn live(&self, now: i64) -> bool {
        self.expires.is_none_or(|e| now < e)
    }
}

/// The id a token of this hash is listed under.
pub fn api_token_id(token_hash: &str) -> String {
    token_hash.chars().take(16).collect()
}

const COLUMNS: &str = "id, principal_id, name, created, expires, last_used";

fn token_of(r: &crate::sql::Row) -> Result<ApiToken> {
    Ok(ApiToken {
        id: r.text(0)?,
        principal: AccountId(r.int(1)?),
        name: r.text(2)?,
        created: r.int(3)?,
        expires: r.opt_int(4)?,
        last_used: r.opt_int(5)?,
    })
}

impl ReadTx<'_> {
    /// The token whose text hashes to `token_hash`, live or not.
    pub fn api_token(&mut self, token_hash: &str) -> Result<Option<ApiToken>> {
        let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE token_hash = $1");
        self.conn.query_one(&sql, params![token_hash])?.map(|r| token_of(&r)).transpose()
    }

    /// A principal's tokens, by name.
    pub fn api_tokens(&mut self, principal: AccountId) -> Result<Vec<ApiToken>> {
        let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE principal_id = $1 ORDER BY name");
        self.conn.query(&sql, params![principal.0])?.iter().map(token_of).collect()
    }
}

impl WriteTx<'_> {
    /// Stores a new token of `principal`; `AlreadyExists` when it has one of this name (or,
    /// never in practice, the hash is taken), `Limit` when it holds `max` already.
    pub fn add_api_token(
        &mut self,
        principal: AccountId,
        token_hash: &str,
        name: &str,
        expires: Option<i64>,
        max: u32,
    ) -> Result<ApiToken> {
        // The directory's lock orders two additions for one account, so `max` holds.
        self.lock_directory()?;
        let held =
            self.conn().query_one("SELECT count(*) FROM api_tokens WHERE principal_id = $1", params![principal.0])?;
        if held.map_or(Ok(0), |r| r.int(0))? >= i64::from(max) {
            return Err(Error::Limit(format!("an account holds at most {max} API tokens")));
        }
        let id = api_token_id(token_hash);
        let taken = self.conn().query_one(
            "SELECT 1 FROM api_tokens WHERE (principal_id = $1 AND name = $2) OR token_hash = $3 OR id = $4",
            params![principal.0, name, token_hash, id.as_str()],
        )?;
        if taken.is_some() {
            return Err(Error::AlreadyExists(format!("API token {name:?}")));
        }
        let now = self.now();
        self.conn().execute(
            "INSERT INTO api_tokens (token_hash, id, principal_id, name, created, expires) VALUES ($1, $2, $3, $4, $5, $6)",
            params![token_hash, id.as_str(), principal.0, name, now, expires],
        )?;
        self.log_directory(principal.0, ChangeKind::Updated)?;
        Ok(ApiToken { id, principal, name: name.to_owned(), created: now, expires, last_used: None })
    }

    /// Revokes `principal`'s token `id`; `NotFound` when it has none of that id.
    pub fn revoke_api_token(&mut self, principal: AccountId, id: &str) -> Result<()> {
        let sql = "DELETE FROM api_tokens WHERE principal_id = $1 AND id = $2";
        if self.conn().execute(sql, params![principal.0, id])? == 0 {
            return Err(Error::NotFound(format!("API token {id:?}")));
        }
        self.log_directory(principal.0, ChangeKind::Updated)?;
        Ok(())
    }

    /// Records a use of the token at `now` (only forward); not a change anyone syncs.
    pub fn touch_api_token(&mut self, token_hash: &str, now: i64) -> Result<()> {
        self.conn().execute(
            "UPDATE api_tokens SET last_used = $1 WHERE token_hash = $2 AND (last_used IS NULL OR last_used < $1)",
            params![now, token_hash],
        )?;
        Ok(())
    }
}
