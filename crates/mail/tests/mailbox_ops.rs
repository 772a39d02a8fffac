//! The mail domain's mailbox operations with an actor (relais_mail::mailbox): copy and move,
//! keywords with an unchanged-since condition, create/rename/delete, subscriptions, and the
//! refusals on a shared mailbox, on both backends.

use std::time::Duration;

use relais_directory::access::{Actor, Protocol, Rights};
use relais_directory::{AuthConfig, Directory};
use relais_mail::mailbox::{self, Expunge, FlagChange, Folders, KeywordChange, NewMessage, Transfer};
use relais_mail::{MailError, Mailer};
use relais_store::{CollectionId, ItemId, PrincipalKind, Role, Store, Uid};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;

struct World {
    store: Store,
    mailer: Mailer,
    alice: Actor,
    bob: Actor,
}

async fn world(f: &Fresh) -> World {
    let dir = Directory::new(f.store.clone(), AuthConfig::default());
    dir.add_domain("example.com").await.unwrap();
    let a = dir.add_principal(PrincipalKind::User, "alice@example.com", "", Some("pw"), Role::User).await.unwrap();
    let b = dir.add_principal(PrincipalKind::User, "bob@example.com", "", Some("pw"), Role::User).await.unwrap();
    let mailer = Mailer::new(f.store.clone(), dir, "mail.test", Duration::from_secs(60));
    World {
        store: f.store.clone(),
        mailer,
        alice: Actor::new(a.id, Protocol::Imap),
        bob: Actor::new(b.id, Protocol::Imap),
    }
}

fn message(subject: &str, keywords: &[&str]) -> NewMessage {
    NewMessage {
        raw: format!("Subject: {subject}\r\nMessage-ID: <{subject}@x>\r\n\r\nbody\r\n").into_bytes(),
        keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
        received_at: Some(1_600_000_000),
    }
}

impl World {
    async fn mailbox(&self, actor: &Actor, name: &str) -> CollectionId {
        let (actor, name) = (actor.clone(), name.to_owned());
        let f = self.store.read(move |r| Folders::resolve(r, &actor, &name)).await.unwrap();
        f.unwrap_or_else(|| panic!("no mailbox")).collection.id
    }

    async fn entries(&self, mailbox: CollectionId) -> Vec<(Uid, ItemId)> {
        let e = self.store.read(move |r| r.mailbox_entries(mailbox)).await.unwrap();
        e.into_iter().map(|e| (e.uid, e.item)).collect()
    }

    async fn keywords(&self, item: ItemId) -> Vec<String> {
        self.store.read(move |r| r.item(item)).await.unwrap().keywords
    }

    /// Alice shares her mailbox `name` with Bob, holding `rights`.
    async fn share(&self, name: &str, rights: Rights) -> CollectionId {
        let id = self.mailbox(&self.alice, name).await;
        let bob = self.bob.principal;
        self.store.write(move |tx| tx.set_grants(id, &[(bob, rights.bits())])).await.unwrap();
        id
    }
}

fn refused(r: Result<impl std::fmt::Debug, MailError>) -> String {
    match r {
        Err(MailError::NoMailbox) => "nonexistent".into(),
        Err(MailError::NoRight { missing, .. }) => format!("noperm {:?}", missing),
        Err(MailError::Cannot(_)) => "cannot".into(),
        Err(MailError::Store(relais_store::Error::AlreadyExists(_))) => "exists".into(),
        other => format!("{other:?}"),
    }
}

