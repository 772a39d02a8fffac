//! Parser table: every command the server understands, as clients send them, with the typed
//! command expected. Errors are in `parse_errors.rs`, framing in `receiver.rs`.

mod common;

use common::*;
use relais_imap_proto::*;

fn table() -> Vec<(&'static [u8], Command)> {
    use CommandBody::*;
    vec![
        // RFC 9051 §6.1, §6.2
        (b"A1 CAPABILITY\r\n", cmd("A1", Capability)),
        (b"a2 noop\r\n", cmd("a2", Noop)),
        (b"A3 LOGOUT\r\n", cmd("A3", Logout)),
        (b"A4 STARTTLS\r\n", cmd("A4", StartTls)),
        (b"A5 AUTHENTICATE plain\r\n", cmd("A5", Authenticate { mechanism: s("PLAIN"), initial_response: None })),
        (
            b"A6 AUTHENTICATE PLAIN AGZyZWQAc2VjcmV0\r\n",
            cmd("A6", Authenticate { mechanism: s("PLAIN"), initial_response: Some(b"\0fred\0secret".to_vec()) }),
        ),
        (b"A7 AUTHENTICATE EXTERNAL =\r\n", cmd("A7", Authenticate { mechanism: s("EXTERNAL"), initial_response: Some(vec![]) })),
        (b"A8 LOGIN fred \"pass \\\"word\\\\\"\r\n", cmd("A8", Login { username: s("fred"), password: s("pass \"word\\") })),
        (b"A9 LOGIN {4}\r\nfred {6+}\r\nsecret\r\n", cmd("A9", Login { username: s("fred"), password: s("secret") })),
        (b"A10 login \"\" x]y\r\n", cmd("A10", Login { username: s(""), password: s("x]y") })),
        // RFC 5161, RFC 9051 §6.3
        (b"B1 ENABLE UTF8=ACCEPT condstore QRESYNC\r\n", cmd("B1", Enable(vec![s("UTF8=ACCEPT"), s("CONDSTORE"), s("QRESYNC")]))),
        (b"B2 SELECT INBOX\r\n", cmd("B2", Select { mailbox: mb("INBOX"), params: SelectParams::default() })),
        (b"B3 select inbox\r\n", cmd("B3", Select { mailbox: mb("INBOX"), params: SelectParams::default() })),
        (b"B4 EXAMINE \"Sent Items\"\r\n", cmd("B4", Examine { mailbox: mb("Sent Items"), params: SelectParams::default() })),
        (
            b"B5 SELECT INBOX (CONDSTORE)\r\n",
            cmd("B5", Select { mailbox: mb("INBOX"), params: SelectParams { condstore: true, qresync: None } }),
        ),
        (
            b"B6 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))\r\n",
            cmd(
                "B6",
                Select {
                    mailbox: mb("INBOX"),
                    params: SelectParams {
                        condstore: false,
                        qresync: Some(QresyncParams {
                            uid_validity: 67890007,
                            modseq: 20050715194045000,
                            known_uids: Some(set("41,43:211,214:541")),
                            seq_match: None,
                        }),
                    },
                },
            ),
        ),
        (
            b"B7 EXAMINE INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000 15000,22500,27000)))\r\n",
            cmd(
                "B7",
                Examine {
                    mailbox: mb("INBOX"),
                    params: SelectParams {
                        condstore: false,
                        qresync: Some(QresyncParams {
                            uid_validity: 67890007,
                            modseq: 90060115194045000,
                            known_uids: Some(set("1:29997")),
                            seq_match: Some((set("5000,7500,9000"), set("15000,22500,27000"))),
                        }),
                    },
                },
            ),
        ),
        (
            b"B8 SELECT INBOX (QRESYNC (1 2 (3 4)) CONDSTORE)\r\n",
            cmd(
                "B8",
                Select {
                    mailbox: mb("INBOX"),
                    params: SelectParams {
                        condstore: true,
                        qresync: Some(QresyncParams {
                            uid_validity: 1,
                            modseq: 2,
                            known_uids: None,
                            seq_match: Some((set("3"), set("4"))),
                        }),
                    },
                },
            ),
        ),
        // Mailbox names: modified UTF-7 (RFC 3501 §5.1.3), spaces, literals.
        (
            b"C1 CREATE Drafts (USE (\\Drafts))\r\n",
            cmd("C1", Create { mailbox: mb("Drafts"), special_use: vec![MailboxAttribute::Drafts] }),
        ),
        (b"C2 CREATE \"Entw&APw-rfe\"\r\n", cmd("C2", Create { mailbox: mb("Entwürfe"), special_use: vec![] })),
        (b"C3 DELETE {8}\r\nOld Mail\r\n", cmd("C3", Delete(mb("Old Mail")))),
        (b"C4 RENAME \"old name\" \"new/Tom &- Jerry\"\r\n", cmd("C4", Rename { from: mb("old name"), to: mb("new/Tom & Jerry") })),
        (b"C5 SUBSCRIBE &ZeVnLIqe-\r\n", cmd("C5", Subscribe(mb("日本語")))),
        (b"C6 UNSUBSCRIBE \"a\\\\b\"\r\n", cmd("C6", Unsubscribe(mb("a\\b")))),
        (
            b"C7 CREATE x (USE (\\Sent \\Archive \\X-Custom))\r\n",
            cmd(
                "C7",
                Create {
                    mailbox: mb("x"),
                    special_use: vec![MailboxAttribute::Sent, MailboxAttribute::Archive, MailboxAttribute::Other(s("X-Custom"))],
                },
            ),
        ),
        // LIST: RFC 9051 §6.3.9, RFC 5258, RFC 5819, RFC 6154
        (b"D1 LIST \"\" *\r\n", cmd("D1", List(list("", &["*"], vec![], vec![], false)))),
        (b"D2 LIST \"\" %\r\n", cmd("D2", List(list("", &["%"], vec![], vec![], false)))),
        (b"D3 LIST ~/Mail/ \"%/&U,BTFw-\"\r\n", cmd("D3", List(list("~/Mail/", &["%/台北"], vec![], vec![], false)))),
        (
            b"D4 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (\"INBOX\" Drafts*) RETURN (CHILDREN STATUS (MESSAGES UNSEEN))\r\n",
            cmd(
                "D4",
                List(list(
                    "",
                    &["INBOX", "Drafts*"],
                    vec![ListSelection::Subscribed, ListSelection::RecursiveMatch],
                    vec![ListReturn::Children, ListReturn::Status(vec![StatusItem::Messages, StatusItem::Unseen])],
                    true,
                )),
            ),
        ),
        (
            b"D5 LIST \"\" * RETURN (SPECIAL-USE SUBSCRIBED MYRIGHTS)\r\n",
            cmd(
                "D5",
                List(list("", &["*"], vec![], vec![ListReturn::SpecialUse, ListReturn::Subscribed, ListReturn::MyRights], true)),
            ),
        ),
        (b"D6 LIST (SPECIAL-USE) \"\" *\r\n", cmd("D6", List(list("", &["*"], vec![ListSelection::SpecialUse], vec![], true)))),
        (b"D7 LIST () \"\" %\r\n", cmd("D7", List(list("", &["%"], vec![], vec![], true)))),
        (b"D8 LSUB \"#news.\" \"comp.mail.*\"\r\n", cmd("D8", Lsub { reference: s("#news."), pattern: s("comp.mail.*") })),
        (b"D9 NAMESPACE\r\n", cmd("D9", Namespace)),
        (
            b"E1 STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE RECENT HIGHESTMODSEQ APPENDLIMIT MAILBOXID DELETED-STORAGE)\r\n",
            cmd(
                "E1",
                Status {
                    mailbox: mb("INBOX"),
                    items: vec![
                        StatusItem::Messages,
                        StatusItem::UidNext,
                        StatusItem::UidValidity,
                        StatusItem::Unseen,
                        StatusItem::Deleted,
                        StatusItem::Size,
                        StatusItem::Recent,
                        StatusItem::HighestModseq,
                        StatusItem::AppendLimit,
                        StatusItem::MailboxId,
                        StatusItem::DeletedStorage,
                    ],
                },
            ),
        ),
        // APPEND: RFC 9051 §6.3.12, RFC 3502, RFC 3516, RFC 6855
        (
            b"F1 APPEND INBOX (\\Seen $Forwarded) \"05-Jan-2024 10:00:00 +0100\" {5}\r\nhello\r\n",
            cmd(
                "F1",
                Append {
                    mailbox: mb("INBOX"),
                    messages: vec![AppendMessage {
                        flags: vec![Flag::Seen, Flag::Keyword(s("$Forwarded"))],
                        date: Some(DateTime::new(Date::new(2024, 1, 5).unwrap(), 10, 0, 0, 60).unwrap()),
                        data: b"hello".to_vec(),
                        kind: AppendKind::Literal,
                    }],
                },
            ),
        ),
        (
            b"F2 APPEND Drafts ~{3+}\r\na\0b\r\n",
            cmd("F2", Append { mailbox: mb("Drafts"), messages: vec![message(&[], b"a\0b", AppendKind::Binary)] }),
        ),
        (
            b"F3 APPEND INBOX {1+}\r\na (\\Draft) {2+}\r\nbc \" 1-Feb-2020 00:00:00 -0000\" {0+}\r\n\r\n",
            cmd(
                "F3",
                Append {
                    mailbox: mb("INBOX"),
                    messages: vec![
                        message(&[], b"a", AppendKind::Literal),
                        message(&[Flag::Draft], b"bc", AppendKind::Literal),
                        AppendMessage {
                            date: Some(DateTime::new(Date::new(2020, 2, 1).unwrap(), 0, 0, 0, 0).unwrap()),
                            ..message(&[], b"", AppendKind::Literal)
                        },
                    ],
                },
            ),
        ),
        (
            b"F4 APPEND INBOX () UTF8 (~{2+}\r\nhi)\r\n",
            cmd("F4", Append { mailbox: mb("INBOX"), messages: vec![message(&[], b"hi", AppendKind::Utf8)] }),
        ),
        (
            b"F5 APPEND INBOX {12}\r\nline\r\nline\r\n\r\n",
            cmd("F5", Append { mailbox: mb("INBOX"), messages: vec![message(&[], b"line\r\nline\r\n", AppendKind::Literal)] }),
        ),
        (b"G1 IDLE\r\n", cmd("G1", Idle)),
        (
            b"G2 ID (\"name\" \"Thunderbird\" \"version\" \"115.0\" \"os\" NIL)\r\n",
            cmd(
                "G2",
                Id(Some(vec![(s("name"), Some(s("Thunderbird"))), (s("version"), Some(s("115.0"))), (s("os"), None)])),
            ),
        ),
        (b"G3 ID NIL\r\n", cmd("G3", Id(None))),
        (b"G4 ID ()\r\n", cmd("G4", Id(Some(vec![])))),
        // QUOTA (RFC 9208), ACL (RFC 4314), COMPRESS (RFC 4978)
        (b"Q1 GETQUOTA \"\"\r\n", cmd("Q1", GetQuota(s("")))),
        (b"Q2 GETQUOTAROOT INBOX\r\n", cmd("Q2", GetQuotaRoot(mb("INBOX")))),
        (
            b"Q3 SETQUOTA \"\" (STORAGE 512 message 1000)\r\n",
            cmd(
                "Q3",
                SetQuota {
                    root: s(""),
                    limits: vec![
                        QuotaLimit { resource: s("STORAGE"), limit: 512 },
                        QuotaLimit { resource: s("MESSAGE"), limit: 1000 },
                    ],
                },
            ),
        ),
        (
            b"R1 SETACL INBOX/Drafts fred +lrw\r\n",
            cmd("R1", SetAcl { mailbox: mb("INBOX/Drafts"), identifier: s("fred"), rights: RightsChange::Add(s("lrw")) }),
        ),
        (b"R2 SETACL x \"-fred\" -w\r\n", cmd("R2", SetAcl { mailbox: mb("x"), identifier: s("-fred"), rights: RightsChange::Remove(s("w")) })),
        (b"R3 SETACL x anyone lr\r\n", cmd("R3", SetAcl { mailbox: mb("x"), identifier: s("anyone"), rights: RightsChange::Replace(s("lr")) })),
        (b"R4 DELETEACL x fred\r\n", cmd("R4", DeleteAcl { mailbox: mb("x"), identifier: s("fred") })),
        (b"R5 GETACL INBOX\r\n", cmd("R5", GetAcl(mb("INBOX")))),
        (b"R6 LISTRIGHTS x smith\r\n", cmd("R6", ListRights { mailbox: mb("x"), identifier: s("smith") })),
        (b"R7 MYRIGHTS x\r\n", cmd("R7", MyRights(mb("x")))),
        (b"Z1 COMPRESS deflate\r\n", cmd("Z1", Compress(s("DEFLATE")))),
        // Selected state: RFC 9051 §6.4
        (b"S1 CHECK\r\n", cmd("S1", Check)),
        (b"S2 CLOSE\r\n", cmd("S2", Close)),
        (b"S3 UNSELECT\r\n", cmd("S3", Unselect)),
        (b"S4 EXPUNGE\r\n", cmd("S4", Expunge { uids: None })),
        (b"S5 UID EXPUNGE 3000:3002,4000\r\n", cmd("S5", Expunge { uids: Some(set("3000:3002,4000")) })),
        // COPY / MOVE (RFC 6851)
        (b"L1 COPY 2:4 MEETING\r\n", cmd("L1", Copy { uid: false, set: set("2:4"), mailbox: mb("MEETING") })),
        (b"L2 UID MOVE 42,44:* \"Trash\"\r\n", cmd("L2", Move { uid: true, set: set("42,44:*"), mailbox: mb("Trash") })),
        (b"L3 uid copy $ \"Archive/2024\"\r\n", cmd("L3", Copy { uid: true, set: SequenceSet::Saved, mailbox: mb("Archive/2024") })),
        (b"L4 MOVE * inbox\r\n", cmd("L4", Move { uid: false, set: set("*"), mailbox: mb("INBOX") })),
        // STORE (RFC 9051 §6.4.6, RFC 7162 §3.1.3)
        (b"K1 STORE 1:3 +FLAGS (\\Deleted)\r\n", cmd("K1", Store(store(false, "1:3", StoreKind::Add, false, vec![Flag::Deleted], None)))),
        (
            b"K2 UID STORE 5 -FLAGS.SILENT \\Seen $Junk\r\n",
            cmd("K2", Store(store(true, "5", StoreKind::Remove, true, vec![Flag::Seen, Flag::Keyword(s("$Junk"))], None))),
        ),
        (
            b"K3 STORE 1 (UNCHANGEDSINCE 320162338) FLAGS.SILENT (\\Seen \\Answered)\r\n",
            cmd("K3", Store(store(false, "1", StoreKind::Replace, true, vec![Flag::Seen, Flag::Answered], Some(320162338)))),
        ),
        (b"K4 STORE 2 FLAGS ()\r\n", cmd("K4", Store(store(false, "2", StoreKind::Replace, false, vec![], None)))),
        (
            b"K5 STORE 2 +flags (\\recent \\X-Ext)\r\n",
            cmd("K5", Store(store(false, "2", StoreKind::Add, false, vec![Flag::Recent, Flag::Extension(s("X-Ext"))], None))),
        ),
    ]
}

