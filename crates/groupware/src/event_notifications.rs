//! Calendar event notifications (JMAP CalendarEventNotification, draft-ietf-jmap-calendars
//! §7): when someone other than an account's user changes an event in one of its calendars —
//! a sharee's write over any protocol, an organizer's update or cancellation landing in an
//! attendee's copy, an attendee's answer landing in the organizer's, an iMIP message applied —
//! the account is told, in the transaction of the change, by a notification holding the event
//! as JSCalendar (after a creation; before an update, with the PatchObject to the new one; before
//! a destruction) and who made it. The user's own changes, and the server's acting for the user
//! by its own request (`Actor::system` with nobody named), tell nothing.
//!
//! A notification lives in the account of the calendar (it has no per-user data, §7): its owner
//! sees every one; someone the account is shared with sees those of the calendars it may read,
//! not its own changes, and never one of a private or secret event (§7). An account keeps at
//! most `MAX_EVENT_NOTIFICATIONS` (the oldest make room) for `EVENT_NOTIFICATION_RETENTION`.

use relais_directory::{Actor, Credential, Rights, access};
use relais_store::{
    AccountId, ChangeKind, ChangedBy, Collection, CollectionKind, EventNotification, EventNotificationBody, ItemId,
    Modseq, NewEventNotification, WriteTx,
};
use serde_json::{Map, Value};

use crate::{CalendarObject, ComponentKind, Error, Groupware, Result};

/// Most notifications an account keeps.
pub const MAX_EVENT_NOTIFICATIONS: u32 = 500;
/// Most characters of a comment kept (an iTIP COMMENT is the sender's to make long).
const MAX_COMMENT_CHARS: usize = 2_000;
/// Most octets of the JSON of a notification's event, and of its patch: past it only what
/// says which event it is and when (`ESSENTIAL`) is kept of the event, and of the patch the
/// changes of small values, so an account's notifications stay bounded whatever its events
/// hold (a sharee writing large events cannot make them grow without bound).
pub const MAX_NOTICE_JSON: usize = 64 * 1024;
/// What an event too large to be kept whole keeps (RFC 8984 §5.1, §4.1, §4.3, §4.4).
const ESSENTIAL: [&str; 11] = [
    "@type",
    "uid",
    "title",
    "start",
    "duration",
    "timeZone",
    "showWithoutTime",
    "status",
    "privacy",
    "recurrenceRule",
    "recurrenceRules",
];
/// Most octets of one value kept of an object too large to be kept whole.
const MAX_KEPT_VALUE: usize = 1024;
/// Seconds a notification is kept.
pub const EVENT_NOTIFICATION_RETENTION: i64 = 30 * 86_400;
/// Notifications removed per transaction by the sweep, and transactions per sweep.
const PURGE_BATCH: i64 = 500;
const PURGE_ROUNDS: usize = 100;

/// The stored object a change replaces or removes, as read before the change's transaction:
/// that transaction goes on only while the object is still at `modseq`.
#[derive(Debug, Clone)]
pub(crate) struct Before {
    pub item: ItemId,
    pub modseq: Modseq,
    /// As JSCalendar, when it is an event.
    pub event: Option<Map<String, Value>>,
}

/// Who the server writes for when it changes another's calendar (an organizer, an attendee, an
/// iMIP sender), and what they said with it (the iTIP COMMENT, RFC 5545 §3.8.1.4).
#[derive(Debug, Clone)]
pub(crate) struct Told {
    pub by: ChangedBy,
    pub comment: Option<String>,
}

impl Told {
    /// `by`, with the comment of `obj` (the scheduling message's object) if it has one.
    pub(crate) fn of(by: ChangedBy, obj: Option<&CalendarObject>) -> Told {
        Told { by, comment: obj.and_then(comment_of) }
    }
}

