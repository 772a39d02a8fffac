//! Calendar object resources (RFC 4791 §4.1): an iCalendar object holding one event, task or
//! journal (with its overridden occurrences, all sharing one UID) and the time zones it uses.
//! Parsed and checked once when written; what queries need (UID, occurrences) is indexed then.

use calcard::common::timezone::Tz;
use calcard::icalendar::dates::CalendarExpand;
use calcard::icalendar::{ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarProperty};
use relais_store::Span;

use crate::recurrence;

use crate::Invalid;

/// What a calendar object resource holds (CALDAV:supported-calendar-component-set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ComponentKind {
    Event,
    Todo,
    Journal,
}

impl ComponentKind {
    pub fn name(self) -> &'static str {
        match self {
            ComponentKind::Event => "VEVENT",
            ComponentKind::Todo => "VTODO",
            ComponentKind::Journal => "VJOURNAL",
        }
    }

    pub fn from_name(name: &str) -> Option<ComponentKind> {
        [ComponentKind::Event, ComponentKind::Todo, ComponentKind::Journal]
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name))
    }

    fn of(t: &ICalendarComponentType) -> Option<ComponentKind> {
        match t {
            ICalendarComponentType::VEvent => Some(ComponentKind::Event),
            ICalendarComponentType::VTodo => Some(ComponentKind::Todo),
            ICalendarComponentType::VJournal => Some(ComponentKind::Journal),
            _ => None,
        }
    }
}

/// How far ahead an endless recurrence is stored as occurrences; a time range beyond it is
/// answered by expanding the object again.
pub const HORIZON_SECS: i64 = 2 * 366 * 86_400;
/// How far ahead of now a query expands a rule at most: a range past it finds nothing.
pub const QUERY_REACH_SECS: i64 = 200 * 366 * 86_400;
/// The most that one CALDAV:expand writes for one object (the instances are copies of their
/// component, which may be large); past it the answer stops, with a log line.
const MAX_EXPANDED_BYTES: usize = 64 * 1024 * 1024;

/// A parsed, checked calendar object resource.
#[derive(Debug, Clone)]
pub struct CalendarObject {
    pub ical: ICalendar,
    pub uid: String,
    pub kind: ComponentKind,
}

impl CalendarObject {
    /// Parses and checks `text` (RFC 4791 §4.1, §5.3.2.1): one VCALENDAR, no METHOD, at least
    /// one VEVENT, VTODO or VJOURNAL, all of one type and one UID.
    pub fn parse(text: &str) -> Result<CalendarObject, Invalid> {
        let ical = crate::single_object(text, "VCALENDAR", |e| match e {
            calcard::Entry::ICalendar(i) => Some(i),
            _ => None,
        })
        .ok_or_else(|| Invalid::data("not one complete iCalendar object"))?;
        let root = ical.components.first().ok_or_else(|| Invalid::data("empty iCalendar object"))?;
        if root.component_type != ICalendarComponentType::VCalendar {
            return Err(Invalid::data("the object is not a VCALENDAR"));
        }
        if root.property(&ICalendarProperty::Method).is_some() {
            return Err(Invalid::object("a calendar object resource must not have a METHOD"));
        }
        let mut found: Option<(ComponentKind, String)> = None;
        for id in &root.component_ids {
            let comp = ical.components.get(*id as usize).ok_or_else(|| Invalid::data("broken component tree"))?;
            if comp.component_type == ICalendarComponentType::VTimezone {
                continue;
            }
            let kind = ComponentKind::of(&comp.component_type).ok_or_else(|| {
                Invalid::component(format!("component {} is not supported here", type_name(&comp.component_type)))
            })?;
            let uid = comp.uid().filter(|u| !u.is_empty()).ok_or_else(|| Invalid::object("a component has no UID"))?;
            // RFC 5545 §3.6.1: without METHOD, a VEVENT must have DTSTART.
            if kind == ComponentKind::Event && comp.property(&ICalendarProperty::Dtstart).is_none() {
                return Err(Invalid::object("a VEVENT has no DTSTART"));
            }
            match &found {
                None => found = Some((kind, uid.to_owned())),
                Some((k, u)) if *k == kind && u == uid => {}
                Some((k, _)) if *k != kind => return Err(Invalid::object("components of different types")),
                Some(_) => return Err(Invalid::object("components with different UIDs")),
            }
        }
        let (kind, uid) = found.ok_or_else(|| Invalid::object("no VEVENT, VTODO or VJOURNAL"))?;
        recurrence::check(&ical, &recurrence::limits())?;
        Ok(CalendarObject { ical, uid, kind })
    }

