//! The encoder: exact output for small cases, and round trips through an independent XML
//! reader (quick-xml with namespace resolution) for the rest.

use std::borrow::Cow;

use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use relais_dav_proto::*;

/// A parsed element: Clark name, attributes, text (references resolved), children.
#[derive(Debug, Default)]
struct El {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<El>,
}

impl El {
    fn child(&self, name: &str) -> &El {
        self.children.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no {name} in {}", self.name))
    }
    fn all(&self, name: &str) -> Vec<&El> {
        self.children.iter().filter(|c| c.name == name).collect()
    }
    fn names(&self) -> Vec<&str> {
        self.children.iter().map(|c| c.name.as_str()).collect()
    }
}

fn clark(ns: ResolveResult<'_>, local: &[u8]) -> String {
    let ns = match ns {
        ResolveResult::Bound(n) => quick_xml::escape::unescape(std::str::from_utf8(n.0).unwrap()).unwrap().into_owned(),
        ResolveResult::Unbound => String::new(),
        ResolveResult::Unknown(p) => panic!("undeclared prefix {}", String::from_utf8_lossy(&p)),
    };
    format!("{{{ns}}}{}", String::from_utf8_lossy(local))
}

fn parse(xml: &str) -> El {
    let mut r = NsReader::from_str(xml);
    let mut stack = vec![El::default()];
    loop {
        let (ns, ev) = r.read_resolved_event().expect("well-formed");
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let mut el = El { name: clark(ns, e.local_name().as_ref()), ..El::default() };
                for a in e.attributes() {
                    let a = a.unwrap();
                    if a.key.as_namespace_binding().is_none() {
                        let v = a.unescape_value().unwrap().into_owned();
                        el.attrs.push((String::from_utf8_lossy(a.key.as_ref()).into_owned(), v));
                    }
                }
                if matches!(ev, Event::Start(_)) {
                    stack.push(el);
                } else {
                    stack.last_mut().unwrap().children.push(el);
                }
            }
            Event::End(_) => {
                let el = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(el);
            }
            Event::Text(t) => stack.last_mut().unwrap().text.push_str(&t.xml10_content().unwrap()),
            Event::GeneralRef(g) => {
                let c = g.resolve_char_ref().unwrap().unwrap_or_else(|| match &*g.decode().unwrap() {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    other => panic!("entity {other}"),
                });
                stack.last_mut().unwrap().text.push(c);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1);
    stack.pop().unwrap().children.pop().expect("a root")
}

const ICS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a&b<c>@example.com\r\nSUMMARY:Caf\u{e9} ]]> \"q\"\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