fn list(
    reference: &str,
    patterns: &[&str],
    selection: Vec<ListSelection>,
    returns: Vec<ListReturn>,
    extended: bool,
) -> ListCommand {
    ListCommand {
        reference: s(reference),
        patterns: patterns.iter().map(|p| s(p)).collect(),
        selection,
        returns,
        extended,
    }
}

fn message(flags: &[Flag], data: &[u8], kind: AppendKind) -> AppendMessage {
    AppendMessage { flags: flags.to_vec(), date: None, data: data.to_vec(), kind }
}

fn store(
    uid: bool,
    seq: &str,
    kind: StoreKind,
    silent: bool,
    flags: Vec<Flag>,
    unchanged_since: Option<u64>,
) -> StoreCommand {
    StoreCommand { uid, set: set(seq), action: StoreAction { kind, silent, flags }, unchanged_since }
}

#[test]
fn commands() {
    for (input, expected) in table() {
        assert_eq!(parse(input), Ok(expected), "{}", String::from_utf8_lossy(input));
    }
}

/// Every command is also accepted split into single bytes, the way a slow link delivers it.
#[test]
fn commands_byte_by_byte() {
    let mut r = Receiver::new(Limits::default());
    for (input, expected) in table() {
        let mut got = Vec::new();
        for b in input {
            got.extend(receive_all(&mut r, &[*b]));
        }
        got.retain(|x| !matches!(x, Ok(Received::Continue(_))));
        assert_eq!(got, vec![Ok(Received::Command(expected))], "{}", String::from_utf8_lossy(input));
    }
}

