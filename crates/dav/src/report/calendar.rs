//! calendar-query (RFC 4791 §7.8) and free-busy-query (§7.10).
//!
//! The common query — one component type, optionally in a time range — is answered from the
//! store's occurrence index in one statement that also brings the content, with no iCalendar
//! parsing: that is the path a client's sync and the benchmark take. Any other filter parses
//! the candidates and evaluates the filter (`query`).

use hyper::StatusCode;
use relais_dav_proto::{CalendarQuery, CompFilter, CompTest, FreeBusyQuery, Multistatus, TimeRange};
use relais_groupware::{CalendarObject, freebusy};
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

/// Candidates overlapping `tr`: the index's answer, plus recurrences stored only up to a
/// horizon that still occur in the range (see `Groupware::in_range`).
async fn in_range(ctx: &Ctx<'_>, c: &Collection, tr: &TimeRange) -> Result<Vec<ResourceContent>> {
    let (start, end) = (tr.start.unwrap_or(FAR_PAST), tr.end.unwrap_or(FAR_FUTURE));
    ctx.dav.groupware.in_range(c.id, start, end).await.map_err(internal)
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
    let busy = match ctx.dav.groupware.free_busy(&ctx.actor(), c, start, end).await {
        Ok(busy) => busy,
        Err(relais_groupware::Error::Forbidden) => return Err(crate::node::forbidden()),
        Err(e) => return Err(internal(e)),
    };
    Ok(Reply::with_body(StatusCode::OK, "text/calendar; charset=utf-8", freebusy::vfreebusy(start, end, busy, None)))
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
}
