//! Bodies a hostile or broken peer sends: each is refused with the right error, never a panic,
//! and in time linear in its size.

use relais_dav_proto::*;

fn all_parsers(body: &[u8]) -> [Result<(), DavXmlError>; 6] {
    [
        parse_propfind(body).map(drop),
        parse_proppatch(body).map(drop),
        parse_mkcol(body).map(drop),
        parse_mkcalendar(body).map(drop),
        parse_report(body).map(drop),
        parse_acl(body).map(drop),
    ]
}

#[test]
fn refused_everywhere() {
    let deep = format!("{}{}", "<D:prop xmlns:D=\"DAV:\">".repeat(100_000), "</D:prop>".repeat(100_000));
    let cases: Vec<(&str, Vec<u8>, DavXmlError)> = vec![
        (
            "billion laughs",
            br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
            <D:propfind xmlns:D="DAV:"><D:prop><D:displayname>&lol2;</D:displayname></D:prop></D:propfind>"#
                .to_vec(),
            DavXmlError::DocType,
        ),
        (
            "external entity",
            br#"<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><D:propfind xmlns:D="DAV:">&xxe;</D:propfind>"#
                .to_vec(),
            DavXmlError::DocType,
        ),
        (
            "undefined entity without a DOCTYPE",
            br#"<D:propfind xmlns:D="DAV:"><D:prop><D:displayname>&xxe;</D:displayname></D:prop></D:propfind>"#.to_vec(),
            DavXmlError::UndefinedEntity("xxe".into()),
        ),
        (
            "undeclared element prefix",
            br#"<D:propfind xmlns:D="DAV:"><D:prop><X:foo/></D:prop></D:propfind>"#.to_vec(),
            DavXmlError::UndeclaredPrefix("X".into()),
        ),
        (
            "undeclared attribute prefix",
            br#"<D:propfind xmlns:D="DAV:" Y:a="1"><D:allprop/></D:propfind>"#.to_vec(),
            DavXmlError::UndeclaredPrefix("Y".into()),
        ),
        ("depth bomb", deep.into_bytes(), DavXmlError::TooDeep { limit: 64 }),
        ("Latin-1 body", b"<D:propfind xmlns:D=\"DAV:\">\xe9</D:propfind>".to_vec(), DavXmlError::NotUtf8),
    ];
    for (what, body, expected) in cases {
        for (i, got) in all_parsers(&body).into_iter().enumerate() {
            assert_eq!(got, Err(expected.clone()), "{what}, parser {i}");
        }
    }
}

#[test]
fn malformed() {
    let cases: [&[u8]; 12] = [
        br#"<D:propfind xmlns:D="DAV:"><D:prop></D:propfind>"#,
        br#"<D:propfind xmlns:D="DAV:"><D:allprop/>"#,
        br#"<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind></D:propfind>"#,
        br#"<D:propfind xmlns:D="DAV:"/><D:propfind xmlns:D="DAV:"/>"#,
        br#"<D:propfind xmlns:D="DAV:"/>trailing"#,
        br#"leading<D:propfind xmlns:D="DAV:"/>"#,
        br#"<D:propfind xmlns:D="DAV:" a="1" a="2"/>"#,
        br#"<D:propfind xmlns:D="DAV:"><D:prop>&#0;</D:prop></D:propfind>"#,
        br#"<D:propfind xmlns:D="DAV:">a & b</D:propfind>"#,
        br#"<D:propfind xmlns:D="DAV:" x="<"/>"#,
        br#"<D:propfind xmlns:D="DAV:"><!-- unterminated"#,
        br#"<D:propfind xmlns:D="DAV:"><![CDATA[ unterminated"#,
    ];
    for body in cases {
        for (i, got) in all_parsers(body).into_iter().enumerate() {
            assert!(
                matches!(got, Err(DavXmlError::Malformed(_)) | Err(DavXmlError::UndefinedEntity(_))),
                "parser {i} on {}: {got:?}",
                String::from_utf8_lossy(body)
            );
        }
    }
}

#[test]
fn limits_are_configurable() {
    let hrefs: String = (0..1000).map(|i| format!("<D:href>/c/{i}.ics</D:href>")).collect();
    let body = format!(
        r#"<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop>{hrefs}</C:calendar-multiget>"#
    );
    let Ok(Report::CalendarMultiget(m)) = parse_report(body.as_bytes()) else { panic!() };
    assert_eq!(m.hrefs.len(), 1000);
    let tight = Limits { max_elements: 500, ..Limits::default() };
    assert_eq!(parse_with::<Report>(body.as_bytes(), &tight), Err(DavXmlError::TooManyElements { limit: 500 }));
    let shallow = Limits { max_depth: 2, ..Limits::default() };
    assert_eq!(parse_with::<Report>(body.as_bytes(), &shallow), Err(DavXmlError::TooDeep { limit: 2 }));
    // Exactly at the limit passes.
    let three = br#"<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>"#;
    assert!(parse_with::<PropFind>(three, &Limits { max_depth: 3, max_elements: 3 }).is_ok());
    assert!(parse_with::<PropFind>(three, &Limits { max_depth: 2, max_elements: 3 }).is_err());
    assert!(parse_with::<PropFind>(three, &Limits { max_depth: 3, max_elements: 2 }).is_err());
}

#[test]
fn accepted_oddities() {
    // A BOM, comments, processing instructions, CRLF line ends, character references and
    // namespace redeclaration are all fine.
    let body = "\u{feff}<?xml version=\"1.0\"?>\r\n<!-- hi --><?pi x?><a:propfind xmlns:a=\"DAV:\">\r\n\
        <a:prop><b:displayname xmlns:b=\"DAV:\"/><a:x xmlns:a=\"urn:other\"/><a:getetag/></a:prop></a:propfind>\r\n";
    assert_eq!(
        parse_propfind(body.as_bytes()),
        Ok(PropFind::Prop(vec![
            PropRequest::new(names::DISPLAYNAME),
            PropRequest::new(QName::new("urn:other", "x")),
            PropRequest::new(names::GETETAG)
        ]))
    );
}

#[test]
fn truncations_never_panic() {
    // Every prefix of a rich body either parses or fails cleanly.
    let body = include_str!("../fuzz/corpus/request/caldav-calendar-query-rfc4791-7.8.1.xml");
    for end in 0..body.len() {
        if body.is_char_boundary(end) {
            let _ = all_parsers(&body.as_bytes()[..end]);
        }
    }
}
