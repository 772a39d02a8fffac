//! The WebDAV / CalDAV / CardDAV wire model, and nothing else: request bodies parsed into
//! typed requests, header values parsed, and 207 Multi-Status and DAV:error bodies encoded.
//! No I/O, no tokio, no store: the server crate (`dav`) owns HTTP, authorisation and storage.
//!
//! How a server uses it:
//! - A body goes to the parser of its method: [`parse_propfind`], [`parse_proppatch`],
//!   [`parse_mkcol`], [`parse_mkcalendar`], [`parse_report`], [`parse_acl`] (or
//!   [`parse_with`] to pass [`Limits`]). A failure is a [`DavXmlError`]:
//!   [`DavXmlError::status`] and [`DavXmlError::precondition`] say what to answer.
//! - Headers go through [`Depth::parse`], [`parse_overwrite`], [`parse_destination`],
//!   [`parse_etag_list`] and [`parse_prefer`].
//! - Answers are written with [`Multistatus`] (one growing `String`, no tree) and
//!   [`error_body`].
//!
//! Invariants (the tests and the fuzz target hold them):
//! - Nothing a peer sends makes this crate panic. A DOCTYPE is refused, so no entity is ever
//!   expanded; depth, element count, attributes per element and namespace declarations are
//!   bounded by [`Limits`], and parsing is linear in the body. Only well-formed XML is
//!   accepted (characters, names, namespaces as a strict parser checks them).
//! - Unknown elements where the RFCs allow extension are ignored; names are compared by
//!   namespace URI, never by prefix.
//! - Every encoded body is well-formed XML whatever the names, text, hrefs, namespaces and
//!   dead-property values handed in: a name that cannot be written ([`QName::is_writable`])
//!   is left out, a dead value that is not a well-formed fragment is written as text, and
//!   text survives a client's XML parser byte for byte (CR included). Only
//!   [`PropValue::Xml`] (server-built) is trusted.
//!
//! Layout: `xml` (the one XML reader, into a small tree), one module per request kind
//! (`propfind`, `proppatch`, `report/`, `acl`), the shared `filter` and `timerange`, and
//! `multistatus` with `escape` and `fragment` for output.

mod acl;
pub mod client;
mod error;
mod escape;
mod filter;
mod fragment;
mod headers;
mod multistatus;
mod propfind;
mod proppatch;
mod qname;
mod report;
mod timerange;
mod xml;

pub use acl::{Ace, AcePrincipal, Acl};
pub use error::DavXmlError;
pub use escape::{attr as escape_attr, text as escape_text};
pub use filter::{
    CardFilter, CardPropFilter, CompFilter, CompTest, MatchType, ParamFilter, ParamTest, PropFilter, PropTest, Test,
    TextMatch,
};
pub use fragment::is_well_formed as is_well_formed_fragment;
pub use headers::{
    Depth, Destination, EntityTag, EtagList, HeaderError, Prefer, parse_destination, parse_etag_list, parse_overwrite,
    parse_prefer, percent_decode,
};
pub use multistatus::{Multistatus, PropValue, Property, error_body, error_body_with_href};
pub use propfind::{
    AddressDataRequest, CalendarDataRequest, CompSelection, DataRequest, PropFind, PropRequest, PropSelection,
};
pub use proppatch::{MkCalendar, MkCol, PropPatchOp, PropertyUpdate, PropertyValue, SetProperty, StructuredValue};
pub use qname::{
    NS_APPLE_ICAL, NS_CALDAV, NS_CALENDARSERVER, NS_CARDDAV, NS_DAV, NS_XML, NS_XMLNS, QName, is_ncname, is_xml_char,
    names,
};
pub use report::{
    AclPrincipalPropSet, AddressbookMultiget, AddressbookQuery, CalendarMultiget, CalendarQuery, ExpandProperty,
    FreeBusyQuery, PrincipalMatch, PrincipalPropertySearch, PropertySearch, Report, SyncCollection, SyncLevel,
};
pub use timerange::{TimeRange, format_http_date, format_rfc3339, format_utc, parse_utc};
pub use xml::{Attr as XmlAttr, Element as XmlElement, Limits, Node as XmlNode, parse as parse_xml};

/// A request body type this crate parses.
pub trait DavRequest: Sized {
    /// Parses `body` within `limits`.
    fn parse_with(body: &[u8], limits: &Limits) -> Result<Self, DavXmlError>;
}

/// Parses any request body with explicit limits: `parse_with::<Report>(body, &limits)`.
pub fn parse_with<T: DavRequest>(body: &[u8], limits: &Limits) -> Result<T, DavXmlError> {
    T::parse_with(body, limits)
}

/// PROPFIND body (RFC 4918 §14.20); empty means allprop.
pub fn parse_propfind(body: &[u8]) -> Result<PropFind, DavXmlError> {
    parse_with(body, &Limits::default())
}

/// PROPPATCH body (RFC 4918 §14.19).
pub fn parse_proppatch(body: &[u8]) -> Result<PropertyUpdate, DavXmlError> {
    parse_with(body, &Limits::default())
}

/// Extended MKCOL body (RFC 5689 §5.1); empty means a plain MKCOL.
pub fn parse_mkcol(body: &[u8]) -> Result<MkCol, DavXmlError> {
    parse_with(body, &Limits::default())
}

/// MKCALENDAR body (RFC 4791 §5.3.1); may be empty.
pub fn parse_mkcalendar(body: &[u8]) -> Result<MkCalendar, DavXmlError> {
    parse_with(body, &Limits::default())
}

/// REPORT body (RFC 3253 §3.6), any of the reports of [`Report`].
pub fn parse_report(body: &[u8]) -> Result<Report, DavXmlError> {
    parse_with(body, &Limits::default())
}

/// ACL method body (RFC 3744 §8.1).
pub fn parse_acl(body: &[u8]) -> Result<Acl, DavXmlError> {
    parse_with(body, &Limits::default())
}
