//! Implicit scheduling between local calendar users (RFC 6638 §3.2, iTIP RFC 5546 semantics):
//!
//! - An organizer saves an event with attendees: each local attendee gets the event in their
//!   default calendar, keeping the participation status they already gave (new: NEEDS-ACTION).
//!   A room or equipment answers at once: ACCEPTED when free, DECLINED on a conflict, and the
//!   organizer's copy records the answer.
//! - An attendee saves their copy with a new PARTSTAT: the organizer's copy records it (REPLY).
//! - The organizer deletes the event: the attendees' copies go (CANCEL); an attendee deletes
//!   theirs: the organizer's copy records DECLINED.
//!
//! Who may change whose copy is `acceptance`: an attendee's copy changes only by the organizer
//! recorded on it, and a new copy never lands on an existing resource (`create_copy`).
//!
//! Each step is its own store transaction after the triggering write has committed; a failure
//! is logged and never undoes the organizer's own write. Remote attendees and organizers are
//! reached by iMIP (`imip`).

use calcard::icalendar::{
    ICalendar, ICalendarComponentType, ICalendarParameter, ICalendarParameterName, ICalendarParameterValue,
    ICalendarParticipationStatus, ICalendarProperty,
};
use relais_store::{AccountId, ChangedBy, Collection, CollectionKind, Principal, PrincipalKind};

use crate::event_notifications::Told;

use crate::event_notifications as notices;
use crate::imip::Method;
use crate::{CalendarObject, Condition, Groupware};

/// A calendar address as compared: lower case, without `mailto:`.
pub fn address_of(value: &str) -> String {
    let v = value.trim();
    // `get` and not an index: a multi-byte character may straddle byte 7 (issue 10, item 3b).
    let v = v.get(..7).filter(|p| p.eq_ignore_ascii_case("mailto:")).and_then(|_| v.get(7..)).unwrap_or(v);
    v.to_ascii_lowercase()
}

fn scheduled(c: &ICalendarComponentType) -> bool {
    matches!(c, ICalendarComponentType::VEvent | ICalendarComponentType::VTodo)
}

/// Whether `new` changes what an invitee decides on against their copy `old`: the time, the
/// recurrence and its exceptions, the title, the place or a cancellation (RFC 5546 §2.1.4's
/// significant changes, read from the objects: clients do not all raise SEQUENCE for them).
fn significant_change(old: &CalendarObject, new: &CalendarObject) -> bool {
    let fields = |o: &CalendarObject| crate::event::EventFields::from_ical(&o.ical.to_string());
    match (fields(old), fields(new)) {
        (Some(a), Some(b)) => {
            (a.start, a.end, a.all_day, a.cancelled) != (b.start, b.end, b.all_day, b.cancelled)
                || (a.subject, a.location, a.recurrence, a.exceptions)
                    != (b.subject, b.location, b.recurrence, b.exceptions)
        }
        _ => true,
    }
}

/// The ORGANIZER of the object's components.
pub fn organizer(ical: &ICalendar) -> Option<String> {
    ical.components
        .iter()
        .filter(|c| scheduled(&c.component_type))
        .find_map(|c| c.property(&ICalendarProperty::Organizer))
        .and_then(|e| e.values.first())
        .and_then(|v| v.as_text())
        .map(address_of)
}

/// Every ATTENDEE address of the object, once each.
pub fn attendees(ical: &ICalendar) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in ical.components.iter().filter(|c| scheduled(&c.component_type)) {
        for e in c.properties(&ICalendarProperty::Attendee) {
            if let Some(a) = e.values.first().and_then(|v| v.as_text()).map(address_of)
                && !out.contains(&a)
            {
                out.push(a);
            }
        }
    }
    out
}

