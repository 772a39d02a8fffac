//! `shareWith` (RFC 9670 §4, shareable data types) on Mailbox, AddressBook and Calendar, and the rights
//! objects each type names: a map of principal id → rights, read from the access service's
//! grants (`relais_directory::sharing::acls`) and changed through the same domain operation
//! IMAP SETACL and DAV ACL use (`relais_directory::sharing::change_grants`), with the one rule
//! of who may change sharing (`Rights::ADMIN`: mayShare).
//!
//! ```text
//! ["Mailbox/set", {"accountId": "a1", "update": {"m4": {"shareWith/p2": {"mayReadItems": true, …}}}}, "0"]
//! ["AddressBook/set", {"accountId": "a1", "update": {"ab9": {"shareWith/p2/mayWrite": true}}}, "1"]
//! ["AddressBook/set", {"accountId": "a1", "update": {"ab9": {"shareWith": null}}}, "2"]
//! ```
//!
//! A rights object maps onto stored rights key by key ([`Kind::keys`]); a grant made over IMAP
//! with letters no key names (`p` on an address book, `l` without `r`) shows what the keys say
//! and keeps the other letters until a JMAP client sets that grantee's whole object.

use relais_directory::access::{Rights, may_change_sharing};
use relais_directory::{Acl, GrantChange, SharingError};
use relais_store::{AccountId, CollectionId, PrincipalKind};
use serde_json::{Map, Value};

use crate::error::{MethodError, SetError};
use crate::methods::Ctx;
use crate::methods::principal::{parse_principal_id, principal_id};

/// Most grantees one create or update names (each is a directory read).
const MAX_SHAREES: usize = 500;

/// The property, and the prefix of its patch paths.
pub(crate) const SHARE_WITH: &str = "shareWith";

/// A shareable type, by the rights object its spec names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// RFC 8621 §2 `myRights`, with RFC 9670's `mayShare` for `a`.
    Mailbox,
    /// RFC 9610 §2 AddressBookRights.
    AddressBook,
    /// draft-ietf-jmap-calendars §4 CalendarRights.
    Calendar,
}

/// One key of a rights object: the stored rights it tests when read (all of `test`, or all of
/// `or`), and grants when set.
struct Key {
    name: &'static str,
    test: Rights,
    or: Option<Rights>,
    grant: Rights,
}

fn key(name: &'static str, test: Rights, grant: Rights) -> Key {
    Key { name, test, or: None, grant }
}

impl Key {
    fn holds(&self, rights: Rights) -> bool {
        rights.contains(self.test) || self.or.is_some_and(|o| rights.contains(o))
    }
}

/// Keys that are one stored right, so are given alike in a whole rights object.
const SAME: [(Kind, &str, &str); 3] = [
    (Kind::Mailbox, "mayRename", "mayDelete"),
    (Kind::Calendar, "mayWriteAll", "mayWriteOwn"),
    (Kind::Calendar, "mayUpdatePrivate", "mayRSVP"),
];

