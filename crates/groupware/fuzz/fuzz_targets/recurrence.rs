//! The recurrence expander: a rule (the first line, an RRULE value) with any further
//! properties (the other lines: DTSTART, EXDATE, RDATE, DURATION, another RRULE, …) in one
//! VEVENT, or a whole iCalendar object. Whatever it is, parsing refuses it or every expansion
//! of it stays within the limits: at most `max_instances` occurrences, in order, and never
//! more memory than libFuzzer's -rss_limit_mb or more time than its -timeout.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relais_groupware::CalendarObject;
use relais_groupware::recurrence;

/// 2026-01-01T00:00:00Z.
const NOW: i64 = 1_767_225_600;

fn object(text: &str) -> String {
    if text.contains("BEGIN:VCALENDAR") {
        return text.to_owned();
    }
    let mut lines = text.lines();
    let rule = lines.next().unwrap_or_default();
    let rest: Vec<&str> = lines.collect();
    let mut props = format!("RRULE:{rule}\r\n");
    if !rest.iter().any(|l| l.starts_with("DTSTART")) {
        props.push_str("DTSTART:20260105T100000Z\r\n");
    }
    for l in rest {
        props.push_str(l);
        props.push_str("\r\n");
    }
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//fuzz//EN\r\nBEGIN:VEVENT\r\nUID:f\r\n\
         DTSTAMP:20260101T000000Z\r\n{props}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(obj) = CalendarObject::parse(&object(text)) else { return };
    let max = recurrence::limits().max_instances;
    let (spans, until) = obj.occurrences(NOW);
    assert!(spans.len() <= max);
    assert!(spans.windows(2).all(|w| w[0] <= w[1]));
    assert!(spans.iter().all(|s| s.end >= s.start));
    if let Some(u) = until {
        assert!(spans.iter().all(|s| s.start <= u.max(NOW + relais_groupware::ical::HORIZON_SECS)));
    }
    let _ = obj.occurs_in(NOW + 5 * 366 * 86_400, NOW + 5 * 366 * 86_400 + 7 * 86_400);
    let _ = obj.expanded(NOW, NOW + 31 * 86_400);
});
