//! The mailbox operations of the mail domain (relais_mail::mailbox), on both backends.

use std::time::Duration;

use relais_directory::access::Actor;
use relais_directory::{AuthConfig, Directory};
use relais_mail::Mailer;
use relais_mail::mailbox::NewMessage;
use relais_store::{CollectionKind, PrincipalKind, Role};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;

fn message(subject: &str, size: usize) -> NewMessage {
    let mut raw = format!("Subject: {subject}\r\n\r\n").into_bytes();
    raw.resize(size.max(raw.len()), b'x');
    NewMessage { raw, keywords: vec!["\\Seen".into()], received_at: Some(1_600_000_000) }
}

async fn append_and_paths(f: Fresh) {
    let dir = Directory::new(f.store.clone(), AuthConfig::default());
    dir.add_domain("example.com").await.unwrap();
    let p = dir.add_principal(PrincipalKind::User, "a@example.com", "", Some("pw"), Role::User).await.unwrap();
    let m = Mailer::new(f.store.clone(), dir.clone(), "mail.test", Duration::from_secs(60));
    // A path: INBOX by its role in any case; levels made once, then found.
    let inbox = m.mailbox_at(p.id, "inbox").await.unwrap();
    assert_eq!(inbox.role.as_deref(), Some("inbox"));
    let deep = m.mailbox_at(p.id, "Work/2026/Q1").await.unwrap();
    assert_eq!(m.mailbox_at(p.id, "/Work//2026/Q1/").await.unwrap().id, deep.id);
    // The names no protocol may make (issue 10 item 13), for the importer too.
    for bad in ["a\u{0}b/c", "Other Users/bob@example.com/x", " other users /x", "tab\there"] {
        assert!(m.mailbox_at(p.id, bad).await.is_err(), "{bad:?}");
    }
    let work = f.store.read(move |r| r.child_collection(p.id, CollectionKind::Mailbox, None, "Work")).await.unwrap();
    assert!(work.is_some());

    let me = Actor::system(p.id);
    let stored = m.append(&me, deep.id, vec![message("one", 100), message("two", 100)]).await.unwrap();
    assert_eq!(stored.iter().map(|(_, uid)| uid.0).collect::<Vec<_>>(), [1, 2]);
    let item = f.store.read(move |r| r.item(stored[0].0)).await.unwrap();
    assert_eq!((item.received_at, item.keywords.clone()), (1_600_000_000, vec!["\\Seen".to_owned()]));
    assert!(item.thread_id.is_some());
    assert!(m.holds(deep.id, &message("one", 100).raw).await.unwrap());
    assert!(!m.holds(inbox.id, &message("one", 100).raw).await.unwrap());
    assert!(m.append(&me, deep.id, vec![NewMessage::default()]).await.is_err(), "an empty message");

    // The quota is checked in the write: all or nothing.
    dir.set_quota("a@example.com", Some(1_000)).await.unwrap();
    let over = m.append(&me, inbox.id, vec![message("small", 300), message("big", 700)]).await;
    assert!(matches!(over, Err(relais_mail::MailError::Store(relais_store::Error::OverQuota))), "{over:?}");
    let id = inbox.id;
    assert!(f.store.read(move |r| r.mailbox_messages(id)).await.unwrap().is_empty(), "nothing stored");
    m.append(&me, inbox.id, vec![message("fits", 300)]).await.unwrap();
    // Two appends racing for the room of one: exactly one is stored (on PostgreSQL the
    // account's row is locked for the check).
    let room = f.store.read(move |r| r.usage(p.id)).await.unwrap() + 1_000;
    dir.set_quota("a@example.com", Some(room)).await.unwrap();
    let (one, two) =
        tokio::join!(m.append(&me, inbox.id, vec![message("r1", 600)]), m.append(&me, inbox.id, vec![message("r2", 600)]));
    assert_eq!([&one, &two].iter().filter(|r| r.is_ok()).count(), 1, "{one:?} {two:?}");
}
on_both_backends!(append_on, append_and_paths);

