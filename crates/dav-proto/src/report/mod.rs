//! REPORT bodies (RFC 3253 §3.6): one [`Report`] enum, chosen by the root element.
//!
//! - CalDAV (RFC 4791 §7.8–§7.10): calendar-query, calendar-multiget, free-busy-query;
//! - CardDAV (RFC 6352 §8.6, §8.7): addressbook-query, addressbook-multiget;
//! - WebDAV sync (RFC 6578 §3.2): sync-collection;
//! - versioning and ACL (RFC 3253 §3.8, RFC 3744 §9.2–§9.5): expand-property,
//!   acl-principal-prop-set, principal-match, principal-property-search,
//!   principal-search-property-set.
//!
//! An unknown root is [`DavXmlError::UnknownReport`] so the server can answer 403
//! DAV:supported-report.

mod caldav;
mod carddav;
mod webdav;

pub use caldav::{CalendarMultiget, CalendarQuery, FreeBusyQuery};
pub use carddav::{AddressbookMultiget, AddressbookQuery};
pub use webdav::{
    AclPrincipalPropSet, ExpandProperty, PrincipalMatch, PrincipalPropertySearch, PropertySearch, SyncCollection,
    SyncLevel,
};

use crate::DavRequest;
use crate::error::DavXmlError;
use crate::qname::{NS_CALDAV, NS_CARDDAV, NS_DAV, QName};
use crate::xml::{self, Element, Limits};

/// A REPORT request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    CalendarQuery(CalendarQuery),
    CalendarMultiget(CalendarMultiget),
    FreeBusyQuery(FreeBusyQuery),
    AddressbookQuery(AddressbookQuery),
    AddressbookMultiget(AddressbookMultiget),
    SyncCollection(SyncCollection),
    /// RFC 3253 §3.8: the properties to expand, each with the properties wanted of the
    /// resources its hrefs name.
    ExpandProperty(Vec<ExpandProperty>),
    PrincipalPropertySearch(PrincipalPropertySearch),
    /// RFC 3744 §9.5: which properties principal-property-search can search (no parameters).
    PrincipalSearchPropertySet,
    AclPrincipalPropSet(AclPrincipalPropSet),
    PrincipalMatch(PrincipalMatch),
}

impl Report {
    /// The report's element name, e.g. for DAV:supported-report-set checks.
    pub fn name(&self) -> QName {
        use crate::qname::names::*;
        match self {
            Report::CalendarQuery(_) => CALENDAR_QUERY,
            Report::CalendarMultiget(_) => CALENDAR_MULTIGET,
            Report::FreeBusyQuery(_) => FREE_BUSY_QUERY,
            Report::AddressbookQuery(_) => ADDRESSBOOK_QUERY,
            Report::AddressbookMultiget(_) => ADDRESSBOOK_MULTIGET,
            Report::SyncCollection(_) => SYNC_COLLECTION,
            Report::ExpandProperty(_) => EXPAND_PROPERTY,
            Report::PrincipalPropertySearch(_) => PRINCIPAL_PROPERTY_SEARCH,
            Report::PrincipalSearchPropertySet => PRINCIPAL_SEARCH_PROPERTY_SET,
            Report::AclPrincipalPropSet(_) => ACL_PRINCIPAL_PROP_SET,
            Report::PrincipalMatch(_) => PRINCIPAL_MATCH,
        }
    }
}

impl DavRequest for Report {
    fn parse_with(body: &[u8], limits: &Limits) -> Result<Report, DavXmlError> {
        let root = xml::parse(body, limits)?.ok_or_else(|| DavXmlError::invalid("report", "empty body"))?;
        let ns = &*root.name.ns;
        Ok(match &*root.name.local {
            "calendar-query" if ns == NS_CALDAV => Report::CalendarQuery(caldav::calendar_query(&root)?),
            "calendar-multiget" if ns == NS_CALDAV => Report::CalendarMultiget(caldav::calendar_multiget(&root)?),
            "free-busy-query" if ns == NS_CALDAV => Report::FreeBusyQuery(caldav::free_busy_query(&root)?),
            "addressbook-query" if ns == NS_CARDDAV => Report::AddressbookQuery(carddav::addressbook_query(&root)?),
            "addressbook-multiget" if ns == NS_CARDDAV => {
                Report::AddressbookMultiget(carddav::addressbook_multiget(&root)?)
            }
            "sync-collection" if ns == NS_DAV => Report::SyncCollection(webdav::sync_collection(&root)?),
            "expand-property" if ns == NS_DAV => Report::ExpandProperty(webdav::expand_properties(&root)),
            "principal-property-search" if ns == NS_DAV => {
                Report::PrincipalPropertySearch(webdav::principal_property_search(&root)?)
            }
            "principal-search-property-set" if ns == NS_DAV => Report::PrincipalSearchPropertySet,
            "acl-principal-prop-set" if ns == NS_DAV => {
                Report::AclPrincipalPropSet(webdav::acl_principal_prop_set(&root))
            }
            "principal-match" if ns == NS_DAV => Report::PrincipalMatch(webdav::principal_match(&root)?),
            _ => return Err(DavXmlError::UnknownReport(root.name)),
        })
    }
}

/// The trimmed text of each `DAV:href` child (multigets, RFC 4791 §9.10, RFC 6352 §10.7).
pub(crate) fn hrefs(parent: &Element) -> Vec<String> {
    parent.children_named(NS_DAV, "href").map(|h| xml::trimmed(h.text())).collect()
}

/// RFC 5323 §5.17 `<DAV:limit><DAV:nresults>N</DAV:nresults></DAV:limit>`, as used by
/// RFC 6352 §8.6.1 and RFC 6578 §6.1.
pub(crate) fn limit(parent: &Element) -> Result<Option<u32>, DavXmlError> {
    let Some(limit) = parent.child(NS_DAV, "limit").or_else(|| parent.child(NS_CARDDAV, "limit")) else {
        return Ok(None);
    };
    let nresults = limit.child(NS_DAV, "nresults").or_else(|| limit.child(NS_CARDDAV, "nresults"));
    let Some(nresults) = nresults else { return Err(DavXmlError::invalid("limit", "no nresults")) };
    let text = nresults.text();
    xml::trim(&text).parse().map(Some).map_err(|_| DavXmlError::invalid("nresults", format!("{text:?}")))
}
