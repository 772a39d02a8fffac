//! Free/busy (RFC 5545 §3.6.4 VFREEBUSY): the busy time of a calendar in a range, for the
//! CalDAV free-busy-query REPORT (RFC 4791 §7.10), the scheduling outbox's free/busy request
//! (RFC 6638 §5) and rooms deciding whether they are free. Opaque, non-cancelled events count;
//! tentative ones are BUSY-TENTATIVE.

use calcard::icalendar::{
    ICalendarComponentType, ICalendarProperty, ICalendarStatus, ICalendarTransparency, ICalendarValue,
};
use relais_directory::{Actor, Rights, access};
use relais_store::{Collection, CollectionId, Principal, ResourceContent};

use crate::ical::overlaps;
use crate::{CalendarObject, Groupware, Result};

/// One busy period in UTC seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Busy {
    pub start: i64,
    pub end: i64,
    pub tentative: bool,
}

/// The busy periods an object contributes to [start, end).
pub fn busy_of(obj: &CalendarObject, start: i64, end: i64) -> Vec<Busy> {
    let Some(master) = obj.master() else { return Vec::new() };
    if master.component_type != ICalendarComponentType::VEvent {
        return Vec::new();
    }
    let first = |p: ICalendarProperty| master.property(&p).and_then(|e| e.values.first());
    let transparent = matches!(
        first(ICalendarProperty::Transp),
        Some(ICalendarValue::Transparency(ICalendarTransparency::Transparent))
    );
    let status = first(ICalendarProperty::Status);
    if transparent || matches!(status, Some(ICalendarValue::Status(ICalendarStatus::Cancelled))) {
        return Vec::new();
    }
    let tentative = matches!(status, Some(ICalendarValue::Status(ICalendarStatus::Tentative)));
    let (spans, _) = obj.occurrences(relais_store::now());
    spans
        .into_iter()
        .filter(|s| overlaps(*s, start, end) && s.end > s.start)
        .map(|s| Busy { start: s.start.max(start), end: s.end.min(end), tentative })
        .collect()
}

/// `YYYYMMDDTHHMMSSZ` (RFC 5545 §3.3.5, UTC form).
pub fn utc(t: i64) -> String {
    let d = calcard::common::PartialDateTime::from_utc_timestamp(t);
    let n = |v: Option<u8>| v.unwrap_or(0);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        d.year.unwrap_or(1970),
        n(d.month),
        n(d.day),
        n(d.hour),
        n(d.minute),
        n(d.second)
    )
}

/// Busy periods in order of start, overlapping or touching periods of one kind merged.
pub fn merge(mut busy: Vec<Busy>) -> Vec<Busy> {
    busy.sort_unstable();
    let mut merged: Vec<Busy> = Vec::new();
    for b in busy {
        match merged.iter_mut().rev().find(|m| m.tentative == b.tentative) {
            Some(last) if b.start <= last.end => last.end = last.end.max(b.end),
            _ => merged.push(b),
        }
    }
    merged
}

/// A VCALENDAR with one VFREEBUSY for [start, end): overlapping periods of one kind merged.
/// `reply` makes it an iTIP REPLY (RFC 5546 §3.3.2) from the attendee to the organizer.
pub fn vfreebusy(start: i64, end: i64, busy: Vec<Busy>, reply: Option<(&str, &str, &str)>) -> String {
    let merged = merge(busy);
    let mut out = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Relais//Relais//EN\r\n");
    if reply.is_some() {
        out.push_str("METHOD:REPLY\r\n");
    }
    out.push_str("BEGIN:VFREEBUSY\r\n");
    if let Some((uid, organizer, attendee)) = reply {
        out.push_str(&format!("UID:{uid}\r\nORGANIZER:mailto:{organizer}\r\nATTENDEE:mailto:{attendee}\r\n"));
    }
    out.push_str(&format!("DTSTAMP:{}\r\nDTSTART:{}\r\nDTEND:{}\r\n", utc(relais_store::now()), utc(start), utc(end)));
    for b in merged {
        let kind = if b.tentative { ";FBTYPE=BUSY-TENTATIVE" } else { "" };
        out.push_str(&format!("FREEBUSY{kind}:{}/{}\r\n", utc(b.start), utc(b.end)));
    }
    out.push_str("END:VFREEBUSY\r\nEND:VCALENDAR\r\n");
    out
}