/// One expunge for IMAP EXPUNGE, UID EXPUNGE, CLOSE and POP3 QUIT: on the flags as committed.
async fn expunge_paths(f: Fresh) {
    use relais_mail::mailbox::{Expunge, expunge};
    let dir = Directory::new(f.store.clone(), AuthConfig::default());
    dir.add_domain("example.com").await.unwrap();
    let p = dir.add_principal(PrincipalKind::User, "a@example.com", "", Some("pw"), Role::User).await.unwrap();
    let m = Mailer::new(f.store.clone(), dir, "mail.test", Duration::from_secs(60));
    let inbox = m.mailbox_at(p.id, "INBOX").await.unwrap().id;
    let mut batch: Vec<NewMessage> = (0..5).map(|i| message(&format!("m{i}"), 50)).collect();
    for n in [0, 1, 3] {
        batch[n].keywords.push("\\Deleted".into());
    }
    let me = Actor::system(p.id);
    let stored = m.append(&me, inbox, batch).await.unwrap();
    let uid = |i: usize| stored[i].1;
    // UID EXPUNGE 1:2: only the flagged ones among them.
    assert_eq!(expunge(&f.store, &me, inbox, Expunge::Deleted(Some(vec![uid(0), uid(2)]))).await.unwrap(), [uid(0)]);
    // Another session clears \Deleted on message 3 before this one's EXPUNGE/CLOSE.
    let item3 = stored[3].0;
    f.store.write(move |tx| tx.set_keywords(item3, &[])).await.unwrap();
    assert_eq!(expunge(&f.store, &me, inbox, Expunge::Deleted(None)).await.unwrap(), [uid(1)]);
    // POP3: the messages named, whatever their flags; one gone meanwhile is skipped.
    let gone = vec![(uid(2), stored[2].0), (uid(0), stored[0].0)];
    assert_eq!(expunge(&f.store, &me, inbox, Expunge::Messages(gone)).await.unwrap(), [uid(2)]);
    let left: Vec<_> = f.store.read(move |r| r.mailbox_entries(inbox)).await.unwrap().iter().map(|e| e.uid).collect();
    assert_eq!(left, [uid(3), uid(4)]);
}
on_both_backends!(expunge_on, expunge_paths);

/// \Seen from a read is added on the flags as committed: a flag another session set meanwhile
/// stays.
async fn keyword_on_committed_flags(f: Fresh) {
    let dir = Directory::new(f.store.clone(), AuthConfig::default());
    dir.add_domain("example.com").await.unwrap();
    let p = dir.add_principal(PrincipalKind::User, "a@example.com", "", Some("pw"), Role::User).await.unwrap();
    let m = Mailer::new(f.store.clone(), dir, "mail.test", Duration::from_secs(60));
    let inbox = m.mailbox_at(p.id, "INBOX").await.unwrap().id;
    let mut one = message("one", 50);
    one.keywords.clear();
    let me = Actor::system(p.id);
    let stored = m.append(&me, inbox, vec![one, message("two", 50)]).await.unwrap();
    let (first, second) = (stored[0].0, stored[1].0);
    // Another session flags the first message after this one last looked.
    f.store.write(move |tx| tx.set_keywords(first, &["\\Flagged".into()])).await.unwrap();
    let changed = relais_mail::mailbox::add_keyword(&f.store, &me, inbox, vec![first, second], "\\Seen").await.unwrap();
    assert_eq!(changed, [first], "the second was seen already");
    let kept = f.store.read(move |r| r.item(first)).await.unwrap().keywords;
    assert_eq!(kept, ["\\Flagged", "\\Seen"]);
}
on_both_backends!(keyword_on, keyword_on_committed_flags);

/// `append_then` runs its step in the append's transaction (a quota refusal keeps neither),
/// and `fingerprints` recognise a stored message by Message-ID, received date and size.
async fn append_then_and_fingerprints(f: Fresh) {
    use relais_mail::mailbox::Fingerprint;
    let dir = Directory::new(f.store.clone(), AuthConfig::default());
    dir.add_domain("example.com").await.unwrap();
    let p = dir.add_principal(PrincipalKind::User, "a@example.com", "", Some("pw"), Role::User).await.unwrap();
    let m = Mailer::new(f.store.clone(), dir.clone(), "mail.test", Duration::from_secs(60));
    let inbox = m.mailbox_at(p.id, "INBOX").await.unwrap();
    let raw = b"Message-ID: <one@x>\r\nSubject: one\r\n\r\nbody\r\n".to_vec();
    let one = NewMessage { raw: raw.clone(), keywords: vec![], received_at: Some(1_700_000_000) };
    let account = p.id;
    m.append_then(&Actor::system(account), inbox.id, vec![one], move |tx, _| {
        tx.set_migration_progress(account, "src", "INBOX", 1, 5)
    })
    .await
    .unwrap();
    let progress = f.store.read(move |r| r.migration_progress(account, "src", "INBOX")).await.unwrap();
    assert_eq!(progress.map(|p| p.last_uid), Some(5));

    dir.set_quota("a@example.com", Some(100)).await.unwrap();
    let big = NewMessage { raw: vec![b'x'; 200], keywords: vec![], received_at: None };
    let over = m
        .append_then(&Actor::system(account), inbox.id, vec![big], move |tx, _| {
            tx.set_migration_progress(account, "src", "INBOX", 1, 9)
        })
        .await;
    assert!(over.is_err(), "{over:?}");
    let progress = f.store.read(move |r| r.migration_progress(account, "src", "INBOX")).await.unwrap();
    assert_eq!(progress.map(|p| p.last_uid), Some(5), "the refused append's step is not kept");

    let prints = m.fingerprints(inbox.id).await.unwrap();
    let expected = Fingerprint::of(&raw, 1_700_000_000).unwrap();
    assert_eq!(expected.message_id, "one@x");
    assert!(prints.contains(&expected), "{prints:?}");
    assert!(!prints.contains(&Fingerprint::of(&raw, 1_700_000_001).unwrap()), "another date");
    assert_eq!(Fingerprint::of(b"Subject: no id\r\n\r\nx\r\n", 0), None);
}
on_both_backends!(append_then_on, append_then_and_fingerprints);
