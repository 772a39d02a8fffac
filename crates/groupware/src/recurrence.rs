//! Bounds on recurrence expansion (RFC 5545 §3.3.10, §3.8.5.3).
//!
//! calcard expands a rule lazily across periods, but it builds each period's whole candidate
//! set (the days of the period × the times of the day that the BY* parts allow) before it
//! yields the first date, and its iterator is private: a caller can stop it only between
//! dates, by the `limit` it passes. So the work is bounded here in three ways, all before or
//! inside calcard's own loop, never after it:
//! - a rule whose candidate set per period could exceed `max_rule_candidates` is refused when
//!   the object is parsed (FREQ=YEARLY with 12 BYMONTH × 31 BYMONTHDAY × 24 BYHOUR × 60
//!   BYMINUTE × 60 BYSECOND is 31.6 million per year); so is an object with more than
//!   `max_recurrence_rules` rules (each one costs a walk of its own);
//! - every expansion passes `max_instances` as calcard's limit, which stops its loop;
//! - every expansion runs on a copy whose rules end (UNTIL) just past what is asked — the
//!   indexed horizon, or a query's range — so no period past it is ever computed.
//!
//! The limits are the process's, set once at start from the configuration ([calendar]).

use std::sync::OnceLock;

use calcard::common::PartialDateTime;
use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarFrequency, ICalendarProperty, ICalendarRecurrenceRule, ICalendarValue,
};

use crate::Invalid;

/// How far past the asked end a rule is still expanded: UNTIL compares wall-clock times
/// (floating), which may lead UTC by up to 14 hours (RFC 5545 §3.3.5).
pub const SLACK_SECS: i64 = 2 * 86_400;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecurrenceLimits {
    /// Occurrences one expansion yields at most: those indexed up to the horizon, and those
    /// a query (time range, free/busy, CALDAV:expand) looks at.
    pub max_instances: usize,
    /// Candidates one period of one rule may produce (days × times its BY* parts allow).
    pub max_rule_candidates: u64,
    /// Components with an RRULE in one calendar object resource.
    pub max_recurrence_rules: usize,
}

impl Default for RecurrenceLimits {
    fn default() -> Self {
        // A year of every hour of every day is 8,784 candidates; a rule every 15 minutes
        // over two years is 70,176 occurrences.
        RecurrenceLimits { max_instances: 100_000, max_rule_candidates: 100_000, max_recurrence_rules: 16 }
    }
}

static LIMITS: OnceLock<RecurrenceLimits> = OnceLock::new();

/// Sets the process's limits; the first call wins (the server calls it once at start).
pub fn set_limits(limits: RecurrenceLimits) {
    let _ = LIMITS.set(limits);
}

pub fn limits() -> RecurrenceLimits {
    LIMITS.get().copied().unwrap_or_default()
}

/// The rules of a component (its RRULE values).
pub fn rules(comp: &ICalendarComponent) -> impl Iterator<Item = &ICalendarRecurrenceRule> {
    comp.entries.iter().filter(|e| e.name == ICalendarProperty::Rrule).flat_map(|e| {
        e.values.iter().filter_map(|v| match v {
            ICalendarValue::RecurrenceRule(r) => Some(r.as_ref()),
            _ => None,
        })
    })
}

/// Refuses what cannot be expanded within `limits` (CALDAV:max-instances, RFC 4791 §5.3.2.1).
pub fn check(ical: &ICalendar, limits: &RecurrenceLimits) -> Result<(), Invalid> {
    let mut count = 0usize;
    // A VTIMEZONE's rules count for candidates only: calcard resolves a time zone by its
    // name, never by expanding its observances.
    for comp in &ical.components {
        let mut any = false;
        for rule in rules(comp) {
            any = true;
            let n = candidates_per_period(rule);
            if n > limits.max_rule_candidates {
                return Err(Invalid::max_instances(format!(
                    "a recurrence rule allows {n} candidates per {:?} period (at most {})",
                    rule.freq, limits.max_rule_candidates
                )));
            }
        }
        count += usize::from(any && comp.component_type.has_time_ranges());
    }
    if count > limits.max_recurrence_rules {
        return Err(Invalid::max_instances(format!(
            "{count} recurrence rules in one object (at most {})",
            limits.max_recurrence_rules
        )));
    }
    Ok(())
}

fn distinct<T: Ord + Clone>(v: &[T]) -> u64 {
    let mut v = v.to_vec();
    v.sort_unstable();
    v.dedup();
    v.len() as u64
}

