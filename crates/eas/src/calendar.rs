//! The Calendar class (MS-ASCAL): a stored VEVENT as ApplicationData through the domain's
//! event fields (`relais_groupware::event`), and a device's ApplicationData back into the
//! object, every property the phone does not know kept. Times are UTC in the compact form
//! (MS-ASDTYPE §2.3: `20261208T090000Z`; the extended form is read too), the zone the event
//! was set in goes as the TimeZone blob (MS-ASDTYPE §2.6.4, `relais_groupware::timezone`).
//! Synced by `objects`.

use base64::Engine;
use relais_groupware::event::{
    Attendee, AttendeeKind, AttendeeStatus, BusyStatus, EventFields, Exception, Person, Sensitivity,
};
use relais_groupware::rrule::{Recurrence, RecurrenceKind};
use relais_groupware::timezone::{Zone, eas_blob_for, zone_of_blob};
use relais_wbxml::tag::{airsync as a, airsyncbase as base, calendar as cal, email};
use relais_wbxml::{Element, Tag};

use crate::{Ctx, text_of};

/// `20261208T090000Z` (MS-ASDTYPE §2.3, the compact form MS-ASCAL uses).
pub(crate) fn compact(t: i64) -> String {
    relais_groupware::rrule::utc_stamp(t)
}

