//! CalDAV time ranges (RFC 4791 §9.9) and the iCalendar UTC date-times they are written in
//! (RFC 5545 §3.3.5 form 2, `19980119T070000Z`), converted to Unix seconds without a
//! calendar library.

use crate::error::DavXmlError;
use crate::xml::Element;

/// A half-open interval `[start, end)` in Unix seconds; a missing bound is unbounded
/// (RFC 4791 §9.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeRange {
    pub start: Option<i64>,
    pub end: Option<i64>,
}

impl TimeRange {
    /// Whether `[start, end)` of a component overlaps this range, with the open-ended
    /// comparisons of RFC 4791 §9.9 (`start < range.end && end > range.start`).
    pub fn overlaps(&self, start: i64, end: i64) -> bool {
        self.end.is_none_or(|e| start < e) && self.start.is_none_or(|s| end > s)
    }

    /// Reads the `start`/`end` attributes of a time-range (or expand, limit-*-set) element.
    /// At least one bound is required and end must be after start (RFC 4791 §9.9).
    pub(crate) fn from_element(el: &Element) -> Result<TimeRange, DavXmlError> {
        let start = el.attr("start").map(parse_utc).transpose()?;
        let end = el.attr("end").map(parse_utc).transpose()?;
        if start.is_none() && end.is_none() {
            return Err(DavXmlError::InvalidTimeRange("neither start nor end".into()));
        }
        if let (Some(s), Some(e)) = (start, end)
            && e <= s
        {
            return Err(DavXmlError::InvalidTimeRange("end is not after start".into()));
        }
        Ok(TimeRange { start, end })
    }

    /// Like [`from_element`](Self::from_element) but both bounds are required: CALDAV:expand,
    /// limit-recurrence-set and limit-freebusy-set (RFC 4791 §9.6.5–§9.6.7).
    pub(crate) fn bounded(el: &Element) -> Result<TimeRange, DavXmlError> {
        let range = TimeRange::from_element(el)?;
        if range.start.is_none() || range.end.is_none() {
            return Err(DavXmlError::InvalidTimeRange(format!("{} needs start and end", el.name.local)));
        }
        Ok(range)
    }
}

/// Parses `YYYYMMDDTHHMMSSZ` (UTC only, RFC 4791 §9.9) into Unix seconds.
pub fn parse_utc(s: &str) -> Result<i64, DavXmlError> {
    let bad = || DavXmlError::InvalidTimeRange(format!("{s:?} is not a UTC date-time (YYYYMMDDTHHMMSSZ)"));
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return Err(bad());
    }
    let num = |range: std::ops::Range<usize>| -> Result<i64, DavXmlError> {
        b[range]
            .iter()
            .try_fold(0i64, |acc, &d| if d.is_ascii_digit() { Ok(acc * 10 + i64::from(d - b'0')) } else { Err(bad()) })
    };
    let (year, month, day) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hour, minute, second) = (num(9..11)?, num(11..13)?, num(13..15)?);
    // RFC 5545 §3.3.12: seconds may be 60 on a leap second.
    if !(1..=12).contains(&month)
        || day < 1
        || day > relais_civil::days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return Err(bad());
    }
    Ok(relais_civil::unix_time(year, month, day, hour * 3600 + minute * 60 + second))
}

/// Formats Unix seconds as `YYYYMMDDTHHMMSSZ` (years 0–9999; others are clamped).
pub fn format_utc(t: i64) -> String {
    let f = fields(t);
    format!("{:04}{:02}{:02}T{:02}{:02}{:02}Z", f.year, f.month, f.day, f.hour, f.minute, f.second)
}

/// The calendar fields of Unix seconds, clamped to years 0–9999.
fn fields(t: i64) -> relais_civil::DateTime {
    const MIN: i64 = -62_167_219_200; // 0000-01-01T00:00:00Z
    const MAX: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z
    relais_civil::DateTime::from_unix(t.clamp(MIN, MAX))
}

/// Formats Unix seconds as an HTTP date (RFC 9110 §5.6.7 IMF-fixdate), as DAV:getlastmodified
/// carries it: `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn format_http_date(t: i64) -> String {
    relais_civil::http_date(t.clamp(-62_167_219_200, 253_402_300_799))
}

/// Formats Unix seconds as RFC 3339 in UTC, as DAV:creationdate carries it (RFC 4918 §15.1).
pub fn format_rfc3339(t: i64) -> String {
    let f = fields(t);
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", f.year, f.month, f.day, f.hour, f.minute, f.second)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_and_rfc3339_dates() {
        assert_eq!(format_http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(format_http_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(format_rfc3339(784_111_777), "1994-11-06T08:49:37Z");
        assert_eq!(format_rfc3339(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn utc_date_times() {
        let good = [
            ("19700101T000000Z", 0),
            ("20060104T000000Z", 1_136_332_800), // RFC 4791 §7.8.1
            ("20060105T000000Z", 1_136_419_200),
            ("20000229T235960Z", 951_868_800),
            ("19691231T235959Z", -1),
            ("00000101T000000Z", -62_167_219_200),
            ("99991231T235959Z", 253_402_300_799),
            ("21000301T120000Z", 4_107_585_600),
        ];
        for (s, t) in good {
            assert_eq!(parse_utc(s), Ok(t), "{s}");
            if !s.ends_with("60Z") {
                assert_eq!(format_utc(t), s);
            }
        }
        let bad = [
            "",
            "20060104T000000",      // floating time
            "20060104",             // DATE only
            "20060104T000000z",     // lower-case Z
            "2006-01-04T00:00:00Z", // ISO 8601 extended
            "20061304T000000Z",
            "20060100T000000Z",
            "20060229T000000Z", // not a leap year
            "21000229T000000Z", // not a leap year either
            "20060104T240000Z",
            "20060104T006000Z",
            "20060104T000061Z",
            "2006010４T000000Z",
            "+0060104T000000Z",
        ];
        for s in bad {
            assert!(matches!(parse_utc(s), Err(DavXmlError::InvalidTimeRange(_))), "{s}");
        }
    }

    #[test]
    fn every_day_round_trips() {
        use relais_civil::{civil_from_days, days_from_civil, is_valid};
        for days in -800_000..800_000 {
            let (y, m, d) = civil_from_days(days);
            assert!(is_valid(y, m, d));
            assert_eq!(days_from_civil(y, m, d), days);
            if y >= 0 {
                assert_eq!(format_utc(days * 86_400), format!("{y:04}{m:02}{d:02}T000000Z"));
            }
        }
    }

    #[test]
    fn overlap() {
        let r = TimeRange { start: Some(100), end: Some(200) };
        assert!(r.overlaps(150, 160));
        assert!(r.overlaps(50, 101));
        assert!(!r.overlaps(50, 100));
        assert!(!r.overlaps(200, 300));
        assert!(TimeRange { start: None, end: Some(200) }.overlaps(-1000, -999));
        assert!(TimeRange { start: Some(100), end: None }.overlaps(1000, 2000));
    }
}
