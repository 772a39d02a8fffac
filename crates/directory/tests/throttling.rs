//! Login throttling under parallel load, on both backends (issue 10, item 10): failures are
//! counted before the password is verified, one address's flood does not queue everyone else,
//! failures from one address do not lock the account for its owner, and a login costs one
//! Argon2 verification however many app passwords the account has.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use relais_directory::{AuthConfig, AuthError, Credentials, Directory, ThrottleConfig};
use relais_store::{PrincipalKind, Role};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;

/// The timing tests are run one at a time: two floods at once on two cores would measure each other.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn from(ip: &str, user: &str, password: &str) -> Credentials {
    Credentials { username: user.into(), password: password.into(), remote: Some(ip.parse::<IpAddr>().unwrap()) }
}

fn config(per_address: u32, per_account: u32) -> AuthConfig {
    AuthConfig {
        throttle: ThrottleConfig {
            max_failures_per_address: per_address,
            max_failures_per_account: per_account,
            window: Duration::from_secs(300),
            ..ThrottleConfig::default()
        },
        ..AuthConfig::default()
    }
}

/// A directory with example.com and `users`, each with password "right".
async fn directory(f: &Fresh, config: AuthConfig, users: &[&str]) -> Directory {
    let dir = Directory::new(f.store.clone(), config);
    dir.add_domain("example.com").await.unwrap();
    for user in users {
        dir.add_principal(PrincipalKind::User, user, "", Some("right"), Role::User).await.unwrap();
    }
    dir
}

/// Gives `user` an Argon2id hash of "right" that costs microseconds, so that a test can tell
/// queueing apart from the work of its own verification.
async fn cheap_password(f: &Fresh, dir: &Directory, user: &str) {
    let params = Params::new(8, 1, 1, None).unwrap();
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    let hash =
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params).hash_password(b"right", &salt).unwrap().to_string();
    let id = dir.principal(user).await.unwrap().unwrap().id;
    f.store.write(move |tx| tx.set_secret(id, Some(&hash))).await.unwrap();
}

async fn parallel_guesses(f: Fresh) {
    let _serial = SERIAL.lock().await;
    let dir = Arc::new(directory(&f, config(1000, 10), &["erin@example.com"]).await);
    cheap_password(&f, &dir, "erin@example.com").await;
    let before = dir.password_verifications();
    let guesses: Vec<_> = (0..400)
        .map(|i| {
            let dir = dir.clone();
            tokio::spawn(
                async move { dir.authenticate(&from("192.0.2.1", "erin@example.com", &format!("guess{i}"))).await },
            )
        })
        .collect();
    for g in guesses {
        assert!(matches!(g.await.unwrap(), Err(AuthError::Failed | AuthError::Throttled { .. })));
    }
    let verified = dir.password_verifications() - before;
    assert!(verified <= 10, "400 parallel guesses made {verified} verifications; the limit is 10");
}
on_both_backends!(parallel, parallel_guesses);

