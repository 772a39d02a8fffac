//! CalDAV REPORT bodies: the RFC 4791 §7.8–§7.10 examples and what clients send.

use relais_dav_proto::*;

const HEAD: &str = r#"<?xml version="1.0" encoding="utf-8" ?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">"#;

fn query(body: &str) -> CalendarQuery {
    match parse_report(body.as_bytes()) {
        Ok(Report::CalendarQuery(q)) => q,
        other => panic!("{other:?} for {body}"),
    }
}

/// The filter of a calendar-query made of `HEAD`, `<D:prop><D:getetag/></D:prop>` and `filter`.
fn filter(filter: &str) -> CompFilter {
    query(&format!("{HEAD}<D:prop><D:getetag/></D:prop><C:filter>{filter}</C:filter></C:calendar-query>")).filter
}

fn comp(name: &str, time_range: Option<TimeRange>, props: Vec<PropFilter>, comps: Vec<CompFilter>) -> CompFilter {
    CompFilter { name: name.into(), test: CompTest::Matches { time_range, props, comps } }
}

fn vcalendar(inner: CompFilter) -> CompFilter {
    comp("VCALENDAR", None, vec![], vec![inner])
}

fn range(start: &str, end: &str) -> Option<TimeRange> {
    Some(TimeRange { start: Some(parse_utc(start).unwrap()), end: Some(parse_utc(end).unwrap()) })
}

fn text(text: &str, collation: &str, negate: bool) -> TextMatch {
    TextMatch { text: text.into(), collation: collation.into(), negate, match_type: MatchType::Contains }
}

#[test]
fn rfc4791_7_8_1_time_range_with_comp_selection() {
    let q = query(&format!(
        r#"{HEAD}
     <D:prop>
       <C:calendar-data>
         <C:comp name="VCALENDAR">
           <C:prop name="VERSION"/>
           <C:comp name="VEVENT">
             <C:prop name="SUMMARY"/><C:prop name="UID"/><C:prop name="DTSTART"/><C:prop name="DTEND"/>
             <C:prop name="DURATION"/><C:prop name="RRULE"/><C:prop name="RDATE"/><C:prop name="EXRULE"/>
             <C:prop name="EXDATE"/><C:prop name="RECURRENCE-ID"/>
           </C:comp>
           <C:comp name="VTIMEZONE"/>
         </C:comp>
       </C:calendar-data>
     </D:prop>
     <C:filter>
       <C:comp-filter name="VCALENDAR">
         <C:comp-filter name="VEVENT">
           <C:time-range start="20060104T000000Z" end="20060105T000000Z"/>
         </C:comp-filter>
       </C:comp-filter>
     </C:filter>
   </C:calendar-query>"#
    ));
    assert_eq!(q.filter, vcalendar(comp("VEVENT", range("20060104T000000Z", "20060105T000000Z"), vec![], vec![])));
    let Some(PropFind::Prop(props)) = &q.props else { panic!() };
    let Some(DataRequest::Calendar(cd)) = &props[0].data else { panic!() };
    assert_eq!(cd.comp.as_ref().unwrap().comps[0].props.len(), 10);
    assert_eq!(q.timezone, None);
}

