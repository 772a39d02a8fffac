use super::*;

fn request(ns: &str, email: &str, schema: Option<&str>) -> String {
    let schema =
        schema.map(|s| format!("<AcceptableResponseSchema>{s}</AcceptableResponseSchema>")).unwrap_or_default();
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<Autodiscover xmlns=\"{ns}\">\r\n<Request>\r\n\
         <EMailAddress>{email}</EMailAddress>\r\n{schema}\r\n</Request>\r\n</Autodiscover>"
    )
}

fn known(s: Schema) -> RequestedSchema {
    RequestedSchema::Known(s)
}

#[test]
fn requests() {
    let ok = |email: &str, schema| Ok(PoxRequest { email: email.into(), schema });
    let cases: Vec<(String, Result<PoxRequest, PoxError>)> = vec![
        // MS-ASCMD §4.2.1 (an iPhone sends the same).
        (
            request(NS_MOBILESYNC_REQUEST, "chris@Example.COM", Some(NS_MOBILESYNC_RESPONSE)),
            ok("chris@example.com", known(Schema::MobileSync)),
        ),
        // Outlook / exchangelib-style.
        (
            request(NS_OUTLOOK_REQUEST, "a@example.com", Some(NS_OUTLOOK_RESPONSE)),
            ok("a@example.com", known(Schema::Outlook)),
        ),
        (request(NS_MOBILESYNC_REQUEST, " a@example.com ", None), ok("a@example.com", known(Schema::MobileSync))),
        (request(NS_OUTLOOK_REQUEST, "a@example.com", None), ok("a@example.com", known(Schema::Outlook))),
        (request("urn:other", "a@example.com", None), Err(PoxError::NoSchema)),
        (
            request(NS_MOBILESYNC_REQUEST, "a@example.com", Some(" urn:x ")),
            ok("a@example.com", RequestedSchema::Unknown("urn:x".into())),
        ),
        (request(NS_MOBILESYNC_REQUEST, "not an address", None), Err(PoxError::BadAddress)),
        (request(NS_MOBILESYNC_REQUEST, "", None), Err(PoxError::BadAddress)),
        ("<Autodiscover/>".into(), Err(PoxError::NoRequest)),
        ("<Autodiscover><Request/></Autodiscover>".into(), Err(PoxError::BadAddress)),
        ("<Other><Request/></Other>".into(), Err(PoxError::WrongRoot)),
        ("".into(), Err(PoxError::Empty)),
        ("  \r\n".into(), Err(PoxError::Empty)),
        // Prefixed names resolve as unprefixed ones do.
        (
            format!(
                "<a:Autodiscover xmlns:a=\"{NS_MOBILESYNC_REQUEST}\"><a:Request><a:EMailAddress>x@y.z</a:EMailAddress>\
                 <a:AcceptableResponseSchema>{NS_MOBILESYNC_RESPONSE}</a:AcceptableResponseSchema></a:Request></a:Autodiscover>"
            ),
            ok("x@y.z", known(Schema::MobileSync)),
        ),
        // Entities resolve in text.
        (
            request(NS_MOBILESYNC_REQUEST, "o&apos;brien@example.com", None),
            ok("o'brien@example.com", known(Schema::MobileSync)),
        ),
    ];
    for (body, want) in cases {
        assert_eq!(parse_request(body.as_bytes(), &Limits::default()), want, "{body}");
    }
}

