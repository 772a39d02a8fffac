//! Bad input: every case is refused with the tag when it could be read, the error kind the
//! session needs, and the response bytes it sends.

mod common;

use common::*;
use relais_imap_proto::*;

/// (input, tag, what the error must be).
type Case = (Vec<u8>, Option<&'static str>, fn(&ErrorKind) -> bool);

fn table() -> Vec<Case> {
    use ErrorKind::*;
    let syntax: fn(&ErrorKind) -> bool = |k| matches!(k, Syntax(_));
    let bad_set: fn(&ErrorKind) -> bool = |k| matches!(k, InvalidSequenceSet);
    let deep_not = format!("A1 SEARCH {}ALL\r\n", "NOT ".repeat(100));
    let deep_paren = format!("A1 SEARCH {}ALL{}\r\n", "(".repeat(100), ")".repeat(100));
    let deep_or = format!("A1 SEARCH {}ALL{}\r\n", "OR ALL ".repeat(100), "");
    vec![
        (b"A1 FOO\r\n".to_vec(), Some("A1"), |k| matches!(k, UnknownCommand(n) if n == "FOO")),
        (b"A1 UID FOO 1\r\n".to_vec(), Some("A1"), |k| matches!(k, UnknownCommand(n) if n == "UID FOO")),
        (b"A1 SEARCH (FROM a\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 SEARCH FROM a)\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 SEARCH ()\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 SEARCH\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 SEARCH FROM\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 SEARCH BEFORE 30-Feb-2024\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 SEARCH XYZZY\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 SEARCH KEYWORD \\Seen\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 SEARCH MODSEQ \"/flags/x\" bogus 5\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 SEARCH RETURN (PARTIAL 1:5) ALL\r\n".to_vec(), Some("A1"), syntax),
        (deep_not.into_bytes(), Some("A1"), |k| matches!(k, TooDeep)),
        (deep_paren.into_bytes(), Some("A1"), |k| matches!(k, TooDeep)),
        (deep_or.into_bytes(), Some("A1"), |k| matches!(k, TooDeep)),
        (b"A1 SEARCH CHARSET KOI8-R ALL\r\n".to_vec(), Some("A1"), |k| matches!(k, BadCharset(c) if c == "KOI8-R")),
        (b"A1 SORT (DATE) KOI8-R ALL\r\n".to_vec(), Some("A1"), |k| matches!(k, BadCharset(_))),
        (b"A1 SORT (BOGUS) UTF-8 ALL\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 SORT () UTF-8 ALL\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 THREAD REFERENCES ALL\r\n".to_vec(), Some("A1"), |k| matches!(k, BadCharset(c) if c == "ALL")),
        // Sequence sets (RFC 9051 §9).
        (b"A1 FETCH 0 FLAGS\r\n".to_vec(), Some("A1"), bad_set),
        (b"A1 FETCH 1:*:3 FLAGS\r\n".to_vec(), Some("A1"), bad_set),
        (b"A1 FETCH 1,,2 FLAGS\r\n".to_vec(), Some("A1"), bad_set),
        (b"A1 FETCH 4294967296 FLAGS\r\n".to_vec(), Some("A1"), bad_set),
        (b"A1 FETCH 1,$ FLAGS\r\n".to_vec(), Some("A1"), bad_set),
        (b"A1 FETCH 1a FLAGS\r\n".to_vec(), Some("A1"), bad_set),
        (b"A1 COPY : x\r\n".to_vec(), Some("A1"), bad_set),
        // FETCH.
        (b"A1 FETCH 1 (FLAGS\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 FETCH 1 FLAGS)\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 FETCH 1 ()\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 FETCH 1 (ALL)\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 FETCH 1 BODY[MIME]\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 FETCH 1 BODY[0]\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 FETCH 1 BODY[1.]\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 FETCH 1 BODY[1HEADER]\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 FETCH 1 BODY[1.2.BOGUS]\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 FETCH 1 BINARY[1.]\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 FETCH 1 BODY[]<0.0>\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 FETCH 1 BODY[HEADER.FIELDS ()]\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 FETCH 1 BODY.PEEK\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 FETCH 1 BINARY[TEXT]\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 FETCH 1 FLAGS (VANISHED)\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 UID FETCH 1 FLAGS (VANISHED)\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 FETCH 1 FLAGS (CHANGEDSINCE 0)\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 FETCH 1 XYZ\r\n".to_vec(), Some("A1"), syntax),
        // STORE, APPEND, SELECT, LIST, STATUS.
        (b"A1 STORE 1 FLAGS (\\*)\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 STORE 1 LABELS (x)\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 STORE 1 (FOO 1) FLAGS (x)\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 APPEND INBOX \"hello\"\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 APPEND INBOX\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 APPEND INBOX \"31-Feb-2024 00:00:00 +0000\" {1}\r\nx\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 SELECT INBOX (QRESYNC (0 1))\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 SELECT INBOX (FOO)\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 SELECT INBOX ()\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 LIST (RECURSIVEMATCH) \"\" *\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 LIST (BOGUS) \"\" *\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 LIST \"\" * RETURN (BOGUS)\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 LIST \"\"\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 STATUS INBOX ()\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 STATUS INBOX (MESSAGES BOGUS)\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 CREATE x (USE (Drafts))\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 AUTHENTICATE PLAIN AGZy!\r\n".to_vec(), Some("A1"), syntax),
        // Strings and names.
        (b"A1 LOGIN \"a\\nb\" c\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 LOGIN \"abc\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 LOGIN fred \xff\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 LOGIN fred {3}\r\na\0b\r\n".to_vec(), Some("A1"), syntax),
        ("A1 SELECT \"Entwürfe\"\r\n".as_bytes().to_vec(), Some("A1"), |k| matches!(k, Utf8NotEnabled)),
        (b"A1 SELECT {2}\r\n\xff\xfe\r\n".to_vec(), Some("A1"), |k| matches!(k, InvalidUtf8)),
        (b"A1 CREATE {3}\r\na\tb\r\n".to_vec(), Some("A1"), |k| matches!(k, InvalidMailboxName)),
        // Framing of the command itself.
        (b"A1 NOOP extra\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 NOOP \r\n".to_vec(), Some("A1"), syntax),
        (b"A1  NOOP\r\n".to_vec(), Some("A1"), syntax),
        (b"A1\r\n".to_vec(), Some("A1"), syntax),
        (b"A1 \r\n".to_vec(), Some("A1"), syntax),
        (b"* NOOP\r\n".to_vec(), None, syntax),
        (b"+ NOOP\r\n".to_vec(), None, syntax),
        (b"A{1 NOOP\r\n".to_vec(), None, syntax),
        (b"\xff\xfe NOOP\r\n".to_vec(), None, syntax),
        (b" A1 NOOP\r\n".to_vec(), None, syntax),
        (b"DONE\r\n".to_vec(), Some("DONE"), syntax),
    ]
}

#[test]
fn refused() {
    for (input, tag, kind) in table() {
        let got = parse(&input);
        let shown = String::from_utf8_lossy(&input);
        let err = got.expect_err(&shown);
        assert_eq!(err.tag.as_ref().map(Tag::as_str), tag, "{shown}");
        assert!(kind(&err.kind), "{shown}: {:?}", err.kind);
    }
}

/// RFC 3501 §5.1.3 (issue 12 item 4): a well-formed string that is not modified UTF-7 is not a
/// syntax error (BAD); it parses as a name that names no mailbox (the server answers NO), and as
/// a LIST pattern that lists nothing.
#[test]
fn names_that_are_not_modified_utf7() {
    for input in [&b"A1 SELECT \"a&b\"\r\n"[..], b"A1 SELECT &AGE-\r\n", b"A1 RENAME x \"foo&bar\"\r\n"] {
        let shown = String::from_utf8_lossy(input);
        let command = parse(input).unwrap_or_else(|e| panic!("{shown}: {e:?}"));
        assert!(command.body.names_undecodable_mailbox(), "{shown}");
    }
    assert!(!parse(b"A1 SELECT \"a&-b\"\r\n").unwrap().body.names_undecodable_mailbox());
    match parse(b"A1 LIST \"\" \"foo&bar\"\r\n").unwrap().body {
        CommandBody::List(l) => assert!(l.patterns.iter().all(|p| p.contains('\0')), "{:?}", l.patterns),
        other => panic!("{other:?}"),
    }
}

#[test]
fn error_responses() {
    let cases: Vec<(&[u8], &str)> = vec![
        (b"A1 FOO\r\n", "A1 BAD unknown command FOO\r\n"),
        (b"* NOOP\r\n", "* BAD expected a tag\r\n"),
        (
            b"A1 SEARCH CHARSET KOI8-R ALL\r\n",
            "A1 NO [BADCHARSET (US-ASCII UTF-8 ISO-8859-1)] charset KOI8-R is not supported\r\n",
        ),
        (
            "A1 SELECT \"é\"\r\n".as_bytes(),
            "A1 BAD [CLIENTBUG] 8-bit characters in a quoted string need ENABLE UTF8=ACCEPT; send a literal\r\n",
        ),
        (b"A1 FETCH 0 FLAGS\r\n", "A1 BAD invalid sequence set\r\n"),
    ];
    for (input, expected) in cases {
        let err = parse(input).unwrap_err();
        assert_eq!(bytes(&err.response()), expected);
    }
}