/// The COMMENT of an object's main component, bounded.
fn comment_of(obj: &CalendarObject) -> Option<String> {
    let text =
        obj.master()?.property(&calcard::icalendar::ICalendarProperty::Comment)?.values.first()?.as_text()?.trim();
    (!text.is_empty()).then(|| text.chars().take(MAX_COMMENT_CHARS).collect())
}

/// What a write needs to tell the owner: who (when named by the caller; else the actor), the
/// event before (None: there was none, or it was no event) and after (None: a destruction).
#[derive(Debug, Clone, Default)]
pub(crate) struct Notice {
    pub told: Option<Told>,
    pub before: Option<Before>,
    pub after: Option<Map<String, Value>>,
}

/// Whether a write by `actor` into `c` (on behalf of `by`, when the server writes for someone)
/// tells the calendar's owner anything: an event calendar other than the scheduling inbox, and
/// a writer who is not the owner.
pub(crate) fn applies(actor: &Actor, c: &Collection, told: Option<&Told>) -> bool {
    if c.kind != CollectionKind::Calendar || c.role.as_deref() == Some(crate::scheduling::INBOX_ROLE) {
        return false;
    }
    match told {
        Some(t) => t.by.principal != Some(c.account),
        None => actor.credential != Credential::System && actor.principal != c.account,
    }
}

/// The stored text as a JSCalendar event, when it is one (CPU work: the caller runs it off the
/// executor).
pub(crate) fn event_of(text: &[u8]) -> Option<Map<String, Value>> {
    let o = CalendarObject::parse(&String::from_utf8_lossy(text)).ok()?;
    (o.kind == ComponentKind::Event).then(|| crate::jscalendar::to_jscalendar(&o))
}

/// `p`, as a notification names who made a change.
pub(crate) fn by_principal(p: &relais_store::Principal) -> ChangedBy {
    let address = p.address();
    let name = if p.display_name.is_empty() { address.clone() } else { p.display_name.clone() };
    ChangedBy { principal: Some(p.id), name, calendar_address: Some(format!("mailto:{address}")), email: Some(address) }
}

/// Someone known by their address alone (an iMIP sender), as a notification names them.
pub(crate) fn by_address(address: &str) -> ChangedBy {
    ChangedBy {
        principal: None,
        name: address.to_owned(),
        email: Some(address.to_owned()),
        calendar_address: Some(format!("mailto:{address}")),
    }
}

/// Who `actor` is, as a notification names them.
fn changed_by(tx: &mut WriteTx<'_>, actor: &Actor) -> relais_store::Result<ChangedBy> {
    Ok(match tx.read().principal(actor.principal)? {
        Some(p) => by_principal(&p),
        None => ChangedBy { principal: Some(actor.principal), ..ChangedBy::default() },
    })
}

/// Draft §7: a private or secret event is told only to its owner.
fn private(event: Option<&Map<String, Value>>) -> bool {
    event.and_then(|e| e.get("privacy")).and_then(Value::as_str).is_some_and(|p| p == "private" || p == "secret")
}

/// Writes the notification of a change to `item` in `c` (after the change, in its
/// transaction). Nothing when neither side is an event.
pub(crate) fn tell(
    tx: &mut WriteTx<'_>,
    actor: &Actor,
    c: &Collection,
    item: ItemId,
    notice: Notice,
) -> relais_store::Result<()> {
    let before = notice.before.and_then(|b| b.event);
    let (kind, event, patch) = match (before, notice.after) {
        (None, Some(after)) => (ChangeKind::Created, after, None),
        (Some(before), Some(after)) => {
            let patch = patch(&before, &after);
            if patch.is_empty() {
                return Ok(());
            }
            (ChangeKind::Updated, before, Some(patch))
        }
        (Some(before), None) => (ChangeKind::Destroyed, before, None),
        (None, None) => return Ok(()),
    };
    let (by, comment) = match notice.told {
        Some(t) => (t.by, t.comment),
        None => (changed_by(tx, actor)?, None),
    };
    // A patch that makes the event private names its new privacy at the top.
    let private = private(Some(&event)) || private(patch.as_ref());
    let new = NewEventNotification {
        changed_by: by,
        comment,
        kind,
        event: item,
        calendar: c.id,
        private,
        event_json: bounded(event, Some(&ESSENTIAL)),
        patch_json: patch.map(|p| bounded(p, None)),
    };
    tx.add_event_notification(c.account, new, MAX_EVENT_NOTIFICATIONS)?;
    Ok(())
}

