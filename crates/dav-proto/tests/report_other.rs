//! CardDAV, sync, expand-property and principal REPORT bodies.

use relais_dav_proto::*;

fn report(body: &str) -> Report {
    parse_report(body.as_bytes()).unwrap_or_else(|e| panic!("{e} for {body}"))
}

fn tm(text: &str, match_type: MatchType, negate: bool) -> TextMatch {
    TextMatch { text: text.into(), collation: "i;unicode-casemap".into(), negate, match_type }
}

#[test]
fn rfc6352_8_6_3_partial_retrieval() {
    let body = r#"<?xml version="1.0" encoding="utf-8" ?>
   <C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
     <D:prop>
       <D:getetag/>
       <C:address-data>
         <C:prop name="VERSION"/><C:prop name="UID"/><C:prop name="NICKNAME"/><C:prop name="EMAIL"/><C:prop name="FN"/>
       </C:address-data>
     </D:prop>
     <C:filter>
       <C:prop-filter name="NICKNAME">
         <C:text-match collation="i;unicode-casemap" match-type="equals">me</C:text-match>
       </C:prop-filter>
     </C:filter>
   </C:addressbook-query>"#;
    let Report::AddressbookQuery(q) = report(body) else { panic!() };
    assert_eq!(q.limit, None);
    assert_eq!(
        q.filter,
        CardFilter {
            test: Test::AnyOf,
            props: vec![CardPropFilter {
                name: "NICKNAME".into(),
                test: Test::AnyOf,
                is_not_defined: false,
                text_matches: vec![tm("me", MatchType::Equals, false)],
                params: vec![],
            }],
        }
    );
}

#[test]
fn rfc6352_8_6_4_anyof_and_limit() {
    let body = r#"<C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
     <D:prop><D:getetag/><C:address-data><C:prop name="VERSION"/></C:address-data></D:prop>
     <C:filter test="allof">
       <C:prop-filter name="FN" test="allof">
         <C:text-match collation="i;unicode-casemap" match-type="contains">daboo</C:text-match>
         <C:text-match match-type="starts-with" negate-condition="yes">cyrus</C:text-match>
       </C:prop-filter>
       <C:prop-filter name="EMAIL"><C:text-match match-type="ends-with">@example.com</C:text-match>
         <C:param-filter name="TYPE"><C:text-match match-type="equals">work</C:text-match></C:param-filter>
       </C:prop-filter>
       <C:prop-filter name="X-ABUID"><C:is-not-defined/></C:prop-filter>
     </C:filter>
     <C:limit><C:nresults>10</C:nresults></C:limit>
   </C:addressbook-query>"#;
    let Report::AddressbookQuery(q) = report(body) else { panic!() };
    assert_eq!(q.limit, Some(10));
    assert_eq!(q.filter.test, Test::AllOf);
    let [fname, email, abuid] = &q.filter.props[..] else { panic!() };
    assert_eq!(fname.test, Test::AllOf);
    assert_eq!(fname.text_matches, [tm("daboo", MatchType::Contains, false), tm("cyrus", MatchType::StartsWith, true)]);
    assert_eq!(email.text_matches, [tm("@example.com", MatchType::EndsWith, false)]);
    assert_eq!(
        email.params,
        [ParamFilter { name: "TYPE".into(), test: ParamTest::Text(tm("work", MatchType::Equals, false)) }]
    );
    assert!(abuid.is_not_defined);
}

#[test]
fn addressbook_query_errors_and_leniency() {
    // An empty filter (listing the whole address book) matches everything.
    let plain = r#"<CARD:addressbook-query xmlns="DAV:" xmlns:CARD="urn:ietf:params:xml:ns:carddav"><prop><getetag/></prop><CARD:filter/></CARD:addressbook-query>"#;
    let Report::AddressbookQuery(q) = report(plain) else { panic!() };
    assert_eq!(q.filter, CardFilter::default());
    for bad in [
        r#"<C:addressbook-query xmlns:C="urn:ietf:params:xml:ns:carddav"><C:filter test="someof"/></C:addressbook-query>"#,
        r#"<C:addressbook-query xmlns:C="urn:ietf:params:xml:ns:carddav"><C:filter><C:prop-filter/></C:filter></C:addressbook-query>"#,
        r#"<C:addressbook-query xmlns:C="urn:ietf:params:xml:ns:carddav"><C:filter><C:prop-filter name="FN"><C:text-match match-type="like">x</C:text-match></C:prop-filter></C:filter></C:addressbook-query>"#,
    ] {
        let err = parse_report(bad.as_bytes()).unwrap_err();
        assert!(matches!(err, DavXmlError::InvalidCardFilter(_)), "{bad}: {err:?}");
    }
    let bad_limit = r#"<C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><C:filter/><C:limit><C:nresults>-1</C:nresults></C:limit></C:addressbook-query>"#;
    assert!(matches!(parse_report(bad_limit.as_bytes()), Err(DavXmlError::Invalid { .. })));
}