impl Groupware {
    /// Resources of a calendar with an occurrence in [start, end), with their content: the
    /// index's answer plus those whose stored occurrences stop before `end` and that still
    /// occur in the range when expanded again.
    pub async fn in_range(&self, collection: CollectionId, start: i64, end: i64) -> Result<Vec<ResourceContent>> {
        let (mut rows, mut extra) = self
            .store
            .read(move |r| {
                let rows = r.resources_in_range(collection, start, end)?;
                let mut names = r.expanded_before(collection, end)?;
                names.retain(|n| !rows.iter().any(|row| row.resource.name == *n));
                let extra = r.resources_named(collection, &names.iter().map(String::as_str).collect::<Vec<_>>())?;
                Ok((rows, extra))
            })
            .await?;
        self.fill_content(&mut rows).await?;
        self.fill_content(&mut extra).await?;
        for r in extra {
            let text = String::from_utf8_lossy(r.data.as_deref().unwrap_or_default()).into_owned();
            if CalendarObject::parse(&text).is_ok_and(|o| o.occurs_in(start, end)) {
                rows.push(r);
            }
        }
        Ok(rows)
    }

    /// Reads the content of resources too large to have come inline with their row.
    pub async fn fill_content(&self, rows: &mut [ResourceContent]) -> Result<()> {
        for r in rows.iter_mut().filter(|r| r.data.is_none()) {
            if let Some(hash) = r.blob.clone() {
                r.data = Some(self.store.blob(hash).await?);
            }
        }
        Ok(())
    }

    /// The busy time of `calendar` in [start, end) as `actor` may read it (CalDAV
    /// free-busy-query, RFC 4791 §7.10): with `Rights::FREE_BUSY` or `READ_ITEMS` on it.
    pub async fn free_busy(&self, actor: &Actor, calendar: &Collection, start: i64, end: i64) -> Result<Vec<Busy>> {
        let (a, c) = (actor.clone(), calendar.clone());
        let held = self.store.read(move |r| access::rights_on(r, &a, &c)).await?;
        if !(held.contains(Rights::FREE_BUSY) || held.contains(Rights::READ_ITEMS)) {
            return Err(crate::Error::Forbidden);
        }
        self.busy(calendar.id, start, end).await
    }

