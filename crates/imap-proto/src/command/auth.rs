//! AUTHENTICATE with SASL-IR, its continuation lines, and LOGIN.
//!
//! ```text
//! authenticate = "AUTHENTICATE" SP auth-type [SP initial-resp] *(CRLF base64)   RFC 9051 §6.2.2
//! initial-resp = (base64 / "=")                                                 RFC 4959 §7
//! login = "LOGIN" SP userid SP password                                         RFC 9051 §6.2.3
//! ```
//! A client response line is BASE64, or `*` to cancel (answered BAD). The server's challenges
//! are [`Continuation::Base64`](crate::Continuation::Base64). BASE64 and PLAIN's message
//! (RFC 4616 §2, [`SaslPlain`](crate::SaslPlain)) are decoded by `relais-sasl`, as in every
//! other protocol.

use crate::command::CommandBody;
use crate::error::ErrorKind;
use crate::parser::{Parser, Result};

pub(crate) fn authenticate(p: &mut Parser<'_>) -> Result<CommandBody> {
    p.sp()?;
    let mechanism = p.keyword()?;
    let initial_response = if p.eat(b' ') {
        let raw = p.take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
        Some(decode_response(raw)?)
    } else {
        None
    };
    Ok(CommandBody::Authenticate { mechanism, initial_response })
}

pub(crate) fn login(p: &mut Parser<'_>) -> Result<CommandBody> {
    p.sp()?;
    let username = p.astring_text()?;
    p.sp()?;
    let password = p.astring_text()?;
    Ok(CommandBody::Login { username, password })
}

/// RFC 4959 §3: `=` is an empty response; otherwise BASE64.
fn decode_response(raw: &[u8]) -> Result<Vec<u8>> {
    if raw == b"=" {
        return Ok(Vec::new());
    }
    relais_sasl::decode_base64(raw).map_err(|_| ErrorKind::syntax("invalid BASE64 in the SASL response"))
}

/// A client line during AUTHENTICATE (RFC 9051 §6.2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthResponse {
    /// The decoded response; empty for an empty line.
    Data(Vec<u8>),
    /// `*`: the client gives up; the session answers the AUTHENTICATE tag with BAD.
    Cancel,
}

impl AuthResponse {
    pub fn parse(line: &[u8]) -> Result<AuthResponse> {
        match line {
            b"*" => Ok(AuthResponse::Cancel),
            b"" => Ok(AuthResponse::Data(Vec::new())),
            _ => decode_response(line).map(AuthResponse::Data),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses() {
        assert_eq!(AuthResponse::parse(b"*"), Ok(AuthResponse::Cancel));
        assert_eq!(AuthResponse::parse(b""), Ok(AuthResponse::Data(vec![])));
        assert_eq!(AuthResponse::parse(b"Zm9v"), Ok(AuthResponse::Data(b"foo".to_vec())));
        assert!(AuthResponse::parse(b"Zm9v!").is_err());
    }
}
