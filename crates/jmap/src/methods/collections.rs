//! What the JMAP methods of groupware collections share — Calendar (draft-ietf-jmap-calendars
//! §4) and TaskList (draft-ietf-jmap-tasks §2), both `relais_groupware::reach::Reached` as
//! the actor reaches them: /get with `shareWith` read only when asked, /changes of the
//! collections the actor sees, what a create answers, finding one by id, and an object's
//! properties as asked.

use relais_groupware::calendar::Calendar as Reached;
use relais_store::{CollectionId, DataType};
use serde_json::{Map, Value, json};

use crate::account::Account;
use crate::error::{MethodError, SetError};
use crate::ids;
use crate::methods::args::wanted;
use crate::methods::changes::{changes as log_changes, state};
use crate::methods::share_with::{self, Kind, SHARE_WITH};
use crate::methods::{Args, Ctx};

/// One type of collection as its methods show it.
pub(crate) struct Shelf {
    /// Its rights object (`share_with`).
    pub kind: Kind,
    /// Its type in the change log.
    pub data_type: DataType,
    pub properties: &'static [&'static str],
    pub id: fn(CollectionId) -> String,
    pub parse: fn(&str) -> Option<CollectionId>,
    /// Its JSON, every property (`shown` keeps those asked).
    pub json: fn(&Reached, Value) -> Vec<(&'static str, Value)>,
}

/// The properties of `all` that `properties` asks for (every one for none), the id always.
fn shown(shelf: &Shelf, all: Vec<(&'static str, Value)>, properties: &Option<Vec<String>>) -> Value {
    let mut out = Map::new();
    for (name, v) in all {
        if name == "id" || wanted(properties, shelf.properties, name) {
            out.insert(name.into(), v);
        }
    }
    Value::Object(out)
}

/// A standard /get (RFC 8620 §5.1) of the collections `all` the actor sees in the account.
pub(crate) async fn get(
    ctx: &mut Ctx<'_>,
    args: &Args,
    (account, shelf): (&Account, &Shelf),
    all: Vec<Reached>,
) -> Result<Value, MethodError> {
    let ids = args.get_ids(ctx)?;
    let properties = args.properties(shelf.properties)?;
    let state = state(ctx, account.id).await?;
    let mut not_found = Vec::new();
    let mut chosen: Vec<&Reached> = Vec::new();
    match ids {
        None => chosen.extend(all.iter()),
        Some(ids) => {
            for id in ids {
                match (shelf.parse)(&id).and_then(|i| all.iter().find(|c| c.collection.id == i)) {
                    Some(c) => chosen.push(c),
                    None => not_found.push(Value::String(id)),
                }
            }
        }
    }
    let wanted = wanted(&properties, shelf.properties, SHARE_WITH);
    let ids = chosen.iter().map(|c| c.collection.id).collect();
    let shared = share_with::of_collections(ctx, shelf.kind, ids, wanted).await?;
    let list: Vec<Value> =
        chosen.iter().zip(shared).map(|(c, s)| shown(shelf, (shelf.json)(c, s), &properties)).collect();
    Ok(json!({ "accountId": ids::account(account.id), "state": state, "list": list, "notFound": not_found }))
}

/// A standard /changes (RFC 8620 §5.2) naming only the collections `visible` (those the actor
/// sees: a calendar collection JMAP does not show is not reported).
pub(crate) async fn changes(
    ctx: &mut Ctx<'_>,
    args: &Args,
    (account, shelf): (&Account, &Shelf),
    visible: &[Reached],
) -> Result<Value, MethodError> {
    let visible = Some(visible.iter().map(|c| c.collection.id.0).collect());
    let id_of = |i| (shelf.id)(CollectionId(i));
    let mut v = log_changes(ctx, args, account, shelf.data_type, id_of, visible).await?;
    if let Some(map) = v.as_object_mut() {
        map.insert("updatedProperties".into(), Value::Null);
    }
    Ok(v)
}

/// What a create answers (RFC 8620 §5.3): the id and every property the client left to the
/// server, of the collection `id` among `all` (read after it was made).
pub(crate) async fn made(
    ctx: &Ctx<'_>,
    shelf: &Shelf,
    all: Result<Vec<Reached>, MethodError>,
    (id, given): (CollectionId, &Map<String, Value>),
) -> Result<Value, SetError> {
    let fail = |_| SetError::new("serverFail", "see the server log");
    let all = all.map_err(fail)?;
    let c = all.iter().find(|c| c.collection.id == id).ok_or_else(SetError::not_found)?;
    let shared = share_with::of_collections(ctx, shelf.kind, vec![id], true).await.map_err(fail)?;
    let mut v = shown(shelf, (shelf.json)(c, shared.into_iter().next().unwrap_or(Value::Null)), &None);
    if let Some(m) = v.as_object_mut() {
        m.retain(|k, _| !given.contains_key(k));
    }
    Ok(v)
}

/// The collection `id` (or `#creationId`) among `all`.
pub(crate) fn find<'c>(ctx: &Ctx<'_>, shelf: &Shelf, all: &'c [Reached], id: &str) -> Result<&'c Reached, SetError> {
    let c = ctx.id(id).and_then(shelf.parse).ok_or_else(SetError::not_found)?;
    all.iter().find(|x| x.collection.id == c).ok_or_else(SetError::not_found)
}