    /// The main component (the one without RECURRENCE-ID), else the first one.
    pub fn master(&self) -> Option<&ICalendarComponent> {
        let mut comps = self.ical.components.iter().filter(|c| ComponentKind::of(&c.component_type).is_some());
        let first = comps.clone().next();
        comps.find(|c| c.property(&ICalendarProperty::RecurrenceId).is_none()).or(first)
    }

    /// The occurrences (RFC 4791 §9.9) up to `now + HORIZON_SECS`, sorted, and the horizon
    /// when the recurrence goes on past what is returned (the last start when `max_instances`
    /// cut it first). Rules are expanded only up to the horizon (see `recurrence`).
    pub fn occurrences(&self, now: i64) -> (Vec<Span>, Option<i64>) {
        let max = recurrence::limits().max_instances;
        let horizon = now.saturating_add(HORIZON_SECS);
        let reach = horizon.saturating_add(recurrence::SLACK_SECS);
        let expanded = self.expand_to(reach, max);
        let (mut spans, cut) = spans_of(&expanded, max);
        let before = spans.len();
        spans.retain(|s| s.start <= horizon);
        let until = if cut {
            tracing::debug!(uid = %self.uid, max_instances = max, "recurrence: cut at calendar.max_instances");
            Some(spans.last().map_or(horizon, |s| s.start))
        } else if spans.len() < before || self.goes_on(&expanded, reach) {
            Some(horizon)
        } else {
            None
        };
        if spans.is_empty() && self.kind == ComponentKind::Todo && until.is_none() {
            // RFC 4791 §9.9: a VTODO with none of DTSTART, DUE, COMPLETED, CREATED matches any range.
            spans.push(Span::ALWAYS);
        }
        (spans, until)
    }

    /// Occurrences overlapping [start, end), expanding as far as needed (for ranges past the
    /// stored horizon), but no further than `end` and `QUERY_REACH_SECS` from now.
    pub fn occurs_in(&self, start: i64, end: i64) -> bool {
        let max = recurrence::limits().max_instances;
        let (spans, _) = spans_of(&self.expand_to(query_reach(end), max), max);
        spans.iter().any(|s| overlaps(*s, start, end))
    }

