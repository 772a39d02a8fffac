//! An event or a task as JSCalendar (RFC 8984) and back, for JMAP Calendars
//! (draft-ietf-jmap-calendars §5), JMAP for Task Lists (draft-ietf-jmap-tasks §3) and any
//! other client of whole JSON objects: calcard's conversion (draft-ietf-calext-jscalendar-
//! icalendar: VEVENT ↔ Event, VTODO ↔ Task), which keeps what has no JSCalendar property in
//! `iCalendar` and the overridden occurrences in `recurrenceOverrides`, so an object read and
//! written back keeps what its writer stored. The stored form stays the iCalendar object,
//! checked as any object written over CalDAV is (one UID, no METHOD, recurrence within the
//! limits).

use calcard::icalendar::ICalendar;
use std::str::FromStr;

use calcard::jscalendar::import::ConversionOptions;
use calcard::jscalendar::{JSCalendar, JSCalendarProperty};
use serde_json::{Map, Value, json};

use crate::event::EventFields;
use crate::task::TaskFields;
use crate::{CalendarObject, ComponentKind, Invalid};

/// Properties of a JMAP CalendarEvent that are the server's or the request's, not the event's
/// (draft-ietf-jmap-calendars §5: id, calendarIds, isDraft, isOrigin, utcStart, utcEnd; an
/// iTIP `method` is never stored, RFC 4791 §4.1).
pub const SERVER_SET: [&str; 8] =
    ["id", "calendarIds", "isDraft", "isOrigin", "utcStart", "utcEnd", "method", "blobId"];

/// Properties of a JMAP Task that are the server's or the request's, not the task's
/// (draft-ietf-jmap-tasks §3: id, taskListId, isDraft, utcStart, utcDue).
pub const TASK_SERVER_SET: [&str; 7] = ["id", "taskListId", "isDraft", "utcStart", "utcDue", "method", "blobId"];

/// The PRODID of the iCalendar objects written from JSCalendar (RFC 5545 §3.7.3).
pub const PRODID: &str = "-//Relais//JMAP Calendars//EN";

/// Most octets of the JSON of one event converted (the request's own bound is larger).
pub const MAX_EVENT_JSON: usize = 1024 * 1024;

/// Most octets of the series' values repeated in its overriding instances, all together (each
/// is written whole): an event of 1 MiB with 1,000 overrides is refused, not made 1 GiB.
pub const MAX_INSTANCES_JSON: usize = 8 * 1024 * 1024;

/// The first top-level property of `object` that JSCalendar (with JMAP Calendars' additions)
/// does not define and that is no vendor property (RFC 8984 §3.3: a name with a domain
/// prefix, `example.com:foo`).
pub fn unknown_property(object: &Map<String, Value>) -> Option<&str> {
    object.keys().map(String::as_str).find(|k| !k.contains(':') && JSCalendarProperty::<String>::from_str(k).is_err())
}

/// Top-level properties of an Event and the JSON type each must have (RFC 8984 §4–5): calcard
/// drops a value of another type without a word, so it is refused here instead.
const SHAPES: &[(&str, Shape)] = &[
    ("uid", Shape::String),
    ("title", Shape::String),
    ("description", Shape::String),
    ("descriptionContentType", Shape::String),
    ("start", Shape::String),
    ("duration", Shape::String),
    ("due", Shape::String),
    ("estimatedDuration", Shape::String),
    ("progress", Shape::String),
    ("progressUpdated", Shape::String),
    ("percentComplete", Shape::Number),
    ("timeZone", Shape::String),
    ("status", Shape::String),
    ("freeBusyStatus", Shape::String),
    ("privacy", Shape::String),
    ("color", Shape::String),
    ("locale", Shape::String),
    ("created", Shape::String),
    ("updated", Shape::String),
    ("organizerCalendarAddress", Shape::String),
    ("recurrenceId", Shape::String),
    ("sequence", Shape::Number),
    ("priority", Shape::Number),
    ("showWithoutTime", Shape::Bool),
    ("excluded", Shape::Bool),
    ("participants", Shape::Object),
    ("locations", Shape::Object),
    ("virtualLocations", Shape::Object),
    ("links", Shape::Object),
    ("alerts", Shape::Object),
    ("keywords", Shape::Object),
    ("categories", Shape::Object),
    ("localizations", Shape::Object),
    ("relatedTo", Shape::Object),
    ("replyTo", Shape::Object),
    ("recurrenceOverrides", Shape::Object),
    ("recurrenceRule", Shape::Object),
    ("excludedRecurrenceRules", Shape::Array),
    ("recurrenceRules", Shape::Array),
];

