//! The directory on both backends: administration, address resolution, authentication.

use std::time::Duration;

use relais_directory::{AuthConfig, AuthError, Credentials, Directory, DirectoryError, Recipient, ThrottleConfig};
use relais_store::{CollectionKind, PrincipalKind, Role};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;

fn login(user: &str, password: &str) -> Credentials {
    Credentials { username: user.into(), password: password.into(), remote: Some("192.0.2.7".parse().unwrap()) }
}

async fn administration(f: Fresh) {
    let dir = Directory::new(f.store.clone(), AuthConfig::default());
    dir.add_domain("Example.COM").await.unwrap();
    assert!(matches!(
        dir.add_domain("example.com").await,
        Err(DirectoryError::Store(relais_store::Error::AlreadyExists(_)))
    ));
    let err = dir.add_principal(PrincipalKind::User, "bob@nowhere.test", "Bob", Some("pw"), Role::User).await;
    assert!(matches!(err, Err(DirectoryError::UnknownDomain(_))), "{err:?}");
    assert!(matches!(
        dir.add_principal(PrincipalKind::User, "bad address@example.com", "", None, Role::User).await,
        Err(DirectoryError::InvalidAddress(..))
    ));

    let alice = dir
        .add_principal(PrincipalKind::User, "Alice@example.com", "Alice", Some("s3cret"), Role::Admin)
        .await
        .unwrap();
    assert_eq!(alice.address(), "alice@example.com");
    assert_eq!(alice.role, Role::Admin);
    assert!(alice.secret.as_deref().unwrap().starts_with("$argon2id$"), "Argon2id at rest");
    // Default collections, with their roles.
    let id = alice.id;
    let mailboxes = f.store.read(move |r| r.collections(id, CollectionKind::Mailbox)).await.unwrap();
    let roles: Vec<_> = mailboxes.iter().map(|m| m.role.clone().unwrap()).collect();
    assert_eq!(roles, ["inbox", "drafts", "sent", "trash", "junk", "archive"]);
    for kind in [CollectionKind::Calendar, CollectionKind::TaskList, CollectionKind::AddressBook] {
        assert_eq!(f.store.read(move |r| r.collections(id, kind)).await.unwrap().len(), 1, "{kind:?}");
    }

    // The same address can't be taken twice, as a principal or as an alias.
    assert!(dir.add_principal(PrincipalKind::User, "alice@example.com", "", None, Role::User).await.is_err());
    dir.add_alias("a.liddell@example.com", "alice@example.com").await.unwrap();
    assert!(dir.add_principal(PrincipalKind::Shared, "a.liddell@example.com", "", None, Role::User).await.is_err());
    assert_eq!(dir.principal("A.Liddell@Example.com").await.unwrap().unwrap().id, alice.id);

    let bob = dir.add_principal(PrincipalKind::User, "bob@example.com", "Bob", Some("pw"), Role::User).await.unwrap();
    dir.add_principal(PrincipalKind::Group, "team@example.com", "Team", None, Role::User).await.unwrap();
    dir.add_principal(PrincipalKind::Group, "all@example.com", "All", None, Role::User).await.unwrap();
    dir.add_member("team@example.com", "alice@example.com").await.unwrap();
    dir.add_member("team@example.com", "bob@example.com").await.unwrap();
    dir.add_member("all@example.com", "team@example.com").await.unwrap();
    dir.add_member("team@example.com", "all@example.com").await.unwrap(); // a cycle
    match dir.resolve("all@example.com").await.unwrap() {
        Some(Recipient::Group { members, .. }) => {
            let mut names: Vec<_> = members.iter().map(|m| m.address()).collect();
            names.sort();
            assert_eq!(names, ["alice@example.com", "bob@example.com"]);
        }
        other => panic!("{other:?}"),
    }
    let room = dir.add_principal(PrincipalKind::Room, "room.1@example.com", "Room 1", None, Role::User).await.unwrap();
    let rid = room.id;
    assert_eq!(f.store.read(move |r| r.collections(rid, CollectionKind::Calendar)).await.unwrap().len(), 1);

    // Unknown local parts: nothing, until a catch-all is set.
    assert_eq!(dir.resolve("nobody@example.com").await.unwrap(), None);
    dir.set_catchall("example.com", Some("bob@example.com")).await.unwrap();
    assert!(matches!(dir.resolve("nobody@example.com").await.unwrap(), Some(Recipient::Mailbox(p)) if p.id == bob.id));
    dir.set_catchall("example.com", None).await.unwrap();
    assert_eq!(dir.resolve("nobody@example.com").await.unwrap(), None);
    assert_eq!(dir.resolve("alice@elsewhere.test").await.unwrap(), None);

    // A domain in use can't be removed; removing a principal removes its data and aliases.
    assert!(dir.remove_domain("example.com").await.is_err());
    dir.remove_principal("alice@example.com").await.unwrap();
    assert_eq!(dir.principal("a.liddell@example.com").await.unwrap(), None);
    assert!(f.store.read(move |r| r.collections(id, CollectionKind::Mailbox)).await.unwrap().is_empty());
    let users = dir.principals(Some(PrincipalKind::User), Some("example.com")).await.unwrap();
    assert_eq!(users.iter().map(|p| p.address()).collect::<Vec<_>>(), ["bob@example.com"]);
}
on_both_backends!(admin, administration);

