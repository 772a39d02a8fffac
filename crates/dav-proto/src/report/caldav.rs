//! CalDAV reports.
//!
//! ```text
//! <!ELEMENT calendar-query ((DAV:allprop | DAV:propname | DAV:prop)?, filter, timezone?)>   RFC 4791 §9.5
//! <!ELEMENT calendar-multiget ((DAV:allprop | DAV:propname | DAV:prop)?, DAV:href+)>         RFC 4791 §9.10
//! <!ELEMENT free-busy-query (time-range)>                                                   RFC 4791 §7.10
//! ```

use crate::error::DavXmlError;
use crate::filter::{self, CompFilter};
use crate::propfind::PropFind;
use crate::qname::NS_CALDAV;
use crate::timerange::TimeRange;
use crate::xml::Element;

/// RFC 4791 §7.8 calendar-query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarQuery {
    /// What to return for each match; `None` when the body names none (then only hrefs and
    /// etags are useful; RFC 4791 leaves it to the server).
    pub props: Option<PropFind>,
    /// The VCALENDAR comp-filter (§9.7).
    pub filter: CompFilter,
    /// §9.8 CALDAV:timezone: a VCALENDAR with one VTIMEZONE, for floating times.
    pub timezone: Option<String>,
    /// RFC 7809 §5.2 CALDAV:timezone-id.
    pub timezone_id: Option<String>,
}

/// RFC 4791 §7.9 calendar-multiget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarMultiget {
    pub props: Option<PropFind>,
    /// The hrefs as sent (trimmed, still percent-encoded), in order.
    pub hrefs: Vec<String>,
}

/// RFC 4791 §7.10 free-busy-query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeBusyQuery {
    pub time_range: TimeRange,
}

pub(super) fn calendar_query(root: &Element) -> Result<CalendarQuery, DavXmlError> {
    let filter = root
        .child(NS_CALDAV, "filter")
        .ok_or_else(|| DavXmlError::InvalidFilter("calendar-query without a filter".into()))?;
    Ok(CalendarQuery {
        props: PropFind::from_parent(root)?,
        filter: filter::calendar_filter(filter)?,
        timezone: root.child(NS_CALDAV, "timezone").map(Element::text),
        timezone_id: root.child(NS_CALDAV, "timezone-id").map(|e| crate::xml::trimmed(e.text())),
    })
}

pub(super) fn calendar_multiget(root: &Element) -> Result<CalendarMultiget, DavXmlError> {
    let hrefs = super::hrefs(root);
    if hrefs.is_empty() {
        return Err(DavXmlError::invalid("calendar-multiget", "no href"));
    }
    Ok(CalendarMultiget { props: PropFind::from_parent(root)?, hrefs })
}

pub(super) fn free_busy_query(root: &Element) -> Result<FreeBusyQuery, DavXmlError> {
    let range = root
        .child(NS_CALDAV, "time-range")
        .ok_or_else(|| DavXmlError::InvalidTimeRange("free-busy-query without a time-range".into()))?;
    Ok(FreeBusyQuery { time_range: TimeRange::from_element(range)? })
}
