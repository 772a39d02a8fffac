use relais_civil::unix_time;

use super::*;
use crate::CalendarObject;
use crate::rrule::RecurrenceKind;

const EVENT: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other//Client//EN\r\nX-WR-CALNAME:Work\r\n\
BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nTZOFFSETFROM:+0200\r\n\
TZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n\
BEGIN:VEVENT\r\nUID:ev-1\r\nDTSTAMP:20261201T000000Z\r\nDTSTART;TZID=Europe/Berlin:20261208T100000\r\n\
DTEND;TZID=Europe/Berlin:20261208T113000\r\nSUMMARY:Planning\\, weekly\r\nLOCATION:Room 1\r\n\
DESCRIPTION:Agenda:\\n1. news\r\nCLASS:PRIVATE\r\nTRANSP:OPAQUE\r\nCATEGORIES:Work,Planning\r\n\
ORGANIZER;CN=Ann:mailto:ann@example.com\r\n\
ATTENDEE;CN=Bob;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=TRUE:mailto:bob@example.com\r\n\
ATTENDEE;ROLE=OPT-PARTICIPANT;PARTSTAT=NEEDS-ACTION:mailto:carol@example.com\r\n\
ATTENDEE;CUTYPE=ROOM;PARTSTAT=ACCEPTED:mailto:room1@example.com\r\n\
RRULE:FREQ=WEEKLY;UNTIL=20270301T090000Z;BYDAY=TU\r\nEXDATE;TZID=Europe/Berlin:20261222T100000\r\n\
X-CUSTOM;X-P=1:kept\r\nSEQUENCE:3\r\n\
BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER:-PT15M\r\nX-ALARM-KEPT:1\r\nEND:VALARM\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:ev-1\r\nRECURRENCE-ID;TZID=Europe/Berlin:20261215T100000\r\nDTSTAMP:20261201T000000Z\r\n\
DTSTART;TZID=Europe/Berlin:20261215T140000\r\nDTEND;TZID=Europe/Berlin:20261215T153000\r\nSUMMARY:Planning (moved)\r\n\
LOCATION:Room 1\r\nX-OVERRIDE-KEPT:yes\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

fn unfold(text: &str) -> String {
    text.replace("\r\n ", "")
}

fn berlin(y: i64, m: i64, d: i64, h: i64, mi: i64) -> i64 {
    // December: UTC+1.
    unix_time(y, m, d, h * 3600 + mi * 60) - 3600
}

#[test]
fn an_event_read_as_fields() {
    let f = EventFields::from_ical(EVENT).unwrap();
    assert_eq!(f.uid, "ev-1");
    assert_eq!(f.subject.as_deref(), Some("Planning, weekly"));
    assert_eq!(f.body.as_deref(), Some("Agenda:\n1. news"));
    assert_eq!((f.start, f.end), (berlin(2026, 12, 8, 10, 0), berlin(2026, 12, 8, 11, 30)));
    assert_eq!(f.time_zone.as_deref(), Some("Europe/Berlin"));
    assert!(!f.all_day);
    assert_eq!((f.busy, f.sensitivity, f.reminder), (BusyStatus::Busy, Sensitivity::Private, Some(15)));
    assert_eq!(f.categories, ["Work", "Planning"]);
    assert_eq!(f.organizer, Some(Person { address: "ann@example.com".into(), name: Some("Ann".into()) }));
    let att: Vec<(&str, AttendeeKind, AttendeeStatus)> =
        f.attendees.iter().map(|a| (a.person.address.as_str(), a.kind, a.status)).collect();
    assert_eq!(
        att,
        [
            ("bob@example.com", AttendeeKind::Required, AttendeeStatus::Accepted),
            ("carol@example.com", AttendeeKind::Optional, AttendeeStatus::NotResponded),
            ("room1@example.com", AttendeeKind::Resource, AttendeeStatus::Accepted),
        ]
    );
    let r = f.recurrence.as_ref().unwrap();
    assert_eq!((r.kind, r.days_of_week, r.until), (RecurrenceKind::Weekly, 4, Some(unix_time(2027, 3, 1, 9 * 3600))));
    assert_eq!(
        f.exceptions,
        [
            Exception {
                original_start: berlin(2026, 12, 15, 10, 0),
                subject: Some("Planning (moved)".into()),
                start: Some(berlin(2026, 12, 15, 14, 0)),
                end: Some(berlin(2026, 12, 15, 15, 30)),
                ..Exception::default()
            },
            Exception { original_start: berlin(2026, 12, 22, 10, 0), deleted: true, ..Exception::default() },
        ]
    );
}

#[test]
fn unchanged_fields_write_the_same_object_back() {
    let f = EventFields::from_ical(EVENT).unwrap();
    let text = f.to_ical(Some(EVENT));
    CalendarObject::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let text = unfold(&text);
    assert_eq!(EventFields::from_ical(&text).as_ref(), Some(&f), "{text}");
    for kept in [
        "X-CUSTOM;X-P=1:kept",
        "SEQUENCE:3",
        "X-ALARM-KEPT:1",
        "X-OVERRIDE-KEPT:yes",
        "X-WR-CALNAME:Work",
        "PRODID:-//Other//Client//EN",
        "ATTENDEE;CN=Bob;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=TRUE:mailto:bob@example.com",
        "RRULE:FREQ=WEEKLY;UNTIL=20270301T090000Z;BYDAY=TU",
        "TZOFFSETTO:+0100",
    ] {
        assert!(text.contains(kept), "{kept} in\n{text}");
    }
}