#[derive(Clone, Copy)]
enum Shape {
    String,
    Number,
    Bool,
    Object,
    Array,
}

/// The first top-level property whose value has the wrong JSON type (null is "not set").
pub fn mistyped_property(object: &Map<String, Value>) -> Option<&str> {
    SHAPES.iter().map(|(k, shape)| (*k, *shape)).find_map(|(k, shape)| {
        let ok = match (object.get(k)?, shape) {
            (Value::Null, _) => true,
            (v, Shape::String) => v.is_string(),
            (v, Shape::Number) => v.is_i64(),
            (v, Shape::Bool) => v.is_boolean(),
            (v, Shape::Object) => v.is_object(),
            (v, Shape::Array) => v.is_array(),
        };
        (!ok).then_some(k)
    })
}

/// The event of a calendar object as a JSCalendar Event object (its overridden occurrences
/// in `recurrenceOverrides`), without the JMAP properties.
pub fn to_jscalendar(object: &CalendarObject) -> Map<String, Value> {
    let options = ConversionOptions::default().return_first(true);
    let ical = object.ical.clone();
    // calcard checks its own invariants with debug assertions, which an odd stored object
    // (written over CalDAV or iMIP) could trip: such an object shows as nothing, not a panic.
    let converted = std::panic::catch_unwind(move || {
        let js: JSCalendar<'static, String, String> = ical.into_jscalendar_with_opt(options);
        serde_json::to_value(&js)
    });
    let mut m = match converted {
        Ok(Ok(Value::Object(m))) => m,
        _ => {
            tracing::warn!(uid = %object.uid, "jscalendar: a stored event could not be converted");
            Map::new()
        }
    };
    m.remove("method");
    patches_of_instances(&mut m);
    m
}

/// Properties of a series that an instance does not take from it when written whole: the
/// series' own (its identity, rules and overrides, RFC 8984 §4.3.5's forbidden patches),
/// calcard's kept iCalendar properties, and the start, which is the recurrence id's.
const SERIES_ONLY: [&str; 12] = [
    "@type",
    "uid",
    "start",
    "recurrenceRule",
    "recurrenceRules",
    "excludedRecurrenceRules",
    "recurrenceOverrides",
    "recurrenceId",
    "recurrenceIdTimeZone",
    "iCalendar",
    "method",
    "relatedTo",
];

/// RFC 8984 §4.3.5: an override is a patch of the series. iCalendar writes an overridden
/// instance whole (RFC 5545 §3.8.4.4: a component of its own, with the series' SUMMARY,
/// DURATION… repeated), and calcard reads each of its properties into the override; what is
/// the series' own value is dropped again here, so that a change of the series (a title for all
/// occurrences) reaches every instance that did not change it — and an unmoved instance's
/// start, which is its recurrence id.
fn patches_of_instances(event: &mut Map<String, Value>) {
    let Some(Value::Object(mut overrides)) = event.remove("recurrenceOverrides") else { return };
    for (id, patch) in overrides.iter_mut() {
        let Value::Object(p) = patch else { continue };
        p.retain(|k, v| event.get(k) != Some(v));
        if p.get("start").and_then(Value::as_str) == Some(id.as_str()) && !p.contains_key("timeZone") {
            p.remove("start");
        }
    }
    event.insert("recurrenceOverrides".into(), Value::Object(overrides));
}

