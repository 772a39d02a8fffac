//! An account's default notes collection (`Groupware::default_notes`), on both backends: made
//! once on first use (a calendar taking VJOURNAL only, role `notes`), under another DAV name
//! when a calendar holds `notes`; it takes journals and refuses events; a note written as
//! fields reads back; a principal cannot have one made in another's account.

use relais_directory::{Actor, AuthConfig, Directory};
use relais_groupware::note::{NOTES_ROLE, NoteFields, is_note_list};
use relais_groupware::sync::Held;
use relais_groupware::{CollectionProps, Condition, Error, Groupware, InvalidKind};
use relais_store::{CollectionKind, PrincipalKind, Role};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;

const EVENT: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:e1\r\n\
DTSTAMP:20260101T000000Z\r\nDTSTART:20260105T100000Z\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

async fn default_notes(f: Fresh) {
    let dir = Directory::new(f.store.clone(), AuthConfig::default());
    dir.add_domain("example.com").await.unwrap();
    let alice = dir.add_principal(PrincipalKind::User, "alice@example.com", "", Some("pw"), Role::User).await.unwrap();
    let bob = dir.add_principal(PrincipalKind::User, "bob@example.com", "", Some("pw"), Role::User).await.unwrap();
    let g = Groupware::new(f.store.clone());
    let (a, b) = (Actor::system(alice.id), Actor::system(bob.id));

    // Made on first use, the same one after; its own calendar beside the default one.
    let notes = g.default_notes(&a).await.unwrap();
    assert!(is_note_list(&notes), "{notes:?}");
    assert_eq!((notes.name.as_str(), notes.role.as_deref()), ("notes", Some(NOTES_ROLE)));
    assert_eq!(CollectionProps::parse(&notes.props).display_name.as_deref(), Some("Notes"));
    assert_eq!(g.default_notes(&a).await.unwrap().id, notes.id);
    let cals = g.own_collections(&a, CollectionKind::Calendar).await.unwrap();
    assert_eq!(cals.iter().filter(|c| is_note_list(c)).count(), 1);
    assert_eq!(cals.len(), 2);

    // A note in it, read back as fields; an event refused.
    let note = NoteFields {
        uid: "n1".into(),
        subject: Some("Groceries".into()),
        body: Some("milk".into()),
        categories: vec!["Home".into()],
        last_modified: Some(1_800_000_000),
    };
    g.put(&a, &notes, "n1.ics", note.to_ical(None).into_bytes(), Condition::default()).await.unwrap();
    let delta = g.delta(&a, notes.id, Held::default(), 10).await.unwrap();
    assert_eq!(delta.added.len(), 1);
    assert_eq!(NoteFields::from_ical(&String::from_utf8_lossy(&delta.added[0].content)), Some(note));
    let refused = g.put(&a, &notes, "e1.ics", EVENT.as_bytes().to_vec(), Condition::default()).await;
    assert!(matches!(refused, Err(Error::Invalid(ref i)) if i.kind == InvalidKind::Component), "{refused:?}");

    // Bob has a calendar called "notes" already: his notes collection takes another name.
    let props = CollectionProps::default();
    g.create_collection(&b, bob.id, CollectionKind::Calendar, "notes", props).await.unwrap();
    let bobs = g.default_notes(&b).await.unwrap();
    assert_eq!((bobs.name.as_str(), bobs.account), ("notes-2", bob.id));
    assert_ne!(bobs.id, notes.id);

    // Deleted, it is made again on the next use.
    g.delete_collection(&a, &notes).await.unwrap();
    let again = g.default_notes(&a).await.unwrap();
    assert!(again.id != notes.id && is_note_list(&again));
}
on_both_backends!(default_notes_on, default_notes);
