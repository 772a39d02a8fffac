//! Recurrence as Exchange clients know it (MS-ASCAL §2.2.2.39 Recurrence, MS-ASTASK
//! Recurrence): daily, weekly on a set of days, monthly on a day or on the nth weekday, yearly
//! likewise; an interval, and an end by date or by count. Read from and written as an RRULE
//! (RFC 5545 §3.3.10); rules Exchange cannot express (hourly, BYWEEKNO, several BYMONTHs) are
//! not read ([`Recurrence::from_rrule`] gives `None`) and stay in the object untouched.
//! Also the date-time values both conversions read and write (RFC 5545 §3.3.4, §3.3.5).

use relais_civil::{DateTime, unix_time};

use crate::lines::Line;
use crate::timezone::{utc_of_local, zone};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecurrenceKind {
    Daily,
    Weekly,
    /// On `day_of_month`.
    Monthly,
    /// On the `week_of_month`th of the days in `days_of_week`.
    MonthlyNth,
    /// On `day_of_month` of `month_of_year`.
    Yearly,
    /// On the `week_of_month`th of the days in `days_of_week` of `month_of_year`.
    YearlyNth,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recurrence {
    pub kind: RecurrenceKind,
    /// 1 and up.
    pub interval: u32,
    /// The last occurrence starts at or before this instant (UTC).
    pub until: Option<i64>,
    pub occurrences: Option<u32>,
    /// Sunday 1, Monday 2, Tuesday 4 … Saturday 64 (MS-ASCAL DayOfWeek).
    pub days_of_week: u8,
    /// 1–31 (0: none).
    pub day_of_month: u8,
    /// 1–5, 5 the last (0: none).
    pub week_of_month: u8,
    /// 1–12 (0: none).
    pub month_of_year: u8,
    /// 0 Sunday … 6 Saturday.
    pub first_day_of_week: Option<u8>,
}

const DAYS: [&str; 7] = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"];

/// A date-time value read: the instant, whether it was a DATE, and the IANA zone it named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub utc: i64,
    pub date: bool,
    pub zone: Option<String>,
}

/// Reads a DATE or DATE-TIME `value`; `tzid` from its TZID parameter. A DATE and a floating
/// time are read in `floating` (an IANA zone, else UTC).
pub(crate) fn read_stamp(value: &str, tzid: Option<&str>, floating: Option<&str>) -> Option<Stamp> {
    let v = value.trim();
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let num = |s: &str| s.parse::<i64>().ok();
    let (date, time) = match v.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (v, None),
    };
    if date.len() != 8 || !digits(date) {
        return None;
    }
    let (y, m, d) = (num(&date[..4])?, num(&date[4..6])?, num(&date[6..])?);
    if !relais_civil::is_valid(y, m, d) {
        return None;
    }
    let (secs, utc) = match time {
        None => (0, false),
        Some(t) => {
            let (t, z) = match t.strip_suffix(['Z', 'z']) {
                Some(t) => (t, true),
                None => (t, false),
            };
            if t.len() != 6 || !digits(t) {
                return None;
            }
            let (h, mi, s) = (num(&t[..2])?, num(&t[2..4])?, num(&t[4..])?);
            if h > 23 || mi > 59 || s > 60 {
                return None;
            }
            (h * 3600 + mi * 60 + s.min(59), z)
        }
    };
    let local = unix_time(y, m, d, secs);
    if utc {
        return Some(Stamp { utc: local, date: false, zone: None });
    }
    let named = tzid.and_then(|t| zone(t).and_then(|z| z.name().map(|n| (z, n.into_owned()))));
    let floating = floating.and_then(|f| zone(f).map(|z| (z, f.to_owned())));
    match (time.is_none(), named, floating) {
        (false, Some((z, name)), _) => Some(Stamp { utc: utc_of_local(&z, local), date: false, zone: Some(name) }),
        (date, _, Some((z, _))) => Some(Stamp { utc: utc_of_local(&z, local), date, zone: None }),
        (date, _, None) => Some(Stamp { utc: local, date, zone: None }),
    }
}

/// The local time (as if UTC) of instant `utc` in `iana` (UTC without one).
pub(crate) fn local_of(utc: i64, iana: Option<&str>) -> i64 {
    match iana.and_then(zone) {
        Some(z) => utc + i64::from(crate::timezone::offset_at(&z, utc)),
        None => utc,
    }
}

