//! JMAP push subscriptions (migration 0027; RFC 8620 §7.2) and the leases of jobs that run once
//! in a cluster. A subscription belongs to a principal, not to an account's data: writing one
//! bumps no modseq and logs no change (PushSubscription has no state, §7.2.1). The store keeps
//! what the JMAP crate validated; the server's verification code is never read back to a
//! client (the JMAP layer shows `verificationCode` only once verified).
//!
//! A lease (`leases`) names the node running a job and until when: [`WriteTx::claim_lease`]
//! takes it when it has ended or renews it for its holder, in one statement on both backends.

use crate::{AccountId, Error, ReadTx, Result, WriteTx, params};

/// A subscription to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPushSubscription {
    pub device_client_id: String,
    pub url: String,
    /// `{"p256dh": …, "auth": …}` as JSON, for RFC 8291 encryption.
    pub keys: Option<String>,
    pub verification_code: String,
    pub expires: i64,
    /// A JSON list of type names; `None` for every type.
    pub types: Option<String>,
    /// What the login that made it stood on, as JSON (the JMAP layer's).
    pub credential: String,
}

/// One stored subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushSubscription {
    pub id: i64,
    pub account: AccountId,
    pub device_client_id: String,
    pub url: String,
    pub keys: Option<String>,
    pub verification_code: String,
    pub verified: bool,
    pub expires: i64,
    pub types: Option<String>,
    pub credential: String,
    pub created: i64,
    /// Pushes in a row that failed.
    pub failures: i64,
    /// The accounts' states last told (or as of its verification).
    pub push_state: Option<String>,
}

/// What an update changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushSubscriptionUpdate {
    pub verified: Option<bool>,
    pub expires: Option<i64>,
    pub types: Option<Option<String>>,
    pub push_state: Option<String>,
}

const COLUMNS: &str = "id, account_id, device_client_id, url, keys, verification_code, verified, expires, types, \
                       credential, created, failures, push_state";

fn subscription_of(r: &crate::sql::Row) -> Result<PushSubscription> {
    Ok(PushSubscription {
        id: r.int(0)?,
        account: AccountId(r.int(1)?),
        device_client_id: r.text(2)?,
        url: r.text(3)?,
        keys: r.opt_text(4)?,
        verification_code: r.text(5)?,
        verified: r.int(6)? != 0,
        expires: r.int(7)?,
        types: r.opt_text(8)?,
        credential: r.text(9)?,
        created: r.int(10)?,
        failures: r.int(11)?,
        push_state: r.opt_text(12)?,
    })
}

impl ReadTx<'_> {
    /// The principal's subscriptions, oldest first.
    pub fn push_subscriptions(&mut self, account: AccountId) -> Result<Vec<PushSubscription>> {
        let sql = format!("SELECT {COLUMNS} FROM push_subscriptions WHERE account_id = $1 ORDER BY id");
        self.conn().query(&sql, params![account.0])?.iter().map(subscription_of).collect()
    }

    /// One subscription, whoever's it is.
    pub fn push_subscription(&mut self, id: i64) -> Result<Option<PushSubscription>> {
        let sql = format!("SELECT {COLUMNS} FROM push_subscriptions WHERE id = $1");
        self.conn().query_one(&sql, params![id])?.as_ref().map(subscription_of).transpose()
    }

    /// Up to `limit` verified subscriptions that have not expired at `now`, by id.
    pub fn live_push_subscriptions(&mut self, now: i64, limit: i64) -> Result<Vec<PushSubscription>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM push_subscriptions WHERE verified <> 0 AND expires > $1 ORDER BY id LIMIT $2"
        );
        self.conn().query(&sql, params![now, limit])?.iter().map(subscription_of).collect()
    }
}

