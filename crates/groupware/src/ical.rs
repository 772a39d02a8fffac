//! Calendar object resources (RFC 4791 §4.1): an iCalendar object holding one event, task or
//! journal (with its overridden occurrences, all sharing one UID) and the time zones it uses.
//! Parsed and checked once when written; what queries need (UID, occurrences) is indexed then.

use calcard::common::timezone::Tz;
use calcard::icalendar::{ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarProperty};
use relais_store::Span;

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
/// Occurrences expanded at first, and at most (a rule that still runs at `FIRST_EXPANSION`
/// before the horizon is expanded again up to `MAX_EXPANSION`).
const FIRST_EXPANSION: usize = 2_000;
const MAX_EXPANSION: usize = 20_000;

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
        Ok(CalendarObject { ical, uid, kind })
    }

    /// The main component (the one without RECURRENCE-ID), else the first one.
    pub fn master(&self) -> Option<&ICalendarComponent> {
        let mut comps = self.ical.components.iter().filter(|c| ComponentKind::of(&c.component_type).is_some());
        let first = comps.clone().next();
        comps.find(|c| c.property(&ICalendarProperty::RecurrenceId).is_none()).or(first)
    }

    /// The occurrences (RFC 4791 §9.9) up to `now + HORIZON_SECS`, sorted, and the horizon
    /// when the recurrence goes on past what is returned.
    pub fn occurrences(&self, now: i64) -> (Vec<Span>, Option<i64>) {
        let horizon = now.saturating_add(HORIZON_SECS);
        let (mut spans, mut cut) = self.expand(FIRST_EXPANSION);
        if cut && spans.last().is_some_and(|s| s.start < horizon) {
            (spans, cut) = self.expand(MAX_EXPANSION);
        }
        let before = spans.len();
        spans.retain(|s| s.start <= horizon);
        let until = if spans.len() < before {
            Some(horizon)
        } else if cut {
            spans.last().map(|s| s.start)
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
    /// stored horizon).
    pub fn occurs_in(&self, start: i64, end: i64) -> bool {
        let (spans, _) = self.expand(MAX_EXPANSION * 5);
        spans.iter().any(|s| overlaps(*s, start, end))
    }

    /// RFC 4791 §9.6.5 CALDAV:expand: the object with each occurrence overlapping
    /// [start, end) as a component of its own — DTSTART/DTEND in UTC, a RECURRENCE-ID for
    /// instances of a rule, no RRULE/RDATE/EXDATE, no VTIMEZONE (nothing refers to one).
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
        for e in self.for_expansion().expand_dates(Tz::UTC, MAX_EXPANSION).events {
            let (s, en) = e.timestamps();
            if !overlaps(Span { start: s, end: en.max(s) }, start, end) {
                continue;
            }
            let Some(original) = self.ical.components.get(e.comp_id as usize) else { continue };
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

    /// The object as expanded: calcard pairs an override with its rule's occurrence only
    /// when both carry the same SEQUENCE, but RFC 5545 §3.8.4.4 matches them by RECURRENCE-ID
    /// alone (a rescheduled instance usually has a higher SEQUENCE), so SEQUENCE is left out.
    fn for_expansion(&self) -> std::borrow::Cow<'_, ICalendar> {
        let has_sequence =
            self.ical.components.iter().any(|c| c.entries.iter().any(|e| e.name == ICalendarProperty::Sequence));
        if !has_sequence {
            return std::borrow::Cow::Borrowed(&self.ical);
        }
        let mut ical = self.ical.clone();
        for c in &mut ical.components {
            c.entries.retain(|e| e.name != ICalendarProperty::Sequence);
        }
        std::borrow::Cow::Owned(ical)
    }

    /// Expands up to `limit` occurrences; true when the limit cut it.
    fn expand(&self, limit: usize) -> (Vec<Span>, bool) {
        let expanded = self.for_expansion().expand_dates(Tz::UTC, limit);
        let cut = expanded.events.len() >= limit;
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
        (spans, cut)
    }
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
