//! Time zones as Exchange clients carry them: a standard offset and, for zones with daylight
//! saving time, the two yearly transitions as "the nth weekday of a month at a local time"
//! ([`ZoneRules`]). Computed from an IANA zone for a given year (the offsets calcard's zones
//! give, so they follow the tz database), written as the ActiveSync TimeZone blob
//! (MS-ASDTYPE §2.6.4, the Win32 TIME_ZONE_INFORMATION layout: 172 bytes) with the Windows zone
//! name where one is known, and as a VTIMEZONE for an iCalendar object that names the zone.
//! A blob is read back to the zone its name and rules match, else to a fixed offset.

use std::str::FromStr;

use calcard::common::timezone::Tz;
use chrono::{Offset, TimeZone};
use relais_civil::{civil_from_days, days_from_civil, days_in_month};

/// When a zone changes offset each year: the `week`th `weekday` (0 Sunday … 6 Saturday) of
/// `month` (1–12), week 5 meaning the last, at `hour:minute` local time in the offset before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub month: u8,
    pub weekday: u8,
    pub week: u8,
    pub hour: u8,
    pub minute: u8,
}

/// Daylight saving time: its offset and when it starts and ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Daylight {
    /// Minutes east of UTC while it is in force.
    pub offset: i32,
    pub start: Transition,
    pub end: Transition,
}

/// A zone's offsets for one year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZoneRules {
    /// Minutes east of UTC outside daylight saving time.
    pub standard: i32,
    pub daylight: Option<Daylight>,
}

/// A zone read back from a client: a named IANA zone, or only an offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Zone {
    Named(String),
    /// Minutes east of UTC.
    Fixed(i32),
}

/// The length of the TimeZone blob (MS-ASDTYPE §2.6.4).
pub const BLOB_LEN: usize = 172;

