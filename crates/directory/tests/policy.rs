//! Device policies on both backends: a domain's, an account's over it key by key, settings
//! checked as an administrator types them, only an administrator sets them, and setting one
//! withdraws the policy key of exactly the devices it applies to.

use relais_directory::devices::Provisioned;
use relais_directory::policy::{DevicePolicy, PolicyFor};
use relais_directory::{Actor, AuthConfig, Directory, Protocol};
use relais_store::{PrincipalKind, Role};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;

/// A provisioned device of `actor`; its policy key.
async fn provisioned(dir: &Directory, actor: &Actor, device: &str) -> u32 {
    dir.device_seen(actor, device, "Phone", None).await.unwrap();
    let offered = dir.offer_policy_key(actor, device).await.unwrap();
    let Provisioned::Acknowledged(key) = dir.acknowledge_policy_key(actor, device, offered).await.unwrap() else {
        panic!("acknowledged")
    };
    key
}

async fn key_of(dir: &Directory, actor: &Actor, device: &str) -> u32 {
    dir.device(actor, actor.principal, device).await.unwrap().unwrap().policy_key
}

async fn policies(f: Fresh) {
    let dir = Directory::new(f.store.clone(), AuthConfig::default());
    let mut actors = Vec::new();
    for (name, domain) in [("alice", "example.com"), ("bob", "example.com"), ("carl", "other.example")] {
        if !dir.is_local_domain(domain).await.unwrap() {
            dir.add_domain(domain).await.unwrap();
        }
        let p =
            dir.add_principal(PrincipalKind::User, &format!("{name}@{domain}"), name, None, Role::User).await.unwrap();
        actors.push(Actor::new(p.id, Protocol::ActiveSync));
    }
    let (alice, bob, carl) = (&actors[0], &actors[1], &actors[2]);
    let admin = Actor::new(alice.principal, Protocol::Admin);
    let domain = || PolicyFor::Domain("Example.COM".into());

    // Nothing set: the permissive default.
    assert!(dir.effective_device_policy(alice, alice.principal).await.unwrap().is_empty());

    // Settings as typed: names in any case, values checked.
    let mut p = DevicePolicy::default();
    p.set("DevicePasswordEnabled", "1").unwrap();
    p.set("mindevicepasswordlength", "6").unwrap();
    p.set("MaxEmailAgeFilter", "3").unwrap();
    p.set("MaxAttachmentSize", "1000").unwrap();
    assert!(p.set("MinDevicePasswordLength", "40").is_err());
    assert!(p.set("MaxCalendarAgeFilter", "2").is_err());
    assert!(p.set("NoSuchSetting", "1").is_err());
    assert!(p.set("RequireDeviceEncryption", "maybe").is_err());

    // Only an administrator sets a policy; a domain must be one of ours.
    assert!(dir.set_device_policy(&admin, PolicyFor::Domain("nowhere.example".into()), &p).await.is_err());
    assert!(dir.set_device_policy(alice, domain(), &p).await.is_err());

    let (ka, kb, kc) =
        (provisioned(&dir, alice, "A1").await, provisioned(&dir, bob, "B1").await, provisioned(&dir, carl, "C1").await);
    // The domain's policy: its accounts' devices provision again, the other domain's do not.
    assert_eq!(dir.set_device_policy(&admin, domain(), &p).await.unwrap(), 2);
    assert_eq!((key_of(&dir, alice, "A1").await, key_of(&dir, bob, "B1").await), (0, 0));
    assert_eq!(key_of(&dir, carl, "C1").await, kc);
    assert_eq!(dir.device_policy(&admin, domain()).await.unwrap(), p);
    assert_eq!(dir.effective_device_policy(bob, bob.principal).await.unwrap(), p);
    assert!(dir.effective_device_policy(carl, carl.principal).await.unwrap().is_empty());
    assert!(dir.effective_device_policy(carl, alice.principal).await.is_err(), "not carl's to read");
    assert_ne!((ka, kb), (0, 0));

    // Alice's own over it, key by key; only her device provisions again.
    let kb = provisioned(&dir, bob, "B1").await;
    provisioned(&dir, alice, "A1").await;
    let mut own = DevicePolicy::default();
    own.set("MinDevicePasswordLength", "8").unwrap();
    own.set("RequireDeviceEncryption", "true").unwrap();
    assert_eq!(dir.set_device_policy(&admin, PolicyFor::Account(alice.principal), &own).await.unwrap(), 1);
    assert_eq!((key_of(&dir, alice, "A1").await, key_of(&dir, bob, "B1").await), (0, kb));
    let e = dir.effective_device_policy(alice, alice.principal).await.unwrap();
    assert_eq!(
        (e.device_password_enabled, e.min_device_password_length, e.require_device_encryption, e.max_email_age_filter),
        (Some(true), Some(8), Some(true), Some(3))
    );
    assert_eq!(
        e.entries().into_iter().map(|(k, _)| k).collect::<Vec<_>>().len(),
        5,
        "the five settings in force are listed"
    );

    // An empty policy removes the account's: the domain's is in force again.
    dir.set_device_policy(&admin, PolicyFor::Account(alice.principal), &DevicePolicy::default()).await.unwrap();
    assert_eq!(dir.effective_device_policy(alice, alice.principal).await.unwrap(), p);
    assert!(dir.device_policy(&admin, PolicyFor::Account(alice.principal)).await.unwrap().is_empty());
}
on_both_backends!(policies_on, policies);