/// A date-time a device sent, compact or extended (`2026-12-08T09:00:00.000Z`), as UTC.
pub(crate) fn parse_time(s: &str) -> Option<i64> {
    let s: String = s.trim().chars().filter(|c| !matches!(c, '-' | ':')).collect();
    // Fractions of a second are dropped; the time is UTC with or without its `Z`.
    let main = s.split_once('.').map_or(s.as_str(), |(m, _)| m).trim_end_matches(['Z', 'z']);
    let (date, time) = main.split_once(['T', 't'])?;
    if date.len() != 8 || time.len() != 6 || !date.bytes().chain(time.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |s: &str| s.parse::<i64>().ok();
    let (y, m, d) = (n(&date[..4])?, n(&date[4..6])?, n(&date[6..])?);
    let (h, mi, sec) = (n(&time[..2])?, n(&time[2..4])?, n(&time[4..])?);
    if !relais_civil::is_valid(y, m, d) || h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    Some(relais_civil::unix_time(y, m, d, h * 3600 + mi * 60 + sec))
}

fn busy_code(b: BusyStatus) -> u8 {
    match b {
        BusyStatus::Free => 0,
        BusyStatus::Tentative => 1,
        BusyStatus::Busy => 2,
        BusyStatus::OutOfOffice => 3,
        BusyStatus::WorkingElsewhere => 4,
    }
}

fn busy_of(code: &str) -> BusyStatus {
    match code {
        "0" => BusyStatus::Free,
        "1" => BusyStatus::Tentative,
        "3" => BusyStatus::OutOfOffice,
        "4" => BusyStatus::WorkingElsewhere,
        _ => BusyStatus::Busy,
    }
}

pub(crate) fn sensitivity_code(s: Sensitivity) -> u8 {
    match s {
        Sensitivity::Normal => 0,
        Sensitivity::Personal => 1,
        Sensitivity::Private => 2,
        Sensitivity::Confidential => 3,
    }
}

pub(crate) fn sensitivity_of(code: &str) -> Sensitivity {
    match code {
        "1" => Sensitivity::Personal,
        "2" => Sensitivity::Private,
        "3" => Sensitivity::Confidential,
        _ => Sensitivity::Normal,
    }
}

fn status_code(s: AttendeeStatus) -> u8 {
    match s {
        AttendeeStatus::Unknown => 0,
        AttendeeStatus::Tentative => 2,
        AttendeeStatus::Accepted => 3,
        AttendeeStatus::Declined => 4,
        AttendeeStatus::NotResponded => 5,
    }
}

fn status_of(code: &str) -> AttendeeStatus {
    match code {
        "2" => AttendeeStatus::Tentative,
        "3" => AttendeeStatus::Accepted,
        "4" => AttendeeStatus::Declined,
        "5" => AttendeeStatus::NotResponded,
        _ => AttendeeStatus::Unknown,
    }
}

/// Whether stored content is an event that ends (its last occurrence, for a series) after `t`.
pub(crate) fn ends_after(content: &[u8], t: i64) -> bool {
    let Some(f) = std::str::from_utf8(content).ok().and_then(EventFields::from_ical) else { return true };
    match &f.recurrence {
        Some(r) if r.until.is_none() => true,
        Some(r) => r.until.is_some_and(|u| u + (f.end - f.start) > t),
        None => f.end > t || f.exceptions.iter().any(|e| e.end.is_some_and(|x| x > t)),
    }
}

/// The Recurrence element (MS-ASCAL §2.2.2.39) of either class: its tags on `page`.
pub(crate) fn recurrence_element(r: &Recurrence, tags: &RecurrenceTags, until: impl Fn(i64) -> String) -> Element {
    let kind = match r.kind {
        RecurrenceKind::Daily => 0,
        RecurrenceKind::Weekly => 1,
        RecurrenceKind::Monthly => 2,
        RecurrenceKind::MonthlyNth => 3,
        RecurrenceKind::Yearly => 5,
        RecurrenceKind::YearlyNth => 6,
    };
    let mut e = Element::new(tags.root).with_leaf(tags.kind, kind.to_string());
    if let Some(u) = r.until {
        e = e.with_leaf(tags.until, until(u));
    } else if let Some(n) = r.occurrences {
        e = e.with_leaf(tags.occurrences, n.to_string());
    }
    if r.interval > 1 {
        e = e.with_leaf(tags.interval, r.interval.to_string());
    }
    if r.days_of_week != 0 {
        e = e.with_leaf(tags.day_of_week, r.days_of_week.to_string());
    }
    if r.day_of_month != 0 {
        e = e.with_leaf(tags.day_of_month, r.day_of_month.to_string());
    }
    if r.week_of_month != 0 {
        e = e.with_leaf(tags.week_of_month, r.week_of_month.to_string());
    }
    if r.month_of_year != 0 {
        e = e.with_leaf(tags.month_of_year, r.month_of_year.to_string());
    }
    e
}

/// The recurrence a device sent; `None` when it is not one.
pub(crate) fn recurrence_from(e: &Element, tags: &RecurrenceTags) -> Option<Recurrence> {
    let num = |t: Tag| text_of(e, t).and_then(|v| v.parse::<u32>().ok());
    let small = |t: Tag, max: u32| num(t).filter(|v| *v <= max).map_or(0, |v| v as u8);
    let kind = match num(tags.kind)? {
        0 => RecurrenceKind::Daily,
        1 => RecurrenceKind::Weekly,
        2 => RecurrenceKind::Monthly,
        3 => RecurrenceKind::MonthlyNth,
        5 => RecurrenceKind::Yearly,
        6 => RecurrenceKind::YearlyNth,
        _ => return None,
    };
    let mut r = Recurrence {
        kind,
        interval: num(tags.interval).filter(|i| (1..=999).contains(i)).unwrap_or(1),
        until: text_of(e, tags.until).and_then(|u| parse_time(&u)),
        occurrences: num(tags.occurrences).filter(|n| (1..=999).contains(n)),
        days_of_week: small(tags.day_of_week, 127),
        day_of_month: small(tags.day_of_month, 31),
        week_of_month: small(tags.week_of_month, 5),
        month_of_year: small(tags.month_of_year, 12),
        first_day_of_week: num(tags.first_day_of_week).filter(|d| *d < 7).map(|d| d as u8),
    };
    // Daily with days is "every weekday": weekly on them (MS-ASCAL §2.2.2.18).
    if r.kind == RecurrenceKind::Daily && r.days_of_week != 0 {
        r.kind = RecurrenceKind::Weekly;
    }
    Some(r)
}

/// The Recurrence tags of a class's code page.
pub(crate) struct RecurrenceTags {
    pub root: Tag,
    pub kind: Tag,
    pub until: Tag,
    pub occurrences: Tag,
    pub interval: Tag,
    pub day_of_week: Tag,
    pub day_of_month: Tag,
    pub week_of_month: Tag,
    pub month_of_year: Tag,
    pub first_day_of_week: Tag,
}

const TAGS: RecurrenceTags = RecurrenceTags {
    root: cal::RECURRENCE,
    kind: cal::TYPE,
    until: cal::UNTIL,
    occurrences: cal::OCCURRENCES,
    interval: cal::INTERVAL,
    day_of_week: cal::DAY_OF_WEEK,
    day_of_month: cal::DAY_OF_MONTH,
    week_of_month: cal::WEEK_OF_MONTH,
    month_of_year: cal::MONTH_OF_YEAR,
    first_day_of_week: cal::FIRST_DAY_OF_WEEK,
};

/// A plain-text AirSyncBase Body (Type 1) holding `text` whole.
pub(crate) fn body_element(text: &str) -> Element {
    body_within(text, &crate::email::BodyPreference::default())
}

/// A plain-text AirSyncBase Body (Type 1) holding `text` cut to the device's TruncationSize
/// (MS-ASAIRS §2.2.2.40.2): then Truncated, EstimatedDataSize the whole text's, and with
/// AllOrNone (§2.2.2.3.2) no Data at all.
pub(crate) fn body_within(text: &str, pref: &crate::email::BodyPreference) -> Element {
    let el = Element::new(base::BODY)
        .with_leaf(base::TYPE, "1")
        .with_leaf(base::ESTIMATED_DATA_SIZE, text.len().to_string());
    match pref.truncation.map(|t| t as usize) {
        Some(max) if text.len() > max => {
            let el = el.with_leaf(base::TRUNCATED, "1");
            if pref.all_or_none { el } else { el.with_leaf(base::DATA, crate::email::cut(text, max)) }
        }
        _ => el.with_leaf(base::DATA, text),
    }
}

/// 16.0 moved Location to AirSyncBase (MS-ASCAL §2.2.2.27).
fn location_element(ctx: &Ctx<'_>, text: &str) -> Element {
    location_for(ctx.version >= relais_eas_proto::ProtocolVersion::V16_0, text)
}

fn location_for(v16: bool, text: &str) -> Element {
    if v16 {
        Element::new(base::LOCATION).with_leaf(base::DISPLAY_NAME, text)
    } else {
        Element::leaf(cal::LOCATION, text)
    }
}

/// The Calendar ApplicationData of a stored object; `None` when it holds no event.
pub(crate) fn application_data(ctx: &Ctx<'_>, content: &[u8]) -> Option<Element> {
    let f = EventFields::from_ical(std::str::from_utf8(content).ok()?)?;
    let me = ctx.principal.address();
    let blob = eas_blob_for(f.time_zone.as_deref(), f.start);
    let mut d = Element::new(a::APPLICATION_DATA)
        .with_leaf(cal::TIME_ZONE, base64::engine::general_purpose::STANDARD.encode(blob))
        .with_leaf(cal::ALL_DAY_EVENT, if f.all_day { "1" } else { "0" });
    if let Some(b) = f.body.as_deref() {
        d.push(body_element(b));
    }
    d.push(Element::leaf(cal::BUSY_STATUS, busy_code(f.busy).to_string()));
    if let Some(o) = &f.organizer {
        d.push(Element::leaf(cal::ORGANIZER_NAME, o.name.clone().unwrap_or_else(|| o.address.clone())));
        d.push(Element::leaf(cal::ORGANIZER_EMAIL, o.address.as_str()));
    }
    d.push(Element::leaf(cal::DT_STAMP, compact(relais_store::now())));
    d.push(Element::leaf(cal::END_TIME, compact(f.end)));
    if let Some(l) = f.location.as_deref() {
        d.push(location_element(ctx, l));
    }
    if let Some(r) = f.reminder {
        d.push(Element::leaf(cal::REMINDER, r.to_string()));
    }
    d.push(Element::leaf(cal::SENSITIVITY, sensitivity_code(f.sensitivity).to_string()));
    d.push(Element::leaf(cal::SUBJECT, f.subject.clone().unwrap_or_default()));
    d.push(Element::leaf(cal::START_TIME, compact(f.start)));
    d.push(Element::leaf(cal::UID, f.uid.as_str()));
    let organizer = f.organizer.as_ref().is_none_or(|o| o.address == me);
    let meeting = match (f.attendees.is_empty(), organizer, f.cancelled) {
        (true, _, _) => 0,
        (false, true, false) => 1,
        (false, false, false) => 3,
        (false, true, true) => 5,
        (false, false, true) => 7,
    };
    d.push(Element::leaf(cal::MEETING_STATUS, meeting.to_string()));
    if !f.attendees.is_empty() {
        d.push(attendees_element(&f.attendees));
    }
    if !f.categories.is_empty() {
        d.push(
            Element::new(cal::CATEGORIES)
                .with_all(f.categories.iter().map(|c| Element::leaf(cal::CATEGORY, c.as_str()))),
        );
    }
    if let Some(r) = &f.recurrence {
        d.push(recurrence_element(r, &TAGS, compact));
        if !f.exceptions.is_empty() {
            let v16 = ctx.version >= relais_eas_proto::ProtocolVersion::V16_0;
            d.push(Element::new(cal::EXCEPTIONS).with_all(f.exceptions.iter().map(|e| exception_element(e, v16))));
        }
    }
    if !organizer {
        // The user's own answer (MS-ASCAL §2.2.2.38 ResponseType: 2 tentative, 3 accepted,
        // 4 declined, 5 not responded).
        let mine = f.attendees.iter().find(|at| at.person.address == me).map_or(0, |at| status_code(at.status));
        d.push(Element::leaf(cal::RESPONSE_REQUESTED, "1"));
        d.push(Element::leaf(cal::RESPONSE_TYPE, mine.to_string()));
    }
    Some(d)
}

/// An exception of a series; the occurrence it replaces named by ExceptionStartTime up to
/// 14.1 and by airsyncbase:InstanceId from 16.0, which has no ExceptionStartTime (MS-ASCAL
/// §2.2.2.23, MS-ASAIRS §2.2.2.25).
fn exception_element(e: &Exception, v16: bool) -> Element {
    let mut x = Element::new(cal::EXCEPTION);
    if e.deleted {
        x = x.with_leaf(cal::DELETED, "1");
    }
    let original = if v16 { base::INSTANCE_ID } else { cal::EXCEPTION_START_TIME };
    x = x.with_leaf(original, compact(e.original_start));
    if e.deleted {
        return x;
    }
    if let Some(s) = &e.subject {
        x = x.with_leaf(cal::SUBJECT, s.as_str());
    }
    if let Some(s) = e.start {
        x = x.with_leaf(cal::START_TIME, compact(s));
    }
    if let Some(s) = e.end {
        x = x.with_leaf(cal::END_TIME, compact(s));
    }
    if let Some(l) = &e.location {
        x = x.with(location_for(v16, l));
    }
    if let Some(b) = &e.body {
        x = x.with(body_element(b));
    }
    if let Some(d) = e.all_day {
        x = x.with_leaf(cal::ALL_DAY_EVENT, if d { "1" } else { "0" });
    }
    if let Some(b) = e.busy {
        x = x.with_leaf(cal::BUSY_STATUS, busy_code(b).to_string());
    }
    if let Some(r) = e.reminder {
        x = x.with_leaf(cal::REMINDER, r.to_string());
    }
    x
}

/// The GlobalObjId of a meeting (MS-ASEMAIL §2.2.2.38, the PidLidGlobalObjectId layout of
/// MS-OXOCAL §2.2.1.27): the class id, no instance date, no creation time, then the UID as
/// the "vCal-Uid" form non-Outlook organizers' meetings take.
pub(crate) fn global_object_id(uid: &str) -> String {
    const CLASS: [u8; 16] = [0x04, 0, 0, 0, 0x82, 0, 0xE0, 0, 0x74, 0xC5, 0xB7, 0x10, 0x1A, 0x82, 0xE0, 0x08];
    let mut data = b"vCal-Uid".to_vec();
    data.extend_from_slice(&1u32.to_le_bytes());
    data.extend_from_slice(uid.as_bytes());
    data.push(0);
    let mut out = CLASS.to_vec();
    out.extend_from_slice(&[0; 4]); // instance date: the whole series
    out.extend_from_slice(&[0; 8]); // creation time
    out.extend_from_slice(&[0; 8]); // reserved
    out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_le_bytes());
    out.extend(data);
    base64::engine::general_purpose::STANDARD.encode(out)
}

