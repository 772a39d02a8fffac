//! Civil dates, written once for every crate: days since 1970-01-01 ↔ proleptic Gregorian
//! (year, month, day) (H. Hinnant's algorithms, eras of 400 years that start on 1 March, so the
//! leap day ends its year), month and weekday names, and the two date formats Relais writes
//! (RFC 5322 §3.3 in mail, RFC 9110 §5.6.7 in HTTP). Pure: no I/O, no clock, no dependencies,
//! so that the protocol crates (`imap-proto`, `dav-proto`) use it as well as `mail`.

/// English month abbreviations, January first (RFC 5322 §3.3 `month`, IMAP `date-month`).
pub const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// English weekday abbreviations, Sunday first (RFC 5322 §3.3 `day-name`).
pub const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

const SECONDS_PER_DAY: i64 = 86_400;

pub fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Days in `month` (1–12) of `year`; 0 for a month that is not one.
pub fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => 0,
    }
}

/// Whether (year, month, day) names a day of the proleptic Gregorian calendar.
pub fn is_valid(year: i64, month: i64, day: i64) -> bool {
    day >= 1 && day <= days_in_month(year, month)
}

/// Days since 1970-01-01 (negative before) of a valid date. Saturates rather than overflows
/// for years no caller accepts.
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year.saturating_sub(1) } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_from_march = (month + 9).rem_euclid(12);
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era.saturating_mul(146_097).saturating_add(day_of_era - 719_468)
}

/// The (year, month, day) `days` after 1970-01-01: the inverse of [`days_from_civil`].
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
    (year_of_era + era * 400 + i64::from(month <= 2), month, day)
}

/// The month (1–12) an abbreviation names, in any case (`jan`, `FEB`).
pub fn month_number(name: &[u8]) -> Option<u8> {
    let at = MONTHS.iter().position(|m| m.as_bytes().eq_ignore_ascii_case(name))?;
    u8::try_from(at + 1).ok()
}

/// A moment in UTC broken into its calendar fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    pub year: i64,
    /// 1–12.
    pub month: i64,
    pub day: i64,
    pub hour: i64,
    pub minute: i64,
    pub second: i64,
    /// 0 = Sunday (an index into [`WEEKDAYS`]).
    pub weekday: usize,
}

impl DateTime {
    /// The fields of Unix time `t` (seconds since 1970-01-01T00:00:00Z).
    pub fn from_unix(t: i64) -> DateTime {
        let (days, secs) = (t.div_euclid(SECONDS_PER_DAY), t.rem_euclid(SECONDS_PER_DAY));
        let (year, month, day) = civil_from_days(days);
        // 1970-01-01 was a Thursday.
        let weekday = usize::try_from((days.saturating_add(4)).rem_euclid(7)).unwrap_or(0);
        DateTime { year, month, day, hour: secs / 3600, minute: secs % 3600 / 60, second: secs % 60, weekday }
    }

    pub fn month_name(&self) -> &'static str {
        MONTHS[usize::try_from(self.month - 1).unwrap_or(0) % 12]
    }

    pub fn weekday_name(&self) -> &'static str {
        WEEKDAYS[self.weekday % 7]
    }
}

/// Unix time `t` as RFC 3339 in UTC, to the second (`2026-12-06T20:45:00Z`): JMAP's UTCDate,
/// DAV:creationdate, the CLI's times.
pub fn rfc3339_utc(t: i64) -> String {
    let f = DateTime::from_unix(t);
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", f.year, f.month, f.day, f.hour, f.minute, f.second)
}

/// Unix time of a valid date and time of day in UTC.
pub fn unix_time(year: i64, month: i64, day: i64, seconds_of_day: i64) -> i64 {
    days_from_civil(year, month, day).saturating_mul(SECONDS_PER_DAY).saturating_add(seconds_of_day)
}

/// RFC 5322 §3.3 date-time in UTC: `Sun, 29 Nov 2026 11:21:01 +0000`.
pub fn rfc5322_date(t: i64) -> String {
    day_and_time(t, "+0000")
}

/// RFC 9110 §5.6.7 IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn http_date(t: i64) -> String {
    day_and_time(t, "GMT")
}

/// `day-name, DD Mon YYYY hh:mm:ss zone`, the shape both formats share.
fn day_and_time(t: i64, zone: &str) -> String {
    let d = DateTime::from_unix(t);
    let (day, month, year) = (d.day, d.month_name(), d.year);
    let (h, m, s) = (d.hour, d.minute, d.second);
    format!("{}, {day:02} {month} {year:04} {h:02}:{m:02}:{s:02} {zone}", d.weekday_name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_dates() {
        for (days, date) in [
            (0, (1970, 1, 1)),
            (-1, (1969, 12, 31)),
            (59, (1970, 3, 1)),
            (10_957, (2000, 1, 1)),
            (11_016, (2000, 2, 29)),
            (11_017, (2000, 3, 1)),
            (-25_508, (1900, 3, 1)),
            (-719_528, (0, 1, 1)),
            (2_932_896, (9999, 12, 31)),
            (20_786, (2026, 11, 29)),
        ] {
            assert_eq!(civil_from_days(days), date, "{days}");
            assert_eq!(days_from_civil(date.0, date.1, date.2), days, "{date:?}");
        }
        for days in (-800_000..3_000_000).step_by(97) {
            let (y, m, d) = civil_from_days(days);
            assert!(is_valid(y, m, d));
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn months_and_leap_years() {
        for (year, month, days) in [
            (2000, 2, 29),
            (1900, 2, 28),
            (2024, 2, 29),
            (2026, 2, 28),
            (2026, 4, 30),
            (2026, 12, 31),
            (2026, 13, 0),
            (2026, 0, 0),
        ] {
            assert_eq!(days_in_month(year, month), days, "{year}-{month}");
        }
        assert!(!is_valid(2026, 2, 29) && is_valid(2024, 2, 29) && !is_valid(2026, 1, 0));
        for (name, n) in [(&b"Jan"[..], Some(1)), (b"dec", Some(12)), (b"SEP", Some(9)), (b"Sept", None), (b"", None)] {
            assert_eq!(month_number(name), n, "{name:?}");
        }
    }

    #[test]
    fn formats() {
        for (t, mail, http) in [
            (0, "Thu, 01 Jan 1970 00:00:00 +0000", "Thu, 01 Jan 1970 00:00:00 GMT"),
            (784_111_777, "Sun, 06 Nov 1994 08:49:37 +0000", "Sun, 06 Nov 1994 08:49:37 GMT"),
            (951_782_400, "Tue, 29 Feb 2000 00:00:00 +0000", "Tue, 29 Feb 2000 00:00:00 GMT"),
            (1_795_951_261, "Sun, 29 Nov 2026 11:21:01 +0000", "Sun, 29 Nov 2026 11:21:01 GMT"),
            (-1, "Wed, 31 Dec 1969 23:59:59 +0000", "Wed, 31 Dec 1969 23:59:59 GMT"),
        ] {
            assert_eq!(rfc5322_date(t), mail);
            assert_eq!(http_date(t), http);
        }
        assert_eq!(unix_time(2026, 11, 29, 11 * 3600 + 21 * 60 + 1), 1_795_951_261);
    }
}
