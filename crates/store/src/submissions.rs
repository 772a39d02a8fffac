//! The messages an account submitted (migration 0026; JMAP EmailSubmission, RFC 8621 §7): who
//! sent which email as which identity, the envelope, when it is or was released, whether it can
//! still be cancelled (`UndoStatus`) and each recipient's delivery status. The envelope and the
//! statuses are JSON to the store (relais-mail's `email_submission` gives them meaning). A
//! pending submission holds its message (`held`, one reference in `blobs.refs`, its size charged
//! to the account's quota) until it is released or cancelled. Ids are never reused (`snapshot::SEQUENCED`); every write is one
//! change of `DataType::EmailSubmission` in the account's log.

use crate::tx::Change;
use crate::{AccountId, BlobHash, BlobRef, ChangeKind, DataType, Error, ReadTx, Result, WriteTx, params};

/// RFC 8621 §7: whether a submission may still be cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UndoStatus {
    /// Held until `send_at`; it may be cancelled.
    Pending = 0,
    /// Released: it cannot be recalled.
    Final = 1,
    /// Cancelled while pending: it was never sent.
    Canceled = 2,
}

impl UndoStatus {
    fn of(code: i64) -> UndoStatus {
        match code {
            0 => UndoStatus::Pending,
            2 => UndoStatus::Canceled,
            _ => UndoStatus::Final,
        }
    }
}

/// A submission to keep.
#[derive(Debug, Clone)]
pub struct NewSubmission {
    /// The identity's number (0: the account's own identity).
    pub identity: i64,
    pub email: i64,
    pub thread: i64,
    pub envelope: String,
    pub send_at: i64,
    pub undo: UndoStatus,
    pub delivery: String,
    /// The outbound queue's message of a submission sent at once with remote recipients.
    pub queue: Option<i64>,
    /// The message a pending submission holds (written with `Store::put_blob`).
    pub held: Option<BlobRef>,
}

/// One kept submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSubmission {
    pub id: i64,
    pub account: AccountId,
    pub identity: i64,
    pub email: i64,
    pub thread: i64,
    pub envelope: String,
    pub send_at: i64,
    pub created: i64,
    pub undo: UndoStatus,
    pub delivery: String,
    pub queue: Option<i64>,
    pub held: Option<BlobHash>,
}

const COLUMNS: &str = "id, account_id, identity_id, email_id, thread_id, envelope, send_at, created, undo_status, \
                       delivery, queue_id, held_blob";

fn submission_of(r: &crate::sql::Row) -> Result<StoredSubmission> {
    let held = match r.opt_text(11)? {
        None => None,
        Some(h) => Some(BlobHash::parse(&h).ok_or_else(|| Error::Corrupt(format!("blob hash {h:?}")))?),
    };
    Ok(StoredSubmission {
        id: r.int(0)?,
        account: AccountId(r.int(1)?),
        identity: r.int(2)?,
        email: r.int(3)?,
        thread: r.int(4)?,
        envelope: r.text(5)?,
        send_at: r.int(6)?,
        created: r.int(7)?,
        undo: UndoStatus::of(r.int(8)?),
        delivery: r.text(9)?,
        queue: r.opt_int(10)?,
        held,
    })
}