/// `20261205T100000Z`.
pub fn utc_stamp(t: i64) -> String {
    let d = DateTime::from_unix(t);
    format!("{:04}{:02}{:02}T{:02}{:02}{:02}Z", d.year, d.month, d.day, d.hour, d.minute, d.second)
}

fn local_stamp(local: i64) -> String {
    let mut s = utc_stamp(local);
    s.pop();
    s
}

fn date_stamp(local: i64) -> String {
    let d = DateTime::from_unix(local);
    format!("{:04}{:02}{:02}", d.year, d.month, d.day)
}

/// A DTSTART-like line for `utc`: a DATE (`date`), a local time with TZID (`iana`), or UTC.
pub(crate) fn stamp_line(name: &str, utc: i64, date: bool, iana: Option<&str>) -> Line {
    let local = local_of(utc, iana);
    match (date, iana) {
        (true, _) => Line::new(name, &[("VALUE", "DATE")], &date_stamp(local)),
        (false, Some(z)) => Line::new(name, &[("TZID", z)], &local_stamp(local)),
        (false, None) => Line::new(name, &[], &utc_stamp(utc)),
    }
}

impl Recurrence {
    /// The recurrence of an RRULE value, for a component starting at `start` (local time, as
    /// if UTC; its weekday, day and month are the rule's defaults), in zone `iana`.
    pub(crate) fn from_rrule(value: &str, start_local: i64, iana: Option<&str>) -> Option<Recurrence> {
        let mut parts = std::collections::HashMap::new();
        for p in value.split(';') {
            let (k, v) = p.split_once('=')?;
            parts.insert(k.trim().to_ascii_uppercase(), v.trim().to_ascii_uppercase());
        }
        let list = |k: &str| -> Vec<String> {
            parts.get(k).map(|v| v.split(',').map(str::to_owned).collect()).unwrap_or_default()
        };
        let start = DateTime::from_unix(start_local);
        let mut r = Recurrence {
            kind: RecurrenceKind::Daily,
            interval: parts.get("INTERVAL").and_then(|i| i.parse().ok()).filter(|i| *i > 0).unwrap_or(1),
            until: None,
            occurrences: parts.get("COUNT").and_then(|c| c.parse().ok()),
            days_of_week: 0,
            day_of_month: 0,
            week_of_month: 0,
            month_of_year: 0,
            first_day_of_week: parts.get("WKST").and_then(|w| DAYS.iter().position(|d| d == w)).map(|p| p as u8),
        };
        if let Some(u) = parts.get("UNTIL") {
            let s = read_stamp(u, None, iana)?;
            // A DATE includes its whole day.
            r.until = Some(if s.date { s.utc + 86_399 } else { s.utc });
        }
        if ["BYHOUR", "BYMINUTE", "BYSECOND", "BYWEEKNO", "BYYEARDAY"].iter().any(|k| parts.contains_key(*k)) {
            return None;
        }
        // BYDAY: weekdays with an optional ordinal (`2TU`, `-1FR`).
        let mut ordinal: Option<i32> = None;
        for d in list("BYDAY") {
            // Two letters after an optional signed number; anything else is not a rule here.
            if !d.is_ascii() {
                return None;
            }
            let split = d.len().checked_sub(2)?;
            let (n, day) = d.split_at(split);
            let at = DAYS.iter().position(|x| *x == day)?;
            r.days_of_week |= 1 << at;
            if !n.is_empty() {
                ordinal = Some(n.trim_start_matches('+').parse().ok()?);
            }
        }
        let setpos: Option<i32> = list("BYSETPOS").first().and_then(|p| p.parse().ok());
        let nth = ordinal.or(setpos).map(|n| if n < 0 { 5 } else { n.clamp(1, 5) as u8 });
        let month_days: Vec<i32> = list("BYMONTHDAY").iter().filter_map(|d| d.parse().ok()).collect();
        let months: Vec<u8> = list("BYMONTH").iter().filter_map(|m| m.parse().ok()).collect();
        if month_days.len() > 1 || months.len() > 1 {
            return None;
        }
        let weekday_of_start = 1u8 << start.weekday;
        match parts.get("FREQ").map(String::as_str)? {
            "DAILY" if r.days_of_week == 0 => r.kind = RecurrenceKind::Daily,
            "DAILY" | "WEEKLY" => {
                r.kind = RecurrenceKind::Weekly;
                if r.days_of_week == 0 {
                    r.days_of_week = weekday_of_start;
                }
            }
            freq @ ("MONTHLY" | "YEARLY") => {
                let yearly = freq == "YEARLY";
                if yearly {
                    r.month_of_year = months.first().copied().unwrap_or(start.month as u8);
                }
                match (nth, month_days.first()) {
                    (Some(n), None) if r.days_of_week != 0 => {
                        r.week_of_month = n;
                        r.kind = if yearly { RecurrenceKind::YearlyNth } else { RecurrenceKind::MonthlyNth };
                    }
                    // The last day of the month: the last of any day.
                    (None, Some(-1)) => {
                        r.week_of_month = 5;
                        r.days_of_week = 127;
                        r.kind = if yearly { RecurrenceKind::YearlyNth } else { RecurrenceKind::MonthlyNth };
                    }
                    (None, d) if r.days_of_week == 0 => {
                        let d = d.copied().unwrap_or(start.day as i32);
                        r.day_of_month = u8::try_from(d).ok().filter(|d| (1..=31).contains(d))?;
                        r.kind = if yearly { RecurrenceKind::Yearly } else { RecurrenceKind::Monthly };
                    }
                    _ => return None,
                }
            }
            _ => return None,
        }
        Some(r)
    }