#[test]
fn rfc6352_8_7_1_multiget() {
    let body = r#"<?xml version="1.0" encoding="utf-8" ?>
   <C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
     <D:prop><D:getetag/><C:address-data><C:prop name="VERSION"/><C:prop name="UID"/></C:address-data></D:prop>
     <D:href>/home/bernard/addressbook/vcf102.vcf</D:href>
     <D:href>/home/bernard/addressbook/vcf1.vcf</D:href>
   </C:addressbook-multiget>"#;
    let Report::AddressbookMultiget(m) = report(body) else { panic!() };
    assert_eq!(m.hrefs, ["/home/bernard/addressbook/vcf102.vcf", "/home/bernard/addressbook/vcf1.vcf"]);
}

#[test]
fn rfc6578_sync_collection() {
    let cases = [
        (
            // RFC 6578 §3.8, initial sync
            r#"<?xml version="1.0" encoding="utf-8" ?>
     <D:sync-collection xmlns:D="DAV:"><D:sync-token/><D:sync-level>1</D:sync-level>
       <D:prop xmlns:R="urn:ns.example.com:boxschema"><D:getetag/><R:bigbox/></D:prop></D:sync-collection>"#,
            "",
            SyncLevel::One,
            None,
            2,
        ),
        (
            // RFC 6578 §3.9, later sync, with a limit (§3.10)
            r#"<D:sync-collection xmlns:D="DAV:"><D:sync-token>http://example.com/ns/sync/1234</D:sync-token>
       <D:sync-level>infinite</D:sync-level><D:limit><D:nresults>100</D:nresults></D:limit>
       <D:prop><D:getetag/></D:prop></D:sync-collection>"#,
            "http://example.com/ns/sync/1234",
            SyncLevel::Infinite,
            Some(100),
            1,
        ),
        (
            // Without sync-level (pre-RFC clients) and with calendar-data
            r#"<sync-collection xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><sync-token>
            data:,42</sync-token><prop><getetag/><C:calendar-data/></prop></sync-collection>"#,
            "data:,42",
            SyncLevel::One,
            None,
            2,
        ),
    ];
    for (body, token, level, limit, nprops) in cases {
        let Report::SyncCollection(s) = report(body) else { panic!() };
        assert_eq!((s.sync_token.as_str(), s.sync_level, s.limit, s.props.len()), (token, level, limit, nprops));
    }
    for bad in [
        r#"<D:sync-collection xmlns:D="DAV:"><D:sync-level>1</D:sync-level><D:prop/></D:sync-collection>"#,
        r#"<D:sync-collection xmlns:D="DAV:"><D:sync-token/><D:sync-level>2</D:sync-level><D:prop/></D:sync-collection>"#,
    ] {
        assert!(matches!(parse_report(bad.as_bytes()), Err(DavXmlError::Invalid { .. })), "{bad}");
    }
}

#[test]
fn rfc3253_expand_property() {
    // RFC 3253 §3.8.1, and Apple's calendar-proxy discovery.
    let body = r#"<?xml version="1.0" encoding="utf-8" ?>
   <D:expand-property xmlns:D="DAV:">
     <D:property name="version-history">
       <D:property name="version-set"><D:property name="creator-displayname"/><D:property name="activity-set"/></D:property>
     </D:property>
     <D:property name="calendar-proxy-write-for" namespace="http://calendarserver.org/ns/">
       <D:property name="displayname"/>
       <D:property name="calendar-user-address-set" namespace="urn:ietf:params:xml:ns:caldav"/>
     </D:property>
     <D:property/>
   </D:expand-property>"#;
    let leaf = |n: QName| ExpandProperty { name: n, children: vec![] };
    assert_eq!(
        report(body),
        Report::ExpandProperty(vec![
            ExpandProperty {
                name: QName::dav("version-history"),
                children: vec![ExpandProperty {
                    name: QName::dav("version-set"),
                    children: vec![leaf(QName::dav("creator-displayname")), leaf(QName::dav("activity-set"))],
                }],
            },
            ExpandProperty {
                name: QName::new(NS_CALENDARSERVER, "calendar-proxy-write-for"),
                children: vec![leaf(names::DISPLAYNAME), leaf(names::CALENDAR_USER_ADDRESS_SET)],
            },
        ])
    );
}

