//! Groupware writes on both backends: conditional PUT, UID uniqueness, time-range lookups from
//! the stored occurrences, sync changes per collection, MOVE and DELETE.

use relais_directory::Actor;
use relais_groupware::resources::Transfer;
use relais_groupware::{CollectionProps, Condition, Error, Groupware, Written};
use relais_store::{AccountId, ChangeKind, Collection, CollectionKind, Modseq, NewCollection};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;

fn event(uid: &str, start: &str, extra: &str) -> Vec<u8> {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n\
         DTSTAMP:20260101T000000Z\r\nDTSTART:{start}\r\nDURATION:PT1H\r\n{extra}SUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    .into_bytes()
}

async fn calendar(f: &Fresh, name: &str) -> (AccountId, Collection) {
    f.store
        .write({
            let name = name.to_owned();
            move |tx| {
                let a = tx.create_account()?;
                let c = tx.create_collection(
                    a,
                    NewCollection { kind: CollectionKind::Calendar, name, parent: None, role: None },
                )?;
                Ok((a, c))
            }
        })
        .await
        .unwrap()
}

async fn put_conditions_and_uids(f: Fresh) {
    let g = Groupware::new(f.store.clone());
    let (_, cal) = calendar(&f, "work").await;
    let create_only = Condition { if_none_match: Some(vec!["*".into()]), ..Default::default() };
    let w = g
        .put(&Actor::system(cal.account), &cal, "a.ics", event("a", "20260105T100000Z", ""), create_only.clone())
        .await
        .unwrap();
    assert!(matches!(w, Written::Created { .. }));
    assert!(matches!(
        g.put(&Actor::system(cal.account), &cal, "a.ics", event("a", "20260105T100000Z", ""), create_only).await,
        Err(Error::PreconditionFailed)
    ));
    // Replace with the right ETag; a stale one fails.
    let right = Condition { if_match: Some(vec![w.etag().to_owned()]), ..Default::default() };
    let w2 = g
        .put(&Actor::system(cal.account), &cal, "a.ics", event("a", "20260106T100000Z", ""), right.clone())
        .await
        .unwrap();
    assert!(matches!(w2, Written::Replaced { .. }) && w2.etag() != w.etag());
    assert!(matches!(
        g.put(&Actor::system(cal.account), &cal, "a.ics", event("a", "20260106T100000Z", ""), right).await,
        Err(Error::PreconditionFailed)
    ));
    // The same UID under another name is refused, naming the holder.
    match g
        .put(&Actor::system(cal.account), &cal, "b.ics", event("a", "20260105T100000Z", ""), Condition::default())
        .await
    {
        Err(Error::UidConflict { existing }) => assert_eq!(existing, "a.ics"),
        other => panic!("{other:?}"),
    }
    // Invalid data is refused and nothing is stored.
    assert!(matches!(
        g.put(
            &Actor::system(cal.account),
            &cal,
            "c.ics",
            b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".to_vec(),
            Condition::default()
        )
        .await,
        Err(Error::Invalid(_))
    ));
    let names: Vec<String> =
        f.store.read(move |r| r.resources(cal.id)).await.unwrap().into_iter().map(|r| r.name).collect();
    assert_eq!(names, ["a.ics"]);
}
on_both_backends!(put_conditions_and_uids_on, put_conditions_and_uids);

