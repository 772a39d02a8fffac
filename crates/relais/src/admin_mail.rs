//! `relais admin queue …` and `relais admin mail …`: look at and act on the outbound queue,
//! and at what mailboxes hold (an administrator's view; clients use IMAP, JMAP and the rest).

use std::io::Write;

use anyhow::{Context, Result, bail};
use relais_directory::Directory;
use relais_store::{CollectionKind, QueueStatus, Store};

use crate::admin::{MailCommand, QueueCommand};

pub async fn run(store: &Store, c: QueueCommand) -> Result<()> {
    match c {
        QueueCommand::List => {
            let now = relais_store::now();
            for m in store.read(|r| r.queued_messages()).await? {
                let waiting: Vec<&str> = m
                    .recipients
                    .iter()
                    .filter(|r| r.status == QueueStatus::Queued)
                    .map(|r| r.address.as_str())
                    .collect();
                let sender = if m.sender.is_empty() { "<>" } else { m.sender.as_str() };
                println!("{}  {}s  {}  {} octets  -> {}", m.id, now - m.created, sender, m.size, waiting.join(", "));
            }
        }
        QueueCommand::Show { id } => {
            let Some(m) = store.read(move |r| r.queued_message(id)).await? else {
                bail!("queued message {id} not found")
            };
            println!("id: {}", m.id);
            println!("sender: <{}>", m.sender);
            println!("size: {}", m.size);
            println!("created: {}", relais_mail::headers::rfc5322_date(m.created));
            println!("expires: {}", relais_mail::headers::rfc5322_date(m.expires));
            for r in m.recipients {
                let state = match r.status {
                    QueueStatus::Queued => {
                        format!("queued, next attempt {}", relais_mail::headers::rfc5322_date(r.next_attempt))
                    }
                    QueueStatus::Delivered => "delivered".into(),
                    QueueStatus::Failed => "failed".into(),
                };
                println!("{}  {state}  attempts {}  {}", r.address, r.attempts, r.last_error.unwrap_or_default());
            }
        }
        QueueCommand::Retry { id } => {
            let n = store.write(move |tx| tx.queue_retry_now(id)).await?;
            if n == 0 {
                bail!("queued message {id} has no recipient waiting");
            }
            println!("{n} recipient(s) of {id} due now");
        }
        QueueCommand::Delete { id } => {
            store.write(move |tx| tx.queue_delete(id)).await?;
            println!("deleted queued message {id}");
        }
    }
    Ok(())
}

pub async fn mail(dir: &Directory, c: MailCommand) -> Result<()> {
    let (address, mailbox) = match &c {
        MailCommand::List { address, mailbox }
        | MailCommand::Count { address, mailbox }
        | MailCommand::Get { address, mailbox, .. } => (address, mailbox),
    };
    let p = dir.principal(address).await?.with_context(|| format!("{address} not found"))?;
    let id = p.id;
    let name = mailbox.clone();
    let store = dir.store();
    let mailboxes = store.read(move |r| r.collections(id, CollectionKind::Mailbox)).await?;
    let m = mailboxes
        .into_iter()
        .find(|m| m.name.eq_ignore_ascii_case(&name))
        .with_context(|| format!("{address} has no mailbox {name}"))?;
    let entries = store.read(move |r| r.mailbox_entries(m.id)).await?;
    match c {
        MailCommand::List { .. } => {
            for e in entries {
                let item = store.read(move |r| r.item(e.item)).await?;
                let summary: serde_json::Value = serde_json::from_str(&item.summary).unwrap_or_default();
                let subject = summary.get("subject").and_then(|s| s.as_str()).unwrap_or("");
                println!("{}  {}  {}", e.uid.0, item.size, subject);
            }
        }
        MailCommand::Count { .. } => println!("{}", entries.len()),
        MailCommand::Get { uid, .. } => {
            let e =
                entries.into_iter().find(|e| e.uid.0 == uid).with_context(|| format!("no message with UID {uid}"))?;
            let item = store.read(move |r| r.item(e.item)).await?;
            let blob = item.blob.context("the message has no content")?;
            let bytes = store.blob(blob).await?;
            std::io::stdout().write_all(&bytes)?;
        }
    }
    Ok(())
}
