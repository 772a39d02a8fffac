//! CalDAV calendar-query filters (RFC 4791 §9.7) and CardDAV addressbook-query filters
//! (RFC 6352 §10.5) evaluated on parsed objects. The common calendar-query (a time range on
//! one component type) never gets here: the store's occurrence index answers it.

use relais_dav_proto::{
    CardFilter, CardPropFilter, CompFilter, CompTest, MatchType, ParamFilter, ParamTest, PropFilter, PropTest, Test,
    TextMatch, TimeRange,
};
use relais_groupware::CalendarObject;
use relais_groupware::calcard::icalendar::{
    ICalendarComponent, ICalendarComponentType, ICalendarEntry, ICalendarParameterValue, ICalendarProperty,
    ICalendarRelated, ICalendarValue,
};
use relais_groupware::calcard::vcard::VCardEntry;
use relais_groupware::ical::overlaps;

/// Whether `obj` matches the calendar-query filter (its top comp-filter is VCALENDAR).
pub(crate) fn calendar_matches(obj: &CalendarObject, filter: &CompFilter) -> bool {
    let Some(root) = obj.ical.components.first() else { return false };
    if !filter.name.eq_ignore_ascii_case("VCALENDAR") {
        return false;
    }
    match &filter.test {
        CompTest::IsNotDefined => false,
        CompTest::Matches { props, comps, .. } => {
            props.iter().all(|p| prop_matches(root, p)) && comps.iter().all(|c| comp_matches(obj, root, c))
        }
    }
}

/// §9.7.1: does `parent` have a child component matching `f` (or none, for is-not-defined)?
fn comp_matches(obj: &CalendarObject, parent: &ICalendarComponent, f: &CompFilter) -> bool {
    let mut children = parent
        .component_ids
        .iter()
        .filter_map(|id| obj.ical.components.get(*id as usize))
        .filter(|c| c.component_type.as_str().eq_ignore_ascii_case(&f.name));
    match &f.test {
        CompTest::IsNotDefined => children.next().is_none(),
        CompTest::Matches { time_range, props, comps } => children.any(|child| {
            time_range.as_ref().is_none_or(|tr| match child.component_type {
                ICalendarComponentType::VAlarm => alarm_in_range(obj, child, tr),
                _ => in_range(obj, tr),
            }) && props.iter().all(|p| prop_matches(child, p))
                && comps.iter().all(|c| comp_matches(obj, child, c))
        }),
    }
}

fn bounds(tr: &TimeRange) -> (i64, i64) {
    (tr.start.unwrap_or(i64::MIN / 4), tr.end.unwrap_or(i64::MAX / 4))
}

/// §9.9: the object's occurrences against the range.
fn in_range(obj: &CalendarObject, tr: &TimeRange) -> bool {
    let (start, end) = bounds(tr);
    let (spans, until) = obj.occurrences(relais_store::now());
    if spans.iter().any(|s| overlaps(*s, start, end)) {
        return true;
    }
    until.is_some_and(|u| end > u) && obj.occurs_in(start, end)
}

/// §9.9 for VALARM: does a trigger time fall in [start, end)? A relative TRIGGER (RFC 5545
/// §3.8.6.3) fires once per occurrence, from its start or, with RELATED=END, its end; REPEAT
/// and DURATION (§3.8.6.2) add repetitions. The occurrences are the whole object's, not only
/// those of the component holding the alarm (an approximation when overrides differ).
fn alarm_in_range(obj: &CalendarObject, alarm: &ICalendarComponent, tr: &TimeRange) -> bool {
    let (start, end) = bounds(tr);
    let Some(trigger) = alarm.property(&ICalendarProperty::Trigger) else { return false };
    let first = |p: ICalendarProperty| alarm.property(&p).and_then(|e| e.values.first());
    let repeat = first(ICalendarProperty::Repeat).and_then(|v| v.as_integer()).unwrap_or(0).clamp(0, 1000);
    let every = match first(ICalendarProperty::Duration) {
        Some(ICalendarValue::Duration(d)) => d.as_seconds(),
        _ => 0,
    };
    let fires = |t: i64| (0..=repeat).any(|k| (start..end).contains(&t.saturating_add(k * every)));
    let offset = match trigger.values.first() {
        Some(ICalendarValue::Duration(d)) => d.as_seconds(),
        Some(v) => return timestamp(v).is_some_and(fires), // VALUE=DATE-TIME: an absolute time
        None => return false,
    };
    let from_end =
        trigger.params.iter().any(|p| matches!(p.value, ICalendarParameterValue::Related(ICalendarRelated::End)));
    let (spans, until) = obj.occurrences(relais_store::now());
    let hit = spans
        .iter()
        .filter(|s| **s != relais_store::Span::ALWAYS)
        .any(|s| fires(if from_end { s.end } else { s.start }.saturating_add(offset)));
    // Past the stored horizon: occurrences overlapping the range shifted back by the offset.
    let reach = repeat * every + offset;
    hit || until.is_some_and(|u| end.saturating_sub(offset) > u) && obj.occurs_in(start - reach, end - offset)
}

