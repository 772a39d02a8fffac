//! The ActiveSync transport model of [MS-ASHTTP]: what a request's URI says before its body is
//! read. Pure: no I/O, no tokio, no store; the `eas` server crate calls it on each POST.
//!
//! - [`Command`]: the commands, by name (plain query) and by code (base64 query, §2.2.1.1.1.1.2).
//! - [`ProtocolVersion`]: 2.5 … 16.1, from the `MS-ASProtocolVersion` header or the base64
//!   query's version byte.
//! - [`Query`]: the request's query value, plain text (§2.2.1.1.1.2: `Cmd=Sync&User=…&DeviceId=…&
//!   DeviceType=…`) or base64-encoded (§2.2.1.1.1.1: version, command code, locale, device id,
//!   policy key, device type, command parameters), parsed by [`Query::parse`] into one typed
//!   value whichever form the client used.
//!
//! # Invariants
//! - Parsing is one pass over at most [`MAX_QUERY`] bytes; every length is checked against what
//!   is left; any malformed query is a typed [`QueryError`] (the server answers 400), never a
//!   panic (a cargo-fuzz target checks that, and that the base64 form round-trips).
//! - A parsed device id is 1–32 ASCII letters and digits whichever form carried it (binary ids of
//!   the base64 form are written in hex), so it can key the device's state directly.
//!
//! [MS-ASHTTP]: https://learn.microsoft.com/openspecs/exchange_server_protocols/ms-ashttp

mod command;
mod query;
mod version;

pub use command::Command;
pub use query::{MAX_QUERY, Query, QueryError, QueryParams};
pub use version::ProtocolVersion;