async fn copy_and_move(f: Fresh) {
    let w = world(&f).await;
    let inbox = w.mailbox(&w.alice, "INBOX").await;
    let archive = w.mailbox(&w.alice, "Archive").await;
    let stored = w.mailer.append(&w.alice, inbox, vec![message("a", &["\\Flagged"]), message("b", &[])]).await.unwrap();
    let all: Vec<_> = stored.iter().map(|&(item, uid)| (uid, item)).collect();
    // COPY: new messages in the target, flags copied, the source untouched.
    let t = Transfer { source: inbox, messages: all.clone(), target: archive, moving: false };
    let copied = mailbox::copy(&w.store, &w.alice, t).await.unwrap();
    assert_eq!(copied.uids.iter().map(|p| (p.0.0, p.1.0)).collect::<Vec<_>>(), [(1, 1), (2, 2)]);
    let in_archive = w.entries(archive).await;
    assert_ne!(in_archive[0].1, stored[0].0, "a copy is a message of its own");
    assert_eq!(w.keywords(in_archive[0].1).await, ["\\Flagged"]);
    assert_eq!(w.entries(inbox).await.len(), 2);
    // MOVE within the account keeps the item; a message gone meanwhile is skipped.
    let t = Transfer { source: inbox, messages: vec![all[0], (Uid(99), all[1].1)], target: archive, moving: true };
    let moved = mailbox::copy(&w.store, &w.alice, t).await.unwrap();
    assert_eq!(moved.uids.iter().map(|p| (p.0.0, p.1.0)).collect::<Vec<_>>(), [(1, 3)]);
    assert_eq!(w.entries(archive).await[2], (Uid(3), stored[0].0));
    assert_eq!(w.entries(inbox).await, [all[1]]);
    // MOVE into the mailbox itself: a new UID, the old one gone (RFC 6851, as other servers).
    let t = Transfer { source: inbox, messages: vec![all[1]], target: inbox, moving: true };
    let touched = mailbox::copy(&w.store, &w.alice, t).await.unwrap();
    assert_eq!(touched.uids.iter().map(|p| (p.0.0, p.1.0)).collect::<Vec<_>>(), [(2, 3)]);
    assert_eq!(w.entries(inbox).await, [(Uid(3), all[1].1)]);
}
on_both_backends!(copy_and_move_on, copy_and_move);

/// Bob's rights on Alice's shared mailbox decide each operation; without `l` it does not exist.
async fn shared_refusals(f: Fresh) {
    let w = world(&f).await;
    let team = w.share("Archive", Rights::LOOKUP | Rights::READ_ITEMS).await;
    let bob_inbox = w.mailbox(&w.bob, "INBOX").await;
    let mine = w.mailer.append(&w.bob, bob_inbox, vec![message("mine", &[])]).await.unwrap();
    let theirs = w.mailer.append(&w.alice, team, vec![message("theirs", &["\\Seen"])]).await.unwrap();
    let (t_uid, t_item) = (theirs[0].1, theirs[0].0);
    let cases: Vec<(&str, String)> = vec![
        ("append", refused(w.mailer.append(&w.bob, team, vec![message("x", &[])]).await)),
        ("copy in", refused(mailbox::copy(&w.store, &w.bob, into(bob_inbox, mine[0], team, false)).await)),
        ("move out", refused(mailbox::copy(&w.store, &w.bob, into(team, (t_item, t_uid), bob_inbox, true)).await)),
        ("expunge", refused(mailbox::expunge(&w.store, &w.bob, team, Expunge::Deleted(None)).await)),
        ("flag", refused(mailbox::change_keywords(&w.store, &w.bob, flag(team, (t_uid, t_item), "\\Flagged")).await)),
        ("delete", refused(mailbox::delete(&w.store, &w.bob, "Other Users/alice@example.com/Archive").await)),
        (
            "create under",
            refused(mailbox::create(&w.store, &w.bob, "Other Users/alice@example.com/Archive/x", None).await),
        ),
        ("create at top", refused(mailbox::create(&w.store, &w.bob, "Other Users/alice@example.com/y", None).await)),
        ("not shared", refused(mailbox::delete(&w.store, &w.bob, "Other Users/alice@example.com/Sent").await)),
    ];
    let want = [
        ("append", format!("noperm {:?}", Rights::INSERT)),
        ("copy in", format!("noperm {:?}", Rights::INSERT)),
        ("move out", format!("noperm {:?}", Rights::DELETE_ITEMS | Rights::EXPUNGE)),
        ("expunge", format!("noperm {:?}", Rights::EXPUNGE)),
        ("flag", format!("noperm {:?}", Rights::WRITE_FLAGS)),
        ("delete", format!("noperm {:?}", Rights::DELETE_COLLECTION)),
        ("create under", format!("noperm {:?}", Rights::CREATE)),
        ("create at top", format!("noperm {:?}", Rights::CREATE)),
        ("not shared", "nonexistent".to_owned()),
    ];
    for ((op, got), (_, expected)) in cases.iter().zip(want.iter()) {
        assert_eq!(got, expected, "{op}");
    }
    // Copying out needs only r: the copy is Bob's, charged to him.
    let out = mailbox::copy(&w.store, &w.bob, into(team, (t_item, t_uid), bob_inbox, false)).await.unwrap();
    assert_eq!(out.uids.len(), 1);
    // Without l (only r), the mailbox does not exist for the refusals.
    w.share("Archive", Rights::READ_ITEMS).await;
    let r = mailbox::expunge(&w.store, &w.bob, team, Expunge::Deleted(None)).await;
    assert_eq!(refused(r), "nonexistent");
    // Granted i, w, t, e: Bob appends (flags he may not set dropped), flags, moves out.
    w.share("Archive", Rights::LOOKUP | Rights::READ_ITEMS | Rights::INSERT | Rights::DELETE_ITEMS | Rights::EXPUNGE)
        .await;
    let added = w.mailer.append(&w.bob, team, vec![message("in", &["\\Seen", "\\Deleted", "$Work"])]).await.unwrap();
    assert_eq!(w.keywords(added[0].0).await, ["\\Deleted"], "\\Seen needs s, $Work w");
    let moved = mailbox::copy(&w.store, &w.bob, into(team, (t_item, t_uid), bob_inbox, true)).await.unwrap();
    assert_eq!(moved.uids.len(), 1, "across accounts a move copies, then removes");
    assert!(!w.entries(team).await.iter().any(|e| e.1 == t_item));
}
on_both_backends!(shared_refusals_on, shared_refusals);