#[test]
fn changed_fields_replace_their_properties_only() {
    let mut f = EventFields::from_ical(EVENT).unwrap();
    f.subject = Some("Planning II".into());
    f.reminder = Some(30);
    f.attendees[1].status = AttendeeStatus::Declined;
    f.exceptions.push(Exception { original_start: berlin(2026, 12, 29, 10, 0), deleted: true, ..Exception::default() });
    let text = unfold(&f.to_ical(Some(EVENT)));
    let g = EventFields::from_ical(&text).unwrap_or_else(|| panic!("{text}"));
    assert_eq!(g, f, "{text}");
    assert_eq!(text.matches("SUMMARY:").count(), 2, "series and override:\n{text}");
    assert!(text.contains("TRIGGER:-PT30M") && !text.contains("TRIGGER:-PT15M"), "{text}");
    assert!(text.contains("RSVP=TRUE"), "an attendee's other parameters stay:\n{text}");
    assert!(text.contains("X-CUSTOM;X-P=1:kept") && text.contains("X-OVERRIDE-KEPT:yes"), "{text}");
    let obj = CalendarObject::parse(&text).unwrap();
    assert_eq!(obj.uid, "ev-1");
}

#[test]
fn a_new_event_from_a_phone() {
    let f = EventFields {
        uid: "new-1".into(),
        subject: Some("Lunch; with, friends".into()),
        start: unix_time(2026, 7, 1, 10 * 3600),
        end: unix_time(2026, 7, 1, 11 * 3600),
        time_zone: Some("America/New_York".into()),
        busy: BusyStatus::OutOfOffice,
        sensitivity: Sensitivity::Personal,
        reminder: Some(10),
        organizer: Some(Person { address: "me@example.com".into(), name: Some("Me".into()) }),
        attendees: vec![Attendee {
            person: Person { address: "you@example.com".into(), name: None },
            kind: AttendeeKind::Optional,
            status: AttendeeStatus::NotResponded,
        }],
        recurrence: Some(Recurrence {
            kind: RecurrenceKind::MonthlyNth,
            interval: 1,
            until: None,
            occurrences: Some(5),
            days_of_week: 8,
            day_of_month: 0,
            week_of_month: 1,
            month_of_year: 0,
            first_day_of_week: None,
        }),
        exceptions: vec![Exception {
            original_start: unix_time(2026, 8, 5, 10 * 3600),
            location: Some("Elsewhere".into()),
            ..Exception::default()
        }],
        ..EventFields::default()
    };
    let text = unfold(&f.to_ical(None));
    let obj = CalendarObject::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(obj.uid, "new-1");
    assert!(text.contains("DTSTART;TZID=America/New_York:20260701T060000"), "{text}");
    assert!(text.contains("BEGIN:VTIMEZONE") && text.contains("TZID:America/New_York"), "{text}");
    assert!(text.contains("RRULE:FREQ=MONTHLY;COUNT=5;BYDAY=1WE"), "{text}");
    assert_eq!(EventFields::from_ical(&text).as_ref(), Some(&f), "{text}");
}

#[test]
fn all_day_events() {
    let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:d\r\nDTSTART;VALUE=DATE:20261224\r\n\
DTEND;VALUE=DATE:20261226\r\nSUMMARY:Holidays\r\nTRANSP:TRANSPARENT\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let f = EventFields::from_ical(text).unwrap();
    assert!(f.all_day);
    assert_eq!((f.start, f.end, f.busy), (unix_time(2026, 12, 24, 0), unix_time(2026, 12, 26, 0), BusyStatus::Free));
    // From a phone in Berlin: midnight there.
    let phone = EventFields {
        start: berlin(2026, 12, 24, 0, 0),
        end: berlin(2026, 12, 26, 0, 0),
        time_zone: Some("Europe/Berlin".into()),
        ..f.clone()
    };
    let out = phone.to_ical(Some(text));
    assert!(out.contains("DTSTART;VALUE=DATE:20261224") && out.contains("DTEND;VALUE=DATE:20261226"), "{out}");
    assert!(!out.contains("BEGIN:VTIMEZONE"), "{out}");
    // Without an end: one day.
    let no_end = text.replace("DTEND;VALUE=DATE:20261226\r\n", "");
    assert_eq!(EventFields::from_ical(&no_end).map(|f| f.end), Some(unix_time(2026, 12, 25, 0)));
}

