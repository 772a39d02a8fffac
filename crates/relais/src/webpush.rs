//! Message encryption for Web Push (RFC 8291) in the aes128gcm content coding (RFC 8188): a
//! JMAP push subscription with `keys` gets its StateChanges encrypted to the user agent's
//! P-256 key, so the push service in between reads nothing. Each message has a fresh
//! ephemeral key pair and salt (ring's), and is one record:
//!
//! ```text
//! salt (16) | rs (4, 4096) | idlen (1, 65) | keyid: our ephemeral public key (65)
//! AES-128-GCM(CEK, NONCE, plaintext | 0x02) with its 16-octet tag
//! ```

use ring::aead::{AES_128_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::agreement::{ECDH_P256, EphemeralPrivateKey, UnparsedPublicKey, agree_ephemeral};
use ring::hkdf::{HKDF_SHA256, KeyType, Salt};
use ring::rand::{SecureRandom, SystemRandom};

/// The record size written (RFC 8188 §2.1; RFC 8291 §4 uses 4096): one record holds the
/// whole message, so a message is at most this less the delimiter and the tag.
const RECORD_SIZE: u32 = 4096;
pub const MAX_PLAINTEXT: usize = RECORD_SIZE as usize - 17;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EncryptError {
    #[error("the message is larger than one record ({0} octets)")]
    TooLarge(usize),
    #[error("the subscription's public key is not a P-256 point")]
    BadKey,
    #[error("no randomness")]
    Random,
}

/// `plaintext` encrypted to the user agent's public key `ua_public` (65 octets) and its
/// authentication secret `auth` (16 octets), with a fresh key pair and salt.
pub fn encrypt(ua_public: &[u8], auth: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, EncryptError> {
    if plaintext.len() > MAX_PLAINTEXT {
        return Err(EncryptError::TooLarge(plaintext.len()));
    }
    let rng = SystemRandom::new();
    let mut salt = [0u8; 16];
    rng.fill(&mut salt).map_err(|_| EncryptError::Random)?;
    let private = EphemeralPrivateKey::generate(&ECDH_P256, &rng).map_err(|_| EncryptError::Random)?;
    let public = private.compute_public_key().map_err(|_| EncryptError::Random)?;
    let as_public = public.as_ref().to_vec();
    let peer = UnparsedPublicKey::new(&ECDH_P256, ua_public);
    agree_ephemeral(private, &peer, |ecdh_secret| seal(ecdh_secret, auth, ua_public, &as_public, &salt, plaintext))
        .map_err(|_| EncryptError::BadKey)?
}

/// The message from the ECDH secret on (RFC 8291 §3.3–3.4, RFC 8188 §2): the part that is
/// checked against the RFC's example.
fn seal(
    ecdh_secret: &[u8],
    auth: &[u8],
    ua_public: &[u8],
    as_public: &[u8],
    salt: &[u8; 16],
    plaintext: &[u8],
) -> Result<Vec<u8>, EncryptError> {
    // RFC 8291 §3.3: IKM from the ECDH secret, keyed by the authentication secret.
    let mut key_info = b"WebPush: info\0".to_vec();
    key_info.extend_from_slice(ua_public);
    key_info.extend_from_slice(as_public);
    let ikm: [u8; 32] = expand(&Salt::new(HKDF_SHA256, auth).extract(ecdh_secret), &key_info)?;
    // RFC 8188 §2.2–2.3: the content encryption key and the nonce from the salt.
    let prk = Salt::new(HKDF_SHA256, salt).extract(&ikm);
    let cek: [u8; 16] = expand(&prk, b"Content-Encoding: aes128gcm\0")?;
    let nonce: [u8; 12] = expand(&prk, b"Content-Encoding: nonce\0")?;
    let key = LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &cek).map_err(|_| EncryptError::Random)?);
    // The last (and only) record: its delimiter is 0x02, no padding.
    let mut record = Vec::with_capacity(plaintext.len() + 17);
    record.extend_from_slice(plaintext);
    record.push(2);
    key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut record)
        .map_err(|_| EncryptError::TooLarge(plaintext.len()))?;
    let mut out = Vec::with_capacity(16 + 4 + 1 + as_public.len() + record.len());
    out.extend_from_slice(salt);
    out.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    out.push(u8::try_from(as_public.len()).map_err(|_| EncryptError::BadKey)?);
    out.extend_from_slice(as_public);
    out.extend_from_slice(&record);
    Ok(out)
}

