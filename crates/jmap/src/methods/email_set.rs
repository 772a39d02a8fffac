//! Email/set and Email/import (RFC 8621 §4.6, §4.8). Every effect is a mail-domain operation
//! with the actor: a new message is composed by `relais_mail::compose::composed` (create) or
//! taken from a blob (import) and stored by `Mailer::append`, then filed in its other
//! mailboxes by `mailbox::file`; keywords change through `mailbox::change_keywords`, mailboxIds
//! through `mailbox::file`, destroy is `mailbox::expunge` of the message in each mailbox.
//!
//! ```text
//! ["Email/set", {"accountId": "a1", "update": {"e7": {"keywords/$seen": true, "mailboxIds/m3": null,
//!                                                      "mailboxIds/m4": true}}}, "0"]
//! ["Email/import", {"accountId": "a1", "emails": {"k1": {"blobId": "b…", "mailboxIds": {"m2": true},
//!                                                        "keywords": {"$draft": true}}}}, "1"]
//! ```

use relais_mail::compose::{Composed, ComposedPart, composed};
use relais_mail::mailbox::{self, Expunge, FlagChange, KeywordChange, NewMessage};
use relais_store::{CollectionId, ItemId};
use serde_json::{Map, Value, json};

use crate::account::Account;
use crate::error::{MethodError, SetError};
use crate::ids;
use crate::methods::changes::state;
use crate::methods::email::{Seen, from_jmap, read_seen, to_jmap};
use crate::methods::email_query::utc;
use crate::methods::set::{Outcome, SetRequest, object_arg};
use crate::methods::{Args, Ctx};

pub(crate) async fn set(ctx: &mut Ctx<'_>, mut args: Args) -> Result<Value, MethodError> {
    let mut set = SetRequest::read(ctx, &mut args, false).await?;
    let mut out = Outcome::default();
    for (cid, props) in std::mem::take(&mut set.create) {
        let made = create_one(ctx, &set.account, &props).await;
        out.created(ctx, cid, made);
    }
    for (id, patch) in std::mem::take(&mut set.update) {
        let done = update_one(ctx, &set.account, &id, &patch).await;
        out.updated(id, done);
    }
    for id in std::mem::take(&mut set.destroy) {
        let done = destroy_one(ctx, &set.account, &id).await;
        out.destroyed(id, done);
    }
    out.response(ctx, &set).await
}

/// The message an id names, if the actor sees it in the account.
pub(crate) async fn find(ctx: &Ctx<'_>, account: &Account, id: &str) -> Result<Seen, SetError> {
    let item = ctx.id(id).and_then(ids::parse_email).ok_or_else(SetError::not_found)?;
    let found =
        read_seen(ctx, account, vec![item]).await.map_err(|_| SetError::new("serverFail", "see the server log"))?;
    found.into_iter().next().flatten().ok_or_else(SetError::not_found)
}

/// A JSON pointer token (RFC 6901 escapes).
fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