async fn flood_from_one_address(f: Fresh) {
    let _serial = SERIAL.lock().await;
    // Failure limits out of reach: only the bounds on concurrent verifications protect the others.
    let dir = Arc::new(directory(&f, config(1_000_000, 1_000_000), &["frank@example.com", "gina@example.com"]).await);
    cheap_password(&f, &dir, "gina@example.com").await;
    let flood: Vec<_> = (0..300)
        .map(|i| {
            let dir = dir.clone();
            tokio::spawn(
                async move { dir.authenticate(&from("192.0.2.66", "frank@example.com", &format!("g{i}"))).await },
            )
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    dir.authenticate(&from("198.51.100.9", "gina@example.com", "right")).await.unwrap();
    let took = started.elapsed();
    assert!(took < Duration::from_millis(100), "another user's login took {took:?} during the flood");
    for g in flood {
        g.abort();
    }
}
on_both_backends!(flood, flood_from_one_address);

async fn no_lockout_from_elsewhere(f: Fresh) {
    let _serial = SERIAL.lock().await;
    let dir = directory(&f, config(100, 10), &["hugo@example.com"]).await;
    cheap_password(&f, &dir, "hugo@example.com").await;
    for i in 0..10 {
        let r = dir.authenticate(&from("192.0.2.1", "hugo@example.com", &format!("guess{i}"))).await;
        assert!(matches!(r, Err(AuthError::Failed)), "{r:?}");
    }
    // The guessing address is locked out of this account, even with the right password.
    let r = dir.authenticate(&from("192.0.2.1", "hugo@example.com", "right")).await;
    assert!(matches!(r, Err(AuthError::Throttled { .. })), "{r:?}");
    // The owner, from an address that never failed, logs in, and is not slowed down.
    let started = Instant::now();
    dir.authenticate(&from("198.51.100.2", "hugo@example.com", "right")).await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(500), "{:?}", started.elapsed());
}
on_both_backends!(lockout, no_lockout_from_elsewhere);

/// The Argon2 verifications one failed login costs.
async fn cost(dir: &Directory, password: &str) -> u64 {
    let before = dir.password_verifications();
    let r = dir.authenticate(&from("192.0.2.5", "iris@example.com", password)).await;
    assert!(matches!(r, Err(AuthError::Failed)), "{r:?}");
    dir.password_verifications() - before
}

async fn app_passwords_cost_one_verification(f: Fresh) {
    let dir = directory(&f, config(1000, 1000), &["iris@example.com"]).await;
    // Wrong guesses shaped like the main password and like an app password.
    let guesses = ["wrong", "abcde-fghjk-mnpqr-stuvw"];
    let mut without = Vec::new();
    for g in guesses {
        without.push(cost(&dir, g).await);
    }
    let mut apps = Vec::new();
    for i in 0..20 {
        apps.push(dir.add_app_password("iris@example.com", &format!("device {i}")).await.unwrap());
    }
    let mut with = Vec::new();
    for g in guesses {
        with.push(cost(&dir, g).await);
    }
    // A wrong guess at an existing app password's selector costs one verification too.
    let near_miss = format!("{}-zzzzz-zzzzz-zzzzz", &apps[7][..5]);
    with.push(cost(&dir, &near_miss).await);
    without.push(1);
    assert_eq!(without, with, "verifications per failed login, without and with 20 app passwords");
    assert_eq!(without, [1, 1, 1]);

    // Every app password and the main password still log in, each with one verification.
    for password in apps.iter().map(String::as_str).chain(["right"]) {
        let before = dir.password_verifications();
        let login = from("192.0.2.5", "iris@example.com", password);
        dir.authenticate(&login).await.unwrap();
        assert_eq!(dir.password_verifications() - before, 1, "{password}");
    }

    // An app password from before selectors still works, costs one more verification per
    // app-shaped guess until it is used, and is then re-hashed with its selector.
    let old = "pqrst-uvwxy-z2345-6789a";
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    let hash = Argon2::default().hash_password(old.as_bytes(), &salt).unwrap().to_string();
    let id = dir.principal("iris@example.com").await.unwrap().unwrap().id;
    f.store.write(move |tx| tx.add_app_password(id, "old phone", &hash)).await.unwrap();
    assert_eq!(cost(&dir, "abcde-fghjk-mnpqr-stuvw").await, 2);
    assert_eq!(cost(&dir, "wrong").await, 1, "not for a guess that is not app-shaped");
    let principal = dir.authenticate(&from("192.0.2.5", "iris@example.com", old)).await.unwrap();
    // The session that login opened watches its credentials: the re-hash revokes nothing.
    let mut watch = dir.watch_credential(&principal).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while dir.app_passwords("iris@example.com").await.unwrap().iter().any(|a| !a.secret.contains(",data=")) {
        assert!(Instant::now() < deadline, "the old app password was not re-hashed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Any later directory change makes the watch look again (here: a new app password, which
    // ends nothing either).
    dir.add_app_password("iris@example.com", "tablet").await.unwrap();
    assert!(watch.still_valid(&dir).await.unwrap(), "a re-hash does not end the session");
    assert_eq!(cost(&dir, "abcde-fghjk-mnpqr-stuvw").await, 1);
    let fresh = Directory::new(f.store.clone(), config(1000, 1000));
    fresh.authenticate(&from("192.0.2.5", "iris@example.com", old)).await.unwrap();
    assert_eq!(
        fresh.password_verifications(),
        1,
        "the re-hashed app password logs in (uncached), with one verification"
    );
}
on_both_backends!(app_passwords, app_passwords_cost_one_verification);
