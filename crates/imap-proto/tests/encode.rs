//! Encoder snapshots: the exact bytes of status responses, response codes, untagged data and
//! continuations, and the string rules (atom, quoted, literal; modified UTF-7 or UTF-8 names).

mod common;

use common::*;
use relais_imap_proto::*;

fn ok(t: &str, code: Code, text: &str) -> StatusResponse {
    StatusResponse::ok(&tag(t), text).with_code(code)
}

#[test]
fn status_responses() {
    let cases: Vec<(StatusResponse, &str)> = vec![
        (StatusResponse::ok(&tag("A1"), "NOOP completed"), "A1 OK NOOP completed\r\n"),
        (
            StatusResponse::no(&tag("A2"), "no such mailbox").with_code(Code::TryCreate),
            "A2 NO [TRYCREATE] no such mailbox\r\n",
        ),
        (StatusResponse::bad(&tag("A3"), "what?"), "A3 BAD what?\r\n"),
        (StatusResponse::bye("Relais logging out"), "* BYE Relais logging out\r\n"),
        (StatusResponse::untagged(Status::PreAuth, "welcome"), "* PREAUTH welcome\r\n"),
        // BYE and PREAUTH are never tagged.
        (StatusResponse::new(Some(tag("A4")), Status::Bye, "x"), "* BYE x\r\n"),
        (StatusResponse::untagged(Status::Ok, "").with_code(Code::Closed), "* OK [CLOSED] completed\r\n"),
        (StatusResponse::ok(&tag("A5"), "line\r\nbreak"), "A5 OK line  break\r\n"),
        (StatusResponse::ok(&tag("A6"), "größe"), "A6 OK gr??e\r\n"),
        (StatusResponse::ok(&tag("A7"), "[not a code]"), "A7 OK  [not a code]\r\n"),
        (
            StatusResponse::untagged(Status::Ok, "Relais ready").with_code(Code::Capability(vec![
                s("IMAP4rev2"),
                s("IMAP4rev1"),
                s("AUTH=PLAIN"),
                s("LITERAL+"),
            ])),
            "* OK [CAPABILITY IMAP4rev2 IMAP4rev1 AUTH=PLAIN LITERAL+] Relais ready\r\n",
        ),
    ];
    for (response, expected) in cases {
        assert_eq!(bytes(&response), expected);
    }
    assert_eq!(bytes_utf8(&StatusResponse::ok(&tag("A6"), "größe")), "A6 OK größe\r\n");
}

#[test]
fn response_codes() {
    let seq = |x: &str| set(x);
    let cases: Vec<(Code, &str)> = vec![
        (Code::Alert, "ALERT"),
        (Code::BadCharset(vec![]), "BADCHARSET"),
        (Code::BadCharset(vec![s("US-ASCII"), s("UTF-8")]), "BADCHARSET (US-ASCII UTF-8)"),
        (Code::Parse, "PARSE"),
        (
            Code::PermanentFlags {
                flags: vec![Flag::Deleted, Flag::Seen, Flag::Keyword(s("$Forwarded"))],
                any_keyword: true,
            },
            "PERMANENTFLAGS (\\Deleted \\Seen $Forwarded \\*)",
        ),
        (Code::PermanentFlags { flags: vec![], any_keyword: true }, "PERMANENTFLAGS (\\*)"),
        (Code::PermanentFlags { flags: vec![], any_keyword: false }, "PERMANENTFLAGS ()"),
        (Code::ReadOnly, "READ-ONLY"),
        (Code::ReadWrite, "READ-WRITE"),
        (Code::TryCreate, "TRYCREATE"),
        (Code::UidNext(4392), "UIDNEXT 4392"),
        (Code::UidValidity(3857529045), "UIDVALIDITY 3857529045"),
        (Code::Unseen(12), "UNSEEN 12"),
        (Code::AppendUid { uid_validity: 38505, uids: seq("3955") }, "APPENDUID 38505 3955"),
        (
            Code::AppendUid { uid_validity: 38505, uids: SequenceSet::from_numbers([3955, 3956, 3957]) },
            "APPENDUID 38505 3955:3957",
        ),
        (
            Code::CopyUid { uid_validity: 38505, source: seq("304,319:320"), destination: seq("3956:3958") },
            "COPYUID 38505 304,319:320 3956:3958",
        ),
        (Code::UidNotSticky, "UIDNOTSTICKY"),
        (Code::HighestModseq(715194045007), "HIGHESTMODSEQ 715194045007"),
        (Code::NoModseq, "NOMODSEQ"),
        (Code::Modified(seq("7,9")), "MODIFIED 7,9"),
        (Code::Closed, "CLOSED"),
        (Code::TooBig, "TOOBIG"),
        (Code::OverQuota, "OVERQUOTA"),
        (Code::Nonexistent, "NONEXISTENT"),
        (Code::AlreadyExists, "ALREADYEXISTS"),
        (Code::Cannot, "CANNOT"),
        (Code::Limit, "LIMIT"),
        (Code::NoPerm, "NOPERM"),
        (Code::InUse, "INUSE"),
        (Code::ExpungeIssued, "EXPUNGEISSUED"),
        (Code::AuthenticationFailed, "AUTHENTICATIONFAILED"),
        (Code::AuthorizationFailed, "AUTHORIZATIONFAILED"),
        (Code::Expired, "EXPIRED"),
        (Code::PrivacyRequired, "PRIVACYREQUIRED"),
        (Code::ContactAdmin, "CONTACTADMIN"),
        (Code::Unavailable, "UNAVAILABLE"),
        (Code::ServerBug, "SERVERBUG"),
        (Code::ClientBug, "CLIENTBUG"),
        (Code::Corruption, "CORRUPTION"),
        (Code::HasChildren, "HASCHILDREN"),
        (Code::UseAttr, "USEATTR"),
        (Code::NotSaved, "NOTSAVED"),
        (Code::CompressionActive, "COMPRESSIONACTIVE"),
        (Code::UnknownCte, "UNKNOWN-CTE"),
        (Code::MailboxId(s("F2212ea87-6097-4256-9d51-71338625")), "MAILBOXID (F2212ea87-6097-4256-9d51-71338625)"),
        (Code::Other { name: s("X-FOO"), text: Some(s("a ] b")) }, "X-FOO a   b"),
        (Code::Other { name: s("X-BAR"), text: None }, "X-BAR"),
    ];
    for (code, expected) in cases {
        assert_eq!(bytes(&ok("T", code, "done")), format!("T OK [{expected}] done\r\n"));
    }
}