/// Whom a user may act for (Autodiscover answers only for these): itself by address or alias,
/// and principals that granted it full access or send-as; nobody else, known or not.
async fn acting_for(f: Fresh) {
    let dir = Directory::new(f.store.clone(), AuthConfig::default());
    dir.add_domain("example.com").await.unwrap();
    let ann = dir.add_principal(PrincipalKind::User, "ann@example.com", "Ann", Some("pw"), Role::User).await.unwrap();
    dir.add_principal(PrincipalKind::User, "bob@example.com", "Bob", Some("pw"), Role::User).await.unwrap();
    dir.add_principal(PrincipalKind::Shared, "team@example.com", "Team", None, Role::User).await.unwrap();
    dir.add_principal(PrincipalKind::Shared, "sales@example.com", "Sales", None, Role::User).await.unwrap();
    dir.add_alias("a@example.com", "ann@example.com").await.unwrap();
    dir.grant("team@example.com", "ann@example.com", relais_directory::Delegation::FULL_ACCESS).await.unwrap();
    dir.grant("sales@example.com", "ann@example.com", relais_directory::Delegation::SEND_ON_BEHALF).await.unwrap();
    let cases = [
        ("ann@example.com", Some("ann@example.com")),
        ("A@Example.com", Some("ann@example.com")),
        ("team@example.com", Some("team@example.com")),
        ("sales@example.com", None),
        ("bob@example.com", None),
        ("nobody@example.com", None),
        ("not an address", None),
    ];
    for (address, want) in cases {
        let got = dir.acts_for(&ann, address).await.unwrap().map(|p| p.address());
        assert_eq!(got.as_deref(), want, "{address}");
    }
}
on_both_backends!(acts_for, acting_for);

async fn authentication(f: Fresh) {
    let config = AuthConfig {
        throttle: ThrottleConfig {
            max_failures_per_address: 100,
            max_failures_per_account: 3,
            window: Duration::from_secs(60),
            ..ThrottleConfig::default()
        },
        cache_ttl: Duration::from_secs(60),
        ..AuthConfig::default()
    };
    let dir = Directory::new(f.store.clone(), config);
    dir.add_domain("example.com").await.unwrap();
    dir.add_principal(PrincipalKind::User, "carol@example.com", "Carol", Some("first"), Role::User).await.unwrap();
    dir.add_alias("c@example.com", "carol@example.com").await.unwrap();

    assert_eq!(dir.authenticate(&login("carol@example.com", "first")).await.unwrap().local_part, "carol");
    assert!(dir.authenticate(&login("c@example.com", "first")).await.is_ok(), "an alias logs in too");
    assert!(matches!(dir.authenticate(&login("carol@example.com", "wrong")).await, Err(AuthError::Failed)));
    assert!(matches!(dir.authenticate(&login("nobody@example.com", "x")).await, Err(AuthError::Failed)));

    // A cached success must not survive a password change.
    dir.set_password("carol@example.com", "second").await.unwrap();
    assert!(matches!(dir.authenticate(&login("carol@example.com", "first")).await, Err(AuthError::Failed)));
    assert!(dir.authenticate(&login("carol@example.com", "second")).await.is_ok());

    // App passwords: named, listed, usable, revocable.
    let app = dir.add_app_password("carol@example.com", "phone").await.unwrap();
    assert_eq!(dir.app_passwords("carol@example.com").await.unwrap()[0].name, "phone");
    assert!(dir.authenticate(&login("carol@example.com", &app)).await.is_ok());
    dir.revoke_app_password("carol@example.com", "phone").await.unwrap();
    assert!(matches!(dir.authenticate(&login("carol@example.com", &app)).await, Err(AuthError::Failed)));

    // Three failures in the window: throttled, even with the right password.
    for _ in 0..2 {
        let _ = dir.authenticate(&login("carol@example.com", "wrong")).await;
    }
    assert!(matches!(dir.authenticate(&login("carol@example.com", "second")).await, Err(AuthError::Throttled { .. })));
}
on_both_backends!(auth, authentication);

async fn throttle_per_address(f: Fresh) {
    let config = AuthConfig {
        throttle: ThrottleConfig {
            max_failures_per_address: 3,
            max_failures_per_account: 100,
            window: Duration::from_secs(60),
            ..ThrottleConfig::default()
        },
        ..AuthConfig::default()
    };
    let dir = Directory::new(f.store.clone(), config);
    dir.add_domain("example.com").await.unwrap();
    dir.add_principal(PrincipalKind::User, "dave@example.com", "", Some("pw"), Role::User).await.unwrap();
    for user in ["x@example.com", "y@example.com", "z@example.com"] {
        let _ = dir.authenticate(&login(user, "guess")).await;
    }
    // The spraying address is blocked; another address still logs in.
    assert!(matches!(dir.authenticate(&login("dave@example.com", "pw")).await, Err(AuthError::Throttled { .. })));
    let elsewhere = Credentials { remote: Some("198.51.100.1".parse().unwrap()), ..login("dave@example.com", "pw") };
    assert!(dir.authenticate(&elsewhere).await.is_ok());
}
on_both_backends!(throttle, throttle_per_address);
