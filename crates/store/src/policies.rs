//! Mobile device policies (migration 0018): a domain's and an account's settings, opaque JSON
//! here (relais-directory's `policy` gives them meaning). Setting one withdraws the policy key
//! of every device it applies to, in the same transaction, so each of them provisions again
//! and gets the new policy (ActiveSync answers a device without a key 142, or HTTP 449 for
//! 12.1). Like the devices themselves, not a change of any account's data.

use crate::{AccountId, DomainId, ReadTx, Result, WriteTx, params};

/// Whose policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyScope {
    Domain(DomainId),
    /// An account's own, over its domain's.
    Account(AccountId),
}

impl PolicyScope {
    fn key(self) -> (i64, i64) {
        match self {
            PolicyScope::Domain(d) => (1, d.0),
            PolicyScope::Account(a) => (2, a.0),
        }
    }
}

impl ReadTx<'_> {
    /// The settings of a scope's policy, if it has one.
    pub fn device_policy(&mut self, scope: PolicyScope) -> Result<Option<String>> {
        let (kind, owner) = scope.key();
        let row = self
            .conn
            .query_one("SELECT settings FROM device_policies WHERE scope = $1 AND owner = $2", params![kind, owner])?;
        row.map(|r| r.text(0)).transpose()
    }
}

impl WriteTx<'_> {
    /// Sets a scope's policy (`None` removes it) and withdraws the policy key of the devices it
    /// applies to: the account's, or every account's of the domain. Returns how many devices
    /// must provision again.
    pub fn set_device_policy(&mut self, scope: PolicyScope, settings: Option<&str>) -> Result<u64> {
        let (kind, owner) = scope.key();
        self.conn().execute("DELETE FROM device_policies WHERE scope = $1 AND owner = $2", params![kind, owner])?;
        if let Some(settings) = settings {
            self.conn().execute(
                "INSERT INTO device_policies (scope, owner, settings) VALUES ($1, $2, $3)",
                params![kind, owner, settings],
            )?;
        }
        let n = match scope {
            PolicyScope::Account(a) => self.conn().execute(
                "UPDATE devices SET policy_key = 0, pending_key = 0 WHERE account_id = $1 AND policy_key <> 0",
                params![a.0],
            )?,
            PolicyScope::Domain(d) => self.conn().execute(
                "UPDATE devices SET policy_key = 0, pending_key = 0 WHERE policy_key <> 0 \
                 AND account_id IN (SELECT id FROM principals WHERE domain_id = $1)",
                params![d.0],
            )?,
        };
        Ok(n)
    }
}