#[test]
fn untagged_data() {
    let list = |attributes, delimiter, name: &str, extended| {
        Data::List(ListItem { attributes, delimiter, mailbox: mb(name), extended })
    };
    use MailboxAttribute as A;
    let cases: Vec<(Data, &str)> = vec![
        (Data::Capability(vec![s("IMAP4rev2"), s("IDLE")]), "* CAPABILITY IMAP4rev2 IDLE\r\n"),
        (Data::Enabled(vec![s("CONDSTORE")]), "* ENABLED CONDSTORE\r\n"),
        (Data::Enabled(vec![]), "* ENABLED\r\n"),
        (list(vec![A::HasNoChildren], Some('/'), "INBOX", vec![]), "* LIST (\\HasNoChildren) \"/\" INBOX\r\n"),
        (
            list(vec![A::Drafts, A::HasNoChildren], Some('/'), "Entwürfe", vec![]),
            "* LIST (\\Drafts \\HasNoChildren) \"/\" Entw&APw-rfe\r\n",
        ),
        (list(vec![], None, "Sent Items", vec![]), "* LIST () NIL \"Sent Items\"\r\n"),
        (list(vec![A::NoSelect], Some('\\'), "a%b", vec![]), "* LIST (\\Noselect) \"\\\\\" \"a%b\"\r\n"),
        (list(vec![], Some('/'), "NIL", vec![]), "* LIST () \"/\" \"NIL\"\r\n"),
        (
            list(vec![A::NonExistent], Some('/'), "Foo", vec![ListExtendedItem::ChildInfo(vec![s("SUBSCRIBED")])]),
            "* LIST (\\NonExistent) \"/\" Foo (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n",
        ),
        (
            list(vec![], Some('/'), "New", vec![ListExtendedItem::OldName(mb("Old"))]),
            "* LIST () \"/\" New (\"OLDNAME\" (Old))\r\n",
        ),
        (
            Data::Lsub(ListItem {
                attributes: vec![],
                delimiter: Some('.'),
                mailbox: mb("#news.comp"),
                extended: vec![],
            }),
            "* LSUB () \".\" #news.comp\r\n",
        ),
        (
            Data::Status {
                mailbox: mb("blurdybloop"),
                values: vec![
                    StatusValue::Messages(231),
                    StatusValue::UidNext(44292),
                    StatusValue::UidValidity(1),
                    StatusValue::Unseen(0),
                    StatusValue::Deleted(2),
                    StatusValue::Recent(1),
                    StatusValue::Size(123456789012),
                    StatusValue::HighestModseq(7011231777),
                    StatusValue::AppendLimit(None),
                    StatusValue::AppendLimit(Some(10)),
                    StatusValue::MailboxId(s("F1")),
                    StatusValue::DeletedStorage(4),
                ],
            },
            "* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292 UIDVALIDITY 1 UNSEEN 0 DELETED 2 RECENT 1 SIZE 123456789012 HIGHESTMODSEQ 7011231777 APPENDLIMIT NIL APPENDLIMIT 10 MAILBOXID (F1) DELETED-STORAGE 4)\r\n",
        ),
        (Data::Search { ids: vec![2, 3, 6], modseq: None }, "* SEARCH 2 3 6\r\n"),
        (Data::Search { ids: vec![], modseq: None }, "* SEARCH\r\n"),
        (Data::Search { ids: vec![2, 5, 6], modseq: Some(917162500) }, "* SEARCH 2 5 6 (MODSEQ 917162500)\r\n"),
        (
            Data::Esearch(Esearch {
                tag: Some(tag("A282")),
                uid: true,
                min: Some(2),
                max: Some(11),
                all: Some(set("2,10:11")),
                count: Some(3),
                modseq: Some(5),
            }),
            "* ESEARCH (TAG \"A282\") UID MIN 2 MAX 11 ALL 2,10:11 COUNT 3 MODSEQ 5\r\n",
        ),
        (
            Data::Esearch(Esearch {
                tag: Some(tag("A283")),
                count: Some(0),
                all: Some(SequenceSet::from_numbers([])),
                ..Esearch::default()
            }),
            "* ESEARCH (TAG \"A283\") COUNT 0\r\n",
        ),
        (Data::Sort { ids: vec![5, 3, 4], modseq: None }, "* SORT 5 3 4\r\n"),
        (
            Data::Thread(vec![
                Thread { ids: vec![2], children: vec![] },
                Thread {
                    ids: vec![3, 6],
                    children: vec![
                        Thread { ids: vec![4, 23], children: vec![] },
                        Thread { ids: vec![44, 7, 96], children: vec![] },
                    ],
                },
            ]),
            "* THREAD (2)(3 6 (4 23)(44 7 96))\r\n",
        ),
        (
            // A single branch continues the chain; a missing parent has only branches.
            Data::Thread(vec![
                Thread { ids: vec![1], children: vec![Thread { ids: vec![2], children: vec![] }] },
                Thread {
                    ids: vec![],
                    children: vec![
                        Thread { ids: vec![3], children: vec![] },
                        Thread { ids: vec![4], children: vec![] },
                    ],
                },
            ]),
            "* THREAD (1 2)((3)(4))\r\n",
        ),
        (Data::Thread(vec![]), "* THREAD\r\n"),
        (
            Data::Flags(vec![
                Flag::Answered,
                Flag::Flagged,
                Flag::Deleted,
                Flag::Seen,
                Flag::Draft,
                Flag::Keyword(s("$Junk")),
            ]),
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Junk)\r\n",
        ),
        (Data::Exists(23), "* 23 EXISTS\r\n"),
        (Data::Recent(5), "* 5 RECENT\r\n"),
        (Data::Expunge(44), "* 44 EXPUNGE\r\n"),
        (Data::Vanished { earlier: true, uids: set("41,43:116,118") }, "* VANISHED (EARLIER) 41,43:116,118\r\n"),
        (Data::Vanished { earlier: false, uids: set("405,407") }, "* VANISHED 405,407\r\n"),
        (
            Data::Namespace(Namespaces {
                personal: vec![Namespace { prefix: s(""), delimiter: Some('/') }],
                other_users: vec![Namespace { prefix: s("~"), delimiter: Some('/') }],
                shared: vec![],
            }),
            "* NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) NIL\r\n",
        ),
        (Data::Namespace(Namespaces::default()), "* NAMESPACE NIL NIL NIL\r\n"),
        (
            Data::Id(Some(vec![(s("name"), Some(s("Relais"))), (s("support-url"), None)])),
            "* ID (\"name\" \"Relais\" \"support-url\" NIL)\r\n",
        ),
        (Data::Id(None), "* ID NIL\r\n"),
        (
            Data::Quota {
                root: s(""),
                resources: vec![QuotaResource { resource: s("STORAGE"), usage: 10, limit: 512 }],
            },
            "* QUOTA \"\" (STORAGE 10 512)\r\n",
        ),
        (Data::QuotaRoot { mailbox: mb("INBOX"), roots: vec![s("")] }, "* QUOTAROOT INBOX \"\"\r\n"),
        (
            Data::Acl { mailbox: mb("INBOX"), entries: vec![(s("Fred"), s("rwipsldexta")), (s("-anyone"), s("w"))] },
            "* ACL INBOX Fred rwipsldexta -anyone w\r\n",
        ),
        (
            Data::ListRights {
                mailbox: mb("archive"),
                identifier: s("smith"),
                required: s(""),
                optional: vec![s("lr"), s("w")],
            },
            "* LISTRIGHTS archive smith \"\" lr w\r\n",
        ),
        (Data::MyRights { mailbox: mb("INBOX"), rights: s("rwiptsldaex") }, "* MYRIGHTS INBOX rwiptsldaex\r\n"),
    ];
    for (data, expected) in cases {
        assert_eq!(bytes(&data), expected);
    }
    // With UTF-8 enabled, names are UTF-8: quoted, since atoms are 7-bit.
    let item = ListItem { attributes: vec![], delimiter: Some('/'), mailbox: mb("Entwürfe"), extended: vec![] };
    assert_eq!(bytes_utf8(&Data::List(item)), "* LIST () \"/\" \"Entwürfe\"\r\n");
}