#[test]
fn rfc3744_principal_reports() {
    // Apple Calendar's attendee lookup.
    let body = r#"<?xml version="1.0" encoding="UTF-8"?>
<x0:principal-property-search xmlns:x2="urn:ietf:params:xml:ns:caldav" xmlns:x0="DAV:" xmlns:x1="http://calendarserver.org/ns/" test="anyof">
 <x0:property-search><x0:prop><x0:displayname/></x0:prop><x0:match match-type="starts-with">bob</x0:match></x0:property-search>
 <x0:property-search><x0:prop><x1:email-address-set/><x2:calendar-user-address-set/></x0:prop><x0:match match-type="starts-with">bob</x0:match></x0:property-search>
 <x0:prop><x2:calendar-user-address-set/><x0:displayname/></x0:prop>
</x0:principal-property-search>"#;
    let Report::PrincipalPropertySearch(s) = report(body) else { panic!() };
    assert_eq!(s.test, Test::AnyOf);
    assert_eq!(s.searches.len(), 2);
    assert_eq!(
        s.searches[1].props,
        [QName::new(NS_CALENDARSERVER, "email-address-set"), names::CALENDAR_USER_ADDRESS_SET]
    );
    assert_eq!((s.searches[0].text.as_str(), s.searches[0].match_type), ("bob", MatchType::StartsWith));
    assert_eq!(s.props.len(), 2);
    assert!(!s.apply_to_principal_collection_set);

    // RFC 3744 §9.4.1
    let body = r#"<?xml version="1.0" encoding="utf-8" ?>
     <D:principal-property-search xmlns:D="DAV:">
       <D:property-search><D:prop><D:displayname/></D:prop><D:match>doE</D:match></D:property-search>
       <D:property-search><D:prop xmlns:B="http://www.example.com/ns/"><B:title/></D:prop><D:match>Sales</D:match></D:property-search>
       <D:prop xmlns:B="http://www.example.com/ns/"><D:displayname/><B:department/><B:phone/><B:office/><B:salary/></D:prop>
       <D:apply-to-principal-collection-set/>
     </D:principal-property-search>"#;
    let Report::PrincipalPropertySearch(s) = report(body) else { panic!() };
    assert_eq!(s.test, Test::AllOf);
    assert_eq!(s.props.len(), 5);
    assert!(s.apply_to_principal_collection_set);
    assert_eq!(s.searches[0].match_type, MatchType::Contains);

    assert_eq!(report(r#"<D:principal-search-property-set xmlns:D="DAV:"/>"#), Report::PrincipalSearchPropertySet);
    // RFC 3744 §9.2.1
    let body =
        r#"<D:acl-principal-prop-set xmlns:D="DAV:"><D:prop><D:displayname/></D:prop></D:acl-principal-prop-set>"#;
    assert_eq!(
        report(body),
        Report::AclPrincipalPropSet(AclPrincipalPropSet { props: vec![PropRequest::new(names::DISPLAYNAME)] })
    );
    // RFC 3744 §9.3.1
    let body = r#"<D:principal-match xmlns:D="DAV:"><D:principal-property><D:owner/></D:principal-property></D:principal-match>"#;
    assert_eq!(
        report(body),
        Report::PrincipalMatch(PrincipalMatch { principal_property: Some(names::OWNER), props: vec![] })
    );
    let body = r#"<D:principal-match xmlns:D="DAV:"><D:self/><D:prop><D:displayname/></D:prop></D:principal-match>"#;
    let Report::PrincipalMatch(m) = report(body) else { panic!() };
    assert_eq!((m.principal_property, m.props.len()), (None, 1));
    let body = r#"<D:principal-property-search xmlns:D="DAV:"><D:prop><D:displayname/></D:prop></D:principal-property-search>"#;
    assert!(parse_report(body.as_bytes()).is_err());
}

#[test]
fn unknown_reports() {
    for (body, name) in [
        (r#"<D:version-tree xmlns:D="DAV:"/>"#, QName::dav("version-tree")),
        (r#"<C:calendar-query xmlns:C="urn:x"/>"#, QName::new("urn:x", "calendar-query")),
        (r#"<calendar-query/>"#, QName::new("", "calendar-query")),
    ] {
        let err = parse_report(body.as_bytes()).unwrap_err();
        assert_eq!(err, DavXmlError::UnknownReport(name));
        assert_eq!((err.status(), err.precondition()), (403, Some(names::SUPPORTED_REPORT)));
    }
    assert_eq!(
        report(r#"<D:sync-collection xmlns:D="DAV:"><D:sync-token/></D:sync-collection>"#).name(),
        names::SYNC_COLLECTION
    );
}
