//! What a sync client is missing of a collection (`Groupware::delta`), on both backends:
//! windows of new objects by id, changes and removals of what it holds only, the actor's read
//! right, `object`/`object_named` and `changed_since`.

use relais_directory::Actor;
use relais_groupware::sync::Held;
use relais_groupware::{Condition, Error, Groupware};
use relais_store::{Collection, CollectionKind, NewCollection};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;

fn card(uid: &str, name: &str) -> Vec<u8> {
    format!("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{name}\r\nN:{name};;;;\r\nEND:VCARD\r\n").into_bytes()
}

async fn book(f: &Fresh) -> Collection {
    f.store
        .write(|tx| {
            let a = tx.create_account()?;
            tx.create_collection(
                a,
                NewCollection { kind: CollectionKind::AddressBook, name: "b".into(), parent: None, role: None },
            )
        })
        .await
        .unwrap()
}

async fn delta_of_a_collection(f: Fresh) {
    let g = Groupware::new(f.store.clone());
    let b = book(&f).await;
    let owner = Actor::system(b.account);
    for i in 0..5 {
        g.put(&owner, &b, &format!("c{i}.vcf"), card(&format!("u{i}"), &format!("N{i}")), Condition::default())
            .await
            .unwrap();
    }
    let names = |objects: &[relais_groupware::sync::Object]| objects.iter().map(|o| o.name.clone()).collect::<Vec<_>>();
    let first = g.delta(&owner, b.id, Held::default(), 3).await.unwrap();
    assert_eq!(names(&first.added), ["c0.vcf", "c1.vcf", "c2.vcf"]);
    assert!(first.more && first.changed.is_empty() && first.removed.is_empty());
    assert!(String::from_utf8_lossy(&first.added[0].content).contains("UID:u0"));
    let second = g.delta(&owner, b.id, first.held, 3).await.unwrap();
    assert_eq!(names(&second.added), ["c3.vcf", "c4.vcf"]);
    assert!(!second.more);
    let held = second.held;
    assert!(!g.changed_since(&owner, b.id, held.modseq).await.unwrap());

    // A change and a removal of what the client holds; a new object.
    g.put(&owner, &b, "c1.vcf", card("u1", "Changed"), Condition::default()).await.unwrap();
    g.delete(&owner, &b, "c3.vcf", Condition::default()).await.unwrap();
    g.put(&owner, &b, "c5.vcf", card("u5", "N5"), Condition::default()).await.unwrap();
    assert!(g.changed_since(&owner, b.id, held.modseq).await.unwrap());
    let d = g.delta(&owner, b.id, held, 10).await.unwrap();
    assert_eq!(names(&d.changed), ["c1.vcf"]);
    assert_eq!(d.removed, [second.added[0].id]);
    assert_eq!(names(&d.added), ["c5.vcf"]);
    let after = g.delta(&owner, b.id, d.held, 10).await.unwrap();
    assert!(after.added.is_empty() && after.changed.is_empty() && after.removed.is_empty());

    // One object by id or name.
    let one = g.object_named(&owner, b.id, "c1.vcf").await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&one.content).contains("FN:Changed"));
    assert_eq!(g.object(&owner, b.id, one.id).await.unwrap().unwrap().name, "c1.vcf");

    // Someone without the read right is told nothing exists.
    let other = book(&f).await;
    let stranger = Actor::system(other.account);
    assert!(matches!(g.delta(&stranger, b.id, Held::default(), 10).await, Err(Error::NotFound)));
    assert!(matches!(g.object_named(&stranger, b.id, "c1.vcf").await, Err(Error::NotFound)));
    assert!(matches!(g.changed_since(&stranger, b.id, held.modseq).await, Err(Error::NotFound)));
}
on_both_backends!(delta_on, delta_of_a_collection);

/// Changes of what a client holds come a window at a time too (each is read whole): 5 changed,
/// a limit of 2, three deltas; the new objects wait until the changes are told.
async fn changes_come_a_window_at_a_time(f: Fresh) {
    let g = Groupware::new(f.store.clone());
    let b = book(&f).await;
    let owner = Actor::system(b.account);
    for i in 0..5 {
        g.put(&owner, &b, &format!("c{i}.vcf"), card(&format!("u{i}"), "N"), Condition::default()).await.unwrap();
    }
    let mut held = g.delta(&owner, b.id, Held::default(), 10).await.unwrap().held;
    for i in [3, 0, 4, 1, 2] {
        g.put(&owner, &b, &format!("c{i}.vcf"), card(&format!("u{i}"), "Changed"), Condition::default()).await.unwrap();
    }
    g.delete(&owner, &b, "c1.vcf", Condition::default()).await.unwrap();
    g.put(&owner, &b, "c9.vcf", card("u9", "New"), Condition::default()).await.unwrap();
    let mut told = Vec::new();
    for (changes, more) in [(2, true), (2, true), (1, false)] {
        let d = g.delta(&owner, b.id, held, 2).await.unwrap();
        let names: Vec<String> = d.changed.iter().map(|o| o.name.clone()).collect();
        assert_eq!((names.len() + d.removed.len(), d.more), (changes, more), "{names:?} {:?}", d.removed);
        assert_eq!(d.added.is_empty(), more);
        told.extend(names);
        held = d.held;
    }
    // The oldest changes first (c3 and c0, then c4 and c2), each window by id; c1 changed, then
    // went: told as removed only, with the new object.
    assert_eq!(told, ["c0.vcf", "c3.vcf", "c2.vcf", "c4.vcf"]);
    assert!(g.delta(&owner, b.id, held, 2).await.unwrap().changed.is_empty());
}
on_both_backends!(changes_window_on, changes_come_a_window_at_a_time);

/// `object` reads the one object, not the collection's list: one of 1,500 is found about as
/// fast as one of 2 (an ActiveSync Fetch, Change or Delete names its object by id).
async fn one_object_costs_the_same_in_any_collection(f: Fresh) {
    let g = Groupware::new(f.store.clone());
    let (small, big) = (book(&f).await, book(&f).await);
    let owner = Actor::system(small.account);
    let other = Actor::system(big.account);
    for i in 0..2 {
        g.put(&owner, &small, &format!("c{i}.vcf"), card(&format!("s{i}"), "N"), Condition::default()).await.unwrap();
    }
    for i in 0..1_500 {
        g.put(&other, &big, &format!("c{i}.vcf"), card(&format!("b{i}"), "N"), Condition::default()).await.unwrap();
    }
    let one = |actor: Actor, c: Collection| {
        let g = g.clone();
        async move {
            let id = g.object_named(&actor, c.id, "c1.vcf").await.unwrap().unwrap().id;
            let start = std::time::Instant::now();
            for _ in 0..100 {
                assert!(g.object(&actor, c.id, id).await.unwrap().is_some());
            }
            start.elapsed()
        }
    };
    let (few, many) = (one(owner, small).await, one(other, big).await);
    assert!(many < few * 4, "{many:?} among 1,500, {few:?} among 2");
}
on_both_backends!(object_cost_on, one_object_costs_the_same_in_any_collection);
