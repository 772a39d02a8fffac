//! ContactCard/get, /changes and /query (RFC 9610 §3.1–3.4). A card is a vCard in an address
//! book the actor may read (`relais_groupware::address_book`), shown as JSContact (RFC 9553,
//! `relais_groupware::jscontact`) with its JMAP `id` and `addressBookIds`; a card written over
//! CardDAV or ActiveSync is the same object. Queries are evaluated on the cards of the
//! readable address books, converted once per query; queryChanges from the change log.
//!
//! ```text
//! ["ContactCard/query", {"accountId": "a1", "filter": {"inAddressBook": "ab3", "text": "ann"},
//!                        "sort": [{"property": "name/surname"}], "limit": 50}, "0"]
//! ["ContactCard/get", {"accountId": "a1", "#ids": {"resultOf": "0", "name": "ContactCard/query",
//!                      "path": "/ids"}, "properties": ["name", "emails"]}, "1"]
//! ```

use std::cmp::Ordering;

use relais_groupware::ContactCard;
use relais_groupware::address_book::Card;
use relais_groupware::jscontact::to_jscontact;
use relais_store::{DataType, ItemId};
use serde_json::{Map, Value, json};

use crate::account::Account;
use crate::error::MethodError;
use crate::ids;
use crate::methods::address_book::{books, contacts_account};
use crate::methods::changes::{changes as log_changes, state};
use crate::methods::{Args, Ctx};
use crate::methods::{contact_filter, query};

/// A card read for JMAP: its store facts and its JSContact object (id and addressBookIds in).
pub(crate) struct Shown {
    pub card: Card,
    pub object: Map<String, Value>,
}

/// The cards as JSContact, converted off the executor (parsing vCards is CPU work).
pub(crate) async fn shown(cards: Vec<Card>) -> Result<Vec<Shown>, MethodError> {
    tokio::task::spawn_blocking(move || cards.into_iter().map(show).collect())
        .await
        .map_err(|_| MethodError::ServerFail)
}

fn show(card: Card) -> Shown {
    let text = String::from_utf8_lossy(&card.content);
    let mut object = match ContactCard::parse(&text) {
        Ok(c) => to_jscontact(&c),
        Err(e) => {
            tracing::warn!(card = card.id.0, error = %e, "jmap: a stored card does not parse");
            Map::new()
        }
    };
    object.insert("id".into(), json!(ids::card(card.id)));
    object.insert("addressBookIds".into(), json!({ ids::address_book(card.collection): true }));
    Shown { card, object }
}

pub(crate) async fn get(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = contacts_account(ctx, &args).await?;
    let ids = args.get_ids(ctx)?;
    let properties = args.strings("properties")?;
    let state = state(ctx, account.id).await?;
    let wanted: Vec<ItemId> = match &ids {
        Some(l) => l.iter().filter_map(|i| ids::parse_card(i)).collect(),
        // RFC 8620 §5.1: every card only while they are at most maxObjectsInGet.
        None => readable_cards(ctx, &account, ctx.jmap.config.max_objects_in_get).await?,
    };
    let cards = ctx.jmap.groupware.cards(&ctx.actor, account.id, Some(wanted)).await?;
    let found = shown(cards).await?;
    let mut list = Vec::with_capacity(found.len());
    let mut present = Vec::with_capacity(found.len());
    for s in found {
        present.push(ids::card(s.card.id));
        let mut o = s.object;
        if let Some(props) = &properties {
            o.retain(|k, _| k == "id" || props.iter().any(|p| p == k));
        }
        list.push(Value::Object(o));
    }
    let not_found: Vec<String> = ids.into_iter().flatten().filter(|i| !present.contains(i)).collect();
    Ok(json!({ "accountId": ids::account(account.id), "state": state, "list": list, "notFound": not_found }))
}

pub(crate) async fn changes(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = contacts_account(ctx, &args).await?;
    // In a shared account only the cards of the address books shared are reported.
    let visible = if account.personal {
        None
    } else {
        let ids = readable_cards(ctx, &account, usize::MAX).await?;
        Some(ids.into_iter().map(|i| i.0).collect())
    };
    let mut v = log_changes(ctx, &args, &account, DataType::Contact, |i| ids::card(ItemId(i)), visible).await?;
    if let Some(map) = v.as_object_mut() {
        map.insert("updatedProperties".into(), Value::Null);
    }
    Ok(v)
}