/// Append by name, the name looked up in the transaction that stores: own mailboxes (INBOX
/// in any case), a shared one by its `Other Users/` name with the rights it holds there, no
/// such name (`None`, nothing stored), a large content (written outside the transaction) to no
/// such name, and a refusal as `append` gives it.
async fn append_by_name(f: Fresh) {
    let w = world(&f).await;
    let inbox = w.mailbox(&w.alice, "INBOX").await;
    let (folder, stored) = w.mailer.append_named(&w.alice, "inbox", vec![message("n1", &[])]).await.unwrap().unwrap();
    assert_eq!(folder.collection.id, inbox);
    assert_eq!(w.entries(inbox).await, [(stored[0].1, stored[0].0)]);
    assert!(w.mailer.append_named(&w.alice, "Nowhere", vec![message("n2", &[])]).await.unwrap().is_none());
    let big = NewMessage {
        raw: format!("Subject: big\r\n\r\n{}\r\n", "x".repeat(relais_store::INLINE_BLOB_MAX)).into_bytes(),
        ..NewMessage::default()
    };
    assert!(w.mailer.append_named(&w.alice, "Nowhere/Deeper", vec![big]).await.unwrap().is_none());
    assert_eq!(w.entries(inbox).await.len(), 1, "nothing stored elsewhere");
    let team = w.share("Archive", Rights::LOOKUP | Rights::READ_ITEMS).await;
    let name = "Other Users/alice@example.com/Archive";
    let r = w.mailer.append_named(&w.bob, name, vec![message("n3", &[])]).await;
    assert_eq!(refused(r), format!("noperm {:?}", Rights::INSERT));
    w.share("Archive", Rights::LOOKUP | Rights::READ_ITEMS | Rights::INSERT).await;
    let (folder, stored) =
        w.mailer.append_named(&w.bob, name, vec![message("n4", &["\\Seen"])]).await.unwrap().unwrap();
    assert_eq!((folder.collection.id, folder.rights.contains(Rights::INSERT)), (team, true));
    assert!(w.keywords(stored[0].0).await.is_empty(), "\\Seen needs s");
    assert!(w.mailer.append_named(&w.bob, "Other Users/alice@example.com/Sent", vec![]).await.unwrap().is_none());
}
on_both_backends!(append_by_name_on, append_by_name);

fn into(source: CollectionId, (item, uid): (ItemId, Uid), target: CollectionId, moving: bool) -> Transfer {
    Transfer { source, messages: vec![(uid, item)], target, moving }
}

fn flag(mailbox: CollectionId, message: (Uid, ItemId), keyword: &str) -> FlagChange {
    FlagChange {
        mailbox,
        messages: vec![message],
        kind: KeywordChange::Add,
        keywords: vec![keyword.to_owned()],
        unchanged_since: None,
    }
}

