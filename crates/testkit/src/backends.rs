//! A fresh store on each backend; every store-level test runs on both.

use relais_store::{Backend, Store, StoreConfig};

use crate::TempDir;

pub struct Fresh {
    pub store: Store,
    pub config: StoreConfig,
    /// Keeps the SQLite directory alive for the test's duration.
    pub dir: Option<TempDir>,
}

pub async fn sqlite() -> Fresh {
    let dir = TempDir::new("relais-store");
    let config = StoreConfig::new(Backend::Sqlite { dir: dir.path().to_owned() });
    Fresh { store: Store::open(config.clone()).await.expect("open sqlite store"), config, dir: Some(dir) }
}

pub async fn postgres() -> Fresh {
    let config = StoreConfig::new(Backend::Postgres { url: crate::fresh_pg_database() });
    Fresh { store: Store::open(config.clone()).await.expect("open postgres store"), config, dir: None }
}

/// Defines `mod $name { sqlite, postgres }`, each running `async fn $body(Fresh)`.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$body($crate::backends::sqlite().await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                super::$body($crate::backends::postgres().await).await;
            }
        }
    };
}

/// Runs `sql` on the store's database behind its back, on a thread of its own (the synchronous
/// clients must not run on an async executor's thread): for tests that make a data directory as
/// an older schema had it. The store should be closed meanwhile.
pub fn raw_batch(config: &StoreConfig, sql: &str) {
    let (backend, sql) = (config.backend.clone(), sql.to_owned());
    let run = move || match backend {
        Backend::Sqlite { dir } => {
            rusqlite::Connection::open(dir.join("relais.db")).expect("open").execute_batch(&sql).expect("sql")
        }
        Backend::Postgres { url } => {
            postgres::Client::connect(&url, postgres::NoTls).expect("connect").batch_execute(&sql).expect("sql")
        }
    };
    std::thread::spawn(run).join().expect("raw SQL");
}

/// Undoes migrations 0012 to 0028 on a store of schema 28 (what `raw_batch` runs to make a
/// data directory as schema 11 had it): their tables, columns and indexes dropped, their
/// versions forgotten. A new migration adds its undoing here.
pub const DOWNGRADE_TO_11: &str = "DELETE FROM schema_version WHERE version >= 12; \
    DROP TABLE mailbox_subscriptions; DROP TABLE migration_progress; DROP TABLE migration_messages; DROP TABLE migration_objects; \
    DROP TABLE message_search; DROP TABLE message_text; DROP TABLE message_headers; \
    ALTER TABLE collections DROP COLUMN recent_uid; DROP TABLE devices; DROP TABLE device_sync; \
    DROP TABLE device_policies; DROP INDEX mailbox_messages_received; \
    ALTER TABLE mailbox_messages DROP COLUMN received_at; ALTER TABLE accounts DROP COLUMN used_octets; \
    DROP TABLE web_sessions; DROP TABLE identities; DROP TABLE api_tokens; DROP TABLE email_submissions; DROP TABLE share_notifications; DROP TABLE push_subscriptions; DROP TABLE leases; \
    DROP TABLE calendar_event_notifications;";