/// Common IANA zones and the Windows names Exchange clients show (CLDR's windowsZones, the
/// territory "001" entries); the standard-time name, then the daylight one.
const WINDOWS: &[(&str, &str, &str)] = &[
    ("UTC", "UTC", "UTC"),
    ("Etc/UTC", "UTC", "UTC"),
    ("Europe/London", "GMT Standard Time", "GMT Daylight Time"),
    ("Europe/Dublin", "GMT Standard Time", "GMT Daylight Time"),
    ("Europe/Lisbon", "GMT Standard Time", "GMT Daylight Time"),
    ("Atlantic/Reykjavik", "Greenwich Standard Time", "Greenwich Daylight Time"),
    ("Europe/Berlin", "W. Europe Standard Time", "W. Europe Daylight Time"),
    ("Europe/Amsterdam", "W. Europe Standard Time", "W. Europe Daylight Time"),
    ("Europe/Rome", "W. Europe Standard Time", "W. Europe Daylight Time"),
    ("Europe/Stockholm", "W. Europe Standard Time", "W. Europe Daylight Time"),
    ("Europe/Vienna", "W. Europe Standard Time", "W. Europe Daylight Time"),
    ("Europe/Zurich", "W. Europe Standard Time", "W. Europe Daylight Time"),
    ("Europe/Paris", "Romance Standard Time", "Romance Daylight Time"),
    ("Europe/Brussels", "Romance Standard Time", "Romance Daylight Time"),
    ("Europe/Madrid", "Romance Standard Time", "Romance Daylight Time"),
    ("Europe/Copenhagen", "Romance Standard Time", "Romance Daylight Time"),
    ("Europe/Prague", "Central Europe Standard Time", "Central Europe Daylight Time"),
    ("Europe/Budapest", "Central Europe Standard Time", "Central Europe Daylight Time"),
    ("Europe/Warsaw", "Central European Standard Time", "Central European Daylight Time"),
    ("Europe/Athens", "GTB Standard Time", "GTB Daylight Time"),
    ("Europe/Bucharest", "GTB Standard Time", "GTB Daylight Time"),
    ("Europe/Helsinki", "FLE Standard Time", "FLE Daylight Time"),
    ("Europe/Kiev", "FLE Standard Time", "FLE Daylight Time"),
    ("Europe/Kyiv", "FLE Standard Time", "FLE Daylight Time"),
    ("Europe/Istanbul", "Turkey Standard Time", "Turkey Daylight Time"),
    ("Europe/Moscow", "Russian Standard Time", "Russian Daylight Time"),
    ("Africa/Cairo", "Egypt Standard Time", "Egypt Daylight Time"),
    ("Africa/Johannesburg", "South Africa Standard Time", "South Africa Daylight Time"),
    ("Africa/Lagos", "W. Central Africa Standard Time", "W. Central Africa Daylight Time"),
    ("Africa/Nairobi", "E. Africa Standard Time", "E. Africa Daylight Time"),
    ("Asia/Jerusalem", "Israel Standard Time", "Israel Daylight Time"),
    ("Asia/Dubai", "Arabian Standard Time", "Arabian Daylight Time"),
    ("Asia/Tehran", "Iran Standard Time", "Iran Daylight Time"),
    ("Asia/Karachi", "Pakistan Standard Time", "Pakistan Daylight Time"),
    ("Asia/Kolkata", "India Standard Time", "India Daylight Time"),
    ("Asia/Calcutta", "India Standard Time", "India Daylight Time"),
    ("Asia/Kathmandu", "Nepal Standard Time", "Nepal Daylight Time"),
    ("Asia/Dhaka", "Bangladesh Standard Time", "Bangladesh Daylight Time"),
    ("Asia/Bangkok", "SE Asia Standard Time", "SE Asia Daylight Time"),
    ("Asia/Jakarta", "SE Asia Standard Time", "SE Asia Daylight Time"),
    ("Asia/Shanghai", "China Standard Time", "China Daylight Time"),
    ("Asia/Hong_Kong", "China Standard Time", "China Daylight Time"),
    ("Asia/Singapore", "Singapore Standard Time", "Malay Peninsula Daylight Time"),
    ("Asia/Taipei", "Taipei Standard Time", "Taipei Daylight Time"),
    ("Asia/Tokyo", "Tokyo Standard Time", "Tokyo Daylight Time"),
    ("Asia/Seoul", "Korea Standard Time", "Korea Daylight Time"),
    ("Australia/Perth", "W. Australia Standard Time", "W. Australia Daylight Time"),
    ("Australia/Adelaide", "Cen. Australia Standard Time", "Cen. Australia Daylight Time"),
    ("Australia/Darwin", "AUS Central Standard Time", "AUS Central Daylight Time"),
    ("Australia/Brisbane", "E. Australia Standard Time", "E. Australia Daylight Time"),
    ("Australia/Sydney", "AUS Eastern Standard Time", "AUS Eastern Daylight Time"),
    ("Australia/Melbourne", "AUS Eastern Standard Time", "AUS Eastern Daylight Time"),
    ("Pacific/Auckland", "New Zealand Standard Time", "New Zealand Daylight Time"),
    ("Pacific/Honolulu", "Hawaiian Standard Time", "Hawaiian Daylight Time"),
    ("America/Anchorage", "Alaskan Standard Time", "Alaskan Daylight Time"),
    ("America/Los_Angeles", "Pacific Standard Time", "Pacific Daylight Time"),
    ("America/Vancouver", "Pacific Standard Time", "Pacific Daylight Time"),
    ("America/Phoenix", "US Mountain Standard Time", "US Mountain Daylight Time"),
    ("America/Denver", "Mountain Standard Time", "Mountain Daylight Time"),
    ("America/Edmonton", "Mountain Standard Time", "Mountain Daylight Time"),
    ("America/Chicago", "Central Standard Time", "Central Daylight Time"),
    ("America/Winnipeg", "Central Standard Time", "Central Daylight Time"),
    ("America/Mexico_City", "Central Standard Time (Mexico)", "Central Daylight Time (Mexico)"),
    ("America/New_York", "Eastern Standard Time", "Eastern Daylight Time"),
    ("America/Toronto", "Eastern Standard Time", "Eastern Daylight Time"),
    ("America/Bogota", "SA Pacific Standard Time", "SA Pacific Daylight Time"),
    ("America/Caracas", "Venezuela Standard Time", "Venezuela Daylight Time"),
    ("America/Halifax", "Atlantic Standard Time", "Atlantic Daylight Time"),
    ("America/St_Johns", "Newfoundland Standard Time", "Newfoundland Daylight Time"),
    ("America/Santiago", "Pacific SA Standard Time", "Pacific SA Daylight Time"),
    ("America/Sao_Paulo", "E. South America Standard Time", "E. South America Daylight Time"),
    ("America/Argentina/Buenos_Aires", "Argentina Standard Time", "Argentina Daylight Time"),
];

