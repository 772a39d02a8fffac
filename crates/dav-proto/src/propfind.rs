//! PROPFIND (RFC 4918 §9.1, §14.20) and the property selection reports reuse:
//!
//! ```text
//! <!ELEMENT propfind ( propname | (allprop, include?) | prop ) >
//! <!ELEMENT include ANY >   <!ELEMENT prop ANY >
//! ```
//!
//! A requested `CALDAV:calendar-data` (RFC 4791 §9.6) or `CARDDAV:address-data` (RFC 6352
//! §10.4) may narrow what is returned; that request rides on the [`PropRequest`].

use crate::DavRequest;
use crate::error::DavXmlError;
use crate::qname::{NS_CALDAV, NS_CARDDAV, NS_DAV, QName};
use crate::timerange::TimeRange;
use crate::xml::{self, Element, Limits};

/// What a PROPFIND (or a report's `allprop | propname | prop`) asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropFind {
    /// All dead properties and the live ones defined by RFC 4918, plus `include`d ones
    /// (§9.1). An empty PROPFIND body means this.
    AllProp { include: Vec<QName> },
    /// Names only (§9.1): answer with empty elements.
    PropName,
    /// These properties, in request order.
    Prop(Vec<PropRequest>),
}

/// One requested property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropRequest {
    pub name: QName,
    /// Set for `calendar-data` and `address-data`: how to shape the returned data.
    pub data: Option<DataRequest>,
}

impl PropRequest {
    /// A plain property request.
    pub fn new(name: QName) -> PropRequest {
        PropRequest { name, data: None }
    }
}

/// A request for the object data itself, with its optional narrowing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataRequest {
    Calendar(CalendarDataRequest),
    Address(AddressDataRequest),
}

/// RFC 4791 §9.6: `<!ELEMENT calendar-data (comp?, (expand | limit-recurrence-set)?,
/// limit-freebusy-set?)>` with `content-type` and `version` attributes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CalendarDataRequest {
    /// `content-type` as sent (RFC 4791 default `text/calendar`).
    pub content_type: Option<String>,
    /// `version` as sent (default `2.0`).
    pub version: Option<String>,
    /// §9.6.1: which components and properties to return; `None` = everything.
    pub comp: Option<CompSelection>,
    /// §9.6.5: return recurrences expanded into instances within this range (both bounds set).
    pub expand: Option<TimeRange>,
    /// §9.6.6: return the master plus only the overridden instances in this range.
    pub limit_recurrence_set: Option<TimeRange>,
    /// §9.6.7: return only FREEBUSY periods overlapping this range.
    pub limit_freebusy_set: Option<TimeRange>,
}

/// RFC 4791 §9.6.1: `<!ELEMENT comp ((allprop | prop*), (allcomp | comp*))>`. What was sent is
/// kept as is: an empty `props` with `all_props == false` is how RFC 4791 §7.8.1 asks for a
/// VTIMEZONE without narrowing, which servers commonly treat as "all".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompSelection {
    /// Component name, upper-cased (`VCALENDAR`, `VEVENT`, …).
    pub name: String,
    pub all_props: bool,
    pub props: Vec<PropSelection>,
    pub all_comps: bool,
    pub comps: Vec<CompSelection>,
}

/// RFC 4791 §9.6.4 / RFC 6352 §10.4.2: `<prop name="SUMMARY" novalue="no"/>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropSelection {
    /// Property name, upper-cased.
    pub name: String,
    /// `novalue="yes"`: return the property without its value.
    pub novalue: bool,
}

/// RFC 6352 §10.4: `<!ELEMENT address-data (allprop | prop*)>` with `content-type` and
/// `version` attributes (defaults `text/vcard`, `3.0`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressDataRequest {
    pub content_type: Option<String>,
    pub version: Option<String>,
    /// `true` when no `prop` narrows the vCard (an explicit `allprop` or none at all).
    pub all_props: bool,
    pub props: Vec<PropSelection>,
}

impl DavRequest for PropFind {
    fn parse_with(body: &[u8], limits: &Limits) -> Result<PropFind, DavXmlError> {
        // RFC 4918 §9.1: an empty body is an allprop request.
        let Some(root) = xml::parse(body, limits)? else { return Ok(PropFind::AllProp { include: vec![] }) };
        root.expect(NS_DAV, "propfind", "DAV:propfind")?;
        PropFind::from_parent(&root)?.ok_or_else(|| DavXmlError::invalid("propfind", "no prop, allprop or propname"))
    }
}