impl Kind {
    /// The keys of the type's rights object, in its spec's order.
    fn keys(self) -> Vec<Key> {
        match self {
            // RFC 8621 §2: reading is `l` and `r`; removing is `t` and `e`; renaming and
            // deleting are both `x` (RFC 4314), so the two keys are set together.
            Kind::Mailbox => {
                let remove = Rights::DELETE_ITEMS | Rights::EXPUNGE;
                vec![
                    key("mayReadItems", Rights::READ_ITEMS, Rights::READ),
                    key("mayAddItems", Rights::INSERT, Rights::INSERT),
                    key("mayRemoveItems", remove, remove),
                    key("maySetSeen", Rights::KEEP_SEEN, Rights::KEEP_SEEN),
                    key("maySetKeywords", Rights::WRITE_FLAGS, Rights::WRITE_FLAGS),
                    key("mayCreateChild", Rights::CREATE, Rights::CREATE),
                    key("mayRename", Rights::DELETE_COLLECTION, Rights::DELETE_COLLECTION),
                    key("mayDelete", Rights::DELETE_COLLECTION, Rights::DELETE_COLLECTION),
                    key("maySubmit", Rights::POST, Rights::POST),
                    key("mayShare", Rights::ADMIN, Rights::ADMIN),
                ]
            }
            // RFC 9610 §2: mayRead is DAV:read, mayWrite DAV:write, mayShare `a`, mayDelete `x`.
            Kind::AddressBook => vec![
                key("mayRead", Rights::READ_ITEMS, Rights::READ),
                key("mayWrite", Rights::WRITE, Rights::WRITE),
                key("mayShare", Rights::ADMIN, Rights::ADMIN),
                key("mayDelete", Rights::DELETE_COLLECTION, Rights::DELETE_COLLECTION),
            ],
            // draft-ietf-jmap-calendars §4 on the access service's rights (the CalDAV ACL ones):
            // mayReadFreeBusy is CALDAV:read-free-busy, which DAV:read includes; mayReadItems
            // DAV:read (`lr`); mayWriteAll and mayWriteOwn both DAV:write (`wite`: nothing tells
            // an event the sharee owns apart); mayUpdatePrivate and mayRSVP both `w` (replacing
            // an event, which DAV:write includes); mayShare `a`; mayDelete `x`.
            Kind::Calendar => vec![
                Key {
                    name: "mayReadFreeBusy",
                    test: Rights::FREE_BUSY,
                    or: Some(Rights::READ_ITEMS),
                    grant: Rights::FREE_BUSY,
                },
                key("mayReadItems", Rights::READ_ITEMS, Rights::READ),
                key("mayWriteAll", Rights::WRITE, Rights::WRITE),
                key("mayWriteOwn", Rights::WRITE, Rights::WRITE),
                key("mayUpdatePrivate", Rights::WRITE_FLAGS, Rights::WRITE_FLAGS),
                key("mayRSVP", Rights::WRITE_FLAGS, Rights::WRITE_FLAGS),
                key("mayShare", Rights::ADMIN, Rights::ADMIN),
                key("mayDelete", Rights::DELETE_COLLECTION, Rights::DELETE_COLLECTION),
            ],
        }
    }

    fn key(self, name: &str) -> Option<Key> {
        self.keys().into_iter().find(|k| k.name == name)
    }
}

/// A rights object of `kind` for stored `rights`.
pub(crate) fn rights_json(kind: Kind, rights: Rights) -> Value {
    let map: Map<String, Value> =
        kind.keys().into_iter().map(|k| (k.name.to_owned(), Value::Bool(k.holds(rights)))).collect();
    Value::Object(map)
}

/// `shareWith` as the actor reads it: `null` when it may not read the sharing (no mayShare)
/// or nobody holds a grant (RFC 9670 §4).
pub(crate) fn share_with_json(kind: Kind, acl: Option<&Acl>) -> Value {
    match acl {
        Some(acl) if !acl.grants.is_empty() => {
            Value::Object(acl.grants.iter().map(|(p, r)| (principal_id(p.id), rights_json(kind, *r))).collect())
        }
        _ => Value::Null,
    }
}

/// The sharing of each collection, in one read; `None` where the actor may not read it.
pub(crate) async fn acls(ctx: &Ctx<'_>, collections: Vec<CollectionId>) -> Result<Vec<Option<Acl>>, MethodError> {
    ctx.jmap.mailer.directory().acls(&ctx.actor, collections).await.map_err(|e| {
        tracing::warn!(error = %e, "jmap: reading sharing failed");
        MethodError::ServerFail
    })
}

