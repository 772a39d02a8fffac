//! AddressBook/get, /changes and /set (RFC 9610 §2), and the contacts capability of each
//! account (§1.4.1). An address book is one the actor sees in the account
//! (`relais_groupware::address_book`); myRights are the access service's rights, shareWith its
//! grants (`share_with`, RFC 9670), and every change is a groupware or sharing operation with
//! the actor (create, edit its properties, subscribe, share, delete), which decides the rights.
//!
//! ```text
//! ["AddressBook/get", {"accountId": "a1", "ids": null}, "0"]
//! ["AddressBook/set", {"accountId": "a1", "create": {"k1": {"name": "Work"}},
//!                     "destroy": ["ab7"], "onDestroyRemoveContents": true}, "1"]
//! ```

use relais_groupware::CollectionProps;
use relais_groupware::address_book::{AddressBook, Removal};
use relais_store::{CollectionId, DataType};
use serde_json::{Map, Value, json};

use crate::account::Account;
use crate::error::{MethodError, SetError};
use crate::ids;
use crate::methods::args::wanted;
use crate::methods::changes::{changes as log_changes, state};
use crate::methods::set::{Outcome, SetRequest};
use crate::methods::share_with::{self, Kind, SHARE_WITH};
use crate::methods::{Args, Ctx};

const PROPERTIES: [&str; 8] =
    ["id", "name", "description", "sortOrder", "isDefault", "isSubscribed", "shareWith", "myRights"];

/// A card is in exactly one address book: the store keeps an object in one collection.
const MAX_BOOKS_PER_CARD: u32 = 1;

/// Longest address book name in octets (RFC 9610 §2), and description taken.
const MAX_NAME: usize = 255;
const MAX_DESCRIPTION: usize = 4096;

/// The account's `urn:ietf:params:jmap:contacts` capability (RFC 9610 §1.4.1), where the
/// actor sees address books.
pub(crate) fn account_capability(a: &Account, caps: &mut Map<String, Value>) {
    if a.contacts {
        caps.insert(
            crate::CONTACTS.into(),
            json!({ "maxAddressBooksPerCard": MAX_BOOKS_PER_CARD, "mayCreateAddressBook": a.personal }),
        );
    }
}

/// The account of a contacts method: one the actor sees address books in.
pub(crate) async fn contacts_account(ctx: &Ctx<'_>, args: &Args) -> Result<Account, MethodError> {
    let a = args.account(ctx).await?;
    if a.contacts { Ok(a) } else { Err(MethodError::AccountNotSupportedByMethod) }
}

/// The address books of the account the actor sees.
pub(crate) async fn books(ctx: &Ctx<'_>, account: &Account) -> Result<Vec<AddressBook>, MethodError> {
    Ok(ctx.jmap.groupware.address_books(&ctx.actor, account.id).await?)
}

pub(crate) async fn get(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = contacts_account(ctx, &args).await?;
    let ids = args.get_ids(ctx)?;
    let properties = args.properties(&PROPERTIES)?;
    let state = state(ctx, account.id).await?;
    let all = books(ctx, &account).await?;
    let mut not_found = Vec::new();
    let chosen: Vec<&AddressBook> = match ids {
        None => all.iter().collect(),
        Some(ids) => {
            let mut out = Vec::new();
            for id in ids {
                match ids::parse_address_book(&id).and_then(|c| all.iter().find(|b| b.collection.id == c)) {
                    Some(b) => out.push(b),
                    None => not_found.push(Value::String(id)),
                }
            }
            out
        }
    };
    let wanted = wanted(&properties, &PROPERTIES, SHARE_WITH);
    let ids = chosen.iter().map(|b| b.collection.id).collect();
    let shared = share_with::of_collections(ctx, Kind::AddressBook, ids, wanted).await?;
    let list: Vec<Value> = chosen.iter().zip(shared).map(|(b, s)| book_json(b, s, &properties)).collect();
    Ok(json!({ "accountId": ids::account(account.id), "state": state, "list": list, "notFound": not_found }))
}

