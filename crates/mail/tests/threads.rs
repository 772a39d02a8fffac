//! Threads decided at delivery (relais_mail::thread), on both backends: which messages share a
//! thread, that a thread id never changes, and that the change log records threads.

use relais_directory::{AuthConfig, Directory};
use relais_mail::{Destination, Envelope, EnvelopeRecipient, Mailer};
use relais_store::{AccountId, DataType, ItemId, Modseq, PrincipalKind, Role};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;

struct Mail {
    mailer: Mailer,
    account: AccountId,
}

impl Mail {
    async fn deliver(&self, headers: &str) -> ItemId {
        let envelope = Envelope {
            sender: "sender@remote.example".into(),
            recipients: vec![EnvelopeRecipient {
                address: "alice@example.com".into(),
                destination: Destination::Local(vec![self.account]),
                orcpt: None,
                notify: 0,
            }],
            ..Envelope::default()
        };
        let message = format!("{headers}From: x@remote.example\r\n\r\nbody\r\n").into_bytes();
        let delivered = self.mailer.deliver(&envelope, message).await.unwrap();
        delivered.items[0].1
    }

    async fn thread(&self, item: ItemId) -> i64 {
        self.mailer.store().read(move |r| r.item(item)).await.unwrap().thread_id.expect("every message has a thread")
    }
}

async fn setup(f: &Fresh, user: &str) -> Mail {
    let dir = Directory::new(f.store.clone(), AuthConfig::default());
    if !dir.is_local_domain("example.com").await.unwrap() {
        dir.add_domain("example.com").await.unwrap();
    }
    let p = dir.add_principal(PrincipalKind::User, user, "", Some("pw"), Role::User).await.unwrap();
    let mailer = Mailer::new(f.store.clone(), dir, "mail.test", std::time::Duration::from_secs(3600));
    Mail { mailer, account: p.id }
}

async fn threads(f: Fresh) {
    let m = setup(&f, "alice@example.com").await;
    // (name, headers, joins the thread of: None = a new thread)
    let table: &[(&str, &str, Option<&str>)] = &[
        ("root", "Message-ID: <root@x>\r\nSubject: Plans\r\n", None),
        ("reply", "Message-ID: <r1@x>\r\nIn-Reply-To: <root@x>\r\nSubject: Re: Plans\r\n", Some("root")),
        // Names only the reply: found through it, and case and "Fwd:" do not matter.
        ("deeper", "Message-ID: <r2@x>\r\nReferences: <r1@x>\r\nSubject: FWD: plans\r\n", Some("root")),
        // Refers to the thread but is about something else: a thread of its own (JMAP, Gmail).
        ("new topic", "Message-ID: <t@x>\r\nReferences: <root@x>\r\nSubject: Lunch?\r\n", None),
        ("unrelated", "Message-ID: <u@x>\r\nSubject: Plans\r\n", None),
        ("no ids", "Subject: Plans\r\n", None),
        // A reply that arrives before its parent: the parent, when it comes, joins it.
        ("early child", "Message-ID: <c@x>\r\nReferences: <p@x>\r\nSubject: Re: Late\r\n", None),
        ("late parent", "Message-ID: <p@x>\r\nSubject: Late\r\n", Some("early child")),
        // Siblings of a root this mailbox never saw share a thread.
        ("sibling 1", "Message-ID: <s1@x>\r\nReferences: <gone@x>\r\nSubject: Re: List\r\n", None),
        ("sibling 2", "Message-ID: <s2@x>\r\nReferences: <gone@x>\r\nSubject: Re: List\r\n", Some("sibling 1")),
    ];
    let mut seen: Vec<(&str, ItemId, i64)> = Vec::new();
    for (name, headers, joins) in table {
        let id = m.deliver(headers).await;
        let thread = m.thread(id).await;
        match joins {
            None => assert_eq!(thread, id.0, "{name}: starts a thread under its own id"),
            Some(other) => {
                let (_, _, expected) = seen.iter().find(|(n, _, _)| n == other).unwrap();
                assert_eq!(thread, *expected, "{name}: joins {other}'s thread");
            }
        }
        seen.push((name, id, thread));
    }
    // The same message delivered to another account starts a thread there: threads are per account.
    let bob = setup(&f, "bob@example.com").await;
    let id = bob.deliver("Message-ID: <r3@x>\r\nIn-Reply-To: <root@x>\r\nSubject: Re: Plans\r\n").await;
    assert_eq!(bob.thread(id).await, id.0);
}
on_both_backends!(threads_on, threads);

/// Thread changes are in the change log (JMAP Thread/changes): created with its first message,
/// updated when one joins or leaves, destroyed with its last.
async fn thread_changes(f: Fresh) {
    let m = setup(&f, "alice@example.com").await;
    let store = m.mailer.store().clone();
    let account = m.account;
    let changes = |since: Modseq| {
        let store = store.clone();
        async move { store.read(move |r| r.changes_since(account, DataType::Thread, since)).await.unwrap() }
    };
    let start = Modseq(0);
    let root = m.deliver("Message-ID: <a@x>\r\nSubject: S\r\n").await;
    let c = changes(start).await;
    assert_eq!((c.created.as_slice(), c.updated.len()), (&[root.0][..], 0));
    let after_root = c.until;
    let reply = m.deliver("Message-ID: <b@x>\r\nIn-Reply-To: <a@x>\r\nSubject: Re: S\r\n").await;
    let c = changes(after_root).await;
    assert_eq!((c.created.len(), c.updated.as_slice()), (0, &[root.0][..]));
    let after_reply = c.until;
    store.write(move |tx| tx.destroy_item(root)).await.unwrap();
    let c = changes(after_reply).await;
    assert_eq!(c.updated, [root.0], "the reply is still in the thread");
    let after_one = c.until;
    store.write(move |tx| tx.destroy_item(reply)).await.unwrap();
    assert_eq!(changes(after_one).await.destroyed, [root.0], "its last message went");
    // Its lookup rows went with the messages: a new message naming <a@x> starts afresh.
    let again = m.deliver("Message-ID: <c@x>\r\nIn-Reply-To: <a@x>\r\nSubject: Re: S\r\n").await;
    assert_eq!(m.thread(again).await, again.0);
    let left = store.read(move |r| r.thread_messages(root.0)).await.unwrap();
    assert!(left.is_empty());
}
on_both_backends!(thread_changes_on, thread_changes);
