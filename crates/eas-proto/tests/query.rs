//! The request query of MS-ASHTTP §2.2.1.1.1 as tables: the spec's examples, what clients send,
//! and every malformed shape with its error.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use relais_eas_proto::{Command, ProtocolVersion, Query, QueryError, QueryParams};

fn plain(command: Command, user: Option<&str>, device_id: &str, device_type: &str) -> Query {
    Query {
        command,
        user: user.map(str::to_owned),
        device_id: device_id.to_owned(),
        device_type: device_type.to_owned(),
        version: None,
        locale: None,
        policy_key: None,
        params: QueryParams::default(),
        base64: false,
    }
}

#[test]
fn the_spec_examples_are_one_request() {
    // MS-ASHTTP §2.2.1.1.1: "The following two examples are equivalent."
    let p = Query::parse("Cmd=Sync&User=rmjones&DeviceId=v140Device&DeviceType=SmartPhone").unwrap();
    assert_eq!(p, plain(Command::Sync, Some("rmjones"), "v140Device", "SmartPhone"));
    let b = Query::parse("jAAJBAp2MTQwRGV2aWNlAApTbWFydFBob25l").unwrap();
    let want = Query {
        version: Some(ProtocolVersion::V14_0),
        locale: Some(0x0409),
        base64: true,
        ..plain(Command::Sync, None, "v140Device", "SmartPhone")
    };
    assert_eq!(b, want);
    assert_eq!(want.to_base64().as_deref(), Some("jAAJBAp2MTQwRGV2aWNlAApTbWFydFBob25l"));
}

#[test]
fn plain_queries() {
    let smart_reply = QueryParams {
        collection_id: Some("5".into()),
        item_id: Some("5:12".into()),
        save_in_sent: true,
        ..QueryParams::default()
    };
    let table: Vec<(&str, Query)> = vec![
        (
            "Cmd=FolderSync&User=anna%40example.org&DeviceId=ApplF17XY0ABCDEF&DeviceType=iPhone",
            plain(Command::FolderSync, Some("anna@example.org"), "ApplF17XY0ABCDEF", "iPhone"),
        ),
        // Any order, names without regard to case, unknown names ignored, a trailing '&'.
        (
            "DeviceType=Android&deviceid=androidc1234567890&cmd=Provision&Protocol=x&",
            plain(Command::Provision, None, "androidc1234567890", "Android"),
        ),
        (
            "Cmd=SmartReply&User=u&DeviceId=d1&DeviceType=SP&CollectionId=5&ItemId=5%3A12&SaveInSent=T",
            Query { params: smart_reply, ..plain(Command::SmartReply, Some("u"), "d1", "SP") },
        ),
        (
            "Cmd=GetAttachment&User=u&DeviceId=d1&DeviceType=PPC&AttachmentName=1%3a1%3a0&SaveInSent=F",
            Query {
                params: QueryParams { attachment_name: Some("1:1:0".into()), ..QueryParams::default() },
                ..plain(Command::GetAttachment, Some("u"), "d1", "PPC")
            },
        ),
        // A user with a domain, '+' kept as '+' (a URI, not a form).
        (
            "Cmd=Find&User=CORP%5Ca+b&DeviceId=X&DeviceType=Outlook",
            plain(Command::Find, Some("CORP\\a+b"), "X", "Outlook"),
        ),
    ];
    for (query, want) in table {
        assert_eq!(Query::parse(query), Ok(want), "{query}");
    }
}

/// The base64 form of the given fields.
fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