/// Set/add/remove on the flags as committed; UNCHANGEDSINCE reports those changed meanwhile.
async fn keywords(f: Fresh) {
    let w = world(&f).await;
    let inbox = w.mailbox(&w.alice, "INBOX").await;
    let stored = w.mailer.append(&w.alice, inbox, vec![message("a", &["\\Seen"]), message("b", &[])]).await.unwrap();
    let msgs: Vec<_> = stored.iter().map(|&(item, uid)| (uid, item)).collect();
    let change = |kind, keywords: &[&str], since| FlagChange {
        mailbox: inbox,
        messages: msgs.clone(),
        kind,
        keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
        unchanged_since: since,
    };
    let done =
        mailbox::change_keywords(&w.store, &w.alice, change(KeywordChange::Add, &["$Work"], None)).await.unwrap();
    assert_eq!(done.changed.len(), 2);
    assert_eq!(w.keywords(msgs[0].1).await, ["$Work", "\\Seen"]);
    let modseq = done.changed.iter().map(|c| c.3.0).max().unwrap();
    // Another session changes the second message after that modseq.
    let second = msgs[1].1;
    w.store.write(move |tx| tx.set_keywords(second, &["\\Answered".into()])).await.unwrap();
    let done = mailbox::change_keywords(&w.store, &w.alice, change(KeywordChange::Remove, &["$Work"], Some(modseq)))
        .await
        .unwrap();
    assert_eq!(done.modified, [msgs[1].0]);
    assert_eq!(done.changed.iter().map(|c| c.0).collect::<Vec<_>>(), [msgs[0].0]);
    assert_eq!(w.keywords(second).await, ["\\Answered"], "the one changed meanwhile is left as committed");
    let done =
        mailbox::change_keywords(&w.store, &w.alice, change(KeywordChange::Set, &["\\Flagged"], None)).await.unwrap();
    assert_eq!(done.changed.len(), 2);
    assert_eq!(w.keywords(msgs[0].1).await, ["\\Flagged"]);
}
on_both_backends!(keywords_on, keywords);

