//! Connections for reads (both backends) and writes (PostgreSQL), handed to blocking threads.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::pg::PgConn;
use crate::sql::Conn;
use crate::sqlite::SqliteConn;
use crate::{Error, Result};

// A pool holds a few of these, each a whole connection: boxing the larger saves nothing.
#[allow(clippy::large_enum_variant)]
pub(crate) enum PooledConn {
    Sqlite(SqliteConn),
    Postgres(PgConn),
}

impl PooledConn {
    fn conn(&mut self) -> &mut dyn Conn {
        match self {
            PooledConn::Sqlite(c) => c,
            PooledConn::Postgres(c) => c,
        }
    }

    /// A connection left inside a transaction or disconnected is not reused.
    fn reusable(&mut self) -> bool {
        match self {
            PooledConn::Sqlite(c) => c.in_autocommit(),
            PooledConn::Postgres(c) => !c.client().is_closed(),
        }
    }
}

#[derive(Clone)]
enum Opener {
    /// The database file, each connection's memory and how it journals.
    Sqlite(PathBuf, crate::sqlite::Memory, crate::sqlite::Journal),
    Postgres(String),
}

impl Opener {
    fn open(&self) -> Result<PooledConn> {
        Ok(match self {
            Opener::Sqlite(path, memory, journal) => PooledConn::Sqlite(SqliteConn::open(path, true, *memory, *journal)?),
            Opener::Postgres(url) => PooledConn::Postgres(PgConn::connect(url)?),
        })
    }
}

pub(crate) struct Pool {
    opener: Opener,
    idle: Mutex<Vec<PooledConn>>,
    permits: Arc<Semaphore>,
}

impl Pool {
    pub fn sqlite(path: PathBuf, max: usize, memory: crate::sqlite::Memory, journal: crate::sqlite::Journal) -> Pool {
        Pool::new(Opener::Sqlite(path, memory, journal), max)
    }

    pub fn postgres(url: String, max: usize) -> Pool {
        Pool::new(Opener::Postgres(url), max)
    }

    fn new(opener: Opener, max: usize) -> Pool {
        Pool { opener, idle: Mutex::new(Vec::new()), permits: Arc::new(Semaphore::new(max.max(1))) }
    }

    pub fn give_back(&self, conn: PooledConn) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(conn);
        }
    }

    fn take(&self) -> Option<PooledConn> {
        self.idle.lock().ok()?.pop()
    }

    /// Runs `f` with a connection on a blocking thread; at most `max` run at once.
    pub async fn run<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Conn) -> Result<T> + Send + 'static,
    {
        let permit = self.permits.clone().acquire_owned().await.map_err(|_| Error::Closed)?;
        self.run_with(permit, f).await
    }

    /// Like `run`, but gives up with `Error::Busy` when no connection is free within `within`.
    pub async fn run_within<T, F>(&self, within: std::time::Duration, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Conn) -> Result<T> + Send + 'static,
    {
        let permit = match tokio::time::timeout(within, self.permits.clone().acquire_owned()).await {
            Ok(p) => p.map_err(|_| Error::Closed)?,
            Err(_) => return Err(Error::Busy(within)),
        };
        self.run_with(permit, f).await
    }

    async fn run_with<T, F>(&self, _permit: OwnedSemaphorePermit, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Conn) -> Result<T> + Send + 'static,
    {
        let idle = self.take();
        let opener = self.opener.clone();
        let (result, conn) = tokio::task::spawn_blocking(move || {
            let mut conn = match idle {
                Some(c) => c,
                None => match opener.open() {
                    Ok(c) => c,
                    Err(e) => return (Err(e), None),
                },
            };
            let result = f(conn.conn());
            let keep = conn.reusable();
            (result, keep.then_some(conn))
        })
        .await
        .map_err(|e| Error::NotCommitted(format!("database task failed: {e}")))?;
        if let Some(conn) = conn {
            self.give_back(conn);
        }
        result
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Closing a PostgreSQL client blocks; never do it on an async executor's thread.
        let idle = self.idle.get_mut().map(std::mem::take).unwrap_or_default();
        if !idle.is_empty() {
            std::thread::spawn(move || drop(idle));
        }
    }
}
