//! Submissions kept as a domain service (`relais_mail::email_submission`), on both backends:
//! an alias identity's address as the reverse-path, a held message referenced until it is
//! released or cancelled, a release and a cancellation at once of which exactly one wins, the
//! checks made again at release, the per-account cap, and gone with the account.

use std::time::Duration;

use relais_directory::{AuthConfig, Directory};
use relais_mail::Mailer;
use relais_mail::email_submission::{Delivery, SubmissionError, SubmissionRequest};
use relais_mail::identity::{IdentityId, IdentitySetting};
use relais_store::{AccountId, DataType, ItemId, MailboxRole, NewSubmission, PrincipalKind, Role, UndoStatus};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;

struct World {
    m: Mailer,
    dir: Directory,
    alice: relais_store::Principal,
    bob: AccountId,
}

async fn world(f: &Fresh) -> World {
    let dir = Directory::new(f.store.clone(), AuthConfig::default());
    dir.add_domain("example.com").await.unwrap();
    let alice =
        dir.add_principal(PrincipalKind::User, "alice@example.com", "Alice", Some("pw"), Role::User).await.unwrap();
    let bob = dir.add_principal(PrincipalKind::User, "bob@example.com", "Bob", Some("pw"), Role::User).await.unwrap();
    dir.add_alias("al@example.com", "alice@example.com").await.unwrap();
    let m = Mailer::new(f.store.clone(), dir.clone(), "mail.test", Duration::from_secs(3600));
    World { m, dir, alice, bob: bob.id }
}

impl World {
    async fn request(&self, from: &str, to: &str, send_at: Option<i64>) -> SubmissionRequest {
        let identity = match from {
            "alice@example.com" => self.m.identities(&self.alice).await.unwrap().remove(0),
            _ => self.m.create_identity(&self.alice, from, IdentitySetting::default()).await.unwrap(),
        };
        let raw = format!("From: {from}\r\nTo: {to}\r\nBcc: hidden@example.org\r\nSubject: hi\r\n\r\nx\r\n");
        SubmissionRequest {
            identity,
            email: ItemId(1),
            thread: 1,
            raw: raw.into_bytes(),
            envelope: None,
            send_at,
            save_sent: false,
        }
    }

    async fn inbox_total(&self, account: AccountId) -> u64 {
        self.m
            .store()
            .read(move |r| {
                let inbox = r.mailbox_by_role(account, MailboxRole::Inbox)?.unwrap();
                r.mailbox_total(inbox.id, false)
            })
            .await
            .unwrap()
    }
}

async fn alias_and_hold(f: Fresh) {
    let w = world(&f).await;
    // The alias identity, no envelope: MAIL FROM is the alias; Bcc is a recipient, not a field.
    let r = w.request("al@example.com", "bob@example.com", None).await;
    let sent = w.m.submit_email(&w.alice, r).await.unwrap();
    assert_eq!(sent.envelope.mail_from.email, "al@example.com");
    assert_eq!(sent.undo, UndoStatus::Final);
    assert!(matches!(sent.identity, IdentityId::Stored(_)));
    assert_eq!(sent.delivery["bob@example.com"].delivered, Delivery::Yes);
    assert_eq!(sent.delivery["hidden@example.org"].delivered, Delivery::Queued);
    let queued = w.m.store().read(|r| r.queued_messages()).await.unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].sender, "al@example.com");
    let body = w.m.store().blob(queued[0].blob.clone()).await.unwrap();
    assert!(!String::from_utf8_lossy(&body).contains("Bcc:"), "Bcc taken out");

    // Held: its message referenced until cancelled.
    let later = relais_store::now() + 600;
    let r = w.request("alice@example.com", "bob@example.com", Some(later)).await;
    let held = w.m.submit_email(&w.alice, r).await.unwrap();
    assert_eq!(held.undo, UndoStatus::Pending);
    let account = w.alice.id;
    let hash = w.m.store().read(move |r| r.submission(account, held.id)).await.unwrap().unwrap().held.unwrap();
    let h = hash.clone();
    assert_eq!(w.m.store().read(move |r| r.blob_refs(&h)).await.unwrap(), Some(1));
    w.m.cancel_submission(&w.alice, held.id).await.unwrap();
    let h = hash.clone();
    assert_eq!(w.m.store().read(move |r| r.blob_refs(&h)).await.unwrap(), Some(0));
    assert!(matches!(w.m.cancel_submission(&w.alice, held.id).await, Err(SubmissionError::CannotUnsend)));
    assert!(matches!(w.m.cancel_submission(&w.alice, 999_999).await, Err(SubmissionError::NotFound)));
    assert_eq!(w.m.release_submissions(later + 1).await.unwrap(), 0);
    assert_eq!(w.inbox_total(w.bob).await, 1);

    // Checked again at release: the alias went meanwhile, so nothing is sent.
    let r = w.request("al@example.com", "bob@example.com", Some(later)).await;
    let held = w.m.submit_email(&w.alice, r).await.unwrap();
    w.dir.remove_alias("al@example.com").await.unwrap();
    assert_eq!(w.m.release_submissions(later + 1).await.unwrap(), 1);
    let after = w.m.submissions(w.alice.id).await.unwrap();
    let after = after.iter().find(|s| s.id == held.id).unwrap();
    assert_eq!(after.undo, UndoStatus::Final);
    assert_eq!(after.delivery["bob@example.com"].delivered, Delivery::No, "{after:?}");
    assert_eq!(w.inbox_total(w.bob).await, 1);

    // Too far ahead.
    let r = w.request("alice@example.com", "bob@example.com", Some(relais_store::now() + 8 * 86_400)).await;
    assert!(matches!(w.m.submit_email(&w.alice, r).await, Err(SubmissionError::TooLate)));
}
on_both_backends!(alias_and_hold_on, alias_and_hold);

