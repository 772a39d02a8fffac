//! ENABLE (RFC 5161; RFC 9051 §6.3.1).
//!
//! ```text
//! enable = "ENABLE" 1*(SP capability)
//! enable-data = "ENABLED" *(SP capability)
//! ```
//! The session answers ENABLED with what it turned on, and after UTF8=ACCEPT or IMAP4rev2
//! switches its receiver and writer to [`Dialect::UTF8`](crate::Dialect::UTF8).

use crate::command::CommandBody;
use crate::parser::{Parser, Result};
use crate::response::Writer;

pub(crate) fn parse(p: &mut Parser<'_>) -> Result<CommandBody> {
    let mut capabilities = Vec::new();
    loop {
        p.sp()?;
        capabilities.push(p.keyword()?);
        if p.at_end() {
            return Ok(CommandBody::Enable(capabilities));
        }
    }
}

/// `* ENABLED cap …`.
pub(crate) fn encode(w: &mut Writer<'_>, capabilities: &[String]) {
    w.raw(b"ENABLED");
    for c in capabilities {
        w.sp();
        w.atom(c);
    }
}
