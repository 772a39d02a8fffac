//! Devices on both backends: registration by the first request, the two Provision round trips,
//! sync states kept per device and collection (with the state before), wipe and removal, and
//! that one account's requests never reach another account's devices.

use relais_directory::devices::Provisioned;
use relais_directory::{Actor, AuthConfig, Directory, Protocol};
use relais_store::{PrincipalKind, Role, SyncState, Wipe};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;

async fn users(f: &Fresh) -> (Directory, Actor, Actor) {
    let dir = Directory::new(f.store.clone(), AuthConfig::default());
    dir.add_domain("example.com").await.unwrap();
    let mut actors = Vec::new();
    for name in ["alice", "bob"] {
        let p = dir
            .add_principal(PrincipalKind::User, &format!("{name}@example.com"), name, None, Role::User)
            .await
            .unwrap();
        actors.push(Actor::new(p.id, Protocol::ActiveSync));
    }
    let bob = actors.pop().unwrap();
    (dir, actors.pop().unwrap(), bob)
}

async fn provisioning_and_state(f: Fresh) {
    let (dir, alice, bob) = users(&f).await;
    let a = alice.principal;
    let modseq = f.store.read(move |r| r.account_modseq(a)).await.unwrap();
    let d = dir.device_seen(&alice, "PHONE1", "iPhone", Some(r#"{"model":"iPhone15,2"}"#.into())).await.unwrap();
    assert_eq!((d.policy_key, d.pending_key, d.wipe), (0, 0, Wipe::None));
    assert_eq!(d.info, r#"{"model":"iPhone15,2"}"#);
    // A later request without a description keeps the one given.
    let again = dir.device_seen(&alice, "PHONE1", "iPhone", None).await.unwrap();
    assert_eq!((again.info.as_str(), again.first_seen), (d.info.as_str(), d.first_seen));

    // Round trip 1 offers a key; acknowledging another key is refused; acknowledging the one
    // offered gives a final key, and the offered one cannot be acknowledged twice.
    let offered = dir.offer_policy_key(&alice, "PHONE1").await.unwrap();
    assert_ne!(offered, 0);
    assert_eq!(dir.acknowledge_policy_key(&alice, "PHONE1", offered ^ 1).await.unwrap(), Provisioned::WrongKey);
    assert_eq!(dir.acknowledge_policy_key(&bob, "PHONE1", offered).await.unwrap(), Provisioned::WrongKey, "not bob's");
    let Provisioned::Acknowledged(key) = dir.acknowledge_policy_key(&alice, "PHONE1", offered).await.unwrap() else {
        panic!("the offered key is acknowledged")
    };
    assert_ne!(key, 0);
    assert_eq!(dir.acknowledge_policy_key(&alice, "PHONE1", offered).await.unwrap(), Provisioned::WrongKey);
    let d = dir.device(&alice, alice.principal, "PHONE1").await.unwrap().unwrap();
    assert_eq!((d.policy_key, d.pending_key), (key, 0));

    // Sync states: per collection, replaced whole; bob's device of the same id is another.
    assert_eq!(dir.sync_state(&alice, "PHONE1", "7").await.unwrap(), None);
    let s = SyncState { key: 2, state: "a".into(), prev_key: 1, prev_state: "b".into() };
    dir.save_sync_state(&alice, "PHONE1", "7", s.clone()).await.unwrap();
    assert_eq!(dir.sync_state(&alice, "PHONE1", "7").await.unwrap(), Some(s.clone()));
    let t = SyncState { key: 3, state: "c".into(), prev_key: 2, prev_state: "a".into() };
    dir.save_sync_state(&alice, "PHONE1", "7", t.clone()).await.unwrap();
    assert_eq!(dir.sync_state(&alice, "PHONE1", "7").await.unwrap(), Some(t));
    assert_eq!(dir.sync_state(&bob, "PHONE1", "7").await.unwrap(), None);
    assert!(dir.devices(&bob, alice.principal).await.is_err(), "bob may not list alice's devices");
    assert!(dir.request_wipe(&bob, alice.principal, "PHONE1", false).await.is_err());

    // A wipe asked for by an administrator, confirmed by the device: its states are gone.
    let admin = Actor::new(bob.principal, Protocol::Admin);
    assert!(dir.request_wipe(&admin, alice.principal, "PHONE1", true).await.unwrap());
    assert!(!dir.request_wipe(&admin, alice.principal, "NOSUCH", false).await.unwrap());
    assert_eq!(dir.device(&alice, alice.principal, "PHONE1").await.unwrap().unwrap().wipe, Wipe::AccountOnlyRequested);
    dir.confirm_wipe(&alice, "PHONE1").await.unwrap();
    assert_eq!(dir.device(&alice, alice.principal, "PHONE1").await.unwrap().unwrap().wipe, Wipe::AccountWiped);
    assert_eq!(dir.sync_state(&alice, "PHONE1", "7").await.unwrap(), None);

    // Removal forgets the device.
    dir.device_seen(&alice, "PHONE2", "Android", None).await.unwrap();
    assert_eq!(dir.devices(&alice, alice.principal).await.unwrap().len(), 2);
    assert!(dir.remove_device(&admin, alice.principal, "PHONE1").await.unwrap());
    assert!(!dir.remove_device(&admin, alice.principal, "PHONE1").await.unwrap());
    let left: Vec<String> =
        dir.devices(&alice, alice.principal).await.unwrap().into_iter().map(|d| d.device_id).collect();
    assert_eq!(left, ["PHONE2"]);

    // None of it is a change of alice's data.
    assert_eq!(f.store.read(move |r| r.account_modseq(a)).await.unwrap(), modseq);
}

on_both_backends!(provisioning, provisioning_and_state);

/// An account holds at most MAX_DEVICES: a request from one more is refused (nothing
/// recorded), the devices it holds go on, and another account is not affected.
async fn devices_per_account_are_bounded(f: Fresh) {
    use relais_directory::devices::MAX_DEVICES;
    let (dir, alice, bob) = users(&f).await;
    for i in 0..MAX_DEVICES {
        dir.device_seen(&alice, &format!("D{i}"), "Phone", None).await.unwrap();
    }
    let refused = dir.device_seen(&alice, "ONEMORE", "Phone", None).await;
    assert!(
        matches!(refused, Err(relais_directory::DirectoryError::Store(relais_store::Error::Limit(_)))),
        "{refused:?}"
    );
    assert_eq!(dir.devices(&alice, alice.principal).await.unwrap().len(), MAX_DEVICES);
    dir.device_seen(&alice, "D7", "Phone", Some("{}".into())).await.unwrap();
    dir.device_seen(&bob, "ONEMORE", "Phone", None).await.unwrap();
}
on_both_backends!(bounded, devices_per_account_are_bounded);
