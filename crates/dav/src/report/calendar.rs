//! calendar-query (RFC 4791 §7.8) and free-busy-query (§7.10).
//!
//! The common query — one component type, optionally in a time range — is answered from the
//! store's occurrence index in one statement that also brings the content, with no iCalendar
//! parsing: that is the path a client's sync and the benchmark take. Any other filter parses
//! the candidates and evaluates the filter (`query`).

use hyper::StatusCode;
use relais_dav_proto::{CalendarQuery, CompFilter, CompTest, FreeBusyQuery, Multistatus, TimeRange, format_utc};
use relais_groupware::CalendarObject;
use relais_groupware::calcard::icalendar::{ICalendarProperty, ICalendarStatus, ICalendarTransparency, ICalendarValue};
use relais_groupware::ical::overlaps;
use relais_store::{Collection, ResourceContent};

use super::{collection_of, default_props, fill_missing, write_resource};
use crate::node::Node;
use crate::path::{self, Home};
use crate::query::calendar_matches;
use crate::{Ctx, Reply, Result, internal};

const FAR_PAST: i64 = -(1 << 40);
const FAR_FUTURE: i64 = 1 << 40;

/// A filter the index answers exactly: VCALENDAR > one component type [time-range].
fn indexed(filter: &CompFilter) -> Option<(&str, Option<&TimeRange>)> {
    let CompTest::Matches { time_range: None, props, comps } = &filter.test else { return None };
    let [inner] = comps.as_slice() else { return None };
    if !props.is_empty() {
        return None;
    }
    match &inner.test {
        CompTest::Matches { time_range, props, comps } if props.is_empty() && comps.is_empty() => {
            Some((inner.name.as_str(), time_range.as_ref()))
        }
        _ => None,
    }
}

/// Whether `data` holds a component `name` (a line `BEGIN:NAME`), without parsing it.
fn has_component(data: &[u8], name: &str) -> bool {
    data.split(|b| *b == b'\n').any(|line| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        line.len() == 6 + name.len()
            && line[..6].eq_ignore_ascii_case(b"BEGIN:")
            && line[6..].eq_ignore_ascii_case(name.as_bytes())
    })
}

/// Candidates overlapping `tr` from the index, plus those whose stored occurrences stop
/// before the range ends (checked by expanding them).
async fn in_range(ctx: &Ctx<'_>, c: &Collection, tr: &TimeRange) -> Result<Vec<ResourceContent>> {
    let (start, end) = (tr.start.unwrap_or(FAR_PAST), tr.end.unwrap_or(FAR_FUTURE));
    let id = c.id;
    let (mut rows, extra) = ctx
        .dav
        .groupware
        .store()
        .read(move |r| {
            let rows = r.resources_in_range(id, start, end)?;
            let mut names = r.expanded_before(id, end)?;
            names.retain(|n| !rows.iter().any(|row| row.resource.name == *n));
            let extra = r.resources_named(id, &names.iter().map(String::as_str).collect::<Vec<_>>())?;
            Ok((rows, extra))
        })
        .await
        .map_err(internal)?;
    let mut extra = extra;
    fill_missing(ctx, &mut extra).await?;
    for r in extra {
        let text = String::from_utf8_lossy(r.data.as_deref().unwrap_or_default()).into_owned();
        if CalendarObject::parse(&text).is_ok_and(|o| o.occurs_in(start, end)) {
            rows.push(r);
        }
    }
    Ok(rows)
}

async fn all(ctx: &Ctx<'_>, c: &Collection) -> Result<Vec<ResourceContent>> {
    let id = c.id;
    ctx.dav.groupware.store().read(move |r| r.resource_contents(id)).await.map_err(internal)
}

pub(crate) async fn query(ctx: &Ctx<'_>, node: &Node, q: CalendarQuery) -> Result<Reply> {
    let (owner, c) = collection_of(node, Home::Calendars)?;
    let mut rows = match indexed(&q.filter) {
        Some((_, Some(tr))) => in_range(ctx, c, tr).await?,
        _ => all(ctx, c).await?,
    };
    fill_missing(ctx, &mut rows).await?;
    let matches: Vec<&ResourceContent> = match indexed(&q.filter) {
        Some((name, _)) => rows.iter().filter(|r| r.data.as_deref().is_some_and(|d| has_component(d, name))).collect(),
        None => rows
            .iter()
            .filter(|r| {
                let text = String::from_utf8_lossy(r.data.as_deref().unwrap_or_default());
                CalendarObject::parse(&text).is_ok_and(|o| calendar_matches(&o, &q.filter))
            })
            .collect(),
    };
    let props = q.props.unwrap_or_else(default_props);
    let owner = owner.address();
    let mut out = Multistatus::with_buffer(String::with_capacity(512 + matches.len() * 1024));
    for r in matches {
        let href = path::resource_href(Home::Calendars, &owner, &c.name, &r.resource.name);
        write_resource(ctx, &mut out, &href, Home::Calendars, r, &props);
    }
    Ok(Reply::xml(StatusCode::MULTI_STATUS, out.into_bytes()))
}

