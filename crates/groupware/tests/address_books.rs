//! Address books and cards as JMAP for Contacts sees them (`relais_groupware::address_book`),
//! on both backends: what the owner, a sharee and a stranger see and may do, cards read whole
//! by id or all, address books made under DAV names of their own, edited, subscribed and
//! deleted only when empty unless asked, and a JSContact card stored as the vCard CardDAV reads.

use relais_directory::access::{Actor, Protocol, Rights};
use relais_groupware::address_book::{Removal, address_books, card_name, sharing_accounts};
use relais_groupware::jscontact::{from_jscontact, to_jscontact};
use relais_groupware::{CollectionProps, Condition, ContactCard, Error, Groupware};
use relais_store::{AccountId, Collection, CollectionKind, NewCollection};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;
use serde_json::json;

fn card(uid: &str, name: &str) -> Vec<u8> {
    format!("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{name}\r\nN:{name};;;;\r\nEND:VCARD\r\n").into_bytes()
}

/// Two accounts, the first with a default address book and another one.
async fn world(f: &Fresh) -> (AccountId, AccountId, Collection, Collection) {
    f.store
        .write(|tx| {
            let (ann, bob) = (tx.create_account()?, tx.create_account()?);
            let book = |name: &str, role: Option<&str>| NewCollection {
                kind: CollectionKind::AddressBook,
                name: name.into(),
                parent: None,
                role: role.map(str::to_owned),
            };
            let default = tx.create_collection(ann, book("contacts", Some("default")))?;
            let work = tx.create_collection(ann, book("work", None))?;
            tx.create_collection(bob, book("contacts", Some("default")))?;
            Ok((ann, bob, default, work))
        })
        .await
        .unwrap()
}

fn jmap(a: AccountId) -> Actor {
    Actor::new(a, Protocol::Jmap)
}

async fn what_each_sees(f: Fresh) {
    let g = Groupware::new(f.store.clone());
    let (ann, bob, default, work) = world(&f).await;
    for (i, b) in [&default, &default, &work].into_iter().enumerate() {
        g.put(&jmap(ann), b, &format!("c{i}.vcf"), card(&format!("u{i}"), "N"), Condition::default()).await.unwrap();
    }
    let sees = |who: AccountId| {
        let store = f.store.clone();
        async move { store.read(move |r| address_books(r, &jmap(who), ann)).await.unwrap() }
    };
    let own = sees(ann).await;
    assert_eq!(own.iter().map(|b| b.collection.id).collect::<Vec<_>>(), [default.id, work.id]);
    assert!(own[0].is_default() && own[0].may(Rights::ALL) && own[0].subscribed);
    assert!(sees(bob).await.is_empty(), "nothing shared yet");
    assert!(f.store.read(move |r| sharing_accounts(r, &jmap(bob))).await.unwrap().is_empty());

    // Work shared read-only with Bob: his one address book of Ann's, read-only.
    let (work_id, read) = (work.id, Rights::READ.bits());
    f.store.write(move |tx| tx.set_grants(work_id, &[(bob, read)])).await.unwrap();
    let shared = sees(bob).await;
    assert_eq!(shared.len(), 1);
    assert!(shared[0].may(Rights::READ_ITEMS) && !shared[0].may(Rights::INSERT));
    assert_eq!(f.store.read(move |r| sharing_accounts(r, &jmap(bob))).await.unwrap(), [(ann, false)]);

    // Cards: all of what one may read, or by id; another's ids and unknown ones left out.
    let all = g.cards(&jmap(ann), ann, None).await.unwrap();
    assert_eq!(all.len(), 3);
    assert!(String::from_utf8_lossy(&all[0].content).contains("UID:u"));
    let bobs = g.cards(&jmap(bob), ann, None).await.unwrap();
    assert_eq!(bobs.iter().map(|c| c.collection).collect::<Vec<_>>(), [work.id]);
    let ids: Vec<_> = all.iter().map(|c| c.id).chain([relais_store::ItemId(999_999)]).collect();
    assert_eq!(g.cards(&jmap(bob), ann, Some(ids)).await.unwrap(), bobs);

    // A sharee without write rights changes nothing.
    let refused = g.put(&jmap(bob), &work, "x.vcf", card("x", "X"), Condition::default()).await;
    assert!(matches!(refused, Err(Error::Forbidden)));
    assert!(matches!(g.delete_address_book(&jmap(bob), work.id, true).await, Err(Error::Forbidden)));
    assert!(matches!(g.edit_address_book(&jmap(bob), work.id, |p| p.description = None).await, Err(Error::Forbidden)));
    // His subscription is his own.
    g.subscribe_address_book(&jmap(bob), work.id, false).await.unwrap();
    assert!(!sees(bob).await[0].subscribed);
    assert!(sees(ann).await[1].subscribed);
    assert!(matches!(g.subscribe_address_book(&jmap(bob), default.id, false).await, Err(Error::NotFound)));
}
on_both_backends!(what_each_sees_on, what_each_sees);