/// Create with parents and a role, rename with children, delete; INBOX stays.
async fn folders(f: Fresh) {
    let w = world(&f).await;
    let id = mailbox::create(&w.store, &w.alice, "Work/2026/Q1", Some(mailbox::MailboxRole::Flagged)).await.unwrap();
    let q1 = w.store.read(move |r| r.collection(id)).await.unwrap();
    assert_eq!(q1.mailbox_role(), Some(mailbox::MailboxRole::Flagged));
    let cases: Vec<(&str, String)> = vec![
        ("again", refused(mailbox::create(&w.store, &w.alice, "Work/2026", None).await)),
        ("inbox", refused(mailbox::create(&w.store, &w.alice, "inbox", None).await)),
        ("reserved", refused(mailbox::create(&w.store, &w.alice, "Other Users/x", None).await)),
        ("rename inbox", refused(mailbox::rename(&w.store, &w.alice, "INBOX", "Old").await)),
        ("into itself", refused(mailbox::rename(&w.store, &w.alice, "Work", "Work/x").await)),
        ("no parent", refused(mailbox::rename(&w.store, &w.alice, "Work", "Nope/Work").await)),
        ("delete inbox", refused(mailbox::delete(&w.store, &w.alice, "inbox").await)),
        ("delete parent", refused(mailbox::delete(&w.store, &w.alice, "Work").await)),
        ("delete none", refused(mailbox::delete(&w.store, &w.alice, "Nope").await)),
    ];
    // A name in the Other Users namespace is another user's: only its owner creates there.
    let reserved = format!("noperm {:?}", Rights::CREATE);
    let want = ["exists", "cannot", &reserved, "cannot", "cannot", "nonexistent", "cannot", "cannot", "nonexistent"];
    for ((op, got), expected) in cases.iter().zip(want) {
        assert_eq!(got, expected, "{op}");
    }
    mailbox::rename(&w.store, &w.alice, "Work", "Archive/Jobs").await.unwrap();
    assert_eq!(w.mailbox(&w.alice, "Archive/Jobs/2026/Q1").await, id, "children follow");
    mailbox::delete(&w.store, &w.alice, "Archive/Jobs/2026/Q1").await.unwrap();
    let alice = w.alice.clone();
    let gone = w.store.read(move |r| Folders::resolve(r, &alice, "Archive/Jobs/2026/Q1")).await.unwrap();
    assert!(gone.is_none());
    // A tree goes whole (FolderDelete), in one transaction; INBOX never; Bob may not.
    mailbox::create(&w.store, &w.alice, "Archive/Jobs/2026/Q2/Week1", None).await.unwrap();
    assert_eq!(refused(mailbox::delete_tree(&w.store, &w.alice, "INBOX").await), "cannot");
    assert_eq!(
        refused(mailbox::delete_tree(&w.store, &w.bob, "Other Users/alice@example.com/Archive/Jobs").await),
        "nonexistent"
    );
    mailbox::delete_tree(&w.store, &w.alice, "Archive/Jobs").await.unwrap();
    for name in ["Archive/Jobs", "Archive/Jobs/2026", "Archive/Jobs/2026/Q2/Week1"] {
        let (alice, n) = (w.alice.clone(), name.to_owned());
        assert!(w.store.read(move |r| Folders::resolve(r, &alice, &n)).await.unwrap().is_none(), "{name}");
    }
    assert_eq!(w.mailbox(&w.alice, "Archive").await, w.mailbox(&w.alice, "Archive").await, "its parent stays");
}
on_both_backends!(folders_on, folders);
/// Subscriptions are the user's own, by name: CREATE subscribes nothing, DELETE and RENAME
/// keep them (RFC 3501 §6.3.6, RFC 5258 §3.1); a shared mailbox's is on the grant.
async fn subscriptions(f: Fresh) {
    let w = world(&f).await;
    let subs = |actor: &Actor| {
        let actor = actor.clone();
        let store = w.store.clone();
        async move {
            let me = actor.principal;
            let all = store.read(move |r| Folders::load(r, &actor)).await.unwrap();
            let own = all.subscriptions.clone();
            let shared: Vec<_> =
                all.list.iter().filter(|f| f.subscribed && f.owner() != me).map(|f| f.name.clone()).collect();
            (own, shared)
        }
    };
    let defaults = ["Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"];
    assert_eq!(subs(&w.alice).await.0, defaults, "a new account's default mailboxes");
    mailbox::create(&w.store, &w.alice, "Work/Old", None).await.unwrap();
    assert_eq!(subs(&w.alice).await.0, defaults, "CREATE subscribes nothing");
    assert_eq!(refused(mailbox::subscribe(&w.store, &w.alice, "Nope", true).await), "nonexistent");
    mailbox::subscribe(&w.store, &w.alice, "Work/Old", true).await.unwrap();
    mailbox::rename(&w.store, &w.alice, "Work", "Jobs").await.unwrap();
    assert!(subs(&w.alice).await.0.contains(&"Jobs/Old".to_owned()), "a rename moves the names below");
    mailbox::delete(&w.store, &w.alice, "Jobs/Old").await.unwrap();
    assert!(subs(&w.alice).await.0.contains(&"Jobs/Old".to_owned()), "DELETE keeps the name subscribed");
    mailbox::subscribe(&w.store, &w.alice, "Jobs/Old", false).await.unwrap();
    mailbox::subscribe(&w.store, &w.alice, "Never", false).await.unwrap();
    assert_eq!(subs(&w.alice).await.0, defaults);
    // Bob's subscription to Alice's shared mailbox is his, on the grant.
    w.share("Archive", Rights::LOOKUP | Rights::READ_ITEMS).await;
    mailbox::subscribe(&w.store, &w.bob, "Other Users/alice@example.com/Archive", true).await.unwrap();
    assert_eq!(subs(&w.bob).await.1, ["Other Users/alice@example.com/Archive"]);
    assert_eq!(subs(&w.alice).await.0, defaults, "the owner's own list is untouched");
}
on_both_backends!(subscriptions_on, subscriptions);