const EMAIL_TAGS: RecurrenceTags = RecurrenceTags {
    root: email::RECURRENCE,
    kind: email::TYPE,
    until: email::UNTIL,
    occurrences: email::OCCURRENCES,
    interval: email::INTERVAL,
    day_of_week: email::DAY_OF_WEEK,
    day_of_month: email::DAY_OF_MONTH,
    week_of_month: email::WEEK_OF_MONTH,
    month_of_year: email::MONTH_OF_YEAR,
    first_day_of_week: relais_wbxml::tag::email2::FIRST_DAY_OF_WEEK,
};

/// The email:MeetingRequest of an invitation message (MS-ASEMAIL §2.2.2.48), from the event
/// it carries: what a phone shows with Accept, Tentative and Decline (answered by
/// MeetingResponse).
pub(crate) fn meeting_request(f: &EventFields) -> Element {
    let mut m = Element::new(email::MEETING_REQUEST)
        .with_leaf(email::ALL_DAY_EVENT, if f.all_day { "1" } else { "0" })
        .with_leaf(email::START_TIME, crate::date_time(f.start))
        .with_leaf(email::DT_STAMP, crate::date_time(relais_store::now()))
        .with_leaf(email::END_TIME, crate::date_time(f.end))
        .with_leaf(email::INSTANCE_TYPE, if f.recurrence.is_some() { "1" } else { "0" });
    if let Some(l) = &f.location {
        m = m.with_leaf(email::LOCATION, l.as_str());
    }
    if let Some(o) = &f.organizer {
        let who = match &o.name {
            Some(n) => format!("\"{}\" <{}>", n.replace('"', "'"), o.address),
            None => o.address.clone(),
        };
        m = m.with_leaf(email::ORGANIZER, who);
    }
    if let Some(r) = f.reminder {
        m = m.with_leaf(email::REMINDER, r.to_string());
    }
    m = m.with_leaf(email::RESPONSE_REQUESTED, "1");
    if let Some(r) = &f.recurrence {
        m = m.with(Element::new(email::RECURRENCES).with(recurrence_element(r, &EMAIL_TAGS, crate::date_time)));
    }
    m.with_leaf(email::SENSITIVITY, sensitivity_code(f.sensitivity).to_string())
        .with_leaf(email::BUSY_STATUS, busy_code(f.busy).to_string())
        .with_leaf(
            email::TIME_ZONE,
            base64::engine::general_purpose::STANDARD.encode(eas_blob_for(f.time_zone.as_deref(), f.start)),
        )
        .with_leaf(email::GLOBAL_OBJ_ID, global_object_id(&f.uid))
}

