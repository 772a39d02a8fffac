//! ID (RFC 2971): the client says who it is, the server answers in kind.
//!
//! ```text
//! id = "ID" SP id-params-list
//! id-params-list = "(" *(string SP nstring) ")" / nil        RFC 2971 §4
//! id-response = "ID" SP id-params-list
//! ```
//! RFC 2971 §3.3 caps fields at 30 octets, values at 1024 and pairs at 30; longer ones are
//! taken as sent and left for the session to trim or ignore.

use crate::command::CommandBody;
use crate::parser::{Parser, Result};
use crate::response::Writer;

/// Field/value pairs; `None` for `NIL`.
pub type IdParams = Option<Vec<(String, Option<String>)>>;

pub(crate) fn parse(p: &mut Parser<'_>) -> Result<CommandBody> {
    p.sp()?;
    if p.eat_keyword("NIL") {
        return Ok(CommandBody::Id(None));
    }
    let mut pairs = Vec::new();
    p.expect(b'(', "expected ( or NIL")?;
    while !p.eat(b')') {
        if !pairs.is_empty() {
            p.sp()?;
        }
        let field = p.string_text()?;
        p.sp()?;
        let value = match p.nstring()? {
            Some(raw) => Some(crate::parser::text(raw)?),
            None => None,
        };
        pairs.push((field, value));
    }
    Ok(CommandBody::Id(Some(pairs)))
}

/// `* ID (…)` or `* ID NIL`.
pub(crate) fn encode(w: &mut Writer<'_>, params: &IdParams) {
    w.raw(b"ID ");
    let Some(pairs) = params else {
        w.raw(b"NIL");
        return;
    };
    w.raw(b"(");
    for (i, (field, value)) in pairs.iter().enumerate() {
        if i > 0 {
            w.sp();
        }
        w.string(field.as_bytes());
        w.sp();
        w.nstring(value.as_deref().map(str::as_bytes));
    }
    w.raw(b")");
}
