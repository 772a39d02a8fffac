//! The outbound queue's rows. A queued message references its blob (counted like an item's);
//! each recipient has its own state, attempts and next attempt time. Delivery workers lease
//! due recipients for a while (`leased_until`), so a crashed worker's lease simply runs out;
//! on PostgreSQL several nodes lease with `FOR UPDATE SKIP LOCKED` and never share a recipient.

use crate::read::ReadTx;
use crate::sql::{Dialect, Row};
use crate::tx::WriteTx;
use crate::{AccountId, BlobHash, BlobRef, Error, Result, params};

/// What the mail layer queues: one message for its remote recipients.
#[derive(Debug, Clone)]
pub struct NewQueued {
    pub blob: BlobRef,
    pub sender: String,
    pub env_id: Option<String>,
    pub ret_full: bool,
    pub principal: Option<AccountId>,
    pub expires: i64,
    /// (address, ORCPT, NOTIFY flags)
    pub recipients: Vec<(String, Option<String>, i64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueStatus {
    Queued = 0,
    Delivered = 1,
    Failed = 2,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMessage {
    pub id: i64,
    pub blob: BlobHash,
    pub size: u64,
    pub sender: String,
    pub env_id: Option<String>,
    pub ret_full: bool,
    pub principal: Option<AccountId>,
    pub created: i64,
    pub expires: i64,
    pub recipients: Vec<QueuedRecipient>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedRecipient {
    pub id: i64,
    pub message: i64,
    pub address: String,
    pub domain: String,
    pub orcpt: Option<String>,
    pub notify: i64,
    pub status: QueueStatus,
    pub attempts: u32,
    pub next_attempt: i64,
    pub last_error: Option<String>,
    pub warned: bool,
}

/// The result of one delivery attempt to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueOutcome {
    Delivered,
    /// Try again at `at`; `error` says what went wrong this time.
    Retry {
        at: i64,
        error: String,
    },
    Failed {
        error: String,
    },
    /// A delay warning was sent for this recipient.
    Warned,
}

const MESSAGE_COLUMNS: &str = "id, blob_hash, size, sender, env_id, ret_full, principal_id, created, expires";
const RECIPIENT_COLUMNS: &str =
    "id, message_id, address, domain, orcpt, notify, status, attempts, next_attempt, last_error, warned";

fn message_of(r: &Row) -> Result<QueuedMessage> {
    let hash = r.text(1)?;
    Ok(QueuedMessage {
        id: r.int(0)?,
        blob: BlobHash::parse(&hash).ok_or_else(|| Error::Corrupt(format!("blob hash {hash:?}")))?,
        size: u64::try_from(r.int(2)?).unwrap_or(0),
        sender: r.text(3)?,
        env_id: r.opt_text(4)?,
        ret_full: r.int(5)? != 0,
        principal: r.opt_int(6)?.map(AccountId),
        created: r.int(7)?,
        expires: r.int(8)?,
        recipients: Vec::new(),
    })
}

fn recipient_of(r: &Row) -> Result<QueuedRecipient> {
    Ok(QueuedRecipient {
        id: r.int(0)?,
        message: r.int(1)?,
        address: r.text(2)?,
        domain: r.text(3)?,
        orcpt: r.opt_text(4)?,
        notify: r.int(5)?,
        status: match r.int(6)? {
            0 => QueueStatus::Queued,
            1 => QueueStatus::Delivered,
            _ => QueueStatus::Failed,
        },
        attempts: u32::try_from(r.int(7)?).unwrap_or(u32::MAX),
        next_attempt: r.int(8)?,
        last_error: r.opt_text(9)?,
        warned: r.int(10)? != 0,
    })
}

impl ReadTx<'_> {
    /// A queued message with all its recipients.
    pub fn queued_message(&mut self, id: i64) -> Result<Option<QueuedMessage>> {
        let sql = format!("SELECT {MESSAGE_COLUMNS} FROM queue_messages WHERE id = $1");
        let Some(row) = self.conn().query_one(&sql, params![id])? else { return Ok(None) };
        let mut m = message_of(&row)?;
        let sql = format!("SELECT {RECIPIENT_COLUMNS} FROM queue_recipients WHERE message_id = $1 ORDER BY id");
        m.recipients = self.conn().query(&sql, params![id])?.iter().map(recipient_of).collect::<Result<_>>()?;
        Ok(Some(m))
    }

    /// Every queued message, oldest first, with its recipients.
    pub fn queued_messages(&mut self) -> Result<Vec<QueuedMessage>> {
        let ids = self.conn().query("SELECT id FROM queue_messages ORDER BY id", &[])?;
        let mut out = Vec::with_capacity(ids.len());
        for r in ids {
            if let Some(m) = self.queued_message(r.int(0)?)? {
                out.push(m);
            }
        }
        Ok(out)
    }

    /// The newest DKIM key of `domain`: (selector, PKCS#1 DER private key).
    pub fn dkim_key(&mut self, domain: &str) -> Result<Option<(String, Vec<u8>)>> {
        let row = self.conn().query_one(
            "SELECT selector, private_key FROM dkim_keys WHERE domain = $1 ORDER BY created DESC, selector LIMIT 1",
            params![domain],
        )?;
        row.map(|r| Ok((r.text(0)?, r.bytes(1)?))).transpose()
    }

    /// When the next queued recipient, or held submission (`email_submissions`, released by the
    /// queue's runner), falls due (to sleep until then).
    pub fn next_queue_attempt(&mut self) -> Result<Option<i64>> {
        let row = self.conn().query_one(
            "SELECT min(t) FROM (SELECT min(next_attempt) AS t FROM queue_recipients WHERE status = 0 \
             UNION ALL SELECT min(send_at) AS t FROM email_submissions WHERE undo_status = 0) AS due",
            &[],
        )?;
        row.map_or(Ok(None), |r| r.opt_int(0))
    }
}

impl WriteTx<'_> {
    /// Stores (or replaces) a DKIM signing key.
    pub fn put_dkim_key(&mut self, domain: &str, selector: &str, private_key: Vec<u8>) -> Result<()> {
        let now = self.now();
        self.conn().execute("DELETE FROM dkim_keys WHERE domain = $1 AND selector = $2", params![domain, selector])?;
        self.conn().execute(
            "INSERT INTO dkim_keys (domain, selector, algorithm, private_key, created) VALUES ($1, $2, 'rsa-sha256', $3, $4)",
            params![domain, selector, private_key, now],
        )?;
        Ok(())
    }

    /// Queues a message; its blob must have been written with `Store::put_blob`.
    pub fn enqueue(&mut self, new: NewQueued) -> Result<i64> {
        if new.recipients.is_empty() {
            return Err(Error::Invalid("a queued message needs a recipient".into()));
        }
        self.ref_blob(&new.blob)?;
        let now = self.now();
        let row = self.conn().query_one(
            "INSERT INTO queue_messages (blob_hash, size, sender, env_id, ret_full, principal_id, created, expires) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            params![
                new.blob.hash.as_str(),
                new.blob.size as i64,
                new.sender,
                new.env_id,
                new.ret_full,
                new.principal.map(|p| p.0),
                now,
                new.expires
            ],
        )?;
        let id = row.ok_or_else(|| Error::Corrupt("no id returned".into()))?.int(0)?;
        for (address, orcpt, notify) in new.recipients {
            let domain = address.rsplit_once('@').map_or("", |(_, d)| d).to_ascii_lowercase();
            self.conn().execute(
                "INSERT INTO queue_recipients (message_id, address, domain, orcpt, notify, next_attempt, updated) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6)",
                params![id, address, domain, orcpt, notify, now],
            )?;
        }
        Ok(id)
    }