async fn update_one(ctx: &Ctx<'_>, account: &Account, id: &str, patch: &Map<String, Value>) -> Result<(), SetError> {
    let seen = find(ctx, account, id).await?;
    let mut keywords: Vec<String> = seen.item.keywords.iter().filter_map(|k| to_jmap(k)).collect();
    let mut boxes: Vec<CollectionId> = seen.mailboxes.iter().map(|(m, _)| *m).collect();
    let (mut keywords_changed, mut boxes_changed) = (false, false);
    for (path, v) in patch {
        let (head, tail) = path.split_once('/').map_or((path.as_str(), None), |(h, t)| (h, Some(unescape(t))));
        match (head, tail) {
            ("keywords", None) => {
                keywords = keyword_map(v)?;
                keywords_changed = true;
            }
            ("keywords", Some(k)) => {
                let k = to_jmap(&from_jmap(&k).ok_or_else(|| SetError::invalid(path, "not a keyword"))?).unwrap_or(k);
                keywords.retain(|x| *x != k);
                match v {
                    Value::Bool(true) => keywords.push(k),
                    Value::Null => {}
                    _ => return Err(SetError::new("invalidPatch", format!("{path} must be true or null"))),
                }
                keywords_changed = true;
            }
            ("mailboxIds", None) => {
                boxes = mailbox_map(ctx, account, v)?;
                boxes_changed = true;
            }
            ("mailboxIds", Some(m)) => {
                let m =
                    mailbox_id(ctx, account, &m).ok_or_else(|| SetError::invalid("mailboxIds", "no such mailbox"))?;
                boxes.retain(|x| *x != m);
                match v {
                    Value::Bool(true) => boxes.push(m),
                    Value::Null => {}
                    _ => return Err(SetError::new("invalidPatch", format!("{path} must be true or null"))),
                }
                boxes_changed = true;
            }
            _ => return Err(SetError::invalid(path, "only keywords and mailboxIds can change")),
        }
    }
    let store = ctx.jmap.store();
    if keywords_changed {
        let Some(&(mailbox, uid)) = seen.mailboxes.first() else { return Err(SetError::not_found()) };
        // Flags JMAP does not show (`\Deleted`, `\Recent`) are kept.
        let mut stored: Vec<String> = seen.item.keywords.iter().filter(|k| to_jmap(k).is_none()).cloned().collect();
        stored.extend(keywords.iter().filter_map(|k| from_jmap(k)));
        let change = FlagChange {
            mailbox,
            messages: vec![(uid, seen.item.id)],
            kind: KeywordChange::Set,
            keywords: stored,
            unchanged_since: None,
        };
        mailbox::change_keywords(store, &ctx.actor, change).await?;
    }
    if boxes_changed {
        if boxes.is_empty() {
            return Err(SetError::invalid("mailboxIds", "a message must be in at least one mailbox"));
        }
        let current: Vec<CollectionId> = seen.mailboxes.iter().map(|(m, _)| *m).collect();
        let add: Vec<CollectionId> = boxes.iter().copied().filter(|m| !current.contains(m)).collect();
        let remove: Vec<CollectionId> = current.into_iter().filter(|m| !boxes.contains(m)).collect();
        if !add.is_empty() || !remove.is_empty() {
            mailbox::file(store, &ctx.actor, seen.item.id, add, remove).await?;
        }
    }
    Ok(())
}

async fn destroy_one(ctx: &Ctx<'_>, account: &Account, id: &str) -> Result<(), SetError> {
    let seen = find(ctx, account, id).await?;
    for (mailbox, uid) in seen.mailboxes {
        mailbox::expunge(ctx.jmap.store(), &ctx.actor, mailbox, Expunge::Messages(vec![(uid, seen.item.id)])).await?;
    }
    Ok(())
}

fn mailbox_id(ctx: &Ctx<'_>, account: &Account, id: &str) -> Option<CollectionId> {
    ctx.id(id).and_then(ids::parse_mailbox).filter(|m| account.mailbox(*m).is_some())
}

/// A `mailboxIds` object: ids of the account's mailboxes mapped to `true`.
pub(crate) fn mailbox_map(ctx: &Ctx<'_>, account: &Account, v: &Value) -> Result<Vec<CollectionId>, SetError> {
    let bad = || SetError::invalid("mailboxIds", "mailboxIds maps mailbox ids to true");
    let Value::Object(map) = v else { return Err(bad()) };
    let mut out = Vec::with_capacity(map.len());
    for (id, on) in map {
        if *on != Value::Bool(true) {
            return Err(bad());
        }
        out.push(mailbox_id(ctx, account, id).ok_or_else(|| SetError::invalid("mailboxIds", "no such mailbox"))?);
    }
    Ok(out)
}

/// A `keywords` object, in JMAP's spelling.
pub(crate) fn keyword_map(v: &Value) -> Result<Vec<String>, SetError> {
    let bad = || SetError::invalid("keywords", "keywords maps keywords to true");
    let Value::Object(map) = v else { return Err(bad()) };
    map.iter()
        .map(|(k, on)| match (on, from_jmap(k)) {
            (Value::Bool(true), Some(stored)) => Ok(to_jmap(&stored).unwrap_or_else(|| k.to_ascii_lowercase())),
            _ => Err(bad()),
        })
        .collect()
}

/// Stores `raw` in the first of `boxes` and files it in the others; the created object.
pub(crate) async fn store_message(
    ctx: &Ctx<'_>,
    boxes: Vec<CollectionId>,
    raw: Vec<u8>,
    keywords: Vec<String>,
    received_at: Option<i64>,
) -> Result<Value, SetError> {
    let Some((&first, rest)) = boxes.split_first() else {
        return Err(SetError::invalid("mailboxIds", "a message must be in at least one mailbox"));
    };
    let size = raw.len();
    let blob = relais_store::BlobHash::of(&raw);
    let keywords = keywords.iter().filter_map(|k| from_jmap(k)).collect();
    let message = NewMessage { raw, keywords, received_at };
    let stored = ctx.jmap.mailer.append(&ctx.actor, first, vec![message]).await?;
    let Some(&(item, _)) = stored.first() else { return Err(SetError::new("serverFail", "nothing stored")) };
    if !rest.is_empty() {
        mailbox::file(ctx.jmap.store(), &ctx.actor, item, rest.to_vec(), Vec::new()).await?;
    }
    let thread = thread_of(ctx, item).await;
    Ok(json!({ "id": ids::email(item), "blobId": ids::blob(&blob), "threadId": ids::thread(thread), "size": size }))
}

