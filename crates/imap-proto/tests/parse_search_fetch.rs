//! Parser tables for the commands with rich arguments: SEARCH (keys, OR/NOT, nesting, charsets,
//! RETURN), SORT/THREAD and FETCH (macros, sections, partials, BINARY, modifiers).

mod common;

use common::*;
use relais_imap_proto::*;

fn search(input: &[u8]) -> SearchCommand {
    match parse(input) {
        Ok(Command { body: CommandBody::Search(s), .. }) => s,
        other => panic!("{}: {other:?}", String::from_utf8_lossy(input)),
    }
}

fn fetch(input: &[u8]) -> FetchCommand {
    match parse(input) {
        Ok(Command { body: CommandBody::Fetch(f), .. }) => f,
        other => panic!("{}: {other:?}", String::from_utf8_lossy(input)),
    }
}

fn date(y: u16, m: u8, d: u8) -> Date {
    Date::new(y, m, d).unwrap()
}

fn b<T>(x: T) -> Box<T> {
    Box::new(x)
}

#[test]
fn search_keys() {
    use SearchKey::*;
    let cases: Vec<(&[u8], SearchKey)> = vec![
        (b"A SEARCH ALL\r\n", All),
        (b"A SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n", And(vec![Flagged, Since(date(1994, 2, 1)), Not(b(From(s("Smith"))))])),
        (
            b"A SEARCH OR (FROM alice SUBJECT \"hi there\") NOT (SEEN OR DELETED DRAFT) 1:* UID $\r\n",
            And(vec![
                Or(b(And(vec![From(s("alice")), Subject(s("hi there"))])), b(Not(b(And(vec![Seen, Or(b(Deleted), b(Draft))]))))),
                SequenceSet(set("1:*")),
                Uid(relais_imap_proto::SequenceSet::Saved),
            ]),
        ),
        (b"A SEARCH ((((SEEN))))\r\n", Seen),
        (b"A SEARCH OR OR SEEN DRAFT NOT ANSWERED\r\n", Or(b(Or(b(Seen), b(Draft))), b(Not(b(Answered))))),
        (
            b"A SEARCH HEADER Message-ID \"<x@y>\" LARGER 100 SMALLER 9999 KEYWORD $Forwarded UNKEYWORD $Junk\r\n",
            And(vec![
                Header(s("Message-ID"), s("<x@y>")),
                Larger(100),
                Smaller(9999),
                Keyword(s("$Forwarded")),
                Unkeyword(s("$Junk")),
            ]),
        ),
        (b"A SEARCH HEADER X-Spam \"\"\r\n", Header(s("X-Spam"), s(""))),
        (
            b"A SEARCH BEFORE \"2-Mar-2024\" ON 29-Feb-2024 SENTBEFORE 1-Jan-2000 SENTON 1-Jan-2000 SENTSINCE 1-Jan-2000\r\n",
            And(vec![
                Before(date(2024, 3, 2)),
                On(date(2024, 2, 29)),
                SentBefore(date(2000, 1, 1)),
                SentOn(date(2000, 1, 1)),
                SentSince(date(2000, 1, 1)),
            ]),
        ),
        (
            b"A SEARCH BCC a BODY b CC c TEXT d TO e ANSWERED UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNSEEN\r\n",
            And(vec![
                Bcc(s("a")),
                Body(s("b")),
                Cc(s("c")),
                Text(s("d")),
                To(s("e")),
                Answered,
                Unanswered,
                Undeleted,
                Undraft,
                Unflagged,
                Unseen,
            ]),
        ),
        (b"A SEARCH NEW OLD RECENT\r\n", And(vec![New, Old, Recent])),
        (b"A SEARCH MODSEQ 5\r\n", Modseq { entry: None, modseq: 5 }),
        (
            b"A SEARCH MODSEQ \"/flags/\\\\draft\" all 620162338\r\n",
            Modseq { entry: Some(ModseqEntry { name: s("/flags/\\draft"), kind: s("all") }), modseq: 620162338 },
        ),
        (
            b"A SEARCH OLDER 3600 YOUNGER 60 EMAILID M6d99ac3275bb4e THREADID T64b478a75b7ea9\r\n",
            And(vec![Older(3600), Younger(60), EmailId(s("M6d99ac3275bb4e")), ThreadId(s("T64b478a75b7ea9"))]),
        ),
        (
            b"A SEARCH SAVEDBEFORE 1-Jan-2024 SAVEDON 1-Jan-2024 SAVEDSINCE 1-Jan-2024 SAVEDATESUPPORTED\r\n",
            And(vec![SavedBefore(date(2024, 1, 1)), SavedOn(date(2024, 1, 1)), SavedSince(date(2024, 1, 1)), SavedDateSupported]),
        ),
        (b"A SEARCH SUBJECT {5}\r\nhello\r\n", Subject(s("hello"))),
        (b"A SEARCH 2,4:7 $\r\n", And(vec![SequenceSet(set("2,4:7")), SequenceSet(relais_imap_proto::SequenceSet::Saved)])),
    ];
    for (input, expected) in cases {
        let got = search(input);
        assert_eq!(got.criteria, expected, "{}", String::from_utf8_lossy(input));
        assert_eq!((got.uid, got.charset, got.returns), (false, None, None));
    }
}

