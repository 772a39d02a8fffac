//! Credentials as every protocol receives them, decoded once: SASL PLAIN (RFC 4616) for IMAP
//! AUTHENTICATE, POP3 AUTH and SMTP AUTH; SASL LOGIN's two fields (draft-murchison-sasl-login);
//! HTTP Basic (RFC 7617) for DAV and the other HTTP front-ends; the BASE64 they travel in
//! (RFC 4648 §4); and the one rule on when a password may be sent at all
//! ([`plaintext_allowed`]). Pure: no I/O, no directory. A protocol decodes here, then hands the
//! name and password to `Directory::authenticate`.

use std::net::IpAddr;

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Why a client's credentials could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    /// Not BASE64 (a character outside the alphabet, a misplaced `=`, an impossible length).
    Base64,
    /// Not the message's shape (PLAIN: two NULs, a non-empty authcid and password).
    Shape,
    /// A field that is not UTF-8 (RFC 4616 §2: every field is UTF-8).
    Utf8,
}

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Malformed::Base64 => "invalid BASE64",
            Malformed::Shape => "malformed credentials",
            Malformed::Utf8 => "credentials must be UTF-8",
        })
    }
}

impl std::error::Error for Malformed {}

/// RFC 4648 §4 with the padding optional (RFC 4959 and IMAP clients omit it; a misplaced `=`
/// is still refused) and the unused bits of the last character required to be zero (§3.5).
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Decodes BASE64 (no white space: a protocol strips its line end first).
pub fn decode_base64(text: &[u8]) -> Result<Vec<u8>, Malformed> {
    // Padding, when there is any, is complete (`Zm8=`, never `Zm8==` or `AAA=`-less halves).
    if text.contains(&b'=') && !text.len().is_multiple_of(4) {
        return Err(Malformed::Base64);
    }
    BASE64.decode(text).map_err(|_| Malformed::Base64)
}

/// Padded BASE64, as a server's challenges are sent.
pub fn encode_base64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// The message of SASL PLAIN (RFC 4616 §2): `[authzid] NUL authcid NUL passwd`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plain {
    /// Who to act as; `None` when empty (act as `authcid`).
    pub authzid: Option<String>,
    pub authcid: String,
    pub password: String,
}

impl Plain {
    /// Reads the decoded message: exactly two NULs, a non-empty authcid and password (RFC 4616
    /// §2: `1*SAFE`), each field UTF-8.
    pub fn parse(message: &[u8]) -> Result<Plain, Malformed> {
        let mut fields = message.split(|&b| b == 0);
        let (Some(authzid), Some(authcid), Some(password), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(Malformed::Shape);
        };
        if authcid.is_empty() || password.is_empty() {
            return Err(Malformed::Shape);
        }
        Ok(Plain {
            authzid: if authzid.is_empty() { None } else { Some(utf8(authzid)?) },
            authcid: utf8(authcid)?,
            password: utf8(password)?,
        })
    }

    /// Reads the message from its BASE64 form.
    pub fn decode(base64: &[u8]) -> Result<Plain, Malformed> {
        Plain::parse(&decode_base64(base64)?)
    }

    /// True if the client asks to act as someone other than who it authenticates as (RFC 4616
    /// §2). Relais refuses that: acting for another goes through delegation, not login.
    pub fn acts_for_another(&self) -> bool {
        self.authzid.as_ref().is_some_and(|z| !z.eq_ignore_ascii_case(&self.authcid))
    }
}

/// One field of SASL LOGIN (the user name, then the password): BASE64 of UTF-8 text.
pub fn login_field(base64: &[u8]) -> Result<String, Malformed> {
    utf8(&decode_base64(base64)?)
}

/// The user name and password of an `Authorization: Basic …` value (RFC 7617 §2): the scheme
/// in any case, BASE64 of `user-id ":" password`, split at the first colon (a user-id has
/// none). `None` for another scheme or a malformed value.
pub fn basic(authorization: &str) -> Option<(String, String)> {
    let (scheme, token) = authorization.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("Basic") {
        return None;
    }
    let text = utf8(&decode_base64(token.trim().as_bytes()).ok()?).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// The token of an `Authorization: Bearer …` value (RFC 6750 §2.1): the scheme in any case,
/// then one `b64token` (letters, digits, `-._~+/`, trailing `=`). `None` for another scheme or
/// a malformed value.
pub fn bearer(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("Bearer") {
        return None;
    }
    let token = token.trim();
    let body = token.trim_end_matches('=');
    let ok = !body.is_empty() && body.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b));
    ok.then_some(token)
}

/// Whether a password may be received on this connection: over TLS, or in plain text from a
/// loopback address when the configuration allows it (tests and local tools). DESIGN.md: every
/// protocol asks this one function.
pub fn plaintext_allowed(tls: bool, plaintext_on_loopback: bool, peer: IpAddr) -> bool {
    tls || (plaintext_on_loopback && peer_is_loopback(peer))
}

/// 127.0.0.0/8, ::1, and ::ffff:127.0.0.0/104 (a dual-stack listener's IPv4 loopback).
fn peer_is_loopback(peer: IpAddr) -> bool {
    match peer {
        IpAddr::V6(v6) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
        IpAddr::V4(v4) => v4.is_loopback(),
    }
}

fn utf8(bytes: &[u8]) -> Result<String, Malformed> {
    String::from_utf8(bytes.to_vec()).map_err(|_| Malformed::Utf8)
}

#[cfg(test)]
mod tests;