fn attendees_element(list: &[Attendee]) -> Element {
    let list = list.iter().map(|at| {
        let kind = match at.kind {
            AttendeeKind::Required => 1,
            AttendeeKind::Optional => 2,
            AttendeeKind::Resource => 3,
        };
        Element::new(cal::ATTENDEE)
            .with_leaf(cal::EMAIL, at.person.address.as_str())
            .with_leaf(cal::NAME, at.person.name.clone().unwrap_or_else(|| at.person.address.clone()))
            .with_leaf(cal::ATTENDEE_STATUS, status_code(at.status).to_string())
            .with_leaf(cal::ATTENDEE_TYPE, kind.to_string())
    });
    Element::new(cal::ATTENDEES).with_all(list)
}

/// The attendees a device sent (those without an address left out), over the ones stored
/// (`stored`): one already there keeps its answer when the device sends no AttendeeStatus
/// (MS-ASCAL §2.2.2.5: a 16.x client never sends it) and its name when it sends no Name; a
/// new one has not answered yet.
fn attendees_from(list: &Element, stored: &[Attendee]) -> Vec<Attendee> {
    list.children_with(cal::ATTENDEE)
        .filter_map(|at| {
            let address = relais_groupware::scheduling::address_of(&text_of(at, cal::EMAIL)?);
            let known = stored.iter().find(|s| s.person.address == address);
            let name = match text_of(at, cal::NAME) {
                Some(n) => Some(n).filter(|n| !n.is_empty()),
                None => known.and_then(|k| k.person.name.clone()),
            };
            let status = match text_of(at, cal::ATTENDEE_STATUS) {
                Some(s) => status_of(&s),
                None => known.map_or(AttendeeStatus::NotResponded, |k| k.status),
            };
            (!address.is_empty()).then(|| Attendee {
                person: Person { address, name },
                kind: match text_of(at, cal::ATTENDEE_TYPE).as_deref() {
                    Some("2") => AttendeeKind::Optional,
                    Some("3") => AttendeeKind::Resource,
                    _ => AttendeeKind::Required,
                },
                status,
            })
        })
        .collect()
}