/// The PARTSTAT of `address` in the main component (absent: NEEDS-ACTION, RFC 5545 §3.2.12).
pub fn partstat(ical: &ICalendar, address: &str) -> Option<ICalendarParticipationStatus> {
    let comp = ical.components.iter().find(|c| scheduled(&c.component_type))?;
    let entry = comp
        .properties(&ICalendarProperty::Attendee)
        .find(|e| e.values.first().and_then(|v| v.as_text()).is_some_and(|v| address_of(v) == address))?;
    Some(
        entry
            .params
            .iter()
            .find_map(|p| match &p.value {
                ICalendarParameterValue::Partstat(s) if p.name == ICalendarParameterName::Partstat => Some(s.clone()),
                _ => None,
            })
            .unwrap_or(ICalendarParticipationStatus::NeedsAction),
    )
}

/// Sets the PARTSTAT of `address` on every component; true when anything changed.
pub fn set_partstat(ical: &mut ICalendar, address: &str, status: &ICalendarParticipationStatus) -> bool {
    let mut changed = false;
    for c in ical.components.iter_mut().filter(|c| scheduled(&c.component_type)) {
        for e in c.entries.iter_mut().filter(|e| e.name == ICalendarProperty::Attendee) {
            if e.values.first().and_then(|v| v.as_text()).is_none_or(|v| address_of(v) != address) {
                continue;
            }
            let new = ICalendarParameterValue::Partstat(status.clone());
            match e.params.iter_mut().find(|p| p.name == ICalendarParameterName::Partstat) {
                Some(p) if p.value == new => {}
                Some(p) => {
                    p.value = new;
                    changed = true;
                }
                None => {
                    e.params.push(ICalendarParameter::new(ICalendarParameterName::Partstat, status.clone()));
                    changed = true;
                }
            }
        }
    }
    changed
}

/// A resource name for a scheduled copy: the UID with anything unsafe in a path replaced; the
/// `attempt`th try after the first adds a counter.
pub(crate) fn copy_name(uid: &str, attempt: usize) -> String {
    let safe: String =
        uid.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.@".contains(c) { c } else { '_' }).take(200).collect();
    match attempt {
        0 => format!("{safe}.ics"),
        n => format!("{safe}-{n}.ics"),
    }
}

/// How many names `create_copy` tries before one with a random part.
const NAME_ATTEMPTS: usize = 16;

fn only_if_absent() -> Condition {
    Condition { if_none_match: Some(vec!["*".to_owned()]), ..Condition::default() }
}

/// The role of an account's scheduling inbox collection.
pub const INBOX_ROLE: &str = "inbox";

impl Groupware {
    /// An account's scheduling inbox (RFC 6638 §2.2), where the scheduling messages it was sent
    /// wait for its client: a collection made on first delivery (`create`), else `None` until then.
    pub async fn schedule_inbox(&self, account: AccountId, create: bool) -> crate::Result<Option<Collection>> {
        let found =
            self.store.read(move |r| r.collection_by_role(account, CollectionKind::Calendar, INBOX_ROLE)).await?;
        if found.is_some() || !create {
            return Ok(found);
        }
        let made = self
            .store
            .write(move |tx| tx.collection_with_role(account, CollectionKind::Calendar, INBOX_ROLE, INBOX_ROLE))
            .await?;
        Ok(Some(made))
    }