/// The series' values an override does not patch, put in it (RFC 5545 §3.8.4.4: an instance is
/// written whole), its start the recurrence id unless moved (RFC 5545 wants a DTSTART), and
/// `updated` — DTSTAMP, which every VEVENT has (RFC 5545 §3.6.1) — now, on the series and on
/// each instance. calcard writes an overriding component only from what the override says.
fn instances_whole(object: &mut Map<String, Value>) -> Result<(), Invalid> {
    let now = Value::String(relais_civil::rfc3339_utc(relais_store::now()));
    object.insert("updated".into(), now);
    let series: Vec<(String, Value)> = object
        .iter()
        .filter(|(k, _)| !SERIES_ONLY.contains(&k.as_str()) && !k.contains(':'))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let Some(Value::Object(overrides)) = object.get_mut("recurrenceOverrides") else { return Ok(()) };
    let instances = overrides.values().filter(|p| p.get("excluded") != Some(&Value::Bool(true))).count();
    let each: usize = series.iter().map(|(k, v)| k.len() + v.to_string().len()).sum();
    if each.saturating_mul(instances) > MAX_INSTANCES_JSON {
        return Err(Invalid::data("the event is too large"));
    }
    for (id, patch) in overrides.iter_mut() {
        let Value::Object(p) = patch else { continue };
        if p.get("excluded") == Some(&Value::Bool(true)) {
            continue;
        }
        if !p.contains_key("start") {
            p.insert("start".into(), Value::String(id.clone()));
        }
        for (k, v) in &series {
            // A patch by path (`locations/l1/name`) changes part of that property: kept as it is.
            let deeper = format!("{k}/");
            if !p.contains_key(k) && !p.keys().any(|pk| pk.starts_with(&deeper)) {
                p.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(())
}

/// A JSCalendar Event object as the iCalendar text to store, checked as any object written
/// over CalDAV is (`CalendarObject::parse`): one event with a `uid`, no METHOD, its recurrence
/// within the limits.
pub fn from_jscalendar(object: &Map<String, Value>) -> Result<(String, CalendarObject), Invalid> {
    let mut object = object.clone();
    for k in SERVER_SET {
        object.remove(k);
    }
    if !object.get("start").is_some_and(Value::is_string) {
        return Err(Invalid::object("start is required"));
    }
    convert(object, ComponentKind::Event)
}

/// A JSCalendar Task object (RFC 8984 §5.2) as the iCalendar VTODO to store, checked as
/// `from_jscalendar` checks an event; a task needs no start nor due.
pub fn from_jstask(object: &Map<String, Value>) -> Result<(String, CalendarObject), Invalid> {
    let mut object = object.clone();
    for k in TASK_SERVER_SET {
        object.remove(k);
    }
    convert(object, ComponentKind::Todo)
}

/// The JSCalendar type of a component kind converted here.
fn type_name(kind: ComponentKind) -> &'static str {
    if kind == ComponentKind::Todo { "Task" } else { "Event" }
}

/// The object, without the JMAP properties, as iCalendar text holding one `kind`.
fn convert(mut object: Map<String, Value>, kind: ComponentKind) -> Result<(String, CalendarObject), Invalid> {
    if let Some(k) = unknown_property(&object) {
        return Err(Invalid::object(format!("unknown property {k}")));
    }
    if let Some(k) = mistyped_property(&object) {
        return Err(Invalid::object(format!("{k} has the wrong type")));
    }
    let wanted = type_name(kind);
    if object.get("@type").and_then(Value::as_str) != Some(wanted) {
        return Err(Invalid::object(format!("@type must be {wanted}")));
    }
    if !object.get("uid").is_some_and(|u| u.as_str().is_some_and(|s| !s.is_empty() && s.len() <= 1024)) {
        return Err(Invalid::object("uid is required"));
    }
    if let Some(k) = malformed_time(&object) {
        return Err(Invalid::object(format!("{k} is not a date-time or duration of RFC 8984 §1.4")));
    }
    if let Some(why) = malformed_participant(&object) {
        return Err(Invalid::object(why));
    }
    if Value::Object(object.clone()).to_string().len() > MAX_EVENT_JSON {
        return Err(Invalid::data(format!("the {} is too large", wanted.to_lowercase())));
    }
    instances_whole(&mut object)?;
    // calcard writes the VCALENDAR (VERSION, PRODID) of a Group, and the overridden
    // occurrences as components of their own beside the event.
    let group = json!({ "@type": "Group", "prodId": PRODID, "entries": [Value::Object(object)] });
    let text = group.to_string();
    let out = std::panic::catch_unwind(|| icalendar_of(&text)).unwrap_or_else(|_| {
        // calcard checks its own invariants with debug assertions, which odd input can trip.
        Err(Invalid::data("the object cannot be written as iCalendar"))
    })?;
    let out = with_zones(out);
    let parsed = CalendarObject::parse(&out)?;
    if parsed.kind != kind {
        return Err(Invalid::object(format!("@type must be {wanted}")));
    }
    Ok((out, parsed))
}

/// The first of the object's date-times (RFC 8984 §1.4.4 LocalDateTime: start, due;
/// §1.4.3 UTCDateTime: progressUpdated, created, updated) or durations (§1.4.6: duration,
/// estimatedDuration) that is not one: calcard would drop it without a word, and a task's
/// due date lost is worse than refused.
pub fn malformed_time(object: &Map<String, Value>) -> Option<&'static str> {
    const LOCAL: [&str; 2] = ["start", "due"];
    const UTC: [&str; 3] = ["progressUpdated", "created", "updated"];
    const DURATIONS: [&str; 2] = ["duration", "estimatedDuration"];
    let text = |k: &str| object.get(k).and_then(Value::as_str);
    if let Some(k) = LOCAL.into_iter().find(|k| text(k).is_some_and(|v| local_date_time(v).is_none())) {
        return Some(k);
    }
    let utc =
        |v: &str| v.strip_suffix('Z').is_some_and(|l| local_date_time(l.split('.').next().unwrap_or(l)).is_some());
    if let Some(k) = UTC.into_iter().find(|k| text(k).is_some_and(|v| !utc(v))) {
        return Some(k);
    }
    DURATIONS.into_iter().find(|k| text(k).is_some_and(|v| crate::event::duration(v).is_none_or(|d| d < 0)))
}

/// Why a participant cannot be written (RFC 8984 §4.4.6), if one cannot: each is a
/// Participant object with a calendar address — iCalendar's ATTENDEE is an address (RFC 5545
/// §3.8.4.1), and calcard, given one without, writes an ATTENDEE with no value (its debug
/// assertion fails; found by the `jscalendar` fuzz target).
fn malformed_participant(object: &Map<String, Value>) -> Option<String> {
    let Some(Value::Object(participants)) = object.get("participants") else { return None };
    participants.iter().find_map(|(id, p)| {
        let Value::Object(p) = p else { return Some(format!("participant {id} is not an object")) };
        if p.get("@type").is_some_and(|t| t.as_str() != Some("Participant")) {
            return Some(format!("participant {id}: @type must be Participant"));
        }
        match p.get("calendarAddress") {
            Some(Value::String(a)) if !a.is_empty() => None,
            _ => Some(format!("participant {id} needs a calendarAddress")),
        }
    })
}

/// The text with a VTIMEZONE (RFC 5545 §3.6.5: one for each TZID an object names) for each
/// IANA zone it names and does not define — calcard writes the TZID only — with the zone's
/// rules of the event's year, as the ActiveSync conversion writes them (`timezone`).
fn with_zones(text: String) -> String {
    let unfolded = text.replace("\r\n ", "").replace("\r\n\t", "");
    let mut named: Vec<String> = Vec::new();
    for line in unfolded.lines() {
        let Some((head, _)) = line.split_once(':') else { continue };
        for param in head.split(';').skip(1) {
            if let Some(v) = param.strip_prefix("TZID=").map(|v| v.trim_matches('"').to_owned())
                && !named.contains(&v)
            {
                named.push(v);
            }
        }
    }
    let defined = |z: &str| unfolded.lines().any(|l| l.strip_prefix("TZID:") == Some(z));
    let start = EventFields::from_ical(&text)
        .map(|f| f.start)
        .or_else(|| TaskFields::from_ical(&text).and_then(|t| t.start.or(t.due)).map(|d| d.utc))
        .unwrap_or_else(relais_store::now);
    let year = relais_civil::DateTime::from_unix(start).year;
    let mut zones = String::new();
    for z in named.iter().filter(|z| !defined(z)) {
        if let Some(tz) = crate::timezone::zone(z) {
            for line in crate::timezone::ZoneRules::of(&tz, year).vtimezone(z) {
                zones.push_str(&line);
                zones.push_str("\r\n");
            }
        }
    }
    match text.find("BEGIN:VEVENT").or_else(|| text.find("BEGIN:VTODO")) {
        Some(at) if !zones.is_empty() => format!("{}{zones}{}", &text[..at], &text[at..]),
        _ => text,
    }
}

/// The UTC instant (Unix seconds) of a recurrence id — a LocalDateTime key of
/// `recurrenceOverrides` (RFC 8984 §4.3.5) — in the event's `timeZone` (floating: as UTC).
pub fn recurrence_id_utc(event: &Map<String, Value>, recurrence_id: &str) -> Option<i64> {
    let local = local_date_time(recurrence_id)?;
    let zone = event.get("timeZone").and_then(Value::as_str).and_then(crate::timezone::zone);
    Some(zone.map_or(local, |z| crate::timezone::utc_of_local(&z, local)))
}

/// A LocalDateTime (RFC 8984 §1.4.4, `2026-12-11T10:00:00`) as Unix seconds as if it were
/// UTC; `None` when it is not one.
pub fn local_date_time(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let shaped = b.len() == 19 && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':' && b[16] == b':';
    if !shaped {
        return None;
    }
    let n = |r: std::ops::Range<usize>| {
        s.get(r).filter(|t| t.bytes().all(|c| c.is_ascii_digit())).and_then(|t| t.parse::<i64>().ok())
    };
    let (y, mo, d) = (n(0..4)?, n(5..7)?, n(8..10)?);
    let (h, mi, se) = (n(11..13)?, n(14..16)?, n(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    Some(relais_civil::days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se)
}

/// The iCalendar text of a JSCalendar Group's JSON.
fn icalendar_of(json: &str) -> Result<String, Invalid> {
    let js =
        JSCalendar::<String, String>::parse(json).map_err(|e| Invalid::data(format!("not a JSCalendar event: {e}")))?;
    let ical: ICalendar =
        js.into_icalendar().ok_or_else(|| Invalid::data("the event cannot be written as iCalendar"))?;
    Ok(ical.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\nUID:ev-1\r\n\
DTSTAMP:20261201T090000Z\r\nDTSTART;TZID=Europe/Paris:20261210T100000\r\nDURATION:PT1H\r\nSUMMARY:Standup\r\n\
LOCATION:Room 1\r\nRRULE:FREQ=DAILY;COUNT=5\r\nX-KEPT:yes\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:ev-1\r\n\
DTSTAMP:20261201T090000Z\r\nRECURRENCE-ID;TZID=Europe/Paris:20261211T100000\r\n\
DTSTART;TZID=Europe/Paris:20261211T110000\r\nDURATION:PT1H\r\nSUMMARY:Standup (late)\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";

    #[test]
    fn an_event_both_ways() {
        let js = to_jscalendar(&CalendarObject::parse(EVENT).unwrap());
        assert_eq!(js["@type"], "Event", "{js:?}");
        assert_eq!((js["uid"].as_str(), js["title"].as_str()), (Some("ev-1"), Some("Standup")));
        assert_eq!(
            (js["start"].as_str(), js["timeZone"].as_str()),
            (Some("2026-12-10T10:00:00"), Some("Europe/Paris"))
        );
        assert_eq!(js["duration"], "PT1H");
        assert_eq!(js["recurrenceRule"]["frequency"], "daily", "{js:?}");
        let overrides = js["recurrenceOverrides"].as_object().unwrap();
        assert_eq!(overrides["2026-12-11T10:00:00"]["title"], "Standup (late)", "{overrides:?}");
        let (text, back) = from_jscalendar(&js).unwrap();
        assert_eq!(back.uid, "ev-1");
        assert!(text.contains("SUMMARY:Standup") && text.contains("X-KEPT:yes"), "{text}");
        assert!(text.contains("RECURRENCE-ID;TZID=Europe/Paris:20261211T100000"), "{text}");
        assert!(text.contains("DTSTART;TZID=Europe/Paris:20261210T100000") && text.contains("PRODID:"), "{text}");
        // RFC 5545 §3.6.5: the zone it names is defined, once.
        assert_eq!(text.matches("BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\n").count(), 1, "{text}");
        // A recurrence id read in the event's zone: 10:00 in Paris in December is 09:00 UTC.
        assert_eq!(recurrence_id_utc(&js, "2026-12-11T10:00:00"), Some(1_796_979_600));
        assert_eq!(recurrence_id_utc(&Map::new(), "2026-12-11T10:00:00"), Some(1_796_983_200), "floating: as UTC");
        for bad in ["2026-12-11", "2026-13-11T10:00:00", "2026-12-11T10:00:00Z", "x"] {
            assert_eq!(recurrence_id_utc(&js, bad), None, "{bad}");
        }
        let again = to_jscalendar(&back);
        let (text, _) = from_jscalendar(&again).unwrap();
        assert_eq!(text.matches("BEGIN:VTIMEZONE").count(), 1, "read and written again: {again:?}\n{text}");
    }

    /// An occurrence moved by a patch of its start alone is written whole (the series' title,
    /// duration and location repeated, a DTSTAMP on each VEVENT) and read back as that patch;
    /// the series renamed then renames it, and not one whose own title differs.
    #[test]
    fn overrides_written_whole_and_read_as_patches() {
        let series = json!({
            "@type": "Event", "uid": "w-1", "title": "Sync", "start": "2026-12-09T09:00:00",
            "timeZone": "Europe/Berlin", "duration": "PT30M", "locations": {"l1": {"@type": "Location", "name": "Room 4"}},
            "recurrenceRule": {"@type": "RecurrenceRule", "frequency": "weekly", "count": 4},
            "recurrenceOverrides": {
                "2026-12-16T09:00:00": {"start": "2026-12-16T11:00:00"},
                "2026-12-23T09:00:00": {"title": "Sync (demo)"},
                "2026-12-30T09:00:00": {"excluded": true},
            },
        });
        let (text, _) = from_jscalendar(series.as_object().unwrap()).unwrap();
        assert_eq!(text.matches("BEGIN:VEVENT").count(), 3, "{text}");
        assert_eq!(text.matches("DTSTAMP:").count(), 3, "a DTSTAMP in each VEVENT: {text}");
        assert_eq!(text.lines().filter(|l| l.trim_end() == "SUMMARY:Sync").count(), 2, "{text}");
        assert_eq!(
            text.lines().filter(|l| l.starts_with("LOCATION") && l.trim_end().ends_with(":Room 4")).count(),
            3,
            "{text}"
        );
        assert!(text.contains("RECURRENCE-ID;TZID=Europe/Berlin:20261216T090000"), "{text}");
        assert!(text.contains("DTSTART;TZID=Europe/Berlin:20261216T110000"), "{text}");
        assert!(text.contains("EXDATE;TZID=Europe/Berlin:20261230T090000"), "{text}");

        let mut js = to_jscalendar(&CalendarObject::parse(&text).unwrap());
        let overrides = js["recurrenceOverrides"].clone();
        assert_eq!(overrides["2026-12-16T09:00:00"], json!({"start": "2026-12-16T11:00:00"}), "{overrides}");
        assert_eq!(overrides["2026-12-23T09:00:00"], json!({"title": "Sync (demo)"}), "{overrides}");
        assert_eq!(overrides["2026-12-30T09:00:00"], json!({"excluded": true}), "{overrides}");

        js.insert("title".into(), json!("Sync (all)"));
        let (text, _) = from_jscalendar(&js).unwrap();
        assert_eq!(text.lines().filter(|l| l.trim_end() == "SUMMARY:Sync (all)").count(), 2, "{text}");
        assert_eq!(text.lines().filter(|l| l.trim_end() == "SUMMARY:Sync (demo)").count(), 1, "{text}");
        let back = to_jscalendar(&CalendarObject::parse(&text).unwrap());
        assert_eq!(back["recurrenceOverrides"], overrides, "read back as the same patches");

        // Hostile: a large series with many overrides is refused before it is repeated in each.
        let many: Map<String, Value> = (0..2000)
            .map(|i| (format!("2027-01-01T{:02}:{:02}:00", i / 60 % 24, i % 60), json!({"title": "x"})))
            .collect();
        let mut big = series.as_object().unwrap().clone();
        big.insert("description".into(), json!("d".repeat(8000)));
        big.insert("recurrenceOverrides".into(), Value::Object(many));
        let e = from_jscalendar(&big).unwrap_err();
        assert!(e.message.contains("too large"), "{}", e.message);
        big.insert("description".into(), json!("d".repeat(2_000_000)));
        assert!(from_jscalendar(&big).unwrap_err().message.contains("too large"));
    }

    #[test]
    fn an_event_from_jscalendar_and_refusals() {
        let m = json!({
            "@type": "Event", "uid": "u-2", "title": "Lunch", "start": "2026-12-12T12:00:00",
            "timeZone": "Europe/Berlin", "duration": "PT1H30M", "id": "x", "calendarIds": {"k1": true},
            "participants": {"p1": {"@type": "Participant", "calendarAddress": "mailto:ann@example.com",
                "roles": {"owner": true, "attendee": true}}},
        });
        let (text, obj) = from_jscalendar(m.as_object().unwrap()).unwrap();
        assert_eq!(obj.uid, "u-2");
        assert_eq!(unknown_property(m.as_object().unwrap()), None);
        let vendor = json!({"@type": "Event", "example.com:x": 1, "titel": "x"});
        assert_eq!(unknown_property(vendor.as_object().unwrap()), Some("titel"));
        assert!(text.contains("SUMMARY:Lunch") && text.contains("DTSTART;TZID=Europe/Berlin"), "{text}");
        assert!(
            text.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n") && text.contains("TZOFFSETTO:+0200"),
            "{text}"
        );
        for bad in [
            json!({"@type": "Task", "uid": "t", "start": "2026-12-12T12:00:00"}),
            json!({"@type": "Event", "start": "2026-12-12T12:00:00"}),
            json!({"@type": "Event", "uid": "u"}),
            json!({"@type": "Event", "uid": "u", "start": 7}),
            json!({"@type": "Event", "uid": "u", "start": "2026-12-12T12:00:00", "colour": "red"}),
            json!({"@type": "Event", "uid": "u", "start": "2026-12-12T12:00:00", "participants": 7}),
            json!({"@type": "Event", "uid": "u", "start": "2026-12-12T12:00:00", "title": ["x"]}),
        ] {
            assert!(from_jscalendar(bad.as_object().unwrap()).is_err(), "{bad}");
        }
        // A participant calcard cannot write (no calendar address; the earlier drafts' sendTo
        // only, or the fuzz target's find: a stray @type and no address) is refused, never a
        // panic nor an ATTENDEE without a value.
        let odd = json!({"@type": "Event", "uid": "o", "start": "2026-12-12T12:00:00",
            "participants": {"p": {"@type": "Participant", "sendTo": {"imip": "mailto:x@y"}}}});
        assert!(from_jscalendar(odd.as_object().unwrap()).is_err());
        let found: Value =
            serde_json::from_str(include_str!("../fuzz/corpus/jscalendar/participant-without-address.json")).unwrap();
        let e = from_jscalendar(found.as_object().unwrap()).unwrap_err();
        assert!(e.message.contains("participant p1"), "{}", e.message);
        for bad in [
            json!({"p": 7}),
            json!({"p": {"@type": "Location", "calendarAddress": "mailto:x@y"}}),
            json!({"p": {"calendarAddress": ""}}),
        ] {
            let e = json!({"@type": "Event", "uid": "o", "start": "2026-12-12T12:00:00", "participants": bad});
            assert!(from_jscalendar(e.as_object().unwrap()).is_err(), "{e}");
        }
        // A rule past the limits is refused as over CalDAV.
        let huge = json!({"@type": "Event", "uid": "h", "start": "2026-12-12T12:00:00",
            "recurrenceRules": [{"@type": "RecurrenceRule", "frequency": "yearly",
                "byMonth": ["1","2","3","4","5","6","7","8","9","10","11","12"],
                "byMonthDay": (1..=31).collect::<Vec<i32>>(), "byHour": (0..24).collect::<Vec<i32>>(),
                "byMinute": (0..60).collect::<Vec<i32>>(), "bySecond": (0..60).collect::<Vec<i32>>()}]});
        let huge = json!({"@type": "Event", "uid": "h", "start": "2026-12-12T12:00:00",
            "recurrenceRule": huge["recurrenceRules"][0].clone()});
        assert!(from_jscalendar(huge.as_object().unwrap()).is_err());
    }
}
