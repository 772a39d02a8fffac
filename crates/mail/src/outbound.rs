//! The outbound queue as the mail domain hands it to the delivery runner (`relais_smtp::queue`,
//! the only caller): leases on due messages and the outcome of each attempt, one store
//! transaction each. Putting a message on the queue is `Mailer::deliver` / `Mailer::submit`;
//! a held submission (`email_submission`) is released by the runner's lease.

use relais_store::{QueueOutcome, QueuedMessage};

use crate::{MailError, Mailer};

impl Mailer {
    /// Leases up to `limit` messages whose next attempt is due at `now`, for `lease_secs`: no
    /// other runner (another node, on PostgreSQL) takes them until the lease runs out.
    /// Held submissions due by then are released first (`release_submissions`).
    pub async fn lease_due(&self, now: i64, limit: i64, lease_secs: i64) -> Result<Vec<QueuedMessage>, MailError> {
        if let Err(e) = self.release_submissions(now).await {
            tracing::warn!(error = %e, "queue: held submissions not released");
        }
        Ok(self.store().write(move |tx| tx.lease_due(now, limit, lease_secs)).await?)
    }

    /// Records the outcome of an attempt for each recipient of `message`, and retires the
    /// message when no recipient is left to try; true if it was retired. The submission that
    /// sent it, if kept, takes the outcomes as its delivery statuses in the same transaction.
    pub async fn record_attempt(&self, message: i64, outcomes: Vec<(i64, QueueOutcome)>) -> Result<bool, MailError> {
        Ok(self
            .store()
            .write(move |tx| {
                crate::email_submission::record_queue_outcomes(tx, message, &outcomes)?;
                for (recipient, outcome) in &outcomes {
                    tx.queue_outcome(*recipient, outcome)?;
                }
                tx.queue_retire_if_done(message)
            })
            .await?)
    }
}
