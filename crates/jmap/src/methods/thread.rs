//! Thread/get and Thread/changes (RFC 8621 §3). Threads are decided by the mail domain when a
//! message is stored (`relais_mail::thread`): a thread's id is its first message's, and the
//! store logs threads as `DataType::Thread`. A thread shows the messages the actor sees,
//! oldest first; one with none it sees is not found.
//!
//! ```text
//! ["Thread/get", {"accountId": "a1", "ids": ["t12"]}, "0"]
//! → ["Thread/get", {"list": [{"id": "t12", "emailIds": ["e12", "e19"]}], "notFound": [], …}, "0"]
//! ```

use relais_store::{CollectionId, DataType};
use serde_json::{Value, json};

use crate::error::MethodError;
use crate::ids;
use crate::methods::changes::{changes as log_changes, state};
use crate::methods::email::seen;
use crate::methods::{Args, Ctx};

pub(crate) async fn get(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.account(ctx).await?;
    let Some(wanted) = args.get_ids(ctx)? else {
        // RFC 8621 §3.1: fetching every thread is not supported; ids are required.
        return Err(MethodError::RequestTooLarge);
    };
    let state = state(ctx, account.id).await?;
    let readable: Vec<CollectionId> = account.readable().map(|c| c.id).collect();
    let acc = account.clone();
    let threads: Vec<(String, Option<i64>)> = wanted.iter().map(|s| (s.clone(), ids::parse_thread(s))).collect();
    let found = ctx
        .jmap
        .store()
        .read(move |r| {
            let mut out = Vec::new();
            for (text, t) in threads {
                let Some(t) = t else {
                    out.push((text, Vec::new()));
                    continue;
                };
                let mut emails = Vec::new();
                for item in r.thread_messages(t)? {
                    if let Some(s) = seen(r, &readable, &acc, item)? {
                        emails.push((s.item.received_at, s.item.id));
                    }
                }
                emails.sort();
                out.push((text, emails));
            }
            Ok(out)
        })
        .await?;
    let (mut list, mut not_found) = (Vec::new(), Vec::new());
    for (text, emails) in found {
        if emails.is_empty() {
            not_found.push(text);
        } else {
            let email_ids: Vec<String> = emails.into_iter().map(|(_, id)| ids::email(id)).collect();
            list.push(json!({ "id": text, "emailIds": email_ids }));
        }
    }
    Ok(json!({
        "accountId": ids::account(account.id),
        "state": state,
        "list": list,
        "notFound": not_found,
    }))
}

pub(crate) async fn changes(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.account(ctx).await?;
    if !account.personal {
        // Which of a shared account's threads the actor sees is not kept in the log.
        return Err(MethodError::CannotCalculateChanges);
    }
    log_changes(ctx, &args, &account, DataType::Thread, ids::thread, None).await
}
