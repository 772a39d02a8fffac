//! The search index is written after the message, not with it: APPEND, delivery and copy
//! commit the message alone, and this background indexer builds its index rows
//! ([`crate::search::index`]) a batch per transaction once arrivals pause, so a burst of mail
//! is acknowledged at the rate the message itself can be written (as Dovecot's and Exchange's
//! indexes trail the mail they index). Search stays exact meanwhile: a search first indexes
//! what its mailboxes lack ([`crate::search`]).
//!
//! The indexer walks items in id order from a cursor (ids only grow, on both backends), so
//! each pass costs the new items, not the store. It starts from the beginning at each start
//! of the server: a restored store, or mail stored by another process (`relais admin
//! migrate` beside a running server, which also wakes it by the periodic pass), is indexed
//! then.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use relais_store::{ItemId, MessageIndex, Store, Unindexed};

use crate::{MailError, summary};

/// Messages per indexing pass's read...
const BATCH: i64 = 128;
/// ...and at most this much content per indexing transaction (one message at least), so a
/// batch of large messages holds the writer no longer than a batch of small ones.
const BATCH_OCTETS: u64 = 1 << 20;
/// The indexer waits until no message has arrived for this long...
const QUIET: Duration = Duration::from_millis(100);
/// ...but while mail keeps arriving, it starts after this long, and then takes about a third
/// of the time (after a batch that took `t`, it waits `2t`), so the index trails a sustained
/// load by a bounded share of the writer rather than without end.
const FIRST_WAIT: Duration = Duration::from_secs(2);
/// A pass without a wake-up: what other processes stored.
const POLL: Duration = Duration::from_secs(30);

/// What the message-writing operations tell the indexer; one per [`crate::deliver::Mailer`].
#[derive(Debug)]
pub struct IndexQueue {
    wake: tokio::sync::Notify,
    /// When the last message was stored, in ms since `epoch`.
    last_added: AtomicU64,
    epoch: Instant,
}

impl Default for IndexQueue {
    fn default() -> IndexQueue {
        IndexQueue { wake: tokio::sync::Notify::new(), last_added: AtomicU64::new(0), epoch: Instant::now() }
    }
}

impl IndexQueue {
    /// Messages were stored: index them once arrivals pause.
    pub fn added(&self) {
        self.last_added.store(self.now_ms(), Ordering::Relaxed);
        self.wake.notify_one();
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// How long since the last message was stored.
    fn quiet_for(&self) -> Duration {
        Duration::from_millis(self.now_ms().saturating_sub(self.last_added.load(Ordering::Relaxed)))
    }
}

/// Runs the indexer until the runtime stops: a pass at start, then one per wake-up or
/// [`POLL`]. An error is logged and the pass tried again later; nothing is lost, as the
/// messages stay unindexed (and searchable) until a pass succeeds.
pub async fn run(store: Store, queue: Arc<IndexQueue>) {
    let mut cursor = ItemId(0);
    loop {
        match pass(&store, &queue, &mut cursor).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(messages = n, "search index: messages indexed"),
            Err(e) => tracing::warn!(error = %e, "search index: pass failed; retried later"),
        }
        let _ = tokio::time::timeout(POLL, queue.wake.notified()).await;
    }
}

/// Indexes every message after `cursor` that lacks index rows, yielding to arrivals; how many.
async fn pass(store: &Store, queue: &IndexQueue, cursor: &mut ItemId) -> Result<u64, MailError> {
    let (mut done, mut busy_until) = (0, Instant::now() + FIRST_WAIT);
    loop {
        loop {
            let quiet = queue.quiet_for();
            if quiet >= QUIET || Instant::now() >= busy_until {
                break;
            }
            tokio::time::sleep((QUIET - quiet).min(busy_until.saturating_duration_since(Instant::now()))).await;
        }
        let (after, start) = (*cursor, Instant::now());
        let found = store.read(move |r| r.unindexed_after(after, BATCH)).await?;
        let Some(last) = found.last().map(|u| u.item) else { return Ok(done) };
        done += index_batch(store, found).await?;
        *cursor = last;
        busy_until = Instant::now() + 2 * start.elapsed();
    }
}

/// Builds and writes the index rows of `messages`, a transaction per [`BATCH_OCTETS`] of
/// content; how many were written (a message indexed meanwhile or gone is passed over).
pub(crate) async fn index_batch(store: &Store, messages: Vec<Unindexed>) -> Result<u64, MailError> {
    let (mut written, mut part, mut octets) = (0, Vec::new(), 0);
    for m in messages {
        if !part.is_empty() && octets + m.size > BATCH_OCTETS {
            written += index_part(store, std::mem::take(&mut part)).await?;
            octets = 0;
        }
        octets += m.size;
        part.push(m);
    }
    if !part.is_empty() {
        written += index_part(store, part).await?;
    }
    Ok(written)
}

/// Builds the index rows of `messages` (each analysed from its content and stored summary, off
/// the executor) and writes them in one transaction.
async fn index_part(store: &Store, messages: Vec<Unindexed>) -> Result<u64, MailError> {
    let hashes = messages.iter().map(|m| m.blob.clone()).collect();
    let contents = match store.blobs(hashes).await {
        Ok(all) => all.into_iter().map(Some).collect(),
        // One unreadable content must not stop the rest: read them one by one.
        Err(_) => {
            let mut one_by_one = Vec::with_capacity(messages.len());
            for m in &messages {
                one_by_one.push(store.blob(m.blob.clone()).await.ok());
            }
            one_by_one
        }
    };
    let rows: Vec<(ItemId, MessageIndex)> = tokio::task::spawn_blocking(move || {
        messages
            .into_iter()
            .zip(contents)
            .map(|(m, raw)| {
                // An unreadable content gets empty rows rather than failing every later search.
                let raw = raw.unwrap_or_else(|| {
                    tracing::warn!(item = m.item.0, "search index: message content unreadable");
                    Vec::new()
                });
                // The stored analysis, unless it cannot be read (then the content's, again).
                let analysed = serde_json::from_str(&m.summary).unwrap_or_else(|_| summary::summarize(&raw));
                (m.item, crate::search::index(&raw, &analysed))
            })
            .collect()
    })
    .await
    .map_err(|e| relais_store::Error::NotCommitted(format!("message analysis failed: {e}")))?;
    let written = store
        .write(move |tx| {
            let mut n = 0;
            for (item, row) in &rows {
                n += u64::from(tx.index_if_missing(*item, row)?);
            }
            Ok(n)
        })
        .await?;
    Ok(written)
}
