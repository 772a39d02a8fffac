//! Recurrence expansion is bounded while it runs (issue 10, item 3): a rule whose periods
//! hold millions of candidates is refused at once with CALDAV:max-instances, whether it comes
//! by PUT or by iMIP; a rule with endless occurrences is indexed up to `max_instances`; and
//! ordinary rules expand exactly as calcard expands them unbounded.

use relais_directory::Actor;
use std::time::{Duration, Instant};

use relais_groupware::calcard::common::timezone::Tz;
use relais_groupware::ical::HORIZON_SECS;
use relais_groupware::recurrence::{self, RecurrenceLimits};
use relais_groupware::{CalendarObject, Condition, Error, Groupware, InvalidKind, imip};
use relais_store::{CollectionKind, NewCollection, Span};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;

/// 2026-01-01T00:00:00Z.
const NOW: i64 = 1_767_225_600;

fn list(range: std::ops::Range<u32>) -> String {
    range.map(|n| n.to_string()).collect::<Vec<_>>().join(",")
}

/// FREQ=YEARLY with every month, month day, hour, minute and second: 31.6 million candidates
/// in each year's period, all materialised by calcard before the first is returned.
fn attack_rule() -> String {
    format!(
        "FREQ=YEARLY;BYMONTH={};BYMONTHDAY={};BYHOUR={};BYMINUTE={};BYSECOND={}",
        list(1..13),
        list(1..32),
        list(0..24),
        list(0..60),
        list(0..60)
    )
}

fn event(uid: &str, props: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n\
         DTSTAMP:20260101T000000Z\r\n{props}SUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

fn attack() -> String {
    event("attack", &format!("DTSTART:20260101T000000Z\r\nDURATION:PT1S\r\nRRULE:{}\r\n", attack_rule()))
}

/// The process's peak resident set (VmHWM), in KiB. The kernel folds the current size into the mark
/// only at some events, so a later reading may be lower than an earlier one (memory the
/// allocator gave back in between): differences are taken saturating.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// What calcard yields unbounded (the expansion before the bounds), up to the horizon.
fn unbounded(text: &str, now: i64) -> Vec<Span> {
    let o = CalendarObject::parse(text).unwrap();
    let mut spans: Vec<Span> = o
        .ical
        .expand_dates(Tz::UTC, 20_000)
        .events
        .iter()
        .map(|e| {
            let (start, end) = e.timestamps();
            Span { start, end: end.max(start) }
        })
        .filter(|s| s.start <= now + HORIZON_SECS)
        .collect();
    spans.sort_unstable();
    spans.dedup();
    spans
}

const BERLIN: &str = "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\n\
    TZOFFSETTO:+0200\r\nTZNAME:CEST\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n\
    END:DAYLIGHT\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n\
    DTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n";

/// What, properties, first starts, how many up to the horizon, until.
type Case = (&'static str, String, &'static [i64], Option<usize>, Option<i64>);

#[test]
fn ordinary_rules_expand_as_before() {
    let horizon = Some(NOW + HORIZON_SECS);
    let table: [Case; 8] = [
        (
            "daily count",
            "DTSTART:20260105T100000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=DAILY;COUNT=10\r\n".into(),
            &[1_767_607_200, 1_767_693_600],
            Some(10),
            None,
        ),
        (
            "daily until",
            "DTSTART:20260105T100000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=DAILY;UNTIL=20260131T100000Z\r\n".into(),
            &[1_767_607_200],
            Some(27),
            None,
        ),
        (
            "weekly byday",
            "DTSTART:20260105T090000Z\r\nDURATION:PT15M\r\nRRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR\r\n".into(),
            &[1_767_603_600, 1_767_776_400, 1_767_949_200],
            None,
            horizon,
        ),
        (
            "weekly in a time zone",
            "DTSTART;TZID=Europe/Berlin:20260302T090000\r\nDURATION:PT1H\r\nRRULE:FREQ=WEEKLY;COUNT=6\r\n".into(),
            // 08:00Z in March until the 29th, 07:00Z after (CEST).
            &[1_772_438_400, 1_773_043_200, 1_773_648_000, 1_774_252_800, 1_774_854_000],
            Some(6),
            None,
        ),
        (
            "monthly last weekday",
            "DTSTART:20260130T160000Z\r\nDURATION:PT1H\r\n\
          RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1\r\n"
                .into(),
            // 2026-01-30 (Fri), 2026-02-27 (Fri), 2026-03-31 (Tue)
            &[1_769_788_800, 1_772_208_000, 1_774_972_800],
            None,
            horizon,
        ),
        (
            "monthly last day",
            "DTSTART:20260131T120000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=3\r\n".into(),
            &[1_769_860_800, 1_772_280_000, 1_774_958_400],
            Some(3),
            None,
        ),
        (
            "yearly birthday",
            "DTSTART;VALUE=DATE:19800214\r\nRRULE:FREQ=YEARLY\r\n".into(),
            &[319_334_400, 350_956_800],
            None,
            horizon,
        ),
        (
            "yearly with interval and exdate",
            "DTSTART:20260601T100000Z\r\nDURATION:PT2H\r\n\
          RRULE:FREQ=YEARLY;INTERVAL=2;COUNT=4\r\nEXDATE:20280601T100000Z\r\n"
                .into(),
            &[1_780_308_000],
            Some(1),
            horizon,
        ),
    ];
    for (what, props, first, count, until) in table {
        let text = event(what, &props).replace("BEGIN:VEVENT", &format!("{BERLIN}BEGIN:VEVENT"));
        let o = CalendarObject::parse(&text).unwrap_or_else(|e| panic!("{what}: {e}"));
        let (spans, got_until) = o.occurrences(NOW);
        assert_eq!(spans, unbounded(&text, NOW), "{what}: differs from the unbounded expansion");
        let starts: Vec<i64> = spans.iter().map(|s| s.start).collect();
        assert_eq!(&starts[..first.len()], first, "{what}");
        if let Some(n) = count {
            assert_eq!(spans.len(), n, "{what}");
        }
        assert_eq!(got_until, until, "{what}");
    }
}

/// Time spent computing by the calling thread (Linux: `/proc/thread-self/schedstat`, in
/// nanoseconds), or the wall clock where that is not readable: the bounds below are on work,
/// which a machine loaded by other builds stretches in wall time but not in CPU time.
struct Stopwatch {
    cpu_ns: Option<u64>,
    wall: Instant,
}

fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat").ok()?.split_whitespace().next()?.parse().ok()
}