#[test]
fn base64_queries() {
    let head =
        |cmd: u8| [&[141u8, cmd, 0x07, 0x04, 4][..], b"dev1", &[4, 0x78, 0x56, 0x34, 0x12, 6], b"iPhone"].concat();
    let with = |cmd: u8, params: &[u8]| b64(&[head(cmd), params.to_vec()].concat());
    let base = Query {
        version: Some(ProtocolVersion::V14_1),
        locale: Some(0x0407),
        policy_key: Some(0x1234_5678),
        base64: true,
        ..plain(Command::Sync, None, "dev1", "iPhone")
    };
    let table: Vec<(String, Query)> = vec![
        (with(0, &[]), base.clone()),
        (
            with(3, &[1, 1, b'5', 3, 4, b'5', b':', b'1', b'2', 7, 1, 0x01, 8, 1, b'u']),
            Query {
                command: Command::SmartReply,
                user: Some("u".into()),
                params: QueryParams {
                    collection_id: Some("5".into()),
                    item_id: Some("5:12".into()),
                    save_in_sent: true,
                    ..QueryParams::default()
                },
                ..base.clone()
            },
        ),
        (
            with(19, &[7, 1, 0x02]),
            Query {
                command: Command::ItemOperations,
                params: QueryParams { accept_multipart: true, ..QueryParams::default() },
                ..base.clone()
            },
        ),
        (
            with(4, &[0, 5, b'1', b':', b'1', b':', b'0', 4, 2, b'R', b'1', 6, 1, b'3']),
            Query {
                command: Command::GetAttachment,
                params: QueryParams {
                    attachment_name: Some("1:1:0".into()),
                    long_id: Some("R1".into()),
                    occurrence: Some("3".into()),
                    ..QueryParams::default()
                },
                ..base.clone()
            },
        ),
    ];
    for (query, want) in table {
        assert_eq!(Query::parse(&query).as_ref(), Ok(&want), "{query}");
        assert_eq!(Query::parse(&want.to_base64().unwrap()), Ok(want.clone()), "{query}: round trip");
        // Percent-encoded, as some clients send it.
        let escaped = query.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D");
        assert_eq!(Query::parse(&escaped), Ok(want), "{escaped}");
    }
    // A binary device id (a GUID) reads as hex; padding is optional.
    let guid: Vec<u8> = (0xA0..0xB0).collect();
    let bytes = [&[161u8, 18, 0, 0, 16][..], &guid, &[0, 3], b"SP\x21"].concat();
    let q = Query::parse(b64(&bytes).trim_end_matches('=')).unwrap();
    assert_eq!(q.device_id, "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
    assert_eq!((q.command, q.version, q.policy_key), (Command::Ping, Some(ProtocolVersion::V16_1), None));
}

#[test]
fn malformed_queries_are_refused() {
    use QueryError::*;
    let long = "a".repeat(2049);
    let head = |version: u8, cmd: u8| vec![version, cmd, 9, 4, 1, b'd', 0, 1, b't'];
    let table: Vec<(String, QueryError)> = vec![
        (String::new(), Empty),
        (long, TooLong(2049)),
        ("User=u&DeviceId=d&DeviceType=t".into(), Missing("Cmd")),
        ("Cmd=Sync&User=u&DeviceType=t".into(), Missing("DeviceId")),
        ("Cmd=Sync&User=u&DeviceId=d".into(), Missing("DeviceType")),
        ("Cmd=Sync&Cmd=Ping&DeviceId=d&DeviceType=t".into(), Duplicate("Cmd")),
        ("Cmd=Sink&DeviceId=d&DeviceType=t".into(), UnknownCommand("Sink".into())),
        ("Cmd=sync&DeviceId=d&DeviceType=t".into(), UnknownCommand("sync".into())),
        ("Cmd=Sync&DeviceId=d-1&DeviceType=t".into(), Invalid("DeviceId")),
        (format!("Cmd=Sync&DeviceId={}&DeviceType=t", "a".repeat(33)), Invalid("DeviceId")),
        ("Cmd=Sync&DeviceId=d&DeviceType=i%20Phone".into(), Invalid("DeviceType")),
        ("Cmd=Sync&DeviceId=d&DeviceType=".into(), Invalid("DeviceType")),
        ("Cmd=Sync&DeviceId=d&DeviceType=t&User=%0A".into(), Invalid("User")),
        ("Cmd=Sync&DeviceId=d&DeviceType=t&User=%FF".into(), Invalid("User")),
        ("Cmd=Sync&DeviceId=d&DeviceType=t&SaveInSent=yes".into(), Invalid("SaveInSent")),
        ("Cmd=Sync&DeviceId=d&DeviceType=t&User=%4".into(), PercentEncoding),
        ("Cmd=Sync&DeviceId=d&DeviceType=t&User=%+1".into(), PercentEncoding),
        ("Cmd=Sync&DeviceId&DeviceType=t".into(), Invalid("name=value")),
        ("!!!!".into(), Base64),
        (b64(&[141]), Truncated("command code")),
        (b64(&[141, 0, 9]), Truncated("locale")),
        (b64(&[141, 0, 9, 4, 5, b'd']), Truncated("device id")),
        (b64(&[141, 0, 9, 4, 1, b'd', 4, 1, 2]), Truncated("policy key")),
        (b64(&[141, 0, 9, 4, 1, b'd', 3, 1, 2, 3]), PolicyKeyLength(3)),
        (b64(&[141, 0, 9, 4, 1, b'd', 0]), Truncated("device type")),
        (b64(&[141, 0, 9, 4, 0, 0, 1, b't']), Invalid("DeviceId")),
        (
            b64(&[141, 0, 9, 4, 17, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0, 1, b't']),
            Invalid("DeviceId"),
        ),
        (b64(&[120, 0, 9, 4, 1, b'd', 0, 1, b't']), Version(120)),
        (b64(&[25, 0, 9, 4, 1, b'd', 0, 1, b't']), Version(25)),
        (b64(&[142, 0, 9, 4, 1, b'd', 0, 1, b't']), Version(142)),
        (b64(&head(141, 5)), UnknownCommandCode(5)),
        (b64(&head(161, 23)), UnknownCommandCode(23)),
        (b64(&[head(141, 0), vec![2, 1, b'x']].concat()), UnknownParameter(2)),
        (b64(&[head(141, 0), vec![1, 1, b'x', 1, 1, b'y']].concat()), Duplicate("CollectionId")),
        (b64(&[head(141, 0), vec![7, 2, 1, 1]].concat()), Invalid("Options")),
        (b64(&[head(141, 0), vec![7, 1, 1, 7, 1, 2]].concat()), Duplicate("Options")),
        (b64(&[head(141, 0), vec![8, 0]].concat()), Invalid("User")),
        (b64(&[head(141, 0), vec![8, 3, b'u']].concat()), Truncated("parameter")),
        (b64(&[head(141, 0), vec![8]].concat()), Truncated("parameter")),
    ];
    for (query, want) in table {
        assert_eq!(Query::parse(&query), Err(want), "{query}");
    }
}

#[test]
fn commands_and_versions() {
    let commands: &[(Command, &str, Option<u8>)] = &[
        (Command::Sync, "Sync", Some(0)),
        (Command::SendMail, "SendMail", Some(1)),
        (Command::GetAttachment, "GetAttachment", Some(4)),
        (Command::FolderSync, "FolderSync", Some(9)),
        (Command::Ping, "Ping", Some(18)),
        (Command::ValidateCert, "ValidateCert", Some(22)),
        (Command::Find, "Find", None),
    ];
    for &(command, name, code) in commands {
        assert_eq!(command.name(), name);
        assert_eq!(command.code(), code);
        assert_eq!(Command::from_name(name), Some(command));
        if let Some(code) = code {
            assert_eq!(Command::from_code(code), Some(command));
        }
    }
    assert_eq!(Command::all().count(), 20);
    for code in [5, 6, 7, 8, 23, 255] {
        assert_eq!(Command::from_code(code), None, "{code}");
    }
    let versions: &[(&str, Option<ProtocolVersion>, bool)] = &[
        ("2.5", Some(ProtocolVersion::V2_5), false),
        ("12.0", Some(ProtocolVersion::V12_0), false),
        ("12.1", Some(ProtocolVersion::V12_1), true),
        (" 14.1 ", Some(ProtocolVersion::V14_1), true),
        ("16.1", Some(ProtocolVersion::V16_1), true),
        ("16.2", None, false),
        ("14", None, false),
    ];
    for &(header, want, base64) in versions {
        assert_eq!(ProtocolVersion::from_header(header), want, "{header}");
        if let Some(v) = want {
            assert_eq!(v.has_base64_query(), base64);
            assert_eq!(ProtocolVersion::from_byte(v.as_byte()), Some(v));
            assert_eq!(v.to_string(), header.trim());
        }
    }
    let all: Vec<String> = ProtocolVersion::all().map(|v| v.to_string()).collect();
    assert_eq!(all.join(","), "2.5,12.0,12.1,14.0,14.1,16.0,16.1");
}
