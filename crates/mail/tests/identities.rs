//! Identities as a domain service (`relais_mail::identity`), on both backends: the own identity
//! always there and never removed, others only for an address the user may send from (own
//! aliases, send-as and send-on-behalf grants; never a wildcard), bounded in number, each
//! write one change of `DataType::Identity`, and gone with the account.

use std::time::Duration;

use relais_directory::access::Delegation;
use relais_directory::{AuthConfig, Directory};
use relais_mail::Mailer;
use relais_mail::identity::{IdentityError, IdentityId, IdentitySetting, MAX_IDENTITIES};
use relais_store::{DataType, PrincipalKind, Role};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;

async fn identities(f: Fresh) {
    let dir = Directory::new(f.store.clone(), AuthConfig::default());
    dir.add_domain("example.com").await.unwrap();
    let alice =
        dir.add_principal(PrincipalKind::User, "alice@example.com", "Alice", Some("pw"), Role::User).await.unwrap();
    dir.add_principal(PrincipalKind::User, "boss@example.com", "Boss", Some("pw"), Role::User).await.unwrap();
    dir.add_alias("al@example.com", "alice@example.com").await.unwrap();
    let m = Mailer::new(f.store.clone(), dir.clone(), "mail.test", Duration::from_secs(3600));
    let store = f.store.clone();
    let account = alice.id;
    let since = store.read(move |r| r.account_modseq(account)).await.unwrap();

    let own = m.identities(&alice).await.unwrap();
    assert_eq!(own.len(), 1);
    assert_eq!(
        (own[0].id, own[0].email.as_str(), own[0].setting.name.as_str()),
        (IdentityId::Own, "alice@example.com", "Alice")
    );
    assert!(!own[0].may_delete());

    let named = |name: &str| IdentitySetting { name: name.into(), ..IdentitySetting::default() };
    let alias = m.create_identity(&alice, " AL@example.com ", named("Al")).await.unwrap();
    assert_eq!(alias.email, "al@example.com");
    for refused in ["boss@example.com", "*@example.com", "someone@elsewhere.test"] {
        let e = m.create_identity(&alice, refused, named("x")).await.unwrap_err();
        assert!(
            matches!(e, IdentityError::Forbidden { .. } | IdentityError::Invalid { field: "email", .. }),
            "{refused}: {e}"
        );
    }
    dir.grant("boss@example.com", "alice@example.com", Delegation::SEND_AS).await.unwrap();
    let boss = m.create_identity(&alice, "boss@example.com", named("For the boss")).await.unwrap();

    m.update_identity(&alice, IdentityId::Own, &named("Alice B.")).await.unwrap();
    assert!(matches!(m.destroy_identity(&alice, IdentityId::Own).await, Err(IdentityError::Own)));
    m.destroy_identity(&alice, alias.id).await.unwrap();
    assert!(matches!(m.destroy_identity(&alice, alias.id).await, Err(IdentityError::NotFound)));
    assert!(matches!(m.update_identity(&alice, alias.id, &named("x")).await, Err(IdentityError::NotFound)));
    let list = m.identities(&alice).await.unwrap();
    let names: Vec<&str> = list.iter().map(|i| i.setting.name.as_str()).collect();
    assert_eq!(names, ["Alice B.", "For the boss"]);
    assert_eq!(list[1].id, boss.id);

    // Each write is one change of the log: 0 names the own identity.
    let c = store.read(move |r| r.changes_since(account, DataType::Identity, since)).await.unwrap();
    let IdentityId::Stored(boss_n) = boss.id else { panic!() };
    let IdentityId::Stored(alias_n) = alias.id else { panic!() };
    assert!(c.created.contains(&boss_n) && c.updated.contains(&0), "{c:?}");
    assert!(c.destroyed.contains(&alias_n) || !c.created.contains(&alias_n), "{c:?}");

    // First saves of an own identity at once: one row, none refused.
    let boss_p = dir.principal("boss@example.com").await.unwrap().unwrap();
    let saves: Vec<_> = (0..8)
        .map(|n| {
            let (m, p, setting) = (m.clone(), boss_p.clone(), named(&format!("B{n}")));
            tokio::spawn(async move { m.update_identity(&p, IdentityId::Own, &setting).await })
        })
        .collect();
    for s in saves {
        s.await.unwrap().unwrap();
    }
    let boss_account = boss_p.id;
    let rows = store.read(move |r| r.identities(boss_account)).await.unwrap();
    assert_eq!(rows.iter().filter(|r| r.own).count(), 1, "{rows:?}");

    // Bounded: MAX_IDENTITIES besides the own one.
    for n in 1..MAX_IDENTITIES {
        m.create_identity(&alice, "al@example.com", named(&format!("n{n}"))).await.unwrap();
    }
    let e = m.create_identity(&alice, "al@example.com", named("one too many")).await.unwrap_err();
    assert!(matches!(e, IdentityError::TooMany), "{e}");
    assert_eq!(m.identities(&alice).await.unwrap().len(), MAX_IDENTITIES as usize + 1);

    // Gone with the account.
    store.write(move |tx| tx.delete_account(account)).await.unwrap();
    let left = store.read(move |r| r.identities(account)).await.unwrap();
    assert!(left.is_empty());
}
on_both_backends!(identities_on, identities);