/// A release and a cancellation at once: exactly one wins, and Bob has the message only if the
/// release did.
async fn release_races_cancel(f: Fresh) {
    let w = world(&f).await;
    let mut delivered = 0;
    for _ in 0..16 {
        let at = relais_store::now() + 300;
        let r = w.request("alice@example.com", "bob@example.com", Some(at)).await;
        let held = w.m.submit_email(&w.alice, r).await.unwrap();
        let (m1, m2, alice) = (w.m.clone(), w.m.clone(), w.alice.clone());
        let release = tokio::spawn(async move { m1.release_submissions(at + 1).await.unwrap() });
        let cancel = tokio::spawn(async move { m2.cancel_submission(&alice, held.id).await });
        let (released, cancelled) = (release.await.unwrap(), cancel.await.unwrap());
        // The loser is told so (CannotUnsend), never a store error (a deadlock between the
        // release's and the cancellation's locks was one on PostgreSQL).
        assert!(
            if released == 1 { matches!(cancelled, Err(SubmissionError::CannotUnsend)) } else { cancelled.is_ok() },
            "{released} {cancelled:?}"
        );
        delivered += released as u64;
        assert_eq!(w.inbox_total(w.bob).await, delivered);
    }
}
on_both_backends!(release_races_cancel_on, release_races_cancel);

/// The cap: past it the oldest settled submission makes room (a destroyed change); when every
/// one is pending a new one is refused. Gone with the account.
async fn bounded_and_gone_with_the_account(f: Fresh) {
    let w = world(&f).await;
    let store = w.m.store().clone();
    let account = w.alice.id;
    let new = |undo| NewSubmission {
        identity: 0,
        email: 1,
        thread: 1,
        envelope: "{}".into(),
        send_at: 0,
        undo,
        delivery: "{}".into(),
        queue: None,
        held: None,
    };
    let first = store.write(move |tx| tx.create_submission(account, new(UndoStatus::Final), 2)).await.unwrap();
    store.write(move |tx| tx.create_submission(account, new(UndoStatus::Pending), 2)).await.unwrap();
    let since = store.read(move |r| r.account_modseq(account)).await.unwrap();
    store.write(move |tx| tx.create_submission(account, new(UndoStatus::Pending), 2)).await.unwrap();
    let c = store.read(move |r| r.changes_since(account, DataType::EmailSubmission, since)).await.unwrap();
    assert_eq!(c.destroyed, vec![first]);
    let e = store.write(move |tx| tx.create_submission(account, new(UndoStatus::Final), 2)).await.unwrap_err();
    assert!(matches!(e, relais_store::Error::Limit(_)), "{e}");
    assert_eq!(store.read(move |r| r.submissions(account)).await.unwrap().len(), 2);
    store.write(move |tx| tx.delete_account(account)).await.unwrap();
    assert!(store.read(move |r| r.submissions(account)).await.unwrap().is_empty());
}
on_both_backends!(bounded_and_gone_with_the_account_on, bounded_and_gone_with_the_account);

