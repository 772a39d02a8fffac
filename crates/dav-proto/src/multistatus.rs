//! Response bodies: 207 Multi-Status (RFC 4918 §13, §14.16) and DAV:error (§16).
//!
//! [`Multistatus`] appends to one `String`: no per-response allocation, nothing built as a
//! tree. The well-known prefixes (`d`, `cal`, `card`, `cs`, `ical`) are declared once on the
//! root; a name in any other namespace declares its prefix on the element that uses it. No
//! default namespace is ever declared, so dead-property fragments from
//! [`PropertyValue::inner_xml`](crate::PropertyValue::inner_xml) paste in unchanged.
//!
//! ```text
//! <d:multistatus xmlns:d="DAV:" …>
//!   <d:response><d:href>/cal/a.ics</d:href>
//!     <d:propstat><d:prop><d:getetag>"1"</d:getetag><cal:calendar-data>…</cal:calendar-data></d:prop>
//!       <d:status>HTTP/1.1 200 OK</d:status></d:propstat>
//!   </d:response>
//!   <d:response><d:href>/cal/gone.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>
//!   <d:sync-token>…</d:sync-token>
//! </d:multistatus>
//! ```

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::escape;
use crate::qname::{QName, WELL_KNOWN};

/// A property in a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property<'a> {
    pub name: QName,
    pub value: PropValue<'a>,
}

impl<'a> Property<'a> {
    pub fn new(name: QName, value: PropValue<'a>) -> Property<'a> {
        Property { name, value }
    }

    /// An empty element: a propname answer, a PROPPATCH result, a 404 propstat entry.
    pub fn empty(name: QName) -> Property<'a> {
        Property { name, value: PropValue::Empty }
    }
}

