//! What Email methods share: which messages of an account the actor may see (those in a
//! mailbox it may read there; every other id is not found), keywords between IMAP's
//! spelling and JMAP's (RFC 8621 §4.1.1), and Email/changes on the change log.

use relais_store::{CollectionId, DataType, Item, ItemId, ReadTx};
use serde_json::{Map, Value};

use crate::account::Account;
use crate::error::MethodError;
use crate::ids;
use crate::methods::changes::changes as log_changes;
use crate::methods::{Args, Ctx};

/// A message the actor sees, and the mailboxes of the account it sees it in.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub item: Item,
    pub mailboxes: Vec<(CollectionId, relais_store::Uid)>,
}

/// The message `id` if the actor sees it in `account` (one of the readable mailboxes).
pub(crate) fn seen(
    r: &mut ReadTx<'_>,
    readable: &[CollectionId],
    account: &Account,
    id: ItemId,
) -> relais_store::Result<Option<Seen>> {
    match r.item(id) {
        Ok(item) => visible(r, readable, account, item),
        Err(relais_store::Error::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `item` with its mailboxes, if it is a message the actor sees in `account`.
fn visible(
    r: &mut ReadTx<'_>,
    readable: &[CollectionId],
    account: &Account,
    item: Item,
) -> relais_store::Result<Option<Seen>> {
    if item.account != account.id || item.data_type != DataType::Email {
        return Ok(None);
    }
    let mailboxes: Vec<_> = r.mailboxes_of(item.id)?.into_iter().filter(|(m, _)| readable.contains(m)).collect();
    Ok((!mailboxes.is_empty()).then_some(Seen { item, mailboxes }))
}

/// Reads the messages `ids` the actor sees in `account`, in the order given (the items in
/// one read a few hundred at a time).
pub(crate) async fn read_seen(
    ctx: &Ctx<'_>,
    account: &Account,
    ids: Vec<ItemId>,
) -> Result<Vec<Option<Seen>>, MethodError> {
    let readable: Vec<CollectionId> = account.readable().map(|c| c.id).collect();
    let account = account.clone();
    Ok(ctx
        .jmap
        .store()
        .read(move |r| {
            let mut found: std::collections::HashMap<ItemId, Item> =
                r.items(&ids)?.into_iter().map(|i| (i.id, i)).collect();
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                out.push(match found.remove(&id) {
                    Some(item) => visible(r, &readable, &account, item)?,
                    None => None,
                });
            }
            Ok(out)
        })
        .await?)
}

/// JMAP's spelling of a stored keyword (lower case, the system flags as `$` keywords);
/// `None` for the IMAP-only flags JMAP does not show (`\Deleted`, `\Recent`).
pub(crate) fn to_jmap(keyword: &str) -> Option<String> {
    match keyword.to_ascii_lowercase().as_str() {
        "\\seen" => Some("$seen".into()),
        "\\flagged" => Some("$flagged".into()),
        "\\answered" => Some("$answered".into()),
        "\\draft" => Some("$draft".into()),
        k if k.starts_with('\\') => None,
        k => Some(k.to_owned()),
    }
}

/// The stored spelling of a JMAP keyword; `None` for one JMAP does not allow (RFC 8621
/// §4.1.1: 1–255 of `%x21–%x7e` without `( ) { ] % * " \`).
pub(crate) fn from_jmap(keyword: &str) -> Option<String> {
    let k = keyword.to_ascii_lowercase();
    let ok =
        !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| (0x21..=0x7e).contains(&b) && !b"(){]%*\"\\".contains(&b));
    if !ok {
        return None;
    }
    Some(match k.as_str() {
        "$seen" => "\\Seen".into(),
        "$flagged" => "\\Flagged".into(),
        "$answered" => "\\Answered".into(),
        "$draft" => "\\Draft".into(),
        _ => k,
    })
}

/// A message's keywords as JMAP's object.
pub(crate) fn keywords_json(stored: &[String]) -> Value {
    let map: Map<String, Value> = stored.iter().filter_map(|k| to_jmap(k)).map(|k| (k, Value::Bool(true))).collect();
    Value::Object(map)
}

pub(crate) async fn changes(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.account(ctx).await?;
    let visible = if account.personal {
        None
    } else {
        // A shared account's messages outside what it shares are not reported.
        let readable: Vec<CollectionId> = account.readable().map(|c| c.id).collect();
        let visible = ctx
            .jmap
            .store()
            .read(move |r| {
                let mut out = Vec::new();
                for m in readable {
                    out.extend(r.mailbox_entries(m)?.into_iter().map(|e| e.item.0));
                }
                Ok(out)
            })
            .await?;
        Some(visible)
    };
    log_changes(ctx, &args, &account, DataType::Email, |i| ids::email(ItemId(i)), visible).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_both_ways() {
        let table = [
            ("\\Seen", Some("$seen")),
            ("\\Deleted", None),
            ("$Forwarded", Some("$forwarded")),
            ("work", Some("work")),
        ];
        for (stored, jmap) in table {
            assert_eq!(to_jmap(stored).as_deref(), jmap, "{stored}");
        }
        assert_eq!(from_jmap("$seen").as_deref(), Some("\\Seen"));
        assert_eq!(from_jmap("$Flagged").as_deref(), Some("\\Flagged"));
        for bad in ["", "a b", "a(b", "\\Seen", "é"] {
            assert_eq!(from_jmap(bad), None, "{bad}");
        }
    }
}