#[test]
fn utf8_sessions() {
    use CommandBody::*;
    let utf8 = Dialect::UTF8;
    let cases: Vec<(&[u8], Command)> = vec![
        (
            "M1 SELECT \"Entwürfe\"\r\n".as_bytes(),
            cmd("M1", Select { mailbox: mb("Entwürfe"), params: SelectParams::default() }),
        ),
        // `&` is just a character once UTF-8 is on (RFC 6855 §3).
        (b"M2 CREATE \"a&b\"\r\n", cmd("M2", Create { mailbox: mb("a&b"), special_use: vec![] })),
        (b"M3 CREATE Entw&APw-rfe\r\n", cmd("M3", Create { mailbox: mb("Entw&APw-rfe"), special_use: vec![] })),
        (
            "M4 LOGIN \"jörg\" \"pässword\"\r\n".as_bytes(),
            cmd("M4", Login { username: s("jörg"), password: s("pässword") }),
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(parse_in(input, utf8), Ok(expected), "{}", String::from_utf8_lossy(input));
    }
    // Before UTF-8 is enabled an 8-bit name can still come as a literal, and is UTF-8.
    assert_eq!(
        parse("M5 SELECT {9}\r\nEntwürfe\r\n".as_bytes()),
        Ok(cmd("M5", Select { mailbox: mb("Entwürfe"), params: SelectParams::default() }))
    );
}

#[test]
fn command_metadata() {
    let fetch = parse(b"A UID FETCH 1 FLAGS\r\n").unwrap().body;
    assert_eq!((fetch.name(), fetch.state(), fetch.is_uid()), ("UID FETCH", CommandState::Selected, true));
    let login = parse(b"A LOGIN a b\r\n").unwrap().body;
    assert_eq!((login.name(), login.state()), ("LOGIN", CommandState::NotAuthenticated));
    let list = parse(b"A LIST \"\" *\r\n").unwrap().body;
    assert_eq!(list.state(), CommandState::Authenticated);
    assert_eq!(parse(b"A ID NIL\r\n").unwrap().body.state(), CommandState::Any);
    assert_eq!(parse(b"A UID EXPUNGE 1\r\n").unwrap().body.name(), "UID EXPUNGE");
}
