//! Arbitrary bytes as every protocol's credentials arrive: SASL PLAIN and LOGIN responses
//! (IMAP, POP3, SMTP) and HTTP Basic values. Run with
//! `cargo +nightly fuzz run credentials corpus/credentials` from crates/sasl/fuzz.
//!
//! Checks beyond "no panic": BASE64 that decodes is canonical (re-encoding gives the same text
//! up to its padding), and a PLAIN message that parses is exactly its three fields joined by NUL.

#![no_main]

use libfuzzer_sys::fuzz_target;
use relais_sasl::{Plain, basic, decode_base64, encode_base64, login_field};

fuzz_target!(|data: &[u8]| {
    if let Ok(bytes) = decode_base64(data) {
        let again = encode_base64(&bytes);
        let unpadded = data.strip_suffix(b"==").or_else(|| data.strip_suffix(b"=")).unwrap_or(data);
        assert_eq!(again.trim_end_matches('=').as_bytes(), unpadded);
        if let Ok(p) = Plain::decode(data) {
            assert_eq!(p, Plain::parse(&bytes).unwrap());
        }
    }
    if let Ok(p) = Plain::parse(data) {
        assert!(!p.authcid.is_empty() && !p.password.is_empty());
        let joined = format!("{}\0{}\0{}", p.authzid.as_deref().unwrap_or(""), p.authcid, p.password);
        assert_eq!(joined.as_bytes(), data);
    }
    let _ = login_field(data);
    if let Ok(text) = std::str::from_utf8(data)
        && let Some((user, _)) = basic(text)
    {
        assert!(!user.contains(':'));
    }
});