/// The location a device sent: calendar:Location (14.x) or AirSyncBase Location (16.x).
fn location_of(e: &Element) -> Option<String> {
    text_of(e, cal::LOCATION)
        .or_else(|| e.child(base::LOCATION).and_then(|l| text_of(l, base::DISPLAY_NAME)))
        .filter(|l| !l.is_empty())
}

fn body_of(e: &Element) -> Option<String> {
    e.child(base::BODY).and_then(|b| text_of(b, base::DATA)).filter(|b| !b.is_empty())
}

/// The zone a TimeZone blob stands for, as an IANA name (a fixed offset of whole hours as
/// `Etc/GMT±h`; any other as UTC).
fn zone_from(data: &Element, at: i64) -> Result<Option<String>, u32> {
    let Some(text) = text_of(data, cal::TIME_ZONE) else { return Ok(None) };
    let blob = base64::engine::general_purpose::STANDARD.decode(text.as_bytes()).map_err(|_| 6u32)?;
    Ok(match zone_of_blob(&blob, at).ok_or(6u32)? {
        Zone::Named(n) if n == "UTC" => None,
        Zone::Named(n) => Some(n),
        Zone::Fixed(m) if m % 60 == 0 && m != 0 => {
            // POSIX-style names: Etc/GMT-1 is one hour east.
            Some(format!("Etc/GMT{}{}", if m > 0 { '-' } else { '+' }, (m / 60).abs()))
        }
        Zone::Fixed(_) => None,
    })
}

/// The stored text for the device's ApplicationData over the stored object (`old`): the
/// fields it sent replace the event's; its body, attendees and exceptions, when it leaves them
/// out, stay as they were (phones send them only when they changed them). From 16.0 every
/// element a Change leaves out is unchanged (ghosting, MS-ASCAL §3.1.5.3); a 14.x client
/// sends them all, and one it leaves out is cleared.
pub(crate) fn content(ctx: &Ctx<'_>, data: &Element, old: Option<&str>) -> Result<String, u32> {
    let me = Person {
        address: ctx.principal.address(),
        name: Some(ctx.principal.display_name.clone()).filter(|n| !n.is_empty()),
    };
    event_text(data, old, me, ctx.version >= relais_eas_proto::ProtocolVersion::V16_0)
}

