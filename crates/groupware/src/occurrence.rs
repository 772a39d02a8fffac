//! One occurrence of a recurring meeting answered on its own (ActiveSync MeetingResponse with
//! InstanceId): the attendee's PARTSTAT is set on the component overriding that occurrence
//! (RFC 5545 §3.8.4.4, matched by RECURRENCE-ID), made from the series when there is none yet
//! — the series' lines less its rule, timed at the occurrence. Every other line is kept as
//! written.

use relais_store::AccountId;

use crate::event::{EventFields, Exception};
use crate::imip::Method;
use crate::lines::{Component, Line};
use crate::rrule::{read_stamp, stamp_line};
use crate::scheduling::address_of;
use crate::{CalendarObject, Condition};

/// What the series' lines lose in an overriding component.
const NOT_IN_OVERRIDE: [&str; 8] =
    ["RRULE", "RDATE", "EXDATE", "EXRULE", "DTSTART", "DTEND", "DURATION", "RECURRENCE-ID"];

/// `text` with `address`'s PARTSTAT set to `partstat` on the occurrence that starts (or, moved,
/// was to start) at `start` (Unix seconds); `occurs` says whether the series has an occurrence
/// there. `None` when it has none or `address` is no attendee of it.
pub(crate) fn answer_occurrence(
    text: &str,
    address: &str,
    partstat: &str,
    start: i64,
    occurs: impl Fn(i64) -> bool,
) -> Option<String> {
    let mut root = Component::parse(text)?;
    let target = override_at(&mut root, text, start, occurs)?.0;
    let component = &mut root.children[target];
    let line = component.lines.iter_mut().find(|l| l.name == "ATTENDEE" && address_of(&l.value) == address)?;
    *line = line.with_param("PARTSTAT", Some(partstat));
    Some(root.to_text())
}

/// Where the series in `root` (parsed from `text`) is overridden at `start`, with whether it
/// is all-day and its zone: the overriding component there, else one made from the series
/// when it occurs there. `None` when it does not.
fn override_at(
    root: &mut Component,
    text: &str,
    start: i64,
    occurs: impl Fn(i64) -> bool,
) -> Option<(usize, bool, Option<String>)> {
    let is_event = |c: &Component| c.name == "VEVENT";
    let master = root.children.iter().position(|c| is_event(c) && c.first("RECURRENCE-ID").is_none())?;
    let dtstart = root.children[master].first("DTSTART")?;
    let zone = dtstart.param("TZID").map(str::to_owned);
    let series = read_stamp(&dtstart.value, zone.as_deref(), None)?;
    let overriding = root.children.iter().position(|c| {
        is_event(c)
            && c.first("RECURRENCE-ID")
                .and_then(|r| read_stamp(&r.value, r.param("TZID"), zone.as_deref()))
                .is_some_and(|r| r.utc == start)
    });
    let target = match overriding {
        Some(i) => i,
        None => {
            if !occurs(start) {
                return None;
            }
            let fields = EventFields::from_ical(text)?;
            let m = &root.children[master];
            let mut o = Component {
                name: m.name.clone(),
                lines: m.lines.iter().filter(|l| !NOT_IN_OVERRIDE.contains(&l.name.as_str())).cloned().collect(),
                children: m.children.clone(),
            };
            let (date, zone) = (series.date, zone.as_deref());
            o.lines.push(stamp_line("RECURRENCE-ID", start, date, zone));
            o.lines.push(stamp_line("DTSTART", start, date, zone));
            o.lines.push(stamp_line("DTEND", start + (fields.end - fields.start), date, zone));
            root.children.push(o);
            root.children.len() - 1
        }
    };
    Some((target, series.date, zone))
}