impl Stopwatch {
    fn start() -> Stopwatch {
        Stopwatch { cpu_ns: thread_cpu_ns(), wall: Instant::now() }
    }

    fn elapsed(&self) -> Duration {
        match (self.cpu_ns, thread_cpu_ns()) {
            (Some(a), Some(b)) => Duration::from_nanos(b.saturating_sub(a)),
            _ => self.wall.elapsed(),
        }
    }
}

#[test]
fn the_attack_rule_is_refused_at_once() {
    let before = peak_rss_kib();
    let started = Stopwatch::start();
    match CalendarObject::parse(&attack()) {
        Err(e) => assert_eq!(e.kind, InvalidKind::MaxInstances, "{e}"),
        Ok(o) => {
            let (spans, _) = o.occurrences(NOW);
            panic!(
                "accepted; {} occurrences in {:?}, peak RSS +{} MiB",
                spans.len(),
                started.elapsed(),
                peak_rss_kib().saturating_sub(before) / 1024
            );
        }
    }
    // By iMIP too: an invitation is read by the same check.
    let invitation = attack().replace("PRODID:-//t//t//EN\r\n", "PRODID:-//t//t//EN\r\nMETHOD:REQUEST\r\n");
    assert!(imip::itip(&invitation).is_none());
    assert!(started.elapsed() < Duration::from_millis(500), "{:?}", started.elapsed());
    let grew = peak_rss_kib().saturating_sub(before);
    assert!(grew < 64 * 1024, "peak RSS +{grew} KiB");
}