/// `content` for the user `me`, elements left out of a Change unchanged when `ghosted`.
fn event_text(data: &Element, old: Option<&str>, me: Person, ghosted: bool) -> Result<String, u32> {
    let before = match old {
        Some(t) => Some(EventFields::from_ical(t).ok_or(6u32)?),
        None => None,
    };
    // The stored event, for an element a 16.x Change left out.
    let kept = |t: Tag| before.as_ref().filter(|_| ghosted && !data.has(t));
    let get = |t: Tag| text_of(data, t).filter(|v| !v.is_empty());
    let start = get(cal::START_TIME).and_then(|s| parse_time(&s));
    let start = start.or(before.as_ref().map(|b| b.start)).ok_or(6u32)?;
    let end = get(cal::END_TIME).and_then(|s| parse_time(&s)).or(before.as_ref().map(|b| b.end)).unwrap_or(start);
    let all_day = match kept(cal::ALL_DAY_EVENT) {
        Some(b) => b.all_day,
        None => get(cal::ALL_DAY_EVENT).as_deref() == Some("1"),
    };
    let time_zone = match data.has(cal::TIME_ZONE) {
        true => zone_from(data, start)?,
        false => before.as_ref().and_then(|b| b.time_zone.clone()),
    };
    let uid = before
        .as_ref()
        .map(|b| b.uid.clone())
        .or_else(|| get(cal::UID).or_else(|| get(cal::CLIENT_UID)).filter(|u| u.chars().count() <= 300))
        .unwrap_or_else(|| format!("{:032x}", rand::random::<u128>()));
    let stored = before.as_ref().map_or(&[][..], |b| b.attendees.as_slice());
    let attendees = data.child(cal::ATTENDEES).map(|l| attendees_from(l, stored));
    let recurrence = match kept(cal::RECURRENCE) {
        Some(b) => b.recurrence.clone(),
        None => data.child(cal::RECURRENCE).and_then(|r| recurrence_from(r, &TAGS)),
    };
    let mut f = EventFields {
        uid,
        subject: match kept(cal::SUBJECT) {
            Some(b) => b.subject.clone(),
            None => get(cal::SUBJECT),
        },
        location: match kept(cal::LOCATION).and(kept(base::LOCATION)) {
            Some(b) => b.location.clone(),
            None => location_of(data),
        },
        body: body_of(data).or(before.as_ref().and_then(|b| b.body.clone())),
        start,
        end: end.max(start),
        all_day,
        time_zone,
        busy: match kept(cal::BUSY_STATUS) {
            Some(b) => b.busy,
            None => get(cal::BUSY_STATUS).map_or(BusyStatus::Busy, |b| busy_of(&b)),
        },
        sensitivity: match kept(cal::SENSITIVITY) {
            Some(b) => b.sensitivity,
            None => get(cal::SENSITIVITY).map_or(Sensitivity::Normal, |s| sensitivity_of(&s)),
        },
        reminder: match kept(cal::REMINDER) {
            Some(b) => b.reminder,
            None => get(cal::REMINDER).and_then(|r| r.parse().ok()),
        },
        organizer: before.as_ref().and_then(|b| b.organizer.clone()),
        attendees: attendees.clone().or(before.as_ref().map(|b| b.attendees.clone())).unwrap_or_default(),
        recurrence,
        exceptions: Vec::new(),
        categories: data
            .child(cal::CATEGORIES)
            .map(|c| c.children_with(cal::CATEGORY).map(|x| x.text().trim().to_owned()).collect())
            .or(before.as_ref().map(|b| b.categories.clone()))
            .unwrap_or_default(),
        cancelled: before.as_ref().is_some_and(|b| b.cancelled),
    };
    // A meeting made on the phone is organised by its user.
    if f.organizer.is_none() && !f.attendees.is_empty() {
        f.organizer = Some(me);
    }
    if f.recurrence.is_some() {
        f.exceptions = match data.child(cal::EXCEPTIONS) {
            Some(list) => list.children_with(cal::EXCEPTION).filter_map(|x| exception_from(x, &f)).collect(),
            // Left out: the series' exceptions stay, moved with it when it moved.
            None => before
                .as_ref()
                .filter(|b| b.recurrence == f.recurrence)
                .map(|b| {
                    let shift = f.start - b.start;
                    let moved = |e: &Exception| Exception { original_start: e.original_start + shift, ..e.clone() };
                    b.exceptions.iter().map(moved).collect()
                })
                .unwrap_or_default(),
        };
        f.exceptions.sort_by_key(|e| e.original_start);
        f.exceptions.dedup_by_key(|e| e.original_start);
    }
    Ok(f.to_ical(old))
}

/// What a 16.x Change with InstanceId sets on that one occurrence: each element it sent (one
/// it leaves out is unchanged, MS-ASCAL §3.1.5.3).
pub(crate) fn occurrence_change(data: &Element, original: i64) -> Exception {
    let get = |t: Tag| text_of(data, t).filter(|v| !v.is_empty());
    Exception {
        original_start: original,
        deleted: false,
        subject: get(cal::SUBJECT),
        location: location_of(data),
        body: body_of(data),
        start: get(cal::START_TIME).and_then(|s| parse_time(&s)),
        end: get(cal::END_TIME).and_then(|s| parse_time(&s)),
        all_day: get(cal::ALL_DAY_EVENT).map(|d| d == "1"),
        busy: get(cal::BUSY_STATUS).map(|b| busy_of(&b)),
        reminder: get(cal::REMINDER).and_then(|r| r.parse().ok()),
    }
}