/// `object` as JSON within `MAX_NOTICE_JSON`: whole when it fits, else only its members named
/// by `keep` (every one when None) whose values are small.
fn bounded(object: Map<String, Value>, keep: Option<&[&str]>) -> String {
    let whole = Value::Object(object).to_string();
    if whole.len() <= MAX_NOTICE_JSON {
        return whole;
    }
    let Ok(Value::Object(object)) = serde_json::from_str::<Value>(&whole) else { return "{}".into() };
    let kept: Map<String, Value> = object
        .into_iter()
        .filter(|(k, v)| keep.is_none_or(|keep| keep.contains(&k.as_str())) && v.to_string().len() <= MAX_KEPT_VALUE)
        .collect();
    Value::Object(kept).to_string()
}

/// RFC 8620 §5.3: the PatchObject that makes `new` of `old` — a property set to its new value,
/// one removed set to null, objects on both sides compared member by member (paths are JSON
/// pointers without the leading slash, RFC 6901 escapes).
pub fn patch(old: &Map<String, Value>, new: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    diff("", old, new, &mut out);
    out
}

fn diff(prefix: &str, old: &Map<String, Value>, new: &Map<String, Value>, out: &mut Map<String, Value>) {
    let path = |k: &str| format!("{prefix}{}", k.replace('~', "~0").replace('/', "~1"));
    for k in old.keys().filter(|k| !new.contains_key(*k)) {
        out.insert(path(k), Value::Null);
    }
    for (k, v) in new {
        match (old.get(k), v) {
            (Some(o), n) if o == n => {}
            (Some(Value::Object(o)), Value::Object(n)) => diff(&format!("{}/", path(k)), o, n, out),
            _ => {
                out.insert(path(k), v.clone());
            }
        }
    }
}

/// Whether `actor` sees notification `n` of `account` (module doc); `rights` of the actor on
/// the notification's calendar.
fn visible(actor: &Actor, account: AccountId, n: &EventNotification, rights: Rights) -> bool {
    if actor.principal == account {
        return true;
    }
    rights.contains(Rights::READ_ITEMS) && !n.private && n.changed_by.principal != Some(actor.principal)
}

impl Groupware {
    /// The notifications of `account` that `actor` sees, oldest first.
    pub async fn event_notifications(&self, actor: &Actor, account: AccountId) -> Result<Vec<EventNotification>> {
        let actor = actor.clone();
        let found = self
            .store
            .read(move |r| {
                let all = r.event_notifications(account)?;
                if actor.principal == account || access::acts_for(r, &actor, account)? {
                    return Ok(all);
                }
                let mut out = Vec::new();
                let mut rights: Vec<(relais_store::CollectionId, Rights)> = Vec::new();
                for n in all {
                    let held = match rights.iter().find(|(c, _)| *c == n.calendar) {
                        Some((_, r)) => *r,
                        None => {
                            let held = match r.collection(n.calendar) {
                                Ok(c) => access::rights_on(r, &actor, &c)?,
                                Err(relais_store::Error::NotFound(_)) => Rights::NONE,
                                Err(e) => return Err(e),
                            };
                            rights.push((n.calendar, held));
                            held
                        }
                    };
                    if visible(&actor, account, &n, held) {
                        out.push(n);
                    }
                }
                Ok(out)
            })
            .await?;
        Ok(found)
    }

