use super::*;
use relais_dav_proto::{Limits, XmlElement};

fn services() -> Services {
    Services {
        hostname: "mail.example.com".into(),
        imaps: Some(993),
        imap: Some(143),
        pop3s: None,
        pop3: None,
        submissions: None,
        submission: Some(587),
        https: 443,
    }
}

fn user() -> MobileConfigUser<'static> {
    MobileConfigUser {
        email: "ann@example.com",
        display_name: "Ann <A&B>",
        principal_path: "/dav/principals/ann%40example.com/",
    }
}

/// The plist as (key, value text) pairs per payload dict, read back with the XML reader
/// (whose DOCTYPE refusal is why the header is cut off first).
fn payloads(doc: &str) -> Vec<Vec<(String, String)>> {
    let body = doc.split_once("<plist").map(|(_, rest)| format!("<plist{rest}")).expect("plist");
    let root = relais_dav_proto::parse_xml(body.as_bytes(), &Limits::default()).unwrap().unwrap();
    let dict = root.elements().next().unwrap();
    let array = pairs(dict).into_iter().find(|(k, _)| k == "PayloadContent").map(|(_, v)| v).unwrap();
    array.elements().map(|d| pairs(d).into_iter().map(|(k, v)| (k, value(v))).collect()).collect()
}

fn pairs(dict: &XmlElement) -> Vec<(String, &XmlElement)> {
    let children: Vec<&XmlElement> = dict.elements().collect();
    children.chunks(2).map(|kv| (kv[0].text(), kv[1])).collect()
}

fn value(e: &XmlElement) -> String {
    match e.name.local.as_ref() {
        "true" | "false" => e.name.local.to_string(),
        _ => e.text(),
    }
}

fn get<'a>(p: &'a [(String, String)], key: &str) -> &'a str {
    p.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or_else(|| panic!("no {key}"))
}

#[test]
fn ios_profile() {
    let doc = mobileconfig(&user(), Platform::Ios, &services());
    assert!(!doc.to_lowercase().contains("password</key>"), "no password in a profile");
    let p = payloads(&doc);
    assert_eq!(p.len(), 1);
    let eas = &p[0];
    assert_eq!(get(eas, "PayloadType"), "com.apple.eas.account");
    assert_eq!(get(eas, "Host"), "mail.example.com");
    assert_eq!(get(eas, "EmailAddress"), "ann@example.com");
    assert_eq!(get(eas, "UserName"), "ann@example.com");
    assert_eq!(get(eas, "SSL"), "true");
    assert!(doc.contains("<string>ann@example.com (mail.example.com)</string>"));
}

#[test]
fn macos_profile() {
    let doc = mobileconfig(&user(), Platform::MacOs, &services());
    let p = payloads(&doc);
    let types: Vec<&str> = p.iter().map(|d| get(d, "PayloadType")).collect();
    assert_eq!(types, ["com.apple.mail.managed", "com.apple.caldav.account", "com.apple.carddav.account"]);
    let mail = &p[0];
    assert_eq!(get(mail, "EmailAccountName"), "Ann <A&B>");
    assert_eq!(get(mail, "IncomingMailServerPortNumber"), "993");
    assert_eq!(get(mail, "IncomingMailServerUseSSL"), "true");
    assert_eq!(get(mail, "OutgoingMailServerPortNumber"), "587");
    assert_eq!(get(mail, "OutgoingMailServerUseSSL"), "false");
    assert_eq!(get(&p[1], "CalDAVPrincipalURL"), "https://mail.example.com/dav/principals/ann%40example.com/");
    assert_eq!(get(&p[2], "CardDAVPort"), "443");
    assert!(!doc.to_lowercase().contains("password</key>\n<string>"), "no password in a profile");
}

#[test]
fn uuids_stable_and_distinct() {
    let a = mobileconfig(&user(), Platform::MacOs, &services());
    assert_eq!(a, mobileconfig(&user(), Platform::MacOs, &services()));
    let mut uuids: Vec<String> =
        a.split("<key>PayloadUUID</key>\n<string>").skip(1).map(|s| s.split('<').next().unwrap().to_owned()).collect();
    assert_eq!(uuids.len(), 4);
    uuids.sort();
    uuids.dedup();
    assert_eq!(uuids.len(), 4, "every payload has its own UUID");
    let other = MobileConfigUser { email: "bob@example.com", ..user() };
    let b = mobileconfig(&other, Platform::MacOs, &services());
    assert!(uuids.iter().all(|u| !b.contains(u.as_str())), "another user's UUIDs differ");
    let u = payload_uuid(&["a", "b"]);
    assert_eq!(u.len(), 36);
    assert_eq!(&u[14..15], "8", "version 8");
    assert!(matches!(&u[19..20], "8" | "9" | "A" | "B"), "variant");
    assert_ne!(payload_uuid(&["ab", ""]), payload_uuid(&["a", "b"]), "parts are length-prefixed");
}
