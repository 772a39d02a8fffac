//! The access service on both backends: rights on collections (owner, grant, full-access
//! delegate), the one rule for changing sharing, and delegation for sending.

use relais_directory::{
    Actor, AuthConfig, Delegation, Directory, GrantChange, PermissionLevel, Protocol, Rights, SharingError,
};
use relais_store::{Collection, CollectionKind, PrincipalKind, Role};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;

struct World {
    dir: Directory,
    alice: Actor,
    bob: Actor,
    carol: Actor,
    inbox: Collection,
    calendar: Collection,
}

async fn world(f: &Fresh) -> World {
    let dir = Directory::new(f.store.clone(), AuthConfig::default());
    dir.add_domain("example.com").await.unwrap();
    let mut ids = Vec::new();
    for name in ["alice", "bob", "carol"] {
        let p = dir
            .add_principal(PrincipalKind::User, &format!("{name}@example.com"), name, None, Role::User)
            .await
            .unwrap();
        ids.push(p.id);
    }
    let a = ids[0];
    let inbox =
        f.store.read(move |r| r.collection_by_role(a, CollectionKind::Mailbox, "inbox")).await.unwrap().unwrap();
    let calendar =
        f.store.read(move |r| r.collection_by_role(a, CollectionKind::Calendar, "default")).await.unwrap().unwrap();
    let actor = |i: usize| Actor::new(ids[i], Protocol::Imap);
    World { dir, alice: actor(0), bob: actor(1), carol: actor(2), inbox, calendar }
}

async fn sharing_rule(f: Fresh) {
    let w = world(&f).await;
    let (inbox, bob, carol) = (w.inbox.id, w.bob.principal, w.carol.principal);
    // Nobody but the owner holds anything at first; a stranger is told nothing exists.
    assert_eq!(w.dir.rights_on(&w.alice, &w.inbox).await.unwrap(), Rights::ALL);
    assert_eq!(w.dir.rights_on(&w.bob, &w.inbox).await.unwrap(), Rights::NONE);
    let refused = w.dir.change_grant(&w.bob, inbox, carol, GrantChange::Replace(Rights::READ)).await;
    assert!(matches!(refused, Err(SharingError::NotFound)), "{refused:?}");
    assert!(matches!(w.dir.acl(&w.bob, inbox).await, Err(SharingError::NotFound)));

    // A reader sees the mailbox but may not share it.
    let lr = w.dir.change_grant(&w.alice, inbox, bob, GrantChange::Replace(Rights::READ)).await.unwrap();
    assert_eq!(lr, Rights::READ);
    assert_eq!(w.dir.my_rights(&w.bob, inbox).await.unwrap(), Rights::READ);
    let refused = w.dir.change_grant(&w.bob, inbox, carol, GrantChange::Replace(Rights::READ)).await;
    assert!(matches!(refused, Err(SharingError::NotPermitted)), "{refused:?}");
    assert!(matches!(w.dir.acl(&w.bob, inbox).await, Err(SharingError::NotPermitted)));

    // With `a` the grantee may share, read the ACL, and change its own grant, over every protocol.
    w.dir.change_grant(&w.alice, inbox, bob, GrantChange::Add(Rights::ADMIN)).await.unwrap();
    let bob_dav = Actor::new(bob, Protocol::Dav);
    w.dir
        .replace_grants(&bob_dav, inbox, vec![(bob, Rights::READ | Rights::ADMIN), (carol, Rights::READ)])
        .await
        .unwrap();
    let acl = w.dir.acl(&w.bob, inbox).await.unwrap();
    assert_eq!(acl.owner.id, w.alice.principal);
    let grants: Vec<_> = acl.grants.iter().map(|(p, r)| (p.id, *r)).collect();
    assert_eq!(grants, [(bob, Rights::READ | Rights::ADMIN), (carol, Rights::READ)]);

    // The owner's rights are fixed: refused by name, left be by a whole ACL.
    let owner = w.dir.change_grant(&w.bob, inbox, w.alice.principal, GrantChange::Replace(Rights::NONE)).await;
    assert!(matches!(owner, Err(SharingError::Owner)), "{owner:?}");
    w.dir
        .replace_grants(&w.bob, inbox, vec![(w.alice.principal, Rights::NONE), (bob, Rights::ADMIN | Rights::LOOKUP)])
        .await
        .unwrap();
    assert_eq!(w.dir.rights_on(&w.alice, &w.inbox).await.unwrap(), Rights::ALL);
    assert_eq!(w.dir.rights_on(&w.carol, &w.inbox).await.unwrap(), Rights::NONE);

    // A grant names a principal of the directory.
    let unknown =
        w.dir.change_grant(&w.alice, inbox, relais_store::AccountId(9_999), GrantChange::Add(Rights::READ)).await;
    assert!(matches!(unknown, Err(SharingError::UnknownGrantee)), "{unknown:?}");
    // DELETEACL removes the grant; having given up `a` one cannot take it back.
    w.dir.change_grant(&w.bob, inbox, bob, GrantChange::Replace(Rights::NONE)).await.unwrap();
    assert!(matches!(w.dir.my_rights(&w.bob, inbox).await, Err(SharingError::NotFound)));
    let back = w.dir.change_grant(&w.bob, inbox, bob, GrantChange::Add(Rights::ALL)).await;
    assert!(matches!(back, Err(SharingError::NotFound)), "{back:?}");
}
on_both_backends!(rule, sharing_rule);

