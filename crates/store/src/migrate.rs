//! Versioned schema migrations, one list per backend, run at start-up inside a transaction
//! that takes the database's write lock (SQLite `BEGIN IMMEDIATE`, PostgreSQL an advisory lock),
//! so two processes starting together migrate once. A database newer than this binary is
//! refused rather than touched.
//!
//! `run` can stop at an earlier version (`Store::open_at_version`): a restore of a backup made
//! at schema N writes its rows into a store at exactly N, then the remaining migrations run on
//! them as they would have on the server that made it, data rewrites included (0012's
//! subscriptions, 0019's received dates).

use crate::sql::{Conn, Dialect};
use crate::{Error, Result};

const SQLITE: &[&str] = &[
    include_str!("../migrations/sqlite/0001_init.sql"),
    include_str!("../migrations/sqlite/0002_queue.sql"),
    include_str!("../migrations/sqlite/0003_dkim.sql"),
    include_str!("../migrations/sqlite/0004_inline_blobs.sql"),
    include_str!("../migrations/sqlite/0005_groupware.sql"),
    include_str!("../migrations/sqlite/0006_grants.sql"),
    include_str!("../migrations/sqlite/0007_acl_rights.sql"),
    include_str!("../migrations/sqlite/0008_calendar_pending.sql"),
    include_str!("../migrations/sqlite/0009_threads.sql"),
    include_str!("../migrations/sqlite/0010_vacation.sql"),
    include_str!("../migrations/sqlite/0011_calendar_pending_auth.sql"),
    include_str!("../migrations/sqlite/0012_subscriptions.sql"),
    include_str!("../migrations/sqlite/0013_migration_progress.sql"),
    include_str!("../migrations/sqlite/0014_search_index.sql"),
    include_str!("../migrations/sqlite/0015_recent.sql"),
    include_str!("../migrations/sqlite/0016_devices.sql"),
    include_str!("../migrations/sqlite/0017_migration_flags.sql"),
    include_str!("../migrations/sqlite/0018_device_policies.sql"),
    include_str!("../migrations/sqlite/0019_mailbox_received.sql"),
    include_str!("../migrations/sqlite/0020_migration_objects.sql"),
    include_str!("../migrations/sqlite/0021_account_usage.sql"),
    include_str!("../migrations/sqlite/0022_no_full_text.sql"),
    include_str!("../migrations/sqlite/0023_web_sessions.sql"),
    include_str!("../migrations/sqlite/0024_identities.sql"),
    include_str!("../migrations/sqlite/0025_api_tokens.sql"),
    include_str!("../migrations/sqlite/0026_submissions_and_share_notifications.sql"),
    include_str!("../migrations/sqlite/0027_push_subscriptions.sql"),
    include_str!("../migrations/sqlite/0028_calendar_event_notifications.sql"),
];
const POSTGRES: &[&str] = &[
    include_str!("../migrations/postgres/0001_init.sql"),
    include_str!("../migrations/postgres/0002_queue.sql"),
    include_str!("../migrations/postgres/0003_dkim.sql"),
    include_str!("../migrations/postgres/0004_inline_blobs.sql"),
    include_str!("../migrations/postgres/0005_groupware.sql"),
    include_str!("../migrations/postgres/0006_grants.sql"),
    include_str!("../migrations/postgres/0007_acl_rights.sql"),
    include_str!("../migrations/postgres/0008_calendar_pending.sql"),
    include_str!("../migrations/postgres/0009_threads.sql"),
    include_str!("../migrations/postgres/0010_vacation.sql"),
    include_str!("../migrations/postgres/0011_calendar_pending_auth.sql"),
    include_str!("../migrations/postgres/0012_subscriptions.sql"),
    include_str!("../migrations/postgres/0013_migration_progress.sql"),
    include_str!("../migrations/postgres/0014_search_index.sql"),
    include_str!("../migrations/postgres/0015_recent.sql"),
    include_str!("../migrations/postgres/0016_devices.sql"),
    include_str!("../migrations/postgres/0017_migration_flags.sql"),
    include_str!("../migrations/postgres/0018_device_policies.sql"),
    include_str!("../migrations/postgres/0019_mailbox_received.sql"),
    include_str!("../migrations/postgres/0020_migration_objects.sql"),
    include_str!("../migrations/postgres/0021_account_usage.sql"),
    include_str!("../migrations/postgres/0022_no_full_text.sql"),
    include_str!("../migrations/postgres/0023_web_sessions.sql"),
    include_str!("../migrations/postgres/0024_identities.sql"),
    include_str!("../migrations/postgres/0025_api_tokens.sql"),
    include_str!("../migrations/postgres/0026_submissions_and_share_notifications.sql"),
    include_str!("../migrations/postgres/0027_push_subscriptions.sql"),
    include_str!("../migrations/postgres/0028_calendar_event_notifications.sql"),
];

/// The schema version this binary writes.
pub const LATEST: i64 = 28;

/// Applies the migrations up to `upto` (at most `LATEST`); one already past it (but not past
/// `LATEST`) is left as it is. Returns the version the database is at afterwards.
pub fn run(conn: &mut dyn Conn, upto: i64) -> Result<i64> {
    let (steps, begin) = match conn.dialect() {
        Dialect::Sqlite => (SQLITE, "BEGIN IMMEDIATE"),
        Dialect::Postgres => (POSTGRES, "BEGIN; SELECT pg_advisory_xact_lock(7262736169)"),
    };
    debug_assert_eq!(steps.len() as i64, LATEST);
    if !(1..=LATEST).contains(&upto) {
        return Err(Error::Invalid(format!("schema version {upto}: this binary knows 1 to {LATEST}")));
    }
    conn.batch(begin)?;
    match apply(conn, &steps[..upto as usize]) {
        Ok(version) => conn.batch("COMMIT").map(|()| version),
        Err(e) => {
            let _ = conn.batch("ROLLBACK");
            Err(e)
        }
    }
}

fn apply(conn: &mut dyn Conn, steps: &[&str]) -> Result<i64> {
    conn.batch("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL, applied BIGINT NOT NULL)")?;
    let current = version(conn)?;
    if current > LATEST {
        return Err(Error::NewerSchema { found: current, supported: LATEST });
    }
    let mut at = current;
    for (i, sql) in steps.iter().enumerate().skip(usize::try_from(current).unwrap_or(0)) {
        let version = i as i64 + 1;
        tracing::info!(version, "store: applying schema migration");
        conn.batch(sql)?;
        conn.execute(
            "INSERT INTO schema_version (version, applied) VALUES ($1, $2)",
            crate::params![version, crate::now()],
        )?;
        at = version;
    }
    Ok(at)
}

/// The version a database is at (0: none applied).
pub(crate) fn version(conn: &mut dyn Conn) -> Result<i64> {
    conn.query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[])?.map_or(Ok(0), |r| r.int(0))
}