async fn thread_of(ctx: &Ctx<'_>, item: ItemId) -> i64 {
    let t = ctx.jmap.store().read(move |r| Ok(r.item(item)?.thread_id)).await;
    t.ok().flatten().unwrap_or(item.0)
}

/// The content of a blob the actor may read in the account (a part of one, by its path).
pub(crate) async fn blob_content(ctx: &Ctx<'_>, account: &Account, blob_id: &str) -> Result<Vec<u8>, SetError> {
    let missing = || SetError::new("blobNotFound", format!("no blob {blob_id}"));
    let (hash, path) = ids::parse_blob(blob_id).ok_or_else(missing)?;
    if !ctx.jmap.may_read_blob(account, &hash).await {
        return Err(missing());
    }
    let data = ctx.jmap.store().blob(hash).await.map_err(|_| missing())?;
    if path.is_empty() {
        return Ok(data);
    }
    let part = tokio::task::spawn_blocking(move || {
        let s = relais_mail::summary::summarize(&data);
        let leaves = relais_mail::summary::forms::leaves(&s.structure, 10_000);
        leaves.iter().find(|(p, _)| *p == path).map(|(_, part)| part.decoded_body(&data))
    })
    .await;
    part.ok().flatten().ok_or_else(missing)
}

pub(crate) fn received(props: &Map<String, Value>) -> Result<Option<i64>, SetError> {
    match props.get("receivedAt") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => utc(s).map(Some).map_err(|_| SetError::invalid("receivedAt", "not a UTCDate")),
        Some(_) => Err(SetError::invalid("receivedAt", "not a UTCDate")),
    }
}

pub(crate) async fn import(ctx: &mut Ctx<'_>, mut args: Args) -> Result<Value, MethodError> {
    let account = args.account(ctx).await?;
    let old_state = state(ctx, account.id).await?;
    if let Some(expected) = args.str("ifInState")?
        && expected != old_state
    {
        return Err(MethodError::StateMismatch);
    }
    let emails = object_arg(&mut args, "emails")?;
    if emails.len() > ctx.jmap.config.max_objects_in_set {
        return Err(MethodError::RequestTooLarge);
    }
    let (mut created, mut not_created) = (Map::new(), Map::new());
    for (cid, props) in emails {
        match import_one(ctx, &account, &props).await {
            Ok(v) => {
                if let Some(id) = v.get("id").and_then(Value::as_str) {
                    ctx.created.insert(cid.clone(), id.to_owned());
                }
                created.insert(cid, v);
            }
            Err(e) => {
                not_created.insert(cid, e.to_json());
            }
        }
    }
    let new_state = state(ctx, account.id).await?;
    Ok(json!({
        "accountId": ids::account(account.id),
        "oldState": old_state,
        "newState": new_state,
        "created": created,
        "notCreated": not_created,
    }))
}

/// One EmailImport (RFC 8621 §4.8): the blob's content stored as a message.
async fn import_one(ctx: &Ctx<'_>, account: &Account, props: &Map<String, Value>) -> Result<Value, SetError> {
    let blob_id = props.get("blobId").and_then(Value::as_str).ok_or_else(|| SetError::invalid("blobId", "required"))?;
    let boxes = mailbox_map(ctx, account, props.get("mailboxIds").unwrap_or(&Value::Null))?;
    let keywords = match props.get("keywords") {
        None | Some(Value::Null) => Vec::new(),
        Some(k) => keyword_map(k)?,
    };
    let raw = blob_content(ctx, account, blob_id).await?;
    store_message(ctx, boxes, raw, keywords, received(props)?).await
}