/// The zone named `tzid` (an IANA name, or a Windows or other name calcard knows), if any.
pub fn zone(tzid: &str) -> Option<Tz> {
    Tz::from_str(tzid).ok().filter(|z| !z.is_floating())
}

/// The IANA name of the zone `tzid` names (`W. Europe Standard Time` → `Europe/Berlin`).
pub fn iana_name(tzid: &str) -> Option<String> {
    zone(tzid).and_then(|z| z.name()).map(|n| n.into_owned())
}

/// The Windows names (standard, daylight) of an IANA zone, if it is a common one.
pub fn windows_names(iana: &str) -> Option<(&'static str, &'static str)> {
    WINDOWS.iter().find(|(i, _, _)| *i == iana).map(|(_, s, d)| (*s, *d))
}

/// The offset of `zone` at `t` (Unix seconds), in seconds east of UTC.
pub fn offset_at(zone: &Tz, t: i64) -> i32 {
    match chrono::DateTime::from_timestamp(t, 0) {
        Some(d) => zone.offset_from_utc_datetime(&d.naive_utc()).fix().local_minus_utc(),
        None => 0,
    }
}

/// The UTC instant of the local time `local` (seconds, as if local were UTC) in `zone`; in a
/// gap the offset before it is used, in an overlap the earlier instant.
pub fn utc_of_local(zone: &Tz, local: i64) -> i64 {
    let first = local - i64::from(offset_at(zone, local));
    let second = local - i64::from(offset_at(zone, first));
    if offset_at(zone, second) == offset_at(zone, first) { second.min(first) } else { first }
}

/// The `week`th (5: last) `weekday` of `month` in `year`, as a day of the month.
pub fn nth_weekday(year: i64, month: u8, weekday: u8, week: u8) -> i64 {
    let month = i64::from(month);
    let first = days_from_civil(year, month, 1);
    // 1970-01-01 was a Thursday (4).
    let first_weekday = (first + 4).rem_euclid(7);
    let mut day = 1 + (i64::from(weekday) - first_weekday).rem_euclid(7) + 7 * (i64::from(week.clamp(1, 5)) - 1);
    while day > days_in_month(year, month) {
        day -= 7;
    }
    day
}

impl Transition {
    /// The transition at local time `local` (seconds, as if local were UTC).
    fn at_local(local: i64) -> Transition {
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let week = if d + 7 > days_in_month(y, m) { 5 } else { ((d - 1) / 7 + 1) as u8 };
        Transition {
            month: m as u8,
            weekday: (days + 4).rem_euclid(7) as u8,
            week,
            hour: (secs / 3600) as u8,
            minute: (secs % 3600 / 60) as u8,
        }
    }
}

