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