/// Submissions crossing each other (alice → bob while bob → alice, sixteen at once) all go
/// through: each locks the sender's and the recipients' accounts in one ascending order, so
/// PostgreSQL never finds two of them waiting on each other.
async fn crossing_submissions(f: Fresh) {
    let w = world(&f).await;
    let bob = w.dir.principal("bob@example.com").await.unwrap().unwrap();
    let mut tasks = Vec::new();
    for i in 0..16 {
        let (who, to) =
            if i % 2 == 0 { (w.alice.clone(), "bob@example.com") } else { (bob.clone(), "alice@example.com") };
        let m = w.m.clone();
        let identity = m.identities(&who).await.unwrap().remove(0);
        let raw = format!("From: {}\r\nTo: {to}\r\nSubject: crossing {i}\r\n\r\nx\r\n", who.address());
        let r = SubmissionRequest {
            identity,
            email: ItemId(1),
            thread: 1,
            raw: raw.into_bytes(),
            envelope: None,
            send_at: None,
            save_sent: false,
        };
        tasks.push(tokio::spawn(async move { m.submit_email(&who, r).await }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(w.inbox_total(w.bob).await, 8);
    assert_eq!(w.inbox_total(w.alice.id).await, 8);
}
on_both_backends!(crossing_on, crossing_submissions);

/// A held message counts for the sender's quota while it waits (as it would in a mailbox):
/// charged when held, refused past the quota, given back when cancelled or released.
async fn held_counts_for_quota(f: Fresh) {
    let w = world(&f).await;
    let usage = |m: Mailer, a: AccountId| async move { m.store().read(move |r| r.usage(a)).await.unwrap() };
    let before = usage(w.m.clone(), w.alice.id).await;
    let at = relais_store::now() + 300;
    let held = w.m.submit_email(&w.alice, w.request("alice@example.com", "bob@example.com", Some(at)).await).await;
    let held = held.unwrap();
    let size = usage(w.m.clone(), w.alice.id).await - before;
    assert!(size > 0, "a held message is charged");
    // The quota leaves room for less than another one: refused, nothing kept or charged.
    w.dir.set_quota("alice@example.com", Some(before + size + size / 2)).await.unwrap();
    let refused = w.m.submit_email(&w.alice, w.request("alice@example.com", "bob@example.com", Some(at)).await).await;
    assert!(matches!(refused, Err(SubmissionError::Submit(_))), "{refused:?}");
    assert_eq!(usage(w.m.clone(), w.alice.id).await, before + size);
    // Cancelled: given back; held again and released: given back too.
    w.m.cancel_submission(&w.alice, held.id).await.unwrap();
    assert_eq!(usage(w.m.clone(), w.alice.id).await, before);
    w.m.submit_email(&w.alice, w.request("alice@example.com", "bob@example.com", Some(at)).await).await.unwrap();
    assert_eq!(usage(w.m.clone(), w.alice.id).await, before + size);
    assert_eq!(w.m.release_submissions(at + 1).await.unwrap(), 1);
    assert_eq!(usage(w.m.clone(), w.alice.id).await, before);
    assert_eq!(w.inbox_total(w.bob).await, 1);
}
on_both_backends!(held_counts_for_quota_on, held_counts_for_quota);

/// A release that fails (here its stored envelope unreadable) is put off, with its `sendAt`
/// moved and the change logged, instead of being tried again at every tick of the queue; the
/// submissions due with it still go.
async fn failed_release_is_put_off(f: Fresh) {
    let w = world(&f).await;
    let at = relais_store::now() + 300;
    let broken = w.m.submit_email(&w.alice, w.request("alice@example.com", "bob@example.com", Some(at)).await).await;
    let broken = broken.unwrap();
    let good = w.m.submit_email(&w.alice, w.request("alice@example.com", "bob@example.com", Some(at)).await).await;
    let good = good.unwrap();
    relais_testkit::backends::raw_batch(
        &f.config,
        &format!("UPDATE email_submissions SET envelope = 'not json' WHERE id = {}", broken.id),
    );
    let account = w.alice.id;
    let since = w.m.store().read(move |r| r.account_modseq(account)).await.unwrap();
    assert_eq!(w.m.release_submissions(at + 1).await.unwrap(), 1, "the good one goes");
    assert_eq!(w.inbox_total(w.bob).await, 1);
    let stored = w.m.store().read(move |r| r.submission(account, broken.id)).await.unwrap().unwrap();
    assert_eq!(stored.undo, UndoStatus::Pending);
    assert_eq!(stored.send_at, at + 1 + 300, "put off");
    let changes = w.m.store().read(move |r| r.changes_since(account, DataType::EmailSubmission, since)).await;
    let changes = changes.unwrap();
    assert!(changes.updated.contains(&broken.id) && changes.updated.contains(&good.id), "{changes:?}");
    // Not tried again before then.
    let tried_before = w.m.store().read(move |r| r.due_submissions(at + 2, 50)).await.unwrap();
    assert!(tried_before.is_empty());
    assert_eq!(w.m.release_submissions(at + 2).await.unwrap(), 0);
}
on_both_backends!(failed_release_is_put_off_on, failed_release_is_put_off);
