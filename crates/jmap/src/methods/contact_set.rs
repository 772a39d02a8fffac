//! ContactCard/set and /copy (RFC 9610 §3.5, §3.6). A card given as JSContact is converted to
//! the vCard that is stored (`relais_groupware::jscontact`) and written by the groupware
//! domain with the actor, as a CardDAV PUT is: `put` with If-None-Match `*` to create,
//! `change_object` to update (`put` with If-Match on the card's ETag — a change made meanwhile
//! over another protocol is never overwritten: stateMismatch — and `transfer` to move it to
//! another address book, addressBookIds), `delete_read` (If-Match too) to destroy it.
//! Everything is checked before the first write.
//!
//! ```text
//! ["ContactCard/set", {"accountId": "a1",
//!   "create": {"k1": {"@type": "Card", "addressBookIds": {"ab3": true},
//!                     "name": {"components": [{"kind": "given", "value": "Ann"}]}}},
//!   "update": {"c12": {"emails/e1": {"address": "ann@example.com"}, "addressBookIds/ab4": true,
//!                      "addressBookIds/ab3": null}},
//!   "destroy": ["c13"]}, "0"]
//! ```

use std::collections::BTreeSet;

use relais_groupware::address_book::{AddressBook, Card, card_name};
use relais_groupware::jscontact::from_jscontact;
use relais_groupware::{Condition, Scheduling};
use serde_json::{Map, Value, json};

use crate::account::Account;
use crate::error::{MethodError, SetError};
use crate::ids;
use crate::methods::address_book::books;
use crate::methods::contact_card::shown;
use crate::methods::set::{Outcome, SetRequest, copy_answer, copy_request, new_uid, patch};
use crate::methods::{Args, Ctx};

pub(crate) async fn set(ctx: &mut Ctx<'_>, mut args: Args) -> Result<Value, MethodError> {
    let mut set = SetRequest::read(ctx, &mut args, false).await?;
    if !set.account.contacts {
        return Err(MethodError::AccountNotSupportedByMethod);
    }
    let mut out = Outcome::default();
    for (cid, object) in std::mem::take(&mut set.create) {
        let all = books(ctx, &set.account).await?;
        let made = create_one(ctx, &set.account, &all, object).await;
        out.created(ctx, cid, made);
    }
    let all = books(ctx, &set.account).await?;
    for (id, patch) in std::mem::take(&mut set.update) {
        let done = update_one(ctx, &set.account, &all, &id, &patch).await;
        out.updated(id, done);
    }
    for id in std::mem::take(&mut set.destroy) {
        let done = destroy_one(ctx, &set.account, &all, &id).await;
        out.destroyed(id, done);
    }
    out.response(ctx, &set).await
}

/// The one address book `addressBookIds` names (a card is in exactly one: the store keeps an
/// object in one collection), which must be one of the account's.
fn book_named<'b>(ctx: &Ctx<'_>, all: &'b [AddressBook], ids_: &Value) -> Result<&'b AddressBook, SetError> {
    let bad = |why: &str| SetError::invalid("addressBookIds", why);
    let Value::Object(m) = ids_ else { return Err(bad("addressBookIds maps address book ids to true")) };
    let named: Vec<&String> = m.iter().filter(|(_, v)| **v == Value::Bool(true)).map(|(k, _)| k).collect();
    if named.len() != m.len() || named.len() != 1 {
        return Err(bad("a card is in exactly one address book (maxAddressBooksPerCard 1)"));
    }
    let id = ctx.id(named[0]).and_then(ids::parse_address_book).ok_or_else(|| bad("no such address book"))?;
    all.iter().find(|b| b.collection.id == id).ok_or_else(|| bad("no such address book"))
}

async fn create_one(
    ctx: &Ctx<'_>,
    account: &Account,
    all: &[AddressBook],
    mut object: Map<String, Value>,
) -> Result<Value, SetError> {
    if object.contains_key("id") {
        return Err(SetError::invalid("id", "id is the server's"));
    }
    let book = book_named(ctx, all, object.get("addressBookIds").unwrap_or(&Value::Null))?;
    object.entry("@type").or_insert_with(|| json!("Card"));
    object.entry("version").or_insert_with(|| json!("1.0"));
    let mut made = Map::new();
    if !object.contains_key("uid") {
        let uid = new_uid(account.id);
        made.insert("uid".into(), json!(uid));
        object.insert("uid".into(), json!(uid));
    }
    let (text, card) = from_jscontact(&object).map_err(|e| SetError::new("invalidProperties", e.message))?;
    let name = card_name(&card.uid);
    let gw = &ctx.jmap.groupware;
    let create = Condition { if_match: None, if_none_match: Some(vec!["*".into()]) };
    gw.put(&ctx.actor, &book.collection, &name, text.into_bytes(), create).await?;
    let o = gw.object_named(&ctx.actor, book.collection.id, &name).await?.ok_or_else(SetError::not_found)?;
    made.insert("id".into(), json!(ids::card(o.id)));
    Ok(Value::Object(made))
}