#[test]
fn calendar_query_response_round_trip() {
    let mut ms = Multistatus::new();
    let found = [
        Property::new(names::GETETAG, PropValue::Text(Cow::Borrowed("\"abc-1\""))),
        Property::new(names::CALENDAR_DATA, PropValue::Text(Cow::Borrowed(ICS))),
    ];
    let missing = [Property::empty(QName::new("urn:x:unknown", "thing"))];
    ms.response("/cal/alice/work/a b&c.ics", &[(200, &found), (404, &missing), (403, &[])]);
    ms.begin_response("/cal/alice/work/");
    ms.propstat(
        200,
        &[
            Property::new(names::RESOURCETYPE, PropValue::ResourceType(vec![names::COLLECTION, names::CALENDAR])),
            Property::new(
                names::SUPPORTED_CALENDAR_COMPONENT_SET,
                PropValue::ComponentSet(vec!["VEVENT".into(), "VTODO".into()]),
            ),
            Property::new(
                names::SUPPORTED_REPORT_SET,
                PropValue::ReportSet(vec![names::CALENDAR_QUERY, names::SYNC_COLLECTION]),
            ),
            Property::new(
                names::CURRENT_USER_PRIVILEGE_SET,
                PropValue::Privileges(vec![names::PRIV_READ, names::PRIV_READ_FREE_BUSY]),
            ),
            Property::new(names::OWNER, PropValue::Href("/principals/alice/".into())),
            Property::new(
                names::CALENDAR_USER_ADDRESS_SET,
                PropValue::Hrefs(vec!["mailto:a@x".into(), "/p/a/".into()]),
            ),
            Property::new(QName::new("", "bare"), PropValue::Text("no namespace".into())),
            Property::new(names::CALENDAR_COLOR, PropValue::Text("#FF0000".into())),
            Property::new(names::GETCTAG, PropValue::Empty),
            Property::new(
                names::SUPPORTED_CALENDAR_DATA,
                PropValue::Nested(vec![Property::new(QName::caldav("x"), PropValue::Text("1".into()))]),
            ),
        ],
    );
    ms.response_status("/cal/alice/work/gone.ics", 404);
    ms.sync_token("http://relais/sync/7");
    let out = ms.into_string();
    assert!(out.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:multistatus xmlns:d=\"DAV:\" xmlns:cal="));
    assert_eq!(out.matches("xmlns:cal=").count(), 1, "well-known prefixes once, on the root");
    assert!(!out.contains('\r'), "no raw CR in the output");

    let root = parse(&out);
    assert_eq!(root.name, "{DAV:}multistatus");
    assert_eq!(root.names(), ["{DAV:}response", "{DAV:}response", "{DAV:}response", "{DAV:}sync-token"]);
    let r0 = &root.children[0];
    assert_eq!(r0.child("{DAV:}href").text, "/cal/alice/work/a b&c.ics");
    let propstats = r0.all("{DAV:}propstat");
    assert_eq!(propstats.len(), 2, "the empty 403 group is skipped");
    assert_eq!(propstats[0].child("{DAV:}status").text, "HTTP/1.1 200 OK");
    let prop = propstats[0].child("{DAV:}prop");
    assert_eq!(prop.child("{DAV:}getetag").text, "\"abc-1\"");
    assert_eq!(prop.child("{urn:ietf:params:xml:ns:caldav}calendar-data").text, ICS, "CRLF survives");
    assert_eq!(propstats[1].child("{DAV:}status").text, "HTTP/1.1 404 Not Found");
    assert_eq!(propstats[1].child("{DAV:}prop").names(), ["{urn:x:unknown}thing"]);

    let prop = root.children[1].child("{DAV:}propstat").child("{DAV:}prop");
    assert_eq!(
        prop.child("{DAV:}resourcetype").names(),
        ["{DAV:}collection", "{urn:ietf:params:xml:ns:caldav}calendar"]
    );
    let comps = prop.child("{urn:ietf:params:xml:ns:caldav}supported-calendar-component-set");
    assert_eq!(comps.children[1].attrs, [("name".to_owned(), "VTODO".to_owned())]);
    let reports = prop.child("{DAV:}supported-report-set").all("{DAV:}supported-report");
    assert_eq!(reports[1].child("{DAV:}report").names(), ["{DAV:}sync-collection"]);
    let privs = prop.child("{DAV:}current-user-privilege-set").all("{DAV:}privilege");
    assert_eq!(privs[1].names(), ["{urn:ietf:params:xml:ns:caldav}read-free-busy"]);
    assert_eq!(prop.child("{DAV:}owner").child("{DAV:}href").text, "/principals/alice/");
    assert_eq!(prop.child("{urn:ietf:params:xml:ns:caldav}calendar-user-address-set").all("{DAV:}href").len(), 2);
    assert_eq!(prop.child("{}bare").text, "no namespace");
    assert_eq!(prop.child("{http://apple.com/ns/ical/}calendar-color").text, "#FF0000");
    assert!(prop.child("{http://calendarserver.org/ns/}getctag").children.is_empty());
    assert_eq!(
        prop.child("{urn:ietf:params:xml:ns:caldav}supported-calendar-data")
            .child("{urn:ietf:params:xml:ns:caldav}x")
            .text,
        "1"
    );

    let gone = &root.children[2];
    assert_eq!(gone.names(), ["{DAV:}href", "{DAV:}status"]);
    assert_eq!(gone.child("{DAV:}status").text, "HTTP/1.1 404 Not Found");
    assert_eq!(root.children[3].text, "http://relais/sync/7");
}