/// (name, body, the error expected)
type Hostile = (&'static str, Vec<u8>, fn(&PoxError) -> bool);

/// Hostile bodies are refused with an error (the server answers 400), never a panic.
#[test]
fn hostile_requests() {
    let limits = Limits::default();
    let deep = format!("{}{}", "<a>".repeat(10_000), "</a>".repeat(10_000));
    let many = format!("<Autodiscover>{}</Autodiscover>", "<x/>".repeat(200_000));
    let attrs = format!("<Autodiscover {}/>", (0..1000).map(|i| format!("a{i}=\"\"")).collect::<String>());
    let laughs = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]>\
                  <Autodiscover><Request><EMailAddress>&lol2;</EMailAddress></Request></Autodiscover>";
    let xxe = "<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><Autodiscover>&x;</Autodiscover>";
    let cases: Vec<Hostile> = vec![
        ("doctype", laughs.as_bytes().to_vec(), |e| matches!(e, PoxError::Xml(DavXmlError::DocType))),
        ("xxe", xxe.as_bytes().to_vec(), |e| matches!(e, PoxError::Xml(DavXmlError::DocType))),
        ("deep", deep.into_bytes(), |e| matches!(e, PoxError::Xml(DavXmlError::TooDeep { .. }))),
        ("many", many.into_bytes(), |e| matches!(e, PoxError::Xml(DavXmlError::TooManyElements { .. }))),
        ("attrs", attrs.into_bytes(), |e| matches!(e, PoxError::Xml(DavXmlError::TooManyAttributes { .. }))),
        ("undefined entity", b"<Autodiscover>&nope;</Autodiscover>".to_vec(), |e| {
            matches!(e, PoxError::Xml(DavXmlError::UndefinedEntity(_)))
        }),
        ("not utf-8", b"<Autodiscover>\xff</Autodiscover>".to_vec(), |e| {
            matches!(e, PoxError::Xml(DavXmlError::NotUtf8))
        }),
        ("unclosed", b"<Autodiscover><Request>".to_vec(), |e| matches!(e, PoxError::Xml(DavXmlError::Malformed(_)))),
        ("two roots", b"<a/><b/>".to_vec(), |e| matches!(e, PoxError::Xml(DavXmlError::Malformed(_)))),
        ("nul", b"<Autodiscover>\0</Autodiscover>".to_vec(), |e| matches!(e, PoxError::Xml(DavXmlError::Malformed(_)))),
        ("prefix", b"<p:Autodiscover/>".to_vec(), |e| matches!(e, PoxError::Xml(DavXmlError::UndeclaredPrefix(_)))),
    ];
    for (name, body, expected) in cases {
        match parse_request(&body, &limits) {
            Err(e) => assert!(expected(&e), "{name}: {e:?}"),
            Ok(r) => panic!("{name}: accepted {r:?}"),
        }
    }
}

#[test]
fn mobilesync_answer() {
    let user = PoxUser { display_name: "Chris <Gray> & Co", email: "chris@example.com" };
    let got = mobilesync_response(&user, "https://mail.example.com/Microsoft-Server-ActiveSync");
    let want = "<?xml version=\"1.0\" encoding=\"utf-8\"?>
<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006\">
<Response xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006\">
<Culture>en:us</Culture>
<User>
<DisplayName>Chris &lt;Gray&gt; &amp; Co</DisplayName>
<EMailAddress>chris@example.com</EMailAddress>
</User>
<Action>
<Settings>
<Server>
<Type>MobileSync</Type>
<Url>https://mail.example.com/Microsoft-Server-ActiveSync</Url>
<Name>https://mail.example.com/Microsoft-Server-ActiveSync</Name>
</Server>
</Settings>
</Action>
</Response>
</Autodiscover>
";
    assert_eq!(got, want);
}

#[test]
fn error_answers() {
    let got = error_response(Some(Schema::Outlook), ErrorCode::SchemaNotServed, "19:04:05", 7);
    let want = "<?xml version=\"1.0\" encoding=\"utf-8\"?>
<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006\">
<Response xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006\">
<Error Time=\"19:04:05\" Id=\"7\">
<ErrorCode>601</ErrorCode>
<Message>Provider is not available for the requested schema</Message>
<DebugData />
</Error>
</Response>
</Autodiscover>
";
    assert_eq!(got, want);
    let mobile = error_response(Some(Schema::MobileSync), ErrorCode::AddressNotFound, "t\"<", 1);
    assert!(mobile.contains(&format!("<Response xmlns=\"{NS_MOBILESYNC_RESPONSE}\">")));
    assert!(mobile.contains("<ErrorCode>500</ErrorCode>"));
    assert!(mobile.contains("Time=\"t&quot;&lt;\""));
    for code in [ErrorCode::AddressNotFound, ErrorCode::InvalidRequest, ErrorCode::SchemaNotServed, ErrorCode::Internal]
    {
        let body = error_response(None, code, "00:00:00", 0);
        assert!(relais_dav_proto::parse_xml(body.as_bytes(), &Limits::default()).is_ok(), "{body}");
    }
}

/// Whatever the directory holds, the answer is well-formed XML.
#[test]
fn answers_are_well_formed() {
    for name in ["", "a\u{1}b", "\u{fffe}", "]]>", "\r\n", "&amp;", "\"'"] {
        let body = mobilesync_response(&PoxUser { display_name: name, email: name }, name);
        let root = relais_dav_proto::parse_xml(body.as_bytes(), &Limits::default()).expect(name).expect(name);
        assert_eq!(root.name.local, "Autodiscover");
    }
}