impl ZoneRules {
    /// The rules of `zone` in `year`: its offsets through the year, and where two are found,
    /// the instants it changes between them.
    pub fn of(zone: &Tz, year: i64) -> ZoneRules {
        let start = days_from_civil(year, 1, 1) * 86_400 + 43_200;
        let days = if relais_civil::is_leap(year) { 366 } else { 365 };
        let mut changes = Vec::new();
        let mut before = offset_at(zone, start);
        let first = before;
        for day in 1..=days {
            let t = start + day * 86_400;
            let now = offset_at(zone, t);
            if now != before {
                // The first second of the new offset, by halving the day.
                let (mut lo, mut hi) = (t - 86_400, t);
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if offset_at(zone, mid) == before { lo = mid } else { hi = mid }
                }
                changes.push((hi, before, now));
                before = now;
            }
        }
        match changes.as_slice() {
            [(t1, o1, n1), (t2, o2, _), ..] => {
                let (standard, daylight) = (i32::min(*o1, *n1), i32::max(*o1, *n1));
                let local = |t: i64, o: i32| Transition::at_local(t + i64::from(o));
                // The change into the larger offset starts daylight saving time.
                let (start, end) =
                    if n1 > o1 { (local(*t1, *o1), local(*t2, *o2)) } else { (local(*t2, *o2), local(*t1, *o1)) };
                ZoneRules { standard: standard / 60, daylight: Some(Daylight { offset: daylight / 60, start, end }) }
            }
            // One change (a zone that gave up DST this year): the offset it ends with.
            [(_, _, n), ..] => ZoneRules { standard: n / 60, daylight: None },
            [] => ZoneRules { standard: first / 60, daylight: None },
        }
    }

    /// The offset in minutes east of UTC at `t`, by these rules.
    pub fn offset_at(&self, t: i64) -> i32 {
        let Some(d) = self.daylight else { return self.standard };
        let (y, _, _) = civil_from_days((t + i64::from(self.standard) * 60).div_euclid(86_400));
        let at = |x: &Transition, offset: i32| {
            let day = days_from_civil(y, i64::from(x.month), nth_weekday(y, x.month, x.weekday, x.week));
            day * 86_400 + i64::from(x.hour) * 3600 + i64::from(x.minute) * 60 - i64::from(offset) * 60
        };
        let (start, end) = (at(&d.start, self.standard), at(&d.end, d.offset));
        let inside = if start < end { t >= start && t < end } else { t >= start || t < end };
        if inside { d.offset } else { self.standard }
    }

    /// The ActiveSync TimeZone blob (MS-ASDTYPE §2.6.4): Bias, StandardName, StandardDate,
    /// StandardBias, DaylightName, DaylightDate, DaylightBias, little-endian; Bias is UTC minus
    /// local time in minutes, the dates are SYSTEMTIMEs with year 0 (a yearly rule) and the
    /// week of the month in wDay.
    pub fn eas_blob(&self, names: (&str, &str)) -> [u8; BLOB_LEN] {
        let mut out = [0u8; BLOB_LEN];
        out[0..4].copy_from_slice(&(-self.standard).to_le_bytes());
        write_name(&mut out[4..68], names.0);
        if let Some(d) = self.daylight {
            write_date(&mut out[68..84], &d.end);
            write_name(&mut out[88..152], names.1);
            write_date(&mut out[152..168], &d.start);
            out[168..172].copy_from_slice(&(self.standard - d.offset).to_le_bytes());
        } else {
            write_name(&mut out[88..152], names.1);
        }
        out
    }

    /// The rules and the standard-time name of a TimeZone blob; `None` when it is not one.
    pub fn from_eas_blob(blob: &[u8]) -> Option<(ZoneRules, String)> {
        if blob.len() != BLOB_LEN {
            return None;
        }
        let int = |at: usize| i32::from_le_bytes([blob[at], blob[at + 1], blob[at + 2], blob[at + 3]]);
        let bias = int(0);
        let standard_bias = int(84);
        let daylight_bias = int(168);
        // Biases past a day are not a zone.
        if [bias, standard_bias, daylight_bias].iter().any(|b| b.abs() > 24 * 60) {
            return None;
        }
        let name = read_name(&blob[4..68]);
        let standard = -(bias + standard_bias);
        let (end, start) = (read_date(&blob[68..84]), read_date(&blob[152..168]));
        let daylight = match (start, end) {
            (Some(start), Some(end)) if daylight_bias != 0 => {
                Some(Daylight { offset: -(bias + daylight_bias), start, end })
            }
            _ => None,
        };
        Some((ZoneRules { standard, daylight }, name))
    }

    /// A VTIMEZONE for `tzid` with these rules as yearly ones (RFC 5545 §3.6.5), for an object
    /// that names the zone: clients that do not know the name read the rules.
    pub fn vtimezone(&self, tzid: &str) -> Vec<String> {
        let offset = |m: i32| format!("{}{:02}{:02}", if m < 0 { '-' } else { '+' }, m.abs() / 60, m.abs() % 60);
        let mut lines = vec!["BEGIN:VTIMEZONE".to_owned(), format!("TZID:{tzid}")];
        let Some(d) = self.daylight else {
            lines.extend([
                "BEGIN:STANDARD".to_owned(),
                "DTSTART:19700101T000000".to_owned(),
                format!("TZOFFSETFROM:{}", offset(self.standard)),
                format!("TZOFFSETTO:{}", offset(self.standard)),
                "END:STANDARD".to_owned(),
                "END:VTIMEZONE".to_owned(),
            ]);
            return lines;
        };
        const DAYS: [&str; 7] = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"];
        for (kind, x, from, to) in
            [("DAYLIGHT", d.start, self.standard, d.offset), ("STANDARD", d.end, d.offset, self.standard)]
        {
            let day = nth_weekday(1970, x.month, x.weekday, x.week);
            let ord = if x.week >= 5 { -1 } else { i32::from(x.week) };
            lines.extend([
                format!("BEGIN:{kind}"),
                format!("DTSTART:1970{:02}{:02}T{:02}{:02}00", x.month, day, x.hour, x.minute),
                format!("RRULE:FREQ=YEARLY;BYMONTH={};BYDAY={ord}{}", x.month, DAYS[usize::from(x.weekday % 7)]),
                format!("TZOFFSETFROM:{}", offset(from)),
                format!("TZOFFSETTO:{}", offset(to)),
                format!("END:{kind}"),
            ]);
        }
        lines.push("END:VTIMEZONE".to_owned());
        lines
    }
}