/// What a sync client holding a mailbox up to a UID is missing: windows of new messages in UID
/// order, flag changes and removals of what it holds only, the date bound, and rights.
async fn delta(f: Fresh) {
    use relais_mail::mailbox::Held;
    let w = world(&f).await;
    let inbox = w.mailbox(&w.alice, "INBOX").await;
    let stored =
        w.mailer.append(&w.alice, inbox, (0..5).map(|i| message(&format!("m{i}"), &[])).collect()).await.unwrap();
    let subjects =
        |d: &mailbox::Delta| d.added.iter().map(|m| m.summary.subject.clone().unwrap_or_default()).collect::<Vec<_>>();
    // Two windows of three: the first says more remain.
    let first = mailbox::delta(&w.store, &w.alice, inbox, Held::default(), 3).await.unwrap();
    assert_eq!(subjects(&first), ["m0", "m1", "m2"]);
    assert!(first.more && first.removed.is_empty() && first.changed.is_empty());
    assert_eq!(first.held.uid, stored[2].1);
    let second = mailbox::delta(&w.store, &w.alice, inbox, first.held, 3).await.unwrap();
    assert_eq!(subjects(&second), ["m3", "m4"]);
    assert!(!second.more);
    let held = second.held;
    let nothing = mailbox::delta(&w.store, &w.alice, inbox, held, 3).await.unwrap();
    assert!(nothing.added.is_empty() && nothing.changed.is_empty() && nothing.removed.is_empty());

    // A flag set, a message expunged, a new one: each told once, in its own list.
    let (i1, u1) = stored[1];
    mailbox::change_keywords(&w.store, &w.alice, flag(inbox, (u1, i1), "\\Seen")).await.unwrap();
    let (i3, u3) = stored[3];
    mailbox::expunge(&w.store, &w.alice, inbox, mailbox::Expunge::Messages(vec![(u3, i3)])).await.unwrap();
    w.mailer.append(&w.alice, inbox, vec![message("m5", &["\\Flagged"])]).await.unwrap();
    let d = mailbox::delta(&w.store, &w.alice, inbox, held, 10).await.unwrap();
    assert_eq!(
        d.changed.iter().map(|m| (m.message.uid, m.message.keywords.clone())).collect::<Vec<_>>(),
        [(u1, vec!["\\Seen".into()])]
    );
    assert_eq!(d.removed, [u3]);
    assert_eq!(subjects(&d), ["m5"]);
    assert_eq!(d.added[0].message.keywords, ["\\Flagged"]);
    let after = mailbox::delta(&w.store, &w.alice, inbox, d.held, 10).await.unwrap();
    assert!(after.added.is_empty() && after.changed.is_empty() && after.removed.is_empty());

    // Changes are a window too: three flag changes with a window of two come in two rounds,
    // each message once.
    let now = d.held;
    let current: Vec<(Uid, ItemId)> =
        w.entries(inbox).await.into_iter().filter(|(uid, _)| *uid <= now.uid).take(3).collect();
    for (uid, item) in &current {
        mailbox::change_keywords(&w.store, &w.alice, flag(inbox, (*uid, *item), "$Seen2")).await.unwrap();
    }
    let one = mailbox::delta(&w.store, &w.alice, inbox, now, 2).await.unwrap();
    assert_eq!((one.changed.len(), one.more), (2, true));
    let two = mailbox::delta(&w.store, &w.alice, inbox, one.held, 2).await.unwrap();
    assert_eq!((two.changed.len(), two.more), (1, false));
    let told: std::collections::HashSet<Uid> = one.changed.iter().chain(&two.changed).map(|m| m.message.uid).collect();
    assert_eq!(told.len(), 3);

    // The date bound: messages received before it are neither added nor reported.
    let recent = Held { since: 1_600_000_001, ..Held::default() };
    assert!(mailbox::delta(&w.store, &w.alice, inbox, recent, 10).await.unwrap().added.is_empty());

    // Bob sees nothing of alice's mailbox; a reader of a shared one gets its delta.
    assert_eq!(refused(mailbox::delta(&w.store, &w.bob, inbox, Held::default(), 10).await), "nonexistent");
    let shared = w.share("INBOX", Rights::LOOKUP | Rights::READ_ITEMS).await;
    let theirs = mailbox::delta(&w.store, &w.bob, shared, Held::default(), 10).await.unwrap();
    assert_eq!(theirs.added.len(), 5);
}
on_both_backends!(delta_on, delta);