/// A sort key (RFC 9610 §3.3.2).
#[derive(Debug, Clone, Copy)]
enum Key {
    Created,
    Updated,
    /// The name components of a kind (`given`, `surname`, `surname2`).
    Name(&'static str),
}

fn sort_keys(args: &Args) -> Result<Vec<(Key, bool)>, MethodError> {
    let Some(sort) = args.get("sort") else { return Ok(Vec::new()) };
    let Value::Array(sort) = sort else { return Err(MethodError::invalid("sort must be a list")) };
    sort.iter()
        .map(|s| {
            let asc = s.get("isAscending").and_then(Value::as_bool).unwrap_or(true);
            let key = match s.get("property").and_then(Value::as_str) {
                Some("created") => Key::Created,
                Some("updated") => Key::Updated,
                Some("name/given") => Key::Name("given"),
                Some("name/surname") => Key::Name("surname"),
                Some("name/surname2") => Key::Name("surname2"),
                other => return Err(MethodError::UnsupportedSort(format!("ContactCard sort {other:?}"))),
            };
            Ok((key, asc))
        })
        .collect()
}

fn compare(a: &Shown, b: &Shown, key: Key) -> Ordering {
    match key {
        Key::Created => a.card.created.cmp(&b.card.created),
        Key::Updated => a.card.modseq.cmp(&b.card.modseq),
        Key::Name(kind) => component(&a.object, kind).cmp(&component(&b.object, kind)),
    }
}

/// The values of the name's components of `kind`, lower case, joined.
fn component(o: &Map<String, Value>, kind: &str) -> String {
    let parts = o.get("name").and_then(|n| n.get("components")).and_then(Value::as_array);
    parts
        .into_iter()
        .flatten()
        .filter(|c| c.get("kind").and_then(Value::as_str) == Some(kind))
        .filter_map(|c| c.get("value").and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Most cards a query reads, converts and sorts (all of them, each time: there is no index of
/// cards yet); an account past it gets requestTooLarge rather than an unbounded read.
const MAX_QUERIED_CARDS: usize = 20_000;

/// The ids of the cards of the account the actor may read, refused past `most`.
async fn readable_cards(ctx: &Ctx<'_>, account: &Account, most: usize) -> Result<Vec<ItemId>, MethodError> {
    query::readable(ctx, account, most, relais_groupware::address_book::card_ids).await
}

/// The cards of the account that the call's filter keeps, in its sort order (ids last).
async fn results(ctx: &Ctx<'_>, args: &Args, account: &Account) -> Result<Vec<Shown>, MethodError> {
    let keys = sort_keys(args)?;
    let filter = args.get("filter").cloned();
    if let Some(f) = &filter {
        contact_filter::check(f)?;
    }
    let known: Vec<String> = books(ctx, account).await?.iter().map(|b| ids::address_book(b.collection.id)).collect();
    let every = readable_cards(ctx, account, MAX_QUERIED_CARDS).await?;
    let cards = ctx.jmap.groupware.cards(&ctx.actor, account.id, Some(every)).await?;
    let mut rows = shown(cards).await?;
    if let Some(f) = &filter {
        let mut kept = Vec::with_capacity(rows.len());
        for r in rows {
            if contact_filter::matches(ctx, f, &r, &known)? {
                kept.push(r);
            }
        }
        rows = kept;
    }
    rows.sort_by(|a, b| {
        keys.iter()
            .map(|(k, asc)| if *asc { compare(a, b, *k) } else { compare(b, a, *k) })
            .find(|o| o.is_ne())
            .unwrap_or_else(|| a.card.id.0.cmp(&b.card.id.0))
    });
    Ok(rows)
}

pub(crate) async fn query(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = contacts_account(ctx, &args).await?;
    let state = state(ctx, account.id).await?;
    let rows = results(ctx, &args, &account).await?;
    let at = |anchor: &str| {
        let anchor = ctx.id(anchor).and_then(ids::parse_card);
        rows.iter().position(|r| Some(r.card.id) == anchor)
    };
    let start = query::start(&args, rows.len(), at)?;
    let page: Vec<String> =
        rows.iter().skip(start).take(query::limit(ctx, &args)?).map(|r| ids::card(r.card.id)).collect();
    let mut v = query::page(ctx, &args, &account, state, start, page, rows.len())?;
    if let Some(map) = v.as_object_mut() {
        map.insert("canCalculateChanges".into(), Value::Bool(true));
    }
    Ok(v)
}

/// ContactCard/queryChanges (RFC 8620 §5.6) from the change log (`query::touched`): exact
/// whatever the filter and sort, which read only the card and its address book; after a
/// change of an address book (its grants too) it is cannotCalculateChanges.
pub(crate) async fn query_changes(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = contacts_account(ctx, &args).await?;
    for _ in 0..query::SETTLE_TRIES {
        let touched = query::touched(ctx, &args, &account, (DataType::Contact, DataType::AddressBook)).await?;
        let rows = results(ctx, &args, &account).await?;
        if query::settled(ctx, &account, &touched).await? {
            let ids: Vec<i64> = rows.iter().map(|r| r.card.id.0).collect();
            return query::changes_answer(&args, &account, touched, &ids, |i| ids::card(ItemId(i)));
        }
    }
    Err(MethodError::CannotCalculateChanges)
}