impl ReadTx<'_> {
    /// The account's kept submissions, oldest first.
    pub fn submissions(&mut self, account: AccountId) -> Result<Vec<StoredSubmission>> {
        let sql = format!("SELECT {COLUMNS} FROM email_submissions WHERE account_id = $1 ORDER BY id");
        self.conn().query(&sql, params![account.0])?.iter().map(submission_of).collect()
    }

    /// One submission of the account.
    pub fn submission(&mut self, account: AccountId, id: i64) -> Result<Option<StoredSubmission>> {
        let sql = format!("SELECT {COLUMNS} FROM email_submissions WHERE account_id = $1 AND id = $2");
        self.conn().query_one(&sql, params![account.0, id])?.as_ref().map(submission_of).transpose()
    }

    /// Up to `limit` pending submissions due at `now`, the earliest first.
    pub fn due_submissions(&mut self, now: i64, limit: i64) -> Result<Vec<StoredSubmission>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM email_submissions WHERE undo_status = 0 AND send_at <= $1 ORDER BY send_at, id LIMIT $2"
        );
        self.conn().query(&sql, params![now, limit])?.iter().map(submission_of).collect()
    }

    /// The submission whose message the outbound queue holds as `queue`.
    pub fn submission_of_queued(&mut self, queue: i64) -> Result<Option<StoredSubmission>> {
        let sql = format!("SELECT {COLUMNS} FROM email_submissions WHERE queue_id = $1");
        self.conn().query_one(&sql, params![queue])?.as_ref().map(submission_of).transpose()
    }

    /// When the next pending submission falls due.
    pub fn next_submission_release(&mut self) -> Result<Option<i64>> {
        let row = self.conn().query_one("SELECT min(send_at) FROM email_submissions WHERE undo_status = 0", &[])?;
        row.map_or(Ok(None), |r| r.opt_int(0))
    }
}