/// free-busy-query: the busy time of the calendar in the range as one VFREEBUSY (RFC 4791
/// §7.10): opaque, non-cancelled events; tentative ones as BUSY-TENTATIVE.
pub(crate) async fn free_busy(ctx: &Ctx<'_>, node: &Node, q: FreeBusyQuery) -> Result<Reply> {
    let (_, c) = collection_of(node, Home::Calendars)?;
    let (start, end) = (q.time_range.start.unwrap_or(FAR_PAST), q.time_range.end.unwrap_or(FAR_FUTURE));
    let mut rows = in_range(ctx, c, &q.time_range).await?;
    fill_missing(ctx, &mut rows).await?;
    let mut busy: Vec<(i64, i64, bool)> = Vec::new();
    for r in &rows {
        let text = String::from_utf8_lossy(r.data.as_deref().unwrap_or_default());
        let Ok(obj) = CalendarObject::parse(&text) else { continue };
        let Some(master) = obj.master() else { continue };
        if master.component_type != relais_groupware::calcard::icalendar::ICalendarComponentType::VEvent {
            continue;
        }
        let transparent = master
            .property(&ICalendarProperty::Transp)
            .and_then(|e| e.values.first())
            .is_some_and(|v| matches!(v, ICalendarValue::Transparency(ICalendarTransparency::Transparent)));
        let status = master.property(&ICalendarProperty::Status).and_then(|e| e.values.first());
        if transparent || matches!(status, Some(ICalendarValue::Status(ICalendarStatus::Cancelled))) {
            continue;
        }
        let tentative = matches!(status, Some(ICalendarValue::Status(ICalendarStatus::Tentative)));
        let (spans, _) = obj.occurrences(relais_store::now());
        for s in spans.into_iter().filter(|s| overlaps(*s, start, end) && s.end > s.start) {
            busy.push((s.start.max(start), s.end.min(end), tentative));
        }
    }
    Ok(Reply::with_body(StatusCode::OK, "text/calendar; charset=utf-8", vfreebusy(start, end, busy)))
}

/// Merges overlapping periods of the same kind and writes the VFREEBUSY object.
pub(crate) fn vfreebusy(start: i64, end: i64, mut busy: Vec<(i64, i64, bool)>) -> String {
    busy.sort_unstable();
    let mut merged: Vec<(i64, i64, bool)> = Vec::new();
    for (s, e, t) in busy {
        match merged.iter_mut().rev().find(|m| m.2 == t) {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e, t)),
        }
    }
    let mut out = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Relais//Relais//EN\r\nBEGIN:VFREEBUSY\r\n");
    out.push_str(&format!("DTSTAMP:{}\r\n", format_utc(relais_store::now())));
    out.push_str(&format!("DTSTART:{}\r\nDTEND:{}\r\n", format_utc(start), format_utc(end)));
    for (s, e, tentative) in merged {
        let kind = if tentative { ";FBTYPE=BUSY-TENTATIVE" } else { "" };
        out.push_str(&format!("FREEBUSY{kind}:{}/{}\r\n", format_utc(s), format_utc(e)));
    }
    out.push_str("END:VFREEBUSY\r\nEND:VCALENDAR\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_found_by_their_begin_line() {
        let data = b"BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nSUMMARY:BEGIN:VEVENT\r\nEND:VTODO\r\nEND:VCALENDAR\r\n";
        assert!(has_component(data, "VTODO"));
        assert!(has_component(data, "vtodo"));
        assert!(!has_component(data, "VEVENT"));
    }

    #[test]
    fn busy_periods_merge() {
        let fb =
            vfreebusy(0, 10_000, vec![(100, 200, false), (150, 300, false), (400, 500, true), (1000, 1100, false)]);
        assert!(fb.contains("FREEBUSY:19700101T000140Z/19700101T000500Z\r\n"), "{fb}");
        assert!(fb.contains("FREEBUSY;FBTYPE=BUSY-TENTATIVE:19700101T000640Z/19700101T000820Z\r\n"), "{fb}");
        assert_eq!(fb.matches("FREEBUSY").count(), 3 + 2);
    }
}
