//! Argon2id hashing (RFC 9106; the argon2 crate's defaults: m = 19 MiB, t = 2, p = 1), always on
//! a blocking thread: one verification costs tens of milliseconds of CPU.
//!
//! App passwords are generated (`abcde-fghjk-mnpqr-stuvw`, about 99 bits) and their first group
//! is a **selector**: it is stored, in the clear, as the Argon2 associated data of the app
//! password's hash (the PHC string's `data=` parameter, bound into the hash). A login finds the
//! one hash whose selector the presented password names and verifies that one alone, so a login
//! costs one verification however many app passwords the account has. The other 15 characters
//! (about 74 bits) are the secret. App passwords made before selectors existed have no `data=`;
//! they are tried one by one until each has been used once, and then re-hashed with its selector.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, AssociatedData, Params, ParamsBuilder};
use rand::Rng;

use crate::DirectoryError;

/// Passwords longer than this are refused before hashing (a cheap denial-of-service guard).
pub const MAX_LEN: usize = 1024;

const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
const GROUPS: usize = 4;
const GROUP_LEN: usize = 5;

pub async fn hash(password: &str) -> Result<String, DirectoryError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_blocking(&password, None))
        .await
        .map_err(|e| DirectoryError::Invalid(format!("hashing task failed: {e}")))?
}

/// The hash of a generated app password, carrying its selector.
pub async fn hash_app(password: &str) -> Result<String, DirectoryError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let selector = selector(&password).ok_or_else(|| DirectoryError::Invalid("not an app password".into()))?;
        hash_blocking(&password, Some(selector))
    })
    .await
    .map_err(|e| DirectoryError::Invalid(format!("hashing task failed: {e}")))?
}

/// The PHC string of a new Argon2id hash (with `selector` as its associated data); call it
/// only off the async executor.
pub fn hash_blocking(password: &str, selector: Option<&str>) -> Result<String, DirectoryError> {
    let invalid = |e: argon2::Error| DirectoryError::Invalid(format!("cannot hash password: {e}"));
    if password.is_empty() || password.len() > MAX_LEN {
        return Err(DirectoryError::Invalid(format!("a password must have 1 to {MAX_LEN} bytes")));
    }
    let mut params = ParamsBuilder::new(); // `Params::default()`, with room for the selector
    if let Some(s) = selector {
        params.data(AssociatedData::new(s.as_bytes()).map_err(invalid)?);
    }
    let argon2 = Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params.build().map_err(invalid)?);
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    argon2
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| DirectoryError::Invalid(format!("cannot hash password: {e}")))
}

/// Accepts `phc` as a stored password hash only if it is an Argon2id PHC string whose
/// parameters argon2 accepts (a hash of another scheme, or a malformed one, would make every
/// login of the account fail, or verify with a weaker scheme).
pub fn check_phc(phc: &str) -> Result<(), DirectoryError> {
    let invalid = |why: String| DirectoryError::Invalid(format!("not an Argon2id password hash: {why}"));
    if phc.len() > MAX_LEN {
        return Err(invalid("too long".into()));
    }
    let hash = PasswordHash::new(phc).map_err(|e| invalid(e.to_string()))?;
    if hash.algorithm.as_str() != "argon2id" {
        return Err(invalid(format!("scheme {}", hash.algorithm)));
    }
    Params::try_from(&hash).map_err(|e| invalid(e.to_string()))?;
    if hash.hash.is_none() || hash.salt.is_none() {
        return Err(invalid("no salt or hash".into()));
    }
    Ok(())
}

/// The selector a stored hash carries (`None`: a password, or an app password from before
/// selectors).
pub fn selector_of(phc: &str) -> Option<String> {
    let hash = PasswordHash::new(phc).ok()?;
    let data = Params::try_from(&hash).ok()?.data().to_vec();
    (!data.is_empty()).then(|| String::from_utf8_lossy(&data).into_owned())
}

/// The selector of a password shaped like a generated app password, else `None`.
pub fn selector(password: &str) -> Option<&str> {
    let bytes = password.as_bytes();
    let shaped = bytes.len() == GROUPS * (GROUP_LEN + 1) - 1
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| if i % (GROUP_LEN + 1) == GROUP_LEN { *b == b'-' } else { ALPHABET.contains(b) });
    // ASCII throughout, so the slice falls on a character boundary.
    shaped.then(|| password.get(..GROUP_LEN)).flatten()
}

/// The index of the first of `hashes` that `password` matches, on a blocking thread. Each
/// hash computed is counted in `counter`.
pub async fn verify(password: &str, hashes: Vec<String>, counter: Arc<AtomicU64>) -> Option<usize> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        hashes.iter().position(|h| {
            PasswordHash::new(h).is_ok_and(|parsed| {
                counter.fetch_add(1, Ordering::Relaxed);
                Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()
            })
        })
    })
    .await
    .ok()
    .flatten()
}

/// A new app password: 20 characters from an unambiguous alphabet (about 99 bits), in four
/// groups, the first of which is its selector.
pub fn generate() -> String {
    let mut rng = rand::thread_rng();
    let groups: Vec<String> = (0..GROUPS)
        .map(|_| (0..GROUP_LEN).map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())])).collect())
        .collect();
    groups.join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors() {
        let app = generate();
        assert_eq!(selector(&app), app.get(..5));
        for not_app in [
            "",
            "password",
            "abcde-fghjk-mnpqr-stuv",
            "abcde-fghjk-mnpqr-stuvwx",
            "ABCDE-fghjk-mnpqr-stuvw",
            "abcde_fghjk-mnpqr-stuvw",
            "abcd\u{e9}-fghjk-mnpqr-stuv",
            "abcde-fghjk-mnpqr-stuv1",
        ] {
            assert_eq!(selector(not_app), None, "{not_app:?}");
        }
        let with = hash_blocking(&app, selector(&app)).unwrap();
        assert!(with.contains(",data="), "{with}");
        assert_eq!(selector_of(&with).as_deref(), selector(&app));
        assert_eq!(selector_of(&hash_blocking(&app, None).unwrap()), None);
        // The associated data is bound into the hash: it verifies with it, as stored.
        let parsed = PasswordHash::new(&with).unwrap();
        assert!(Argon2::default().verify_password(app.as_bytes(), &parsed).is_ok());
        assert!(Argon2::default().verify_password(b"other", &parsed).is_err());
    }

    #[test]
    fn imported_hashes() {
        let ours = hash_blocking("secret", None).unwrap();
        assert!(check_phc(&ours).is_ok());
        for bad in [
            "",
            "secret",
            "{SHA512-CRYPT}$6$abc$def",
            "$argon2i$v=19$m=16,t=2,p=1$c2FsdHNhbHQ$K7hBf8WdWdZk0l3t0SdUaA",
            "$bcrypt$2b$10$abcdefghijklmnopqrstuv",
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ",
            "$argon2id$v=19$m=1,t=2,p=1$c2FsdHNhbHQ$K7hBf8WdWdZk0l3t0SdUaA",
        ] {
            assert!(check_phc(bad).is_err(), "{bad:?}");
        }
    }
}
