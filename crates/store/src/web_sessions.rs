//! The web client's login sessions (migration 0023), in the store so that every node sees them
//! and a restart signs nobody out. A session is found by the SHA-256 of its cookie's token
//! (the caller hashes; this module never sees a token). Writing one is not a change of the
//! account's data: no modseq, no change log, no notification.
//!
//! A session is live while `now < expires` (its lifetime from the login) and `now - last_used
//! < idle`. The caller writes `last_used` sparingly ([`WriteTx::touch_web_session`] only moves
//! it forward), and [`WriteTx::purge_web_sessions`] deletes ended rows. Times are Unix milliseconds. A password change
//! (`set_secret`) and the removal of a principal end its sessions in the same transaction, so
//! it holds whichever process (server or CLI) makes the change.

use crate::sql::Dialect;
use crate::{AccountId, ReadTx, Result, WriteTx, params};

/// How long sessions last and how many there may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionBounds {
    /// Milliseconds without use after which a session ends.
    pub idle: i64,
    /// Milliseconds after the login after which it ends, used or not.
    pub lifetime: i64,
    /// Sessions one account may hold; a new login ends its oldest.
    pub per_account: u32,
    /// Sessions in all; past it ended ones are purged, and a login is refused when none is.
    pub total: u32,
}

/// One stored session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSession {
    pub account: AccountId,
    /// The token the page sends with each state-changing request.
    pub csrf: String,
    /// Unix milliseconds (so that the logins of one second are still in order, oldest first).
    pub created: i64,
    pub last_used: i64,
    pub expires: i64,
}

impl WebSession {
    pub fn live(&self, now: i64, idle: i64) -> bool {
        now < self.expires && now - self.last_used < idle
    }
}

impl ReadTx<'_> {
    /// The session whose token hashes to `token_hash`, live or not.
    pub fn web_session(&mut self, token_hash: &str) -> Result<Option<WebSession>> {
        let row = self.conn.query_one(
            "SELECT account_id, csrf, created, last_used, expires FROM web_sessions WHERE token_hash = $1",
            params![token_hash],
        )?;
        row.map(|r| {
            Ok(WebSession {
                account: AccountId(r.int(0)?),
                csrf: r.text(1)?,
                created: r.int(2)?,
                last_used: r.int(3)?,
                expires: r.int(4)?,
            })
        })
        .transpose()
    }

    /// How many sessions are stored, of one account or of all.
    pub fn web_session_count(&mut self, account: Option<AccountId>) -> Result<u64> {
        let row = match account {
            Some(a) => self.conn.query_one("SELECT count(*) FROM web_sessions WHERE account_id = $1", params![a.0])?,
            None => self.conn.query_one("SELECT count(*) FROM web_sessions", &[])?,
        };
        Ok(row.map_or(Ok(0), |r| r.int(0))?.max(0) as u64)
    }
}

impl WriteTx<'_> {
    /// Stores a new session of `account` (already authenticated) at `now`, within `bounds`:
    /// the account's oldest sessions past `per_account - 1` end; when the store holds `total`,
    /// ended ones are purged first. False (nothing written) when every session is taken.
    pub fn open_web_session(
        &mut self,
        token_hash: &str,
        account: AccountId,
        csrf: &str,
        now: i64,
        bounds: SessionBounds,
    ) -> Result<bool> {
        // Logins of one account take turns (PostgreSQL, each write its own READ COMMITTED
        // transaction: what the first stored, the next one counts); SQLite has one writer.
        if self.conn().dialect() == Dialect::Postgres {
            self.conn().query_one("SELECT id FROM principals WHERE id = $1 FOR UPDATE", params![account.0])?;
        }
        let total = u64::from(bounds.total);
        let mut stored = self.read().web_session_count(None)?;
        if stored >= total {
            self.purge_web_sessions(now, bounds.idle)?;
            stored = self.read().web_session_count(None)?;
        }
        let own = self.conn().query(
            "SELECT token_hash FROM web_sessions WHERE account_id = $1 ORDER BY created, token_hash",
            params![account.0],
        )?;
        let keep = bounds.per_account.max(1) as usize - 1;
        if own.len() > keep {
            for row in &own[..own.len() - keep] {
                self.conn().execute("DELETE FROM web_sessions WHERE token_hash = $1", params![row.text(0)?])?;
            }
        } else if stored >= total {
            return Ok(false);
        }
        self.conn().execute(
            "INSERT INTO web_sessions (token_hash, account_id, csrf, created, last_used, expires) \
             VALUES ($1, $2, $3, $4, $4, $5)",
            params![token_hash, account.0, csrf, now, now.saturating_add(bounds.lifetime)],
        )?;
        Ok(true)
    }

    /// Records a use of a session at `now` (never moves `last_used` back).
    pub fn touch_web_session(&mut self, token_hash: &str, now: i64) -> Result<()> {
        self.conn().execute(
            "UPDATE web_sessions SET last_used = $2 WHERE token_hash = $1 AND last_used < $2",
            params![token_hash, now],
        )?;
        Ok(())
    }

    /// Ends one session (logout); false if there was none.
    pub fn close_web_session(&mut self, token_hash: &str) -> Result<bool> {
        Ok(self.conn().execute("DELETE FROM web_sessions WHERE token_hash = $1", params![token_hash])? > 0)
    }

    /// Ends every session of `account`; returns how many there were.
    pub fn close_web_sessions(&mut self, account: AccountId) -> Result<u64> {
        self.conn().execute("DELETE FROM web_sessions WHERE account_id = $1", params![account.0])
    }

    /// Deletes the sessions ended at `now` (lifetime over, or unused for `idle` milliseconds).
    pub fn purge_web_sessions(&mut self, now: i64, idle: i64) -> Result<u64> {
        self.conn().execute(
            "DELETE FROM web_sessions WHERE expires <= $1 OR last_used <= $2",
            params![now, now.saturating_sub(idle)],
        )
    }
}