#[test]
fn candidates_per_period_are_bounded_per_frequency() {
    let limits = RecurrenceLimits::default();
    // (rule, accepted)
    let table = [
        (attack_rule(), false),
        ("FREQ=YEARLY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23;BYDAY=MO,TU,WE,TH,FR,SA,SU".into(), true),
        (format!("FREQ=DAILY;BYHOUR={};BYMINUTE={}", list(0..24), list(0..60)), true),
        (format!("FREQ=DAILY;BYHOUR={};BYMINUTE={};BYSECOND={}", list(0..24), list(0..60), list(0..60)), true),
        (format!("FREQ=HOURLY;BYMINUTE={};BYSECOND={}", list(0..60), list(0..60)), true),
        (format!("FREQ=MONTHLY;BYMONTHDAY={};BYHOUR={};BYMINUTE={}", list(1..32), list(0..24), list(0..60)), true),
        (format!("FREQ=MONTHLY;BYMONTHDAY=1,2;BYHOUR={};BYMINUTE={};BYSECOND={}", list(0..24), list(0..60), list(0..60)), false),
        (format!("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=1,2;BYHOUR={};BYMINUTE={}", list(0..24), list(0..60)), true),
        ("FREQ=SECONDLY".into(), true),
    ];
    for (rule, accepted) in table {
        let text = event("c", &format!("DTSTART:20260101T000000Z\r\nRRULE:{rule}\r\n"));
        let got = CalendarObject::parse(&text);
        assert_eq!(got.is_ok(), accepted, "{rule}: {:?}", got.err());
        if let Err(e) = got {
            assert_eq!(e.kind, InvalidKind::MaxInstances);
        }
    }
    // Too many rules in one object.
    let many: String = (0..=limits.max_recurrence_rules)
        .map(|i| format!("BEGIN:VEVENT\r\nUID:m\r\nRECURRENCE-ID:2026010{}T000000Z\r\nDTSTART:20260101T000000Z\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\n", i % 9 + 1))
        .collect();
    let text = format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n{many}END:VCALENDAR\r\n");
    assert_eq!(CalendarObject::parse(&text).unwrap_err().kind, InvalidKind::MaxInstances);
}