/// The blob of a zone for the year of `t`: an IANA zone's rules and Windows names (the IANA
/// name where no Windows one is known), or UTC for none.
pub fn eas_blob_for(iana: Option<&str>, t: i64) -> [u8; BLOB_LEN] {
    let year = civil_from_days(t.div_euclid(86_400)).0;
    match iana.and_then(|n| zone(n).map(|z| (n, z))) {
        Some((name, z)) => {
            let rules = ZoneRules::of(&z, year);
            let canonical = z.name().map(|c| c.into_owned()).unwrap_or_else(|| name.to_owned());
            let names = windows_names(&canonical).unwrap_or((canonical.as_str(), canonical.as_str()));
            rules.eas_blob(names)
        }
        None => ZoneRules { standard: 0, daylight: None }.eas_blob(("UTC", "UTC")),
    }
}

/// The zone a TimeZone blob stands for in the year of `t`: the zone its name names when that
/// zone has its rules, else a common zone with the same rules, else its standard offset.
pub fn zone_of_blob(blob: &[u8], t: i64) -> Option<Zone> {
    let (rules, name) = ZoneRules::from_eas_blob(blob)?;
    let year = civil_from_days(t.div_euclid(86_400)).0;
    // A zone's offsets in mid-January and mid-July must be the blob's before its whole year
    // is worked out (365 offsets and a search per change): a blob of no known zone, which
    // a device may send with every event, would otherwise cost the year of every zone listed.
    let (january, july) = (days_from_civil(year, 1, 15) * 86_400, days_from_civil(year, 7, 15) * 86_400);
    let offsets = [Some(rules.standard), rules.daylight.map(|d| d.offset)];
    let plausible = |z: &Tz| [january, july].iter().all(|t| offsets.contains(&Some(offset_at(z, *t) / 60)));
    let same = |iana: &str| zone(iana).is_some_and(|z| plausible(&z) && ZoneRules::of(&z, year) == rules);
    if let Some((iana, _, _)) = WINDOWS.iter().find(|(i, s, _)| (*s == name || *i == name) && same(i)) {
        return Some(Zone::Named((*iana).to_owned()));
    }
    if let Some(iana) = iana_name(&name).filter(|n| same(n)) {
        return Some(Zone::Named(iana));
    }
    if rules.daylight.is_none() && rules.standard == 0 {
        return Some(Zone::Named("UTC".to_owned()));
    }
    match WINDOWS.iter().find(|(i, _, _)| same(i)) {
        Some((iana, _, _)) => Some(Zone::Named((*iana).to_owned())),
        None => Some(Zone::Fixed(rules.standard)),
    }
}