fn timestamp(v: &ICalendarValue) -> Option<i64> {
    let dt = v.as_partial_date_time()?.to_date_time()?;
    Some(dt.to_date_time_with_tz(relais_groupware::calcard::common::timezone::Tz::UTC)?.timestamp())
}

/// §9.7.2 prop-filter.
fn prop_matches(comp: &ICalendarComponent, f: &PropFilter) -> bool {
    let mut entries = comp.entries.iter().filter(|e| e.name.as_str().eq_ignore_ascii_case(&f.name));
    match &f.test {
        PropTest::IsNotDefined => entries.next().is_none(),
        PropTest::Matches { time_range, text, params } => entries.any(|e| {
            text.as_ref().is_none_or(|t| text_matches(t, &entry_text(e)))
                && time_range.as_ref().is_none_or(|tr| entry_in_range(e, tr))
                && params.iter().all(|p| ical_param_matches(e, p))
        }),
    }
}

fn entry_text(e: &ICalendarEntry) -> String {
    e.values.iter().filter_map(|v| v.as_text()).collect::<Vec<_>>().join(",")
}

/// A DATE-TIME property (DTSTAMP, COMPLETED, …) inside a range.
fn entry_in_range(e: &ICalendarEntry, tr: &TimeRange) -> bool {
    e.values.iter().any(|v| {
        v.as_partial_date_time()
            .and_then(|dt| dt.to_date_time())
            .and_then(|dt| dt.to_date_time_with_tz(relais_groupware::calcard::common::timezone::Tz::UTC))
            .is_some_and(|t| {
                let t = t.timestamp();
                tr.start.is_none_or(|s| t >= s) && tr.end.is_none_or(|en| t < en)
            })
    })
}

fn ical_param_matches(e: &ICalendarEntry, f: &ParamFilter) -> bool {
    let mut values = e.params.iter().filter(|p| p.name.as_str().eq_ignore_ascii_case(&f.name));
    match &f.test {
        ParamTest::IsDefined => values.next().is_some(),
        ParamTest::IsNotDefined => values.next().is_none(),
        ParamTest::Text(t) => values.any(|p| p.value.as_text().is_some_and(|v| text_matches(t, v))),
    }
}

/// RFC 4790 collations i;ascii-casemap (default), i;unicode-casemap and i;octet, with the
/// match types of RFC 6352 §10.5.4 (CalDAV uses "contains").
pub(crate) fn text_matches(t: &TextMatch, value: &str) -> bool {
    let fold = !t.collation.eq_ignore_ascii_case("i;octet");
    let (needle, hay) =
        if fold { (t.text.to_lowercase(), value.to_lowercase()) } else { (t.text.clone(), value.to_owned()) };
    let found = match t.match_type {
        MatchType::Equals => hay == needle,
        MatchType::Contains => hay.contains(&needle),
        MatchType::StartsWith => hay.starts_with(&needle),
        MatchType::EndsWith => hay.ends_with(&needle),
    };
    found != t.negate
}

/// Whether a vCard matches an addressbook-query filter (RFC 6352 §10.5).
pub(crate) fn card_matches(entries: &[VCardEntry], filter: &CardFilter) -> bool {
    let one = |p: &CardPropFilter| card_prop_matches(entries, p);
    match filter.test {
        _ if filter.props.is_empty() => true,
        Test::AnyOf => filter.props.iter().any(one),
        Test::AllOf => filter.props.iter().all(one),
    }
}