    /// The RRULE value; UNTIL as a DATE for an all-day component (RFC 5545 §3.3.10: the type
    /// of DTSTART), as the local date in `iana`.
    pub(crate) fn to_rrule(&self, date: bool, iana: Option<&str>) -> String {
        let freq = match self.kind {
            RecurrenceKind::Daily => "DAILY",
            RecurrenceKind::Weekly => "WEEKLY",
            RecurrenceKind::Monthly | RecurrenceKind::MonthlyNth => "MONTHLY",
            RecurrenceKind::Yearly | RecurrenceKind::YearlyNth => "YEARLY",
        };
        let mut out = format!("FREQ={freq}");
        if self.interval > 1 {
            out.push_str(&format!(";INTERVAL={}", self.interval));
        }
        if let Some(u) = self.until {
            let value = if date { date_stamp(local_of(u, iana)) } else { utc_stamp(u) };
            out.push_str(&format!(";UNTIL={value}"));
        } else if let Some(n) = self.occurrences {
            out.push_str(&format!(";COUNT={n}"));
        }
        let days: Vec<&str> = (0..7).filter(|i| self.days_of_week & (1 << i) != 0).map(|i| DAYS[i]).collect();
        let month = self.month_of_year.clamp(1, 12);
        let nth = if self.week_of_month >= 5 { -1 } else { i32::from(self.week_of_month.max(1)) };
        match self.kind {
            RecurrenceKind::Daily => {}
            RecurrenceKind::Weekly if !days.is_empty() => out.push_str(&format!(";BYDAY={}", days.join(","))),
            RecurrenceKind::Weekly => {}
            RecurrenceKind::Monthly => out.push_str(&format!(";BYMONTHDAY={}", self.day_of_month.clamp(1, 31))),
            RecurrenceKind::Yearly => {
                out.push_str(&format!(";BYMONTH={month};BYMONTHDAY={}", self.day_of_month.clamp(1, 31)))
            }
            RecurrenceKind::MonthlyNth | RecurrenceKind::YearlyNth => {
                if self.kind == RecurrenceKind::YearlyNth {
                    out.push_str(&format!(";BYMONTH={month}"));
                }
                match days.as_slice() {
                    // Every day of the week, the last: the last day of the month.
                    all if all.len() == 7 && nth == -1 => out.push_str(";BYMONTHDAY=-1"),
                    [one] => out.push_str(&format!(";BYDAY={nth}{one}")),
                    many => out.push_str(&format!(";BYDAY={};BYSETPOS={nth}", many.join(","))),
                }
            }
        }
        if let Some(w) = self.first_day_of_week.filter(|w| *w < 7) {
            out.push_str(&format!(";WKST={}", DAYS[usize::from(w)]));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(kind: RecurrenceKind) -> Recurrence {
        Recurrence {
            kind,
            interval: 1,
            until: None,
            occurrences: None,
            days_of_week: 0,
            day_of_month: 0,
            week_of_month: 0,
            month_of_year: 0,
            first_day_of_week: None,
        }
    }

    #[test]
    fn rules_both_ways() {
        // Start: Tuesday 2026-12-08 10:00.
        let start = unix_time(2026, 12, 8, 36_000);
        let cases = [
            (
                "FREQ=DAILY;INTERVAL=2;COUNT=10",
                Recurrence { interval: 2, occurrences: Some(10), ..rec(RecurrenceKind::Daily) },
            ),
            ("FREQ=WEEKLY;BYDAY=MO,WE,FR", Recurrence { days_of_week: 2 | 8 | 32, ..rec(RecurrenceKind::Weekly) }),
            (
                "FREQ=WEEKLY;UNTIL=20270301T090000Z;BYDAY=TU;WKST=MO",
                Recurrence {
                    days_of_week: 4,
                    until: Some(unix_time(2027, 3, 1, 32_400)),
                    first_day_of_week: Some(1),
                    ..rec(RecurrenceKind::Weekly)
                },
            ),
            ("FREQ=MONTHLY;BYMONTHDAY=8", Recurrence { day_of_month: 8, ..rec(RecurrenceKind::Monthly) }),
            (
                "FREQ=MONTHLY;BYDAY=2TU",
                Recurrence { days_of_week: 4, week_of_month: 2, ..rec(RecurrenceKind::MonthlyNth) },
            ),
            (
                "FREQ=MONTHLY;BYDAY=-1FR",
                Recurrence { days_of_week: 32, week_of_month: 5, ..rec(RecurrenceKind::MonthlyNth) },
            ),
            (
                "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1",
                Recurrence { days_of_week: 62, week_of_month: 1, ..rec(RecurrenceKind::MonthlyNth) },
            ),
            (
                "FREQ=MONTHLY;BYMONTHDAY=-1",
                Recurrence { days_of_week: 127, week_of_month: 5, ..rec(RecurrenceKind::MonthlyNth) },
            ),
            (
                "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=8",
                Recurrence { day_of_month: 8, month_of_year: 12, ..rec(RecurrenceKind::Yearly) },
            ),
            (
                "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH",
                Recurrence { days_of_week: 16, week_of_month: 4, month_of_year: 11, ..rec(RecurrenceKind::YearlyNth) },
            ),
        ];
        for (rule, want) in cases {
            let got = Recurrence::from_rrule(rule, start, None);
            assert_eq!(got.as_ref(), Some(&want), "{rule}");
            assert_eq!(want.to_rrule(false, None), rule, "{rule}");
        }
        // Defaults from the start, and what Exchange cannot say.
        assert_eq!(
            Recurrence::from_rrule("FREQ=WEEKLY", start, None).map(|r| r.days_of_week),
            Some(4),
            "the start's weekday"
        );
        assert_eq!(Recurrence::from_rrule("FREQ=MONTHLY", start, None).map(|r| r.day_of_month), Some(8));
        assert_eq!(Recurrence::from_rrule("FREQ=YEARLY", start, None).map(|r| r.month_of_year), Some(12));
        for rule in
            ["FREQ=HOURLY", "FREQ=DAILY;BYHOUR=9,17", "FREQ=YEARLY;BYMONTH=1,7", "BYDAY=MO", "FREQ=WEEKLY;BYDAY=XX"]
        {
            assert_eq!(Recurrence::from_rrule(rule, start, None), None, "{rule}");
        }
    }

    #[test]
    fn stamps() {
        let berlin = read_stamp("20261208T100000", Some("Europe/Berlin"), None).unwrap();
        assert_eq!(
            berlin,
            Stamp { utc: unix_time(2026, 12, 8, 9 * 3600), date: false, zone: Some("Europe/Berlin".into()) }
        );
        let windows = read_stamp("20260708T100000", Some("W. Europe Standard Time"), None).unwrap();
        assert_eq!((windows.utc, windows.zone.as_deref()), (unix_time(2026, 7, 8, 8 * 3600), Some("Europe/Berlin")));
        assert_eq!(
            read_stamp("20261208", None, None).map(|s| (s.utc, s.date)),
            Some((unix_time(2026, 12, 8, 0), true))
        );
        assert_eq!(read_stamp("20261208T100000Z", Some("Europe/Berlin"), None).map(|s| s.zone), Some(None));
        for bad in ["2026120", "20261308", "20261208T25", "20261208T250000", "x"] {
            assert_eq!(read_stamp(bad, None, None), None, "{bad}");
        }
        let l = stamp_line("DTSTART", berlin.utc, false, Some("Europe/Berlin"));
        assert_eq!(l.raw, "DTSTART;TZID=Europe/Berlin:20261208T100000");
        assert_eq!(stamp_line("DTSTART", berlin.utc, true, Some("Europe/Berlin")).raw, "DTSTART;VALUE=DATE:20261208");
        assert_eq!(stamp_line("DTEND", berlin.utc, false, None).raw, "DTEND:20261208T090000Z");
    }
}
