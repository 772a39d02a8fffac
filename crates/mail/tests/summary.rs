//! MIME analysis: table tests over real-shaped messages, each run with LF and with CRLF line
//! ends, the structural invariants checked on every summary, and a mutation loop that throws
//! broken input at `summarize` (no new fuzz crate: a seeded xorshift is enough here).
//!
//! The messages are in `tests/messages/`, with LF line ends; some are cut off or 8-bit on purpose.

use relais_mail::search::{fold, index};
use relais_mail::summary::{
    EnvAddress, Envelope, MAX_DEPTH, MAX_SEARCH_TEXT, MISSING_DOMAIN, Part, Summary, body_text, summarize,
};
use serde_json::json;

/// What the search index holds of a message's text (its header fields, then its body text),
/// folded as SEARCH compares it.
fn searched(raw: &[u8], s: &Summary) -> String {
    let index = index(raw, s);
    format!("{}\n{}", index.header_text, index.body_text)
}

/// Whether the search index finds `needle` in the message (a substring, folded as SEARCH does).
fn finds(raw: &[u8], s: &Summary, needle: &str) -> bool {
    searched(raw, s).contains(&fold(needle))
}

/// One message and what its summary must say. `raw` uses LF; every case also runs with CRLF.
struct Case {
    name: &'static str,
    raw: &'static [u8],
    /// (section path, "type/subtype", MIME header, body), header and body in LF form.
    parts: &'static [(&'static [u32], &'static str, &'static str, &'static str)],
    check: fn(&Summary, &[u8]),
}

