//! Durability: a child process commits in a loop and is killed with SIGKILL. After reopening,
//! everything it reported committed is there, whole (item, blob bytes, index, change log), and
//! nothing is half-stored. On both backends.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use relais_store::{AccountId, BlobHash, CollectionId, DataType, Modseq, Store, StoreConfig};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;

struct Report {
    account: AccountId,
    calendar: CollectionId,
    /// item id -> (blob hash, token)
    committed: BTreeMap<i64, (String, String)>,
}

/// Runs the child until it has reported `min` commits and at least `run` has passed, then
/// SIGKILLs it mid-stream.
fn run_and_kill(args: &[&str], min: usize, run: Duration) -> Report {
    let mut child = Command::new(env!("CARGO_BIN_EXE_relais-store-commit-loop"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start child");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let parts: Vec<&str> = first.split(' ').collect();
    assert_eq!(parts[0], "account", "{first}");
    let account = AccountId(parts[1].parse().unwrap());
    let calendar = CollectionId(parts[2].parse().unwrap());
    let start = Instant::now();
    let mut committed = BTreeMap::new();
    for line in lines {
        let line = line.unwrap();
        let p: Vec<&str> = line.split(' ').collect();
        committed.insert(p[1].parse().unwrap(), (p[2].to_owned(), p[3].to_owned()));
        if committed.len() >= min && start.elapsed() >= run {
            // SAFETY: kill(2) on our own child.
            unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "child too slow: {} commits", committed.len());
    }
    // Lines already written by the child before it died were also reported committed.
    let _ = child.wait();
    Report { account, calendar, committed }
}

async fn verify(store: &Store, r: &Report) {
    let (account, calendar) = (r.account, r.calendar);
    let items = store.read(move |tx| tx.items_in(calendar)).await.unwrap();
    let stored: BTreeMap<i64, _> = items.iter().map(|i| (i.id.0, i.clone())).collect();
    for (id, (hash, token)) in &r.committed {
        let item = stored.get(id).unwrap_or_else(|| panic!("item {id} was reported committed but is lost"));
        assert_eq!(item.blob.as_ref().map(|b| b.as_str()), Some(hash.as_str()));
        assert_eq!(item.uid_text.as_deref(), Some(token.as_str()));
    }
    // Nothing half-stored: every item that exists, reported or not, is whole.
    let changes = store.read(move |tx| tx.changes_since(account, DataType::Event, Modseq(0))).await.unwrap();
    assert_eq!(changes.created.len(), items.len(), "change log and items agree");
    for item in &items {
        let hash = item.blob.clone().expect("every item has its blob");
        let bytes = store.blob(hash.clone()).await.expect("blob bytes present");
        assert_eq!(BlobHash::of(&bytes), hash, "blob bytes intact");
        assert!(item.uid_text.is_some(), "indexed in the same transaction");
    }
    let modseq = store.read(move |tx| tx.account_modseq(account)).await.unwrap();
    assert!(modseq.0 as usize >= items.len(), "one modseq per write at least");
    assert!(items.len() >= r.committed.len());
}

async fn sigkill_loses_nothing(f: Fresh) {
    let config: StoreConfig = f.config.clone();
    drop(f.store);
    let args: Vec<String> = match &config.backend {
        relais_store::Backend::Sqlite { dir } => vec!["sqlite".into(), dir.display().to_string()],
        relais_store::Backend::Postgres { url } => vec!["postgres".into(), url.clone()],
    };
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    for round in 0..2 {
        let report = tokio::task::spawn_blocking({
            let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
            move || run_and_kill(&argv.iter().map(String::as_str).collect::<Vec<_>>(), 300, Duration::from_millis(700))
        })
        .await
        .unwrap();
        let store = Store::open(config.clone()).await.expect("reopen after SIGKILL");
        verify(&store, &report).await;
        // And the store goes on taking writes.
        store.write(|tx| tx.create_account()).await.expect("write after recovery");
        eprintln!("round {round}: {} commits reported, all present", report.committed.len());
    }
}
on_both_backends!(sigkill, sigkill_loses_nothing);
