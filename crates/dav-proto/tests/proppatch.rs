//! PROPPATCH, extended MKCOL and MKCALENDAR bodies.

use relais_dav_proto::*;

fn set(op: &PropPatchOp) -> &SetProperty {
    match op {
        PropPatchOp::Set(s) => s,
        PropPatchOp::Remove(n) => panic!("remove {n}"),
    }
}

#[test]
fn rfc4918_proppatch_example() {
    // RFC 4918 §9.2.2
    let body = r#"<?xml version="1.0" encoding="utf-8" ?>
     <D:propertyupdate xmlns:D="DAV:" xmlns:Z="http://ns.example.com/standards/z39.50/">
       <D:set><D:prop><Z:Authors><Z:Author>Jim Whitehead</Z:Author><Z:Author>Roy Fielding</Z:Author></Z:Authors></D:prop></D:set>
       <D:remove><D:prop><Z:Copyright-Owner/></D:prop></D:remove>
     </D:propertyupdate>"#;
    let update = parse_proppatch(body.as_bytes()).unwrap();
    assert_eq!(update.ops.len(), 2);
    let authors = set(&update.ops[0]);
    assert_eq!(authors.name, QName::new("http://ns.example.com/standards/z39.50/", "Authors"));
    assert_eq!(
        authors.value.inner_xml,
        r#"<Author xmlns="http://ns.example.com/standards/z39.50/">Jim Whitehead</Author><Author xmlns="http://ns.example.com/standards/z39.50/">Roy Fielding</Author>"#
    );
    assert_eq!(authors.value.structured, None);
    assert_eq!(
        update.ops[1],
        PropPatchOp::Remove(QName::new("http://ns.example.com/standards/z39.50/", "Copyright-Owner"))
    );
}

#[test]
fn apple_calendar_properties() {
    // What Apple Calendar sends when a calendar is renamed, recoloured and reordered; the
    // timezone is an iCalendar object with CRLF kept as &#13; and a literal LF.
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<A:propertyupdate xmlns:A=\"DAV:\"><A:set><A:prop>\
        <A:displayname>Work &amp; Play</A:displayname>\
        <D:calendar-color xmlns:D=\"http://apple.com/ns/ical/\" symbolic-color=\"custom\">#FF2968FF</D:calendar-color>\
        <D:calendar-order xmlns:D=\"http://apple.com/ns/ical/\">3</D:calendar-order>\
        <B:calendar-timezone xmlns:B=\"urn:ietf:params:xml:ns:caldav\"><![CDATA[BEGIN:VCALENDAR\r\nVERSION:2.0\r\n]]>END:VCALENDAR&#13;\n</B:calendar-timezone>\
        <B:calendar-description xmlns:B=\"urn:ietf:params:xml:ns:caldav\"/>\
        </A:prop></A:set></A:propertyupdate>";
    let update = parse_proppatch(body.as_bytes()).unwrap();
    let names: Vec<_> = update.ops.iter().map(|o| o.name().clone()).collect();
    assert_eq!(
        names,
        [
            names::DISPLAYNAME,
            names::CALENDAR_COLOR,
            names::CALENDAR_ORDER,
            names::CALENDAR_TIMEZONE,
            names::CALENDAR_DESCRIPTION
        ]
    );
    assert_eq!(set(&update.ops[0]).value.text, "Work & Play");
    assert_eq!(set(&update.ops[0]).value.inner_xml, "Work &amp; Play");
    assert_eq!(set(&update.ops[1]).value.trimmed_text(), "#FF2968FF");
    // XML 1.0 §2.11: the CDATA's CRLF reads as LF, the character reference keeps its CR.
    assert_eq!(set(&update.ops[3]).value.text, "BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\r\n");
    assert_eq!(set(&update.ops[3]).value.inner_xml, "BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR&#13;\n");
    assert_eq!(set(&update.ops[4]).value.text, "");
}