impl WriteTx<'_> {
    /// Keeps a submission; past `at_most` for the account the oldest that are no longer pending
    /// make room (each a destroyed change), and if every one is pending it is refused
    /// (`Error::Limit`). Returns its id.
    pub fn create_submission(&mut self, account: AccountId, new: NewSubmission, at_most: u32) -> Result<i64> {
        // Lock the account first, so that concurrent creations count one after the other.
        self.modseq(account)?;
        let count = self
            .conn()
            .query_one("SELECT COUNT(*) FROM email_submissions WHERE account_id = $1", params![account.0])?
            .map_or(Ok(0), |r| r.int(0))?;
        let excess = count - i64::from(at_most) + 1;
        if excess > 0 {
            let old = self.conn().query(
                "SELECT id FROM email_submissions WHERE account_id = $1 AND undo_status <> 0 ORDER BY id LIMIT $2",
                params![account.0, excess],
            )?;
            if i64::try_from(old.len()).unwrap_or(0) < excess {
                return Err(Error::Limit(format!("an account keeps at most {at_most} submissions")));
            }
            for r in old {
                self.destroy_submission(account, r.int(0)?)?;
            }
        }
        if let Some(held) = &new.held {
            self.ref_blob(held)?;
            // A held message counts for the account's quota until it goes or is cancelled.
            self.charge(account, i64::try_from(held.size).unwrap_or(i64::MAX))?;
        }
        let now = self.now();
        let row = self.conn().query_one(
            "INSERT INTO email_submissions (account_id, identity_id, email_id, thread_id, envelope, send_at, created, \
             undo_status, delivery, queue_id, held_blob) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            params![
                account.0,
                new.identity,
                new.email,
                new.thread,
                new.envelope,
                new.send_at,
                now,
                new.undo as i64,
                new.delivery,
                new.queue,
                new.held.as_ref().map(|h| h.hash.as_str().to_owned())
            ],
        )?;
        let id = row.ok_or_else(|| Error::Corrupt("no submission id".into()))?.int(0)?;
        self.log(account, Change::object(DataType::EmailSubmission, id, ChangeKind::Created))?;
        Ok(id)
    }

    /// Replaces a submission's delivery statuses.
    pub fn set_submission_delivery(&mut self, account: AccountId, id: i64, delivery: &str) -> Result<bool> {
        let changed = self.conn().execute(
            "UPDATE email_submissions SET delivery = $3 WHERE account_id = $1 AND id = $2",
            params![account.0, id, delivery],
        )?;
        if changed > 0 {
            self.log(account, Change::object(DataType::EmailSubmission, id, ChangeKind::Updated))?;
        }
        Ok(changed > 0)
    }

    /// Pending → final (released), or → canceled; the held message loses its reference. False
    /// if the submission is no longer pending (released or cancelled meanwhile) or not there.
    pub fn settle_submission(
        &mut self,
        account: AccountId,
        id: i64,
        to: UndoStatus,
        queue: Option<i64>,
        delivery: &str,
    ) -> Result<bool> {
        if to == UndoStatus::Pending {
            return Err(Error::Invalid("a submission is settled as final or canceled".into()));
        }
        // The account first, as every writer of it (a release locks it with the delivery's
        // accounts before it settles the row): row then account here would deadlock with it.
        self.lock_account(account)?;
        let Some(before) = self.read().submission(account, id)? else { return Ok(false) };
        // The condition is evaluated again under the row's lock (PostgreSQL): of a release and a
        // cancellation at once, one changes the row and the other finds it settled.
        let changed = self.conn().execute(
            "UPDATE email_submissions SET undo_status = $3, queue_id = $4, delivery = $5, held_blob = NULL \
             WHERE account_id = $1 AND id = $2 AND undo_status = 0",
            params![account.0, id, to as i64, queue, delivery],
        )?;
        if changed == 0 {
            return Ok(false);
        }
        if let Some(held) = before.held {
            self.uncharge_held(account, &held)?;
            self.unref_blob(&held)?;
        }
        self.log(account, Change::object(DataType::EmailSubmission, id, ChangeKind::Updated))?;
        Ok(true)
    }

    /// Puts a pending submission's release off until `until` (its `sendAt`, RFC 8621 §7: when it
    /// will be released); false if it is no longer pending or is due later already. A release
    /// that failed is tried again then, and the submissions due after it are not held up.
    pub fn defer_submission(&mut self, account: AccountId, id: i64, until: i64) -> Result<bool> {
        self.lock_account(account)?;
        let changed = self.conn().execute(
            "UPDATE email_submissions SET send_at = $3 WHERE account_id = $1 AND id = $2 AND undo_status = 0 \
             AND send_at < $3",
            params![account.0, id, until],
        )?;
        if changed == 0 {
            return Ok(false);
        }
        self.log(account, Change::object(DataType::EmailSubmission, id, ChangeKind::Updated))?;
        Ok(true)
    }

    /// Removes a submission's record (a pending one's held message loses its reference); false
    /// if the account has no submission `id`.
    pub fn destroy_submission(&mut self, account: AccountId, id: i64) -> Result<bool> {
        let row = self.conn().query_one(
            "DELETE FROM email_submissions WHERE account_id = $1 AND id = $2 RETURNING held_blob",
            params![account.0, id],
        )?;
        let Some(row) = row else { return Ok(false) };
        if let Some(h) = row.opt_text(0)? {
            let hash = BlobHash::parse(&h).ok_or_else(|| Error::Corrupt(format!("blob hash {h:?}")))?;
            self.uncharge_held(account, &hash)?;
            self.unref_blob(&hash)?;
        }
        self.log(account, Change::object(DataType::EmailSubmission, id, ChangeKind::Destroyed))?;
        Ok(true)
    }

    /// Takes a held message's size off the account's usage (it was charged when held).
    fn uncharge_held(&mut self, account: AccountId, held: &BlobHash) -> Result<()> {
        let size = self.conn().query_one("SELECT size FROM blobs WHERE hash = $1", params![held.as_str()])?;
        let size = size.map_or(Ok(0), |r| r.int(0))?;
        self.charge(account, -size)
    }

    /// Removes up to `limit` submissions that are no longer pending and were released (or due)
    /// before `before`, each a destroyed change in its account's log; how many went.
    pub fn purge_submissions(&mut self, before: i64, limit: i64) -> Result<u64> {
        let old = self.conn().query(
            "SELECT account_id, id FROM email_submissions WHERE undo_status <> 0 AND send_at < $1 \
             ORDER BY account_id, id LIMIT $2",
            params![before, limit],
        )?;
        let mut gone = 0;
        for r in old {
            if self.destroy_submission(AccountId(r.int(0)?), r.int(1)?)? {
                gone += 1;
            }
        }
        Ok(gone)
    }
}
