//! Out-of-office replies at delivery (relais_mail::vacation), on both backends: who gets one,
//! once per period, with which text, and never for lists, automatic mail or quarantined mail.

use std::time::Duration;

use relais_directory::{AuthConfig, Directory};
use relais_mail::vacation::Vacation;
use relais_mail::{Envelope, EnvelopeRecipient, Mailer};
use relais_store::{AccountId, CollectionKind, PrincipalKind, Role, Store};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;

async fn setup(f: &Fresh) -> (Mailer, AccountId, AccountId) {
    let dir = Directory::new(f.store.clone(), AuthConfig::default());
    dir.add_domain("example.com").await.unwrap();
    let add = |a: &'static str, n: &'static str| {
        let dir = dir.clone();
        async move { dir.add_principal(PrincipalKind::User, a, n, Some("pw"), Role::User).await.unwrap().id }
    };
    let alice = add("alice@example.com", "Alice Martin").await;
    let bob = add("bob@example.com", "").await;
    dir.add_alias("am@example.com", "alice@example.com").await.unwrap();
    (Mailer::new(f.store.clone(), dir, "mail.test", Duration::from_secs(3600)), alice, bob)
}

async fn send(m: &Mailer, sender: &str, to: &str, extra: &str, quarantine: bool) {
    let destination = m.route("alice@example.com").await.unwrap().unwrap();
    let envelope = Envelope {
        sender: sender.into(),
        recipients: vec![EnvelopeRecipient {
            address: "alice@example.com".into(),
            destination,
            orcpt: None,
            notify: 0,
        }],
        quarantine,
        ..Envelope::default()
    };
    let raw = format!("From: {sender}\r\nTo: {to}\r\nSubject: Budget\r\nMessage-ID: <q@x>\r\n{extra}\r\nbody\r\n");
    m.deliver(&envelope, raw.into_bytes()).await.unwrap();
}

/// Replies queued for remote senders: (recipient, reverse-path).
async fn queued(store: &Store) -> Vec<(String, String)> {
    let list = store.read(|r| r.queued_messages()).await.unwrap();
    list.into_iter().flat_map(|m| m.recipients.into_iter().map(move |r| (r.address, m.sender.clone()))).collect()
}

/// Messages in `account`'s INBOX, as raw text.
async fn inbox(store: &Store, account: AccountId) -> Vec<String> {
    let mut out = Vec::new();
    let inbox =
        store.read(move |r| r.collection_by_role(account, CollectionKind::Mailbox, "inbox")).await.unwrap().unwrap();
    for m in store.read(move |r| r.mailbox_messages(inbox.id)).await.unwrap() {
        out.push(String::from_utf8(store.blob(m.blob.unwrap()).await.unwrap()).unwrap());
    }
    out
}

/// Waits for the replies (sent after delivery, on a task of their own) to settle: until
/// `count()` reaches `expected` (10 s at most), then a moment for any reply too many.
async fn settle<F: std::future::Future<Output = usize>>(expected: usize, count: impl Fn() -> F) -> usize {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while count().await < expected && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    count().await
}

async fn replies(f: Fresh) {
    let (m, alice, bob) = setup(&f).await;
    let store = m.store().clone();
    let in_queue = || async { queued(&store).await.len() };
    send(&m, "x@remote.example", "alice@example.com", "", false).await;
    assert_eq!(settle(0, in_queue).await, 0, "off by default");

    let v = Vacation {
        enabled: true,
        text: "I am away until Monday.".into(),
        internal_text: Some("Back Monday; ask Bob.".into()),
        ..Vacation::default()
    };
    m.set_vacation(alice, &v).await.unwrap();
    assert_eq!(m.vacation(alice).await.unwrap(), v);
    // (sender, To, extra header fields, quarantined, replies expected in the queue so far)
    let table: &[(&str, &str, &str, bool, usize)] = &[
        ("x@remote.example", "Alice <alice@example.com>", "", false, 1),
        ("X@Remote.Example", "alice@example.com", "", false, 1), // once per sender per period
        ("y@remote.example", "am@example.com", "", false, 2),    // named by an alias
        ("z@remote.example", "team@remote.example", "", false, 2), // not named (Bcc, a list)
        ("w@remote.example", "alice@example.com", "List-Id: <l.remote.example>\r\n", false, 2),
        ("w@remote.example", "alice@example.com", "Auto-Submitted: auto-generated\r\n", false, 2),
        ("w@remote.example", "alice@example.com", "Precedence: bulk\r\n", false, 2),
        ("w@remote.example", "alice@example.com", "", true, 2), // quarantined: probable spam
        ("", "alice@example.com", "", false, 2),                // a bounce
        ("mailer-daemon@remote.example", "alice@example.com", "", false, 2),
    ];
    for (i, (sender, to, extra, quarantine, expected)) in table.iter().enumerate() {
        send(&m, sender, to, extra, *quarantine).await;
        settle(*expected, in_queue).await;
        let q = queued(&store).await;
        assert_eq!(q.len(), *expected, "row {i} ({sender} {to} {extra:?}): {q:?}");
        assert!(q.iter().all(|(_, reverse)| reverse.is_empty()), "null reverse-path (RFC 3834 §3.3)");
    }
    // A sender in the organisation gets the internal text, in their INBOX.
    send(&m, "bob@example.com", "alice@example.com", "", false).await;
    settle(1, || async { inbox(&store, bob).await.len() }).await;
    let got = inbox(&store, bob).await;
    assert_eq!(got.len(), 1, "{got:?}");
    for part in ["Back Monday; ask Bob.", "Auto-Submitted: auto-replied", "In-Reply-To: <q@x>", "Subject: Auto: Budget"]
    {
        assert!(got[0].contains(part), "{part} in {}", got[0]);
    }
    assert!(got[0].contains("Alice Martin") && got[0].contains("<alice@example.com>"), "{}", got[0]);
    // Saving the setting again starts a new period.
    m.set_vacation(alice, &v).await.unwrap();
    send(&m, "x@remote.example", "alice@example.com", "", false).await;
    assert_eq!(settle(3, in_queue).await, 3);
    // Outside its dates, or internal only, nobody outside is answered.
    let later = Vacation { from: Some(relais_store::now() + 86_400), ..v.clone() };
    m.set_vacation(alice, &later).await.unwrap();
    send(&m, "x@remote.example", "alice@example.com", "", false).await;
    let internal = Vacation { internal_only: true, ..v };
    m.set_vacation(alice, &internal).await.unwrap();
    send(&m, "x@remote.example", "alice@example.com", "", false).await;
    assert_eq!(settle(3, in_queue).await, 3);
}
on_both_backends!(replies_on, replies);