#[test]
fn search_options_and_charsets() {
    let got = search(b"A UID SEARCH RETURN (MIN MAX COUNT SAVE ALL) CHARSET UTF-8 TEXT {4}\r\nb\xc3\xa5t\r\n");
    assert!(got.uid);
    assert_eq!(got.charset.as_deref(), Some("UTF-8"));
    assert_eq!(got.criteria, SearchKey::Text(s("båt")));
    use SearchReturn::*;
    assert_eq!(got.returns, Some(vec![Min, Max, Count, Save, All]));
    // RFC 4731 §3.1: RETURN () means ALL.
    let got = search(b"A SEARCH RETURN () UNSEEN\r\n");
    assert_eq!((got.returns.clone(), got.effective_returns()), (Some(vec![]), Some(vec![All])));
    // A Latin-1 literal is decoded.
    let got = search(b"A SEARCH CHARSET ISO-8859-1 SUBJECT {3}\r\nb\xe5t\r\n");
    assert_eq!(got.criteria, SearchKey::Subject(s("båt")));
    assert!(search(b"A SEARCH MODSEQ 3\r\n").criteria.uses_modseq());
    assert!(search(b"A SEARCH NOT UID $\r\n").criteria.uses_saved());
    assert!(!search(b"A SEARCH UID 1:*\r\n").criteria.uses_saved());
}