    /// The events and patches of the notifications `ids` of `account` that `actor` sees.
    pub async fn event_notification_bodies(
        &self,
        actor: &Actor,
        account: AccountId,
        ids: Vec<i64>,
    ) -> Result<Vec<EventNotificationBody>> {
        let seen = self.event_notifications(actor, account).await?;
        let ids: Vec<i64> = ids.into_iter().filter(|i| seen.iter().any(|n| n.id == *i)).collect();
        Ok(self.store.read(move |r| r.event_notification_bodies(account, &ids)).await?)
    }

    /// Removes notification `id` of `account` by `actor`, who must act for the account (a
    /// sharee only reads them); false if it has none `id`.
    pub async fn destroy_event_notification(&self, actor: &Actor, account: AccountId, id: i64) -> Result<bool> {
        let actor = actor.clone();
        self.store
            .write(move |tx| {
                if !access::acts_for(&mut tx.read(), &actor, account)? {
                    return Ok(Err(Error::Forbidden));
                }
                Ok(Ok(tx.destroy_event_notification(account, id)?))
            })
            .await?
    }

    /// Removes the notifications past `EVENT_NOTIFICATION_RETENTION` (the periodic
    /// maintenance); how many went.
    pub async fn purge_event_notifications(&self) -> Result<u64> {
        let before = relais_store::now().saturating_sub(EVENT_NOTIFICATION_RETENTION);
        let mut total = 0;
        for _ in 0..PURGE_ROUNDS {
            let gone = self.store.write(move |tx| tx.purge_event_notifications(before, PURGE_BATCH)).await?;
            total += gone;
            if gone < u64::try_from(PURGE_BATCH).unwrap_or(0) {
                break;
            }
        }
        Ok(total)
    }

    /// The object stored as `name` in `c`, read for a notice (the event converted off the
    /// executor); None when there is none.
    pub(crate) async fn before(&self, c: &Collection, name: &str) -> Result<Option<Before>> {
        let (id, n) = (c.id, name.to_owned());
        let Some(item) = self.store.read(move |r| r.item_by_name(id, &n)).await? else { return Ok(None) };
        let event = match item.blob.clone() {
            Some(hash) => {
                let text = self.store.blob(hash).await?;
                tokio::task::spawn_blocking(move || event_of(&text)).await.ok().flatten()
            }
            None => None,
        };
        Ok(Some(Before { item: item.id, modseq: item.modseq, event }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn patches_go_from_old_to_new() {
        let old = map(json!({"title": "a", "x/y": 1, "gone": true, "locations": {"l1": {"name": "A", "k": 1}},
                             "same": [1, 2]}));
        let new = map(json!({"title": "b", "x/y": 2, "locations": {"l1": {"name": "B", "k": 1}, "l2": {"name": "C"}},
                             "same": [1, 2], "added": "z"}));
        let p = patch(&old, &new);
        assert_eq!(
            Value::Object(p),
            json!({"title": "b", "x~1y": 2, "gone": null, "locations/l1/name": "B", "locations/l2": {"name": "C"},
                   "added": "z"})
        );
        assert!(patch(&new, &new).is_empty());
    }

    #[test]
    fn large_events_are_kept_in_part() {
        let big = "x".repeat(MAX_NOTICE_JSON);
        let event = map(json!({"@type": "Event", "uid": "u1", "title": "T", "description": big}));
        let kept: Value = serde_json::from_str(&bounded(event.clone(), Some(&ESSENTIAL))).unwrap();
        assert_eq!(kept, json!({"@type": "Event", "uid": "u1", "title": "T"}));
        let patch = map(json!({"title": "U", "description": "x".repeat(MAX_NOTICE_JSON)}));
        assert_eq!(bounded(patch, None), json!({"title": "U"}).to_string());
        let small = map(json!({"title": "V", "description": "short"}));
        assert_eq!(bounded(small.clone(), Some(&ESSENTIAL)), Value::Object(small).to_string(), "whole when it fits");
    }

    #[test]
    fn private_events_are_the_owners() {
        assert!(private(Some(&map(json!({"privacy": "secret"})))));
        assert!(!private(Some(&map(json!({"privacy": "public"})))));
        assert!(!private(None));
    }
}