    /// Leases up to `limit` due recipients until `now + lease_secs`; returns their messages,
    /// each with only the leased recipients.
    pub fn lease_due(&mut self, now: i64, limit: i64, lease_secs: i64) -> Result<Vec<QueuedMessage>> {
        let lock = if self.conn().dialect() == Dialect::Postgres { "FOR UPDATE SKIP LOCKED" } else { "" };
        let sql = format!(
            "UPDATE queue_recipients SET leased_until = $1 WHERE id IN (SELECT id FROM queue_recipients \
             WHERE status = 0 AND next_attempt <= $2 AND leased_until <= $2 ORDER BY next_attempt, id LIMIT $3 {lock}) \
             RETURNING {RECIPIENT_COLUMNS}"
        );
        let rows = self.conn().query(&sql, params![now + lease_secs, now, limit])?;
        let mut messages: Vec<QueuedMessage> = Vec::new();
        for r in rows {
            let rcpt = recipient_of(&r)?;
            match messages.iter_mut().find(|m| m.id == rcpt.message) {
                Some(m) => m.recipients.push(rcpt),
                None => {
                    let sql = format!("SELECT {MESSAGE_COLUMNS} FROM queue_messages WHERE id = $1");
                    let row = self.conn().query_one(&sql, params![rcpt.message])?;
                    let mut m =
                        message_of(&row.ok_or_else(|| Error::Corrupt("queue recipient without message".into()))?)?;
                    m.recipients.push(rcpt);
                    messages.push(m);
                }
            }
        }
        Ok(messages)
    }

