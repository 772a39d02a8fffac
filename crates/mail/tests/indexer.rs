//! The background search indexer (relais_mail::indexer), on both backends: messages are
//! stored without index rows and indexed behind them; what was stored before it started (a
//! restore, another process) is indexed by its first pass; a copy takes its original's rows.

use std::time::Duration;

use relais_directory::access::Actor;
use relais_directory::{AuthConfig, Directory};
use relais_mail::Mailer;
use relais_mail::mailbox::{self, NewMessage, Transfer};
use relais_store::{CollectionId, DataType, Filter, ItemId, NewItem, PrincipalKind, Role, Store, TextColumn};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;

fn message(subject: &str) -> NewMessage {
    NewMessage {
        raw: format!("From: ana@example.com\r\nSubject: {subject}\r\n\r\nThe body of {subject}.\r\n").into_bytes(),
        keywords: vec![],
        received_at: None,
    }
}

/// Items of any account still without index rows.
async fn unindexed(store: &Store) -> usize {
    store.read(|r| r.unindexed_after(ItemId(0), 1_000)).await.unwrap().len()
}

/// The UIDs in `mailbox` whose indexed subject holds `needle`, read from the index alone (the
/// store's query: no search-time indexing).
async fn indexed_subjects(store: &Store, mailbox: CollectionId, needle: &str) -> Vec<u32> {
    let filter = Filter::Contains(TextColumn::Subject, needle.to_owned());
    let hits = store.read(move |r| r.search_messages(&[mailbox], &filter)).await.unwrap();
    hits.iter().map(|h| h.uid.0).collect()
}

async fn until_indexed(store: &Store) {
    for _ in 0..200 {
        if unindexed(store).await == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the indexer left {} messages unindexed after 10 s", unindexed(store).await);
}

async fn indexes_behind(f: Fresh) {
    let dir = Directory::new(f.store.clone(), AuthConfig::default());
    dir.add_domain("example.com").await.unwrap();
    let p = dir.add_principal(PrincipalKind::User, "a@example.com", "", Some("pw"), Role::User).await.unwrap();
    let mailer = Mailer::new(f.store.clone(), dir.clone(), "mail.test", Duration::from_secs(60));
    let inbox = mailer.mailbox_at(p.id, "INBOX").await.unwrap();
    let actor = Actor::system(p.id);

    // Stored before the indexer runs, as a restore or another process leaves it.
    let blob = f.store.put_blob(b"Subject: restored one\r\n\r\nold\r\n".to_vec()).await.unwrap();
    let (account, target) = (p.id, inbox.id);
    f.store
        .write(move |tx| {
            let id = tx.create_item(account, DataType::Email, NewItem { blob: Some(blob), ..NewItem::default() })?;
            tx.add_to_mailbox(id, target)
        })
        .await
        .unwrap();
    let stored = mailer.append(&actor, inbox.id, vec![message("alpha"), message("beta")]).await.unwrap();
    assert_eq!(unindexed(&f.store).await, 3, "stored without index rows");
    assert_eq!(indexed_subjects(&f.store, inbox.id, "alpha").await, Vec::<u32>::new());

    let indexer = tokio::spawn(relais_mail::indexer::run(f.store.clone(), mailer.index_queue()));
    until_indexed(&f.store).await;
    assert_eq!(indexed_subjects(&f.store, inbox.id, "restored").await, [1]);
    assert_eq!(indexed_subjects(&f.store, inbox.id, "beta").await, [3]);

    // New mail after the first pass: woken, indexed once arrivals pause.
    mailer.append(&actor, inbox.id, vec![message("gamma")]).await.unwrap();
    until_indexed(&f.store).await;
    assert_eq!(indexed_subjects(&f.store, inbox.id, "gamma").await, [4]);

    // A copy carries its original's rows at once; the body text came with them.
    let archive = mailbox::create(&f.store, &actor, "Kept", None).await.unwrap();
    let t = Transfer { source: inbox.id, messages: vec![(stored[0].1, stored[0].0)], target: archive, moving: false };
    mailbox::copy(&f.store, &actor, t).await.unwrap();
    assert_eq!(f.store.read(move |r| r.unindexed_messages(&[archive], 10)).await.unwrap().len(), 0);
    assert_eq!(indexed_subjects(&f.store, archive, "alpha").await, [1]);
    let body = Filter::Contains(TextColumn::Body, "the body of alpha".into());
    assert_eq!(f.store.read(move |r| r.search_messages(&[archive], &body)).await.unwrap().len(), 1);
    indexer.abort();
}
on_both_backends!(indexes_behind_on, indexes_behind);

/// Searches racing each other (and the indexer) to index the same messages all answer, on
/// PostgreSQL too, where their transactions run side by side: one writes each message's rows,
/// the others pass over it.
async fn racing_searches(f: Fresh) {
    let dir = Directory::new(f.store.clone(), AuthConfig::default());
    dir.add_domain("example.com").await.unwrap();
    let p = dir.add_principal(PrincipalKind::User, "a@example.com", "", Some("pw"), Role::User).await.unwrap();
    let mailer = Mailer::new(f.store.clone(), dir.clone(), "mail.test", Duration::from_secs(60));
    let inbox = mailer.mailbox_at(p.id, "INBOX").await.unwrap();
    let messages = (0..60).map(|i| message(&format!("race {i}"))).collect();
    mailer.append(&Actor::system(p.id), inbox.id, messages).await.unwrap();
    let indexer = tokio::spawn(relais_mail::indexer::run(f.store.clone(), mailer.index_queue()));
    let searches: Vec<_> = (0..6)
        .map(|_| {
            let store = f.store.clone();
            let q = relais_mail::search::Query::Subject("race 1".into());
            tokio::spawn(async move {
                relais_mail::search::search(&store, &relais_mail::search::Scope::Mailbox(inbox.id), &q).await
            })
        })
        .collect();
    for s in searches {
        // "race 1", "race 10" … "race 19": eleven messages.
        assert_eq!(s.await.unwrap().unwrap().len(), 11);
    }
    until_indexed(&f.store).await;
    indexer.abort();
}
on_both_backends!(racing_searches_on, racing_searches);