/// A message in several mailboxes is one message (JMAP mailboxIds): filed into another, taken
/// out of one, never out of all; each mailbox's rights decide.
async fn file_in_mailboxes(f: Fresh) {
    let w = world(&f).await;
    let inbox = w.mailbox(&w.alice, "INBOX").await;
    let archive = w.mailbox(&w.alice, "Archive").await;
    let stored = w.mailer.append(&w.alice, inbox, vec![message("a", &["\\Seen"])]).await.unwrap();
    let item = stored[0].0;
    mailbox::file(&w.store, &w.alice, item, vec![archive], vec![]).await.unwrap();
    assert_eq!(w.entries(archive).await, [(Uid(1), item)], "the same item, not a copy");
    assert_eq!(w.entries(inbox).await, [(stored[0].1, item)]);
    // Moved out of INBOX: still in Archive, flags kept.
    mailbox::file(&w.store, &w.alice, item, vec![], vec![inbox]).await.unwrap();
    assert!(w.entries(inbox).await.is_empty());
    assert_eq!(w.keywords(item).await, ["\\Seen"]);
    // Never out of every mailbox.
    assert_eq!(refused(mailbox::file(&w.store, &w.alice, item, vec![], vec![archive]).await), "cannot");
    // Bob reads Alice's Archive but may not add to his own INBOX a message of hers, nor take
    // it out of hers without `t` and `e`.
    let team = w.share("Archive", Rights::LOOKUP | Rights::READ_ITEMS).await;
    let bob_inbox = w.mailbox(&w.bob, "INBOX").await;
    assert_eq!(refused(mailbox::file(&w.store, &w.bob, item, vec![bob_inbox], vec![]).await), "cannot");
    assert_eq!(
        refused(mailbox::file(&w.store, &w.bob, item, vec![], vec![team]).await),
        format!("noperm {:?}", Rights::DELETE_ITEMS | Rights::EXPUNGE)
    );
    // Nobody files a message they cannot read.
    let bobs = w.mailer.append(&w.bob, bob_inbox, vec![message("b", &[])]).await.unwrap();
    assert_eq!(refused(mailbox::file(&w.store, &w.alice, bobs[0].0, vec![archive], vec![]).await), "cannot");
}
on_both_backends!(file_in_mailboxes_on, file_in_mailboxes);
/// A date window that moves on: what the client holds from before it is `left` (oldest first,
/// a window at a time), what is newer is still told, and nothing from before it is added.
async fn delta_within(f: Fresh) {
    use relais_mail::mailbox::Held;
    let w = world(&f).await;
    let inbox = w.mailbox(&w.alice, "INBOX").await;
    let at = |subject: &str, received: i64| NewMessage { received_at: Some(received), ..message(subject, &[]) };
    let stored = w
        .mailer
        .append(&w.alice, inbox, (0..5).map(|i| at(&format!("w{i}"), 1_000 * (i + 1))).collect())
        .await
        .unwrap();
    let uids: Vec<Uid> = stored.iter().map(|s| s.1).collect();
    let held = mailbox::delta(&w.store, &w.alice, inbox, Held::default(), 10).await.unwrap().held;
    assert!(mailbox::delta(&w.store, &w.alice, inbox, held, 10).await.unwrap().left.is_empty());
    // A message received long ago arrives now, and one the client holds changes.
    w.mailer.append(&w.alice, inbox, vec![at("old", 500)]).await.unwrap();
    let (i3, u3) = stored[3];
    mailbox::change_keywords(&w.store, &w.alice, flag(inbox, (u3, i3), "\\Seen")).await.unwrap();
    // The window moves to 3,500: the first three leave, in one go.
    let d = mailbox::delta_within(&w.store, &w.alice, inbox, held, 3_500, 10).await.unwrap();
    assert_eq!(d.left, uids[..3]);
    assert!(d.added.is_empty() && !d.more, "nothing from before the window is added");
    assert_eq!(d.changed.iter().map(|m| m.message.uid).collect::<Vec<_>>(), [u3]);
    assert_eq!(d.held.since, 3_500);
    let again = mailbox::delta_within(&w.store, &w.alice, inbox, d.held, 3_500, 10).await.unwrap();
    assert!(again.left.is_empty() && again.changed.is_empty() && again.added.is_empty());
    // Two at a time: the oldest two, then the third.
    let one = mailbox::delta_within(&w.store, &w.alice, inbox, held, 3_500, 2).await.unwrap();
    assert_eq!((one.left.as_slice(), one.more, one.held.since), (&uids[..2], true, 3_000));
    let two = mailbox::delta_within(&w.store, &w.alice, inbox, one.held, 3_500, 2).await.unwrap();
    assert_eq!((two.left.as_slice(), two.held.since), (&uids[2..3], 3_500));
    // Another's mailbox: refused as for delta.
    assert_eq!(refused(mailbox::delta_within(&w.store, &w.bob, inbox, held, 3_500, 10).await), "nonexistent");
}
on_both_backends!(delta_within_on, delta_within);

