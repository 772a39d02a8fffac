//! Argon2id hashing (RFC 9106; the argon2 crate's defaults: m = 19 MiB, t = 2, p = 1), always on
//! a blocking thread: one verification costs tens of milliseconds of CPU.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::Rng;

use crate::DirectoryError;

/// Passwords longer than this are refused before hashing (a cheap denial-of-service guard).
pub const MAX_LEN: usize = 1024;

pub async fn hash(password: &str) -> Result<String, DirectoryError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| DirectoryError::Invalid(format!("hashing task failed: {e}")))?
}

/// The PHC string of a new Argon2id hash; call it only off the async executor.
pub fn hash_blocking(password: &str) -> Result<String, DirectoryError> {
    if password.is_empty() || password.len() > MAX_LEN {
        return Err(DirectoryError::Invalid(format!("a password must have 1 to {MAX_LEN} bytes")));
    }
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| DirectoryError::Invalid(format!("cannot hash password: {e}")))
}

/// True if `password` matches one of the PHC strings; runs on a blocking thread.
pub async fn verify_any(password: &str, hashes: Vec<String>) -> bool {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        hashes.iter().any(|h| {
            PasswordHash::new(h)
                .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        })
    })
    .await
    .unwrap_or(false)
}

/// A new app password: 20 characters from an unambiguous alphabet (about 100 bits).
pub fn generate() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    let chars: Vec<u8> = (0..20).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())]).collect();
    let s = String::from_utf8_lossy(&chars).into_owned();
    format!("{}-{}-{}-{}", &s[0..5], &s[5..10], &s[10..15], &s[15..20])
}
