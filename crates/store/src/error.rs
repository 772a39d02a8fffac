use thiserror::Error;

/// Everything the store can answer besides success. Front-ends map these to their protocol's
/// status (`NotFound` to IMAP NO [NONEXISTENT], DAV 404, …); the text is safe to show a client.
#[derive(Debug, Error)]
pub enum Error {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database error: {}", pg_detail(.0))]
    Postgres(#[from] postgres::Error),
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    #[error(
        "the data was written by a newer Relais (schema version {found}; this binary knows up to \
         {supported}); refusing to start: run the newer binary or restore a backup"
    )]
    NewerSchema { found: i64, supported: i64 },
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0} already exists")]
    AlreadyExists(String),
    #[error("{0}")]
    Invalid(String),
    /// A per-account limit would be passed (collections per account, nesting depth): the
    /// write is refused whole. IMAP answers NO [LIMIT] (RFC 5530 §3).
    #[error("{0}")]
    Limit(String),
    /// No database connection could be had in time: the pool is starved (`/readyz`).
    #[error("the store is busy: no connection within {0:?}")]
    Busy(std::time::Duration),
    #[error("changes since modseq {since} are no longer kept (oldest is {oldest}); resynchronise")]
    ChangesTooOld { since: u64, oldest: u64 },
    #[error("corrupt data: {0}")]
    Corrupt(String),
    #[error("the write was not committed: {0}")]
    NotCommitted(String),
    #[error("the store is closed")]
    Closed,
    /// A write would take an account past its quota (the domain checks inside the write).
    #[error("the mailbox is over its quota")]
    OverQuota,
}

impl Error {
    /// True when a UNIQUE or PRIMARY KEY constraint refused the statement.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            Error::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => {
                e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            }
            Error::Postgres(e) => e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION),
            _ => false,
        }
    }
}

/// The server's own message for a PostgreSQL error ("db error" alone says nothing).
fn pg_detail(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    }
}