/// A property's value, borrowed where it can be so a large calendar-data is not copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropValue<'a> {
    /// `<x:name/>`.
    Empty,
    /// Escaped text: displayname, getetag, getcontenttype, sync-token, and calendar-data /
    /// address-data (CRs kept as `&#13;`).
    Text(Cow<'a, str>),
    /// One `<d:href>`: current-user-principal, owner, calendar-home-set, … The server
    /// percent-encodes it; it is only XML-escaped here.
    Href(Cow<'a, str>),
    /// Several `<d:href>`s: calendar-user-address-set, group-membership, …
    Hrefs(Vec<Cow<'a, str>>),
    /// `<d:collection/><cal:calendar/>` (RFC 4918 §15.9).
    ResourceType(Vec<QName>),
    /// `<cal:comp name="VEVENT"/>`… (RFC 4791 §5.2.3).
    ComponentSet(Vec<Cow<'a, str>>),
    /// `<d:supported-report><d:report><cal:calendar-query/></d:report></d:supported-report>`…
    /// (RFC 3253 §3.1.5).
    ReportSet(Vec<QName>),
    /// `<d:privilege><d:read/></d:privilege>`… (RFC 3744 §5.4 current-user-privilege-set).
    Privileges(Vec<QName>),
    /// Server-built XML written verbatim; it may use the root prefixes (`d:`, `cal:`, …).
    /// Never for anything a client sent: that is [`Dead`](Self::Dead).
    Xml(Cow<'a, str>),
    /// A dead property's stored value ([`PropertyValue::inner_xml`](crate::PropertyValue)):
    /// written verbatim when it is well-formed on its own, else as escaped text, so a value
    /// stored before a check existed (or damaged since) cannot break the document.
    Dead(Cow<'a, str>),
    /// Child properties, for structured values (e.g. DAV:quota-like groupings).
    Nested(Vec<Property<'a>>),
}

/// A 207 Multi-Status body being written.
#[derive(Debug, Clone)]
pub struct Multistatus {
    out: String,
    in_response: bool,
    root: bool,
}

impl Default for Multistatus {
    fn default() -> Self {
        Multistatus::new()
    }
}

impl Multistatus {
    /// Starts a document: the XML declaration and the root with the well-known prefixes.
    pub fn new() -> Multistatus {
        Multistatus::with_buffer(String::with_capacity(4096))
    }

    /// Like [`new`](Self::new), writing into `buf` (cleared) to reuse its allocation.
    pub fn with_buffer(mut buf: String) -> Multistatus {
        buf.clear();
        buf.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:multistatus");
        declare_well_known(&mut buf);
        buf.push('>');
        Multistatus { out: buf, in_response: false, root: true }
    }

    /// Responses without the declaration and root, for nesting inside a property value
    /// (expand-property, RFC 3253 §3.8): pass [`into_string`](Self::into_string) to
    /// [`PropValue::Xml`].
    pub fn fragment() -> Multistatus {
        Multistatus { out: String::new(), in_response: false, root: false }
    }

    /// One `response` with a propstat per `(status, properties)`; empty groups are skipped.
    pub fn response(&mut self, href: &str, propstats: &[(u16, &[Property<'_>])]) {
        self.begin_response(href);
        for (status, props) in propstats {
            if !props.is_empty() {
                self.propstat(*status, props);
            }
        }
        self.end_response();
    }

    /// Opens a `response` (closing one left open).
    pub fn begin_response(&mut self, href: &str) {
        self.end_response();
        self.out.push_str("<d:response><d:href>");
        escape::text(&mut self.out, href);
        self.out.push_str("</d:href>");
        self.in_response = true;
    }

    /// A `propstat` of the open response.
    pub fn propstat(&mut self, status: u16, props: &[Property<'_>]) {
        self.out.push_str("<d:propstat><d:prop>");
        for p in props {
            property(&mut self.out, p);
        }
        self.out.push_str("</d:prop>");
        self.status(status);
        self.out.push_str("</d:propstat>");
    }

    /// Closes the open response, if any.
    pub fn end_response(&mut self) {
        if self.in_response {
            self.out.push_str("</d:response>");
            self.in_response = false;
        }
    }

    /// A `response` with a status and no propstat: a 404 href in a multiget (RFC 4791
    /// §7.9), a removed member in sync-collection (RFC 6578 §3.5.2), a 507 truncation.
    pub fn response_status(&mut self, href: &str, status: u16) {
        self.begin_response(href);
        self.status(status);
        self.end_response();
    }

    /// Like [`response_status`](Self::response_status) with a DAV:error child (RFC 4918
    /// §14.5), e.g. 507 with DAV:number-of-matches-within-limits (RFC 5323 §5.17).
    pub fn response_error(&mut self, href: &str, status: u16, precondition: &QName) {
        self.begin_response(href);
        self.status(status);
        self.out.push_str("<d:error>");
        empty_element(&mut self.out, precondition);
        self.out.push_str("</d:error>");
        self.end_response();
    }

    /// A PROPPATCH result (RFC 4918 §9.2.1): one propstat per distinct status, the
    /// properties as empty elements, in the order first seen.
    pub fn proppatch_response(&mut self, href: &str, results: &[(QName, u16)]) {
        self.proppatch_response_described(href, results, None);
    }

    /// [`proppatch_response`](Self::proppatch_response) with a DAV:responsedescription saying
    /// why (RFC 4918 §14.24).
    pub fn proppatch_response_described(&mut self, href: &str, results: &[(QName, u16)], why: Option<&str>) {
        self.begin_response(href);
        let mut done: Vec<u16> = Vec::new();
        for (_, status) in results {
            if !done.contains(status) {
                done.push(*status);
                self.names_propstat(*status, results.iter().filter(|(_, s)| s == status).map(|(n, _)| n));
            }
        }
        if let Some(why) = why {
            self.out.push_str("<d:responsedescription>");
            escape::text(&mut self.out, why);
            self.out.push_str("</d:responsedescription>");
        }
        self.end_response();
    }

    /// A PROPFIND propname result (RFC 4918 §9.1): the names as empty elements, 200.
    pub fn propname_response(&mut self, href: &str, names: &[QName]) {
        self.begin_response(href);
        self.names_propstat(200, names.iter());
        self.end_response();
    }

    fn names_propstat<'n>(&mut self, status: u16, names: impl Iterator<Item = &'n QName>) {
        self.out.push_str("<d:propstat><d:prop>");
        for name in names {
            empty_element(&mut self.out, name);
        }
        self.out.push_str("</d:prop>");
        self.status(status);
        self.out.push_str("</d:propstat>");
    }

    fn status(&mut self, code: u16) {
        self.out.push_str("<d:status>");
        status_line(&mut self.out, code);
        self.out.push_str("</d:status>");
    }

    /// The new token at the end of a sync-collection response (RFC 6578 §6.2).
    pub fn sync_token(&mut self, token: &str) {
        self.end_response();
        self.out.push_str("<d:sync-token>");
        escape::text(&mut self.out, token);
        self.out.push_str("</d:sync-token>");
    }

    /// Bytes written so far, to stop a report that grows too large.
    pub fn len(&self) -> usize {
        self.out.len()
    }

    /// Whether nothing has been written (only for a [`fragment`](Self::fragment)).
    pub fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    /// Closes the document and returns it.
    pub fn into_string(mut self) -> String {
        self.end_response();
        if self.root {
            self.out.push_str("</d:multistatus>\n");
        }
        self.out
    }

    /// [`into_string`](Self::into_string) as bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.into_string().into_bytes()
    }
}

/// A DAV:error body for a failed precondition or postcondition (RFC 4918 §16), e.g.
/// `<d:error xmlns:d="DAV:"><cal:valid-filter xmlns:cal="…"/></d:error>`.
pub fn error_body(precondition: &QName) -> String {
    error_body_with_href(precondition, None)
}

/// A DAV:error body whose condition holds an href: CALDAV:no-uid-conflict (RFC 4791
/// §5.3.2.1), CARDDAV:no-uid-conflict (RFC 6352 §6.3.2.1), DAV:lock-token-submitted.
pub fn error_body_with_href(precondition: &QName, href: Option<&str>) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:error xmlns:d=\"DAV:\">");
    match href {
        None => open_standalone(&mut out, precondition, true),
        Some(h) => {
            open_standalone(&mut out, precondition, false);
            self::href(&mut out, h);
            if precondition.is_writable() {
                close_tag(&mut out, precondition);
            }
        }
    }
    out.push_str("</d:error>\n");
    out
}

/// Opens an element inside a `d:`-only root: any non-DAV namespace is declared on it.
fn open_standalone(out: &mut String, name: &QName, empty: bool) {
    if !name.is_writable() {
        // Only server constants get here; an unwritable one leaves the error element bare.
        return;
    }
    let prefix = name.well_known_prefix();
    match prefix {
        Some("d") => {
            out.push_str("<d:");
            out.push_str(&name.local);
        }
        Some(p) => {
            let _ = write!(out, "<{p}:{} xmlns:{p}=\"{}\"", name.local, name.ns);
        }
        None => open_tag_inner(out, name),
    }
    out.push_str(if empty { "/>" } else { ">" });
}

fn declare_well_known(out: &mut String) {
    for (prefix, ns) in WELL_KNOWN {
        let _ = write!(out, " xmlns:{prefix}=\"{ns}\"");
    }
}

/// Writes `<p:local` with a declaration when the namespace is not well known.
fn open_tag_inner(out: &mut String, name: &QName) {
    out.push('<');
    match name.well_known_prefix() {
        Some(p) => {
            out.push_str(p);
            out.push(':');
            out.push_str(&name.local);
        }
        None if name.ns.is_empty() => out.push_str(&name.local),
        None => {
            out.push_str("x:");
            out.push_str(&name.local);
            out.push_str(" xmlns:x=\"");
            escape::attr(out, &name.ns);
            out.push('"');
        }
    }
}

fn close_tag(out: &mut String, name: &QName) {
    out.push_str("</");
    match name.well_known_prefix() {
        Some(p) => {
            out.push_str(p);
            out.push(':');
        }
        None if name.ns.is_empty() => {}
        None => out.push_str("x:"),
    }
    out.push_str(&name.local);
    out.push('>');
}

/// Names that cannot be written (not an NCName, a reserved namespace: a dead property stored
/// before names were checked) are left out, here and in [`property`]: the document stays
/// well-formed and the rest of the answer is intact.
fn empty_element(out: &mut String, name: &QName) {
    if !name.is_writable() {
        return;
    }
    open_tag_inner(out, name);
    out.push_str("/>");
}

fn property(out: &mut String, p: &Property<'_>) {
    if !p.name.is_writable() {
        return;
    }
    if p.value == PropValue::Empty {
        return empty_element(out, &p.name);
    }
    open_tag_inner(out, &p.name);
    out.push('>');
    value(out, &p.value);
    close_tag(out, &p.name);
}

fn value(out: &mut String, v: &PropValue<'_>) {
    match v {
        PropValue::Empty => {}
        PropValue::Text(t) => escape::text(out, t),
        PropValue::Href(h) => href(out, h),
        PropValue::Hrefs(hs) => hs.iter().for_each(|h| href(out, h)),
        PropValue::ResourceType(types) => types.iter().for_each(|t| empty_element(out, t)),
        PropValue::ComponentSet(comps) => {
            for c in comps {
                out.push_str("<cal:comp name=\"");
                escape::attr(out, c);
                out.push_str("\"/>");
            }
        }
        PropValue::ReportSet(reports) => {
            for r in reports {
                out.push_str("<d:supported-report><d:report>");
                empty_element(out, r);
                out.push_str("</d:report></d:supported-report>");
            }
        }
        PropValue::Privileges(privs) => {
            for p in privs {
                out.push_str("<d:privilege>");
                empty_element(out, p);
                out.push_str("</d:privilege>");
            }
        }
        PropValue::Xml(x) => out.push_str(x),
        PropValue::Dead(x) if crate::fragment::is_well_formed(x) => out.push_str(x),
        PropValue::Dead(x) => escape::text(out, x),
        PropValue::Nested(children) => children.iter().for_each(|c| property(out, c)),
    }
}

fn href(out: &mut String, h: &str) {
    out.push_str("<d:href>");
    escape::text(out, h);
    out.push_str("</d:href>");
}

/// `HTTP/1.1 <code> <reason>` (RFC 4918 §14.28 status, RFC 9110 §15 reasons).
fn status_line(out: &mut String, code: u16) {
    let reason = match code {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        207 => "Multi-Status",
        301 => "Moved Permanently",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        423 => "Locked",
        424 => "Failed Dependency",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        507 => "Insufficient Storage",
        _ => "Unknown",
    };
    let _ = write!(out, "HTTP/1.1 {code} {reason}");
}