impl PropFind {
    /// Finds `allprop`, `propname` or `prop` among the children of `parent`.
    pub(crate) fn from_parent(parent: &Element) -> Result<Option<PropFind>, DavXmlError> {
        for el in parent.elements() {
            if el.is(NS_DAV, "prop") {
                return Ok(Some(PropFind::Prop(prop_requests(el)?)));
            }
            if el.is(NS_DAV, "propname") {
                return Ok(Some(PropFind::PropName));
            }
            if el.is(NS_DAV, "allprop") {
                let include = parent.dav_child("include").map(names_in).unwrap_or_default();
                return Ok(Some(PropFind::AllProp { include }));
            }
        }
        Ok(None)
    }

    /// The requested names (empty for allprop and propname).
    pub fn names(&self) -> impl Iterator<Item = &QName> {
        let props: &[PropRequest] = match self {
            PropFind::Prop(p) => p,
            _ => &[],
        };
        props.iter().map(|p| &p.name)
    }
}

/// The names of the child elements (`DAV:prop` in a remove, `DAV:include`, …).
pub(crate) fn names_in(el: &Element) -> Vec<QName> {
    el.elements().map(|e| e.name.clone()).collect()
}

/// The children of a `DAV:prop` as requests.
pub(crate) fn prop_requests(prop: &Element) -> Result<Vec<PropRequest>, DavXmlError> {
    prop.elements()
        .map(|el| {
            let data = if el.is(NS_CALDAV, "calendar-data") {
                Some(DataRequest::Calendar(calendar_data(el)?))
            } else if el.is(NS_CARDDAV, "address-data") {
                Some(DataRequest::Address(address_data(el)?))
            } else {
                None
            };
            Ok(PropRequest { name: el.name.clone(), data })
        })
        .collect()
}

fn calendar_data(el: &Element) -> Result<CalendarDataRequest, DavXmlError> {
    let mut req = CalendarDataRequest {
        content_type: el.attr("content-type").map(str::to_owned),
        version: el.attr("version").map(str::to_owned),
        ..Default::default()
    };
    for child in el.elements().filter(|c| c.name.ns == NS_CALDAV) {
        match &*child.name.local {
            "comp" => req.comp = Some(comp_selection(child)?),
            "expand" => req.expand = Some(TimeRange::bounded(child)?),
            "limit-recurrence-set" => req.limit_recurrence_set = Some(TimeRange::bounded(child)?),
            "limit-freebusy-set" => req.limit_freebusy_set = Some(TimeRange::bounded(child)?),
            _ => {}
        }
    }
    Ok(req)
}

fn comp_selection(el: &Element) -> Result<CompSelection, DavXmlError> {
    let name = required_name(el, "CALDAV:comp")?;
    let mut sel = CompSelection { name, ..Default::default() };
    for child in el.elements().filter(|c| c.name.ns == NS_CALDAV) {
        match &*child.name.local {
            "allprop" => sel.all_props = true,
            "prop" => sel.props.push(prop_selection(child, "CALDAV:prop")?),
            "allcomp" => sel.all_comps = true,
            "comp" => sel.comps.push(comp_selection(child)?),
            _ => {}
        }
    }
    Ok(sel)
}

fn address_data(el: &Element) -> Result<AddressDataRequest, DavXmlError> {
    let props = el
        .children_named(NS_CARDDAV, "prop")
        .map(|p| prop_selection(p, "CARDDAV:prop"))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(AddressDataRequest {
        content_type: el.attr("content-type").map(str::to_owned),
        version: el.attr("version").map(str::to_owned),
        all_props: props.is_empty(),
        props,
    })
}

fn prop_selection(el: &Element, what: &'static str) -> Result<PropSelection, DavXmlError> {
    Ok(PropSelection { name: required_name(el, what)?, novalue: el.attr("novalue") == Some("yes") })
}

/// The `name` attribute, upper-cased: iCalendar and vCard names are case-insensitive
/// (RFC 5545 §2, RFC 6350 §3.3).
pub(crate) fn required_name(el: &Element, what: &'static str) -> Result<String, DavXmlError> {
    match el.attr("name").map(xml::trim) {
        Some(n) if !n.is_empty() => Ok(n.to_ascii_uppercase()),
        _ => Err(DavXmlError::invalid(what, "missing name attribute")),
    }
}
