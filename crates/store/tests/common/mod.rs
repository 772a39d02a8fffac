//! Opening a fresh store on each backend; every store test runs on both.

use relais_store::{Backend, Store, StoreConfig};
use relais_testkit::TempDir;

pub struct Fresh {
    pub store: Store,
    pub config: StoreConfig,
    // Keeps the SQLite directory alive for the test's duration.
    pub _dir: Option<TempDir>,
}

pub async fn sqlite() -> Fresh {
    let dir = TempDir::new("relais-store");
    let config = StoreConfig::new(Backend::Sqlite { dir: dir.path().to_owned() });
    Fresh { store: Store::open(config.clone()).await.expect("open sqlite store"), config, _dir: Some(dir) }
}

pub async fn postgres() -> Fresh {
    let config = StoreConfig::new(Backend::Postgres { url: relais_testkit::fresh_pg_database() });
    Fresh { store: Store::open(config.clone()).await.expect("open postgres store"), config, _dir: None }
}

/// Defines `mod $name { sqlite, postgres }` running `$body(Fresh)` on each backend.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$body(crate::common::sqlite().await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                super::$body(crate::common::postgres().await).await;
            }
        }
    };
}