async fn time_ranges(f: Fresh) {
    let g = Groupware::new(f.store.clone());
    let (_, cal) = calendar(&f, "cal").await;
    let day = 86_400;
    let jan5 = 1_767_607_200; // 2026-01-05T10:00:00Z
    g.put(&Actor::system(cal.account), &cal, "one.ics", event("one", "20260105T100000Z", ""), Condition::default())
        .await
        .unwrap();
    g.put(
        &Actor::system(cal.account),
        &cal,
        "weekly.ics",
        event("weekly", "20260101T090000Z", "RRULE:FREQ=WEEKLY\r\n"),
        Condition::default(),
    )
    .await
    .unwrap();
    g.put(&Actor::system(cal.account), &cal, "far.ics", event("far", "20270105T100000Z", ""), Condition::default())
        .await
        .unwrap();
    let long = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:long\r\nDTSTART;VALUE=DATE:20251201\r\nDTEND;VALUE=DATE:20260201\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    g.put(&Actor::system(cal.account), &cal, "long.ics", long.as_bytes().to_vec(), Condition::default()).await.unwrap();
    let id = cal.id;
    let in_range = |start: i64, end: i64| {
        let store = f.store.clone();
        async move {
            let mut names: Vec<String> = store
                .read(move |r| r.resources_in_range(id, start, end))
                .await
                .unwrap()
                .into_iter()
                .map(|c| {
                    assert!(c.data.is_some(), "small content comes inline");
                    c.resource.name
                })
                .collect();
            names.sort();
            names
        }
    };
    assert_eq!(in_range(jan5, jan5 + 1800).await, ["long.ics", "one.ics"]);
    // Thursday 2026-01-08 09:00 is a weekly occurrence; the long event covers January.
    assert_eq!(in_range(jan5 + 3 * day - 3600, jan5 + 3 * day).await, ["long.ics", "weekly.ics"]);
    let thursday_in_october = jan5 + 3 * day + 42 * 7 * day;
    assert_eq!(in_range(thursday_in_october - 3600, thursday_in_october).await, ["weekly.ics"]);
    // A range past the horizon names the endless event for expansion.
    let beyond = f.store.read(move |r| r.expanded_before(id, jan5 + 5 * 365 * day)).await.unwrap();
    assert_eq!(beyond.len(), 1);
}
on_both_backends!(time_ranges_on, time_ranges);

async fn sync_move_delete(f: Fresh) {
    let g = Groupware::new(f.store.clone());
    let (account, cal) = calendar(&f, "cal").await;
    let other = g
        .create_collection(
            &Actor::system(account),
            account,
            CollectionKind::Calendar,
            "other",
            CollectionProps::default(),
        )
        .await
        .unwrap();
    assert!(matches!(
        g.create_collection(
            &Actor::system(account),
            account,
            CollectionKind::TaskList,
            "other",
            CollectionProps::default()
        )
        .await,
        Err(Error::AlreadyExists)
    ));
    g.put(&Actor::system(cal.account), &cal, "a.ics", event("a", "20260105T100000Z", ""), Condition::default())
        .await
        .unwrap();
    g.put(&Actor::system(cal.account), &cal, "b.ics", event("b", "20260105T100000Z", ""), Condition::default())
        .await
        .unwrap();
    let since = f.store.read(move |r| r.account_modseq(account)).await.unwrap();
    g.put(&Actor::system(cal.account), &cal, "b.ics", event("b", "20260107T100000Z", ""), Condition::default())
        .await
        .unwrap();
    g.transfer(
        &Actor::system(cal.account),
        (&cal, "a.ics"),
        (&other, "moved.ics"),
        Transfer { keep_source: false, overwrite: false },
    )
    .await
    .unwrap();
    let copy = Transfer { keep_source: true, overwrite: false };
    g.transfer(&Actor::system(cal.account), (&cal, "b.ics"), (&other, "copy.ics"), copy).await.unwrap();
    match g.transfer(&Actor::system(cal.account), (&cal, "b.ics"), (&other, "copy2.ics"), copy).await {
        Err(Error::UidConflict { existing }) => assert_eq!(existing, "copy.ics"),
        other => panic!("{other:?}"),
    }
    g.put(&Actor::system(cal.account), &cal, "c.ics", event("c", "20260105T100000Z", ""), Condition::default())
        .await
        .unwrap();
    g.delete(&Actor::system(cal.account), &cal, "c.ics", Condition::default()).await.unwrap();
    assert!(matches!(
        g.delete(&Actor::system(cal.account), &cal, "c.ics", Condition::default()).await,
        Err(Error::NotFound)
    ));

    let (cid, oid) = (cal.id, other.id);
    let changes = f.store.read(move |r| r.collection_changes_since(cid, since)).await.unwrap();
    let seen: Vec<(String, ChangeKind)> = changes.iter().map(|c| (c.name.clone().unwrap(), c.kind)).collect();
    assert_eq!(
        seen,
        [
            ("b.ics".into(), ChangeKind::Updated),
            ("a.ics".into(), ChangeKind::Destroyed),
            ("c.ics".into(), ChangeKind::Destroyed)
        ]
    );
    let moved = f.store.read(move |r| r.collection_changes_since(oid, since)).await.unwrap();
    let names: Vec<_> = moved.iter().map(|c| c.name.clone().unwrap()).collect();
    assert_eq!(names, ["moved.ics", "copy.ics"]);
    // The moved event is found in its new calendar's time range, not the old one's.
    let found = f.store.read(move |r| r.resources_in_range(oid, 0, 1 << 38)).await.unwrap();
    assert_eq!(found.len(), 2);
    let left = f.store.read(move |r| r.resources_in_range(cid, 0, 1 << 38)).await.unwrap();
    assert_eq!(left.len(), 1);
    // The collections' modseqs (CTags) moved on.
    let c = f.store.read(move |r| r.collection(cid)).await.unwrap();
    assert!(c.modseq > since && c.modseq > Modseq(0));
    let other = f.store.read(move |r| r.collection(oid)).await.unwrap();
    g.delete_collection(&Actor::system(other.account), &other).await.unwrap();
    assert!(f.store.read(move |r| r.resources(oid)).await.unwrap().is_empty());
}
on_both_backends!(sync_move_delete_on, sync_move_delete);

