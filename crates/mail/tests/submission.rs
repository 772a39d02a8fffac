//! Submission as a domain service (`Mailer::submit`), on both backends: who may send as whom
//! (own address and aliases, send-as and send-on-behalf grants), the fields a submission server
//! adds, local delivery and the queue in one call, and the Sent copy when asked for.

use std::time::Duration;

use relais_directory::{AuthConfig, Directory, Principal, rights};
use relais_mail::submission::OriginatorError;
use relais_mail::{Envelope, EnvelopeRecipient, Mailer, SentCopy, SubmitError, SubmitOptions};
use relais_store::{CollectionKind, PrincipalKind, Role};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;

struct World {
    mailer: Mailer,
    dir: Directory,
    alice: Principal,
    bob: Principal,
}

async fn world(f: &Fresh) -> World {
    let dir = Directory::new(f.store.clone(), AuthConfig::default());
    dir.add_domain("example.com").await.unwrap();
    let add = |a: &'static str, n: &'static str| {
        let dir = dir.clone();
        async move { dir.add_principal(PrincipalKind::User, a, n, Some("pw"), Role::User).await.unwrap() }
    };
    let alice = add("alice@example.com", "Alice").await;
    let bob = add("bob@example.com", "Bob").await;
    add("boss@example.com", "The Boss").await;
    dir.add_alias("al@example.com", "alice@example.com").await.unwrap();
    let mailer = Mailer::new(f.store.clone(), dir.clone(), "mail.test", Duration::from_secs(3600));
    World { mailer, dir, alice, bob }
}

async fn envelope(m: &Mailer, sender: &str, to: &[&str]) -> Envelope {
    let mut recipients = Vec::new();
    for a in to {
        let destination = m.route(a).await.unwrap().unwrap();
        recipients.push(EnvelopeRecipient { address: (*a).into(), destination, orcpt: None, notify: 0 });
    }
    Envelope { sender: sender.into(), recipients, ..Envelope::default() }
}

/// The stored content of the only message in `account`'s mailbox with `role`.
async fn only_message(
    f: &Fresh,
    account: relais_store::AccountId,
    role: &'static str,
) -> Option<(Vec<u8>, Vec<String>)> {
    let store = f.store.clone();
    let messages = store
        .read(move |r| {
            let Some(c) = r.collection_by_role(account, CollectionKind::Mailbox, role)? else { return Ok(Vec::new()) };
            r.mailbox_messages(c.id)
        })
        .await
        .unwrap();
    assert!(messages.len() <= 1, "{messages:?}");
    let m = messages.into_iter().next()?;
    Some((store.blob(m.blob.unwrap()).await.unwrap(), m.keywords))
}

fn field<'a>(raw: &'a [u8], name: &str) -> Vec<&'a str> {
    let text = std::str::from_utf8(relais_mail::headers::header_block(raw)).unwrap();
    text.split("\r\n")
        .filter_map(|l| l.split_once(": ").filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v))
        .collect()
}

async fn sends_and_completes(f: Fresh) {
    let w = world(&f).await;
    let env = envelope(&w.mailer, "alice@example.com", &["bob@example.com", "carol@remote.test"]).await;
    let raw = b"From: Alice <alice@example.com>\r\nTo: bob@example.com\r\nSubject: hi\r\n\r\nbody\r\n".to_vec();
    let done = w.mailer.submit(&w.alice, env, raw, SubmitOptions::default()).await.unwrap();
    assert_eq!(done.delivered.items.len(), 1, "bob's copy");
    assert!(done.delivered.queued.is_some(), "carol's on the queue");
    assert!(matches!(done.sent, SentCopy::NotRequested), "{:?}", done.sent);
    let (copy, _) = only_message(&f, w.bob.id, "inbox").await.unwrap();
    // RFC 6409 §8.1, §8.3: the submission server adds a missing Date and Message-ID.
    assert_eq!(field(&copy, "Message-ID").len(), 1);
    assert!(field(&copy, "Message-ID")[0].ends_with("@mail.test>"));
    assert_eq!(field(&copy, "Date").len(), 1);
    assert!(field(&copy, "Sender").is_empty());
    assert!(only_message(&f, w.alice.id, "sent").await.is_none(), "no Sent copy unless asked");
    let queued = f.store.read(|r| r.queued_messages()).await.unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].principal, Some(w.alice.id));

    // Fields the client set are kept as they are.
    let env = envelope(&w.mailer, "alice@example.com", &["carol@remote.test"]).await;
    let raw = b"From: alice@example.com\r\nDate: Thu, 01 Jan 2026 00:00:00 +0000\r\nMessage-ID: <mine@x>\r\n\r\nb\r\n";
    let options = SubmitOptions { save_sent: true };
    let done = w.mailer.submit(&w.alice, env, raw.to_vec(), options).await.unwrap();
    let SentCopy::Stored { item, .. } = done.sent else { panic!("{:?}", done.sent) };
    let (copy, keywords) = only_message(&f, w.alice.id, "sent").await.unwrap();
    assert_eq!(copy, raw, "the Sent copy is the message as sent");
    assert_eq!(keywords, ["\\Seen"]);
    assert!(f.store.read(move |r| r.item(item)).await.unwrap().thread_id.is_some());
}
on_both_backends!(sends_and_completes_on, sends_and_completes);

