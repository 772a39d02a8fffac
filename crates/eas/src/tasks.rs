//! The Tasks class (MS-ASTASK): a stored VTODO as ApplicationData through the domain's task
//! fields (`relais_groupware::task`), and a device's ApplicationData back into the object,
//! every property the phone does not know kept. Dates are the extended form
//! (`2026-12-10T00:00:00.000Z`), each given in local time and in UTC (StartDate and
//! UtcStartDate, DueDate and UtcDueDate). Synced by `objects`.

use relais_groupware::event::Sensitivity;
use relais_groupware::task::{Importance, TaskDate, TaskFields};
use relais_wbxml::tag::{airsync as a, airsyncbase as base, tasks as t};
use relais_wbxml::{Element, Tag};

use crate::calendar::{
    RecurrenceTags, parse_time, recurrence_element, recurrence_from, sensitivity_code, sensitivity_of,
};
use crate::{date_time, text_of};

const TAGS: RecurrenceTags = RecurrenceTags {
    root: t::RECURRENCE,
    kind: t::TYPE,
    until: t::UNTIL,
    occurrences: t::OCCURRENCES,
    interval: t::INTERVAL,
    day_of_week: t::DAY_OF_WEEK,
    day_of_month: t::DAY_OF_MONTH,
    week_of_month: t::WEEK_OF_MONTH,
    month_of_year: t::MONTH_OF_YEAR,
    first_day_of_week: t::FIRST_DAY_OF_WEEK,
};

/// The Tasks ApplicationData of a stored object; `None` when it holds no task.
pub(crate) fn application_data(content: &[u8]) -> Option<Element> {
    let f = TaskFields::from_ical(std::str::from_utf8(content).ok()?)?;
    let mut d = Element::new(a::APPLICATION_DATA);
    if let Some(b) = f.body.as_deref() {
        d.push(crate::calendar::body_element(b));
    }
    d.push(Element::leaf(t::SUBJECT, f.subject.clone().unwrap_or_default()));
    let importance = match f.importance {
        Importance::Low => "0",
        Importance::Normal => "1",
        Importance::High => "2",
    };
    d.push(Element::leaf(t::IMPORTANCE, importance));
    if let Some(s) = f.start {
        d.push(Element::leaf(t::UTC_START_DATE, date_time(s.utc)));
        d.push(Element::leaf(t::START_DATE, date_time(s.local)));
    }
    if let Some(s) = f.due {
        d.push(Element::leaf(t::UTC_DUE_DATE, date_time(s.utc)));
        d.push(Element::leaf(t::DUE_DATE, date_time(s.local)));
    }
    if !f.categories.is_empty() {
        d.push(
            Element::new(t::CATEGORIES).with_all(f.categories.iter().map(|c| Element::leaf(t::CATEGORY, c.as_str()))),
        );
    }
    if let Some(r) = &f.recurrence {
        let mut e = recurrence_element(r, &TAGS, date_time);
        // MS-ASTASK §2.2.2.21 Start: when the recurrence begins; Regenerate and DeadOccur
        // are not iCalendar notions (0: a fixed schedule, not generated on completion).
        if let Some(s) = f.start.or(f.due) {
            e.children.insert(1, Element::leaf(t::START, date_time(s.local)).into());
        }
        d.push(e.with_leaf(t::REGENERATE, "0").with_leaf(t::DEAD_OCCUR, "0"));
    }
    d.push(Element::leaf(t::COMPLETE, if f.complete { "1" } else { "0" }));
    if let Some(c) = f.date_completed.filter(|_| f.complete) {
        d.push(Element::leaf(t::DATE_COMPLETED, date_time(c)));
    }
    d.push(Element::leaf(t::SENSITIVITY, sensitivity_code(f.sensitivity).to_string()));
    match f.reminder {
        Some(r) => {
            d.push(Element::leaf(t::REMINDER_TIME, date_time(r)));
            d.push(Element::leaf(t::REMINDER_SET, "1"));
        }
        None => d.push(Element::leaf(t::REMINDER_SET, "0")),
    }
    Some(d)
}

/// Whether stored content is a completed task.
pub(crate) fn complete(content: &[u8]) -> bool {
    std::str::from_utf8(content).ok().and_then(TaskFields::from_ical).is_some_and(|t| t.complete)
}

/// A local and a UTC date the device sent: either stands for the other when one is missing.
fn date_pair(data: &Element, local: Tag, utc: Tag) -> Option<TaskDate> {
    let read = |tag| text_of(data, tag).and_then(|v| parse_time(&v));
    match (read(local), read(utc)) {
        (Some(l), Some(u)) => Some(TaskDate { utc: u, local: l }),
        (Some(x), None) | (None, Some(x)) => Some(TaskDate { utc: x, local: x }),
        (None, None) => None,
    }
}