#[test]
fn dead_property_fragment_is_self_contained() {
    // Prefixes vanish, namespaces (default, prefixed, none, attribute) are declared where used.
    let body = r#"<D:propertyupdate xmlns:D="DAV:" xmlns:x="urn:x" xmlns:y="urn:y"><D:set><D:prop>
        <x:meta xml:lang="en"><y:a y:kind="k" plain="p&quot;">t&lt;</y:a><x:b/><c xmlns=""/><d xmlns="urn:d"><e/></d></x:meta>
        </D:prop></D:set></D:propertyupdate>"#;
    let update = parse_proppatch(body.as_bytes()).unwrap();
    let value = &set(&update.ops[0]).value;
    let expected = concat!(
        r#"<a xmlns="urn:y" xmlns:a0="urn:y" a0:kind="k" plain="p&quot;">t&lt;</a>"#,
        r#"<b xmlns="urn:x"/><c/><d xmlns="urn:d"><e/></d>"#,
    );
    assert_eq!(value.inner_xml, expected);
    // Pasted inside an element of yet another namespace, it parses to the same names.
    let doc = format!(r#"<z:wrap xmlns:z="urn:z">{}</z:wrap>"#, value.inner_xml);
    let mut reader = quick_xml::NsReader::from_str(&doc);
    let mut seen = vec![];
    loop {
        match reader.read_resolved_event().unwrap() {
            (ns, quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)) => {
                let ns = match ns {
                    quick_xml::name::ResolveResult::Bound(n) => String::from_utf8(n.0.to_vec()).unwrap(),
                    _ => String::new(),
                };
                seen.push(format!("{{{ns}}}{}", String::from_utf8_lossy(e.local_name().as_ref())));
            }
            (_, quick_xml::events::Event::Eof) => break,
            _ => {}
        }
    }
    assert_eq!(seen, ["{urn:z}wrap", "{urn:y}a", "{urn:x}b", "{}c", "{urn:d}d", "{urn:d}e"]);
}

#[test]
fn mkcalendar_rfc4791_example() {
    // RFC 4791 §5.3.1.2
    let body = r#"<?xml version="1.0" encoding="utf-8" ?>
   <C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
     <D:set>
       <D:prop>
         <D:displayname>Lisa's Events</D:displayname>
         <C:calendar-description xml:lang="en">Calendar restricted to events.</C:calendar-description>
         <C:supported-calendar-component-set>
           <C:comp name="VEVENT"/>
         </C:supported-calendar-component-set>
         <C:calendar-timezone><![CDATA[BEGIN:VCALENDAR
PRODID:-//Example Corp.//CalDAV Client//EN
VERSION:2.0
END:VCALENDAR
]]></C:calendar-timezone>
       </D:prop>
     </D:set>
   </C:mkcalendar>"#;
    let mk = parse_mkcalendar(body.as_bytes()).unwrap();
    assert_eq!(mk.set.len(), 4);
    assert_eq!(mk.set[0].value.text, "Lisa's Events");
    assert_eq!(mk.set[1].value.text, "Calendar restricted to events.");
    assert_eq!(mk.set[2].value.structured, Some(StructuredValue::ComponentSet(vec!["VEVENT".into()])));
    assert!(mk.set[3].value.text.starts_with("BEGIN:VCALENDAR\nPRODID"));
    assert_eq!(parse_mkcalendar(b""), Ok(MkCalendar::default()));
    assert!(matches!(parse_mkcalendar(br#"<D:mkcol xmlns:D="DAV:"/>"#), Err(DavXmlError::WrongRoot { .. })));
}

#[test]
fn extended_mkcol_rfc5689_example() {
    // RFC 5689 §5.1 (an address book, as DAVx5 creates one)
    let body = r#"<?xml version="1.0" encoding="utf-8" ?>
   <D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
     <D:set><D:prop>
         <D:resourcetype><D:collection/><C:addressbook/></D:resourcetype>
         <D:displayname>Lisa's Contacts</D:displayname>
         <C:addressbook-description xml:lang="en">My primary address book.</C:addressbook-description>
     </D:prop></D:set>
   </D:mkcol>"#;
    let mk = parse_mkcol(body.as_bytes()).unwrap();
    assert_eq!(mk.set[0].name, names::RESOURCETYPE);
    assert_eq!(
        mk.set[0].value.structured,
        Some(StructuredValue::ResourceType(vec![names::COLLECTION, names::ADDRESSBOOK]))
    );
    assert_eq!(mk.set[2].name, names::ADDRESSBOOK_DESCRIPTION);
    assert_eq!(parse_mkcol(b""), Ok(MkCol::default()));
}

#[test]
fn proppatch_errors() {
    for body in [
        &b""[..],
        br#"<D:propertyupdate xmlns:D="DAV:"/>"#,
        br#"<D:propertyupdate xmlns:D="DAV:"><D:set/></D:propertyupdate>"#,
        br#"<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>"#,
        br#"<D:propertyupdate xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>
            <C:supported-calendar-component-set><C:comp/></C:supported-calendar-component-set></D:prop></D:set></D:propertyupdate>"#,
    ] {
        assert!(parse_proppatch(body).is_err(), "{}", String::from_utf8_lossy(body));
    }
}