/// The stored rights of a whole rights object: every key a boolean, unknown keys refused.
fn rights_of(kind: Kind, v: &Value) -> Result<Rights, SetError> {
    let Value::Object(map) = v else { return Err(invalid("a rights object maps rights to booleans")) };
    let mut rights = Rights::NONE;
    for (name, on) in map {
        let key = kind.key(name).ok_or_else(|| invalid(format!("unknown right {name}")))?;
        match on {
            Value::Bool(true) => rights |= key.grant,
            Value::Bool(false) => {}
            _ => return Err(invalid(format!("{name} must be a boolean"))),
        }
    }
    let on = |name: &str| map.get(name).and_then(Value::as_bool).unwrap_or(false);
    for (_, a, b) in SAME.iter().filter(|(k, ..)| *k == kind) {
        if on(a) != on(b) {
            return Err(invalid(format!("{a} and {b} are one right here: give both alike")));
        }
    }
    // A key given false that the others grant would read back true (mayReadItems includes
    // mayReadFreeBusy, mayWriteAll mayRSVP): refused rather than shown otherwise.
    for k in kind.keys() {
        if map.get(k.name) == Some(&Value::Bool(false)) && k.holds(rights) {
            return Err(invalid(format!("{} is included in the other rights given", k.name)));
        }
    }
    // CALDAV:read-free-busy is part of DAV:read (RFC 4791 §6.1.1): not kept beside it.
    if kind == Kind::Calendar && rights.contains(Rights::READ_ITEMS) {
        rights = rights & !Rights::FREE_BUSY;
    }
    Ok(rights)
}

/// What a create's or update's `shareWith` entries ask: `None` when they name none.
pub(crate) struct Sharing {
    changes: Vec<(AccountId, GrantChange)>,
    /// The whole map was given: grants it does not name go.
    whole: bool,
}

/// Reads `shareWith` (whole) and `shareWith/<principal>[/<right>]` (patches) from `props`,
/// each principal one the actor sees; bad input is invalidProperties, nothing written.
pub(crate) async fn requested(
    ctx: &Ctx<'_>,
    kind: Kind,
    owner: AccountId,
    props: &Map<String, Value>,
) -> Result<Option<Sharing>, SetError> {
    // Counted before any principal is looked up: each costs a directory read.
    if props.keys().filter(|k| k.starts_with(SHARE_WITH)).count() > MAX_SHAREES {
        return Err(invalid(format!("at most {MAX_SHAREES} sharees at once")));
    }
    let mut sharing = Sharing { changes: Vec::new(), whole: false };
    for (path, v) in props {
        let Some(rest) = path.strip_prefix(SHARE_WITH) else { continue };
        let mut parts = rest.split('/').skip(1);
        match (rest.is_empty(), parts.next(), parts.next(), parts.next()) {
            (true, ..) => {
                sharing.whole = true;
                match v {
                    Value::Null => {}
                    Value::Object(m) if m.len() > MAX_SHAREES => {
                        return Err(invalid(format!("at most {MAX_SHAREES} sharees at once")));
                    }
                    Value::Object(m) => {
                        for (id, r) in m {
                            let grantee = grantee(ctx, owner, id).await?;
                            sharing.changes.push((grantee, GrantChange::Replace(rights_of(kind, r)?)));
                        }
                    }
                    _ => return Err(invalid("shareWith maps principal ids to rights objects, or is null")),
                }
            }
            (false, Some(id), None, None) => {
                let rights = if v.is_null() { Rights::NONE } else { rights_of(kind, v)? };
                sharing.changes.push((grantee(ctx, owner, id).await?, GrantChange::Replace(rights)));
            }
            (false, Some(id), Some(right), None) => {
                let key = kind.key(right).ok_or_else(|| invalid(format!("unknown right {right}")))?;
                let change = match v {
                    Value::Bool(true) => GrantChange::Add(key.grant),
                    Value::Bool(false) | Value::Null => GrantChange::Remove(key.grant),
                    _ => return Err(invalid(format!("{right} must be a boolean"))),
                };
                sharing.changes.push((grantee(ctx, owner, id).await?, change));
            }
            _ => return Err(SetError::invalid(path, "no such property")),
        }
    }
    if sharing.whole && props.keys().filter(|k| k.starts_with(SHARE_WITH)).count() > 1 {
        return Err(invalid("shareWith is given whole or by patch, not both"));
    }
    if sharing.changes.len() > MAX_SHAREES {
        return Err(invalid(format!("at most {MAX_SHAREES} sharees at once")));
    }
    Ok((sharing.whole || !sharing.changes.is_empty()).then_some(sharing))
}