/// Who may name whom, in the envelope and in From/Sender: (envelope sender, header, grant of
/// boss to alice, outcome). `Ok(Some(sender))`: accepted with that Sender added.
async fn who_may_send_as_whom(f: Fresh) {
    type Want = Result<Option<&'static str>, &'static str>;
    let cases: &[(&str, &str, i64, Want)] = &[
        ("alice@example.com", "From: alice@example.com", 0, Ok(None)),
        ("al@example.com", "From: AL@example.com", 0, Ok(None)),
        ("alice@example.com", "From: boss@example.com", 0, Err("From")),
        ("boss@example.com", "From: alice@example.com", 0, Err("envelope")),
        ("alice@example.com", "From: alice@example.com\r\nSender: bob@example.com", 0, Err("Sender")),
        ("boss@example.com", "From: boss@example.com", rights::SEND_AS, Ok(None)),
        ("alice@example.com", "From: boss@example.com", rights::SEND_AS, Ok(None)),
        // RFC 5322 §3.6.2: on behalf, the delegate is the Sender; added when missing.
        ("alice@example.com", "From: boss@example.com", rights::SEND_ON_BEHALF, Ok(Some("alice@example.com"))),
        ("alice@example.com", "From: boss@example.com\r\nSender: al@example.com", rights::SEND_ON_BEHALF, Ok(None)),
        (
            "alice@example.com",
            "From: boss@example.com\r\nSender: boss@example.com",
            rights::SEND_ON_BEHALF,
            Err("Sender"),
        ),
        ("boss@example.com", "From: boss@example.com", rights::SEND_ON_BEHALF, Err("envelope")),
        ("alice@example.com", "From: alice@example.com, boss@example.com", 0, Err("From")),
        ("alice@example.com", "Subject: no author", 0, Err("count")),
        ("", "From: alice@example.com", 0, Err("envelope")),
    ];
    let w = world(&f).await;
    for (sender, header, grant, want) in cases {
        w.dir
            .grant("boss@example.com", "alice@example.com", relais_directory::Delegation::from_bits(*grant))
            .await
            .unwrap();
        let env = envelope(&w.mailer, sender, &["bob@example.com"]).await;
        let raw = format!("{header}\r\nSubject: case\r\n\r\nbody\r\n").into_bytes();
        let got = match w.mailer.submit(&w.alice, env, raw, SubmitOptions::default()).await {
            Ok(done) => {
                let id = done.delivered.items[0].1;
                let blob = f.store.read(move |r| r.item(id)).await.unwrap().blob.unwrap();
                let copy = f.store.blob(blob).await.unwrap();
                let senders = field(&copy, "Sender");
                assert!(senders.len() <= 1, "{senders:?}");
                Ok(senders.first().filter(|_| !header.contains("Sender:")).map(|s| s.to_string()))
            }
            Err(SubmitError::EnvelopeSender { .. }) => Err("envelope"),
            Err(SubmitError::Originator(OriginatorError::NotPermitted { field, .. })) => Err(field),
            Err(SubmitError::Originator(OriginatorError::FromCount)) => Err("count"),
            Err(e) => panic!("{sender} {header:?}: {e}"),
        };
        assert_eq!(got, want.map(|s| s.map(String::from)), "{sender} {header:?} grant {grant}");
    }
}
on_both_backends!(who_may_send_as_whom_on, who_may_send_as_whom);

/// The message is sent even when its Sent copy cannot be kept; the caller is told.
async fn sent_copy_over_quota(f: Fresh) {
    let w = world(&f).await;
    w.dir.set_quota("alice@example.com", Some(10)).await.unwrap();
    let env = envelope(&w.mailer, "alice@example.com", &["bob@example.com"]).await;
    let raw = b"From: alice@example.com\r\nSubject: big enough\r\n\r\nbody\r\n".to_vec();
    let done = w.mailer.submit(&w.alice, env, raw, SubmitOptions { save_sent: true }).await.unwrap();
    assert_eq!(done.delivered.items.len(), 1);
    assert!(matches!(done.sent, SentCopy::Failed(_)), "{:?}", done.sent);
    assert!(only_message(&f, w.alice.id, "sent").await.is_none());
}
on_both_backends!(sent_copy_over_quota_on, sent_copy_over_quota);