/// The stored text for the device's ApplicationData over the stored object (`old`); the body,
/// when the device leaves it out, stays. When `ghosted` (16.x, MS-ASTASK ghosting as
/// MS-ASCAL §3.1.5.3) every element a Change leaves out stays as stored.
pub(crate) fn content(data: &Element, old: Option<&str>, ghosted: bool) -> Result<String, u32> {
    let before = match old {
        Some(text) => Some(TaskFields::from_ical(text).ok_or(6u32)?),
        None => None,
    };
    // The stored task, for an element a 16.x Change left out.
    let kept = |tag: Tag| before.as_ref().filter(|_| ghosted && !data.has(tag));
    let get = |tag: Tag| text_of(data, tag).filter(|v| !v.is_empty());
    let complete = match kept(t::COMPLETE) {
        Some(b) => b.complete,
        None => get(t::COMPLETE).as_deref() == Some("1"),
    };
    let dates = |local: Tag, utc: Tag, stored: fn(&TaskFields) -> Option<TaskDate>| match kept(local).and(kept(utc)) {
        Some(b) => stored(b),
        None => date_pair(data, local, utc),
    };
    let f = TaskFields {
        uid: before.as_ref().map_or_else(|| format!("{:032x}", rand::random::<u128>()), |b| b.uid.clone()),
        subject: match kept(t::SUBJECT) {
            Some(b) => b.subject.clone(),
            None => get(t::SUBJECT),
        },
        body: data
            .child(base::BODY)
            .and_then(|b| text_of(b, base::DATA))
            .filter(|b| !b.is_empty())
            .or(before.as_ref().and_then(|b| b.body.clone())),
        start: dates(t::START_DATE, t::UTC_START_DATE, |b| b.start),
        due: dates(t::DUE_DATE, t::UTC_DUE_DATE, |b| b.due),
        complete,
        date_completed: get(t::DATE_COMPLETED)
            .and_then(|d| parse_time(&d))
            .or(before.as_ref().and_then(|b| b.date_completed))
            .filter(|_| complete),
        importance: match (kept(t::IMPORTANCE), get(t::IMPORTANCE).as_deref()) {
            (Some(b), _) => b.importance,
            (None, Some("0")) => Importance::Low,
            (None, Some("2")) => Importance::High,
            (None, _) => Importance::Normal,
        },
        reminder: match (kept(t::REMINDER_SET), get(t::REMINDER_SET).as_deref()) {
            (Some(b), _) => b.reminder,
            (None, Some("1")) => get(t::REMINDER_TIME).and_then(|r| parse_time(&r)),
            (None, _) => None,
        },
        recurrence: match kept(t::RECURRENCE) {
            Some(b) => b.recurrence.clone(),
            None => data.child(t::RECURRENCE).and_then(|r| recurrence_from(r, &TAGS)),
        },
        categories: data
            .child(t::CATEGORIES)
            .map(|c| c.children_with(t::CATEGORY).map(|x| x.text().trim().to_owned()).collect())
            .or(before.as_ref().map(|b| b.categories.clone()))
            .unwrap_or_default(),
        sensitivity: match kept(t::SENSITIVITY) {
            Some(b) => b.sensitivity,
            None => get(t::SENSITIVITY).map_or(Sensitivity::Normal, |s| sensitivity_of(&s)),
        },
    };
    Ok(f.to_ical(old))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TASK: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VTODO\r\nUID:t1\r\n\
DTSTAMP:20260101T000000Z\r\nSUMMARY:Report\r\nDUE:20270110T170000Z\r\nPRIORITY:1\r\nCLASS:PRIVATE\r\n\
RRULE:FREQ=WEEKLY\r\nEND:VTODO\r\nEND:VCALENDAR\r\n";

    #[test]
    fn elements_left_out_of_a_16_change_are_unchanged() {
        let before = TaskFields::from_ical(TASK).unwrap();
        assert!(before.due.is_some() && before.recurrence.is_some() && before.importance == Importance::High);
        let data = Element::new(a::APPLICATION_DATA).with(crate::calendar::body_element("notes"));
        let after = TaskFields::from_ical(&content(&data, Some(TASK), true).unwrap()).unwrap();
        assert_eq!(after, TaskFields { body: Some("notes".into()), ..before.clone() });
        // 14.x: what is left out is cleared.
        let data = Element::new(a::APPLICATION_DATA).with_leaf(t::SUBJECT, "Report");
        let after = TaskFields::from_ical(&content(&data, Some(TASK), false).unwrap()).unwrap();
        assert_eq!((after.due, after.recurrence, after.importance), (None, None, Importance::Normal));
    }
}