    /// Leaves the iTIP message `method` of `ical` in `account`'s inbox, one per meeting (the
    /// latest replaces the one before). The calendar itself was already updated; a failure here
    /// is logged, not the scheduling's.
    pub(crate) async fn to_inbox(&self, account: AccountId, method: Method, obj: &CalendarObject, ical: &ICalendar) {
        let result: crate::Result<()> = async {
            let Some(inbox) = self.schedule_inbox(account, true).await? else { return Ok(()) };
            let text = crate::imip::with_method(ical, method);
            self.write_itip(&inbox, &copy_name(&obj.uid, 0), text, obj, None).await?;
            Ok(())
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, uid = %obj.uid, "scheduling inbox delivery failed");
        }
    }

    /// Leaves an iTIP message that was not applied (`why`) in `account`'s inbox, under a name of
    /// its own: it replaces nothing, and the client sees it marked as not applied.
    pub(crate) async fn to_inbox_unapplied(&self, account: AccountId, text: &str, obj: &CalendarObject, why: &str) {
        let result: crate::Result<()> = async {
            let Some(inbox) = self.schedule_inbox(account, true).await? else { return Ok(()) };
            for attempt in 1..=NAME_ATTEMPTS + 1 {
                let name = match attempt {
                    n if n <= NAME_ATTEMPTS => copy_name(&format!("{}-unapplied", obj.uid), n),
                    _ => copy_name(&format!("{}-{}", obj.uid, relais_mail::headers::new_queue_id()), 0),
                };
                match self.write_itip(&inbox, &name, text.to_owned(), obj, Some(why)).await {
                    Err(crate::Error::PreconditionFailed) => continue,
                    other => return other.map(|_| ()),
                }
            }
            Ok(())
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, uid = %obj.uid, "scheduling inbox delivery failed");
        }
    }

    /// Writes a new scheduled copy into `collection` under a name no resource has — the UID's
    /// own name when it is free — and returns the name. Never replaces a resource: a stranger's
    /// UID `standup` does not overwrite an unrelated `standup.ics`. The owner is told by whom.
    pub(crate) async fn create_copy(
        &self,
        collection: &Collection,
        uid: &str,
        body: Vec<u8>,
        told: Told,
    ) -> crate::Result<String> {
        for attempt in 0..=NAME_ATTEMPTS {
            let name = match attempt {
                n if n < NAME_ATTEMPTS => copy_name(uid, n),
                _ => copy_name(&format!("{uid}-{}", relais_mail::headers::new_queue_id()), 0),
            };
            match self.write_object(collection, &name, body.clone(), only_if_absent(), Some(told.clone())).await {
                Ok(_) => return Ok(name),
                Err(crate::Error::PreconditionFailed) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(crate::Error::AlreadyExists)
    }

    /// May `actor` have scheduling messages sent in `owner`'s name? The owner may; anyone else
    /// only as the owner's send-as delegate (`relais_directory::access::delegation`), whatever their
    /// access to the calendar (issue 10, item 13). A refusal is logged; the write stands.
    pub(crate) async fn may_schedule_as(&self, owner: AccountId, actor: AccountId) -> bool {
        if owner == actor {
            return true;
        }
        let Some(dir) = &self.directory else { return false };
        match dir.delegation(actor, owner).await.map(|d| d.contains(relais_directory::Delegation::SEND_AS)) {
            Ok(true) => true,
            Ok(false) => {
                tracing::info!(owner = %owner.0, actor = %actor.0, "scheduling: not sent, the sharee may not send as the owner");
                false
            }
            Err(e) => {
                tracing::warn!(error = %e, "scheduling: send-as check failed; nothing sent");
                false
            }
        }
    }

    /// After `owner` saved `obj`: deliver to local attendees, or reply to a local organizer.
    pub(crate) async fn schedule_after_put(
        &self,
        owner: AccountId,
        obj: &CalendarObject,
        before: Option<&CalendarObject>,
    ) {
        if let Err(e) = self.try_schedule_after_put(owner, obj, before).await {
            tracing::warn!(error = %e, uid = %obj.uid, "scheduling after a write failed");
        }
    }

    async fn try_schedule_after_put(
        &self,
        owner: AccountId,
        obj: &CalendarObject,
        before: Option<&CalendarObject>,
    ) -> crate::Result<()> {
        let Some((dir, me, org)) = self.parties(owner, obj).await? else { return Ok(()) };
        let me_addr = me.address();
        // The organizer is the one already stored: an attendee who names herself organizer of
        // her copy changes her copy only (RFC 5546 §3.2.2: only the organizer updates).
        let org = before.and_then(|b| organizer(&b.ical)).unwrap_or(org);
        if org == me_addr {
            let (mut remote, mut people) = (Vec::new(), Vec::new());
            for a in attendees(&obj.ical).into_iter().filter(|a| *a != me_addr) {
                match dir.principal(&a).await.map_err(dir_err)? {
                    Some(p) => {
                        if self.deliver_to_attendee(&me, &p, obj).await? {
                            people.push(p);
                        }
                    }
                    None => remote.push(a),
                }
            }
            self.send_imip(&me, remote, Method::Request, obj).await?;
            self.mail_invitation(&me, &people, obj).await?;
        } else if let Some(status) = partstat(&obj.ical, &me_addr) {
            // Only a changed answer is a REPLY (RFC 5546 §3.2.3); other edits stay private.
            if before.is_some_and(|b| partstat(&b.ical, &me_addr).as_ref() == Some(&status)) {
                return Ok(());
            }
            match dir.principal(&org).await.map_err(dir_err)? {
                Some(o) => self.record_reply(&o, &obj.uid, (&me_addr, &status), None).await?,
                None => self.send_imip(&me, vec![org], Method::Reply, obj).await?,
            }
        }
        Ok(())
    }

    /// Puts the organizer's version into the attendee's calendar, keeping their answer. An
    /// existing copy is updated only when `organizer` is the organizer recorded on it. True
    /// when a person's (not a room's or equipment's) copy was made, or changed significantly:
    /// they are to be told by mail.
    async fn deliver_to_attendee(
        &self,
        organizer: &Principal,
        attendee: &Principal,
        obj: &CalendarObject,
    ) -> crate::Result<bool> {
        let addr = attendee.address();
        let existing = self.copy_of(attendee.id, &obj.uid).await?;
        let stored = existing.as_ref().map(|(_, _, o)| o);
        if let Err(why) = crate::acceptance::may_request(&organizer.address(), &addr, obj, stored) {
            tracing::info!(uid = %obj.uid, organizer = %organizer.address(), attendee = %addr, %why, "scheduling: copy not changed");
            return Ok(false);
        }
        // Told by mail of a new invitation or of a change they would decide on again; a client
        // saving the organizer's copy again (an alarm dismissed, a reply recorded) mails nobody.
        let news = stored.is_none_or(|old| significant_change(old, obj));
        let mut ical = obj.ical.clone();
        let resource = matches!(attendee.kind, PrincipalKind::Room | PrincipalKind::Equipment);
        let status = match &existing {
            _ if resource => match self.is_free(attendee.id, obj).await? {
                true => ICalendarParticipationStatus::Accepted,
                false => ICalendarParticipationStatus::Declined,
            },
            Some((_, _, old)) => partstat(&old.ical, &addr).unwrap_or(ICalendarParticipationStatus::NeedsAction),
            None => ICalendarParticipationStatus::NeedsAction,
        };
        set_partstat(&mut ical, &addr, &status);
        let body = ical.to_string().into_bytes();
        let by = Told::of(notices::by_principal(organizer), Some(obj));
        match existing {
            Some((c, name, _)) => {
                self.write_object(&c, &name, body, Condition::default(), Some(by)).await?;
            }
            None => {
                let Some(c) = self.default_calendar(attendee.id).await? else { return Ok(false) };
                self.create_copy(&c, &obj.uid, body, by).await?;
            }
        }
        if resource {
            self.record_reply(organizer, &obj.uid, (&addr, &status), None).await?;
        } else {
            self.to_inbox(attendee.id, Method::Request, obj, &ical).await;
        }
        Ok(!resource && news)
    }

    /// The organizer's copy records `attendee`'s answer (an iTIP REPLY): only when the copy is
    /// the organizer's own and names `attendee`, and only that attendee's PARTSTAT. `reply`:
    /// the REPLY's object, whose COMMENT the organizer is told.
    pub(crate) async fn record_reply(
        &self,
        organizer: &Principal,
        uid: &str,
        (attendee, status): (&str, &ICalendarParticipationStatus),
        reply: Option<&CalendarObject>,
    ) -> crate::Result<()> {
        let Some((c, name, mut copy)) = self.copy_of(organizer.id, uid).await? else { return Ok(()) };
        if let Err(why) = crate::acceptance::may_reply(attendee, &organizer.address(), &copy) {
            tracing::info!(%uid, %attendee, %why, "scheduling: reply not recorded");
            return Ok(());
        }
        if set_partstat(&mut copy.ical, attendee, status) {
            let by = Some(Told::of(self.changed_by(attendee).await, reply));
            self.write_object(&c, &name, copy.ical.to_string().into_bytes(), Condition::default(), by).await?;
            self.to_inbox(organizer.id, Method::Reply, &copy, &copy.ical).await;
        }
        Ok(())
    }

    /// After `owner` deleted `obj`: cancel it for local attendees, or decline it to a local
    /// organizer.
    pub(crate) async fn schedule_after_delete(&self, owner: AccountId, obj: &CalendarObject) {
        let result: crate::Result<()> = async {
            let Some((dir, me, org)) = self.parties(owner, obj).await? else { return Ok(()) };
            let me_addr = me.address();
            if org == me_addr {
                let mut remote = Vec::new();
                for a in attendees(&obj.ical).into_iter().filter(|a| *a != me_addr) {
                    let Some(p) = dir.principal(&a).await.map_err(dir_err)? else {
                        remote.push(a);
                        continue;
                    };
                    if let Some((c, name, stored)) = self.copy_of(p.id, &obj.uid).await? {
                        if let Err(why) = crate::acceptance::may_cancel(&me_addr, &stored, obj) {
                            tracing::info!(uid = %obj.uid, attendee = %a, %why, "scheduling: copy not cancelled");
                            continue;
                        }
                        self.delete_object(
                            &relais_directory::Actor::system(c.account),
                            &c,
                            &name,
                            Condition::default(),
                            Some(Told::of(notices::by_principal(&me), Some(obj))),
                        )
                        .await?;
                        if !matches!(p.kind, PrincipalKind::Room | PrincipalKind::Equipment) {
                            self.to_inbox(p.id, Method::Cancel, obj, &obj.ical).await;
                        }
                    }
                }
                self.send_imip(&me, remote, Method::Cancel, obj).await?;
            } else if let Some(o) = dir.principal(&org).await.map_err(dir_err)? {
                let declined = (me_addr.as_str(), &ICalendarParticipationStatus::Declined);
                self.record_reply(&o, &obj.uid, declined, None).await?;
            } else {
                let mut declined = obj.clone();
                set_partstat(&mut declined.ical, &me_addr, &ICalendarParticipationStatus::Declined);
                self.send_imip(&me, vec![org], Method::Reply, &declined).await?;
            }
            Ok(())
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, uid = %obj.uid, "scheduling after a delete failed");
        }
    }

    /// Who `address` is, as a notification names who made a change: the directory's
    /// principal, or the address alone.
    pub(crate) async fn changed_by(&self, address: &str) -> ChangedBy {
        let found = match &self.directory {
            Some(dir) => dir.principal(address).await.ok().flatten(),
            None => None,
        };
        found.map_or_else(|| notices::by_address(address), |p| notices::by_principal(&p))
    }

    /// Who is involved when `owner` writes `obj`: the directory, the writer, and the
    /// organizer's address; `None` when there is nothing to schedule.
    async fn parties(
        &self,
        owner: AccountId,
        obj: &CalendarObject,
    ) -> crate::Result<Option<(&relais_directory::Directory, Principal, String)>> {
        let (Some(dir), Some(org)) = (&self.directory, organizer(&obj.ical)) else { return Ok(None) };
        Ok(dir.principal_by_id(owner).await.map_err(dir_err)?.map(|me| (dir, me, org)))
    }

    /// An account's copy of the object `uid`: its calendar, name and parsed content.
    pub(crate) async fn copy_of(
        &self,
        account: AccountId,
        uid: &str,
    ) -> crate::Result<Option<(relais_store::Collection, String, CalendarObject)>> {
        let u = uid.to_owned();
        let found = self
            .store
            .read(move |r| {
                for item in r.item_by_uid_text(account, &u)? {
                    if let (Some(c), Some(name)) = (item.collection, item.name.clone()) {
                        let c = r.collection(c)?;
                        let calendar = matches!(c.kind, CollectionKind::Calendar | CollectionKind::TaskList);
                        if calendar && c.role.as_deref() != Some(INBOX_ROLE) {
                            return Ok(Some((c, name, item)));
                        }
                    }
                }
                Ok(None)
            })
            .await?;
        let Some((c, name, item)) = found else { return Ok(None) };
        let Some(hash) = item.blob else { return Ok(None) };
        let text = String::from_utf8_lossy(&self.store.blob(hash).await?).into_owned();
        Ok(CalendarObject::parse(&text).ok().map(|o| (c, name, o)))
    }

    /// Whether a room's default calendar is free during the object's occurrences: no other
    /// object is busy then (free/busy rules: transparent and cancelled events do not count).
    async fn is_free(&self, room: AccountId, obj: &CalendarObject) -> crate::Result<bool> {
        let (mut spans, _) = obj.occurrences(relais_store::now());
        spans.truncate(500);
        let (Some(first), Some(last)) = (spans.first(), spans.iter().map(|s| s.end).max()) else { return Ok(true) };
        let Some(c) = self.default_calendar(room).await? else { return Ok(false) };
        let (start, end) = (first.start, last.max(first.start + 1));
        for row in self.in_range(c.id, start, end).await? {
            let text = String::from_utf8_lossy(row.data.as_deref().unwrap_or_default());
            let Ok(other) = CalendarObject::parse(&text) else { continue };
            if other.uid == obj.uid {
                continue;
            }
            let busy = crate::freebusy::busy_of(&other, start, end);
            if busy.iter().any(|b| spans.iter().any(|s| b.start < s.end.max(s.start + 1) && b.end > s.start)) {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

fn dir_err(e: relais_directory::DirectoryError) -> crate::Error {
    crate::Error::Conflict(format!("directory: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const INVITE: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:m1\r\nDTSTART:20260105T100000Z\r\n\
        DURATION:PT1H\r\nORGANIZER:mailto:Alice@Example.com\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@example.com\r\n\
        ATTENDEE;CN=Bob:MAILTO:bob@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    #[test]
    fn reads_and_sets_participation() {
        let mut o = CalendarObject::parse(INVITE).unwrap();
        assert_eq!(organizer(&o.ical).as_deref(), Some("alice@example.com"));
        assert_eq!(attendees(&o.ical), ["alice@example.com", "bob@example.com"]);
        assert_eq!(partstat(&o.ical, "bob@example.com"), Some(ICalendarParticipationStatus::NeedsAction));
        assert!(set_partstat(&mut o.ical, "bob@example.com", &ICalendarParticipationStatus::Accepted));
        assert!(!set_partstat(&mut o.ical, "bob@example.com", &ICalendarParticipationStatus::Accepted));
        let text = o.ical.to_string();
        let back = CalendarObject::parse(&text).unwrap();
        assert_eq!(partstat(&back.ical, "bob@example.com"), Some(ICalendarParticipationStatus::Accepted));
        assert_eq!(partstat(&back.ical, "carol@example.com"), None);
        assert_eq!(copy_name("a/b c", 0), "a_b_c.ics");
        assert_eq!(copy_name("standup", 2), "standup-2.ics");
    }

    #[test]
    fn addresses_with_multibyte_characters_do_not_panic() {
        // Issue 10, item 3b: a character straddling byte 7 panicked a byte slice.
        let cases = [
            ("mailto\u{1a4}x@remote.example", "mailto\u{1a4}x@remote.example"),
            ("MAILTO:Bob@Example.com", "bob@example.com"),
            ("  mailto:é@x.test ", "é@x.test"),
            ("\u{1a4}", "\u{1a4}"),
            ("mail", "mail"),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(address_of(input), want, "{input:?}");
        }
    }
}