/// Emptying a mailbox: its messages out (one also filed elsewhere stays there), its children
/// deleted only when asked, INBOX emptied but kept; a shared mailbox needs `t` and `e`, and `x`
/// on each child, else nothing changes.
async fn empty(f: Fresh) {
    let w = world(&f).await;
    mailbox::create(&w.store, &w.alice, "Trash/old/older", None).await.unwrap();
    let trash = w.mailbox(&w.alice, "Trash").await;
    let old = w.mailbox(&w.alice, "Trash/old").await;
    let inbox = w.mailbox(&w.alice, "INBOX").await;
    w.mailer.append(&w.alice, trash, vec![message("t1", &[]), message("t2", &[])]).await.unwrap();
    w.mailer.append(&w.alice, old, vec![message("o1", &[])]).await.unwrap();
    let kept = w.entries(trash).await[0];
    mailbox::file(&w.store, &w.alice, kept.1, vec![inbox], Vec::new()).await.unwrap();
    assert_eq!(w.entries(inbox).await.len(), 1);

    let e = mailbox::empty(&w.store, &w.alice, trash, false).await.unwrap();
    assert_eq!((e.removed, e.deleted.len()), (2, 0));
    assert!(w.entries(trash).await.is_empty());
    assert_eq!(w.entries(old).await.len(), 1, "a child keeps its messages");
    assert_eq!(w.entries(inbox).await.len(), 1, "a message filed elsewhere stays there");
    w.mailer.append(&w.alice, trash, vec![message("t3", &[])]).await.unwrap();
    let e = mailbox::empty(&w.store, &w.alice, trash, true).await.unwrap();
    let older = e.deleted[0];
    assert_eq!((e.removed, e.deleted.len()), (1, 2));
    assert_eq!(e.deleted[1], old, "children before parents");
    assert!(w.store.read(move |r| r.collection(older)).await.is_err());
    assert_eq!(refused(mailbox::empty(&w.store, &w.alice, old, false).await), "nonexistent");
    let e = mailbox::empty(&w.store, &w.alice, inbox, true).await.unwrap();
    assert_eq!(e.removed, 1);
    assert!(w.store.read(move |r| r.collection(inbox)).await.is_ok(), "INBOX itself stays");

    // Shared: Bob needs t and e on the mailbox, and x on its children.
    mailbox::create(&w.store, &w.alice, "Team/sub", None).await.unwrap();
    let team = w.share("Team", Rights::LOOKUP | Rights::READ_ITEMS | Rights::DELETE_ITEMS).await;
    w.mailer.append(&w.alice, team, vec![message("s1", &[])]).await.unwrap();
    let missing = format!("noperm {:?}", Rights::EXPUNGE);
    assert_eq!(refused(mailbox::empty(&w.store, &w.bob, team, false).await), missing);
    w.share("Team", Rights::LOOKUP | Rights::READ_ITEMS | Rights::DELETE_ITEMS | Rights::EXPUNGE).await;
    assert_eq!(refused(mailbox::empty(&w.store, &w.bob, team, true).await), "nonexistent", "sub unseen");
    assert_eq!(w.entries(team).await.len(), 1, "a refusal changes nothing");
    assert_eq!(mailbox::empty(&w.store, &w.bob, team, false).await.unwrap().removed, 1);
    assert_eq!(refused(mailbox::empty(&w.store, &w.bob, inbox, false).await), "nonexistent");
}
on_both_backends!(empty_on, empty);
