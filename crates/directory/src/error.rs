use std::time::Duration;

use thiserror::Error;

/// Errors of directory administration; the text is fit to show an administrator.
#[derive(Debug, Error)]
pub enum DirectoryError {
    #[error("unknown domain {0}")]
    UnknownDomain(String),
    #[error("invalid address {0:?}: {1}")]
    InvalidAddress(String, &'static str),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] relais_store::Error),
}

/// Why a login failed. Protocols answer `Failed` and `Throttled` alike to the client (no hint
/// whether the account exists); the log gets the detail.
#[derive(Debug, Error)]
pub enum AuthError {
    #[error("authentication failed")]
    Failed,
    #[error("too many failed logins; try again in {} s", retry_after.as_secs().max(1))]
    Throttled { retry_after: Duration },
    #[error("authentication unavailable: {0}")]
    Unavailable(String),
}
