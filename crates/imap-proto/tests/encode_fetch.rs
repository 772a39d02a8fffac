//! FETCH response snapshots: every item, ENVELOPE (RFC 9051 §7.5.2 with groups and 8-bit
//! text) and BODY/BODYSTRUCTURE trees (single parts, multiparts with extension data,
//! encapsulated messages, and the shapes a broken message can leave).

mod common;

use common::*;
use relais_imap_proto::*;

fn fetch(seq: u32, items: Vec<FetchItem>) -> String {
    bytes(&Data::Fetch { seq, items })
}

fn rfc3501_envelope() -> Envelope {
    let gray = Address::new(Some("Terry Gray"), "gray", "cac.washington.edu");
    Envelope {
        date: Some(s("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)")),
        subject: Some(s("IMAP4rev1 WG mtg summary and minutes")),
        from: vec![gray.clone()],
        sender: vec![gray.clone()],
        reply_to: vec![gray],
        to: vec![Address::new(None, "imap", "cac.washington.edu")],
        cc: vec![
            Address::new(None, "minutes", "CNRI.Reston.VA.US"),
            Address::new(Some("John Klensin"), "KLENSIN", "MIT.EDU"),
        ],
        bcc: vec![],
        in_reply_to: None,
        message_id: Some(s("<B27397-0100000@cac.washington.edu>")),
    }
}

fn envelope_bytes(e: &Envelope, dialect: Dialect) -> String {
    let mut out = Vec::new();
    e.encode(&mut out, dialect);
    String::from_utf8_lossy(&out).into_owned()
}

