//! Sharing (`collection_grants`), on SQLite and on PostgreSQL: one grantee's rights set and
//! removed without touching the others, the grantee's own subscription, and migration 0007
//! rewriting DAV's old two-bit rights into the RFC 4314 bit set.

use relais_store::{AccountId, CollectionId, CollectionKind, Error, NewCollection, Store, share_rights as rights};
use relais_testkit::backends::{Fresh, raw_batch};
use relais_testkit::on_both_backends;

async fn account(store: &Store) -> AccountId {
    store.write(|tx| tx.create_account()).await.expect("create account")
}

async fn mailbox(store: &Store, account: AccountId, name: &str) -> CollectionId {
    let name = name.to_owned();
    let new = NewCollection { kind: CollectionKind::Mailbox, name, parent: None, role: None };
    store.write(move |tx| tx.create_collection(account, new)).await.expect("create mailbox").id
}

async fn one_grantee_at_a_time(f: Fresh) {
    let store = &f.store;
    let (owner, bob, carol) = (account(store).await, account(store).await, account(store).await);
    let shared = mailbox(store, owner, "Team").await;
    let lr = rights::LOOKUP | rights::READ_ITEMS;
    store.write(move |tx| tx.set_grant(shared, bob, lr | rights::INSERT)).await.expect("grant bob");
    store.write(move |tx| tx.set_grant(shared, carol, lr)).await.expect("grant carol");
    // Changing one grantee keeps the other.
    store.write(move |tx| tx.set_grant(shared, bob, lr)).await.expect("regrant bob");
    let grants = store.read(move |r| r.grants(shared)).await.unwrap();
    assert_eq!(grants, vec![(bob, lr), (carol, lr)]);

    // The owner is never a grantee.
    let own = store.write(move |tx| tx.set_grant(shared, owner, 0)).await;
    assert!(matches!(own, Err(Error::Invalid(_))), "{own:?}");

    // The grantee's subscription is its own and survives a change of rights.
    store.write(move |tx| tx.set_share_subscribed(shared, bob, true)).await.expect("subscribe");
    store.write(move |tx| tx.set_grant(shared, bob, lr | rights::KEEP_SEEN)).await.expect("regrant");
    let shares = store.read(move |r| r.shares(bob)).await.unwrap();
    assert_eq!(shares.len(), 1);
    assert!(shares[0].subscribed && shares[0].rights == lr | rights::KEEP_SEEN, "{shares:?}");
    assert!(store.read(move |r| r.collection(shared)).await.unwrap().subscribed, "the owner's flag is untouched");
    let none = store.write(move |tx| tx.set_share_subscribed(shared, owner, true)).await;
    assert!(matches!(none, Err(Error::NotFound(_))), "{none:?}");

    // Rights 0 removes the grant; deleting the mailbox removes the rest.
    store.write(move |tx| tx.set_grant(shared, bob, 0)).await.expect("revoke");
    assert_eq!(store.read(move |r| r.rights_on(shared, bob)).await.unwrap(), 0);
    store.write(move |tx| tx.destroy_collection(shared)).await.expect("destroy");
    assert!(store.read(move |r| r.shares(carol)).await.unwrap().is_empty());
}
on_both_backends!(grants, one_grantee_at_a_time);

/// A data directory written before migration 0007 (so before 0008 too): DAV's rights were 1 (read) and 3 (read and
/// write). After the upgrade they are READ and READ | WRITE, so DAV behaves as before.
async fn old_dav_rights_are_rewritten(f: Fresh) {
    let store = &f.store;
    let (owner, reader, writer) = (account(store).await, account(store).await, account(store).await);
    let cal = store
        .write(move |tx| {
            let new = NewCollection { kind: CollectionKind::Calendar, name: "Work".into(), parent: None, role: None };
            tx.create_collection(owner, new)
        })
        .await
        .expect("calendar")
        .id;
    drop(f.store);
    let config = f.config.clone();
    let downgrade = format!(
        "DELETE FROM schema_version WHERE version >= 7; \
         DROP TABLE calendar_pending; DROP TABLE message_threads; DROP INDEX items_thread; \
         DROP TABLE vacations; DROP TABLE vacation_replies; DROP TABLE mailbox_subscriptions; DROP TABLE migration_progress; DROP TABLE migration_messages; DROP TABLE migration_objects; \
         DROP TABLE message_search; DROP TABLE message_text; DROP TABLE message_headers; \
         ALTER TABLE collection_grants DROP COLUMN subscribed; ALTER TABLE collections DROP COLUMN recent_uid; \
         DROP TABLE devices; DROP TABLE device_sync; DROP TABLE device_policies; DROP INDEX mailbox_messages_received; ALTER TABLE mailbox_messages DROP COLUMN received_at; ALTER TABLE accounts DROP COLUMN used_octets; DROP TABLE web_sessions; DROP TABLE identities; DROP TABLE api_tokens; DROP TABLE email_submissions; DROP TABLE share_notifications; DROP TABLE push_subscriptions; DROP TABLE leases; DROP TABLE calendar_event_notifications; \
         INSERT INTO collection_grants (collection_id, grantee_id, rights) VALUES ({}, {}, 1), ({}, {}, 3);",
        cal.0, reader.0, cal.0, writer.0
    );
    raw_batch(&config, &downgrade);
    let store = Store::open(f.config.clone()).await.expect("migrate");
    let grants = store.read(move |r| r.grants(cal)).await.unwrap();
    assert_eq!(grants, vec![(reader, rights::READ), (writer, rights::READ | rights::WRITE)]);
    assert_eq!(rights::READ | rights::WRITE, 0b11_0001_1011, "l r w i t e");
}
on_both_backends!(old_rights, old_dav_rights_are_rewritten);