/// An exception a device sent, its fields kept only where they differ from the series; the
/// occurrence it replaces is its ExceptionStartTime (to 14.1) or InstanceId (16.x).
fn exception_from(x: &Element, series: &EventFields) -> Option<Exception> {
    let get = |t: Tag| text_of(x, t).filter(|v| !v.is_empty());
    let original = parse_time(&get(cal::EXCEPTION_START_TIME).or_else(|| get(base::INSTANCE_ID))?)?;
    if get(cal::DELETED).as_deref() == Some("1") {
        return Some(Exception { original_start: original, deleted: true, ..Exception::default() });
    }
    let differs = |v: Option<String>, s: &Option<String>| v.filter(|v| Some(v) != s.as_ref());
    let start = get(cal::START_TIME).and_then(|s| parse_time(&s)).filter(|s| *s != original);
    let end = get(cal::END_TIME)
        .and_then(|s| parse_time(&s))
        .filter(|e| *e != start.unwrap_or(original) + (series.end - series.start));
    let busy = get(cal::BUSY_STATUS).map(|b| busy_of(&b)).filter(|b| *b != series.busy);
    Some(Exception {
        original_start: original,
        deleted: false,
        subject: differs(get(cal::SUBJECT), &series.subject),
        location: differs(location_of(x), &series.location),
        body: differs(body_of(x), &series.body),
        start,
        end: end.map(|e| e.max(start.unwrap_or(original))),
        all_day: get(cal::ALL_DAY_EVENT).map(|d| d == "1").filter(|d| *d != series.all_day),
        busy,
        reminder: get(cal::REMINDER).and_then(|r| r.parse().ok()).filter(|r| Some(*r) != series.reminder),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_from_devices() {
        let t = relais_civil::unix_time(2026, 12, 8, 9 * 3600);
        for s in ["20261208T090000Z", "2026-12-08T09:00:00.000Z", "2026-12-08T09:00:00Z", " 20261208T090000Z "] {
            assert_eq!(parse_time(s), Some(t), "{s}");
        }
        for bad in ["", "2026-12-08", "20261308T090000Z", "20261208T250000Z", "x".repeat(40).as_str()] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
        assert_eq!(compact(t), "20261208T090000Z");
    }

    fn attendee(email: &str, name: Option<&str>, status: Option<&str>) -> Element {
        let mut e = Element::new(cal::ATTENDEE).with_leaf(cal::EMAIL, email);
        if let Some(n) = name {
            e = e.with_leaf(cal::NAME, n);
        }
        if let Some(s) = status {
            e = e.with_leaf(cal::ATTENDEE_STATUS, s);
        }
        e
    }

    #[test]
    fn attendees_without_status_keep_their_answer() {
        let person = |a: &str, n: Option<&str>| Person { address: a.into(), name: n.map(str::to_owned) };
        let stored = vec![
            Attendee {
                person: person("bob@example.com", Some("Bob")),
                status: AttendeeStatus::Accepted,
                ..Attendee::default()
            },
            Attendee {
                person: person("carol@example.com", None),
                status: AttendeeStatus::Declined,
                ..Attendee::default()
            },
        ];
        // (sent, expected name, expected status): a 16.x phone sends neither status nor,
        // sometimes, name.
        let table = [
            (attendee("bob@example.com", None, None), Some("Bob"), AttendeeStatus::Accepted),
            (attendee("Bob@Example.com", Some("Robert"), None), Some("Robert"), AttendeeStatus::Accepted),
            (attendee("carol@example.com", Some("Carol"), Some("3")), Some("Carol"), AttendeeStatus::Accepted),
            (attendee("carol@example.com", None, None), None, AttendeeStatus::Declined),
            (attendee("dave@example.com", None, None), None, AttendeeStatus::NotResponded),
            (attendee("erin@example.com", Some("Erin"), Some("2")), Some("Erin"), AttendeeStatus::Tentative),
        ];
        for (sent, name, status) in table {
            let list = Element::new(cal::ATTENDEES).with(sent.clone());
            let got = attendees_from(&list, &stored);
            assert_eq!(got.len(), 1, "{sent:?}");
            assert_eq!((got[0].person.name.as_deref(), got[0].status), (name, status), "{sent:?}");
        }
    }

    const SERIES: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:s1\r\n\
DTSTAMP:20260101T000000Z\r\nDTSTART:20270104T090000Z\r\nDTEND:20270104T100000Z\r\n\
RRULE:FREQ=WEEKLY;COUNT=4\r\nEXDATE:20270118T090000Z\r\nSUMMARY:Weekly\r\nLOCATION:Room 1\r\n\
TRANSP:TRANSPARENT\r\nCLASS:PRIVATE\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:R\r\n\
TRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:s1\r\nDTSTAMP:20260101T000000Z\r\n\
RECURRENCE-ID:20270111T090000Z\r\nDTSTART:20270111T120000Z\r\nDTEND:20270111T130000Z\r\n\
SUMMARY:Moved\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    #[test]
    fn elements_left_out_of_a_16_change_are_unchanged() {
        let me = Person { address: "me@example.com".into(), name: None };
        let before = EventFields::from_ical(SERIES).unwrap();
        assert!(before.recurrence.is_some() && before.exceptions.len() == 2 && before.reminder == Some(15));
        // A 16.x phone sends only what it changed: here the body.
        let data = Element::new(a::APPLICATION_DATA).with(body_element("notes"));
        let after = EventFields::from_ical(&event_text(&data, Some(SERIES), me.clone(), true).unwrap()).unwrap();
        assert_eq!(after, EventFields { body: Some("notes".into()), ..before.clone() });
        // An element sent empty is cleared.
        let data = Element::new(a::APPLICATION_DATA).with_leaf(cal::SUBJECT, "").with_leaf(cal::REMINDER, "");
        let after = EventFields::from_ical(&event_text(&data, Some(SERIES), me.clone(), true).unwrap()).unwrap();
        assert_eq!((after.subject, after.reminder), (None, None));
        assert_eq!((after.location, after.recurrence), (before.location.clone(), before.recurrence.clone()));
        // A 14.x client sends everything: one left out is cleared.
        let data = Element::new(a::APPLICATION_DATA).with_leaf(cal::SUBJECT, "New");
        let after = EventFields::from_ical(&event_text(&data, Some(SERIES), me, false).unwrap()).unwrap();
        assert_eq!((after.subject.as_deref(), after.location, after.recurrence), (Some("New"), None, None));
        assert_eq!((after.busy, after.sensitivity, after.reminder), (BusyStatus::Busy, Sensitivity::Normal, None));
    }

    /// 16.x names an exception's occurrence by InstanceId (it has no ExceptionStartTime): read
    /// from a phone, and written for one; 14.x keeps ExceptionStartTime.
    #[test]
    fn exceptions_by_version() {
        let me = Person { address: "me@example.com".into(), name: None };
        let series = |exception: Element| {
            Element::new(a::APPLICATION_DATA)
                .with_leaf(cal::SUBJECT, "Weekly")
                .with_leaf(cal::START_TIME, "20270104T090000Z")
                .with_leaf(cal::END_TIME, "20270104T100000Z")
                .with(Element::new(cal::RECURRENCE).with_leaf(cal::TYPE, "1").with_leaf(cal::OCCURRENCES, "4"))
                .with(Element::new(cal::EXCEPTIONS).with(exception))
        };
        let second = relais_civil::unix_time(2027, 1, 11, 9 * 3600);
        let third = relais_civil::unix_time(2027, 1, 18, 9 * 3600);
        let deleted = Exception { original_start: second, deleted: true, ..Exception::default() };
        let moved = Exception { original_start: third, start: Some(third + 3600), ..Exception::default() };
        for (sent, want) in [
            (
                Element::new(cal::EXCEPTION)
                    .with_leaf(cal::DELETED, "1")
                    .with_leaf(base::INSTANCE_ID, "20270111T090000Z"),
                &deleted,
            ),
            (
                Element::new(cal::EXCEPTION)
                    .with_leaf(cal::EXCEPTION_START_TIME, "20270111T090000Z")
                    .with_leaf(cal::DELETED, "1"),
                &deleted,
            ),
            (
                Element::new(cal::EXCEPTION)
                    .with_leaf(base::INSTANCE_ID, "20270118T090000Z")
                    .with_leaf(cal::START_TIME, "20270118T100000Z"),
                &moved,
            ),
        ] {
            let text = event_text(&series(sent.clone()), None, me.clone(), true).unwrap();
            let f = EventFields::from_ical(&text).unwrap();
            assert_eq!(f.exceptions.len(), 1, "{sent:?}");
            let got = &f.exceptions[0];
            assert_eq!((got.original_start, got.deleted, got.start), (want.original_start, want.deleted, want.start));
        }
        let named = |e: &Element, tag| e.text_of(tag).map(|t| t.into_owned());
        let x16 = exception_element(&deleted, true);
        assert_eq!(
            (named(&x16, base::INSTANCE_ID), named(&x16, cal::EXCEPTION_START_TIME)),
            (Some("20270111T090000Z".into()), None)
        );
        let x14 = exception_element(&deleted, false);
        assert_eq!(
            (named(&x14, base::INSTANCE_ID), named(&x14, cal::EXCEPTION_START_TIME)),
            (None, Some("20270111T090000Z".into()))
        );
    }

    #[test]
    fn an_occurrence_change_holds_what_was_sent() {
        let t = relais_civil::unix_time(2027, 1, 11, 9 * 3600);
        let data = Element::new(a::APPLICATION_DATA)
            .with_leaf(cal::SUBJECT, "Moved")
            .with_leaf(cal::START_TIME, "20270111T100000Z")
            .with_leaf(cal::BUSY_STATUS, "0");
        let want = Exception {
            original_start: t,
            subject: Some("Moved".into()),
            start: Some(t + 3600),
            busy: Some(BusyStatus::Free),
            ..Exception::default()
        };
        assert_eq!(occurrence_change(&data, t), want);
    }

    #[test]
    fn global_object_ids() {
        let id = base64::engine::general_purpose::STANDARD.decode(global_object_id("abc")).unwrap();
        assert_eq!(&id[..4], &[0x04, 0, 0, 0]);
        assert_eq!(&id[36..40], &16u32.to_le_bytes());
        assert_eq!(&id[40..], b"vCal-Uid\x01\x00\x00\x00abc\x00");
    }
}