fn book_json(b: &AddressBook, share_with: Value, properties: &Option<Vec<String>>) -> Value {
    let all = [
        ("id", json!(ids::address_book(b.collection.id))),
        ("name", json!(b.name())),
        ("description", json!(b.props.description)),
        ("sortOrder", json!(share_with::sort_order(&b.props))),
        ("isDefault", json!(b.is_default())),
        ("isSubscribed", json!(b.subscribed)),
        ("shareWith", share_with),
        // RFC 9610 §2 as the access service's rights: reading cards, writing them (DAV:write),
        // sharing (`a`, the one rule of `relais_directory::sharing`), deleting the book.
        ("myRights", share_with::rights_json(Kind::AddressBook, b.rights)),
    ];
    let mut out = Map::new();
    for (name, v) in all {
        if name == "id" || wanted(properties, &PROPERTIES, name) {
            out.insert(name.into(), v);
        }
    }
    Value::Object(out)
}

pub(crate) async fn changes(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = contacts_account(ctx, &args).await?;
    let visible = if account.personal {
        None
    } else {
        Some(books(ctx, &account).await?.iter().map(|b| b.collection.id.0).collect())
    };
    let id_of = |i| ids::address_book(CollectionId(i));
    let mut v = log_changes(ctx, &args, &account, DataType::AddressBook, id_of, visible).await?;
    if let Some(map) = v.as_object_mut() {
        map.insert("updatedProperties".into(), Value::Null);
    }
    Ok(v)
}

pub(crate) async fn set(ctx: &mut Ctx<'_>, mut args: Args) -> Result<Value, MethodError> {
    let mut set = SetRequest::read(ctx, &mut args, false).await?;
    if !set.account.contacts {
        return Err(MethodError::AccountNotSupportedByMethod);
    }
    let remove_contents = args.bool("onDestroyRemoveContents")?;
    let all = books(ctx, &set.account).await?;
    // Only the default address book is the default one: naming it again changes nothing.
    if let Some(id) = args.str("onSuccessSetIsDefault")? {
        let current = all.iter().find(|b| b.is_default()).map(|b| ids::address_book(b.collection.id));
        if current.as_deref() != Some(ctx.id(id).unwrap_or(id)) {
            return Err(MethodError::invalid("the default address book cannot be changed"));
        }
    }
    let mut out = Outcome::default();
    for (cid, props) in std::mem::take(&mut set.create) {
        let made = match create_one(ctx, &set.account, &props).await {
            Ok(id) => made(ctx, &set.account, id, &props).await,
            Err(e) => Err(e),
        };
        out.created(ctx, cid, made);
    }
    let all = books(ctx, &set.account).await?;
    for (id, patch) in std::mem::take(&mut set.update) {
        let done = update_one(ctx, &all, &id, &patch).await;
        out.updated(id, done);
    }
    for id in std::mem::take(&mut set.destroy) {
        let done = destroy_one(ctx, &all, &id, remove_contents).await;
        out.destroyed(id, done);
    }
    out.response(ctx, &set).await
}

/// A name or description as given: a string of at most `max` octets without control
/// characters (a description may be null or empty: none).
pub(crate) fn text(
    props: &Map<String, Value>,
    name: &str,
    max: usize,
    nullable: bool,
) -> Result<Option<Option<String>>, SetError> {
    match props.get(name) {
        None => Ok(None),
        Some(Value::Null) if nullable => Ok(Some(None)),
        Some(Value::String(s)) if nullable && s.is_empty() => Ok(Some(None)),
        Some(Value::String(s)) if !s.is_empty() && s.len() <= max && !s.chars().any(char::is_control) => {
            Ok(Some(Some(s.clone())))
        }
        Some(_) => Err(SetError::invalid(name, format!("{name} is 1–{max} octets without control characters"))),
    }
}

pub(crate) fn sort_order_of(v: &Value) -> Result<String, SetError> {
    v.as_u64()
        .filter(|n| *n <= u64::from(u32::MAX))
        .map(|n| n.to_string())
        .ok_or_else(|| SetError::invalid("sortOrder", "sortOrder is an unsigned integer"))
}

/// The properties a client may give, with their values checked (RFC 9610 §2: id, isDefault
/// and myRights are the server's).
fn edits(props: &Map<String, Value>, creating: bool) -> Result<CollectionProps, SetError> {
    for (k, v) in props {
        match (k.as_str(), v) {
            ("name" | "description" | "sortOrder" | "isSubscribed", _) => {}
            // Read by `share_with::requested`.
            (k, _) if k.starts_with(SHARE_WITH) => {}
            ("isDefault", Value::Bool(false)) if creating => {}
            (other, _) => return Err(SetError::invalid(other, "this property cannot be set")),
        }
    }
    let mut p = CollectionProps::default();
    if let Some(name) = text(props, "name", MAX_NAME, false)? {
        p.display_name = name;
    }
    if let Some(d) = text(props, "description", MAX_DESCRIPTION, true)? {
        p.description = d;
    }
    if let Some(o) = props.get("sortOrder") {
        p.order = Some(sort_order_of(o)?);
    }
    if props.get("isSubscribed").is_some_and(|v| !v.is_boolean()) {
        return Err(SetError::invalid("isSubscribed", "isSubscribed is a boolean"));
    }
    Ok(p)
}

