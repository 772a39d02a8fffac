//! AUTHENTICATE with SASL-IR, its continuation lines, and LOGIN.
//!
//! ```text
//! authenticate = "AUTHENTICATE" SP auth-type [SP initial-resp] *(CRLF base64)   RFC 9051 §6.2.2
//! initial-resp = (base64 / "=")                                                 RFC 4959 §7
//! login = "LOGIN" SP userid SP password                                         RFC 9051 §6.2.3
//! ```
//! A client response line is BASE64, or `*` to cancel (answered BAD). The server's challenges
//! are [`Continuation::Base64`](crate::Continuation::Base64). PLAIN's message is decoded by
//! [`SaslPlain::parse`] (RFC 4616 §2).

use crate::base64;
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
    base64::decode(raw).ok_or(ErrorKind::syntax("invalid BASE64 in the SASL response"))
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

/// The message of SASL PLAIN: `[authzid] NUL authcid NUL passwd` (RFC 4616 §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaslPlain {
    /// Who to act as; `None` when empty (act as `authcid`).
    pub authzid: Option<String>,
    pub authcid: String,
    pub password: String,
}

impl SaslPlain {
    /// Decodes PLAIN's message; `None` unless it has exactly two NULs, a non-empty authcid and
    /// password, and is UTF-8.
    pub fn parse(message: &[u8]) -> Option<SaslPlain> {
        let mut fields = message.split(|&b| b == 0);
        let (authzid, authcid, password) = (fields.next()?, fields.next()?, fields.next()?);
        if fields.next().is_some() || authcid.is_empty() || password.is_empty() {
            return None;
        }
        let text = |b: &[u8]| String::from_utf8(b.to_vec()).ok();
        Some(SaslPlain {
            authzid: if authzid.is_empty() { None } else { Some(text(authzid)?) },
            authcid: text(authcid)?,
            password: text(password)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain() {
        let p = SaslPlain::parse(b"\0fred\0secret").unwrap();
        assert_eq!((p.authzid, p.authcid.as_str(), p.password.as_str()), (None, "fred", "secret"));
        assert_eq!(SaslPlain::parse(b"admin\0fred\0pw").unwrap().authzid.as_deref(), Some("admin"));
        for bad in [&b"fred\0secret"[..], b"\0\0pw", b"\0fred\0", b"\0a\0b\0c", b"\0\xff\0pw"] {
            assert_eq!(SaslPlain::parse(bad), None);
        }
    }

    #[test]
    fn responses() {
        assert_eq!(AuthResponse::parse(b"*"), Ok(AuthResponse::Cancel));
        assert_eq!(AuthResponse::parse(b""), Ok(AuthResponse::Data(vec![])));
        assert_eq!(AuthResponse::parse(b"Zm9v"), Ok(AuthResponse::Data(b"foo".to_vec())));
        assert!(AuthResponse::parse(b"Zm9v!").is_err());
    }
}
