//! The other direction: a multistatus as a client receives it from a server (RFC 4918 §13),
//! for Relais's own DAV client (`relais admin migrate dav`, which reads calendars and address
//! books out of the server an organisation leaves). Read with the same hardened parser as
//! request bodies (no DOCTYPE, bounded depth and size), and reduced to what a client asks of
//! it: per `response`, its href and the properties found (status 200) with their text, the
//! names of their child elements, the hrefs inside them and the `name` attributes of their
//! children (`supported-calendar-component-set`'s `comp`).

use crate::DavXmlError;
use crate::qname::{NS_DAV, QName};
use crate::xml::{Element, Limits, parse};

/// One property as a client reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FoundProp {
    /// The concatenated text of the property element (`getetag`, `displayname`,
    /// `calendar-data`).
    pub text: String,
    /// The names of its child elements (`resourcetype`'s `collection`, `calendar`, …).
    pub children: Vec<QName>,
    /// The text of every `DAV:href` inside it (`current-user-principal`, home sets).
    pub hrefs: Vec<String>,
    /// The `name` attribute of each child that has one (`comp name="VEVENT"`).
    pub names: Vec<String>,
    /// The names of its grandchildren (`current-user-privilege-set`'s `privilege/write`).
    pub nested: Vec<QName>,
}

/// One `DAV:response` of a multistatus.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    pub href: String,
    /// Properties the server found (in a propstat of status 200), by name.
    pub props: Vec<(QName, FoundProp)>,
}

impl Found {
    pub fn prop(&self, ns: &str, local: &str) -> Option<&FoundProp> {
        self.props.iter().find(|(n, _)| n.is(ns, local)).map(|(_, p)| p)
    }

    /// Whether `resourcetype` holds `{ns}local`.
    pub fn is_a(&self, ns: &str, local: &str) -> bool {
        self.prop(NS_DAV, "resourcetype").is_some_and(|p| p.children.iter().any(|c| c.is(ns, local)))
    }
}

/// Reads a `207 Multistatus` body.
pub fn parse_multistatus(body: &[u8], limits: &Limits) -> Result<Vec<Found>, DavXmlError> {
    let root = parse(body, limits)?.ok_or_else(|| DavXmlError::Malformed("an empty body".into()))?;
    root.expect(NS_DAV, "multistatus", "DAV:multistatus")?;
    Ok(root.children_named(NS_DAV, "response").map(response).collect())
}

fn response(r: &Element) -> Found {
    let href = r.dav_child("href").map(|h| h.text().trim().to_owned()).unwrap_or_default();
    let mut props = Vec::new();
    for propstat in r.children_named(NS_DAV, "propstat") {
        // RFC 4918 §14.28: "HTTP/1.1 200 OK"; other statuses carry no value.
        let ok = propstat.dav_child("status").is_some_and(|s| s.text().split_whitespace().nth(1) == Some("200"));
        let Some(prop) = propstat.dav_child("prop").filter(|_| ok) else { continue };
        for p in prop.elements() {
            let mut found = FoundProp { text: p.text(), ..FoundProp::default() };
            for child in p.elements() {
                found.children.push(child.name.clone());
                found.nested.extend(child.elements().map(|g| g.name.clone()));
                if let Some(name) = child.attr("name") {
                    found.names.push(name.to_owned());
                }
            }
            hrefs(p, &mut found.hrefs, 0);
            props.push((p.name.clone(), found));
        }
    }
    Found { href, props }
}

fn hrefs(e: &Element, out: &mut Vec<String>, depth: usize) {
    for child in e.elements() {
        if child.is(NS_DAV, "href") {
            out.push(child.text().trim().to_owned());
        } else if depth < 8 {
            hrefs(child, out, depth + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qname::{NS_CALDAV, NS_CARDDAV};

    const HOME: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:card="urn:ietf:params:xml:ns:carddav">
  <d:response>
    <d:href>/dav/calendars/a%40x/</d:href>
    <d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype></d:prop>
      <d:status>HTTP/1.1 200 OK</d:status></d:propstat>
  </d:response>
  <d:response>
    <d:href>/dav/calendars/a%40x/Work/</d:href>
    <d:propstat><d:prop>
      <d:resourcetype><d:collection/><c:calendar/></d:resourcetype>
      <d:displayname>Work &amp; more</d:displayname>
      <d:current-user-privilege-set><d:privilege><d:read/></d:privilege><d:privilege><d:write/></d:privilege></d:current-user-privilege-set>
      <c:supported-calendar-component-set><c:comp name="VEVENT"/><c:comp name="VTODO"/></c:supported-calendar-component-set>
    </d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
    <d:propstat><d:prop><d:getetag/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>
  </d:response>
  <d:response>
    <d:href>/p/</d:href>
    <d:propstat><d:prop>
      <d:current-user-principal><d:href>/dav/principals/a%40x/</d:href></d:current-user-principal>
      <card:addressbook-home-set><d:href> /dav/addressbooks/a%40x/ </d:href></card:addressbook-home-set>
      <c:calendar-data>BEGIN:VCALENDAR&#13;
END:VCALENDAR&#13;
</c:calendar-data>
    </d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
  </d:response>
</d:multistatus>"#;

    #[test]
    fn reads_what_a_client_needs() {
        let found = parse_multistatus(HOME.as_bytes(), &Limits::default()).unwrap();
        assert_eq!(found.len(), 3);
        assert!(found[0].is_a(NS_DAV, "collection") && !found[0].is_a(NS_CALDAV, "calendar"));
        let work = &found[1];
        assert_eq!(work.href, "/dav/calendars/a%40x/Work/");
        assert!(work.is_a(NS_CALDAV, "calendar"));
        assert_eq!(work.prop(NS_DAV, "displayname").unwrap().text, "Work & more");
        assert_eq!(work.prop(NS_CALDAV, "supported-calendar-component-set").unwrap().names, ["VEVENT", "VTODO"]);
        assert!(work.prop(NS_DAV, "getetag").is_none(), "a 404 propstat has no value");
        let privileges = &work.prop(NS_DAV, "current-user-privilege-set").unwrap().nested;
        assert_eq!(privileges, &[QName::dav("read"), QName::dav("write")]);
        let p = &found[2];
        assert_eq!(p.prop(NS_DAV, "current-user-principal").unwrap().hrefs, ["/dav/principals/a%40x/"]);
        assert_eq!(p.prop(NS_CARDDAV, "addressbook-home-set").unwrap().hrefs, ["/dav/addressbooks/a%40x/"]);
        assert_eq!(p.prop(NS_CALDAV, "calendar-data").unwrap().text, "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
    }

    #[test]
    fn refuses() {
        for body in [
            "",
            "<d:prop xmlns:d=\"DAV:\"/>",
            "<!DOCTYPE x [<!ENTITY a \"b\">]><d:multistatus xmlns:d=\"DAV:\"/>",
            "<d:multistatus xmlns:d=\"DAV:\"><d:response>",
        ] {
            assert!(parse_multistatus(body.as_bytes(), &Limits::default()).is_err(), "{body}");
        }
    }
}