async fn address_books_made_and_deleted(f: Fresh) {
    let g = Groupware::new(f.store.clone());
    let (ann, bob, default, _) = world(&f).await;
    let props = |name: &str| CollectionProps { display_name: Some(name.into()), ..CollectionProps::default() };
    let a = g.create_address_book(&jmap(ann), ann, props("Work")).await.unwrap();
    let b = g.create_address_book(&jmap(ann), ann, props("Work")).await.unwrap();
    assert_eq!((a.name.as_str(), b.name.as_str()), ("work-2", "work-3"), "DAV names of their own");
    assert!(matches!(g.create_address_book(&jmap(bob), ann, props("X")).await, Err(Error::Forbidden)));
    g.edit_address_book(&jmap(ann), a.id, |p| {
        p.description = Some("colleagues".into());
        p.order = Some("3".into());
    })
    .await
    .unwrap();
    let books = g.address_books(&jmap(ann), ann).await.unwrap();
    let edited = books.iter().find(|x| x.collection.id == a.id).unwrap();
    assert_eq!((edited.name(), edited.props.description.as_deref()), ("Work", Some("colleagues")));

    g.put(&jmap(ann), &a, "c.vcf", card("c", "C"), Condition::default()).await.unwrap();
    assert_eq!(g.delete_address_book(&jmap(ann), a.id, false).await.unwrap(), Removal::HasContents);
    assert_eq!(g.cards(&jmap(ann), ann, None).await.unwrap().len(), 1, "nothing deleted");
    assert_eq!(g.delete_address_book(&jmap(ann), a.id, true).await.unwrap(), Removal::Removed);
    assert_eq!(g.delete_address_book(&jmap(ann), b.id, false).await.unwrap(), Removal::Removed);
    assert!(g.cards(&jmap(ann), ann, None).await.unwrap().is_empty());
    assert!(matches!(g.delete_address_book(&jmap(ann), a.id, true).await, Err(Error::NotFound)));
    assert!(matches!(g.delete_address_book(&jmap(ann), default.id, true).await, Err(Error::Conflict(_))));
}
on_both_backends!(address_books_made_and_deleted_on, address_books_made_and_deleted);

/// A card written as JSContact is stored as a vCard (what CardDAV serves) and read back.
async fn jscontact_stored_as_vcard(f: Fresh) {
    let g = Groupware::new(f.store.clone());
    let (ann, _, default, _) = world(&f).await;
    let object = json!({
        "@type": "Card", "version": "1.0", "uid": "jmap-1",
        "name": {"components": [{"kind": "given", "value": "Ada"}, {"kind": "surname", "value": "Lovelace"}]},
        "emails": {"e1": {"address": "ada@example.com"}},
    });
    let (text, parsed) = from_jscontact(object.as_object().unwrap()).unwrap();
    let name = card_name(&parsed.uid);
    g.put(&jmap(ann), &default, &name, text.into_bytes(), Condition::default()).await.unwrap();
    let stored = g.object_named(&jmap(ann), default.id, &name).await.unwrap().unwrap();
    let stored = String::from_utf8(stored.content).unwrap();
    assert!(stored.starts_with("BEGIN:VCARD") && stored.contains("ada@example.com"), "{stored}");
    let back = to_jscontact(&ContactCard::parse(&stored).unwrap());
    assert_eq!(back["uid"], "jmap-1");
    assert_eq!(back["name"]["components"], object["name"]["components"]);
}
on_both_backends!(jscontact_stored_as_vcard_on, jscontact_stored_as_vcard);