async fn create_one(ctx: &Ctx<'_>, account: &Account, props: &Map<String, Value>) -> Result<CollectionId, SetError> {
    let p = edits(props, true)?;
    if p.display_name.is_none() {
        return Err(SetError::invalid("name", "name is required"));
    }
    // Only the account's owner (or its full-access delegate) creates one, holding every right.
    let sharing = share_with::requested(ctx, Kind::AddressBook, account.id, props).await?;
    let gw = &ctx.jmap.groupware;
    let c = gw.create_address_book(&ctx.actor, account.id, p).await?;
    if props.get("isSubscribed") == Some(&Value::Bool(false)) {
        gw.subscribe_address_book(&ctx.actor, c.id, false).await?;
    }
    if let Some(sharing) = sharing {
        share_with::apply(ctx, c.id, sharing).await?;
    }
    Ok(c.id)
}

/// What a create answers (RFC 8620 §5.3): the id and every property the client left to the
/// server.
async fn made(
    ctx: &Ctx<'_>,
    account: &Account,
    id: CollectionId,
    given: &Map<String, Value>,
) -> Result<Value, SetError> {
    let all = books(ctx, account).await.map_err(|_| SetError::new("serverFail", "see the server log"))?;
    let b = all.iter().find(|b| b.collection.id == id).ok_or_else(SetError::not_found)?;
    let shared = share_with::of_collections(ctx, Kind::AddressBook, vec![b.collection.id], true)
        .await
        .map_err(|_| SetError::new("serverFail", "see the server log"))?;
    let mut v = book_json(b, shared.into_iter().next().unwrap_or(Value::Null), &None);
    if let Some(m) = v.as_object_mut() {
        m.retain(|k, _| !given.contains_key(k));
    }
    Ok(v)
}

fn find<'b>(ctx: &Ctx<'_>, all: &'b [AddressBook], id: &str) -> Result<&'b AddressBook, SetError> {
    let c = ctx.id(id).and_then(ids::parse_address_book).ok_or_else(SetError::not_found)?;
    all.iter().find(|b| b.collection.id == c).ok_or_else(SetError::not_found)
}

async fn update_one(ctx: &Ctx<'_>, all: &[AddressBook], id: &str, patch: &Map<String, Value>) -> Result<(), SetError> {
    let b = find(ctx, all, id)?;
    let p = edits(patch, false)?;
    // Checked before anything is written; applied last.
    let sharing = share_with::requested(ctx, Kind::AddressBook, b.collection.account, patch).await?;
    share_with::check_may_share(&sharing, b.rights)?;
    let gw = &ctx.jmap.groupware;
    let changes_props = ["name", "description", "sortOrder"].iter().any(|k| patch.contains_key(*k));
    if changes_props {
        let (name, description, order) = (p.display_name, p.description, p.order);
        let (set_description, set_order) = (patch.contains_key("description"), patch.contains_key("sortOrder"));
        gw.edit_address_book(&ctx.actor, b.collection.id, move |props| {
            if name.is_some() {
                props.display_name = name;
            }
            if set_description {
                props.description = description;
            }
            if set_order {
                props.order = order;
            }
        })
        .await?;
    }
    if let Some(Value::Bool(on)) = patch.get("isSubscribed") {
        gw.subscribe_address_book(&ctx.actor, b.collection.id, *on).await?;
    }
    if let Some(sharing) = sharing {
        share_with::apply(ctx, b.collection.id, sharing).await?;
    }
    Ok(())
}

async fn destroy_one(ctx: &Ctx<'_>, all: &[AddressBook], id: &str, remove_contents: bool) -> Result<(), SetError> {
    let b = find(ctx, all, id)?;
    match ctx.jmap.groupware.delete_address_book(&ctx.actor, b.collection.id, remove_contents).await? {
        Removal::Removed => Ok(()),
        // RFC 9610 §2.3.
        Removal::HasContents => Err(SetError::new("addressBookHasContents", "the address book holds cards")),
    }
}