#[test]
fn rfc4791_7_8_2_to_7_8_4_recurrence_and_freebusy() {
    let body = |data: &str, comp: &str| {
        format!(
            r#"{HEAD}<D:prop><C:calendar-data>{data}</C:calendar-data></D:prop><C:filter><C:comp-filter name="VCALENDAR">
            <C:comp-filter name="{comp}"><C:time-range start="20060103T000000Z" end="20060105T000000Z"/></C:comp-filter>
            </C:comp-filter></C:filter></C:calendar-query>"#
        )
    };
    let data = |q: &CalendarQuery| -> CalendarDataRequest {
        let Some(PropFind::Prop(p)) = &q.props else { panic!() };
        let Some(DataRequest::Calendar(cd)) = &p[0].data else { panic!() };
        cd.clone()
    };
    let r = range("20060103T000000Z", "20060105T000000Z");
    // §7.8.2 limit-recurrence-set, §7.8.3 expand, §7.8.4 limit-freebusy-set
    let q = query(&body(r#"<C:limit-recurrence-set start="20060103T000000Z" end="20060105T000000Z"/>"#, "VEVENT"));
    assert_eq!(data(&q).limit_recurrence_set, r);
    let q = query(&body(r#"<C:expand start="20060103T000000Z" end="20060105T000000Z"/>"#, "VEVENT"));
    assert_eq!(data(&q).expand, r);
    let q = query(&body(r#"<C:limit-freebusy-set start="20060103T000000Z" end="20060105T000000Z"/>"#, "VFREEBUSY"));
    assert_eq!(data(&q).limit_freebusy_set, r);
    assert_eq!(q.filter, vcalendar(comp("VFREEBUSY", r, vec![], vec![])));
}

#[test]
fn rfc4791_filters() {
    let cases: Vec<(&str, &str, CompFilter)> = vec![
        (
            "§7.8.5 to-dos by alarm time range",
            r#"<C:comp-filter name="VCALENDAR"><C:comp-filter name="VTODO"><C:comp-filter name="VALARM">
               <C:time-range start="20060106T100000Z" end="20060107T100000Z"/></C:comp-filter></C:comp-filter></C:comp-filter>"#,
            vcalendar(comp(
                "VTODO",
                None,
                vec![],
                vec![comp("VALARM", range("20060106T100000Z", "20060107T100000Z"), vec![], vec![])],
            )),
        ),
        (
            "§7.8.6 event by UID",
            r#"<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:prop-filter name="UID">
               <C:text-match collation="i;octet">DC6C50A017428C5216A2F1CD@example.com</C:text-match>
               </C:prop-filter></C:comp-filter></C:comp-filter>"#,
            vcalendar(comp(
                "VEVENT",
                None,
                vec![PropFilter {
                    name: "UID".into(),
                    test: PropTest::Matches {
                        time_range: None,
                        text: Some(text("DC6C50A017428C5216A2F1CD@example.com", "i;octet", false)),
                        params: vec![],
                    },
                }],
                vec![],
            )),
        ),
        (
            "§7.8.7 events by PARTSTAT",
            r#"<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:prop-filter name="ATTENDEE">
               <C:text-match collation="i;ascii-casemap">mailto:lisa@example.com</C:text-match>
               <C:param-filter name="PARTSTAT"><C:text-match collation="i;ascii-casemap">NEEDS-ACTION</C:text-match>
               </C:param-filter></C:prop-filter></C:comp-filter></C:comp-filter>"#,
            vcalendar(comp(
                "VEVENT",
                None,
                vec![PropFilter {
                    name: "ATTENDEE".into(),
                    test: PropTest::Matches {
                        time_range: None,
                        text: Some(text("mailto:lisa@example.com", "i;ascii-casemap", false)),
                        params: vec![ParamFilter {
                            name: "PARTSTAT".into(),
                            test: ParamTest::Text(text("NEEDS-ACTION", "i;ascii-casemap", false)),
                        }],
                    },
                }],
                vec![],
            )),
        ),
        (
            "§7.8.8 events only (Thunderbird, DAVx5 and python caldav send this shape)",
            r#"<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/></C:comp-filter>"#,
            vcalendar(comp("VEVENT", None, vec![], vec![])),
        ),
        (
            "§7.8.9 pending to-dos",
            r#"<C:comp-filter name="VCALENDAR"><C:comp-filter name="VTODO">
               <C:prop-filter name="COMPLETED"><C:is-not-defined/></C:prop-filter>
               <C:prop-filter name="STATUS"><C:text-match negate-condition="yes">CANCELLED</C:text-match></C:prop-filter>
               </C:comp-filter></C:comp-filter>"#,
            vcalendar(comp(
                "VTODO",
                None,
                vec![
                    PropFilter { name: "COMPLETED".into(), test: PropTest::IsNotDefined },
                    PropFilter {
                        name: "STATUS".into(),
                        test: PropTest::Matches {
                            time_range: None,
                            text: Some(text("CANCELLED", "i;ascii-casemap", true)),
                            params: vec![],
                        },
                    },
                ],
                vec![],
            )),
        ),
        (
            "open-ended time range on a property, param is-not-defined, lower-case names",
            r#"<C:comp-filter name="vcalendar"><C:comp-filter name="vevent"><C:prop-filter name="dtstart">
               <C:time-range start="20240101T000000Z"/><C:param-filter name="tzid"><C:is-not-defined/></C:param-filter>
               </C:prop-filter></C:comp-filter><C:comp-filter name="VTODO"><C:is-not-defined/></C:comp-filter></C:comp-filter>"#,
            comp(
                "VCALENDAR",
                None,
                vec![],
                vec![
                    comp(
                        "VEVENT",
                        None,
                        vec![PropFilter {
                            name: "DTSTART".into(),
                            test: PropTest::Matches {
                                time_range: Some(TimeRange { start: Some(1_704_067_200), end: None }),
                                text: None,
                                params: vec![ParamFilter { name: "TZID".into(), test: ParamTest::IsNotDefined }],
                            },
                        }],
                        vec![],
                    ),
                    CompFilter { name: "VTODO".into(), test: CompTest::IsNotDefined },
                ],
            ),
        ),
    ];
    for (what, f, expected) in cases {
        assert_eq!(filter(f), expected, "{what}");
    }
}

#[test]
fn timezone_and_no_props() {
    let q = query(&format!(
        "{HEAD}<C:filter><C:comp-filter name=\"VCALENDAR\"/></C:filter>\
         <C:timezone>BEGIN:VCALENDAR&#13;\nEND:VCALENDAR&#13;\n</C:timezone><C:timezone-id> Europe/Paris </C:timezone-id></C:calendar-query>"
    ));
    assert_eq!(q.props, None);
    assert_eq!(q.timezone.as_deref(), Some("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"));
    assert_eq!(q.timezone_id.as_deref(), Some("Europe/Paris"));
}

#[test]
fn invalid_filters_are_valid_filter_errors() {
    let cases = [
        ("no filter", format!("{HEAD}<D:prop><D:getetag/></D:prop></C:calendar-query>")),
        ("empty filter", format!("{HEAD}<C:filter/></C:calendar-query>")),
        (
            "two top comp-filters",
            format!(
                "{HEAD}<C:filter><C:comp-filter name=\"VCALENDAR\"/><C:comp-filter name=\"VCALENDAR\"/></C:filter></C:calendar-query>"
            ),
        ),
        (
            "top is not VCALENDAR",
            format!("{HEAD}<C:filter><C:comp-filter name=\"VEVENT\"/></C:filter></C:calendar-query>"),
        ),
        ("nameless comp-filter", format!("{HEAD}<C:filter><C:comp-filter/></C:filter></C:calendar-query>")),
        ("local time", filter_body(r#"<C:time-range start="20060104T000000"/>"#)),
        ("date only", filter_body(r#"<C:time-range start="20060104"/>"#)),
        ("end before start", filter_body(r#"<C:time-range start="20060105T000000Z" end="20060104T000000Z"/>"#)),
        ("no bounds", filter_body(r#"<C:time-range/>"#)),
        (
            "time-range and text-match",
            filter_body(
                r#"<C:prop-filter name="DTSTART"><C:time-range start="20060105T000000Z"/><C:text-match>x</C:text-match></C:prop-filter>"#,
            ),
        ),
        (
            "bad negate-condition",
            filter_body(
                r#"<C:prop-filter name="SUMMARY"><C:text-match negate-condition="maybe">x</C:text-match></C:prop-filter>"#,
            ),
        ),
    ];
    for (what, body) in cases {
        let err = parse_report(body.as_bytes()).unwrap_err();
        assert_eq!(err.precondition(), Some(names::CALDAV_VALID_FILTER), "{what}: {err:?}");
        assert_eq!(err.status(), 403, "{what}");
    }
}

fn filter_body(inner: &str) -> String {
    format!(
        "{HEAD}<C:filter><C:comp-filter name=\"VCALENDAR\"><C:comp-filter name=\"VEVENT\">{inner}</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"
    )
}

#[test]
fn rfc4791_7_9_1_multiget() {
    let body = br#"<?xml version="1.0" encoding="utf-8" ?>
   <C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
     <D:prop><D:getetag/><C:calendar-data/></D:prop>
     <D:href>/bernard/work/abcd1.ics</D:href>
     <D:href>
        /bernard/work/mtg1.ics
     </D:href>
     <D:href>/bernard/work/a%20b&amp;c.ics</D:href>
   </C:calendar-multiget>"#;
    let Ok(Report::CalendarMultiget(m)) = parse_report(body) else { panic!() };
    assert_eq!(m.hrefs, ["/bernard/work/abcd1.ics", "/bernard/work/mtg1.ics", "/bernard/work/a%20b&c.ics"]);
    let Some(PropFind::Prop(p)) = &m.props else { panic!() };
    assert_eq!(p.iter().map(|p| p.name.clone()).collect::<Vec<_>>(), [names::GETETAG, names::CALENDAR_DATA]);
    let none = br#"<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop></C:calendar-multiget>"#;
    assert!(matches!(parse_report(none), Err(DavXmlError::Invalid { .. })));
}

#[test]
fn rfc4791_7_10_1_free_busy_query() {
    let body = br#"<?xml version="1.0" encoding="utf-8" ?>
   <C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav">
     <C:time-range start="20060104T140000Z" end="20060105T220000Z"/>
   </C:free-busy-query>"#;
    assert_eq!(
        parse_report(body),
        Ok(Report::FreeBusyQuery(FreeBusyQuery { time_range: range("20060104T140000Z", "20060105T220000Z").unwrap() }))
    );
    let missing = br#"<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav"/>"#;
    assert!(matches!(parse_report(missing), Err(DavXmlError::InvalidTimeRange(_))));
}
