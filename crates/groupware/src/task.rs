//! A task as the field-by-field clients see it (ActiveSync Tasks, MS-ASTASK; EWS Task to
//! come): subject, body, start and due dates (each as a UTC instant and as the local time the
//! user set), completion, importance, a reminder at a moment, recurrence, categories,
//! sensitivity. Read from a stored VTODO and written back into it as `event` does: a property
//! whose field did not change keeps its line, every property no field maps is kept.
//!
//! A date the client gives in local time and in UTC is stored as the local time (floating, or
//! a DATE at midnight), with the difference in an `X-UTC-OFFSET` parameter when there is one,
//! so both read back as they were sent.

use crate::event::{Sensitivity, sensitivity_lines, sensitivity_of};
use crate::lines::{Component, Line, split_list};
use crate::rrule::{Recurrence, local_of, read_stamp, utc_stamp};

/// A moment as a task client holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskDate {
    pub utc: i64,
    /// The same moment in the user's local time, as if that were UTC.
    pub local: i64,
}

/// MS-ASTASK Importance (iCalendar PRIORITY: 1–4 high, 5 or none normal, 6–9 low).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Importance {
    Low,
    #[default]
    Normal,
    High,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TaskFields {
    pub uid: String,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub start: Option<TaskDate>,
    pub due: Option<TaskDate>,
    pub complete: bool,
    pub date_completed: Option<i64>,
    pub importance: Importance,
    /// When to remind, UTC.
    pub reminder: Option<i64>,
    pub recurrence: Option<Recurrence>,
    pub categories: Vec<String>,
    pub sensitivity: Sensitivity,
}

const GROUPS: &[&[&str]] = &[
    &["SUMMARY"],
    &["DESCRIPTION"],
    &["DTSTART"],
    &["DUE"],
    &["STATUS", "COMPLETED", "PERCENT-COMPLETE"],
    &["PRIORITY"],
    &["RRULE"],
    &["CATEGORIES"],
    &["CLASS"],
];

fn mapped(name: &str) -> bool {
    GROUPS.iter().any(|g| g.contains(&name)) || matches!(name, "UID" | "DTSTAMP" | "DURATION")
}

fn date_of(l: &Line) -> Option<TaskDate> {
    let s = read_stamp(&l.value, l.param("TZID"), None)?;
    match s.zone {
        Some(z) => Some(TaskDate { utc: s.utc, local: local_of(s.utc, Some(&z)) }),
        // A DATE or a floating time is the local time; UTC from the offset kept with it.
        None if !l.value.trim().ends_with(['Z', 'z']) => {
            // No zone is further than 18 hours from UTC (the bound of RFC 5545 §3.3.14 offsets).
            let offset =
                l.param("X-UTC-OFFSET").and_then(|o| o.trim().parse::<i32>().ok()).filter(|o| o.abs() <= 18 * 3600);
            Some(TaskDate { utc: s.utc.checked_sub(offset.map_or(0, i64::from))?, local: s.utc })
        }
        None => Some(TaskDate { utc: s.utc, local: s.utc }),
    }
}

fn date_line(name: &str, d: &TaskDate) -> Line {
    if d.utc == d.local {
        return Line::new(name, &[], &utc_stamp(d.utc));
    }
    let offset = (d.local - d.utc).to_string();
    let mut local = utc_stamp(d.local);
    local.pop();
    if d.local.rem_euclid(86_400) == 0 {
        Line::new(name, &[("VALUE", "DATE"), ("X-UTC-OFFSET", &offset)], &local[..8])
    } else {
        Line::new(name, &[("X-UTC-OFFSET", &offset)], &local)
    }
}