/// The series `text` with its occurrence that starts (or, moved, was to start) at `start`
/// changed as `change` says (ActiveSync Sync Change with InstanceId, MS-ASAIRS §2.2.2.25): each
/// field `Some` in it set on the component overriding that occurrence, made from the series
/// when there is none yet; every other line kept as written. `None` when the series has no
/// occurrence there.
pub fn change_occurrence(text: &str, start: i64, change: &Exception) -> Option<String> {
    let object = crate::CalendarObject::parse(text).ok()?;
    let mut root = Component::parse(text)?;
    let (target, date, zone) = override_at(&mut root, text, start, |s| starts_at(&object, s))?;
    let o = &mut root.children[target];
    let set = |o: &mut Component, names: &[&str], lines: Vec<Line>| {
        let at = o.lines.iter().position(|l| names.contains(&l.name.as_str())).unwrap_or(o.lines.len());
        o.lines.retain(|l| !names.contains(&l.name.as_str()));
        let at = at.min(o.lines.len());
        o.lines.splice(at..at, lines);
    };
    for (name, v) in [("SUMMARY", &change.subject), ("LOCATION", &change.location), ("DESCRIPTION", &change.body)] {
        if let Some(v) = v {
            set(o, &[name], vec![Line::text(name, v)]);
        }
    }
    if change.start.is_some() || change.end.is_some() || change.all_day.is_some() {
        let (old_start, old_end) = times_of(o, zone.as_deref()).unwrap_or((start, start));
        let all_day = change.all_day.unwrap_or(date);
        let begin = change.start.unwrap_or(old_start);
        let end = change.end.unwrap_or(begin + (old_end - old_start)).max(begin);
        let lines = vec![
            stamp_line("DTSTART", begin, all_day, zone.as_deref()),
            stamp_line("DTEND", end, all_day, zone.as_deref()),
        ];
        set(o, &["DTSTART", "DTEND", "DURATION"], lines);
    }
    if let Some(b) = change.busy {
        set(o, &["TRANSP", "X-MICROSOFT-CDO-BUSYSTATUS"], crate::event::busy_lines(b));
    }
    if let Some(m) = change.reminder {
        o.children.retain(|c| c.name != "VALARM");
        o.children.push(crate::event::alarm(m));
    }
    Some(root.to_text())
}

/// Whether an occurrence of `object` starts at `start` (not only goes on over it).
fn starts_at(object: &crate::CalendarObject, start: i64) -> bool {
    let Some(expanded) = Component::parse(&object.expanded(start, start + 1)) else { return false };
    expanded
        .children
        .iter()
        .filter_map(|c| c.first("DTSTART"))
        .any(|d| read_stamp(&d.value, d.param("TZID"), None).is_some_and(|s| s.utc == start))
}

/// The start and end (UTC) of an overriding component, from its DTSTART and DTEND or DURATION.
fn times_of(o: &Component, zone: Option<&str>) -> Option<(i64, i64)> {
    let s = o.first("DTSTART")?;
    let start = read_stamp(&s.value, s.param("TZID"), zone)?.utc;
    let end = match (o.first("DTEND"), o.first("DURATION")) {
        (Some(e), _) => read_stamp(&e.value, e.param("TZID"), zone).map(|e| e.utc),
        (None, Some(d)) => crate::event::duration(&d.value).map(|d| start.saturating_add(d)),
        (None, None) => None,
    };
    Some((start, end.unwrap_or(start)))
}

/// The series `text` less its occurrence that starts (or, moved, was to start) at `start`
/// (ActiveSync Sync Delete with InstanceId, MS-ASAIRS §2.2.2.25): an EXDATE on the series
/// (RFC 5545 §3.8.5.1) in its own zone, and the component overriding that occurrence, if any,
/// gone. Every other line is kept as written. `None` when `text` holds no series.
pub fn delete_occurrence(text: &str, start: i64) -> Option<String> {
    let mut root = Component::parse(text)?;
    let is_event = |c: &Component| c.name == "VEVENT";
    let master = root.children.iter().position(|c| is_event(c) && c.first("RECURRENCE-ID").is_none())?;
    let m = &root.children[master];
    if m.first("RRULE").is_none() && m.first("RDATE").is_none() {
        return None;
    }
    let dtstart = m.first("DTSTART")?;
    let zone = dtstart.param("TZID").map(str::to_owned);
    let series = read_stamp(&dtstart.value, zone.as_deref(), None)?;
    let exdate = stamp_line("EXDATE", start, series.date, zone.as_deref());
    root.children[master].lines.push(exdate);
    root.children.retain(|c| {
        !is_event(c)
            || c.first("RECURRENCE-ID")
                .and_then(|r| read_stamp(&r.value, r.param("TZID"), zone.as_deref()))
                .is_none_or(|r| r.utc != start)
    });
    Some(root.to_text())
}