/// The card `id` of the account, if the actor may read it.
async fn card_of(ctx: &Ctx<'_>, account: &Account, id: &str) -> Result<Card, SetError> {
    let item = ctx.id(id).and_then(ids::parse_card).ok_or_else(SetError::not_found)?;
    let found = ctx.jmap.groupware.cards(&ctx.actor, account.id, Some(vec![item])).await?;
    found.into_iter().next().ok_or_else(SetError::not_found)
}

async fn update_one(
    ctx: &Ctx<'_>,
    account: &Account,
    all: &[AddressBook],
    id: &str,
    changes: &Map<String, Value>,
) -> Result<(), SetError> {
    let card = card_of(ctx, account, id).await?;
    let (from, name, modseq) = (card.collection, card.name.clone(), card.modseq);
    let mut object = shown(vec![card]).await.map_err(|_| SetError::new("serverFail", "see the log"))?;
    let mut object = object.pop().map(|s| s.object).ok_or_else(SetError::not_found)?;
    let before = object.clone();
    for (path, value) in changes {
        if path == "id" || path.starts_with("id/") {
            return Err(SetError::invalid("id", "id is the server's"));
        }
        patch(&mut object, path, value)?;
    }
    let target = book_named(ctx, all, object.get("addressBookIds").unwrap_or(&Value::Null))?;
    let source = all.iter().find(|b| b.collection.id == from).ok_or_else(SetError::not_found)?;
    let mut content = object.clone();
    content.remove("addressBookIds");
    let mut old = before;
    old.remove("addressBookIds");
    let rewritten = if content != old {
        Some(from_jscontact(&content).map_err(|e| SetError::new("invalidProperties", e.message))?.0)
    } else {
        None
    };
    let changed = ctx
        .jmap
        .groupware
        .change_object(
            &ctx.actor,
            (source, &name, modseq),
            target,
            (rewritten.map(String::into_bytes), Scheduling::Implicit),
        )
        .await;
    match changed {
        Err(relais_groupware::Error::Forbidden) => {
            Err(SetError::forbidden("no right to change the card or move it between these address books"))
        }
        other => Ok(other?),
    }
}

async fn destroy_one(ctx: &Ctx<'_>, account: &Account, all: &[AddressBook], id: &str) -> Result<(), SetError> {
    let card = card_of(ctx, account, id).await?;
    let book = all.iter().find(|b| b.collection.id == card.collection).ok_or_else(SetError::not_found)?;
    ctx.jmap.groupware.delete_read(&ctx.actor, (book, &card.name, card.modseq), Scheduling::Implicit).await?;
    Ok(())
}

/// ContactCard/copy (RFC 8620 §5.4, RFC 9610 §3.6): each card read from `fromAccountId`, its
/// given properties (addressBookIds among them) put over it, created in `accountId` as
/// ContactCard/set would; onSuccessDestroyOriginal then destroys the originals copied.
pub(crate) async fn copy(ctx: &mut Ctx<'_>, mut args: Args) -> Result<Value, MethodError> {
    let (from, mut set) = copy_request(ctx, &mut args, |a| a.contacts).await?;
    let create = std::mem::take(&mut set.create);
    let all = books(ctx, &set.account).await?;
    let mut out = Outcome::default();
    let mut copied: BTreeSet<String> = BTreeSet::new();
    for (cid, given) in create {
        let made = copy_one(ctx, &from, &set.account, &all, &given).await;
        if made.is_ok()
            && let Some(source) = given.get("id").and_then(Value::as_str)
        {
            copied.insert(source.to_owned());
        }
        out.created(ctx, cid, made);
    }
    let (response, destroy) = copy_answer(ctx, &args, (&from, &set), out, copied).await?;
    if let Some(destroy) = destroy {
        let destroyed = Box::pin(self::set(ctx, destroy)).await;
        ctx.push_implicit("ContactCard/set", destroyed);
    }
    Ok(response)
}

async fn copy_one(
    ctx: &Ctx<'_>,
    from: &Account,
    to: &Account,
    all: &[AddressBook],
    given: &Map<String, Value>,
) -> Result<Value, SetError> {
    let source = given.get("id").and_then(Value::as_str).ok_or_else(|| SetError::invalid("id", "id is required"))?;
    let card = card_of(ctx, from, source).await?;
    let mut object = shown(vec![card]).await.map_err(|_| SetError::new("serverFail", "see the log"))?;
    let mut object = object.pop().map(|s| s.object).ok_or_else(SetError::not_found)?;
    object.remove("id");
    object.remove("addressBookIds");
    for (k, v) in given {
        if k != "id" {
            object.insert(k.clone(), v.clone());
        }
    }
    if !object.contains_key("addressBookIds")
        && let Some(default) = all.iter().find(|b| b.is_default()).or(all.first())
    {
        object.insert("addressBookIds".into(), json!({ ids::address_book(default.collection.id): true }));
    }
    create_one(ctx, to, all, object).await
}