/// A task's JSCalendar progress (RFC 8984 §5.2.5), read from its VTODO as calcard converts
/// STATUS (RFC 5545 §3.8.1.11; FAILED is draft-ietf-calext-jscalendar-icalendar's); without
/// a STATUS it is completed when `from_ical` reads it complete, else needs-action (§5.2.5's
/// default). `None` when the object holds no task.
pub fn progress(text: &str) -> Option<&'static str> {
    let root = Component::parse(text)?;
    let t = root.master("VTODO")?;
    let status = t.first("STATUS").map(|s| s.value.trim().to_ascii_uppercase());
    Some(match status.as_deref() {
        Some("IN-PROCESS") => "in-process",
        Some("COMPLETED") => "completed",
        Some("FAILED") => "failed",
        Some("CANCELLED") => "cancelled",
        Some(_) => "needs-action",
        None if TaskFields::from_ical(text).is_some_and(|f| f.complete) => "completed",
        None => "needs-action",
    })
}

impl TaskFields {
    /// The fields of a stored iCalendar object's task; `None` when it holds none.
    pub fn from_ical(text: &str) -> Option<TaskFields> {
        let root = Component::parse(text)?;
        let t = root.master("VTODO")?;
        let start = t.first("DTSTART").and_then(date_of);
        let due = t.first("DUE").and_then(date_of);
        let status = t.first("STATUS").map(|s| s.value.trim().to_ascii_uppercase());
        let completed = t.first("COMPLETED").and_then(|c| read_stamp(&c.value, None, None)).map(|s| s.utc);
        let percent = t.first("PERCENT-COMPLETE").and_then(|p| p.value.trim().parse::<u8>().ok());
        let importance = match t.first("PRIORITY").and_then(|p| p.value.trim().parse::<u8>().ok()) {
            Some(1..=4) => Importance::High,
            Some(6..=9) => Importance::Low,
            _ => Importance::Normal,
        };
        let anchor = start.or(due);
        let reminder = t.children.iter().filter(|a| a.name == "VALARM").find_map(|a| {
            let tr = a.first("TRIGGER")?;
            if tr.param("VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE-TIME")) {
                return read_stamp(&tr.value, None, None).map(|s| s.utc);
            }
            let related_end = tr.param("RELATED").is_some_and(|r| r.eq_ignore_ascii_case("END"));
            let base = if related_end { due.or(start) } else { anchor }?;
            Some(base.utc + crate::event::duration(&tr.value)?)
        });
        Some(TaskFields {
            uid: t.text("UID").unwrap_or_default(),
            subject: t.text("SUMMARY"),
            body: t.text("DESCRIPTION"),
            start,
            due,
            complete: status.as_deref() == Some("COMPLETED") || completed.is_some() || percent == Some(100),
            date_completed: completed,
            importance,
            reminder,
            recurrence: t.first("RRULE").zip(anchor).and_then(|(r, a)| Recurrence::from_rrule(&r.value, a.local, None)),
            categories: t.all("CATEGORIES").flat_map(|l| split_list(&l.value)).collect(),
            sensitivity: sensitivity_of(t),
        })
    }

    fn group_same(&self, o: &TaskFields, first: &str) -> bool {
        match first {
            "SUMMARY" => o.subject == self.subject,
            "DESCRIPTION" => o.body == self.body,
            "DTSTART" => o.start == self.start,
            "DUE" => o.due == self.due,
            "STATUS" => (o.complete, o.date_completed) == (self.complete, self.date_completed),
            "PRIORITY" => o.importance == self.importance,
            "RRULE" => o.recurrence == self.recurrence && o.start.or(o.due) == self.start.or(self.due),
            "CATEGORIES" => o.categories == self.categories,
            "CLASS" => o.sensitivity == self.sensitivity,
            _ => false,
        }
    }

    fn group_lines(&self, first: &str) -> Vec<Line> {
        let text = |name: &str, v: &Option<String>| v.iter().map(|v| Line::text(name, v)).collect::<Vec<_>>();
        match first {
            "SUMMARY" => text("SUMMARY", &self.subject),
            "DESCRIPTION" => text("DESCRIPTION", &self.body),
            "DTSTART" => self.start.iter().map(|d| date_line("DTSTART", d)).collect(),
            "DUE" => self.due.iter().map(|d| date_line("DUE", d)).collect(),
            "STATUS" if self.complete => {
                let at = self.date_completed.unwrap_or_else(relais_store::now);
                vec![
                    Line::new("STATUS", &[], "COMPLETED"),
                    Line::new("COMPLETED", &[], &utc_stamp(at)),
                    Line::new("PERCENT-COMPLETE", &[], "100"),
                ]
            }
            "STATUS" => vec![Line::new("STATUS", &[], "NEEDS-ACTION")],
            "PRIORITY" => match self.importance {
                Importance::High => vec![Line::new("PRIORITY", &[], "1")],
                Importance::Normal => Vec::new(),
                Importance::Low => vec![Line::new("PRIORITY", &[], "9")],
            },
            "RRULE" => self.recurrence.iter().map(|r| Line::new("RRULE", &[], &r.to_rrule(false, None))).collect(),
            "CATEGORIES" if !self.categories.is_empty() => {
                let list: Vec<String> = self.categories.iter().map(|c| crate::lines::escape(c)).collect();
                vec![Line::new("CATEGORIES", &[], &list.join(","))]
            }
            "CLASS" => sensitivity_lines(self.sensitivity),
            _ => Vec::new(),
        }
    }

    /// The object with these fields and UID, as iCalendar text; with `existing`, what the
    /// fields did not change and what they do not map is kept.
    pub fn to_ical(&self, existing: Option<&str>) -> String {
        let old_root = existing.and_then(Component::parse);
        let old = existing.and_then(TaskFields::from_ical);
        let before = old_root.as_ref().and_then(|r| r.master("VTODO"));
        let mut root = Component::calendar_over(old_root.as_ref(), "VTODO");
        let mut t = Component { name: "VTODO".into(), ..Component::default() };
        t.lines.push(Line::text("UID", &self.uid));
        t.lines.push(Line::new("DTSTAMP", &[], &utc_stamp(relais_store::now())));
        for group in GROUPS {
            match before {
                Some(b) if old.as_ref().is_some_and(|o| self.group_same(o, group[0])) => {
                    t.lines.extend(b.lines.iter().filter(|l| group.contains(&l.name.as_str())).cloned())
                }
                _ => t.lines.extend(self.group_lines(group[0])),
            }
        }
        let same_alarm = old.as_ref().is_some_and(|o| o.reminder == self.reminder);
        if let Some(b) = before {
            t.lines.extend(b.lines.iter().filter(|l| !mapped(&l.name)).cloned());
            t.children.extend(b.children.iter().filter(|c| c.name != "VALARM" || same_alarm).cloned());
        }
        if !same_alarm && let Some(at) = self.reminder {
            t.children.push(Component {
                name: "VALARM".into(),
                lines: vec![
                    Line::new("ACTION", &[], "DISPLAY"),
                    Line::text("DESCRIPTION", "Reminder"),
                    Line::new("TRIGGER", &[("VALUE", "DATE-TIME")], &utc_stamp(at)),
                ],
                children: Vec::new(),
            });
        }
        root.children.push(t);
        root.to_text()
    }
}