    /// RFC 4791 §9.6.5 CALDAV:expand: the object with each occurrence overlapping
    /// [start, end) as a component of its own — DTSTART/DTEND in UTC, a RECURRENCE-ID for
    /// instances of a rule, no RRULE/RDATE/EXDATE, no VTIMEZONE (nothing refers to one).
    /// At most `max_instances` occurrences and `MAX_EXPANDED_BYTES` of copies.
    pub fn expanded(&self, start: i64, end: i64) -> String {
        use calcard::common::PartialDateTime;
        use calcard::icalendar::{ICalendarEntry, ICalendarValue};
        let utc = |name: ICalendarProperty, t: i64| ICalendarEntry {
            name,
            params: Vec::new(),
            values: vec![ICalendarValue::PartialDateTime(Box::new(PartialDateTime::from_utc_timestamp(t)))],
        };
        let mut out = self.ical.clone();
        let mut ids = Vec::new();
        let mut sizes = std::collections::HashMap::new();
        let mut written = 0usize;
        for e in self.expand_to(query_reach(end), recurrence::limits().max_instances).events {
            let (s, en) = e.timestamps();
            if !overlaps(Span { start: s, end: en.max(s) }, start, end) {
                continue;
            }
            let Some(original) = self.ical.components.get(e.comp_id as usize) else { continue };
            written += *sizes.entry(e.comp_id).or_insert_with(|| size_of(original));
            if written > MAX_EXPANDED_BYTES {
                tracing::warn!(uid = %self.uid, "recurrence: CALDAV:expand answer cut at {MAX_EXPANDED_BYTES} bytes");
                break;
            }
            let is_override = original.property(&ICalendarProperty::RecurrenceId).is_some();
            let recurring = is_override || original.is_recurrent();
            let mut comp = original.clone();
            comp.entries.retain(|x| {
                !matches!(
                    x.name,
                    ICalendarProperty::Rrule
                        | ICalendarProperty::Rdate
                        | ICalendarProperty::Exdate
                        | ICalendarProperty::Exrule
                        | ICalendarProperty::Dtstart
                        | ICalendarProperty::Dtend
                        | ICalendarProperty::Duration
                )
            });
            comp.entries.push(utc(ICalendarProperty::Dtstart, s));
            comp.entries.push(utc(ICalendarProperty::Dtend, en.max(s)));
            if recurring && !is_override {
                comp.entries.push(utc(ICalendarProperty::RecurrenceId, s));
            }
            ids.push(out.components.len() as u32);
            out.components.push(comp);
        }
        if let Some(root) = out.components.first_mut() {
            root.component_ids = ids;
        }
        out.to_string()
    }

    /// Expands the object with every rule ending at `reach` at the latest, and at most
    /// `limit` dates of rules (calcard stops its loop there).
    ///
    /// calcard pairs an override with its rule's occurrence only when both carry the same
    /// SEQUENCE, but RFC 5545 §3.8.4.4 matches them by RECURRENCE-ID alone (a rescheduled
    /// instance usually has a higher SEQUENCE), so SEQUENCE is left out of the copy.
    fn expand_to(&self, reach: i64, limit: usize) -> CalendarExpand {
        let needs_copy = self.ical.components.iter().any(|c| {
            c.entries.iter().any(|e| e.name == ICalendarProperty::Sequence) || recurrence::rules(c).next().is_some()
        });
        if !needs_copy {
            return self.ical.expand_dates(Tz::UTC, limit);
        }
        let mut ical = self.ical.clone();
        for c in &mut ical.components {
            c.entries.retain(|e| e.name != ICalendarProperty::Sequence);
        }
        recurrence::clipped(&mut ical, reach);
        ical.expand_dates(Tz::UTC, limit)
    }

    /// Whether a rule may yield dates after `reach`, given what `expanded` (up to `reach`)
    /// holds of it: its own dates, the overrides (one UID, so one recurrence set) and its
    /// EXDATEs count against a COUNT.
    fn goes_on(&self, expanded: &CalendarExpand, reach: i64) -> bool {
        let is_override = |id: u32| {
            self.ical
                .components
                .get(id as usize)
                .is_some_and(|c| c.property(&ICalendarProperty::RecurrenceId).is_some())
        };
        let overrides = expanded.events.iter().filter(|e| is_override(e.comp_id)).count();
        self.ical.components.iter().enumerate().any(|(id, comp)| {
            let own = expanded.events.iter().filter(|e| e.comp_id as usize == id).count();
            recurrence::goes_on(comp, reach, own + overrides + recurrence::exdates(comp))
        })
    }
}

/// The end to which a query expands: its own, but no further than `QUERY_REACH_SECS` ahead.
fn query_reach(end: i64) -> i64 {
    end.min(relais_store::now().saturating_add(QUERY_REACH_SECS)).saturating_add(recurrence::SLACK_SECS)
}

/// The spans of `expanded`, sorted, at most `max` (RDATEs are not counted by calcard's
/// limit), and whether `max` cut them.
fn spans_of(expanded: &CalendarExpand, max: usize) -> (Vec<Span>, bool) {
    let mut spans: Vec<Span> = expanded
        .events
        .iter()
        .map(|e| {
            let (start, end) = e.timestamps();
            Span { start, end: end.max(start) }
        })
        .collect();
    spans.sort_unstable();
    spans.dedup();
    let cut = expanded.events.len() >= max;
    spans.truncate(max);
    (spans, cut)
}