impl WriteTx<'_> {
    /// Keeps a subscription of `account`; refused (`Error::Limit`) past `at_most` of them.
    /// Returns its id.
    pub fn create_push_subscription(
        &mut self,
        account: AccountId,
        new: NewPushSubscription,
        at_most: u32,
    ) -> Result<i64> {
        // The principal's row locked first (PostgreSQL), so that concurrent creations count
        // one after the other.
        self.lock_account(account)?;
        let count = self
            .conn()
            .query_one("SELECT COUNT(*) FROM push_subscriptions WHERE account_id = $1", params![account.0])?
            .map_or(Ok(0), |r| r.int(0))?;
        if count >= i64::from(at_most) {
            return Err(Error::Limit(format!("a principal keeps at most {at_most} push subscriptions")));
        }
        let now = self.now();
        let row = self.conn().query_one(
            "INSERT INTO push_subscriptions (account_id, device_client_id, url, keys, verification_code, verified, \
             expires, types, credential, created, failures) VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, $9, 0) RETURNING id",
            params![
                account.0,
                new.device_client_id,
                new.url,
                new.keys,
                new.verification_code,
                new.expires,
                new.types,
                new.credential,
                now
            ],
        )?;
        row.ok_or_else(|| Error::Corrupt("no push subscription id".into()))?.int(0)
    }

    /// Changes a subscription of `account`; false if it has none `id`.
    pub fn update_push_subscription(
        &mut self,
        account: AccountId,
        id: i64,
        up: &PushSubscriptionUpdate,
    ) -> Result<bool> {
        let Some(mut s) = self.read().push_subscription(id)?.filter(|s| s.account == account) else {
            return Ok(false);
        };
        s.verified = up.verified.unwrap_or(s.verified);
        s.expires = up.expires.unwrap_or(s.expires);
        if let Some(types) = &up.types {
            s.types.clone_from(types);
        }
        if up.push_state.is_some() {
            s.push_state.clone_from(&up.push_state);
        }
        let changed = self.conn().execute(
            "UPDATE push_subscriptions SET verified = $3, expires = $4, types = $5, push_state = $6 \
             WHERE account_id = $1 AND id = $2",
            params![account.0, id, i64::from(s.verified), s.expires, s.types, s.push_state],
        )?;
        Ok(changed > 0)
    }

    /// Removes a subscription of `account`; false if it has none `id`.
    pub fn destroy_push_subscription(&mut self, account: AccountId, id: i64) -> Result<bool> {
        let sql = "DELETE FROM push_subscriptions WHERE account_id = $1 AND id = $2";
        Ok(self.conn().execute(sql, params![account.0, id])? > 0)
    }

    /// Records the outcome of a push: failures in a row, reset by a success, which also
    /// records the pushState it told (`told`). Returns the failures in a row.
    pub fn note_push_outcome(&mut self, id: i64, told: Option<&str>) -> Result<i64> {
        let row = match told {
            Some(state) => self.conn().query_one(
                "UPDATE push_subscriptions SET failures = 0, push_state = $2 WHERE id = $1 RETURNING failures",
                params![id, state],
            )?,
            None => self.conn().query_one(
                "UPDATE push_subscriptions SET failures = failures + 1 WHERE id = $1 RETURNING failures",
                params![id],
            )?,
        };
        row.map_or(Ok(0), |r| r.int(0))
    }

    /// Removes the subscriptions that expired before `now`; how many went.
    pub fn purge_push_subscriptions(&mut self, now: i64) -> Result<u64> {
        self.conn().execute("DELETE FROM push_subscriptions WHERE expires <= $1", params![now])
    }

    /// Takes the lease `name` for `holder` until `now + secs` when it is free or ended, or
    /// renews it when `holder` has it; true if `holder` has it now.
    pub fn claim_lease(&mut self, name: &str, holder: &str, now: i64, secs: i64) -> Result<bool> {
        let row = self.conn().query_one(
            "INSERT INTO leases (name, holder, until) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until \
             WHERE leases.until <= $4 OR leases.holder = excluded.holder RETURNING holder",
            params![name, holder, now + secs, now],
        )?;
        Ok(row.is_some())
    }

    /// Gives the lease `name` up, if `holder` has it.
    pub fn release_lease(&mut self, name: &str, holder: &str) -> Result<()> {
        self.conn().execute("DELETE FROM leases WHERE name = $1 AND holder = $2", params![name, holder])?;
        Ok(())
    }
}