async fn delegation(f: Fresh) {
    let w = world(&f).await;
    let alice = w.dir.principal("alice@example.com").await.unwrap().unwrap();
    let bob = w.dir.principal("bob@example.com").await.unwrap().unwrap();
    assert!(w.dir.may_send_as(&alice, "alice@example.com").await.unwrap());
    assert!(!w.dir.may_send_as(&bob, "alice@example.com").await.unwrap());
    assert!(!w.dir.may_send_on_behalf(&bob, "alice@example.com").await.unwrap());

    w.dir.grant("alice@example.com", "bob@example.com", Delegation::SEND_ON_BEHALF).await.unwrap();
    assert!(!w.dir.may_send_as(&bob, "alice@example.com").await.unwrap());
    assert!(w.dir.may_send_on_behalf(&bob, "alice@example.com").await.unwrap());
    // Sending rights give no access to the mailboxes.
    assert_eq!(w.dir.rights_on(&w.bob, &w.calendar).await.unwrap(), Rights::NONE);

    // Full access: every right on each collection, with or without a grant, shared or not;
    // and sharing them.
    w.dir.grant("alice@example.com", "bob@example.com", Delegation::FULL_ACCESS).await.unwrap();
    assert_eq!(w.dir.delegation(bob.id, alice.id).await.unwrap(), Delegation::FULL_ACCESS);
    assert_eq!(w.dir.rights_on(&w.bob, &w.calendar).await.unwrap(), Rights::ALL);
    w.dir.change_grant(&w.bob, w.inbox.id, bob.id, GrantChange::Replace(Rights::LOOKUP)).await.unwrap();
    assert_eq!(w.dir.rights_on(&w.bob, &w.inbox).await.unwrap(), Rights::ALL);
    let (b, i) = (bob.id, w.inbox.id);
    let share = f.store.read(move |r| r.share(i, b)).await.unwrap().unwrap();
    assert_eq!(share.rights, Rights::ALL.bits(), "folder listings see full access too");
    let listed = f.store.read(move |r| r.shares(b)).await.unwrap();
    assert_eq!(listed.iter().map(|s| s.rights).collect::<Vec<_>>(), [Rights::ALL.bits()]);
    w.dir.change_grant(&w.bob, w.calendar.id, w.carol.principal, GrantChange::Replace(Rights::READ)).await.unwrap();
    // … and the server acting for Bob holds nothing on Alice's.
    assert_eq!(w.dir.rights_on(&Actor::system(bob.id), &w.calendar).await.unwrap(), Rights::NONE);

    // Revoked: back to the grant alone.
    w.dir.grant("alice@example.com", "bob@example.com", Delegation::NONE).await.unwrap();
    assert_eq!(w.dir.rights_on(&w.bob, &w.inbox).await.unwrap(), Rights::LOOKUP);
    assert!(w.dir.grant("alice@example.com", "alice@example.com", Delegation::SEND_AS).await.is_err());
}
on_both_backends!(delegates, delegation);

async fn permission_levels(f: Fresh) {
    let w = world(&f).await;
    let reviewer = PermissionLevel::Reviewer.rights();
    let bob = w.bob.principal;
    w.dir.change_grant(&w.alice, w.calendar.id, bob, GrantChange::Replace(reviewer)).await.unwrap();
    let held = w.dir.my_rights(&w.bob, w.calendar.id).await.unwrap();
    assert_eq!(PermissionLevel::of(held), PermissionLevel::Reviewer);
    w.dir.change_grant(&w.alice, w.calendar.id, bob, GrantChange::Replace(Rights::FREE_BUSY)).await.unwrap();
    let held = w.dir.my_rights(&w.bob, w.calendar.id).await.unwrap();
    assert_eq!(PermissionLevel::of(held), PermissionLevel::FreeBusyTimeOnly);
    assert!(held.sees() && !held.contains(Rights::READ_ITEMS));
}
on_both_backends!(levels, permission_levels);

