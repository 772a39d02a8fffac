//! Table tests: RFC 4616 §4's examples and the shapes clients and attackers send.

use super::*;

fn plain(authzid: Option<&str>, authcid: &str, password: &str) -> Result<Plain, Malformed> {
    Ok(Plain { authzid: authzid.map(str::to_owned), authcid: authcid.into(), password: password.into() })
}

#[test]
fn plain_messages() {
    for (message, want) in [
        // RFC 4616 §4.
        (&b"\0tim\0tanstaaftanstaaf"[..], plain(None, "tim", "tanstaaftanstaaf")),
        (b"Ursel\0Kurt\0xipj3plmq", plain(Some("Ursel"), "Kurt", "xipj3plmq")),
        (b"\0fred\0secret", plain(None, "fred", "secret")),
        (b"\0z\xc3\xb6e\0p\xc3\xa4ss w:rd", plain(None, "zöe", "päss w:rd")),
        (b"fred\0secret", Err(Malformed::Shape)),
        (b"\0\0pw", Err(Malformed::Shape)),
        (b"\0fred\0", Err(Malformed::Shape)),
        (b"\0a\0b\0c", Err(Malformed::Shape)),
        (b"", Err(Malformed::Shape)),
        (b"\0", Err(Malformed::Shape)),
        (b"\0\xff\0pw", Err(Malformed::Utf8)),
        (b"\xc3\0a\0pw", Err(Malformed::Utf8)),
        (b"\0a\0\xc3", Err(Malformed::Utf8)),
    ] {
        assert_eq!(Plain::parse(message), want, "{message:?}");
    }
}

#[test]
fn plain_in_base64() {
    for (text, want) in [
        (&b"AHRpbQB0YW5zdGFhZnRhbnN0YWFm"[..], plain(None, "tim", "tanstaaftanstaaf")),
        (b"AGFAYgBwdw==", plain(None, "a@b", "pw")),
        (b"AGFAYgBwdw", plain(None, "a@b", "pw")),
        (b"eEBiAGFAYgBwdw==", plain(Some("x@b"), "a@b", "pw")),
        (b"AGFAYgBwdw=", Err(Malformed::Base64)),
        (b"AGFAYgBwdw==\r\n", Err(Malformed::Base64)),
        (b"AGFA YgBwdw==", Err(Malformed::Base64)),
        (b"AGFAYgBwdx==", Err(Malformed::Base64)),
        (b"!!!!", Err(Malformed::Base64)),
        (b"Zm9v", Err(Malformed::Shape)),
        (b"", Err(Malformed::Shape)),
    ] {
        assert_eq!(Plain::decode(text), want, "{}", String::from_utf8_lossy(text));
    }
    assert!(Plain::decode(b"eEBiAGFAYgBwdw==").unwrap().acts_for_another());
    assert!(!Plain::decode(b"QUBCAGFAYgBwdw==").unwrap().acts_for_another(), "A@B is a@b");
    assert!(!Plain::decode(b"AGFAYgBwdw==").unwrap().acts_for_another());
}

#[test]
fn base64_and_login() {
    for (plain, coded) in [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg==")] {
        assert_eq!(encode_base64(plain.as_bytes()), coded);
        assert_eq!(decode_base64(coded.as_bytes()).unwrap(), plain.as_bytes());
    }
    assert_eq!(decode_base64(b"Zm8").unwrap(), b"fo");
    assert_eq!(decode_base64(b"AGZyZWQAc2VjcmV0").unwrap(), b"\0fred\0secret");
    for bad in [&b"Z"[..], b"Zm9v!", b"Zm=v", b"=Zm9", b"Zg===", b"Zg=", b"=", b"Zm9vY==="] {
        assert_eq!(decode_base64(bad), Err(Malformed::Base64), "{bad:?}");
    }
    assert_eq!(login_field(b"dXNlckBleGFtcGxlLmNvbQ=="), Ok("user@example.com".into()));
    assert_eq!(login_field(b"/w=="), Err(Malformed::Utf8));
}

#[test]
fn http_basic() {
    for (value, want) in [
        ("Basic YWxpY2U6cHc6eA==", Some(("alice", "pw:x"))),
        ("basic YWxpY2U6cHc=", Some(("alice", "pw"))),
        ("Basic  YWxpY2U6cHc= ", Some(("alice", "pw"))),
        ("Basic YWxpY2U6", Some(("alice", ""))),
        ("Basic YWxpY2U=", None),
        ("Basic !!!", None),
        ("Basic", None),
        ("Bearer YWxpY2U6cHc=", None),
        ("Bearer abc", None),
        ("", None),
    ] {
        let got = basic(value);
        assert_eq!(got.as_ref().map(|(u, p)| (u.as_str(), p.as_str())), want, "{value:?}");
    }
}

#[test]
fn http_bearer() {
    for (value, want) in [
        ("Bearer rlt_00ff", Some("rlt_00ff")),
        ("bearer  abc-._~+/== ", Some("abc-._~+/==")),
        ("Bearer", None),
        ("Bearer ", None),
        ("Bearer ===", None),
        ("Bearer a b", None),
        ("Bearer a=b", None),
        ("Bearer é", None),
        ("Basic YWxpY2U6cHc=", None),
        ("", None),
    ] {
        assert_eq!(bearer(value), want, "{value:?}");
    }
}

#[test]
fn when_a_password_may_cross() {
    let ip = |s: &str| s.parse::<IpAddr>().unwrap();
    for (tls, loopback_ok, peer, want) in [
        (true, false, "192.0.2.1", true),
        (false, false, "127.0.0.1", false),
        (false, true, "127.0.0.1", true),
        (false, true, "127.8.9.10", true),
        (false, true, "::1", true),
        (false, true, "::ffff:127.0.0.1", true),
        (false, true, "192.0.2.1", false),
        (false, true, "::ffff:192.0.2.1", false),
        (false, true, "2001:db8::1", false),
    ] {
        assert_eq!(plaintext_allowed(tls, loopback_ok, ip(peer)), want, "{tls} {loopback_ok} {peer}");
    }
}