/// RFC 9670 §4: `shareWith` of each collection (in order), where the actor may read it, in
/// one read; `null` each when the call did not ask for it (`wanted` false).
pub(crate) async fn of_collections(
    ctx: &Ctx<'_>,
    kind: Kind,
    collections: Vec<CollectionId>,
    wanted: bool,
) -> Result<Vec<Value>, MethodError> {
    if !wanted {
        return Ok(vec![Value::Null; collections.len()]);
    }
    let acls = acls(ctx, collections).await?;
    Ok(acls.iter().map(|a| share_with_json(kind, a.as_ref())).collect())
}

/// A calendar's or address book's `sortOrder`, as its DAV properties keep it (0 when unset).
pub(crate) fn sort_order(props: &relais_groupware::CollectionProps) -> u64 {
    props.order.as_deref().and_then(|o| o.trim().parse().ok()).unwrap_or(0)
}

/// The principal an id names, if the actor sees it and it may hold a grant on a collection of
/// `owner` — refused here, before the create or rename that carries it is written, so a
/// refusal never leaves half a change behind (the domain refuses the owner too).
async fn grantee(ctx: &Ctx<'_>, owner: AccountId, id: &str) -> Result<AccountId, SetError> {
    let unknown = || invalid(format!("no such principal {id}"));
    let id = parse_principal_id(id).ok_or_else(unknown)?;
    if id == owner {
        return Err(invalid("the owner is never among the sharees: it holds every right"));
    }
    let dir = ctx.jmap.mailer.directory();
    let p = dir.visible_principal(ctx.principal, id).await;
    let p = p.map_err(|_| SetError::new("serverFail", "the server failed; see its log"))?.ok_or_else(unknown)?;
    // A group's grant would reach none of its members: rights are per principal (not yet
    // expanded through groups, as over IMAP).
    if p.kind == PrincipalKind::Group {
        return Err(invalid("a group cannot be given rights yet; name its members"));
    }
    Ok(p.id)
}

/// Refuses before anything else is written when the actor, holding `held`, may not share.
pub(crate) fn check_may_share(sharing: &Option<Sharing>, held: Rights) -> Result<(), SetError> {
    if sharing.is_some() && !may_change_sharing(held) {
        return Err(SetError::forbidden("changing shareWith needs the mayShare right"));
    }
    Ok(())
}

/// Applies `sharing` to `collection` through the domain's one sharing operation.
pub(crate) async fn apply(ctx: &Ctx<'_>, collection: CollectionId, sharing: Sharing) -> Result<(), SetError> {
    let dir = ctx.jmap.mailer.directory();
    dir.change_grants(&ctx.actor, collection, sharing.changes, sharing.whole).await.map_err(refused)
}

fn invalid(why: impl Into<String>) -> SetError {
    SetError::invalid(SHARE_WITH, why)
}

/// The domain's refusal as a set error (RFC 9670 §4: no mayShare is forbidden).
fn refused(e: SharingError) -> SetError {
    match e {
        SharingError::NotFound => SetError::not_found(),
        SharingError::NotPermitted => SetError::forbidden("changing shareWith needs the mayShare right"),
        SharingError::Owner => invalid("the owner is never among the sharees: it holds every right"),
        SharingError::UnknownGrantee => invalid("no such principal"),
        SharingError::Store(e) => {
            tracing::warn!(error = %e, "jmap: sharing failed");
            SetError::new("serverFail", "the server failed; see its log")
        }
    }
}