#[test]
fn endless_occurrences_stop_at_max_instances() {
    let max = recurrence::limits().max_instances;
    let o = CalendarObject::parse(&event("s", "DTSTART:20260101T000000Z\r\nDURATION:PT1S\r\nRRULE:FREQ=SECONDLY\r\n"))
        .unwrap();
    let started = Stopwatch::start();
    let (spans, until) = o.occurrences(NOW);
    assert_eq!(spans.len(), max);
    assert_eq!(until, spans.last().map(|s| s.start));
    // A query past them expands no more than that either.
    assert!(o.occurs_in(NOW + 86_400, NOW + 86_401));
    assert!(!o.occurs_in(NOW + 2 * 86_400, NOW + 3 * 86_400), "past the first max_instances");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

#[test]
fn a_daily_event_since_1970_is_found_next_week() {
    let o = CalendarObject::parse(&event("d", "DTSTART:19700101T080000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=DAILY\r\n"))
        .unwrap();
    let (spans, until) = o.occurrences(NOW);
    assert_eq!(spans.len(), 20_454 + 732, "every day from 1970 to the horizon");
    assert_eq!(until, Some(NOW + HORIZON_SECS));
    assert!(o.occurs_in(NOW + 5 * 365 * 86_400, NOW + 5 * 365 * 86_400 + 86_400));
    // A query far past the horizon expands only up to its own end.
    let started = Stopwatch::start();
    assert!(!o.occurs_in(NOW + 250 * 366 * 86_400, NOW + 250 * 366 * 86_400 + 86_400), "past the query reach");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

/// The same through `Groupware::put`, the one place that writes resources (DAV PUT, iMIP,
/// scheduling copies): refused fast with bounded memory, nothing stored.
async fn put_bounds_the_expansion(f: Fresh) {
    let g = Groupware::new(f.store.clone());
    let cal = f
        .store
        .write(|tx| {
            let a = tx.create_account()?;
            tx.create_collection(
                a,
                NewCollection { kind: CollectionKind::Calendar, name: "work".into(), parent: None, role: None },
            )
        })
        .await
        .unwrap();
    let before = peak_rss_kib();
    let started = Instant::now();
    match g.put(&Actor::system(cal.account), &cal, "attack.ics", attack().into_bytes(), Condition::default()).await {
        Err(Error::Invalid(i)) => assert_eq!(i.kind, InvalidKind::MaxInstances, "{i}"),
        other => panic!("{other:?} after {:?}", started.elapsed()),
    }
    let took = started.elapsed();
    let grew = peak_rss_kib().saturating_sub(before);
    eprintln!("attack PUT refused in {took:?}, peak RSS +{grew} KiB");
    assert!(took < Duration::from_millis(500), "{took:?}");
    assert!(grew < 64 * 1024, "peak RSS +{grew} KiB");
    assert!(f.store.read(move |r| r.item_by_name(cal.id, "attack.ics")).await.unwrap().is_none());
    // An ordinary weekly meeting is stored and found in a range.
    let weekly = event("w", "DTSTART:20260105T090000Z\r\nDURATION:PT30M\r\nRRULE:FREQ=WEEKLY;BYDAY=MO,TH\r\n");
    g.put(&Actor::system(cal.account), &cal, "w.ics", weekly.into_bytes(), Condition::default()).await.unwrap();
    let found = f.store.read(move |r| r.resources_in_range(cal.id, 1_768_467_600, 1_768_471_200)).await.unwrap();
    assert_eq!(found.len(), 1, "Thursday 2026-01-15 09:00Z");
}
on_both_backends!(put_bounds_the_expansion_on, put_bounds_the_expansion);

/// The costliest rules the limits let through, each indexed and queried far ahead: bounded in
/// time (the figures are for an unoptimised build; an optimised one is ~10 times faster).
#[test]
fn the_costliest_accepted_rules_stay_bounded() {
    let rules_16: String = (0..16)
        .map(|i| {
            format!(
                "BEGIN:VEVENT\r\nUID:m\r\nRECURRENCE-ID:202601{:02}T000000Z\r\nDTSTART:20260101T000000Z\r\n\
                 DURATION:PT1S\r\nRRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29\r\nEND:VEVENT\r\n",
                i + 1
            )
        })
        .collect();
    let cases = [
        (
            "leap days",
            event("l", "DTSTART:00010101T000000Z\r\nDURATION:PT1S\r\nRRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29\r\n"),
        ),
        (
            "never",
            event("n", "DTSTART:20260101T000000Z\r\nDURATION:PT1S\r\nRRULE:FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30\r\n"),
        ),
        ("every second", event("s", "DTSTART:20260101T000000Z\r\nDURATION:PT1S\r\nRRULE:FREQ=SECONDLY\r\n")),
        (
            "86,400 a day",
            event(
                "d",
                &format!(
                    "DTSTART:20260101T000000Z\r\nDURATION:PT1S\r\nRRULE:FREQ=DAILY;BYHOUR={};BYMINUTE={};BYSECOND={}\r\n",
                    list(0..24),
                    list(0..60),
                    list(0..60)
                ),
            ),
        ),
        (
            "96,624 a year",
            event(
                "y",
                &format!(
                    "DTSTART:20260101T000000Z\r\nDURATION:PT1S\r\nRRULE:FREQ=YEARLY;BYYEARDAY={};BYHOUR={};BYMINUTE={}\r\n",
                    list(1..367),
                    list(0..24),
                    list(0..11)
                ),
            ),
        ),
        ("16 leap-day rules", format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n{rules_16}END:VCALENDAR\r\n")),
    ];
    for (what, text) in cases {
        let o = CalendarObject::parse(&text).unwrap_or_else(|e| panic!("{what}: {e}"));
        let started = Stopwatch::start();
        let (spans, _) = o.occurrences(NOW);
        let saved = started.elapsed();
        let far = NOW + 150 * 366 * 86_400;
        let _ = o.occurs_in(far, far + 86_400);
        let took = started.elapsed();
        eprintln!("{what}: {} indexed in {saved:?}; with a query 150 years ahead {took:?}", spans.len());
        assert!(took < Duration::from_secs(20), "{what}: {took:?}");
    }
}