/// An upper bound of the dates one period of `rule` can produce before BYSETPOS picks among
/// them (RFC 5545 §3.3.10: BY* parts expand or limit the period's set).
pub fn candidates_per_period(rule: &ICalendarRecurrenceRule) -> u64 {
    let n = |v: u64| v.max(1);
    let months = if rule.bymonth.is_empty() { 12 } else { distinct(&rule.bymonth) };
    let mut days: u64 = match rule.freq {
        ICalendarFrequency::Yearly => 366,
        ICalendarFrequency::Monthly => 31,
        ICalendarFrequency::Weekly => 7,
        _ => 1,
    };
    if !rule.byyearday.is_empty() {
        days = days.min(distinct(&rule.byyearday));
    }
    if !rule.bymonthday.is_empty() {
        let per_month = distinct(&rule.bymonthday);
        days = days.min(if rule.freq == ICalendarFrequency::Yearly { per_month * months } else { per_month });
    }
    if rule.freq == ICalendarFrequency::Yearly && !rule.bymonth.is_empty() {
        days = days.min(31 * months);
    }
    let (h, m, s) = (n(distinct(&rule.byhour)), n(distinct(&rule.byminute)), n(distinct(&rule.bysecond)));
    let times = match rule.freq {
        ICalendarFrequency::Hourly => m * s,
        ICalendarFrequency::Minutely => s,
        ICalendarFrequency::Secondly => 1,
        _ => h * m * s,
    };
    days.saturating_mul(times)
}

/// `ical` with every rule ending at `reach` (a UTC timestamp) at the latest: the dates up to
/// it are the same (RFC 5545 §3.3.10: UNTIL only cuts the set), none after it is computed.
pub fn clipped(ical: &mut ICalendar, reach: i64) {
    for comp in ical.components.iter_mut().filter(|c| c.component_type.has_time_ranges()) {
        for entry in comp.entries.iter_mut().filter(|e| e.name == ICalendarProperty::Rrule) {
            for value in &mut entry.values {
                // An UNTIL calcard cannot read makes it drop the rule: left as it is.
                if let ICalendarValue::RecurrenceRule(rule) = value
                    && rule.until.as_ref().is_none_or(|u| wall_clock(u).is_some_and(|u| u > reach))
                {
                    rule.until = Some(PartialDateTime::from_utc_timestamp(reach));
                }
            }
        }
    }
}

/// A date or date-time as calcard compares UNTIL: its wall-clock value read as UTC.
fn wall_clock(t: &PartialDateTime) -> Option<i64> {
    t.to_date_time().map(|d| d.date_time.and_utc().timestamp())
}

/// Whether the rule of `comp` may still yield dates after `reach`, given `seen` dates of it
/// up to there (its occurrences, its overrides and its EXDATEs): true without UNTIL or COUNT,
/// with UNTIL past `reach`, or with COUNT not yet used up.
pub fn goes_on(comp: &ICalendarComponent, reach: i64, seen: usize) -> bool {
    comp.component_type.has_time_ranges()
        && rules(comp).any(|rule| match (&rule.until, rule.count) {
            (Some(until), _) => wall_clock(until).is_none_or(|u| u > reach),
            (None, Some(count)) => (seen as u64) < u64::from(count),
            (None, None) => true,
        })
}

/// The number of EXDATE values of `comp`.
pub fn exdates(comp: &ICalendarComponent) -> usize {
    comp.entries.iter().filter(|e| e.name == ICalendarProperty::Exdate).map(|e| e.values.len()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule_of(ical: &ICalendar) -> String {
        ical.components.iter().flat_map(|c| rules(c).map(|r| r.to_string())).collect()
    }

    #[test]
    fn clipping_ends_a_rule_at_the_reach_and_never_later_than_its_own_until() {
        let reach = 1_767_225_600; // 2026-01-01T00:00:00Z
        // (RRULE, what it becomes)
        let table = [
            ("FREQ=DAILY", "FREQ=DAILY;UNTIL=20260101T000000Z"),
            ("FREQ=DAILY;UNTIL=20250101T000000Z", "FREQ=DAILY;UNTIL=20250101T000000Z"),
            ("FREQ=DAILY;UNTIL=20300101T000000Z", "FREQ=DAILY;UNTIL=20260101T000000Z"),
            ("FREQ=WEEKLY;COUNT=3", "FREQ=WEEKLY;UNTIL=20260101T000000Z;COUNT=3"),
        ];
        for (rule, want) in table {
            let text = format!(
                "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:20240101T000000Z\r\nRRULE:{rule}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
            );
            let calcard::Entry::ICalendar(mut ical) = calcard::Parser::new(&text).entry() else { panic!("{rule}") };
            clipped(&mut ical, reach);
            assert_eq!(rule_of(&ical), want, "{rule}");
        }
    }
}