/// Several grants changed at once (JMAP `shareWith`): all checked before any is written, the
/// owner refused by name, the whole set replacing every other grant, and the visible listing
/// bounded.
async fn grants_at_once(f: Fresh) {
    let w = world(&f).await;
    let (inbox, bob, carol) = (w.inbox.id, w.bob.principal, w.carol.principal);
    let changes = vec![(bob, GrantChange::Replace(Rights::READ)), (carol, GrantChange::Add(Rights::INSERT))];
    w.dir.change_grants(&w.alice, inbox, changes, false).await.unwrap();
    // Two changes to one grantee add up, in order.
    let twice = vec![(carol, GrantChange::Replace(Rights::NONE)), (carol, GrantChange::Add(Rights::LOOKUP))];
    w.dir.change_grants(&w.alice, inbox, twice, false).await.unwrap();
    assert_eq!(w.dir.my_rights(&w.carol, inbox).await.unwrap(), Rights::LOOKUP);
    w.dir.change_grants(&w.alice, inbox, vec![(carol, GrantChange::Replace(Rights::INSERT))], false).await.unwrap();
    let grants = |acl: relais_directory::Acl| acl.grants.iter().map(|(p, r)| (p.id, *r)).collect::<Vec<_>>();
    assert_eq!(grants(w.dir.acl(&w.alice, inbox).await.unwrap()), [(bob, Rights::READ), (carol, Rights::INSERT)]);

    // One refusal (an unknown grantee, the owner) writes nothing.
    let unknown = relais_store::AccountId(9_999);
    let bad = vec![(bob, GrantChange::Replace(Rights::NONE)), (unknown, GrantChange::Add(Rights::READ))];
    let r = w.dir.change_grants(&w.alice, inbox, bad, false).await;
    assert!(matches!(r, Err(SharingError::UnknownGrantee)), "{r:?}");
    let owner = vec![(w.alice.principal, GrantChange::Replace(Rights::NONE))];
    assert!(matches!(w.dir.change_grants(&w.alice, inbox, owner, true).await, Err(SharingError::Owner)));
    assert_eq!(grants(w.dir.acl(&w.alice, inbox).await.unwrap()), [(bob, Rights::READ), (carol, Rights::INSERT)]);

    // A reader may not; a whole set removes the grants it does not name.
    let r = w.dir.change_grants(&w.bob, inbox, vec![(carol, GrantChange::Replace(Rights::NONE))], false).await;
    assert!(matches!(r, Err(SharingError::NotPermitted)), "{r:?}");
    w.dir.change_grants(&w.alice, inbox, vec![(carol, GrantChange::Replace(Rights::ADMIN))], true).await.unwrap();
    assert_eq!(grants(w.dir.acl(&w.alice, inbox).await.unwrap()), [(carol, Rights::ADMIN)]);
    let acls = w.dir.acls(&w.carol, vec![inbox, w.calendar.id]).await.unwrap();
    assert!(acls[0].is_some() && acls[1].is_none(), "{acls:?}");

    // The visible principals, bounded, and whether there are more.
    let alice = w.dir.principal_by_id(w.alice.principal).await.unwrap().unwrap();
    let (two, more) = w.dir.visible_principals_at_most(&alice, 2).await.unwrap();
    assert_eq!((two.len(), more), (2, true));
    let (all, more) = w.dir.visible_principals_at_most(&alice, 10).await.unwrap();
    assert_eq!((all.len(), more), (3, false));
    w.dir.add_domain("other.test").await.unwrap();
    let dave = w.dir.add_principal(PrincipalKind::User, "dave@other.test", "Dave", None, Role::User).await.unwrap();
    assert_eq!(w.dir.visible_principals_at_most(&alice, 10).await.unwrap().0.len(), 3);
    assert!(w.dir.visible_principal(&alice, dave.id).await.unwrap().is_none());
    assert!(w.dir.visible_principal(&alice, bob).await.unwrap().is_some());
}
on_both_backends!(grants_together, grants_at_once);

/// Changes of one collection's sharing at once each start from what the others wrote: eight
/// grantees' rights added at the same time by IMAP SETACL (`change_grant`) and JMAP shareWith
/// (`change_grants`) all hold at the end, on PostgreSQL too (where the grants were read
/// before any lock, and a change could be lost).
async fn sharing_changes_at_once(f: Fresh) {
    let w = world(&f).await;
    let inbox = w.inbox.id;
    let rights =
        [Rights::LOOKUP, Rights::READ_ITEMS, Rights::KEEP_SEEN, Rights::WRITE_FLAGS, Rights::INSERT, Rights::POST];
    for round in 0..4 {
        let mut tasks = Vec::new();
        for (i, r) in rights.iter().enumerate() {
            let (dir, alice, grantee, r) =
                (w.dir.clone(), w.alice.clone(), [w.bob.principal, w.carol.principal][i % 2], *r);
            tasks.push(tokio::spawn(async move {
                if (i + round) % 2 == 0 {
                    dir.change_grant(&alice, inbox, grantee, GrantChange::Add(r)).await.map(|_| ())
                } else {
                    dir.change_grants(&alice, inbox, vec![(grantee, GrantChange::Add(r))], false).await
                }
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let want = |parity: usize| {
            rights.iter().enumerate().filter(|(i, _)| i % 2 == parity).fold(Rights::NONE, |a, (_, r)| a | *r)
        };
        assert_eq!(w.dir.my_rights(&w.bob, inbox).await.unwrap(), want(0), "round {round}");
        assert_eq!(w.dir.my_rights(&w.carol, inbox).await.unwrap(), want(1), "round {round}");
        for who in [w.bob.principal, w.carol.principal] {
            w.dir.change_grant(&w.alice, inbox, who, GrantChange::Replace(Rights::NONE)).await.unwrap();
        }
    }
}
on_both_backends!(changes_at_once, sharing_changes_at_once);
