//! APPEND (RFC 9051 §6.3.12), MULTIAPPEND (RFC 3502), with APPENDUID (RFC 4315 §3). The message
//! is analysed once, like a delivery, and stored with its flags and internal date. Into a
//! shared mailbox it needs `i` (RFC 4314 §4), belongs to the owner and counts against the
//! owner's quota; flags the user may not set are dropped.

use relais_imap_proto::{AppendMessage, Code, MailboxName, SequenceSet, Tag};
use relais_store::{NewItem, share_rights};

use crate::convert;
use crate::folders::Folders;
use crate::session::Session;

pub async fn append(s: &mut Session, tag: &Tag, mailbox: MailboxName, messages: Vec<AppendMessage>) {
    let Some(account) = s.account() else { return };
    if messages.iter().any(|m| m.flags.contains(&relais_imap_proto::Flag::Recent)) {
        return s.bad(tag, "\\Recent cannot be set");
    }
    let name = mailbox.as_str().to_owned();
    let target = match s.imap.store().read(move |r| Folders::resolve(r, account, &name)).await {
        Ok(Some(f)) => f,
        Ok(None) => return s.no(tag, Some(Code::TryCreate), "no such mailbox"),
        Err(e) => return s.store_error(tag, &e),
    };
    // RFC 4314 §4: APPEND needs i on the target.
    if !crate::rights::check(s, tag, &target, share_rights::INSERT, "APPEND") {
        return;
    }
    // The message belongs to the mailbox's owner, whose quota it counts against.
    let owner = target.owner();
    let total: u64 = messages.iter().map(|m| m.data.len() as u64).sum();
    if crate::commands::quota::would_exceed(s, owner, total).await {
        return s.no(tag, Some(Code::OverQuota), "the mailbox is over its quota");
    }
    let mut prepared = Vec::with_capacity(messages.len());
    for m in messages {
        if m.data.is_empty() {
            return s.no(tag, Some(Code::Cannot), "an empty message cannot be appended");
        }
        let received_at = m.date.map_or_else(relais_store::now, |d| d.unix_seconds());
        let keywords = convert::settable(convert::keywords(&m.flags), target.rights);
        let data = m.data;
        let analysed = tokio::task::spawn_blocking(move || {
            let sm = relais_mail::summary::summarize(&data);
            let text = relais_mail::summary::search_text(&data, &sm);
            (sm, text, data)
        })
        .await;
        let Ok((summary, text, data)) = analysed else {
            return s.no(tag, Some(Code::ServerBug), "the message could not be analysed");
        };
        let blob = match s.imap.store().put_blob(data).await {
            Ok(b) => b,
            Err(e) => return s.store_error(tag, &e),
        };
        let json = serde_json::to_string(&summary).unwrap_or_default();
        let key = relais_mail::thread::key(&summary);
        let item = NewItem {
            blob: Some(blob),
            received_at,
            keywords,
            summary: json,
            text: Some(text),
            ..NewItem::default()
        };
        prepared.push((item, key));
    }
    let mailbox_id = target.collection.id;
    let result = s
        .imap
        .store()
        .write(move |tx| {
            let mut uids = Vec::new();
            for (item, key) in prepared {
                let id = relais_mail::thread::create_message(tx, owner, item, &key)?;
                uids.push(tx.add_to_mailbox(id, mailbox_id)?.0);
            }
            Ok(uids)
        })
        .await;
    match result {
        Ok(uids) => {
            // The client learns of the new message at once when it is the selected mailbox.
            s.updates(false, true).await;
            let code =
                Code::AppendUid { uid_validity: target.collection.uid_validity, uids: SequenceSet::from_numbers(uids) };
            s.ok_code(tag, code, "APPEND completed");
        }
        Err(e) => s.store_error(tag, &e),
    }
}
