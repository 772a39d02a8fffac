//! PROPFIND bodies as real clients send them, and their parses.

use relais_dav_proto::*;

fn req(name: QName) -> PropRequest {
    PropRequest::new(name)
}

#[test]
fn propfind_table() {
    let cases: Vec<(&str, &str, PropFind)> = vec![
        ("empty body is allprop (RFC 4918 §9.1)", "", PropFind::AllProp { include: vec![] }),
        ("whitespace only", " \r\n", PropFind::AllProp { include: vec![] }),
        (
            "RFC 4918 §9.1.3 allprop",
            r#"<?xml version="1.0" encoding="utf-8" ?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>"#,
            PropFind::AllProp { include: vec![] },
        ),
        (
            "RFC 4918 §9.1.6 allprop with include",
            r#"<?xml version="1.0" encoding="utf-8" ?>
            <D:propfind xmlns:D="DAV:">
              <D:allprop/>
              <D:include><D:supported-live-property-set/><D:supported-report-set/></D:include>
            </D:propfind>"#,
            PropFind::AllProp { include: vec![QName::dav("supported-live-property-set"), names::SUPPORTED_REPORT_SET] },
        ),
        ("RFC 4918 §9.1.4 propname", r#"<propfind xmlns="DAV:"><propname/></propfind>"#, PropFind::PropName),
        (
            "RFC 4918 §9.1.3 default namespace and a foreign one",
            r#"<?xml version="1.0" encoding="utf-8" ?>
            <D:propfind xmlns:D="DAV:"><D:prop xmlns:R="http://ns.example.com/boxschema/">
              <R:bigbox/><R:author/><R:DingALing/><R:Random/></D:prop></D:propfind>"#,
            PropFind::Prop(
                ["bigbox", "author", "DingALing", "Random"]
                    .into_iter()
                    .map(|l| req(QName::new("http://ns.example.com/boxschema/", l)))
                    .collect(),
            ),
        ),
        (
            "Apple Calendar principal discovery",
            r#"<?xml version="1.0" encoding="UTF-8"?>
            <A:propfind xmlns:A="DAV:">
              <A:prop>
                <B:calendar-home-set xmlns:B="urn:ietf:params:xml:ns:caldav"/>
                <B:calendar-user-address-set xmlns:B="urn:ietf:params:xml:ns:caldav"/>
                <A:current-user-principal/>
                <A:displayname/>
                <C:email-address-set xmlns:C="http://calendarserver.org/ns/"/>
                <A:principal-collection-set/>
                <A:principal-URL/>
                <A:resource-id/>
                <A:supported-report-set/>
              </A:prop>
            </A:propfind>"#,
            PropFind::Prop(vec![
                req(names::CALENDAR_HOME_SET),
                req(names::CALENDAR_USER_ADDRESS_SET),
                req(names::CURRENT_USER_PRINCIPAL),
                req(names::DISPLAYNAME),
                req(QName::new(NS_CALENDARSERVER, "email-address-set")),
                req(names::PRINCIPAL_COLLECTION_SET),
                req(names::PRINCIPAL_URL),
                req(QName::dav("resource-id")),
                req(names::SUPPORTED_REPORT_SET),
            ]),
        ),
        (
            "Thunderbird calendar collection properties",
            r#"<D:propfind xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/" xmlns:C="urn:ietf:params:xml:ns:caldav">
            <D:prop><D:resourcetype/><D:owner/><D:current-user-principal/><D:current-user-privilege-set/>
            <D:supported-report-set/><C:supported-calendar-component-set/><CS:getctag/></D:prop></D:propfind>"#,
            PropFind::Prop(vec![
                req(names::RESOURCETYPE),
                req(names::OWNER),
                req(names::CURRENT_USER_PRINCIPAL),
                req(names::CURRENT_USER_PRIVILEGE_SET),
                req(names::SUPPORTED_REPORT_SET),
                req(names::SUPPORTED_CALENDAR_COMPONENT_SET),
                req(names::GETCTAG),
            ]),
        ),
        (
            "DAVx5 collection listing, default namespace DAV: and ical colour",
            r#"<?xml version='1.0' encoding='UTF-8' ?><propfind xmlns="DAV:" xmlns:CAL="urn:ietf:params:xml:ns:caldav" xmlns:CARD="urn:ietf:params:xml:ns:carddav"><prop><current-user-privilege-set /><displayname /><n0:calendar-color xmlns:n0="http://apple.com/ns/ical/" /><resourcetype /><sync-token /></prop></propfind>"#,
            PropFind::Prop(vec![
                req(names::CURRENT_USER_PRIVILEGE_SET),
                req(names::DISPLAYNAME),
                req(names::CALENDAR_COLOR),
                req(names::RESOURCETYPE),
                req(names::SYNC_TOKEN),
            ]),
        ),
        (
            "unknown element beside prop is ignored",
            r#"<D:propfind xmlns:D="DAV:" xmlns:X="urn:x"><X:hint/><D:prop><D:getetag/></D:prop></D:propfind>"#,
            PropFind::Prop(vec![req(names::GETETAG)]),
        ),
    ];
    for (what, body, expected) in cases {
        assert_eq!(parse_propfind(body.as_bytes()), Ok(expected), "{what}");
    }
}

#[test]
fn calendar_data_request() {
    // RFC 4791 §7.8.1, calendar-data with a component selection, inside a PROPFIND prop.
    let body = r#"<?xml version="1.0" encoding="utf-8" ?>
    <D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
      <D:prop>
        <D:getetag/>
        <C:calendar-data content-type="text/calendar" version="2.0">
          <C:comp name="VCALENDAR">
            <C:prop name="VERSION"/>
            <C:comp name="VEVENT">
              <C:prop name="SUMMARY"/><C:prop name="uid"/><C:prop name="DESCRIPTION" novalue="yes"/>
            </C:comp>
            <C:comp name="VTIMEZONE"/>
          </C:comp>
          <C:expand start="20060103T000000Z" end="20060105T000000Z"/>
          <C:limit-freebusy-set start="20060102T000000Z" end="20060103T000000Z"/>
        </C:calendar-data>
      </D:prop>
    </D:propfind>"#;
    let PropFind::Prop(props) = parse_propfind(body.as_bytes()).unwrap() else { panic!("not prop") };
    assert_eq!(props[0], req(names::GETETAG));
    assert_eq!(props[1].name, names::CALENDAR_DATA);
    let Some(DataRequest::Calendar(cd)) = &props[1].data else { panic!("no calendar-data request") };
    assert_eq!(cd.content_type.as_deref(), Some("text/calendar"));
    assert_eq!(cd.version.as_deref(), Some("2.0"));
    assert_eq!(cd.expand, Some(TimeRange { start: Some(1_136_246_400), end: Some(1_136_419_200) }));
    assert_eq!(cd.limit_recurrence_set, None);
    assert_eq!(cd.limit_freebusy_set, Some(TimeRange { start: Some(1_136_160_000), end: Some(1_136_246_400) }));
    let sel = |n: &str, novalue| PropSelection { name: n.into(), novalue };
    let expected = CompSelection {
        name: "VCALENDAR".into(),
        props: vec![sel("VERSION", false)],
        comps: vec![
            CompSelection {
                name: "VEVENT".into(),
                props: vec![sel("SUMMARY", false), sel("UID", false), sel("DESCRIPTION", true)],
                ..Default::default()
            },
            CompSelection { name: "VTIMEZONE".into(), ..Default::default() },
        ],
        ..Default::default()
    };
    assert_eq!(cd.comp.as_ref(), Some(&expected));
}

#[test]
fn calendar_data_plain_and_limits() {
    let body = br#"<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:calendar-data/>
        <C:calendar-data><C:limit-recurrence-set start="20060103T000000Z" end="20060105T000000Z"/>
        <C:comp name="VCALENDAR"><C:allprop/><C:allcomp/></C:comp></C:calendar-data></D:prop></D:propfind>"#;
    let PropFind::Prop(props) = parse_propfind(body).unwrap() else { panic!() };
    assert_eq!(props[0].data, Some(DataRequest::Calendar(CalendarDataRequest::default())));
    let Some(DataRequest::Calendar(cd)) = &props[1].data else { panic!() };
    assert!(cd.limit_recurrence_set.is_some());
    let comp = cd.comp.as_ref().unwrap();
    assert!(comp.all_props && comp.all_comps);

    // RFC 4791 §9.6.5: expand needs both bounds.
    let body = br#"<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:calendar-data>
        <C:expand start="20060103T000000Z"/></C:calendar-data></D:prop></D:propfind>"#;
    assert!(matches!(parse_propfind(body), Err(DavXmlError::InvalidTimeRange(_))));
    // A comp without a name is refused.
    let body = br#"<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:calendar-data>
        <C:comp/></C:calendar-data></D:prop></D:propfind>"#;
    assert!(matches!(parse_propfind(body), Err(DavXmlError::Invalid { .. })));
}

#[test]
fn address_data_request() {
    // RFC 6352 §8.6.4 style address-data selection.
    let body = br#"<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop>
        <C:address-data content-type="text/vcard" version="4.0"><C:prop name="VERSION"/><C:prop name="UID"/>
        <C:prop name="NICKNAME"/><C:prop name="EMAIL" novalue="yes"/></C:address-data>
        <C:address-data/></D:prop></D:propfind>"#;
    let PropFind::Prop(props) = parse_propfind(body).unwrap() else { panic!() };
    let Some(DataRequest::Address(ad)) = &props[0].data else { panic!() };
    assert_eq!(ad.content_type.as_deref(), Some("text/vcard"));
    assert_eq!(ad.version.as_deref(), Some("4.0"));
    assert!(!ad.all_props);
    let names: Vec<_> = ad.props.iter().map(|p| (p.name.as_str(), p.novalue)).collect();
    assert_eq!(names, [("VERSION", false), ("UID", false), ("NICKNAME", false), ("EMAIL", true)]);
    let Some(DataRequest::Address(all)) = &props[1].data else { panic!() };
    assert!(all.all_props && all.props.is_empty());
}

#[test]
fn wrong_or_empty_root() {
    type Check = fn(&DavXmlError) -> bool;
    let cases: [(&[u8], Check); 4] = [
        (br#"<D:propertyupdate xmlns:D="DAV:"/>"#, |e| matches!(e, DavXmlError::WrongRoot { .. })),
        (br#"<propfind/>"#, |e| matches!(e, DavXmlError::WrongRoot { .. })), // no namespace
        (br#"<D:propfind xmlns:D="DAV:"/>"#, |e| matches!(e, DavXmlError::Invalid { .. })),
        (br#"<D:propfind xmlns:D="DAV:"><D:foo/></D:propfind>"#, |e| matches!(e, DavXmlError::Invalid { .. })),
    ];
    for (body, check) in cases {
        let err = parse_propfind(body).unwrap_err();
        assert!(check(&err), "{}: {err:?}", String::from_utf8_lossy(body));
        assert_eq!(err.status(), 400);
    }
}