    /// Records an attempt's outcome for one recipient and ends its lease.
    pub fn queue_outcome(&mut self, recipient: i64, outcome: &QueueOutcome) -> Result<()> {
        let now = self.now();
        let (sql, p) = match outcome {
            QueueOutcome::Delivered => (
                "UPDATE queue_recipients SET status = 1, attempts = attempts + 1, leased_until = 0, last_error = NULL, updated = $2 WHERE id = $1",
                params![recipient, now].to_vec(),
            ),
            QueueOutcome::Retry { at, error } => (
                "UPDATE queue_recipients SET attempts = attempts + 1, next_attempt = $3, leased_until = 0, last_error = $4, updated = $2 WHERE id = $1",
                params![recipient, now, *at, error.as_str()].to_vec(),
            ),
            QueueOutcome::Failed { error } => (
                "UPDATE queue_recipients SET status = 2, attempts = attempts + 1, leased_until = 0, last_error = $3, updated = $2 WHERE id = $1",
                params![recipient, now, error.as_str()].to_vec(),
            ),
            QueueOutcome::Warned => {
                ("UPDATE queue_recipients SET warned = 1, updated = $2 WHERE id = $1", params![recipient, now].to_vec())
            }
        };
        if self.conn().execute(sql, &p)? == 0 {
            return Err(Error::NotFound(format!("queue recipient {recipient}")));
        }
        Ok(())
    }

    /// Removes a message whose recipients are all delivered or failed; true if it did.
    pub fn queue_retire_if_done(&mut self, message: i64) -> Result<bool> {
        let pending = self
            .conn()
            .query_one("SELECT count(*) FROM queue_recipients WHERE message_id = $1 AND status = 0", params![message])?
            .map_or(Ok(0), |r| r.int(0))?;
        if pending > 0 {
            return Ok(false);
        }
        self.queue_delete(message)?;
        Ok(true)
    }

    /// Deletes a queued message and its recipients (delivered or not).
    pub fn queue_delete(&mut self, message: i64) -> Result<()> {
        let row =
            self.conn().query_one("DELETE FROM queue_messages WHERE id = $1 RETURNING blob_hash", params![message])?;
        let hash = row.ok_or_else(|| Error::NotFound(format!("queued message {message}")))?.text(0)?;
        self.conn().execute("DELETE FROM queue_recipients WHERE message_id = $1", params![message])?;
        let hash = BlobHash::parse(&hash).ok_or_else(|| Error::Corrupt(format!("blob hash {hash:?}")))?;
        self.unref_blob(&hash)
    }

    /// Makes a message's queued recipients due now.
    pub fn queue_retry_now(&mut self, message: i64) -> Result<u64> {
        let now = self.now();
        self.conn().execute(
            "UPDATE queue_recipients SET next_attempt = $2, leased_until = 0, updated = $2 WHERE message_id = $1 AND status = 0",
            params![message, now],
        )
    }
}