/// A MOVE into a collection of another account (a calendar shared with the mover) makes the
/// object that account's, and leaves nothing in the source; the mover needs to insert there
/// and to delete from the source, as for any move.
async fn move_into_another_account(f: Fresh) {
    use relais_directory::{Protocol, Rights};
    let g = Groupware::new(f.store.clone());
    let (alice, shared) = calendar(&f, "shared").await;
    let (bob, mine) = calendar(&f, "mine").await;
    let me = Actor::new(bob, Protocol::Dav);
    g.put(&me, &mine, "m.ics", event("m", "20260105T100000Z", ""), Condition::default()).await.unwrap();
    let go = Transfer { keep_source: false, overwrite: false };
    let into_shared = g.transfer(&me, (&mine, "m.ics"), (&shared, "m.ics"), go).await;
    assert!(matches!(into_shared, Err(Error::Forbidden)), "{into_shared:?}");
    let (c, b) = (shared.id, bob);
    f.store.write(move |tx| tx.set_grant(c, b, (Rights::READ | Rights::INSERT).bits())).await.unwrap();
    let written = g.transfer(&me, (&mine, "m.ics"), (&shared, "moved.ics"), go).await.unwrap();
    assert!(matches!(written, Written::Created { .. }), "{written:?}");
    let (sid, mid) = (shared.id, mine.id);
    let there = f.store.read(move |r| r.item_by_name(sid, "moved.ics")).await.unwrap().expect("moved");
    assert_eq!(there.account, alice);
    assert!(f.store.read(move |r| r.item_by_name(mid, "m.ics")).await.unwrap().is_none());
    let found = f.store.read(move |r| r.resources_in_range(sid, 0, 1 << 38)).await.unwrap();
    assert_eq!(found.len(), 1);
    assert!(f.store.read(move |r| r.resources_in_range(mid, 0, 1 << 38)).await.unwrap().is_empty());
    // Back out of it: Bob may insert there but not delete.
    let back = g.transfer(&me, (&shared, "moved.ics"), (&mine, "back.ics"), go).await;
    assert!(matches!(back, Err(Error::Forbidden)), "{back:?}");
    let everything = Rights::READ | Rights::INSERT | Rights::DELETE_ITEMS | Rights::EXPUNGE;
    f.store.write(move |tx| tx.set_grant(c, b, everything.bits())).await.unwrap();
    g.transfer(&me, (&shared, "moved.ics"), (&mine, "back.ics"), go).await.unwrap();
    let back = f.store.read(move |r| r.item_by_name(mid, "back.ics")).await.unwrap().expect("moved back");
    assert_eq!(back.account, bob);
    assert!(f.store.read(move |r| r.item_by_name(sid, "moved.ics")).await.unwrap().is_none());
}
on_both_backends!(move_into_another_account_on, move_into_another_account);