fn card_prop_matches(entries: &[VCardEntry], f: &CardPropFilter) -> bool {
    let mut matching = entries.iter().filter(|e| e.name.as_str().eq_ignore_ascii_case(&f.name));
    if f.is_not_defined {
        return matching.next().is_none();
    }
    matching.any(|e| {
        let text: String = e.values.iter().filter_map(|v| v.as_text()).collect::<Vec<_>>().join(";");
        let tests = f.text_matches.iter().map(|t| text_matches(t, &text)).chain(f.params.iter().map(|p| {
            let mut values = e.params.iter().filter(|q| q.name.as_str().eq_ignore_ascii_case(&p.name));
            match &p.test {
                ParamTest::IsDefined => values.next().is_some(),
                ParamTest::IsNotDefined => values.next().is_none(),
                ParamTest::Text(t) => values.any(|q| text_matches(t, &q.value.clone().into_text())),
            }
        }));
        let results: Vec<bool> = tests.collect();
        results.is_empty()
            || match f.test {
                Test::AnyOf => results.iter().any(|r| *r),
                Test::AllOf => results.iter().all(|r| *r),
            }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tm(text: &str, match_type: MatchType, negate: bool) -> TextMatch {
        TextMatch { text: text.into(), collation: "i;ascii-casemap".into(), negate, match_type }
    }

    #[test]
    fn text_match_types_and_collations() {
        assert!(text_matches(&tm("MEET", MatchType::Contains, false), "Team meeting"));
        assert!(!text_matches(&tm("MEET", MatchType::Contains, true), "Team meeting"));
        assert!(text_matches(&tm("team", MatchType::StartsWith, false), "Team meeting"));
        assert!(text_matches(&tm("ING", MatchType::EndsWith, false), "Team meeting"));
        assert!(!text_matches(&tm("team", MatchType::Equals, false), "Team meeting"));
        let octet = TextMatch { collation: "i;octet".into(), ..tm("team", MatchType::Contains, false) };
        assert!(!text_matches(&octet, "Team"));
    }

    #[test]
    fn calendar_filters_on_properties_and_components() {
        let obj = CalendarObject::parse(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\nUID:t1\r\nSUMMARY:Buy milk\r\nSTATUS:NEEDS-ACTION\r\n\
             DUE:20260110T100000Z\r\nEND:VTODO\r\nEND:VCALENDAR\r\n",
        )
        .unwrap();
        let comp = |name: &str, props: Vec<PropFilter>| CompFilter {
            name: name.into(),
            test: CompTest::Matches { time_range: None, props, comps: vec![] },
        };
        let root = |inner: CompFilter| CompFilter {
            name: "VCALENDAR".into(),
            test: CompTest::Matches { time_range: None, props: vec![], comps: vec![inner] },
        };
        let status_not_completed = PropFilter {
            name: "STATUS".into(),
            test: PropTest::Matches {
                time_range: None,
                text: Some(tm("COMPLETED", MatchType::Contains, true)),
                params: vec![],
            },
        };
        assert!(calendar_matches(&obj, &root(comp("VTODO", vec![status_not_completed]))));
        assert!(!calendar_matches(&obj, &root(comp("VEVENT", vec![]))));
        let no_completed = PropFilter { name: "COMPLETED".into(), test: PropTest::IsNotDefined };
        assert!(calendar_matches(&obj, &root(comp("VTODO", vec![no_completed]))));
        let in_jan = CompFilter {
            name: "VTODO".into(),
            test: CompTest::Matches {
                time_range: Some(TimeRange { start: Some(1_767_225_600), end: Some(1_769_904_000) }),
                props: vec![],
                comps: vec![],
            },
        };
        assert!(calendar_matches(&obj, &root(in_jan)));
    }

    #[test]
    fn alarm_ranges_test_trigger_times() {
        // 10 Jan 2026 08:00 UTC, daily twice; alarms 15 min before the start and at the end.
        let obj = CalendarObject::parse(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a1\r\nDTSTAMP:20260101T000000Z\r\n\
             DTSTART:20260110T080000Z\r\nDTEND:20260110T090000Z\r\nRRULE:FREQ=DAILY;COUNT=2\r\n\
             BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n\
             BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:y\r\nTRIGGER;RELATED=END:PT0S\r\n\
             REPEAT:2\r\nDURATION:PT5M\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        )
        .unwrap();
        let alarm_in = |start: i64, end: i64| {
            let alarm = CompFilter {
                name: "VALARM".into(),
                test: CompTest::Matches {
                    time_range: Some(TimeRange { start: Some(start), end: Some(end) }),
                    props: vec![],
                    comps: vec![],
                },
            };
            let event = CompFilter {
                name: "VEVENT".into(),
                test: CompTest::Matches { time_range: None, props: vec![], comps: vec![alarm] },
            };
            let root = CompFilter {
                name: "VCALENDAR".into(),
                test: CompTest::Matches { time_range: None, props: vec![], comps: vec![event] },
            };
            calendar_matches(&obj, &root)
        };
        let t = 1_768_032_000; // 2026-01-10T08:00:00Z
        assert!(alarm_in(t - 20 * 60, t - 5 * 60)); // 07:45
        assert!(!alarm_in(t, t + 15 * 60)); // the event, no trigger
        assert!(alarm_in(t + 86_400 - 15 * 60, t + 86_400 - 14 * 60)); // second occurrence
        assert!(alarm_in(t + 3600 + 10 * 60, t + 3600 + 11 * 60)); // RELATED=END, second repetition
        assert!(!alarm_in(t + 3600 + 11 * 60, t + 3600 + 20 * 60)); // after the last repetition
    }
}