fn body_bytes(b: &BodyStructure, extended: bool) -> String {
    let mut out = Vec::new();
    b.encode(&mut out, extended, Dialect::default());
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn envelopes() {
    // RFC 3501 §7.4.2's example.
    assert_eq!(
        envelope_bytes(&rfc3501_envelope(), Dialect::default()),
        "(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" \
         ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) \
         ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) \
         ((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL \
         \"<B27397-0100000@cac.washington.edu>\")"
    );
    assert_eq!(envelope_bytes(&Envelope::default(), Dialect::default()), "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
    // A group (RFC 5322 §3.4): start, members, end.
    let e = Envelope {
        to: vec![Address::group_start("undisclosed-recipients"), Address::group_end()],
        cc: vec![Address::group_start("Team"), Address::new(Some("A \"B\" C"), "a", "x.org"), Address::group_end()],
        ..Envelope::default()
    };
    assert_eq!(
        envelope_bytes(&e, Dialect::default()),
        "(NIL NIL NIL NIL NIL ((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) \
         ((NIL NIL \"Team\" NIL)(\"A \\\"B\\\" C\" NIL \"a\" \"x.org\")(NIL NIL NIL NIL)) NIL NIL NIL)"
    );
    // 8-bit header text: a literal before UTF-8 is enabled, quoted after.
    let e = Envelope { subject: Some(s("Grüße")), ..Envelope::default() };
    assert_eq!(envelope_bytes(&e, Dialect::default()), "(NIL {7}\r\nGrüße NIL NIL NIL NIL NIL NIL NIL NIL)");
    assert_eq!(envelope_bytes(&e, Dialect::UTF8), "(NIL \"Grüße\" NIL NIL NIL NIL NIL NIL NIL NIL)");
}

fn text_part(subtype: &str, size: u64, lines: u64) -> BodyStructure {
    BodyStructure {
        content_type: s("text"),
        content_subtype: s(subtype),
        params: vec![(s("charset"), s("utf-8"))],
        encoding: s("QUOTED-PRINTABLE"),
        size,
        lines: Some(lines),
        ..BodyStructure::default()
    }
}

#[test]
fn single_parts() {
    // RFC 3501 §7.4.2's example, BODY form.
    let part = BodyStructure {
        content_type: s("TEXT"),
        content_subtype: s("PLAIN"),
        params: vec![(s("CHARSET"), s("US-ASCII"))],
        encoding: s("7BIT"),
        size: 3028,
        lines: Some(92),
        ..BodyStructure::default()
    };
    assert_eq!(body_bytes(&part, false), "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92)");
    assert_eq!(
        body_bytes(&part, true),
        "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92 NIL NIL NIL NIL)"
    );
    // A basic part has no line count; extension data in full.
    let pdf = BodyStructure {
        content_type: s("application"),
        content_subtype: s("pdf"),
        params: vec![(s("name"), s("Rapport d'été.pdf"))],
        id: Some(s("<part1@x>")),
        description: Some(s("the report")),
        encoding: s("BASE64"),
        size: 4096,
        md5: Some(s("Q2hlY2sgSW50ZWdyaXR5IQ==")),
        disposition: Some((s("attachment"), vec![(s("filename"), s("report.pdf")), (s("size"), s("3000"))])),
        language: vec![s("fr")],
        location: Some(s("http://example.org/r.pdf")),
        ..BodyStructure::default()
    };
    assert_eq!(
        body_bytes(&pdf, true),
        "(\"application\" \"pdf\" (\"name\" {19}\r\nRapport d'été.pdf) \"<part1@x>\" \"the report\" \"BASE64\" 4096 \
         \"Q2hlY2sgSW50ZWdyaXR5IQ==\" (\"attachment\" (\"filename\" \"report.pdf\" \"size\" \"3000\")) \"fr\" \
         \"http://example.org/r.pdf\")"
    );
    assert_eq!(
        body_bytes(&pdf, false),
        "(\"application\" \"pdf\" (\"name\" {19}\r\nRapport d'été.pdf) \"<part1@x>\" \"the report\" \"BASE64\" 4096)"
    );
    // Several languages are a list; a disposition without parameters has NIL; no encoding is 7BIT.
    let odd = BodyStructure {
        content_type: s("image"),
        content_subtype: s("png"),
        disposition: Some((s("inline"), vec![])),
        language: vec![s("en"), s("de")],
        ..BodyStructure::default()
    };
    assert_eq!(
        body_bytes(&odd, true),
        "(\"image\" \"png\" NIL NIL NIL \"7BIT\" 0 NIL (\"inline\" NIL) (\"en\" \"de\") NIL)"
    );
}

#[test]
fn multiparts_and_messages() {
    let inner = BodyStructure {
        content_type: s("multipart"),
        content_subtype: s("alternative"),
        params: vec![(s("boundary"), s("b2"))],
        parts: vec![text_part("plain", 10, 1), text_part("html", 20, 2)],
        ..BodyStructure::default()
    };
    let forwarded = BodyStructure {
        content_type: s("message"),
        content_subtype: s("rfc822"),
        encoding: s("7BIT"),
        size: 300,
        lines: Some(12),
        message: Some(Box::new((
            Envelope { subject: Some(s("fwd")), ..Envelope::default() },
            BodyStructure {
                content_type: s("text"),
                content_subtype: s("plain"),
                size: 5,
                lines: Some(1),
                ..BodyStructure::default()
            },
        ))),
        ..BodyStructure::default()
    };
    let root = BodyStructure {
        content_type: s("multipart"),
        content_subtype: s("mixed"),
        params: vec![(s("boundary"), s("b1"))],
        disposition: None,
        parts: vec![inner, forwarded],
        ..BodyStructure::default()
    };
    let plain = "(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"QUOTED-PRINTABLE\" 10 1";
    let html = "(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"QUOTED-PRINTABLE\" 20 2";
    let envelope = "(NIL \"fwd\" NIL NIL NIL NIL NIL NIL NIL NIL)";
    assert_eq!(
        body_bytes(&root, true),
        format!(
            "(({plain} NIL NIL NIL NIL){html} NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"b2\") NIL NIL NIL)\
             (\"message\" \"rfc822\" NIL NIL NIL \"7BIT\" 300 {envelope} \
             (\"text\" \"plain\" NIL NIL NIL \"7BIT\" 5 1 NIL NIL NIL NIL) 12 NIL NIL NIL NIL) \
             \"mixed\" (\"boundary\" \"b1\") NIL NIL NIL)"
        )
    );
    // BODY has no extension data anywhere, the encapsulated message included.
    assert_eq!(
        body_bytes(&root, false),
        format!(
            "(({plain}){html}) \"alternative\")(\"message\" \"rfc822\" NIL NIL NIL \"7BIT\" 300 {envelope} \
             (\"text\" \"plain\" NIL NIL NIL \"7BIT\" 5 1) 12) \"mixed\")"
        )
    );
}

#[test]
fn broken_shapes_still_fit_the_grammar() {
    // A multipart without parts gets an empty text/plain one (`1*body`).
    let empty = BodyStructure { content_type: s("multipart"), content_subtype: s("mixed"), ..BodyStructure::default() };
    assert_eq!(
        body_bytes(&empty, false),
        "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) \"mixed\")"
    );
    // message/rfc822 without its message gets an empty envelope and part.
    let msg =
        BodyStructure { content_type: s("MESSAGE"), content_subtype: s("RFC822"), size: 7, ..BodyStructure::default() };
    assert_eq!(
        body_bytes(&msg, false),
        "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 7 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) \
         (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) 0)"
    );
    // A deep tree is written without exhausting the stack.
    let mut deep = text_part("plain", 1, 1);
    for _ in 0..10_000 {
        deep = BodyStructure {
            content_type: s("multipart"),
            content_subtype: s("mixed"),
            parts: vec![deep],
            ..BodyStructure::default()
        };
    }
    assert!(body_bytes(&deep, true).ends_with("\"mixed\" NIL NIL NIL NIL)"));
    // Dropping 10,000 levels is recursive too; keep it on this thread's stack budget.
    std::mem::forget(deep);
}

#[test]
fn fetch_items() {
    let date = DateTime::parse_for_test("17-Jul-1996 02:44:25 -0700");
    let header_fields = Section { part: vec![], text: Some(SectionText::HeaderFields(vec![s("From"), s("Subject")])) };
    let cases: Vec<(Vec<FetchItem>, &str)> = vec![
        (vec![FetchItem::Flags(vec![Flag::Seen]), FetchItem::Uid(4827)], "* 12 FETCH (FLAGS (\\Seen) UID 4827)\r\n"),
        (vec![FetchItem::Flags(vec![])], "* 12 FETCH (FLAGS ())\r\n"),
        (
            vec![FetchItem::InternalDate(date), FetchItem::Rfc822Size(44827)],
            "* 12 FETCH (INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE 44827)\r\n",
        ),
        (
            vec![FetchItem::BodySection {
                section: header_fields,
                origin: Some(0),
                data: Some(b"From: a\r\n\r\n".to_vec()),
            }],
            "* 12 FETCH (BODY[HEADER.FIELDS (From Subject)]<0> {11}\r\nFrom: a\r\n\r\n)\r\n",
        ),
        (
            vec![FetchItem::BodySection { section: Section::default(), origin: None, data: Some(b"hi".to_vec()) }],
            "* 12 FETCH (BODY[] {2}\r\nhi)\r\n",
        ),
        (
            vec![FetchItem::BodySection {
                section: Section { part: vec![1, 2], text: Some(SectionText::Mime) },
                origin: None,
                data: None,
            }],
            "* 12 FETCH (BODY[1.2.MIME] NIL)\r\n",
        ),
        (
            vec![FetchItem::BodySection {
                section: Section { part: vec![3], text: Some(SectionText::HeaderFieldsNot(vec![s("Received")])) },
                origin: None,
                data: Some(vec![]),
            }],
            "* 12 FETCH (BODY[3.HEADER.FIELDS.NOT (Received)] {0}\r\n)\r\n",
        ),
        (
            vec![
                FetchItem::Binary { part: vec![1], origin: None, data: Some(b"a\0b".to_vec()) },
                FetchItem::Binary { part: vec![], origin: Some(5), data: Some(b"ab".to_vec()) },
                FetchItem::BinarySize { part: vec![2], size: 1024 },
            ],
            "* 12 FETCH (BINARY[1] ~{3}\r\na\0b BINARY[]<5> {2}\r\nab BINARY.SIZE[2] 1024)\r\n",
        ),
        (
            vec![
                FetchItem::Rfc822(Some(b"x".to_vec())),
                FetchItem::Rfc822Header(None),
                FetchItem::Rfc822Text(Some(b"y".to_vec())),
            ],
            "* 12 FETCH (RFC822 {1}\r\nx RFC822.HEADER NIL RFC822.TEXT {1}\r\ny)\r\n",
        ),
        (
            vec![
                FetchItem::Modseq(624140003),
                FetchItem::EmailId(s("M6d99ac3275bb4e")),
                FetchItem::ThreadId(Some(s("T64b478a75b7ea9"))),
                FetchItem::ThreadId(None),
                FetchItem::SaveDate(None),
                FetchItem::SaveDate(Some(date)),
                FetchItem::Preview(Some(s("Hello there"))),
            ],
            "* 12 FETCH (MODSEQ (624140003) EMAILID (M6d99ac3275bb4e) THREADID (T64b478a75b7ea9) THREADID NIL \
             SAVEDATE NIL SAVEDATE \"17-Jul-1996 02:44:25 -0700\" PREVIEW \"Hello there\")\r\n",
        ),
        (
            vec![
                FetchItem::Envelope(Box::default()),
                FetchItem::Body(Box::new(BodyStructure::empty_text())),
                FetchItem::BodyStructure(Box::new(BodyStructure::empty_text())),
            ],
            "* 12 FETCH (ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) \
             BODY (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) \
             BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL))\r\n",
        ),
    ];
    for (items, expected) in cases {
        assert_eq!(fetch(12, items), expected);
    }
}

/// Test-only shorthand for a known-good date-time.
trait ParseForTest {
    fn parse_for_test(s: &str) -> DateTime;
}

impl ParseForTest for DateTime {
    fn parse_for_test(s: &str) -> DateTime {
        let cmd = parse(format!("A APPEND x \"{s}\" {{0}}\r\n\r\n").as_bytes()).unwrap();
        let CommandBody::Append { messages, .. } = cmd.body else { panic!() };
        messages[0].date.unwrap()
    }
}