/// Issue 11 item 4: every write takes the actor and checks its rights inside the transaction
/// (`relais_directory::access::rights_on`): owner, grant (each right on its own), full-access
/// delegate; the scheduling inbox is the server's.
async fn writes_check_the_actor(f: Fresh) {
    use relais_directory::{Protocol, Rights};
    let g = Groupware::new(f.store.clone());
    let (owner, cal) = calendar(&f, "shared").await;
    let (sharee, _) = calendar(&f, "mine").await;
    let bob = Actor::new(sharee, Protocol::Dav);
    let grant = |rights: Rights| {
        let (c, b) = (cal.id, sharee);
        let store = f.store.clone();
        async move { store.write(move |tx| tx.set_grant(c, b, rights.bits())).await.unwrap() }
    };
    let put = |name: &'static str, uid: &'static str| {
        g.put(&bob, &cal, name, event(uid, "20260105T100000Z", ""), Condition::default())
    };
    let forbidden = |r: Result<Written, Error>| matches!(r, Err(Error::Forbidden));

    assert!(forbidden(put("a.ics", "a").await), "no grant");
    grant(Rights::READ).await;
    assert!(forbidden(put("a.ics", "a").await), "read only");
    grant(Rights::READ | Rights::INSERT).await;
    assert!(matches!(put("a.ics", "a").await, Ok(Written::Created { .. })));
    assert!(forbidden(put("a.ics", "a").await), "replacing needs w");
    assert!(matches!(g.delete(&bob, &cal, "a.ics", Condition::default()).await, Err(Error::Forbidden)));
    grant(Rights::READ | Rights::WRITE).await;
    assert!(matches!(put("a.ics", "a").await, Ok(Written::Replaced { .. })));
    assert!(forbidden(
        g.set_props(&bob, &cal, CollectionProps::default()).await.map(|_| Written::Created { etag: String::new() })
    ));
    assert!(matches!(g.delete_collection(&bob, &cal).await, Err(Error::Forbidden)));
    assert!(matches!(
        g.create_collection(&bob, owner, CollectionKind::Calendar, "x", CollectionProps::default()).await,
        Err(Error::Forbidden)
    ));
    g.delete(&bob, &cal, "a.ics", Condition::default()).await.unwrap();

    // The server acting for Bob holds nothing on the owner's calendar.
    let server = Actor::system(sharee);
    let r = g.put(&server, &cal, "s.ics", event("s", "20260105T100000Z", ""), Condition::default()).await;
    assert!(forbidden(r));
    // Nobody puts into a scheduling inbox, its owner included.
    let inbox = f
        .store
        .write(move |tx| tx.collection_with_role(owner, CollectionKind::Calendar, "inbox", "inbox"))
        .await
        .unwrap();
    let me = Actor::new(owner, Protocol::Dav);
    let r = g.put(&me, &inbox, "i.ics", event("i", "20260105T100000Z", ""), Condition::default()).await;
    assert!(forbidden(r));
    // The owner may do everything else.
    g.set_props(&me, &cal, CollectionProps::default()).await.unwrap();
    g.create_collection(&me, owner, CollectionKind::Calendar, "x", CollectionProps::default()).await.unwrap();
}
on_both_backends!(writes_check_the_actor_on, writes_check_the_actor);

