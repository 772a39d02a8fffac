//! Notifications after commit.
//!
//! In one process they go through a broadcast channel the moment a commit returns. Between
//! processes sharing a store (the CLI and the server on one data directory, or several nodes on
//! one PostgreSQL) each commit also leaves a record — a `notifications` row on SQLite, a
//! `NOTIFY relais` on PostgreSQL — tagged with its process's random origin; a watcher thread
//! republishes records from other origins. SQLite's `PRAGMA data_version` tells the watcher
//! cheaply when another connection has committed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use rand::Rng;
use tokio::sync::broadcast;

use crate::sql::Conn;
use crate::sqlite::SqliteConn;
use crate::{AccountId, Backend, Error, Modseq, Notification, Result};

pub(crate) const CHANNEL: &str = "relais";
const POLL: Duration = Duration::from_millis(20);

pub(crate) fn new_origin() -> String {
    format!("{:016x}", rand::thread_rng().r#gen::<u64>())
}

/// Slots of one account's channel. A subscriber that falls this far behind gets `Lagged` and
/// resynchronises from the change log, so a small number is safe; it is what an idle session
/// costs besides its receiver.
const ACCOUNT_CAPACITY: usize = 4;

/// After this many subscriptions, channels nobody listens to any more are dropped.
const SWEEP_EVERY: u32 = 1024;

#[derive(Clone)]
pub(crate) struct Notifier {
    origin: Arc<str>,
    /// Every account's notifications (for whoever follows the whole store).
    all: broadcast::Sender<Notification>,
    /// One channel per account someone follows: a commit wakes only that account's followers,
    /// so 100,000 idle sessions cost nothing per commit of someone else.
    accounts: Arc<Mutex<Accounts>>,
}

#[derive(Default)]
struct Accounts {
    channels: HashMap<AccountId, broadcast::Sender<Notification>>,
    since_sweep: u32,
}

impl Notifier {
    pub fn new(origin: String) -> Notifier {
        let (all, _) = broadcast::channel(4096);
        Notifier { origin: origin.into(), all, accounts: Arc::default() }
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    pub fn publish(&self, n: Notification) {
        // No subscriber is not an error.
        let _ = self.all.send(n);
        let mut accounts = self.accounts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(channel) = accounts.channels.get(&n.account)
            && channel.send(n).is_err()
        {
            // Its last follower left: the channel goes until someone follows the account again.
            accounts.channels.remove(&n.account);
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Notification> {
        self.all.subscribe()
    }

    /// Notifications of `account`'s commits only.
    pub fn subscribe_account(&self, account: AccountId) -> broadcast::Receiver<Notification> {
        let mut accounts = self.accounts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        accounts.since_sweep += 1;
        if accounts.since_sweep >= SWEEP_EVERY {
            accounts.since_sweep = 0;
            accounts.channels.retain(|_, c| c.receiver_count() > 0);
        }
        accounts.channels.entry(account).or_insert_with(|| broadcast::channel(ACCOUNT_CAPACITY).0).subscribe()
    }

    /// How many accounts have a channel (for tests and metrics).
    pub fn followed_accounts(&self) -> usize {
        self.accounts.lock().unwrap_or_else(std::sync::PoisonError::into_inner).channels.len()
    }
}

/// The text of a PostgreSQL NOTIFY payload: `origin account modseq types`.
pub(crate) fn payload(origin: &str, n: &Notification) -> String {
    format!("{origin} {} {} {}", n.account.0, n.modseq.0, n.types)
}

fn parse_payload(s: &str) -> Option<(String, Notification)> {
    let mut parts = s.split(' ');
    let origin = parts.next()?.to_owned();
    let account = AccountId(parts.next()?.parse().ok()?);
    let modseq = Modseq(parts.next()?.parse().ok()?);
    let types = parts.next()?.parse().ok()?;
    Some((origin, Notification { account, modseq, types }))
}

/// Stops its thread when dropped (with the store).
pub(crate) struct Watcher {
    stop: Arc<AtomicBool>,
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl Watcher {
    pub fn start(backend: &Backend, notifier: Notifier, journal: crate::sqlite::Journal) -> Result<Watcher> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        match backend.clone() {
            // A restore's bulk load: nobody else follows it, and a reader every 20 ms would hold
            // up its commits (in a rollback journal, a commit waits for readers to finish).
            Backend::Sqlite { .. } if journal == crate::sqlite::Journal::Bulk => {}
            Backend::Sqlite { dir } => {
                // It reads one small table: a small cache.
                let mut conn = SqliteConn::open(
                    &dir.join("relais.db"),
                    true,
                    crate::sqlite::Memory { cache_kib: 256, mmap_mib: 0 },
                    journal,
                )?;
                let start = last_seq(&mut conn)?;
                spawn("relais-store-watch", move || watch_sqlite(conn, start, &notifier, &flag))?;
            }
            Backend::Postgres { url } => {
                let client = listen(&url)?;
                spawn("relais-store-listen", move || watch_postgres(&url, client, &notifier, &flag))?;
            }
        }
        Ok(Watcher { stop })
    }
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> Result<()> {
    std::thread::Builder::new().name(name.into()).spawn(f)?;
    Ok(())
}

fn last_seq(conn: &mut SqliteConn) -> Result<i64> {
    let row = conn.query_one("SELECT coalesce(max(seq), 0) FROM notifications", &[])?;
    row.map_or(Ok(0), |r| r.int(0))
}

fn watch_sqlite(mut conn: SqliteConn, mut seen: i64, notifier: &Notifier, stop: &AtomicBool) {
    let mut version = conn.data_version().unwrap_or(0);
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(POLL);
        match conn.data_version() {
            Ok(v) if v == version => continue,
            Ok(v) => version = v,
            Err(e) => {
                tracing::warn!(error = %e, "store: notification watcher");
                continue;
            }
        }
        match foreign_notifications(&mut conn, seen, notifier.origin()) {
            Ok((last, notes)) => {
                seen = last.max(seen);
                for n in notes {
                    notifier.publish(n);
                }
            }
            Err(e) => tracing::warn!(error = %e, "store: notification watcher"),
        }
    }
}

fn foreign_notifications(conn: &mut SqliteConn, after: i64, origin: &str) -> Result<(i64, Vec<Notification>)> {
    let rows = conn.query(
        "SELECT seq, origin, account_id, modseq, types FROM notifications WHERE seq > $1 ORDER BY seq",
        crate::params![after],
    )?;
    let mut last = after;
    let mut out = Vec::new();
    for r in rows {
        last = r.int(0)?;
        if r.text(1)? != origin {
            out.push(Notification {
                account: AccountId(r.int(2)?),
                modseq: Modseq(u64::try_from(r.int(3)?).unwrap_or(0)),
                types: u32::try_from(r.int(4)?).unwrap_or(0),
            });
        }
    }
    Ok((last, out))
}

fn listen(url: &str) -> Result<postgres::Client> {
    let mut client = postgres::Client::connect(url, postgres::NoTls)?;
    client.batch_execute(&format!("LISTEN {CHANNEL}"))?;
    Ok(client)
}

/// Listens until stopped; reconnects (after a pause) when the connection drops.
fn watch_postgres(url: &str, mut client: postgres::Client, notifier: &Notifier, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        if let Err(e) = relay_notifications(&mut client, notifier, stop) {
            tracing::warn!(error = %e, "store: LISTEN connection lost; reconnecting");
            loop {
                std::thread::sleep(Duration::from_secs(1));
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                match listen(url) {
                    Ok(c) => break client = c,
                    Err(e) => tracing::warn!(error = %e, "store: cannot reconnect LISTEN"),
                }
            }
        }
    }
}

fn relay_notifications(client: &mut postgres::Client, notifier: &Notifier, stop: &AtomicBool) -> Result<()> {
    let mut notes = client.notifications();
    let mut iter = notes.timeout_iter(Duration::from_millis(500));
    while !stop.load(Ordering::Relaxed) {
        match iter.next().map_err(Error::from)? {
            Some(n) => {
                if let Some((origin, note)) = parse_payload(n.payload())
                    && origin != notifier.origin()
                {
                    notifier.publish(note);
                }
            }
            None => return Ok(()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_round_trip() {
        let n = Notification { account: AccountId(7), modseq: Modseq(42), types: 8 };
        assert_eq!(parse_payload(&payload("abc", &n)), Some(("abc".into(), n)));
        assert_eq!(parse_payload("abc 1 x 2"), None);
    }
}
