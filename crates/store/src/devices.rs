//! Devices that sync an account (ActiveSync), and their per-collection sync states (migration
//! 0016). Writing them is not a change of the account's data: no modseq, no change log, no
//! notification (a phone's sync must not wake every other session of its owner).

use crate::{AccountId, ReadTx, Result, WriteTx, params};

/// A remote wipe an administrator asked for, and whether the device confirmed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Wipe {
    #[default]
    None,
    /// The whole device is to be wiped at its next request.
    Requested,
    /// Only this account's data on the device (ActiveSync 16.1 AccountOnlyRemoteWipe).
    AccountOnlyRequested,
    /// The device confirmed a wipe: it is refused from now on.
    Wiped,
    AccountWiped,
}

impl Wipe {
    fn code(self) -> i64 {
        match self {
            Wipe::None => 0,
            Wipe::Requested => 1,
            Wipe::AccountOnlyRequested => 2,
            Wipe::Wiped => 3,
            Wipe::AccountWiped => 4,
        }
    }

    fn from_code(c: i64) -> Wipe {
        match c {
            1 => Wipe::Requested,
            2 => Wipe::AccountOnlyRequested,
            3 => Wipe::Wiped,
            4 => Wipe::AccountWiped,
            _ => Wipe::None,
        }
    }

    /// A wipe is asked for and not yet confirmed.
    pub fn pending(self) -> bool {
        matches!(self, Wipe::Requested | Wipe::AccountOnlyRequested)
    }

    /// The device confirmed a wipe.
    pub fn done(self) -> bool {
        matches!(self, Wipe::Wiped | Wipe::AccountWiped)
    }
}

/// One device of one account, keyed by the id the device gives itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub account: AccountId,
    pub device_id: String,
    pub device_type: String,
    /// What the device said of itself (model, OS, ...) as a JSON object.
    pub info: String,
    /// The policy key the device acknowledged; 0 when it has none.
    pub policy_key: u32,
    /// A key handed out and not yet acknowledged; 0 when none.
    pub pending_key: u32,
    pub wipe: Wipe,
    /// Unix seconds.
    pub first_seen: i64,
    pub last_seen: i64,
}

/// A device's sync state for one collection: the key it must send next with what it stands
/// for, and the one before (a device that lost the answer sends that again).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncState {
    pub key: u32,
    pub state: String,
    pub prev_key: u32,
    pub prev_state: String,
}

const DEVICE_COLUMNS: &str =
    "account_id, device_id, device_type, info, policy_key, pending_key, wipe, first_seen, last_seen";

fn device(r: &crate::sql::Row) -> Result<Device> {
    Ok(Device {
        account: AccountId(r.int(0)?),
        device_id: r.text(1)?,
        device_type: r.text(2)?,
        info: r.text(3)?,
        policy_key: u32::try_from(r.int(4)?).unwrap_or(0),
        pending_key: u32::try_from(r.int(5)?).unwrap_or(0),
        wipe: Wipe::from_code(r.int(6)?),
        first_seen: r.int(7)?,
        last_seen: r.int(8)?,
    })
}

impl ReadTx<'_> {
    pub fn device(&mut self, account: AccountId, device_id: &str) -> Result<Option<Device>> {
        let row = self.conn.query_one(
            &format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE account_id = $1 AND device_id = $2"),
            params![account.0, device_id],
        )?;
        row.as_ref().map(device).transpose()
    }

    /// An account's devices, most recently seen first.
    pub fn devices(&mut self, account: AccountId) -> Result<Vec<Device>> {
        let rows = self.conn.query(
            &format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE account_id = $1 ORDER BY last_seen DESC, device_id"),
            params![account.0],
        )?;
        rows.iter().map(device).collect()
    }

    /// The sync state of `device` for `collection`, if it has one.
    pub fn device_sync(&mut self, account: AccountId, device_id: &str, collection: &str) -> Result<Option<SyncState>> {
        let row = self.conn.query_one(
            "SELECT sync_key, state, prev_key, prev_state FROM device_sync \
             WHERE account_id = $1 AND device_id = $2 AND collection = $3",
            params![account.0, device_id, collection],
        )?;
        row.map(|r| {
            Ok(SyncState {
                key: u32::try_from(r.int(0)?).unwrap_or(0),
                state: r.text(1)?,
                prev_key: u32::try_from(r.int(2)?).unwrap_or(0),
                prev_state: r.text(3)?,
            })
        })
        .transpose()
    }
}