/// Every write that adds to an account is held to its quota inside the write: a new object,
/// a replacement by what it grew, a copy, a move into another account, a sharee's write
/// (counted against the owner) and an import (the server writing for the account). Replacing
/// with something no larger, moving within the account and deleting pass over the quota; a
/// refused write changes nothing, a refused move leaves the source where it was.
async fn writes_are_held_to_the_owners_quota(f: Fresh) {
    use relais_directory::{AuthConfig, Directory, Protocol, Rights};
    use relais_store::{PrincipalKind, Role};
    let dir = Directory::new(f.store.clone(), AuthConfig::default());
    dir.add_domain("example.com").await.unwrap();
    let user = |address: &'static str| {
        let dir = dir.clone();
        async move { dir.add_principal(PrincipalKind::User, address, "", Some("pw"), Role::User).await.unwrap().id }
    };
    let (ann, bob) = (user("ann@example.com").await, user("bob@example.com").await);
    let make = |account: AccountId, name: &'static str| {
        let store = f.store.clone();
        async move {
            let new = NewCollection { kind: CollectionKind::Calendar, name: name.into(), parent: None, role: None };
            store.write(move |tx| tx.create_collection(account, new)).await.unwrap()
        }
    };
    let (work, home, bobs) = (make(ann, "work").await, make(ann, "home").await, make(bob, "bobs").await);
    let usage = |account: AccountId| {
        let store = f.store.clone();
        async move { store.read(move |r| r.usage(account)).await.unwrap() }
    };
    let named = |c: &Collection, name: &'static str| {
        let (store, id) = (f.store.clone(), c.id);
        async move { store.read(move |r| r.item_by_name(id, name)).await.unwrap() }
    };
    let sized = |uid: &str, pad: usize| event(uid, "20260105T100000Z", &format!("DESCRIPTION:{}\r\n", "x".repeat(pad)));
    let over = |r: Result<Written, Error>| matches!(r, Err(Error::OverQuota));
    let g = Groupware::new(f.store.clone());
    let me = Actor::new(ann, Protocol::Dav);
    let any = Condition::default;

    let base = usage(ann).await;
    dir.set_quota("ann@example.com", Some(base + 1_000)).await.unwrap();
    g.put(&me, &work, "a.ics", sized("a", 400), any()).await.unwrap();
    let used = usage(ann).await;
    assert!(used > base + 400, "{used}");
    assert!(over(g.put(&me, &work, "b.ics", sized("b", 400), any()).await));
    assert!(named(&work, "b.ics").await.is_none() && usage(ann).await == used, "nothing written");

    // Over the quota now: what adds nothing still passes, what adds is refused.
    dir.set_quota("ann@example.com", Some(base + 10)).await.unwrap();
    g.put(&me, &work, "a.ics", sized("a", 300), any()).await.expect("a smaller replacement");
    assert!(over(g.put(&me, &work, "a.ics", sized("a", 500), any()).await), "a larger one");
    let go = Transfer { keep_source: false, overwrite: false };
    g.transfer(&me, (&work, "a.ics"), (&home, "a.ics"), go).await.expect("a move within the account");
    let copy = Transfer { keep_source: true, overwrite: false };
    assert!(over(g.transfer(&me, (&home, "a.ics"), (&work, "c.ics"), copy).await), "a copy");
    assert!(named(&work, "c.ics").await.is_none());
    // A sharee's write counts against the owner, whatever the sharee's own quota; so does
    // an import (the server writing for the account).
    let (w, b) = (work.id, bob);
    f.store.write(move |tx| tx.set_grant(w, b, (Rights::READ | Rights::INSERT).bits())).await.unwrap();
    assert!(over(g.put(&Actor::new(bob, Protocol::Dav), &work, "s.ics", sized("s", 10), any()).await));
    assert!(over(g.put(&Actor::system(ann), &work, "i.ics", sized("i", 10), any()).await));

    // A move into another account's calendar adds to that account: refused there, the
    // source stays.
    let (into, a) = (bobs.id, ann);
    f.store.write(move |tx| tx.set_grant(into, a, (Rights::READ | Rights::INSERT).bits())).await.unwrap();
    dir.set_quota("bob@example.com", Some(usage(bob).await + 10)).await.unwrap();
    assert!(over(g.transfer(&me, (&home, "a.ics"), (&bobs, "a.ics"), go).await));
    assert!(named(&home, "a.ics").await.is_some() && named(&bobs, "a.ics").await.is_none());
    dir.set_quota("bob@example.com", None).await.unwrap();
    g.transfer(&me, (&home, "a.ics"), (&bobs, "a.ics"), go).await.expect("room in Bob's account");
    assert_eq!(named(&bobs, "a.ics").await.unwrap().account, bob);

    // Two writes racing for the room of one: exactly one is stored.
    dir.set_quota("ann@example.com", None).await.unwrap();
    for name in ["a.ics", "b.ics"] {
        let _ = g.delete(&me, &work, name, any()).await;
    }
    dir.set_quota("ann@example.com", Some(usage(ann).await + 1_000)).await.unwrap();
    let (one, two) = tokio::join!(
        g.put(&me, &work, "r1.ics", sized("r1", 400), any()),
        g.put(&me, &work, "r2.ics", sized("r2", 400), any())
    );
    assert_eq!([&one, &two].iter().filter(|r| r.is_ok()).count(), 1, "{one:?} {two:?}");
    assert!(over(one) || over(two));

    dir.set_quota("ann@example.com", None).await.unwrap();
    g.put(&me, &work, "b.ics", sized("b", 400), any()).await.expect("no quota");
    dir.set_quota("ann@example.com", Some(base)).await.unwrap();
    g.delete(&me, &work, "b.ics", any()).await.expect("a delete over the quota");
}
on_both_backends!(writes_are_held_to_the_owners_quota_on, writes_are_held_to_the_owners_quota);