/// The size of a component as written (its subcomponents are not copied by CALDAV:expand).
fn size_of(comp: &ICalendarComponent) -> usize {
    let mut text = String::new();
    for e in &comp.entries {
        let _ = e.write_to(&mut text);
    }
    text.len()
}

/// RFC 4791 §9.9: an occurrence overlaps [start, end) when it starts before `end` and ends
/// after `start`; an instant (no duration) at or after `start` counts.
pub fn overlaps(s: Span, start: i64, end: i64) -> bool {
    s == Span::ALWAYS || (s.start < end && (s.end > start || (s.end == s.start && s.start >= start)))
}

fn type_name(t: &ICalendarComponentType) -> String {
    match t {
        ICalendarComponentType::Other(s) => s.clone(),
        other => format!("{other:?}").to_uppercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:e1\r\n\
        DTSTAMP:20260101T000000Z\r\nDTSTART:20260105T100000Z\r\nDTEND:20260105T110000Z\r\nSUMMARY:Standup\r\n\
        END:VEVENT\r\nEND:VCALENDAR\r\n";

    fn ics(body: &str) -> String {
        format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n{body}END:VCALENDAR\r\n")
    }

    #[test]
    fn parses_and_indexes_a_single_event() {
        let o = CalendarObject::parse(EVENT).unwrap();
        assert_eq!(o.uid, "e1");
        assert_eq!(o.kind, ComponentKind::Event);
        let (spans, until) = o.occurrences(1_767_225_600);
        assert_eq!(spans, vec![Span { start: 1_767_607_200, end: 1_767_610_800 }]);
        assert_eq!(until, None);
    }

    #[test]
    fn refuses_what_a_calendar_resource_cannot_hold() {
        let cases = [
            ("not ical", "garbage"),
            ("method", "METHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:20260101T000000Z\r\nEND:VEVENT\r\n"),
            (
                "two uids",
                "BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20260101T000000Z\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:b\r\nDTSTART:20260101T000000Z\r\nEND:VEVENT\r\n",
            ),
            (
                "mixed",
                "BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20260101T000000Z\r\nEND:VEVENT\r\nBEGIN:VTODO\r\nUID:a\r\nEND:VTODO\r\n",
            ),
            ("no uid", "BEGIN:VEVENT\r\nDTSTART:20260101T000000Z\r\nEND:VEVENT\r\n"),
            ("empty", ""),
            ("no dtstart", "BEGIN:VEVENT\r\nUID:a\r\nSUMMARY:x\r\nEND:VEVENT\r\n"),
        ];
        for (what, body) in cases {
            let text = if what == "not ical" { body.to_owned() } else { ics(body) };
            assert!(CalendarObject::parse(&text).is_err(), "{what} accepted");
        }
    }

    #[test]
    fn refuses_truncated_or_several_objects() {
        let cut = &EVENT[..EVENT.find("END:VEVENT").unwrap()];
        assert!(CalendarObject::parse(cut).is_err());
        let two = format!("{EVENT}{}", EVENT.replace("UID:e1", "UID:e2"));
        assert!(CalendarObject::parse(&two).is_err());
        assert!(CalendarObject::parse(&format!("{EVENT}\r\n")).is_ok(), "trailing blank lines are fine");
    }

    #[test]
    fn endless_recurrence_stops_at_the_horizon() {
        let o = CalendarObject::parse(&ics(
            "BEGIN:VEVENT\r\nUID:r\r\nDTSTART:20260105T100000Z\r\nDURATION:PT30M\r\nRRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\n",
        ))
        .unwrap();
        let now = 1_767_225_600; // 2026-01-01
        let (spans, until) = o.occurrences(now);
        assert_eq!(until, Some(now + HORIZON_SECS));
        assert!(spans.len() > 100 && spans.len() < 110, "{}", spans.len());
        assert!(spans.iter().all(|s| s.end - s.start == 1800));
        // Far past the horizon it is expanded again.
        assert!(o.occurs_in(now + 5 * 365 * 86_400, now + 5 * 365 * 86_400 + 8 * 86_400));
    }

    #[test]
    fn exceptions_move_and_exclude_occurrences() {
        let o = CalendarObject::parse(&ics(
            "BEGIN:VEVENT\r\nUID:x\r\nDTSTART:20260105T100000Z\r\nDTEND:20260105T110000Z\r\n\
             RRULE:FREQ=DAILY;COUNT=3\r\nEXDATE:20260106T100000Z\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:x\r\nRECURRENCE-ID:20260107T100000Z\r\nDTSTART:20260107T150000Z\r\n\
             DTEND:20260107T160000Z\r\nEND:VEVENT\r\n",
        ))
        .unwrap();
        let (spans, until) = o.occurrences(1_767_225_600);
        assert_eq!(until, None);
        let starts: Vec<i64> = spans.iter().map(|s| s.start).collect();
        assert_eq!(starts, vec![1_767_607_200, 1_767_798_000]);
    }

    #[test]
    fn an_override_with_a_higher_sequence_replaces_its_occurrence() {
        let o = CalendarObject::parse(&ics(
            "BEGIN:VEVENT\r\nUID:s\r\nSEQUENCE:0\r\nDTSTART:20260105T100000Z\r\nDTEND:20260105T110000Z\r\n\
             RRULE:FREQ=DAILY;COUNT=3\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:s\r\nSEQUENCE:2\r\n\
             RECURRENCE-ID:20260106T100000Z\r\nDTSTART:20260106T150000Z\r\nDTEND:20260106T160000Z\r\nEND:VEVENT\r\n",
        ))
        .unwrap();
        let (spans, _) = o.occurrences(1_767_225_600);
        let starts: Vec<i64> = spans.iter().map(|s| s.start).collect();
        assert_eq!(starts, vec![1_767_607_200, 1_767_711_600, 1_767_780_000]);
        assert_eq!(o.expanded(0, i64::MAX / 4).matches("BEGIN:VEVENT").count(), 3);
    }

    #[test]
    fn expand_lists_each_occurrence_in_utc() {
        let o = CalendarObject::parse(&ics(
            "BEGIN:VEVENT\r\nUID:x\r\nDTSTART:20260105T100000Z\r\nDTEND:20260105T110000Z\r\n\
             RRULE:FREQ=DAILY;COUNT=5\r\nEXDATE:20260106T100000Z\r\nSUMMARY:Daily\r\nEND:VEVENT\r\n",
        ))
        .unwrap();
        // 2026-01-05 .. 2026-01-08 00:00Z: the 5th and 7th (the 6th is excluded).
        let text = o.expanded(1_767_571_200, 1_767_830_400);
        assert_eq!(text.matches("BEGIN:VEVENT").count(), 2, "{text}");
        assert!(!text.contains("RRULE") && !text.contains("EXDATE"), "{text}");
        assert!(text.contains("RECURRENCE-ID:20260107T100000Z"), "{text}");
        let back = CalendarObject::parse(&text).unwrap();
        assert_eq!(back.uid, "x");
    }

    #[test]
    fn a_task_without_dates_matches_every_range() {
        let o = CalendarObject::parse(&ics("BEGIN:VTODO\r\nUID:t\r\nSUMMARY:x\r\nEND:VTODO\r\n")).unwrap();
        assert_eq!(o.occurrences(0), (vec![Span::ALWAYS], None));
        assert!(overlaps(Span::ALWAYS, 5, 6));
    }

    #[test]
    fn instants_and_ranges_overlap_per_rfc_4791() {
        let s = Span { start: 100, end: 200 };
        assert!(overlaps(s, 150, 160));
        assert!(!overlaps(s, 200, 300));
        assert!(!overlaps(s, 0, 100));
        let instant = Span { start: 100, end: 100 };
        assert!(overlaps(instant, 100, 101));
        assert!(!overlaps(instant, 50, 100));
    }
}
