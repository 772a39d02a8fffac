//! What an account is told of changes someone else made to events in its calendars (migration
//! 0028; JMAP CalendarEventNotification, draft-ietf-jmap-calendars §7): written by
//! relais-groupware in the transaction of the change, into the account of the calendar (its
//! change log names `DataType::CalendarEventNotification`), at most a bounded number per
//! account (the oldest make room) and swept after a while. The event and the patch are JSON
//! that relais-groupware made; the store keeps them as they are. Ids are never reused
//! (`snapshot::SEQUENCED`).

use crate::tx::Change;
use crate::{AccountId, ChangeKind, CollectionId, DataType, Error, ItemId, ReadTx, Result, WriteTx, params};

/// Who made a change: one of ours (`principal`), or someone known only by the message that
/// made it (an iMIP sender).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChangedBy {
    pub principal: Option<AccountId>,
    pub name: String,
    pub email: Option<String>,
    /// Their calendar address (a `mailto:` URI).
    pub calendar_address: Option<String>,
}

/// A notification to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEventNotification {
    pub changed_by: ChangedBy,
    /// What they said with it (an iTIP COMMENT).
    pub comment: Option<String>,
    pub kind: ChangeKind,
    pub event: ItemId,
    pub calendar: CollectionId,
    /// The event was private or secret before or after the change.
    pub private: bool,
    /// The JSCalendar event as JSON: after a creation, before an update or a destruction.
    pub event_json: String,
    /// After an update: the PatchObject (JSON) from `event_json` to the event after it.
    pub patch_json: Option<String>,
}

/// One kept notification, without its event and patch (`event_notification_bodies`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventNotification {
    pub id: i64,
    pub created: i64,
    pub changed_by: ChangedBy,
    pub comment: Option<String>,
    pub kind: ChangeKind,
    pub event: ItemId,
    pub calendar: CollectionId,
    pub private: bool,
}

/// A notification's event and patch (JSON), by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventNotificationBody {
    pub id: i64,
    pub event_json: String,
    pub patch_json: Option<String>,
}

const COLUMNS: &str = "id, created, changed_by, changed_by_name, changed_by_email, changed_by_address, comment, \
                       kind, event_id, calendar_id, is_private";

/// Ids read per statement by `event_notification_bodies`.
const BODIES_PER_QUERY: usize = 100;

fn notification_of(r: &crate::sql::Row) -> Result<EventNotification> {
    let kind = ChangeKind::from_i64(r.int(7)?).ok_or_else(|| Error::Corrupt("event notification kind".into()))?;
    Ok(EventNotification {
        id: r.int(0)?,
        created: r.int(1)?,
        changed_by: ChangedBy {
            principal: r.opt_int(2)?.map(AccountId),
            name: r.text(3)?,
            email: r.opt_text(4)?,
            calendar_address: r.opt_text(5)?,
        },
        comment: r.opt_text(6)?,
        kind,
        event: ItemId(r.int(8)?),
        calendar: CollectionId(r.int(9)?),
        private: r.int(10)? != 0,
    })
}

impl ReadTx<'_> {
    /// The account's notifications, oldest first (at most what `add_event_notification`
    /// keeps).
    pub fn event_notifications(&mut self, account: AccountId) -> Result<Vec<EventNotification>> {
        let sql = format!("SELECT {COLUMNS} FROM calendar_event_notifications WHERE account_id = $1 ORDER BY id");
        self.conn().query(&sql, params![account.0])?.iter().map(notification_of).collect()
    }

    /// The events and patches of the account's notifications `ids` (unknown ones left out).
    pub fn event_notification_bodies(&mut self, account: AccountId, ids: &[i64]) -> Result<Vec<EventNotificationBody>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(BODIES_PER_QUERY) {
            let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            let sql = format!(
                "SELECT id, event, event_patch FROM calendar_event_notifications \
                 WHERE account_id = $1 AND id IN ({list}) ORDER BY id"
            );
            for r in self.conn().query(&sql, params![account.0])? {
                out.push(EventNotificationBody { id: r.int(0)?, event_json: r.text(1)?, patch_json: r.opt_text(2)? });
            }
        }
        Ok(out)
    }
}

impl WriteTx<'_> {
    /// Tells `account` of a change; past `at_most` the oldest go (each a destroyed change).
    pub fn add_event_notification(
        &mut self,
        account: AccountId,
        new: NewEventNotification,
        at_most: u32,
    ) -> Result<i64> {
        self.modseq(account)?;
        let count = self
            .conn()
            .query_one("SELECT COUNT(*) FROM calendar_event_notifications WHERE account_id = $1", params![account.0])?
            .map_or(Ok(0), |r| r.int(0))?;
        let excess = count - i64::from(at_most) + 1;
        if excess > 0 {
            let old = self.conn().query(
                "SELECT id FROM calendar_event_notifications WHERE account_id = $1 ORDER BY id LIMIT $2",
                params![account.0, excess],
            )?;
            for r in old {
                self.destroy_event_notification(account, r.int(0)?)?;
            }
        }
        let now = self.now();
        let by = new.changed_by;
        let row = self.conn().query_one(
            "INSERT INTO calendar_event_notifications (account_id, created, changed_by, changed_by_name, \
             changed_by_email, changed_by_address, comment, kind, event_id, calendar_id, is_private, event, \
             event_patch) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
            params![
                account.0,
                now,
                by.principal.map(|p| p.0),
                by.name,
                by.email,
                by.calendar_address,
                new.comment,
                new.kind as i64,
                new.event.0,
                new.calendar.0,
                i64::from(new.private),
                new.event_json,
                new.patch_json
            ],
        )?;
        let id = row.ok_or_else(|| Error::Corrupt("no event notification id".into()))?.int(0)?;
        self.log(account, Change::object(DataType::CalendarEventNotification, id, ChangeKind::Created))?;
        Ok(id)
    }

    /// Removes one notification; false if the account has none `id`.
    pub fn destroy_event_notification(&mut self, account: AccountId, id: i64) -> Result<bool> {
        let gone = self.conn().execute(
            "DELETE FROM calendar_event_notifications WHERE account_id = $1 AND id = $2",
            params![account.0, id],
        )?;
        if gone > 0 {
            self.log(account, Change::object(DataType::CalendarEventNotification, id, ChangeKind::Destroyed))?;
        }
        Ok(gone > 0)
    }

    /// Removes up to `limit` notifications made before `before` (ascending accounts, so the
    /// locks are taken in order); how many went.
    pub fn purge_event_notifications(&mut self, before: i64, limit: i64) -> Result<u64> {
        let old = self.conn().query(
            "SELECT account_id, id FROM calendar_event_notifications WHERE created < $1 \
             ORDER BY account_id, id LIMIT $2",
            params![before, limit],
        )?;
        let mut gone = 0;
        for r in old {
            if self.destroy_event_notification(AccountId(r.int(0)?), r.int(1)?)? {
                gone += 1;
            }
        }
        Ok(gone)
    }
}