/// HKDF-Expand to N octets.
fn expand<const N: usize>(prk: &ring::hkdf::Prk, info: &[u8]) -> Result<[u8; N], EncryptError> {
    struct Len(usize);
    impl KeyType for Len {
        fn len(&self) -> usize {
            self.0
        }
    }
    let mut out = [0u8; N];
    let info = [info];
    prk.expand(&info, Len(N)).and_then(|okm| okm.fill(&mut out)).map_err(|_| EncryptError::Random)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    fn b64(s: &str) -> Vec<u8> {
        URL_SAFE_NO_PAD.decode(s).unwrap()
    }

    /// RFC 8291 Appendix A: from the example's ECDH secret to the body sent.
    #[test]
    fn the_rfc_example() {
        let salt: [u8; 16] = b64("DGv6ra1nlYgDCS1FRnbzlw").try_into().unwrap();
        let body = seal(
            &b64("kyrL1jIIOHEzg3sM2ZWRHDRB62YACZhhSlknJ672kSs"),
            &b64("BTBZMqHH6r4Tts7J_aSIgg"),
            &b64("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"),
            &b64("BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"),
            &salt,
            b"When I grow up, I want to be a watermelon",
        )
        .unwrap();
        assert_eq!(
            URL_SAFE_NO_PAD.encode(body),
            "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
        );
    }

    /// A message encrypted to a key pair made here is decrypted with that pair's half of the
    /// agreement; two messages never share a salt or a key.
    #[test]
    fn round_trip() {
        let rng = SystemRandom::new();
        let ua = EphemeralPrivateKey::generate(&ECDH_P256, &rng).unwrap();
        let ua_public = ua.compute_public_key().unwrap().as_ref().to_vec();
        let auth = [7u8; 16];
        let text = br#"{"@type":"StateChange","changed":{"a1":{"Email":"9"}}}"#;
        let body = encrypt(&ua_public, &auth, text).unwrap();
        let other = encrypt(&ua_public, &auth, text).unwrap();
        assert_ne!(body[..16], other[..16]);
        assert_eq!((u32::from_be_bytes(body[16..20].try_into().unwrap()), body[20]), (4096, 65));
        let as_public = &body[21..86];
        let peer = UnparsedPublicKey::new(&ECDH_P256, as_public);
        let salt: [u8; 16] = body[..16].try_into().unwrap();
        let again =
            agree_ephemeral(ua, &peer, |secret| seal(secret, &auth, &ua_public, as_public, &salt, text)).unwrap();
        // Same secret, salt and keys: the same octets (AES-GCM is deterministic given them).
        assert_eq!(again.unwrap(), body);
        assert_eq!(body.len(), 86 + text.len() + 1 + 16);
    }

    #[test]
    fn refusals() {
        let rng = SystemRandom::new();
        let ua = EphemeralPrivateKey::generate(&ECDH_P256, &rng).unwrap();
        let ua_public = ua.compute_public_key().unwrap().as_ref().to_vec();
        let big = vec![b'x'; MAX_PLAINTEXT + 1];
        assert_eq!(encrypt(&ua_public, &[0; 16], &big), Err(EncryptError::TooLarge(MAX_PLAINTEXT + 1)));
        assert_eq!(encrypt(&[4; 65], &[0; 16], b"x"), Err(EncryptError::BadKey));
        assert!(encrypt(&ua_public, &[0; 16], &vec![b'x'; MAX_PLAINTEXT]).is_ok());
    }
}
