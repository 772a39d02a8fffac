//! Dates of SEARCH (RFC 9051 §9 `date`) and date-times of APPEND and INTERNALDATE
//! (`date-time`), with conversions to and from Unix time so the server never parses either.

use std::fmt;

use relais_civil::{MONTHS, civil_from_days, days_from_civil};

/// A calendar date, `1-Feb-1994`. Always valid (day within its month, year 0–9999).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        (year <= 9999 && relais_civil::is_valid(i64::from(year), i64::from(month), i64::from(day))).then_some(Date {
            year,
            month,
            day,
        })
    }

    pub fn year(&self) -> u16 {
        self.year
    }

    pub fn month(&self) -> u8 {
        self.month
    }

    pub fn day(&self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (negative before).
    pub fn days_since_epoch(&self) -> i64 {
        days_from_civil(i64::from(self.year), i64::from(self.month), i64::from(self.day))
    }

    /// The date `days` after 1970-01-01; `None` outside years 0–9999.
    pub fn from_days_since_epoch(days: i64) -> Option<Date> {
        let (y, m, d) = civil_from_days(days);
        Date::new(u16::try_from(y).ok()?, u8::try_from(m).ok()?, u8::try_from(d).ok()?)
    }

    /// Reads `date-text` (`d-Mon-yyyy` or `dd-Mon-yyyy`, month name any case).
    pub(crate) fn parse(s: &[u8]) -> Option<Date> {
        let mut parts = s.split(|&b| b == b'-');
        let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || !(1..=2).contains(&day.len()) || year.len() != 4 {
            return None;
        }
        let month = relais_civil::month_number(month)?;
        Date::new(u16::try_from(digits(year)?).ok()?, month, u8::try_from(digits(day)?).ok()?)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let month = MONTHS.get(usize::from(self.month).saturating_sub(1)).unwrap_or(&"Jan");
        write!(f, "{}-{month}-{:04}", self.day, self.year)
    }
}

/// A date-time with its zone, `17-Jul-1996 02:44:25 -0700`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    date: Date,
    hour: u8,
    minute: u8,
    second: u8,
    /// Offset from UTC in minutes, −5999 to +5999.
    zone: i16,
}

impl DateTime {
    pub fn new(date: Date, hour: u8, minute: u8, second: u8, zone_minutes: i16) -> Option<DateTime> {
        (hour < 24 && minute < 60 && second <= 60 && zone_minutes.abs() < 6000).then_some(DateTime {
            date,
            hour,
            minute,
            second,
            zone: zone_minutes,
        })
    }

    /// The instant `secs` after the Unix epoch, shown in the zone `zone_minutes` east of UTC;
    /// `None` outside years 0–9999 or for an impossible zone.
    pub fn from_unix(secs: i64, zone_minutes: i16) -> Option<DateTime> {
        let local = secs.checked_add(i64::from(zone_minutes) * 60)?;
        let date = Date::from_days_since_epoch(local.div_euclid(86_400))?;
        let t = local.rem_euclid(86_400);
        let h = u8::try_from(t / 3600).ok()?;
        let m = u8::try_from(t % 3600 / 60).ok()?;
        let s = u8::try_from(t % 60).ok()?;
        DateTime::new(date, h, m, s, zone_minutes)
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> i64 {
        let local = self.date.days_since_epoch() * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second);
        local - i64::from(self.zone) * 60
    }

    pub fn date(&self) -> Date {
        self.date
    }

    /// Offset from UTC in minutes.
    pub fn zone_minutes(&self) -> i16 {
        self.zone
    }