#[cfg(test)]
mod tests {
    use relais_civil::unix_time;

    use super::*;
    use crate::CalendarObject;
    use crate::rrule::RecurrenceKind;

    const TODO: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other//EN\r\nBEGIN:VTODO\r\nUID:t-1\r\n\
DTSTAMP:20261201T000000Z\r\nSUMMARY:File taxes\r\nDESCRIPTION:all of them\r\nDTSTART;TZID=Europe/Berlin:20261201T090000\r\n\
DUE;TZID=Europe/Berlin:20261210T170000\r\nPRIORITY:2\r\nCATEGORIES:Home\r\nCLASS:CONFIDENTIAL\r\n\
RRULE:FREQ=YEARLY\r\nX-KEPT:1\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER;RELATED=END:-PT1H\r\nEND:VALARM\r\n\
END:VTODO\r\nEND:VCALENDAR\r\n";

    #[test]
    fn utc_offsets_out_of_bounds_are_ignored() {
        let due = unix_time(2027, 1, 10, 17 * 3600);
        // (X-UTC-OFFSET, UTC of the due date); one a peer made up never overflows.
        let table = [
            ("3600", due - 3600),
            ("-18000", due + 18_000),
            ("64801", due),
            ("-9223372036854775808", due),
            ("9223372036854775807", due),
            ("x", due),
        ];
        for (offset, utc) in table {
            let text = TODO.replace(
                "DUE;TZID=Europe/Berlin:20261210T170000",
                &format!("DUE;X-UTC-OFFSET={offset}:20270110T170000"),
            );
            let f = TaskFields::from_ical(&text).unwrap();
            assert_eq!(f.due, Some(TaskDate { utc, local: due }), "{offset}");
        }
    }