#[test]
fn sort_and_thread() {
    use CommandBody::*;
    let cases: Vec<(&[u8], CommandBody)> = vec![
        (
            b"A UID SORT (REVERSE DATE SUBJECT) UTF-8 ALL\r\n",
            Sort(SortCommand {
                uid: true,
                criteria: vec![
                    SortCriterion { reverse: true, key: SortKey::Date },
                    SortCriterion { reverse: false, key: SortKey::Subject },
                ],
                charset: s("UTF-8"),
                search: SearchKey::All,
                returns: None,
            }),
        ),
        (
            b"A SORT RETURN (COUNT) (ARRIVAL DISPLAYFROM cc from size to displayto) US-ASCII UNSEEN 1:5\r\n",
            Sort(SortCommand {
                uid: false,
                criteria: [
                    SortKey::Arrival,
                    SortKey::DisplayFrom,
                    SortKey::Cc,
                    SortKey::From,
                    SortKey::Size,
                    SortKey::To,
                    SortKey::DisplayTo,
                ]
                .map(|key| SortCriterion { reverse: false, key })
                .to_vec(),
                charset: s("US-ASCII"),
                search: SearchKey::And(vec![SearchKey::Unseen, SearchKey::SequenceSet(set("1:5"))]),
                returns: Some(vec![SearchReturn::Count]),
            }),
        ),
        (
            b"A THREAD REFERENCES UTF-8 SINCE 1-Jan-2024\r\n",
            Thread(ThreadCommand {
                uid: false,
                algorithm: ThreadAlgorithm::References,
                charset: s("UTF-8"),
                search: SearchKey::Since(date(2024, 1, 1)),
            }),
        ),
        (
            b"A UID THREAD orderedsubject UTF-8 ALL\r\n",
            Thread(ThreadCommand {
                uid: true,
                algorithm: ThreadAlgorithm::OrderedSubject,
                charset: s("UTF-8"),
                search: SearchKey::All,
            }),
        ),
        (
            b"A THREAD REFS UTF-8 ALL\r\n",
            Thread(ThreadCommand {
                uid: false,
                algorithm: ThreadAlgorithm::Other(s("REFS")),
                charset: s("UTF-8"),
                search: SearchKey::All,
            }),
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(parse(input).map(|c| c.body), Ok(expected), "{}", String::from_utf8_lossy(input));
    }
}

#[test]
fn fetch_macros_and_attributes() {
    use FetchAttribute::*;
    let cases: Vec<(&[u8], Vec<FetchAttribute>)> = vec![
        (b"A FETCH 1:* ALL\r\n", vec![Flags, InternalDate, Rfc822Size, Envelope]),
        (b"A FETCH 2:4 fast\r\n", vec![Flags, InternalDate, Rfc822Size]),
        (b"A FETCH 1 FULL\r\n", vec![Flags, InternalDate, Rfc822Size, Envelope, Body]),
        (b"A FETCH 1 FLAGS\r\n", vec![Flags]),
        (b"A FETCH $ (uid flags)\r\n", vec![Uid, Flags]),
        (
            b"A FETCH 5 (BODY.PEEK[HEADER.FIELDS (From Subject)]<0.100> BODY[1.2.MIME] BODY[] BODY[TEXT] BODY[3.HEADER])\r\n",
            vec![
                BodySection {
                    peek: true,
                    section: Section { part: vec![], text: Some(SectionText::HeaderFields(vec![s("From"), s("Subject")])) },
                    partial: Some((0, 100)),
                },
                BodySection { peek: false, section: Section { part: vec![1, 2], text: Some(SectionText::Mime) }, partial: None },
                BodySection { peek: false, section: Section::default(), partial: None },
                BodySection { peek: false, section: Section { part: vec![], text: Some(SectionText::Text) }, partial: None },
                BodySection { peek: false, section: Section { part: vec![3], text: Some(SectionText::Header) }, partial: None },
            ],
        ),
        (
            b"A FETCH 1 (BODY[HEADER.FIELDS.NOT (Received \"X-Spam\")] body[4.2] BODY[]<1024.4096>)\r\n",
            vec![
                BodySection {
                    peek: false,
                    section: Section { part: vec![], text: Some(SectionText::HeaderFieldsNot(vec![s("Received"), s("X-Spam")])) },
                    partial: None,
                },
                BodySection { peek: false, section: Section { part: vec![4, 2], text: None }, partial: None },
                BodySection { peek: false, section: Section::default(), partial: Some((1024, 4096)) },
            ],
        ),
        (
            b"A FETCH 1 (BINARY.PEEK[1]<0.1024> BINARY[] BINARY.SIZE[2.1] BINARY.SIZE[])\r\n",
            vec![
                Binary { peek: true, part: vec![1], partial: Some((0, 1024)) },
                Binary { peek: false, part: vec![], partial: None },
                BinarySize { part: vec![2, 1] },
                BinarySize { part: vec![] },
            ],
        ),
        (
            b"A FETCH 1 (RFC822.SIZE ENVELOPE BODYSTRUCTURE BODY INTERNALDATE MODSEQ EMAILID THREADID SAVEDATE RFC822 RFC822.HEADER RFC822.TEXT)\r\n",
            vec![Rfc822Size, Envelope, BodyStructure, Body, InternalDate, Modseq, EmailId, ThreadId, SaveDate, Rfc822, Rfc822Header, Rfc822Text],
        ),
        (b"A FETCH 1 (PREVIEW (LAZY) FLAGS)\r\n", vec![Preview { lazy: true }, Flags]),
        (b"A FETCH 1 PREVIEW\r\n", vec![Preview { lazy: false }]),
    ];
    for (input, expected) in cases {
        let got = fetch(input);
        assert_eq!(got.attributes, expected, "{}", String::from_utf8_lossy(input));
        assert_eq!((got.uid, got.changed_since, got.vanished), (false, None, false));
    }
    assert_eq!(fetch(b"A FETCH 1:*,3 FLAGS\r\n").set, set("1:*,3"));
    assert!(fetch(b"A FETCH 1 BODY[]\r\n").attributes[0].sets_seen());
    assert!(!fetch(b"A FETCH 1 BODY.PEEK[]\r\n").attributes[0].sets_seen());
}

#[test]
fn fetch_modifiers_and_implied_attributes() {
    use FetchAttribute::*;
    // RFC 9051 §6.4.9: UID FETCH answers UID; RFC 7162 §3.1.4.1: CHANGEDSINCE answers MODSEQ.
    let got = fetch(b"A UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n");
    assert_eq!((got.uid, got.changed_since, got.vanished), (true, Some(12345), true));
    assert_eq!(got.attributes, vec![Flags, Uid, Modseq]);
    let got = fetch(b"A FETCH 1:* (UID FLAGS MODSEQ) (CHANGEDSINCE 7)\r\n");
    assert_eq!(got.attributes, vec![Uid, Flags, Modseq]);
    // A bare PREVIEW followed by the modifiers.
    let got = fetch(b"A FETCH 1 PREVIEW (CHANGEDSINCE 9)\r\n");
    assert_eq!((got.attributes, got.changed_since), (vec![Preview { lazy: false }, Modseq], Some(9)));
}
