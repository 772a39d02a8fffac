//! Header value tables.

use relais_dav_proto::*;

#[test]
fn depth() {
    let cases = [
        (Some("0"), "PROPFIND", Ok(Depth::Zero)),
        (Some("1"), "PROPFIND", Ok(Depth::One)),
        (Some("infinity"), "PROPFIND", Ok(Depth::Infinity)),
        (Some(" Infinity "), "COPY", Ok(Depth::Infinity)),
        (None, "PROPFIND", Ok(Depth::Infinity)),
        (None, "propfind", Ok(Depth::Infinity)),
        (None, "DELETE", Ok(Depth::Infinity)),
        (None, "REPORT", Ok(Depth::Zero)),
        (None, "GET", Ok(Depth::Zero)),
        (Some("2"), "PROPFIND", Err(())),
        (Some(""), "PROPFIND", Err(())),
        (Some("infinite"), "PROPFIND", Err(())),
    ];
    for (value, method, expected) in cases {
        assert_eq!(Depth::parse(value, method).map_err(drop), expected, "{value:?} {method}");
    }
    assert_eq!(Depth::Infinity.to_string(), "infinity");
}

#[test]
fn overwrite() {
    assert_eq!(parse_overwrite(None), Ok(true));
    assert_eq!(parse_overwrite(Some("T")), Ok(true));
    assert_eq!(parse_overwrite(Some("F")), Ok(false));
    assert!(parse_overwrite(Some("yes")).is_err());
}

#[test]
fn destination() {
    let d = |a: Option<&str>, p: &str| Ok(Destination { authority: a.map(Into::into), path: p.into() });
    let cases = [
        (
            "http://www.example.com/users/f/fielding/index.html",
            d(Some("www.example.com"), "/users/f/fielding/index.html"),
        ),
        ("https://user:pw@dav.example.com:8443/cal/a%20b.ics?x=1#f", d(Some("dav.example.com:8443"), "/cal/a%20b.ics")),
        ("https://example.com", d(Some("example.com"), "/")),
        ("/dav/calendars/alice/work/", d(None, "/dav/calendars/alice/work/")),
        (" /trimmed ", d(None, "/trimmed")),
    ];
    for (value, expected) in cases {
        assert_eq!(parse_destination(value), expected, "{value}");
    }
    for bad in ["", "relative/path", "http://example.com/a b", "mailto:x@example.com", "/a\u{7}"] {
        assert!(parse_destination(bad).is_err(), "{bad:?}");
    }
    assert_eq!(percent_decode("/a%20b/%C3%A9"), Some("/a b/é".into()));
    assert_eq!(percent_decode("/a%2"), None);
    assert_eq!(percent_decode("/a%zz"), None);
    assert_eq!(percent_decode("/%ff"), None);
}

#[test]
fn etags() {
    let tag = |weak, t: &str| EntityTag { weak, tag: t.into() };
    let cases = [
        ("*", Ok(EtagList::Any)),
        (r#""abc""#, Ok(EtagList::Tags(vec![tag(false, "abc")]))),
        (r#""a", W/"b" ,"c""#, Ok(EtagList::Tags(vec![tag(false, "a"), tag(true, "b"), tag(false, "c")]))),
        ("abc", Ok(EtagList::Tags(vec![tag(false, "abc")]))),
        (r#""""#, Ok(EtagList::Tags(vec![tag(false, "")]))),
        (r#""unterminated"#, Err(())),
        ("", Err(())),
        (" , ", Err(())),
    ];
    for (value, expected) in cases {
        assert_eq!(parse_etag_list(value).map_err(drop), expected, "{value}");
    }
    let list = parse_etag_list(r#"W/"1", "2""#).unwrap();
    assert!(list.matches("2", true));
    assert!(!list.matches("1", true));
    assert!(list.matches("1", false));
    assert!(!list.matches("3", false));
    assert!(EtagList::Any.matches("anything", true));
}

#[test]
fn prefer() {
    let p = |minimal, representation| Prefer { minimal, representation };
    let cases = [
        (None, None, p(false, false)),
        (Some("return=minimal"), None, p(true, false)),
        (Some("return=\"minimal\""), None, p(true, false)),
        (Some("respond-async, return=representation; wait=10"), None, p(false, true)),
        (Some("Return = Minimal"), None, p(true, false)),
        (None, Some("t"), p(true, false)),
        (None, Some("F"), p(false, false)),
        (Some("handling=lenient"), Some("T"), p(true, false)),
    ];
    for (prefer, brief, expected) in cases {
        assert_eq!(parse_prefer(prefer, brief), expected, "{prefer:?} {brief:?}");
    }
}