    #[test]
    fn a_task_read_as_fields() {
        let f = TaskFields::from_ical(TODO).unwrap();
        let due = unix_time(2026, 12, 10, 16 * 3600);
        assert_eq!(f.due, Some(TaskDate { utc: due, local: due + 3600 }));
        assert_eq!(f.start.map(|s| s.local), Some(unix_time(2026, 12, 1, 9 * 3600)));
        assert_eq!((f.importance, f.sensitivity, f.complete), (Importance::High, Sensitivity::Confidential, false));
        assert_eq!(f.reminder, Some(due - 3600));
        assert_eq!(
            f.recurrence.as_ref().map(|r| (r.kind, r.month_of_year, r.day_of_month)),
            Some((RecurrenceKind::Yearly, 12, 1))
        );
        assert_eq!(f.categories, ["Home"]);
        let same = f.to_ical(Some(TODO)).replace("\r\n ", "");
        assert_eq!(TaskFields::from_ical(&same).as_ref(), Some(&f), "{same}");
        assert!(same.contains("DUE;TZID=Europe/Berlin:20261210T170000") && same.contains("X-KEPT:1"), "{same}");
        assert!(same.contains("TRIGGER;RELATED=END:-PT1H"), "{same}");
    }

    #[test]
    fn a_task_from_a_phone_and_completed() {
        let due = TaskDate { utc: unix_time(2026, 12, 9, 23 * 3600), local: unix_time(2026, 12, 10, 0) };
        let f = TaskFields {
            uid: "t-2".into(),
            subject: Some("Buy milk".into()),
            due: Some(due),
            importance: Importance::Low,
            reminder: Some(unix_time(2026, 12, 9, 8 * 3600)),
            ..TaskFields::default()
        };
        let text = f.to_ical(None).replace("\r\n ", "");
        CalendarObject::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert!(text.contains("DUE;VALUE=DATE;X-UTC-OFFSET=3600:20261210"), "{text}");
        assert_eq!(TaskFields::from_ical(&text).as_ref(), Some(&f), "{text}");
        let done = TaskFields { complete: true, date_completed: Some(unix_time(2026, 12, 8, 0)), ..f };
        let text2 = done.to_ical(Some(&text)).replace("\r\n ", "");
        assert!(text2.contains("STATUS:COMPLETED") && text2.contains("COMPLETED:20261208T000000Z"), "{text2}");
        assert_eq!(TaskFields::from_ical(&text2).as_ref(), Some(&done), "{text2}");
        assert_eq!(text2.matches("TRIGGER").count(), 1);
    }

    #[test]
    fn progress_as_jscalendar_reads_it() {
        let with = |lines: &str| TODO.replace("X-KEPT:1\r\n", lines);
        let table = [
            ("", Some("needs-action")),
            ("STATUS:IN-PROCESS\r\n", Some("in-process")),
            ("STATUS:completed\r\n", Some("completed")),
            ("STATUS:FAILED\r\n", Some("failed")),
            ("STATUS:CANCELLED\r\n", Some("cancelled")),
            ("STATUS:NEEDS-ACTION\r\n", Some("needs-action")),
            ("STATUS:X-ODD\r\n", Some("needs-action")),
            ("PERCENT-COMPLETE:100\r\n", Some("completed")),
            ("COMPLETED:20261201T000000Z\r\n", Some("completed")),
        ];
        for (lines, want) in table {
            assert_eq!(progress(&with(lines)), want, "{lines}");
        }
        assert_eq!(progress(&TODO.replace("VTODO", "VJOURNAL")), None);
        assert_eq!(progress("not iCalendar"), None);
    }
}