fn crlf(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + text.len() / 16);
    for (i, &b) in text.iter().enumerate() {
        if b == b'\n' && (i == 0 || text[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

fn addr(name: Option<&str>, mailbox: &str, host: &str) -> EnvAddress {
    EnvAddress { name: name.map(str::to_string), adl: None, mailbox: Some(mailbox.into()), host: Some(host.into()) }
}

fn group(name: Option<&str>) -> EnvAddress {
    EnvAddress { mailbox: name.map(str::to_string), ..EnvAddress::default() }
}

/// The invariants of `summary.rs`: offsets nest and stay in bounds, sizes match, multiparts
/// have parts and messages have their message.
fn check_part(part: &Part, lo: u64, hi: u64) {
    assert!(lo <= part.header_start, "{part:#?}");
    assert!(part.header_start <= part.body_start && part.body_start <= part.body_end, "{part:#?}");
    assert!(part.body_end <= hi, "{part:#?}");
    assert_eq!(part.size, part.body_end - part.body_start);
    assert!(!part.content_type.is_empty() && !part.content_subtype.is_empty());
    assert!(!part.encoding.is_empty());
    assert_eq!(part.is_multipart(), !part.parts.is_empty(), "{part:#?}");
    assert_eq!(part.is_message(), part.message.is_some(), "{part:#?}");
    let mut next = part.body_start;
    for child in &part.parts {
        check_part(child, next, part.body_end);
        next = child.body_end;
    }
    if let Some(message) = &part.message {
        assert_eq!(message.1.header_start, part.body_start);
        check_part(&message.1, part.body_start, part.body_end);
    }
}

fn check_invariants(raw: &[u8], summary: &Summary) {
    assert_eq!(summary.size, raw.len() as u64);
    assert_eq!(summary.structure.header_start, 0);
    assert_eq!(summary.structure.body_end, raw.len() as u64);
    assert_eq!(summary.header_size, summary.structure.body_start);
    check_part(&summary.structure, 0, raw.len() as u64);
    assert!(summary.preview.chars().count() <= 256);
    let json = serde_json::to_string(summary).expect("a summary serializes");
    let back: Summary = serde_json::from_str(&json).expect("a stored summary loads back");
    assert_eq!(&back, summary);
}

const CASES: &[Case] = &[
    Case {
        name: "simple text",
        raw: include_bytes!("messages/simple.eml"),
        parts: &[(&[1], "text/plain", "", "Hello Bob,\nhow are   you?\n")],
        check: |s, _| {
            assert_eq!(s.structure.params, vec![("charset".to_string(), "us-ascii".to_string())]);
            assert_eq!(s.structure.encoding, "7BIT");
            assert_eq!(s.structure.lines, Some(2));
            assert_eq!(s.preview, "Hello Bob, how are you?");
            assert_eq!(s.subject.as_deref(), Some("Hello"));
            assert_eq!(s.base_subject, "Hello");
            assert_eq!(s.message_id.as_deref(), Some("1234@local.machine.example"));
            assert_eq!(s.sent_at, Some(760_686_745));
            assert!(!s.has_attachment);
            let e = &s.envelope;
            assert_eq!(e.date.as_deref(), Some("Mon, 7 Feb 1994 21:52:25 -0800"));
            assert_eq!(e.message_id.as_deref(), Some("<1234@local.machine.example>"));
            assert_eq!(e.from, vec![addr(Some("Alice"), "alice", "example.com")]);
            assert_eq!(e.to, vec![addr(None, "bob", "example.org")]);
            assert!(e.cc.is_empty() && e.bcc.is_empty() && e.in_reply_to.is_none());
        },
    },
    Case {
        name: "multipart/alternative",
        raw: include_bytes!("messages/alternative.eml"),
        parts: &[
            (
                &[1],
                "text/plain",
                "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n",
                "Caf=C3=A9 au lait",
            ),
            (
                &[2],
                "text/html",
                "Content-Type: text/html; charset=utf-8\n\n",
                "<html><body><p>Caf&eacute; <b>au</b> lait</p></body></html>",
            ),
        ],
        check: |s, raw| {
            assert_eq!(s.structure.content_subtype, "alternative");
            assert_eq!(s.structure.param("boundary"), Some("XX"));
            assert_eq!(s.structure.parts[0].encoding, "QUOTED-PRINTABLE");
            assert_eq!(s.structure.parts[0].lines, Some(0));
            assert_eq!(s.preview, "Café au lait");
            assert!(!s.has_attachment);
            assert!(finds(raw, s, "Café au lait"), "{}", searched(raw, s));
            assert!(!finds(raw, s, "<b>"), "{}", searched(raw, s));
        },
    },
    Case {
        name: "nested multipart/mixed with an RFC 2231 attachment",
        raw: include_bytes!("messages/nested.eml"),
        parts: &[
            (
                &[1],
                "multipart/alternative",
                "Content-Type: multipart/alternative; boundary=inner\n\n",
                "--inner\nContent-Type: text/plain\n\nplain body\n--inner\nContent-Type: text/html\n\n<p>html body</p>\n--inner--\n",
            ),
            (&[1, 1], "text/plain", "Content-Type: text/plain\n\n", "plain body"),
            (&[1, 2], "text/html", "Content-Type: text/html\n\n", "<p>html body</p>"),
            (
                &[2],
                "application/pdf",
                "Content-Type: application/pdf; name*=utf-8''r%C3%A9sum%C3%A9.pdf\nContent-Disposition: attachment;\n filename*0*=utf-8''r%C3%A9;\n filename*1*=sum%C3%A9.pdf\nContent-Transfer-Encoding: base64\n\n",
                "JVBERi0xLjQK",
            ),
        ],
        check: |s, raw| {
            let pdf = s.structure.section(&[2]).expect("part 2");
            assert_eq!(pdf.param("name"), Some("résumé.pdf"));
            assert_eq!(pdf.disposition, Some(("attachment".into(), vec![("filename".into(), "résumé.pdf".into())])));
            assert_eq!(pdf.file_name(), Some("résumé.pdf"));
            assert_eq!(pdf.encoding, "BASE64");
            assert_eq!(pdf.lines, None);
            assert_eq!(pdf.decoded_body(raw), b"%PDF-1.4\n");
            assert!(s.has_attachment);
            assert_eq!(s.preview, "plain body");
            for needle in ["plain body", "html body", "a@example.com"] {
                assert!(finds(raw, s, needle), "{needle} in {}", searched(raw, s));
            }
        },
    },
    Case {
        name: "message/rfc822 attachment with its own multipart",
        raw: include_bytes!("messages/rfc822.eml"),
        parts: &[
            (&[1], "text/plain", "Content-Type: text/plain\n\n", "See attached."),
            (
                &[2],
                "message/rfc822",
                "Content-Type: message/rfc822\n\n",
                "From: Inner Sender <inner@example.com>\nTo: x@example.com\nSubject: inner subject\nMessage-ID: <inner@id>\nContent-Type: multipart/alternative; boundary=\"b2\"\n\n--b2\nContent-Type: text/plain\n\ninner plain\n--b2\nContent-Type: text/html\n\n<b>inner html</b>\n--b2--",
            ),
            (&[2, 1], "text/plain", "Content-Type: text/plain\n\n", "inner plain"),
            (&[2, 2], "text/html", "Content-Type: text/html\n\n", "<b>inner html</b>"),
        ],
        check: |s, raw| {
            let message = s.structure.section(&[2]).expect("part 2");
            let (envelope, inner) = message.message.as_deref().expect("encapsulated message");
            assert_eq!(envelope.subject.as_deref(), Some("inner subject"));
            assert_eq!(envelope.from, vec![addr(Some("Inner Sender"), "inner", "example.com")]);
            assert_eq!(envelope.sender, envelope.from);
            assert_eq!(envelope.message_id.as_deref(), Some("<inner@id>"));
            assert_eq!(inner.content_subtype, "alternative");
            assert!(String::from_utf8_lossy(inner.header_bytes(raw)).starts_with("From: Inner Sender"));
            assert_eq!(message.lines, Some(15));
            assert!(s.has_attachment);
            assert_eq!(s.preview, "See attached.");
            // The encapsulated message's text is indexed too.
            assert!(finds(raw, s, "inner plain") && finds(raw, s, "See attached."), "{}", searched(raw, s));
            for missing in [&[2, 3][..], &[3], &[0], &[1, 1], &[2, 1, 1]] {
                assert!(s.structure.section(missing).is_none(), "{missing:?}");
            }
            assert_eq!(s.structure.section(&[]), Some(&s.structure));
        },
    },
    Case {
        name: "encoded words: decoded subject, raw envelope",
        raw: include_bytes!("messages/encoded-words.eml"),
        parts: &[(&[1], "text/plain", "", "body\n")],
        check: |s, raw| {
            assert_eq!(s.subject.as_deref(), Some("Hello Wörld café"));
            assert_eq!(s.envelope.subject.as_deref(), Some("=?UTF-8?B?SGVsbG8gV8O2cmxk?= =?ISO-8859-1?Q?_caf=E9?="));
            assert_eq!(s.envelope.from, vec![addr(Some("=?utf-8?q?J=C3=B6rg?="), "j", "example.de")]);
            assert_eq!(s.envelope.to[0], addr(Some("Doe, Jane"), "jane", "example.com"));
            for needle in ["Hello Wörld café", "Jörg", "j@example.de", "Doe, Jane", "François", "body"] {
                assert!(finds(raw, s, needle), "{needle} in {}", searched(raw, s));
            }
        },
    },
    Case {
        name: "group addresses and Reply-To",
        raw: include_bytes!("messages/groups.eml"),
        parts: &[(&[1], "text/plain", "", "x\n")],
        check: |s, _| {
            let e = &s.envelope;
            assert_eq!(
                e.to,
                vec![
                    group(Some("A Group")),
                    addr(Some("Ed Jones"), "c", "a.test"),
                    addr(None, "joe", "where.test"),
                    addr(Some("John"), "jdoe", "one.test"),
                    group(None),
                ]
            );
            assert_eq!(e.cc, vec![group(Some("undisclosed-recipients")), group(None)]);
            assert_eq!(e.bcc, vec![addr(None, "root", MISSING_DOMAIN)]);
            assert_eq!(e.reply_to, vec![addr(None, "replies", "a.test")]);
            assert_eq!(e.sender, e.from);
        },
    },
    Case {
        name: "missing boundary parameter",
        raw: include_bytes!("messages/no-boundary.eml"),
        parts: &[(&[1], "text/plain", "", "just text\n")],
        check: |s, _| {
            assert_eq!(s.structure.content_type, "multipart");
            assert_eq!(s.structure.parts.len(), 1);
            assert_eq!(s.preview, "just text");
        },
    },
    Case {
        name: "truncated multipart",
        raw: include_bytes!("messages/truncated.eml"),
        parts: &[
            (&[1], "text/plain", "Content-Type: text/plain\n\n", "one"),
            (&[2], "text/plain", "Content-Type: text/plain\n\n", "two, cut off her"),
        ],
        check: |s, _| assert_eq!(s.structure.parts[1].lines, Some(0)),
    },
    Case {
        name: "inner multipart closed by the outer boundary",
        raw: include_bytes!("messages/unclosed-inner.eml"),
        parts: &[
            (&[1, 1], "text/plain", "Content-Type: text/plain\n\n", "inner, never closed"),
            (&[2], "text/plain", "Content-Type: text/plain\n\n", "second"),
        ],
        check: |s, _| assert_eq!(s.structure.parts.len(), 2),
    },
    Case {
        name: "boundary never seen",
        raw: include_bytes!("messages/boundary-never-seen.eml"),
        parts: &[(&[1], "text/plain", "", "--other\ntext\n")],
        check: |_, _| {},
    },
    Case {
        name: "part header cut off",
        raw: include_bytes!("messages/header-cut.eml"),
        parts: &[(&[1], "text/pl", "Content-Type: text/pl", "")],
        check: |s, _| assert_eq!(s.structure.parts.len(), 1),
    },
    Case {
        name: "multipart/digest defaults to message/rfc822",
        raw: include_bytes!("messages/digest.eml"),
        parts: &[
            (&[1], "message/rfc822", "\n", "Subject: one\n\nfirst"),
            (&[1, 1], "text/plain", "Subject: one\n\n", "first"),
        ],
        check: |s, _| {
            let (envelope, _) = s.structure.parts[0].message.as_deref().expect("digest message");
            assert_eq!(envelope.subject.as_deref(), Some("one"));
        },
    },
    Case {
        name: "8-bit header that is not UTF-8",
        raw: include_bytes!("messages/latin1-header.eml"),
        parts: &[(&[1], "text/plain", "", "x\n")],
        check: |s, _| {
            assert_eq!(s.subject.as_deref(), Some("Grüße aus Köln"));
            assert_eq!(s.envelope.subject.as_deref(), Some("Grüße aus Köln"));
            assert_eq!(s.envelope.from, vec![addr(Some("Jürgen"), "j", "example.de")]);
        },
    },
    Case {
        name: "8-bit UTF-8 header (RFC 6532)",
        raw: include_bytes!("messages/utf8-header.eml"),
        parts: &[(&[1], "text/plain", "", "Grüße\n")],
        check: |s, _| {
            assert_eq!(s.subject.as_deref(), Some("Grüße aus Köln"));
            assert_eq!(s.envelope.from, vec![addr(Some("Jürgen"), "jürgen", "example.de")]);
            assert_eq!(s.structure.encoding, "8BIT");
            assert_eq!(s.preview, "Grüße");
        },
    },
    Case {
        name: "header without a blank line",
        raw: include_bytes!("messages/no-header-end.eml"),
        parts: &[(&[1], "text/plain", "", "")],
        check: |s, _| {
            assert_eq!(s.header_size, s.size);
            assert_eq!(s.subject.as_deref(), Some("only a header"));
        },
    },
    Case {
        name: "empty input",
        raw: b"",
        parts: &[(&[1], "text/plain", "", "")],
        check: |s, raw| {
            assert_eq!((s.size, s.header_size), (0, 0));
            assert_eq!(s.envelope, Default::default());
            assert_eq!((s.subject.as_deref(), s.preview.as_str(), s.sent_at), (None, "", None));
            assert_eq!(searched(raw, s), "\n");
        },
    },
    Case {
        name: "HTML only, base64",
        raw: include_bytes!("messages/html-only.eml"),
        parts: &[(&[1], "text/html", "", "PGh0bWw+PGJvZHk+PHA+SGVsbG8gPGk+d29ybGQ8L2k+PC9wPjwvYm9keT48L2h0bWw+\n")],
        check: |s, raw| {
            assert_eq!(s.preview, "Hello world");
            assert!(finds(raw, s, "Hello world"), "{}", searched(raw, s));
            assert!(!s.has_attachment);
        },
    },
    Case {
        name: "multipart/signed: the signature is no attachment",
        raw: include_bytes!("messages/signed.eml"),
        parts: &[(
            &[1],
            "text/plain",
            "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n",
            "Gr=FC=DFe",
        )],
        check: |s, _| {
            assert_eq!(s.structure.param("micalg"), Some("pgp-sha256"));
            assert_eq!(s.preview, "Grüße");
            assert!(!s.has_attachment);
        },
    },
    Case {
        name: "text/plain attachment",
        raw: include_bytes!("messages/text-attachment.eml"),
        parts: &[(
            &[2],
            "text/plain",
            "Content-Type: text/plain; name=notes.txt\nContent-Disposition: attachment; filename=notes.txt\n\n",
            "secret notes",
        )],
        check: |s, raw| {
            assert!(s.has_attachment);
            assert_eq!(s.preview, "See the notes.");
            assert!(finds(raw, s, "secret notes") && finds(raw, s, "See the notes."), "{}", searched(raw, s));
        },
    },
    Case {
        name: "top-level message/rfc822",
        raw: include_bytes!("messages/top-rfc822.eml"),
        parts: &[
            (&[1], "message/rfc822", "", "Subject: inside\n\ninner body\n"),
            (&[1, 1], "text/plain", "Subject: inside\n\n", "inner body\n"),
        ],
        check: |s, _| {
            let (envelope, _) = s.structure.message.as_deref().expect("message");
            assert_eq!(envelope.subject.as_deref(), Some("inside"));
            assert!(s.structure.section(&[1, 2]).is_none());
        },
    },
    Case {
        name: "base64 message/rfc822 is parsed raw, as Dovecot does",
        raw: include_bytes!("messages/base64-rfc822.eml"),
        parts: &[
            (
                &[1],
                "message/rfc822",
                "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n",
                "U3ViamVjdDogaGkKCmJvZHkK",
            ),
            (&[1, 1], "text/plain", "U3ViamVjdDogaGkKCmJvZHkK", ""),
        ],
        check: |s, _| {
            let part = &s.structure.parts[0];
            assert_eq!(part.encoding, "BASE64");
            assert_eq!(part.message.as_deref().map(|m| &m.0), Some(&Envelope::default()));
        },
    },
    Case {
        name: "an inner boundary that extends the outer one, transport padding",
        raw: include_bytes!("messages/prefix-boundaries.eml"),
        parts: &[
            (&[1, 1], "text/plain", "Content-Type: text/plain\n\n", "inner"),
            (&[2], "text/plain", "Content-Type: text/plain\n\n", "outer"),
        ],
        check: |s, _| assert_eq!(s.structure.parts.len(), 2),
    },
    Case {
        name: "base subject",
        raw: include_bytes!("messages/base-subject.eml"),
        parts: &[],
        check: |s, _| assert_eq!(s.base_subject, "Hello"),
    },
];

/// A section's MIME header: for the root's part 1 it is the (empty) part header in the tests.
fn mime_header<'r>(summary: &Summary, part: &Part, raw: &'r [u8]) -> &'r [u8] {
    if std::ptr::eq(part, &summary.structure) { &[] } else { part.header_bytes(raw) }
}

#[test]
fn table() {
    for case in CASES {
        for raw in [case.raw.to_vec(), crlf(case.raw)] {
            let summary = summarize(&raw);
            check_invariants(&raw, &summary);
            // FETCH ENVELOPE decodes the stored form's envelope alone: the same envelope.
            let stored = summary.to_stored().unwrap();
            assert_eq!(Summary::envelope_from_stored(&stored).envelope, summary.envelope, "{}", case.name);
            assert_eq!(Summary::from_stored(&stored), summary, "{}", case.name);
            let ends = if raw.contains(&b'\r') { "CRLF" } else { "LF" };
            for &(path, kind, header, body) in case.parts {
                let part = summary.structure.section(path).unwrap_or_else(|| panic!("{}: {path:?}", case.name));
                let what = format!("{} ({ends}) part {path:?}", case.name);
                assert_eq!(format!("{}/{}", part.content_type, part.content_subtype), kind, "{what}");
                let (header, body) = if ends == "CRLF" {
                    (crlf(header.as_bytes()), crlf(body.as_bytes()))
                } else {
                    (header.as_bytes().to_vec(), body.as_bytes().to_vec())
                };
                assert_eq!(
                    String::from_utf8_lossy(mime_header(&summary, part, &raw)),
                    String::from_utf8_lossy(&header),
                    "{what}"
                );
                assert_eq!(String::from_utf8_lossy(part.body_bytes(&raw)), String::from_utf8_lossy(&body), "{what}");
            }
            (case.check)(&summary, &raw);
        }
    }
}

/// The JSON is stored in the database: these names and shapes are a format, not a detail.
#[test]
fn stored_format_is_stable() {
    let a = EnvAddress {
        name: Some("N".into()),
        adl: Some("@r".into()),
        mailbox: Some("m".into()),
        host: Some("h".into()),
    };
    let envelope = Envelope {
        date: Some("d".into()),
        subject: Some("s".into()),
        from: vec![a.clone()],
        sender: vec![a.clone()],
        reply_to: vec![a.clone()],
        to: vec![a.clone()],
        cc: vec![a.clone()],
        bcc: vec![a.clone()],
        in_reply_to: Some("<i>".into()),
        message_id: Some("<m>".into()),
    };
    let leaf = Part {
        content_type: "text".into(),
        content_subtype: "plain".into(),
        params: vec![("charset".into(), "utf-8".into())],
        id: Some("<c>".into()),
        description: Some("desc".into()),
        encoding: "BASE64".into(),
        size: 4,
        lines: Some(1),
        md5: Some("md5".into()),
        disposition: Some(("inline".into(), vec![("filename".into(), "f".into())])),
        language: vec!["en".into()],
        location: Some("loc".into()),
        header_start: 1,
        body_start: 2,
        body_end: 6,
        parts: Vec::new(),
        message: None,
    };
    let message = Part {
        content_type: "message".into(),
        message: Some(Box::new((envelope.clone(), leaf.clone()))),
        ..Part::default()
    };
    let summary = Summary {
        size: 10,
        header_size: 3,
        envelope,
        structure: Part { content_type: "multipart".into(), parts: vec![leaf, message], ..Part::default() },
        preview: "p".into(),
        has_attachment: true,
        message_id: Some("m".into()),
        in_reply_to: vec!["i".into()],
        references: vec!["r".into()],
        subject: Some("s".into()),
        base_subject: "b".into(),
        sent_at: Some(7),
    };
    let address = json!({"name": "N", "adl": "@r", "mailbox": "m", "host": "h"});
    let envelope = json!({
        "date": "d", "subject": "s", "from": [address], "sender": [address], "reply_to": [address],
        "to": [address], "cc": [address], "bcc": [address], "in_reply_to": "<i>", "message_id": "<m>",
    });
    let leaf = json!({
        "content_type": "text", "content_subtype": "plain", "params": [["charset", "utf-8"]], "id": "<c>",
        "description": "desc", "encoding": "BASE64", "size": 4, "lines": 1, "md5": "md5",
        "disposition": ["inline", [["filename", "f"]]], "language": ["en"], "location": "loc",
        "header_start": 1, "body_start": 2, "body_end": 6,
    });
    let empty =
        json!({"content_subtype": "", "encoding": "", "size": 0, "header_start": 0, "body_start": 0, "body_end": 0});
    let mut message = empty.clone();
    message["content_type"] = json!("message");
    message["message"] = json!([envelope, leaf]);
    let mut structure = empty;
    structure["content_type"] = json!("multipart");
    structure["parts"] = json!([leaf, message]);
    let stored = json!({
        "size": 10, "header_size": 3, "envelope": envelope, "structure": structure, "preview": "p",
        "has_attachment": true, "message_id": "m", "in_reply_to": ["i"], "references": ["r"], "subject": "s",
        "base_subject": "b", "sent_at": 7,
    });
    assert_eq!(serde_json::to_value(&summary).expect("serializes"), stored);
    assert_eq!(serde_json::from_value::<Summary>(stored).expect("loads"), summary);
    // A row written before a field existed still loads.
    let old: Summary = serde_json::from_str(r#"{"size": 3, "structure": {"content_type": "text"}}"#).expect("loads");
    assert_eq!((old.size, old.structure.content_type.as_str()), (3, "text"));
}

#[test]
fn deep_nesting_is_capped_and_still_loads() {
    let mut raw = Vec::new();
    for i in 0..300 {
        raw.extend_from_slice(format!("Content-Type: multipart/mixed; boundary=b{i}x\n\n--b{i}x\n").as_bytes());
    }
    raw.extend_from_slice(b"Content-Type: text/plain\n\ndeep\n");
    let summary = summarize(&raw);
    check_invariants(&raw, &summary);
    let mut depth = 0;
    let mut part = &summary.structure;
    while let Some(child) = part.parts.first() {
        depth += 1;
        part = child;
    }
    assert!(depth <= MAX_DEPTH, "{depth}");

    let mut raw = Vec::new();
    for _ in 0..300 {
        raw.extend_from_slice(b"Content-Type: message/rfc822\n\n");
    }
    let summary = summarize(&raw);
    check_invariants(&raw, &summary);
}

#[test]
fn body_text_is_capped() {
    let mut raw = b"Subject: big\n\n".to_vec();
    for i in 0..300_000 {
        raw.extend_from_slice(format!("w\u{e9}{i} ").as_bytes());
    }
    let summary = summarize(&raw);
    let text = body_text(&raw, &summary);
    assert!(text.len() <= MAX_SEARCH_TEXT && text.len() > MAX_SEARCH_TEXT - 16, "{}", text.len());
}

/// xorshift64*: reproducible without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

/// One random edit of the kinds that break MIME: bytes, boundaries, cuts, repeats, line ends.
fn mutate(rng: &mut Rng, raw: &mut Vec<u8>) {
    const PIECES: &[&[u8]] = &[
        b"--",
        b"\n--b1\n",
        b"\n--b1--\n",
        b"--XX--",
        b"\r\n\r\n",
        b"\n",
        b"\r",
        b":",
        b"=?utf-8?q?",
        b"?=",
        b"Content-Type: multipart/mixed; boundary=b1\n",
        b"Content-Type: message/rfc822\n\n",
        b"\"",
        b"(",
        b"<",
        b"Content-Transfer-Encoding: base64\n",
        b"=\n",
        b"\xff\xfe",
        b"*0*=utf-8''%",
    ];
    let at = rng.below(raw.len() + 1);
    match rng.below(6) {
        0 => raw.insert(at, rng.next() as u8),
        1 => {
            let piece = PIECES[rng.below(PIECES.len())];
            raw.splice(at..at, piece.iter().copied());
        }
        2 => raw.truncate(at),
        3 => {
            let end = (at + rng.below(64)).min(raw.len());
            raw.drain(at..end);
        }
        4 => {
            let end = (at + rng.below(256)).min(raw.len());
            let copy = raw[at..end].to_vec();
            let to = rng.below(raw.len() + 1);
            raw.splice(to..to, copy);
        }
        _ => {
            if let Some(b) = raw.get_mut(at) {
                *b ^= 1 << rng.below(8);
            }
        }
    }
}

/// Summarizes one input and checks everything a caller may rely on.
fn exercise(raw: &[u8], path: &[u32]) {
    let summary = summarize(raw);
    check_invariants(raw, &summary);
    let _ = index(raw, &summary);
    if let Some(part) = summary.structure.section(path) {
        let _ = part.decoded_body(raw);
    }
}

/// Mutated seeds and random bytes. `SUMMARY_FUZZ_ROUNDS` and `SUMMARY_FUZZ_SEED` run it longer
/// or elsewhere; a failure prints the input.
#[test]
fn never_panics_on_mutated_or_random_input() {
    let env = |name: &str, default: u64| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let seeds: Vec<&[u8]> = CASES.iter().map(|c| c.raw).collect();
    let mut rng = Rng(env("SUMMARY_FUZZ_SEED", 0x9e37_79b9_7f4a_7c15) | 1);
    for round in 0..env("SUMMARY_FUZZ_ROUNDS", 1000) {
        let mut raw = if round % 10 == 9 {
            (0..rng.below(2048)).map(|_| rng.next() as u8).collect()
        } else {
            seeds[rng.below(seeds.len())].to_vec()
        };
        for _ in 0..=rng.below(12) {
            mutate(&mut rng, &mut raw);
        }
        let path: Vec<u32> = (0..rng.below(4)).map(|_| rng.below(4) as u32).collect();
        if std::panic::catch_unwind(|| exercise(&raw, &path)).is_err() {
            panic!("round {round}, section {path:?}, input {:?}", raw.escape_ascii().to_string());
        }
    }
}
