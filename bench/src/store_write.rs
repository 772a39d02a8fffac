//! Store write benchmark: items committed per second (each a 2 KiB blob, an item row, its
//! full-text entry and change-log row, durably), with 1 and with 32 concurrent writers, on
//! SQLite and, given `--pg URL`, on PostgreSQL. The last line is the headline figure
//! (SQLite, 32 writers): `items_per_s=N`.
//!
//! cargo run --release -p relais-bench --bin store-write -- [--seconds S] [--pg postgres://…]

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use relais_store::{Backend, CollectionKind, DataType, NewCollection, NewItem, Store, StoreConfig};

struct Args {
    seconds: u64,
    pg: Option<String>,
}

fn args() -> Result<Args> {
    let mut a = Args { seconds: 5, pg: None };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--seconds" => a.seconds = it.next().context("--seconds N")?.parse()?,
            "--pg" => a.pg = Some(it.next().context("--pg URL")?),
            other => anyhow::bail!("unknown argument {other}; usage: store-write [--seconds S] [--pg URL]"),
        }
    }
    Ok(a)
}

/// A fresh account with one calendar.
async fn account(store: &Store) -> Result<(relais_store::AccountId, relais_store::CollectionId)> {
    Ok(store
        .write(|tx| {
            let a = tx.create_account()?;
            let new = NewCollection { kind: CollectionKind::Calendar, name: "bench".into(), parent: None, role: None };
            Ok((a, tx.create_collection(a, new)?.id))
        })
        .await?)
}

/// `writers` concurrent writers for `seconds`, all on one account or each on its own.
async fn run(store: &Store, writers: usize, own_accounts: bool, seconds: u64) -> Result<f64> {
    let shared = account(store).await?;
    let mut targets = Vec::new();
    for _ in 0..writers {
        targets.push(if own_accounts { account(store).await? } else { shared });
    }
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (w, (account, calendar)) in targets.into_iter().enumerate() {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                let token = format!("w{w}n{n}");
                let body = format!("BEGIN:VEVENT\r\nUID:{token}\r\nSUMMARY:{}\r\nEND:VEVENT\r\n", "x".repeat(2000));
                let blob = store.put_blob(body.into_bytes()).await?;
                let new = NewItem {
                    collection: Some(calendar),
                    blob: Some(blob),
                    uid_text: Some(token.clone()),
                    ..NewItem::default()
                };
                store.write(move |tx| tx.create_item(account, DataType::Event, new)).await?;
                n += 1;
            }
            anyhow::Ok(n)
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await??;
    }
    Ok(total as f64 / start.elapsed().as_secs_f64())
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = args()?;
    let dir = std::env::temp_dir().join(format!("relais-bench-{}", std::process::id()));
    let mut backends = vec![("sqlite", Backend::Sqlite { dir: dir.clone() })];
    if let Some(url) = &args.pg {
        backends.push(("postgres", Backend::Postgres { url: url.clone() }));
    } else {
        println!("postgres: skipped (give --pg postgres://user@host:port/db)");
    }
    let mut headline = 0.0;
    for (name, backend) in backends {
        let store = Store::open(StoreConfig::new(backend)).await?;
        for (writers, own) in [(1, false), (32, false), (32, true)] {
            let before = store.stats();
            let rate = run(&store, writers, own, args.seconds).await?;
            let after = store.stats();
            let per_commit = (after.writes - before.writes) as f64 / (after.commits - before.commits).max(1) as f64;
            let accounts = if own { "own account each" } else { "one account" };
            println!(
                "{name:<8} writers={writers:<2} ({accounts:<16}) items_per_s={rate:<6.0} writes_per_commit={per_commit:.1}"
            );
            if name == "sqlite" && writers == 32 && !own {
                headline = rate;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!("items_per_s={headline:.0}");
    Ok(())
}