#[test]
fn dead_property_round_trip() {
    // PROPPATCH in, inner_xml stored, PROPFIND out: the same names and text come back.
    let body = r#"<D:propertyupdate xmlns:D="DAV:" xmlns:Z="http://ns.example.com/z/"><D:set><D:prop>
        <Z:Authors><Z:Author role="lead">Jim &amp; co</Z:Author><Author xmlns="">Roy</Author></Z:Authors></D:prop></D:set></D:propertyupdate>"#;
    let update = parse_proppatch(body.as_bytes()).unwrap();
    let PropPatchOp::Set(set) = &update.ops[0] else { panic!() };
    let mut ms = Multistatus::new();
    let props = [Property::new(set.name.clone(), PropValue::Xml(Cow::Borrowed(&set.value.inner_xml)))];
    ms.response("/file", &[(200, &props)]);
    let root = parse(&ms.into_string());
    let authors = root
        .child("{DAV:}response")
        .child("{DAV:}propstat")
        .child("{DAV:}prop")
        .child("{http://ns.example.com/z/}Authors");
    assert_eq!(authors.names(), ["{http://ns.example.com/z/}Author", "{}Author"]);
    assert_eq!(authors.children[0].text, "Jim & co");
    assert_eq!(authors.children[0].attrs, [("role".to_owned(), "lead".to_owned())]);
}

#[test]
fn hostile_strings_stay_well_formed() {
    let nasty = "\u{0}\u{1}\u{b}\u{1f}<![CDATA[x]]></d:href>&amp;\u{fffe}\r\n\t";
    let mut ms = Multistatus::new();
    let props = [
        Property::new(names::DISPLAYNAME, PropValue::Text(nasty.into())),
        Property::new(QName::new("urn:\"quoted\"&<", "n"), PropValue::Text(nasty.into())),
        Property::new(names::SUPPORTED_CALENDAR_COMPONENT_SET, PropValue::ComponentSet(vec![nasty.into()])),
    ];
    ms.response(nasty, &[(299, &props)]);
    ms.sync_token(nasty);
    let root = parse(&ms.into_string());
    let r = root.child("{DAV:}response");
    assert_eq!(r.child("{DAV:}href").text, "\u{fffd}\u{fffd}\u{fffd}\u{fffd}<![CDATA[x]]></d:href>&amp;\u{fffd}\r\n\t");
    assert_eq!(r.child("{DAV:}propstat").child("{DAV:}status").text, "HTTP/1.1 299 Unknown");
    assert!(r.child("{DAV:}propstat").child("{DAV:}prop").all("{urn:\"quoted\"&<}n").len() == 1);
}

#[test]
fn exact_shapes() {
    let mut ms = Multistatus::fragment();
    ms.proppatch_response(
        "/c/",
        &[(names::DISPLAYNAME, 200), (names::RESOURCETYPE, 403), (QName::new("urn:a", "b"), 200)],
    );
    ms.propname_response("/c/x", &[names::GETETAG, names::CALENDAR_DATA]);
    ms.response_error("/c/", 507, &names::NUMBER_OF_MATCHES_WITHIN_LIMITS);
    ms.begin_response("/open");
    assert_eq!(
        ms.into_string(),
        concat!(
            "<d:response><d:href>/c/</d:href>",
            "<d:propstat><d:prop><d:displayname/><x:b xmlns:x=\"urn:a\"/></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>",
            "<d:propstat><d:prop><d:resourcetype/></d:prop><d:status>HTTP/1.1 403 Forbidden</d:status></d:propstat>",
            "</d:response>",
            "<d:response><d:href>/c/x</d:href><d:propstat><d:prop><d:getetag/><cal:calendar-data/></d:prop>",
            "<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>",
            "<d:response><d:href>/c/</d:href><d:status>HTTP/1.1 507 Insufficient Storage</d:status>",
            "<d:error><d:number-of-matches-within-limits/></d:error></d:response>",
            "<d:response><d:href>/open</d:href></d:response>",
        )
    );
    let empty = Multistatus::with_buffer(String::from("old junk")).into_string();
    assert_eq!(parse(&empty).children.len(), 0);
    assert!(!empty.contains("junk"));
}