impl WriteTx<'_> {
    /// Records that `device_id` of `account` made a request now, creating it on its first;
    /// `info`, when given, replaces what the device said of itself. Returns the device.
    pub fn touch_device(
        &mut self,
        account: AccountId,
        device_id: &str,
        device_type: &str,
        info: Option<&str>,
    ) -> Result<Device> {
        let now = self.now();
        match self.read().device(account, device_id)? {
            None => {
                self.conn().execute(
                    &format!("INSERT INTO devices ({DEVICE_COLUMNS}) VALUES ($1, $2, $3, $4, 0, 0, 0, $5, $5)"),
                    params![account.0, device_id, device_type, info.unwrap_or("{}"), now],
                )?;
            }
            Some(_) => {
                self.conn().execute(
                    "UPDATE devices SET last_seen = $3, device_type = $4, info = coalesce($5, info) \
                     WHERE account_id = $1 AND device_id = $2",
                    params![
                        account.0,
                        device_id,
                        now,
                        device_type,
                        info.map_or(crate::sql::Value::Null, crate::sql::Value::from)
                    ],
                )?;
            }
        }
        self.read().device(account, device_id)?.ok_or_else(|| crate::Error::NotFound("device".into()))
    }

    /// Sets a device's acknowledged and outstanding policy keys.
    pub fn set_device_keys(
        &mut self,
        account: AccountId,
        device_id: &str,
        policy_key: u32,
        pending_key: u32,
    ) -> Result<()> {
        self.conn().execute(
            "UPDATE devices SET policy_key = $3, pending_key = $4 WHERE account_id = $1 AND device_id = $2",
            params![account.0, device_id, i64::from(policy_key), i64::from(pending_key)],
        )?;
        Ok(())
    }

    /// Sets a device's wipe state; false when the account has no such device.
    pub fn set_device_wipe(&mut self, account: AccountId, device_id: &str, wipe: Wipe) -> Result<bool> {
        let n = self.conn().execute(
            "UPDATE devices SET wipe = $3 WHERE account_id = $1 AND device_id = $2",
            params![account.0, device_id, wipe.code()],
        )?;
        Ok(n > 0)
    }

    /// Forgets a device and its sync states; false when there was none.
    pub fn remove_device(&mut self, account: AccountId, device_id: &str) -> Result<bool> {
        self.conn().execute(
            "DELETE FROM device_sync WHERE account_id = $1 AND device_id = $2",
            params![account.0, device_id],
        )?;
        let n = self
            .conn()
            .execute("DELETE FROM devices WHERE account_id = $1 AND device_id = $2", params![account.0, device_id])?;
        Ok(n > 0)
    }

    /// Stores the sync state of `device` for `collection`.
    pub fn put_device_sync(
        &mut self,
        account: AccountId,
        device_id: &str,
        collection: &str,
        s: &SyncState,
    ) -> Result<()> {
        let params = params![
            account.0,
            device_id,
            collection,
            i64::from(s.key),
            s.state.as_str(),
            i64::from(s.prev_key),
            s.prev_state.as_str()
        ];
        let n = self.conn().execute(
            "UPDATE device_sync SET sync_key = $4, state = $5, prev_key = $6, prev_state = $7 \
             WHERE account_id = $1 AND device_id = $2 AND collection = $3",
            params,
        )?;
        if n == 0 {
            self.conn().execute(
                "INSERT INTO device_sync (account_id, device_id, collection, sync_key, state, prev_key, prev_state) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                params,
            )?;
        }
        Ok(())
    }

    /// Forgets every sync state of `device` (a device starting over from its folder list).
    pub fn clear_device_sync(&mut self, account: AccountId, device_id: &str) -> Result<()> {
        self.conn().execute(
            "DELETE FROM device_sync WHERE account_id = $1 AND device_id = $2",
            params![account.0, device_id],
        )?;
        Ok(())
    }
}
