//! The file store on both backends: lookups through nested folders, conditional PUT, dead
//! properties, COPY and MOVE of whole trees with and without overwrite, DELETE of a tree, and
//! the guards (a folder into itself, a name taken by the other kind).

use relais_groupware::files::{Entry, FileMeta, Lookup, TreeTransfer};
use relais_groupware::{CollectionProps, Condition, Error, Groupware, Written};
use relais_store::{AccountId, Collection};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;

fn path(p: &str) -> Vec<String> {
    p.split('/').filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

async fn folder(g: &Groupware, a: AccountId, p: &str) -> Collection {
    match g.file_lookup(a, path(p)).await.unwrap() {
        Lookup::Found(Entry::Folder(c)) => c,
        other => panic!("{p}: {other:?}"),
    }
}

async fn content(g: &Groupware, f: &Fresh, a: AccountId, p: &str) -> Option<Vec<u8>> {
    match g.file_lookup(a, path(p)).await.unwrap() {
        Lookup::Found(Entry::File(_, item)) => Some(f.store.blob(item.blob.clone().unwrap()).await.unwrap()),
        Lookup::Found(Entry::Folder(_)) => panic!("{p} is a folder"),
        Lookup::Missing { .. } => None,
    }
}

async fn tree_operations(f: Fresh) {
    let g = Groupware::new(f.store.clone());
    let a = f.store.write(|tx| tx.create_account()).await.unwrap();
    // The root is made on first use and is a folder with no parent.
    let root = folder(&g, a, "").await;
    assert!(root.parent.is_none());
    assert_eq!(folder(&g, a, "").await.id, root.id, "one root");
    let docs = g.make_folder(&root, "docs", CollectionProps::default()).await.unwrap();
    let deep = g.make_folder(&docs, "deep", CollectionProps::default()).await.unwrap();
    assert!(matches!(g.make_folder(&root, "docs", CollectionProps::default()).await, Err(Error::AlreadyExists)));
    // Missing parents are told apart from missing leaves.
    assert!(matches!(g.file_lookup(a, path("docs/nope")).await.unwrap(), Lookup::Missing { parent: Some(_) }));
    assert!(matches!(g.file_lookup(a, path("nope/x")).await.unwrap(), Lookup::Missing { parent: None }));

    let w = g.put_file(&deep, "a.txt", b"one".to_vec(), Some("text/plain".into()), Condition::default()).await.unwrap();
    assert!(matches!(w, Written::Created { .. }));
    let stale = Condition { if_match: Some(vec!["\"1\"".into()]), ..Default::default() };
    assert!(matches!(g.put_file(&deep, "a.txt", b"x".to_vec(), None, stale).await, Err(Error::PreconditionFailed)));
    let ok = Condition { if_match: Some(vec![w.etag().to_owned()]), ..Default::default() };
    assert!(matches!(g.put_file(&deep, "a.txt", b"two".to_vec(), None, ok).await, Ok(Written::Replaced { .. })));
    assert_eq!(content(&g, &f, a, "docs/deep/a.txt").await.as_deref(), Some(&b"two"[..]));
    // A file cannot take a folder's name.
    assert!(matches!(
        g.put_file(&docs, "deep", b"x".to_vec(), None, Condition::default()).await,
        Err(Error::Conflict(_))
    ));

    // Dead properties stay with the file through a move.
    let Lookup::Found(Entry::File(_, item)) = g.file_lookup(a, path("docs/deep/a.txt")).await.unwrap() else {
        panic!()
    };
    let dead = [("{urn:x}colour".to_owned(), "red".to_owned())].into_iter().collect();
    g.set_file_props(&item, dead).await.unwrap();

    // COPY the tree (depth infinity), then a shallow COPY.
    let docs_entry = Entry::Folder(docs.clone());
    let copy = TreeTransfer { keep_source: true, overwrite: false, deep: true };
    assert!(!g.transfer_entry(&docs_entry, &root, "docs2", copy).await.unwrap());
    assert_eq!(content(&g, &f, a, "docs2/deep/a.txt").await.as_deref(), Some(&b"two"[..]));
    assert!(matches!(g.transfer_entry(&docs_entry, &root, "docs2", copy).await, Err(Error::AlreadyExists)));
    let shallow = TreeTransfer { deep: false, ..copy };
    assert!(!g.transfer_entry(&docs_entry, &root, "empty", shallow).await.unwrap());
    assert!(g.folder_members(&folder(&g, a, "empty").await).await.unwrap().0.is_empty());
    // Into itself: refused, and nothing changed.
    assert!(matches!(g.transfer_entry(&docs_entry, &deep, "loop", copy).await, Err(Error::Conflict(_))));
    let into_self = TreeTransfer { keep_source: false, overwrite: true, deep: true };
    assert!(matches!(g.transfer_entry(&docs_entry, &deep, "loop", into_self).await, Err(Error::Conflict(_))));

    // MOVE with overwrite replaces the target tree (204) and leaves no source behind.
    let moved = TreeTransfer { keep_source: false, overwrite: true, deep: true };
    assert!(g.transfer_entry(&docs_entry, &root, "docs2", moved).await.unwrap());
    assert!(matches!(g.file_lookup(a, path("docs")).await.unwrap(), Lookup::Missing { .. }));
    let Lookup::Found(Entry::File(_, item)) = g.file_lookup(a, path("docs2/deep/a.txt")).await.unwrap() else {
        panic!()
    };
    assert_eq!(FileMeta::of(&item).dead.get("{urn:x}colour").map(String::as_str), Some("red"));
    assert_eq!(FileMeta::of(&item).content_type, None, "the second PUT sent no type");

    // DELETE a tree: every folder and file below goes, and the blob is released.
    let docs2 = Entry::Folder(folder(&g, a, "docs2").await);
    g.delete_entry(&docs2, Condition::default()).await.unwrap();
    assert!(matches!(g.file_lookup(a, path("docs2/deep")).await.unwrap(), Lookup::Missing { parent: None }));
    let (folders, files) = g.folder_members(&root).await.unwrap();
    assert_eq!(folders.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["empty"]);
    assert!(files.is_empty());
}
on_both_backends!(tree_operations_on, tree_operations);

/// Folders nest at most `MAX_DEPTH` deep, whether made one by one or moved under each other,
/// so every walk of a tree is bounded.
async fn depth_is_bounded(f: Fresh) {
    use relais_groupware::files::MAX_DEPTH;
    let g = Groupware::new(f.store.clone());
    let a = f.store.write(|tx| tx.create_account()).await.unwrap();
    let mut chain = vec![folder(&g, a, "").await];
    for i in 1..MAX_DEPTH {
        let next = g.make_folder(chain.last().unwrap(), &format!("d{i}"), CollectionProps::default()).await.unwrap();
        chain.push(next);
    }
    let deepest = chain.last().unwrap();
    assert!(matches!(
        g.make_folder(deepest, "one-too-many", CollectionProps::default()).await,
        Err(Error::Conflict(_))
    ));
    // A file still fits in the deepest folder, and is found by its path.
    g.put_file(deepest, "leaf.txt", b"x".to_vec(), None, Condition::default()).await.unwrap();
    let path: String = (1..MAX_DEPTH).map(|i| format!("d{i}/")).collect::<String>() + "leaf.txt";
    assert!(content(&g, &f, a, &path).await.is_some());
    // A two-level tree does not fit under a folder near the bottom.
    let root = folder(&g, a, "").await;
    let top = g.make_folder(&root, "top", CollectionProps::default()).await.unwrap();
    g.make_folder(&top, "sub", CollectionProps::default()).await.unwrap();
    let moved = TreeTransfer { keep_source: false, overwrite: false, deep: true };
    // chain[k] is k deep; the deepest a folder may be is MAX_DEPTH - 1.
    let near_bottom = &chain[MAX_DEPTH - 2];
    assert!(matches!(
        g.transfer_entry(&Entry::Folder(top.clone()), near_bottom, "top", moved).await,
        Err(Error::Conflict(_))
    ));
    assert!(!g.transfer_entry(&Entry::Folder(top), &chain[MAX_DEPTH - 3], "top", moved).await.unwrap());
}
on_both_backends!(depth_is_bounded_on, depth_is_bounded);

/// Files are held to the account's quota in the write: a new file, one that grew, a copy of a
/// file or of a whole tree; a move and a copy of a folder alone add nothing.
async fn files_are_held_to_the_quota(f: Fresh) {
    use relais_directory::{AuthConfig, Directory};
    use relais_store::{PrincipalKind, Role};
    let dir = Directory::new(f.store.clone(), AuthConfig::default());
    dir.add_domain("example.com").await.unwrap();
    let a = dir.add_principal(PrincipalKind::User, "a@example.com", "", Some("pw"), Role::User).await.unwrap().id;
    let g = Groupware::new(f.store.clone());
    let root = folder(&g, a, "").await;
    let usage = || {
        let store = f.store.clone();
        async move { store.read(move |r| r.usage(a)).await.unwrap() }
    };
    let over = |r: &Result<Written, Error>| matches!(r, Err(Error::OverQuota));
    dir.set_quota("a@example.com", Some(usage().await + 2_000)).await.unwrap();
    g.put_file(&root, "a.bin", vec![1; 1_500], None, Condition::default()).await.unwrap();
    assert!(over(&g.put_file(&root, "b.bin", vec![2; 1_000], None, Condition::default()).await));
    assert!(content(&g, &f, a, "b.bin").await.is_none());
    g.put_file(&root, "a.bin", vec![3; 1_800], None, Condition::default()).await.expect("grew within the quota");
    assert!(over(&g.put_file(&root, "a.bin", vec![3; 2_100], None, Condition::default()).await));
    let d = g.make_folder(&root, "d", CollectionProps::default()).await.unwrap();
    let entry = |p: &'static str| {
        let g = g.clone();
        async move {
            match g.file_lookup(a, path(p)).await.unwrap() {
                Lookup::Found(e) => e,
                other => panic!("{p}: {other:?}"),
            }
        }
    };
    let copy = TreeTransfer { keep_source: true, overwrite: false, deep: true };
    let moved = TreeTransfer { keep_source: false, overwrite: false, deep: true };
    let refused = g.transfer_entry(&entry("a.bin").await, &d, "a.bin", copy).await;
    assert!(matches!(refused, Err(Error::OverQuota)), "{refused:?}");
    g.transfer_entry(&entry("a.bin").await, &d, "a.bin", moved).await.expect("a move adds nothing");
    let refused = g.transfer_entry(&entry("d").await, &root, "e", copy).await;
    assert!(matches!(refused, Err(Error::OverQuota)), "{refused:?}");
    assert!(matches!(g.file_lookup(a, path("e")).await.unwrap(), Lookup::Missing { .. }));
    let alone = TreeTransfer { deep: false, ..copy };
    g.transfer_entry(&entry("d").await, &root, "e", alone).await.expect("a folder without its members");
}
on_both_backends!(files_are_held_to_the_quota_on, files_are_held_to_the_quota);