#[test]
fn continuations() {
    assert_eq!(bytes(&Continuation::Text(s("Ready for literal"))), "+ Ready for literal\r\n");
    assert_eq!(bytes(&Continuation::Base64(vec![])), "+ \r\n");
    assert_eq!(bytes(&Continuation::Base64(b"\0fred".to_vec())), "+ AGZyZWQ=\r\n");
    let r: Response = Continuation::Text(s("idling")).into();
    assert_eq!(r.to_bytes(Dialect::default()), b"+ idling\r\n");
}

#[test]
fn strings() {
    let write = |f: &dyn Fn(&mut Writer<'_>), dialect| {
        let mut out = Vec::new();
        f(&mut Writer::new(&mut out, dialect));
        String::from_utf8_lossy(&out).into_owned()
    };
    let plain = Dialect::default();
    let cases: Vec<(&[u8], &str, &str)> = vec![
        // (value, as astring, as string)
        (b"INBOX", "INBOX", "\"INBOX\""),
        (b"a]b", "a]b", "\"a]b\""),
        (b"", "\"\"", "\"\""),
        (b"nil", "\"nil\"", "\"nil\""),
        (b"a b", "\"a b\"", "\"a b\""),
        (b"a\"b\\c", "\"a\\\"b\\\\c\"", "\"a\\\"b\\\\c\""),
        (b"a*%(", "\"a*%(\"", "\"a*%(\""),
        (b"a\r\nb", "{4}\r\na\r\nb", "{4}\r\na\r\nb"),
        // CHAR8 has no NUL (RFC 9051 §9): it goes out as 0x80, shown lossily here.
        (b"a\0b", "{3}\r\na\u{fffd}b", "{3}\r\na\u{fffd}b"),
        ("é".as_bytes(), "{2}\r\né", "{2}\r\né"),
    ];
    for (value, astring, string) in cases {
        assert_eq!(write(&|w| w.astring(value), plain), astring);
        assert_eq!(write(&|w| w.string(value), plain), string);
    }
    assert_eq!(write(&|w| w.string("é".as_bytes()), Dialect::UTF8), "\"é\"");
    assert_eq!(write(&|w| w.string(b"\xff"), Dialect::UTF8), "{1}\r\n\u{fffd}");
    assert_eq!(write(&|w| w.nstring(None), plain), "NIL");
    assert_eq!(write(&|w| w.atom("not an atom"), plain), "\"not an atom\"");
    assert_eq!(write(&|w| w.binary(b"a\0"), plain), "~{2}\r\na\0");
    let mut raw = Vec::new();
    Writer::new(&mut raw, plain).literal(b"a\0b");
    assert_eq!(raw, b"{3}\r\na\x80b", "a {{n}} literal never carries NUL");
    assert_eq!(write(&|w| w.binary(b"ab"), plain), "{2}\r\nab");
    assert_eq!(write(&|w| w.mailbox(&mb("~peter/mail/台北")), plain), "~peter/mail/&U,BTFw-");
    assert_eq!(write(&|w| w.mailbox(&mb("Tom & Jerry")), plain), "\"Tom &- Jerry\"");
    assert_eq!(write(&|w| w.mailbox(&mb("inbox")), plain), "INBOX");
    assert_eq!(write(&|w| w.mailbox(&mb("Tom & Jerry")), Dialect::UTF8), "\"Tom & Jerry\"");
}