/// Email/set create (RFC 8621 §4.6): the message composed from its properties.
async fn create_one(ctx: &Ctx<'_>, account: &Account, props: &Map<String, Value>) -> Result<Value, SetError> {
    const SETTABLE: [&str; 19] = [
        "mailboxIds",
        "keywords",
        "receivedAt",
        "from",
        "sender",
        "to",
        "cc",
        "bcc",
        "replyTo",
        "subject",
        "messageId",
        "inReplyTo",
        "references",
        "sentAt",
        "textBody",
        "htmlBody",
        "attachments",
        "bodyValues",
        "bodyStructure",
    ];
    if let Some(bad) = props.keys().find(|k| !SETTABLE.contains(&k.as_str())) {
        return Err(SetError::invalid(bad, "this property cannot be set (header: properties are not supported yet)"));
    }
    if props.contains_key("bodyStructure") {
        return Err(SetError::invalid("bodyStructure", "give textBody/htmlBody/attachments instead"));
    }
    let boxes = mailbox_map(ctx, account, props.get("mailboxIds").unwrap_or(&Value::Null))?;
    let keywords = match props.get("keywords") {
        None | Some(Value::Null) => Vec::new(),
        Some(k) => keyword_map(k)?,
    };
    let mut c = Composed {
        from: addresses(props, "from")?,
        sender: addresses(props, "sender")?,
        to: addresses(props, "to")?,
        cc: addresses(props, "cc")?,
        bcc: addresses(props, "bcc")?,
        reply_to: addresses(props, "replyTo")?,
        subject: text(props, "subject")?,
        message_id: strings(props, "messageId")?.into_iter().next(),
        in_reply_to: strings(props, "inReplyTo")?,
        references: strings(props, "references")?,
        ..Composed::default()
    };
    if let Some(Value::String(s)) = props.get("sentAt") {
        c.sent_at = Some(utc(s).map_err(|_| SetError::invalid("sentAt", "give the date in UTC (…Z)"))?);
    }
    let values = props.get("bodyValues").and_then(Value::as_object);
    c.text = body_value(props, "textBody", values)?;
    c.html = body_value(props, "htmlBody", values)?;
    if let Some(list) = props.get("attachments") {
        let Value::Array(list) = list else { return Err(SetError::invalid("attachments", "must be a list")) };
        for a in list {
            let blob_id = a
                .get("blobId")
                .and_then(Value::as_str)
                .ok_or_else(|| SetError::invalid("attachments", "each needs a blobId"))?;
            c.attachments.push(ComposedPart {
                name: a.get("name").and_then(Value::as_str).map(str::to_owned),
                content_type: a.get("type").and_then(Value::as_str).unwrap_or("application/octet-stream").to_owned(),
                data: blob_content(ctx, account, blob_id).await?,
                cid: a.get("cid").and_then(Value::as_str).map(str::to_owned),
                inline: a.get("disposition").and_then(Value::as_str) == Some("inline"),
            });
        }
    }
    let raw = composed(&c, ctx.jmap.mailer.hostname());
    store_message(ctx, boxes, raw, keywords, received(props)?).await
}

fn addresses(props: &Map<String, Value>, name: &str) -> Result<Vec<(Option<String>, String)>, SetError> {
    let bad = || SetError::invalid(name, "a list of {name, email}");
    match props.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(list)) => list
            .iter()
            .map(|a| {
                let email = a.get("email").and_then(Value::as_str).filter(|e| e.contains('@')).ok_or_else(bad)?;
                Ok((a.get("name").and_then(Value::as_str).map(str::to_owned), email.to_owned()))
            })
            .collect(),
        Some(_) => Err(bad()),
    }
}

fn text(props: &Map<String, Value>, name: &str) -> Result<Option<String>, SetError> {
    match props.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(SetError::invalid(name, "must be a string")),
    }
}

fn strings(props: &Map<String, Value>, name: &str) -> Result<Vec<String>, SetError> {
    match props.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(|| SetError::invalid(name, "must be a list of strings")))
            .collect(),
        Some(_) => Err(SetError::invalid(name, "must be a list of strings")),
    }
}

/// The text of a one-part textBody/htmlBody, from bodyValues by its partId.
fn body_value(
    props: &Map<String, Value>,
    name: &str,
    values: Option<&Map<String, Value>>,
) -> Result<Option<String>, SetError> {
    let Some(list) = props.get(name) else { return Ok(None) };
    let Value::Array(list) = list else { return Err(SetError::invalid(name, "must be a list of one part")) };
    let [part] = list.as_slice() else { return Err(SetError::invalid(name, "must be a list of one part")) };
    let part_id =
        part.get("partId").and_then(Value::as_str).ok_or_else(|| SetError::invalid(name, "the part needs a partId"))?;
    let value = values
        .and_then(|v| v.get(part_id))
        .and_then(|v| v.get("value"))
        .and_then(Value::as_str)
        .ok_or_else(|| SetError::invalid("bodyValues", format!("no value for part {part_id}")))?;
    Ok(Some(value.to_owned()))
}