#[test]
fn error_bodies() {
    assert_eq!(
        error_body(&names::CALDAV_VALID_FILTER),
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:error xmlns:d=\"DAV:\"><cal:valid-filter xmlns:cal=\"urn:ietf:params:xml:ns:caldav\"/></d:error>\n"
    );
    assert_eq!(
        error_body(&names::VALID_SYNC_TOKEN),
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:error xmlns:d=\"DAV:\"><d:valid-sync-token/></d:error>\n"
    );
    let body = error_body_with_href(&names::CALDAV_NO_UID_CONFLICT, Some("/cal/a&b.ics"));
    let root = parse(&body);
    let cond = root.child("{urn:ietf:params:xml:ns:caldav}no-uid-conflict");
    assert_eq!(cond.child("{DAV:}href").text, "/cal/a&b.ics");
    let root = parse(&error_body(&QName::new("urn:vendor", "quota")));
    assert_eq!(root.names(), ["{urn:vendor}quota"]);
}

/// Issue 10 item 7b: a dead property stored with a raw U+0003 in its value, or with a name the
/// encoder cannot write, made PROPFIND answers ill-formed (`<x:a\u{3}b …>`, `</>`). Unwritable
/// names are left out; a dead value that is not a well-formed fragment is written as text.
#[test]
fn stored_dead_properties_cannot_break_the_document() {
    let bad_values = [
        "a\u{3}b",
        "<v\u{3}/>",
        "<open>",
        "</close>",
        "<a xmlns:p=\"\"/>",
        "<p:x/>",
        "&bogus;",
        "]]>",
        // Found by the multistatus fuzz target: a lenient reader's comment, copied verbatim.
        "a<!-- b -- c -->",
        "<?xml version=\"1.0\"?><a/>",
    ];
    let bad_names = [
        QName::new("urn:x", ""),
        QName::new("", ""),
        QName::new("urn:x", "a\u{3}b"),
        QName::new("urn:x", "a b"),
        QName::new("urn:x", "p:q"),
        QName::new("urn:x", "1a"),
        QName::new("urn:\u{3}", "a"),
        QName::new(NS_XML, "lang"),
        QName::new(NS_XMLNS, "a"),
    ];
    let mut ms = Multistatus::new();
    let mut props: Vec<Property<'_>> =
        bad_values.iter().map(|v| Property::new(QName::new("urn:x", "good"), PropValue::Dead((*v).into()))).collect();
    props.extend(bad_names.iter().map(|n| Property::new(n.clone(), PropValue::Dead("<ok xmlns=\"urn:y\"/>".into()))));
    props.extend(bad_names.iter().map(|n| Property::empty(n.clone())));
    props.push(Property::new(QName::new("urn:x", "kept"), PropValue::Dead("<ok xmlns=\"urn:y\">v</ok>".into())));
    props.push(Property::new(names::RESOURCETYPE, PropValue::ResourceType(bad_names.to_vec())));
    ms.response("/c/", &[(200, &props)]);
    ms.propname_response("/c/", &bad_names);
    let results: Vec<(QName, u16)> = bad_names.iter().map(|n| (n.clone(), 403)).collect();
    ms.proppatch_response("/c/", &results);
    let xml = ms.into_string();
    assert!(!xml.contains('\u{3}') && !xml.contains("</>") && !xml.contains("<>"), "{xml}");
    let root = parse(&xml);
    let prop = root.all("{DAV:}response")[0].child("{DAV:}propstat").child("{DAV:}prop");
    let good = prop.all("{urn:x}good");
    assert_eq!(good.len(), bad_values.len(), "{xml}");
    assert_eq!(good[0].text, "a\u{fffd}b");
    assert_eq!(good[2].text, "<open>");
    assert_eq!(prop.child("{urn:x}kept").child("{urn:y}ok").text, "v");
    assert!(prop.child("{DAV:}resourcetype").children.is_empty());
    assert_eq!(prop.children.len(), bad_values.len() + 2, "{xml}");
    assert!(is_well_formed_fragment("<ok xmlns=\"urn:y\"/>text"));
    assert!(bad_values.iter().filter(|v| **v != "a\u{3}b").all(|v| !is_well_formed_fragment(v)), "{bad_values:?}");
    assert_eq!(good[7].text, "]]>");
}
