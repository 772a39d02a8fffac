//! Searching on a user's behalf (relais_mail::search::search_as) and finding threads again
//! (relais_mail::thread::threads_in), on both backends: only mailboxes the actor may read are
//! searched; one it names and may not read is the refusal.

use std::time::Duration;

use relais_directory::access::{Actor, Protocol, Rights};
use relais_directory::{AuthConfig, Directory};
use relais_mail::mailbox::NewMessage;
use relais_mail::search::{Query, Scope, search_as};
use relais_mail::{MailError, Mailer, thread};
use relais_store::{PrincipalKind, Role};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;

fn message(subject: &str, id: &str, reply_to: Option<&str>) -> NewMessage {
    let irt = reply_to.map(|r| format!("In-Reply-To: <{r}>\r\n")).unwrap_or_default();
    NewMessage {
        raw: format!("Subject: {subject}\r\nMessage-ID: <{id}>\r\n{irt}\r\nsee the figures\r\n").into_bytes(),
        keywords: Vec::new(),
        received_at: Some(1_600_000_000),
    }
}

async fn searching_as(f: Fresh) {
    let dir = Directory::new(f.store.clone(), AuthConfig::default());
    dir.add_domain("example.com").await.unwrap();
    let a = dir.add_principal(PrincipalKind::User, "a@example.com", "", Some("pw"), Role::User).await.unwrap();
    let b = dir.add_principal(PrincipalKind::User, "b@example.com", "", Some("pw"), Role::User).await.unwrap();
    let m = Mailer::new(f.store.clone(), dir, "mail.test", Duration::from_secs(60));
    let (alice, bob) = (Actor::new(a.id, Protocol::ActiveSync), Actor::new(b.id, Protocol::ActiveSync));
    let a_inbox = m.mailbox_at(a.id, "INBOX").await.unwrap().id;
    let b_inbox = m.mailbox_at(b.id, "INBOX").await.unwrap().id;
    m.append(&alice, a_inbox, vec![message("Budget", "1@x", None), message("Re: Budget", "2@x", Some("1@x"))])
        .await
        .unwrap();
    m.append(&bob, b_inbox, vec![message("Budget", "3@x", None), message("Other", "4@x", None)]).await.unwrap();
    let budget = Query::Text("budget".into());
    let uids = |hits: Vec<relais_store::Hit>| hits.iter().map(|h| (h.mailbox, h.uid.0)).collect::<Vec<_>>();

    // Her own mailbox; her account; Bob's account holds nothing she may read.
    let own = search_as(&f.store, &alice, &Scope::Mailbox(a_inbox), &budget).await.unwrap();
    assert_eq!(uids(own), [(a_inbox, 1), (a_inbox, 2)]);
    let account = search_as(&f.store, &alice, &Scope::Account(a.id), &budget).await.unwrap();
    assert_eq!(account.len(), 2);
    assert!(search_as(&f.store, &alice, &Scope::Account(b.id), &budget).await.unwrap().is_empty());
    // Bob's mailbox named: not hers to see, among others or alone.
    let named = search_as(&f.store, &alice, &Scope::Mailboxes(vec![a_inbox, b_inbox]), &budget).await;
    assert!(matches!(named, Err(MailError::NoMailbox)), "{named:?}");
    // Shared with her for lookup only: seen, not read.
    let bob_id = b_inbox;
    f.store.write(move |tx| tx.set_grants(bob_id, &[(a.id, Rights::LOOKUP.bits())])).await.unwrap();
    let lookup = search_as(&f.store, &alice, &Scope::Mailbox(b_inbox), &budget).await;
    assert!(matches!(lookup, Err(MailError::NoRight { .. })), "{lookup:?}");
    // Shared for reading: found.
    f.store
        .write(move |tx| tx.set_grants(bob_id, &[(a.id, (Rights::LOOKUP | Rights::READ_ITEMS).bits())]))
        .await
        .unwrap();
    assert_eq!(uids(search_as(&f.store, &alice, &Scope::Mailbox(b_inbox), &budget).await.unwrap()), [(b_inbox, 1)]);

    // Threads: her two messages are one thread; Bob's mailbox, once readable, adds its two.
    let hers = thread::threads_in(&f.store, &alice, &[a_inbox]).await.unwrap();
    assert_eq!(hers.len(), 1);
    let in_thread = search_as(&f.store, &alice, &Scope::Mailbox(a_inbox), &Query::Thread(hers[0])).await.unwrap();
    assert_eq!(in_thread.len(), 2);
    assert_eq!(thread::threads_in(&f.store, &alice, &[a_inbox, b_inbox]).await.unwrap().len(), 3);
    let refused = thread::threads_in(&f.store, &bob, &[a_inbox]).await;
    assert!(matches!(refused, Err(MailError::NoMailbox)), "{refused:?}");
}
on_both_backends!(searching_as_on, searching_as);