#[test]
fn durations_and_odd_input() {
    let cases = [
        ("PT15M", Some(900)),
        ("-PT15M", Some(-900)),
        ("-P1D", Some(-86_400)),
        ("P1W", Some(604_800)),
        ("-PT1H30M", Some(-5400)),
        ("PT", Some(0)),
        ("15M", None),
        ("P1H", None),
        ("PT5", None),
    ];
    for (d, want) in cases {
        assert_eq!(duration(d), want, "{d}");
    }
    for bad in [
        "",
        "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    ] {
        assert_eq!(EventFields::from_ical(bad), None, "{bad:?}");
    }
}

#[test]
fn cut_and_mangled_objects_never_panic() {
    // Every prefix of a full object, and each with a line broken in odd places: read, and
    // written back over itself, without a panic (what the device gets is another matter).
    let mut inputs: Vec<String> = Vec::new();
    for (i, _) in EVENT.char_indices().step_by(7) {
        inputs.push(EVENT[..i].to_owned());
        inputs.push(format!("{}\r\n END:VEVENT\r\nEND:VCALENDAR\r\n", &EVENT[..i]));
    }
    for mangled in [
        EVENT.replace("DTSTART;TZID=Europe/Berlin:20261208T100000", "DTSTART;TZID=\"x:y\":2026é208T100000"),
        EVENT.replace("TRIGGER:-PT15M", "TRIGGER:-P99999999999W"),
        EVENT.replace("BYDAY=TU", "BYDAY=é,;;"),
        EVENT.replace("EXDATE;TZID=Europe/Berlin:20261222T100000", "EXDATE:,,,"),
    ] {
        inputs.push(mangled);
    }
    for text in &inputs {
        if let Some(f) = EventFields::from_ical(text) {
            let _ = f.to_ical(Some(text));
        }
        if let Some(t) = crate::task::TaskFields::from_ical(&text.replace("VEVENT", "VTODO")) {
            let _ = t.to_ical(Some(text));
        }
    }
}

#[test]
fn occurrences_without_their_series_stay_occurrences() {
    // An attendee invited to two occurrences only: the phone edits the first; both stay.
    let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:o\r\nRECURRENCE-ID:20261208T100000Z\r\n\
DTSTART:20261208T100000Z\r\nDTEND:20261208T110000Z\r\nSUMMARY:One\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:o\r\n\
RECURRENCE-ID:20261215T100000Z\r\nDTSTART:20261215T100000Z\r\nDTEND:20261215T110000Z\r\nSUMMARY:Two\r\n\
END:VEVENT\r\nEND:VCALENDAR\r\n";
    let mut f = EventFields::from_ical(text).unwrap();
    assert_eq!(f.subject.as_deref(), Some("One"));
    f.reminder = Some(5);
    let out = unfold(&f.to_ical(Some(text)));
    CalendarObject::parse(&out).unwrap_or_else(|e| panic!("{e}\n{out}"));
    assert_eq!(out.matches("RECURRENCE-ID:").count(), 2, "{out}");
    assert!(out.contains("SUMMARY:Two") && out.contains("TRIGGER:-PT5M"), "{out}");
}

#[test]
fn a_rule_the_fields_cannot_say_keeps_its_overrides() {
    let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:h\r\nDTSTART:20261208T100000Z\r\n\
DTEND:20261208T103000Z\r\nRRULE:FREQ=HOURLY;COUNT=5\r\nSUMMARY:Hourly\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:h\r\n\
RECURRENCE-ID:20261208T120000Z\r\nDTSTART:20261208T123000Z\r\nDTEND:20261208T130000Z\r\nSUMMARY:Later\r\n\
END:VEVENT\r\nEND:VCALENDAR\r\n";
    let mut f = EventFields::from_ical(text).unwrap();
    assert_eq!(f.recurrence, None);
    f.subject = Some("Hourly!".into());
    let out = unfold(&f.to_ical(Some(text)));
    assert!(out.contains("RRULE:FREQ=HOURLY;COUNT=5") && out.contains("SUMMARY:Later"), "{out}");
    assert!(out.contains("SUMMARY:Hourly!"), "{out}");
    // A series the phone ends (its rule removed) loses its overrides with it.
    let weekly = text.replace("FREQ=HOURLY;COUNT=5", "FREQ=WEEKLY").replace("20261208T120000Z", "20261215T100000Z");
    let mut w = EventFields::from_ical(&weekly).unwrap();
    assert!(w.recurrence.is_some());
    w.recurrence = None;
    w.exceptions.clear();
    let out = unfold(&w.to_ical(Some(&weekly)));
    assert!(!out.contains("RRULE") && !out.contains("RECURRENCE-ID") && !out.contains("SUMMARY:Later"), "{out}");
}

#[test]
fn an_object_the_fuzzer_found_reads_back_after_it_is_written() {
    // The `fields` target's finding (its input is in the seed corpus as found-vtab-fold.ics):
    // a line of 95 vertical tabs before DTSTART, folded inside the tabs when written back,
    // lost its DTSTART on the next read.
    let text = std::str::from_utf8(include_bytes!("../fuzz/corpus/fields/found-vtab-fold.ics")).unwrap();
    let f = EventFields::from_ical(text).unwrap();
    let again = f.to_ical(Some(text));
    assert_eq!(EventFields::from_ical(&again).map(|g| (g.start, g.end)), Some((f.start, f.end)));
}