    /// The busy time of a calendar in [start, end).
    pub(crate) async fn busy(&self, collection: CollectionId, start: i64, end: i64) -> Result<Vec<Busy>> {
        let rows = self.in_range(collection, start, end).await?;
        Ok(rows
            .iter()
            .filter_map(|r| CalendarObject::parse(&String::from_utf8_lossy(r.data.as_deref().unwrap_or_default())).ok())
            .flat_map(|o| busy_of(&o, start, end))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_and_merging() {
        assert_eq!(utc(1_767_225_600), "20260101T000000Z");
        assert_eq!(utc(0), "19700101T000000Z");
        let b = |start, end, tentative| Busy { start, end, tentative };
        let fb = vfreebusy(
            0,
            10_000,
            vec![b(100, 200, false), b(150, 300, false), b(400, 500, true), b(1000, 1100, false)],
            None,
        );
        assert!(fb.contains("FREEBUSY:19700101T000140Z/19700101T000500Z\r\n"), "{fb}");
        assert!(fb.contains("FREEBUSY;FBTYPE=BUSY-TENTATIVE:19700101T000640Z/19700101T000820Z\r\n"), "{fb}");
        assert_eq!(fb.matches("\r\nFREEBUSY").count(), 3);
        assert_eq!(
            merge(vec![b(150, 300, false), b(100, 200, false), b(120, 130, true), b(300, 310, false)]),
            [b(100, 310, false), b(120, 130, true)]
        );
        let reply = vfreebusy(0, 10, Vec::new(), Some(("u1", "a@x.test", "b@x.test")));
        assert!(reply.contains("METHOD:REPLY\r\n") && reply.contains("ATTENDEE:mailto:b@x.test\r\n"));
    }
}

/// A free/busy request (RFC 5546 §3.3.2, VFREEBUSY with METHOD:REQUEST) as a scheduling outbox
/// receives it (RFC 6638 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub uid: String,
    pub organizer: String,
    pub attendees: Vec<String>,
    pub start: i64,
    pub end: i64,
}

/// Reads a free/busy request; `None` when `text` is not one.
pub fn request(text: &str) -> Option<Request> {
    use calcard::common::timezone::Tz;
    use calcard::icalendar::ICalendar;
    let ical = ICalendar::parse(text).ok()?;
    let root = ical.components.first()?;
    let method = root.property(&ICalendarProperty::Method)?.values.first()?.as_text()?;
    if !method.eq_ignore_ascii_case("REQUEST") {
        return None;
    }
    let fb = ical.components.iter().find(|c| c.component_type == ICalendarComponentType::VFreebusy)?;
    let time = |p: ICalendarProperty| {
        fb.property(&p)?
            .values
            .first()?
            .as_partial_date_time()?
            .to_date_time()?
            .to_date_time_with_tz(Tz::UTC)
            .map(|t| t.timestamp())
    };
    let text_of = |p: ICalendarProperty| fb.property(&p)?.values.first()?.as_text().map(str::to_owned);
    let (start, end) = (time(ICalendarProperty::Dtstart)?, time(ICalendarProperty::Dtend)?);
    if end <= start {
        return None;
    }
    Some(Request {
        uid: text_of(ICalendarProperty::Uid).unwrap_or_default(),
        organizer: crate::scheduling::address_of(&text_of(ICalendarProperty::Organizer)?),
        attendees: fb
            .properties(&ICalendarProperty::Attendee)
            .filter_map(|e| e.values.first()?.as_text().map(crate::scheduling::address_of))
            .collect(),
        start,
        end,
    })
}

#[cfg(test)]
mod request_tests {
    #[test]
    fn reads_a_free_busy_request() {
        let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VFREEBUSY\r\nUID:fb1\r\n\
            DTSTAMP:20260101T000000Z\r\nDTSTART:20260105T000000Z\r\nDTEND:20260106T000000Z\r\n\
            ORGANIZER:mailto:alice@example.com\r\nATTENDEE:mailto:Bob@Example.com\r\nEND:VFREEBUSY\r\nEND:VCALENDAR\r\n";
        let r = super::request(text).unwrap();
        assert_eq!((r.start, r.end), (1_767_571_200, 1_767_657_600));
        assert_eq!(r.organizer, "alice@example.com");
        assert_eq!(r.attendees, ["bob@example.com"]);
        assert!(super::request(&text.replace("METHOD:REQUEST", "METHOD:REPLY")).is_none());
    }
}

impl Groupware {
    /// Answers a free/busy request for each attendee (RFC 6638 §5): the iTIP REPLY with the
    /// busy time of their default calendar, or `None` for an address that is not a local
    /// calendar user the organizer may see (`Directory::may_see`: their own domain by default).
    /// The organizer must be `actor` itself (CALDAV:originator-allowed): `Forbidden` otherwise.
    pub async fn answer(&self, actor: &Actor, request: &Request) -> Result<Vec<(String, Option<String>)>> {
        let Some(dir) = &self.directory else { return Ok(Vec::new()) };
        let viewer = dir.principal(&request.organizer).await.map_err(dir_err)?;
        let Some(viewer) = viewer.filter(|v| v.id == actor.principal) else { return Err(crate::Error::Forbidden) };
        let mut out = Vec::with_capacity(request.attendees.len());
        for attendee in &request.attendees {
            let reply = match self.busy_seen_by(&viewer, attendee, request.start, request.end).await? {
                Some(busy) => {
                    let parties = (request.uid.as_str(), request.organizer.as_str(), attendee.as_str());
                    Some(vfreebusy(request.start, request.end, busy, Some(parties)))
                }
                None => None,
            };
            out.push((attendee.clone(), reply));
        }
        Ok(out)
    }

    /// The busy time in [start, end) of the local calendar user `address` as `actor` sees it
    /// (ActiveSync ResolveRecipients Availability, EWS GetUserAvailability): the rule of a
    /// scheduling free/busy request ([`Groupware::answer`]) — a principal `actor` may see in
    /// the directory, the busy time of its default calendar. `None` for an address that is not
    /// such a user (unknown, out of sight, or without a calendar).
    pub async fn busy_of_address(
        &self,
        actor: &Actor,
        address: &str,
        start: i64,
        end: i64,
    ) -> Result<Option<Vec<Busy>>> {
        let Some(dir) = &self.directory else { return Ok(None) };
        let Some(viewer) = dir.principal_by_id(actor.principal).await.map_err(dir_err)? else { return Ok(None) };
        self.busy_seen_by(&viewer, address, start, end).await
    }