impl crate::Groupware {
    /// After `owner` answered one occurrence of `obj` (their copy, written with `partstat` on
    /// the occurrence starting at `start`): a local organizer's copy records it on that
    /// occurrence (when the copy is theirs and names the attendee, as for a whole-meeting
    /// REPLY), a remote organizer gets an iMIP REPLY carrying the copy.
    pub(crate) async fn reply_for_occurrence(
        &self,
        owner: AccountId,
        obj: &CalendarObject,
        start: i64,
        partstat: &str,
    ) {
        if let Err(e) = self.try_reply_for_occurrence(owner, obj, start, partstat).await {
            tracing::warn!(error = %e, uid = %obj.uid, "scheduling: a one-occurrence answer was not told");
        }
    }

    async fn try_reply_for_occurrence(
        &self,
        owner: AccountId,
        obj: &CalendarObject,
        start: i64,
        partstat: &str,
    ) -> crate::Result<()> {
        let (Some(dir), Some(org)) = (&self.directory, crate::scheduling::organizer(&obj.ical)) else { return Ok(()) };
        let dir_err = |e: relais_directory::DirectoryError| crate::Error::Conflict(format!("directory: {e}"));
        let Some(me) = dir.principal_by_id(owner).await.map_err(dir_err)? else { return Ok(()) };
        let me_addr = me.address();
        if org == me_addr {
            return Ok(());
        }
        let Some(organizer) = dir.principal(&org).await.map_err(dir_err)? else {
            return self.send_imip(&me, vec![org], Method::Reply, obj).await;
        };
        let Some((c, name, copy)) = self.copy_of(organizer.id, &obj.uid).await? else { return Ok(()) };
        if let Err(why) = crate::acceptance::may_reply(&me_addr, &organizer.address(), &copy) {
            tracing::info!(uid = %obj.uid, attendee = %me_addr, %why, "scheduling: reply not recorded");
            return Ok(());
        }
        let occurs = |s: i64| copy.occurs_in(s, s + 1);
        let Some(text) = answer_occurrence(&copy.ical.to_string(), &me_addr, partstat, start, occurs) else {
            return Ok(());
        };
        let by = Some(crate::event_notifications::Told::of(crate::event_notifications::by_principal(&me), None));
        self.write_object(&c, &name, text.clone().into_bytes(), Condition::default(), by).await?;
        if let Ok(recorded) = CalendarObject::parse(&text) {
            self.to_inbox(organizer.id, Method::Reply, &recorded, &recorded.ical).await;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{answer_occurrence, change_occurrence, delete_occurrence};
    use crate::event::{EventFields, Exception};

    const WEEKLY: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:w1\r\n\
DTSTAMP:20260101T000000Z\r\nDTSTART;TZID=Europe/Berlin:20270104T100000\r\n\
DTEND;TZID=Europe/Berlin:20270104T110000\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\nSUMMARY:Weekly\r\n\
ORGANIZER:mailto:alice@example.com\r\nATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:bob@example.com\r\n\
END:VEVENT\r\nEND:VCALENDAR\r\n";

    // 2027-01-11 10:00 Berlin = 09:00 UTC.
    const SECOND: i64 = 1_799_658_000;

    #[test]
    fn an_override_is_made_for_the_occurrence_answered() {
        let out = answer_occurrence(WEEKLY, "bob@example.com", "DECLINED", SECOND, |_| true).unwrap();
        let unfolded = out.replace("\r\n ", "");
        assert!(unfolded.contains("RECURRENCE-ID;TZID=Europe/Berlin:20270111T100000"), "{out}");
        assert!(unfolded.contains("DTSTART;TZID=Europe/Berlin:20270111T100000"), "{out}");
        assert!(unfolded.contains("DTEND;TZID=Europe/Berlin:20270111T110000"), "{out}");
        // The series keeps its answer; the occurrence has its own.
        assert_eq!(unfolded.matches("PARTSTAT=NEEDS-ACTION").count(), 1, "{out}");
        assert_eq!(unfolded.matches("PARTSTAT=DECLINED").count(), 1, "{out}");
        assert_eq!(unfolded.matches("RRULE").count(), 1, "{out}");
        // Answered again: the same override, changed.
        let again = answer_occurrence(&out, "bob@example.com", "ACCEPTED", SECOND, |_| false).unwrap();
        assert_eq!(again.matches("BEGIN:VEVENT").count(), 2);
        assert!(again.contains("PARTSTAT=ACCEPTED") && !again.contains("PARTSTAT=DECLINED"), "{again}");
    }

    #[test]
    fn an_occurrence_deleted_is_an_exdate_and_loses_its_override() {
        let answered = answer_occurrence(WEEKLY, "bob@example.com", "DECLINED", SECOND, |_| true).unwrap();
        let out = delete_occurrence(&answered, SECOND).unwrap();
        let unfolded = out.replace("\r\n ", "");
        assert!(unfolded.contains("EXDATE;TZID=Europe/Berlin:20270111T100000"), "{out}");
        assert_eq!(out.matches("BEGIN:VEVENT").count(), 1, "{out}");
        assert!(unfolded.contains("RRULE:FREQ=WEEKLY;COUNT=4") && unfolded.contains("SUMMARY:Weekly"), "{out}");
        let f = crate::event::EventFields::from_ical(&out).unwrap();
        assert_eq!(f.exceptions.len(), 1);
        assert!(f.exceptions[0].deleted && f.exceptions[0].original_start == SECOND);
        // One that is no series: nothing to delete an occurrence of.
        let single = WEEKLY.replace("RRULE:FREQ=WEEKLY;COUNT=4\r\n", "");
        assert!(delete_occurrence(&single, SECOND).is_none());
    }

    #[test]
    fn an_occurrence_changed_is_an_override_of_the_series() {
        let change = Exception {
            subject: Some("Moved".into()),
            start: Some(SECOND + 3600),
            end: Some(SECOND + 3 * 3600),
            ..Exception::default()
        };
        let out = change_occurrence(WEEKLY, SECOND, &change).unwrap();
        let unfolded = out.replace("\r\n ", "");
        assert!(unfolded.contains("RECURRENCE-ID;TZID=Europe/Berlin:20270111T100000"), "{out}");
        assert!(unfolded.contains("DTSTART;TZID=Europe/Berlin:20270111T110000"), "{out}");
        assert!(unfolded.contains("DTEND;TZID=Europe/Berlin:20270111T130000"), "{out}");
        let f = EventFields::from_ical(&out).unwrap();
        assert_eq!((f.subject.as_deref(), f.recurrence.is_some()), (Some("Weekly"), true));
        assert_eq!(f.exceptions.len(), 1, "{out}");
        let e = &f.exceptions[0];
        assert_eq!((e.original_start, e.subject.as_deref(), e.start), (SECOND, Some("Moved"), Some(SECOND + 3600)));
        // Changed again: the same override; what was not sent stays.
        let again = change_occurrence(&out, SECOND, &Exception { reminder: Some(5), ..Exception::default() }).unwrap();
        assert_eq!(again.matches("BEGIN:VEVENT").count(), 2, "{again}");
        let f = EventFields::from_ical(&again).unwrap();
        assert_eq!(f.exceptions[0].subject.as_deref(), Some("Moved"));
        assert_eq!((f.exceptions[0].start, f.exceptions[0].reminder), (Some(SECOND + 3600), Some(5)));
        // No occurrence there.
        assert!(change_occurrence(WEEKLY, SECOND + 60, &change).is_none());
    }

    #[test]
    fn no_such_occurrence_or_attendee() {
        assert!(answer_occurrence(WEEKLY, "bob@example.com", "ACCEPTED", SECOND + 60, |_| false).is_none());
        assert!(answer_occurrence(WEEKLY, "carol@example.com", "ACCEPTED", SECOND, |_| true).is_none());
        assert!(answer_occurrence("not ical", "bob@example.com", "ACCEPTED", SECOND, |_| true).is_none());
    }
}
