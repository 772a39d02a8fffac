//! Test helper for `tests/durability.rs`: commits items with blobs and indexed text from 16
//! concurrent writers and prints `committed ID HASH TOKEN` only after each write returned, until
//! it is killed. Usage: relais-store-commit-loop sqlite DIR | postgres URL

use relais_store::{Backend, CollectionKind, DataType, NewCollection, NewItem, Store, StoreConfig};
use std::io::Write;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let backend = match (args.get(1).map(String::as_str), args.get(2)) {
        (Some("sqlite"), Some(dir)) => Backend::Sqlite { dir: dir.into() },
        (Some("postgres"), Some(url)) => Backend::Postgres { url: url.clone() },
        _ => return Err("usage: relais-store-commit-loop sqlite DIR | postgres URL".into()),
    };
    let store = Store::open(StoreConfig::new(backend)).await?;
    let (account, calendar) = store
        .write(|tx| {
            let a = tx.create_account()?;
            let new = NewCollection { kind: CollectionKind::Calendar, name: "c".into(), parent: None, role: None };
            Ok((a, tx.create_collection(a, new)?.id))
        })
        .await?;
    println!("account {account} {calendar}");
    let (lines, mut printed) = tokio::sync::mpsc::unbounded_channel::<String>();
    for w in 0..16u32 {
        let store = store.clone();
        let lines = lines.clone();
        tokio::spawn(async move {
            for i in 0u32.. {
                let token = format!("tok{w}x{i}");
                let body = format!(
                    "BEGIN:VEVENT\r\nUID:{token}\r\n{}\r\nEND:VEVENT\r\n",
                    "x".repeat(2000 + (i as usize % 7) * 100)
                );
                let Ok(blob) = store.put_blob(body.into_bytes()).await else {
                    return;
                };
                let hash = blob.hash.clone();
                let new = NewItem {
                    collection: Some(calendar),
                    blob: Some(blob),
                    uid_text: Some(token.clone()),
                    ..NewItem::default()
                };
                match store.write(move |tx| tx.create_item(account, DataType::Event, new)).await {
                    Ok(id) => {
                        let _ = lines.send(format!("committed {id} {hash} {token}"));
                    }
                    Err(e) => {
                        eprintln!("write failed: {e}");
                        return;
                    }
                }
            }
        });
    }
    drop(lines);
    let mut out = std::io::stdout().lock();
    while let Some(line) = printed.recv().await {
        writeln!(out, "{line}")?;
        out.flush()?;
    }
    Ok(())
}