fn write_name(out: &mut [u8], name: &str) {
    // 32 UTF-16 code units, the last a terminating zero.
    for (i, unit) in name.encode_utf16().take(31).enumerate() {
        out[i * 2..i * 2 + 2].copy_from_slice(&unit.to_le_bytes());
    }
}

fn read_name(bytes: &[u8]) -> String {
    let units: Vec<u16> =
        bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).take_while(|u| *u != 0).collect();
    String::from_utf16_lossy(&units)
}

/// A SYSTEMTIME: wYear, wMonth, wDayOfWeek, wDay, wHour, wMinute, wSecond, wMilliseconds.
fn write_date(out: &mut [u8], x: &Transition) {
    let fields = [0u16, x.month.into(), x.weekday.into(), x.week.into(), x.hour.into(), x.minute.into(), 0, 0];
    for (i, f) in fields.iter().enumerate() {
        out[i * 2..i * 2 + 2].copy_from_slice(&f.to_le_bytes());
    }
}

fn read_date(bytes: &[u8]) -> Option<Transition> {
    let f = |i: usize| u16::from_le_bytes([bytes[i * 2], bytes[i * 2 + 1]]);
    let (month, weekday, week, hour, minute) = (f(1), f(2), f(3), f(4), f(5));
    if month == 0 || month > 12 || weekday > 6 || week == 0 || week > 5 || hour > 23 || minute > 59 {
        return None;
    }
    Some(Transition {
        month: month as u8,
        weekday: weekday as u8,
        week: week as u8,
        hour: hour as u8,
        minute: minute as u8,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(iana: &str, year: i64) -> ZoneRules {
        ZoneRules::of(&zone(iana).unwrap(), year)
    }

    #[test]
    fn rules_of_zones() {
        let t = |month, weekday, week, hour| Transition { month, weekday, week, hour, minute: 0 };
        let cases = [
            ("Europe/Berlin", 60, Some((120, t(3, 0, 5, 2), t(10, 0, 5, 3)))),
            ("America/New_York", -300, Some((-240, t(3, 0, 2, 2), t(11, 0, 1, 2)))),
            ("Australia/Sydney", 600, Some((660, t(10, 0, 1, 2), t(4, 0, 1, 3)))),
            ("Asia/Tokyo", 540, None),
            ("Asia/Kolkata", 330, None),
            ("UTC", 0, None),
        ];
        for (iana, standard, daylight) in cases {
            let r = rules(iana, 2026);
            assert_eq!(r.standard, standard, "{iana}");
            assert_eq!(r.daylight.map(|d| (d.offset, d.start, d.end)), daylight, "{iana}");
        }
    }

    #[test]
    fn rules_give_the_zones_offsets() {
        for iana in ["Europe/Berlin", "America/New_York", "Australia/Sydney", "America/Santiago"] {
            let z = zone(iana).unwrap();
            let r = ZoneRules::of(&z, 2026);
            let start = days_from_civil(2026, 1, 1) * 86_400;
            for h in (0..365 * 24).step_by(7) {
                let at = start + h * 3600;
                assert_eq!(r.offset_at(at) * 60, offset_at(&z, at), "{iana} at {at}");
            }
        }
    }

    #[test]
    fn blobs_both_ways() {
        let cases = [
            ("Europe/Berlin", Zone::Named("Europe/Berlin".into()), "W. Europe Standard Time"),
            ("America/New_York", Zone::Named("America/New_York".into()), "Eastern Standard Time"),
            ("Asia/Tokyo", Zone::Named("Asia/Tokyo".into()), "Tokyo Standard Time"),
            ("Asia/Kathmandu", Zone::Named("Asia/Kathmandu".into()), "Nepal Standard Time"),
        ];
        let t = days_from_civil(2026, 6, 1) * 86_400;
        for (iana, back, name) in cases {
            let blob = eas_blob_for(Some(iana), t);
            assert_eq!(blob.len(), 172);
            let (_, read) = ZoneRules::from_eas_blob(&blob).unwrap();
            assert_eq!(read, name);
            assert_eq!(zone_of_blob(&blob, t), Some(back), "{iana}");
        }
        // Berlin: Bias -60, DaylightBias -60, the last Sunday of March at 02:00.
        let blob = eas_blob_for(Some("Europe/Berlin"), t);
        assert_eq!(&blob[0..4], &(-60i32).to_le_bytes());
        assert_eq!(&blob[168..172], &(-60i32).to_le_bytes());
        assert_eq!(&blob[152..168], &[0, 0, 3, 0, 0, 0, 5, 0, 2, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(zone_of_blob(&eas_blob_for(None, t), t), Some(Zone::Named("UTC".into())));
    }

    #[test]
    fn blobs_from_phones() {
        let t = days_from_civil(2026, 6, 1) * 86_400;
        // A name no zone has, with Paris's rules: a zone with the same rules.
        let mut blob = eas_blob_for(Some("Europe/Paris"), t);
        write_name(&mut blob[4..68], "Mitteleuropäische Zeit");
        assert!(matches!(zone_of_blob(&blob, t), Some(Zone::Named(n)) if zone(&n).is_some()));
        // An offset only: +05:45 standard, no rules of a known zone.
        let odd = ZoneRules { standard: 345 + 60, daylight: None }.eas_blob(("Odd", "Odd"));
        assert_eq!(zone_of_blob(&odd, t), Some(Zone::Fixed(405)));
        // Not a blob.
        let mut far = [0u8; 172];
        far[2] = 1;
        for bad in [&[0u8; 10][..], &far[..]] {
            assert_eq!(zone_of_blob(bad, t), None);
        }
    }

    /// A blob of no zone costs about one zone's year, not one for each zone it is compared with.
    #[test]
    fn a_blob_of_no_known_zone_is_read_quickly() {
        let t = days_from_civil(2026, 6, 1) * 86_400;
        let shift = |month| Transition { month, weekday: 0, week: 5, hour: 2, minute: 0 };
        let daylight = Some(Daylight { offset: 500, start: shift(3), end: shift(10) });
        let odd = ZoneRules { standard: 405, daylight }.eas_blob(("Odd", "Odd"));
        let berlin = zone("Europe/Berlin").unwrap();
        let time = |f: &dyn Fn()| {
            let start = std::time::Instant::now();
            for _ in 0..5 {
                f();
            }
            start.elapsed()
        };
        let year = time(&|| {
            std::hint::black_box(ZoneRules::of(&berlin, 2026));
        });
        let blob = time(&|| assert_eq!(zone_of_blob(&odd, t), Some(Zone::Fixed(405))));
        assert!(blob < year * 8, "{blob:?} for a blob, {year:?} for a zone's year");
    }

    #[test]
    fn vtimezone_rules() {
        let lines = rules("Europe/Berlin", 2026).vtimezone("Europe/Berlin");
        let text = lines.join("\n");
        assert!(text.contains("RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"), "{text}");
        assert!(text.contains("DTSTART:19701025T030000"), "{text}");
        assert!(text.contains("TZOFFSETTO:+0200"), "{text}");
    }
}
