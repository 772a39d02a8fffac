//! The commands without arguments, and COMPRESS.
//!
//! ```text
//! CAPABILITY, NOOP, LOGOUT                          RFC 9051 §6.1
//! STARTTLS                                          RFC 9051 §6.2.1
//! NAMESPACE                                         RFC 9051 §6.3.10 (RFC 2342)
//! IDLE, answered "+ idling", ended by "DONE"        RFC 2177 §3
//! CHECK (rev1), CLOSE, UNSELECT, EXPUNGE            RFC 9051 §6.4
//! compress = "COMPRESS" SP algorithm                RFC 4978 §3
//! algorithm = "DEFLATE"
//! ```
//! These parse in `command/mod.rs` (nothing follows their name); only COMPRESS has an argument.

use crate::command::CommandBody;
use crate::parser::{Parser, Result};

/// RFC 4978 §3: the algorithm is an atom; the session answers `NO` for one it lacks.
pub(crate) fn compress(p: &mut Parser<'_>) -> Result<CommandBody> {
    p.sp()?;
    Ok(CommandBody::Compress(p.keyword()?))
}
