//! IMAP \Recent's watermark (RFC 3501 §2.3.2), on SQLite and on PostgreSQL: each UID is claimed
//! by exactly one claimer, even when claims race, and claiming is not a change of the mailbox.

use relais_store::{AccountId, CollectionId, CollectionKind, DataType, NewCollection, NewItem, Store, Uid};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;

async fn mailbox_with(store: &Store, messages: usize) -> (AccountId, CollectionId) {
    store
        .write(move |tx| {
            let account = tx.create_account()?;
            let new = NewCollection { kind: CollectionKind::Mailbox, name: "INBOX".into(), parent: None, role: None };
            let inbox = tx.create_collection(account, new)?;
            for _ in 0..messages {
                let item = tx.create_item(account, DataType::Email, NewItem::default())?;
                tx.add_to_mailbox(item, inbox.id)?;
            }
            Ok((account, inbox.id))
        })
        .await
        .expect("mailbox")
}

async fn claim(store: &Store, mailbox: CollectionId, upto: u32) -> Uid {
    store.write(move |tx| tx.claim_recent(mailbox, Uid(upto))).await.expect("claim")
}

async fn claims_move_the_watermark_up_only(f: Fresh) {
    let store = &f.store;
    let (account, inbox) = mailbox_with(store, 3).await;
    let modseq = store.read(move |r| r.account_modseq(account)).await.unwrap();
    assert_eq!(store.read(move |r| r.recent_uid(inbox)).await.unwrap(), Uid(0));
    assert_eq!(store.read(move |r| r.unclaimed_recent(inbox)).await.unwrap(), 3);
    // Rows: (claim up to, the watermark it finds, unclaimed after).
    for (upto, before, unclaimed) in [(2, 0, 1), (1, 2, 1), (2, 2, 1), (3, 2, 0), (3, 3, 0)] {
        assert_eq!(claim(store, inbox, upto).await, Uid(before), "claim up to {upto}");
        assert_eq!(store.read(move |r| r.unclaimed_recent(inbox)).await.unwrap(), unclaimed, "after {upto}");
    }
    assert_eq!(store.read(move |r| r.recent_uid(inbox)).await.unwrap(), Uid(3));
    // Not a change: no modseq, nothing in the change log for followers to sync.
    assert_eq!(store.read(move |r| r.account_modseq(account)).await.unwrap(), modseq);
    let missing = store.write(|tx| tx.claim_recent(CollectionId(i64::MAX), Uid(1))).await;
    assert!(matches!(missing, Err(relais_store::Error::NotFound(_))), "{missing:?}");
}
on_both_backends!(watermark, claims_move_the_watermark_up_only);

/// Sessions claiming at once (each up to the messages it knows of) split the UIDs between
/// them: the ranges (before, upto] they get are disjoint and cover every UID.
async fn racing_claims_share_nothing(f: Fresh) {
    let (_, inbox) = mailbox_with(&f.store, 0).await;
    let mut tasks = Vec::new();
    for i in 0..24u32 {
        let store = f.store.clone();
        let upto = 1 + (i * 7) % 24;
        tasks.push(tokio::spawn(async move { (claim(&store, inbox, upto).await, upto) }));
    }
    let mut owner = vec![0usize; 25];
    for t in tasks {
        let (before, upto) = t.await.expect("task");
        for uid in before.0 + 1..=upto {
            owner[uid as usize] += 1;
        }
    }
    assert!(owner[1..].iter().all(|n| *n == 1), "each UID claimed once: {owner:?}");
}
on_both_backends!(race, racing_claims_share_nothing);