    /// Reads the inside of RFC 9051 §9 `date-time` (without its quotes):
    /// `date-day-fixed "-" date-month "-" date-year SP time SP zone`.
    pub(crate) fn parse(s: &[u8]) -> Option<DateTime> {
        // date-day-fixed = (SP DIGIT) / 2DIGIT
        let s = s.strip_prefix(b" ").unwrap_or(s);
        let mut fields = s.split(|&b| b == b' ');
        let (date, time, zone) = (fields.next()?, fields.next()?, fields.next()?);
        if fields.next().is_some() || time.len() != 8 || zone.len() != 5 {
            return None;
        }
        let date = Date::parse(date)?;
        let mut t = time.split(|&b| b == b':');
        let (h, m, sec) = (t.next()?, t.next()?, t.next()?);
        let [sign, zone @ ..] = zone else { return None };
        let zone = i16::try_from(digits(zone)?).ok()?;
        let (zh, zm) = (zone / 100, zone % 100);
        if zm >= 60 {
            return None;
        }
        let zone = match sign {
            b'+' => zh * 60 + zm,
            b'-' => -(zh * 60 + zm),
            _ => return None,
        };
        let two = |d: &[u8]| (d.len() == 2).then(|| digits(d)).flatten().and_then(|n| u8::try_from(n).ok());
        DateTime::new(date, two(h)?, two(m)?, two(sec)?, zone)
    }
}

impl fmt::Display for DateTime {
    /// `dd-Mon-yyyy hh:mm:ss +zzzz`, without the quotes; two-digit day (`date-day-fixed`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let month = MONTHS.get(usize::from(self.date.month).saturating_sub(1)).unwrap_or(&"Jan");
        let sign = if self.zone < 0 { '-' } else { '+' };
        let zone = self.zone.unsigned_abs();
        write!(
            f,
            "{:02}-{month}-{:04} {:02}:{:02}:{:02} {sign}{:02}{:02}",
            self.date.day,
            self.date.year,
            self.hour,
            self.minute,
            self.second,
            zone / 60,
            zone % 60
        )
    }
}

fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 9 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0, |n, &d| n * 10 + u32::from(d - b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let d = Date::parse(b"1-Feb-1994").unwrap();
        assert_eq!((d.year(), d.month(), d.day()), (1994, 2, 1));
        assert_eq!(d.to_string(), "1-Feb-1994");
        assert_eq!(Date::parse(b"29-feb-2000").unwrap().day(), 29);
        for bad in ["29-Feb-1900", "0-Jan-2000", "32-Jan-2000", "1-Foo-2000", "1-Jan-99", "123-Jan-2000", "1-Jan-2000-"]
        {
            assert_eq!(Date::parse(bad.as_bytes()), None, "{bad}");
        }
        assert_eq!(Date::new(1970, 1, 1).unwrap().days_since_epoch(), 0);
        assert_eq!(Date::new(2000, 3, 1).unwrap().days_since_epoch(), 11_017);
        assert_eq!(Date::from_days_since_epoch(-1), Date::new(1969, 12, 31));
    }

    #[test]
    fn date_times() {
        let t = DateTime::parse(b"17-Jul-1996 02:44:25 -0700").unwrap();
        assert_eq!(t.unix_seconds(), 837_596_665);
        assert_eq!(t.to_string(), "17-Jul-1996 02:44:25 -0700");
        assert_eq!(DateTime::parse(b" 7-Feb-1994 21:52:25 +0100").unwrap().to_string(), "07-Feb-1994 21:52:25 +0100");
        assert_eq!(DateTime::from_unix(837_596_665, -420), Some(t));
        assert_eq!(DateTime::from_unix(0, 0).unwrap().to_string(), "01-Jan-1970 00:00:00 +0000");
        for bad in [
            "17-Jul-1996 02:44:25",
            "17-Jul-1996 24:00:00 +0000",
            "17-Jul-1996 02:44:25 0700",
            "17-Jul-1996 2:44:25 +0000",
            "17-Jul-1996 02:44:25 +0060",
        ] {
            assert_eq!(DateTime::parse(bad.as_bytes()), None, "{bad}");
        }
        assert_eq!(DateTime::from_unix(i64::MAX, 0), None);
    }
}