    /// The busy time of `address`'s default calendar if `viewer` may see that principal.
    async fn busy_seen_by(&self, viewer: &Principal, address: &str, start: i64, end: i64) -> Result<Option<Vec<Busy>>> {
        let Some(dir) = &self.directory else { return Ok(None) };
        let principal = dir.principal(address).await.map_err(dir_err)?.filter(|p| dir.may_see(viewer, p));
        let calendar = match principal {
            Some(p) => self.default_calendar(p.id).await?,
            None => None,
        };
        match calendar {
            Some(c) => Ok(Some(self.busy(c.id, start, end).await?)),
            None => Ok(None),
        }
    }
}

fn dir_err(e: relais_directory::DirectoryError) -> crate::Error {
    crate::Error::Conflict(e.to_string())
}

/// Most slots [`merged`] writes.
pub const MAX_SLOTS: usize = 4_096;

/// The free/busy of [start, end) as one digit per `interval` seconds (the last slot may be
/// shorter), as ActiveSync's and EWS's MergedFreeBusy write it (MS-ASCMD §2.2.3.107): `0` free,
/// `1` tentative, `2` busy (`3` out of office and `4` no data are not told by busy periods);
/// the strongest period overlapping a slot decides it. At most [`MAX_SLOTS`] digits.
pub fn merged(start: i64, end: i64, interval: i64, busy: &[Busy]) -> String {
    if end <= start || interval <= 0 {
        return String::new();
    }
    let count = usize::try_from(slots_in(end.saturating_sub(start), interval)).unwrap_or(MAX_SLOTS).min(MAX_SLOTS);
    let mut slots = vec![b'0'; count];
    for b in busy.iter().filter(|b| b.end > start && b.start < end && b.end > b.start) {
        let digit = if b.tentative { b'1' } else { b'2' };
        let first = usize::try_from(b.start.max(start).saturating_sub(start) / interval).unwrap_or(count);
        let last =
            usize::try_from(slots_in(b.end.min(end).saturating_sub(start), interval)).unwrap_or(count).min(count);
        for slot in slots.iter_mut().take(last).skip(first) {
            *slot = (*slot).max(digit);
        }
    }
    String::from_utf8(slots).unwrap_or_default()
}

/// How many `interval`s cover `span` (both positive).
fn slots_in(span: i64, interval: i64) -> i64 {
    span / interval + i64::from(span % interval != 0)
}

#[cfg(test)]
mod merged_tests {
    use super::{Busy, MAX_SLOTS, merged};

    #[test]
    fn one_digit_per_slot() {
        let b = |start, end, tentative| Busy { start, end, tentative };
        let half = 1_800;
        // (busy periods, expected) over four half hours from 0.
        let table: Vec<(Vec<Busy>, &str)> = vec![
            (vec![], "0000"),
            (vec![b(0, 1_800, false)], "2000"),
            (vec![b(1_799, 1_801, false)], "2200"),
            (vec![b(3_600, 7_200, true)], "0011"),
            (vec![b(3_600, 7_200, true), b(5_400, 5_500, false)], "0012"),
            (vec![b(5_400, 5_500, false), b(3_600, 7_200, true)], "0012"),
            (vec![b(-10_000, 100_000, false)], "2222"),
            (vec![b(7_200, 9_000, false), b(-5, 0, false), b(900, 900, false)], "0000"),
        ];
        for (busy, want) in table {
            assert_eq!(merged(0, 4 * half, half, &busy), want, "{busy:?}");
        }
        assert_eq!(merged(0, 4 * half + 1, half, &[b(7_200, 7_201, false)]), "00002", "a short last slot");
        assert_eq!(merged(10, 10, half, &[]), "");
        assert_eq!(merged(0, 100, 0, &[]), "");
        assert_eq!(merged(0, i64::MAX, half, &[b(0, 1, false)]).len(), MAX_SLOTS);
        assert_eq!(merged(i64::MIN, i64::MAX, half, &[b(i64::MIN, i64::MAX, true)]).len(), MAX_SLOTS);
    }
}
