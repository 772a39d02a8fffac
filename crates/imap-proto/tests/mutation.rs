//! A mutation loop over real client traffic: random edits of valid commands fed in random
//! chunks, with random mode switches. Nothing may panic, memory stays within the limits, and
//! every mailbox name that parses is written back and parsed again to the same name. (A seeded
//! xorshift, like crates/mail/tests/summary.rs; `cargo fuzz` in fuzz/ runs the same target
//! unbounded.) `IMAP_FUZZ_ROUNDS` and `IMAP_FUZZ_SEED` run it longer or differently.

mod common;

use relais_imap_proto::*;

/// Lying sizes, refused; mixed into the mutated inputs.
const LIARS: &[&[u8]] = &[b"C4 APPEND INBOX {4294967295}\r\n", b"C5 LOGIN {4294967295+}\r\nxx\r\n"];

const SEEDS: &[&[u8]] = &[
    b"A1 CAPABILITY\r\n",
    b"A2 LOGIN {4}\r\nfred {6+}\r\nsecret\r\n",
    b"A3 AUTHENTICATE PLAIN AGZyZWQAc2VjcmV0\r\n",
    b"A4 ENABLE QRESYNC UTF8=ACCEPT\r\n",
    b"A5 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541 (5000,7500 15000,22500)))\r\n",
    b"A6 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (\"INBOX\" \"Entw&APw-rfe/%\") RETURN (CHILDREN STATUS (MESSAGES UNSEEN))\r\n",
    b"A7 STATUS \"Sent Items\" (MESSAGES UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ SIZE)\r\n",
    b"A8 APPEND INBOX (\\Seen $Forwarded) \" 5-Jan-2024 10:00:00 +0100\" {12}\r\nSubject: x\r\n {3+}\r\nabc (\\Draft) ~{2+}\r\na\0\r\n",
    b"A9 UID SEARCH RETURN (MIN MAX COUNT SAVE) CHARSET UTF-8 OR (FROM alice SUBJECT {5}\r\nhello) NOT (SEEN OR DELETED DRAFT) 1:* $ UID 5:7 MODSEQ \"/flags/\\\\draft\" all 5\r\n",
    b"B1 UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (From Subject)]<0.100> BINARY.PEEK[1.2]<0.1024> BODY[1.MIME] ENVELOPE) (CHANGEDSINCE 12345 VANISHED)\r\n",
    b"B2 UID STORE 5,7:9 (UNCHANGEDSINCE 320162338) +FLAGS.SILENT (\\Deleted $Junk)\r\n",
    b"B3 UID MOVE 42,44:* \"Trash\"\r\n",
    b"B4 SORT RETURN (COUNT) (REVERSE DATE SUBJECT) UTF-8 SINCE 1-Feb-1994 HEADER X-Spam \"\"\r\n",
    b"B5 THREAD REFERENCES UTF-8 ALL\r\n",
    b"B6 IDLE\r\nDONE\r\n",
    b"B7 ID (\"name\" \"iOS Mail\" \"version\" \"17.4\")\r\n",
    b"B8 SETACL \"Shared/x\" fred +lrw\r\nB9 GETQUOTAROOT INBOX\r\nC1 SETQUOTA \"\" (STORAGE 512)\r\n",
    b"C2 CREATE Drafts (USE (\\Drafts))\r\nC3 RENAME {3+}\r\nold \"new/&ZeVnLIqe-\"\r\n",
    b"C6 COMPRESS DEFLATE\r\nC7 UNSELECT\r\nC8 UID EXPUNGE 3000:3002\r\nC9 NAMESPACE\r\n",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, raw: &mut Vec<u8>) {
    const PIECES: &[&[u8]] = &[
        b"{",
        b"}",
        b"{5}\r\n",
        b"{3+}\r\n",
        b"~{2}\r\n",
        b"{99999999999}\r\n",
        b"\r\n",
        b"\n",
        b"\r",
        b" ",
        b"(",
        b")",
        b"\"",
        b"\\",
        b"*",
        b"$",
        b":",
        b",",
        b"&",
        b"&-",
        b"&AGE-",
        b"[",
        b"]",
        b"<0.10>",
        b"\xff",
        b"\xc3\xa9",
        b"\0",
        b"NOT ",
        b"OR ",
        b"UID ",
        b"BODY[",
        b"DONE\r\n",
        b"A1 ",
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
            let end = (at + rng.below(32)).min(raw.len());
            raw.drain(at..end);
        }
        4 => {
            let end = (at + rng.below(128)).min(raw.len());
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

/// Small limits, so a lying literal would show as a breach at once.
fn limits() -> Limits {
    Limits { max_line: 1024, max_literal: 2048, max_append_literal: 8192, max_command: 16 << 10, literal_minus: false }
}

/// Feeds `input` in random chunks and answers every event as a session would; returns the
/// commands and the errors seen.
fn exercise(rng: &mut Rng, input: &[u8], dialect: Dialect) -> (usize, usize) {
    let mut r = Receiver::new(limits());
    r.set_dialect(dialect);
    let mut rest = input;
    let (mut commands, mut errors) = (0, 0);
    while !rest.is_empty() {
        let n = 1 + rng.below(rest.len().min(300));
        let (chunk, tail) = rest.split_at(n);
        rest = tail;
        r.feed(chunk);
        loop {
            match r.receive() {
                Ok(None) => break,
                Ok(Some(Received::Command(c))) => {
                    commands += 1;
                    check(&c, dialect);
                    match c.body {
                        CommandBody::Authenticate { .. } => r.expect_authenticate_response(),
                        CommandBody::Idle => r.expect_done(),
                        CommandBody::StartTls if rng.below(2) == 0 => {
                            r.discard_buffered();
                        }
                        _ => {}
                    }
                }
                Ok(Some(Received::Continue(_))) if rng.below(8) == 0 => r.refuse_literal(),
                Ok(Some(_)) => {}
                Err(e) => {
                    errors += 1;
                    let mut out = Vec::new();
                    e.response().encode(&mut out, dialect);
                    assert!(out.ends_with(b"\r\n") && !out[..out.len() - 2].contains(&b'\n'));
                }
            }
            assert!(r.allocated() <= 64 << 10, "{} octets held", r.allocated());
        }
    }
    (commands, errors)
}

/// A parsed name survives being written and read back in the same dialect.
fn check(c: &Command, dialect: Dialect) {
    let name = match &c.body {
        CommandBody::Select { mailbox, .. } | CommandBody::Create { mailbox, .. } | CommandBody::Delete(mailbox) => {
            mailbox
        }
        CommandBody::Rename { to, .. } => to,
        _ => return,
    };
    // A name that is not modified UTF-7 names no mailbox: the server never writes one.
    if !name.is_valid() {
        return;
    }
    let mut line = b"X DELETE ".to_vec();
    Writer::new(&mut line, dialect).mailbox(name);
    line.extend(b"\r\n");
    let mut r = Receiver::new(Limits::default());
    r.set_dialect(dialect);
    r.feed(&line);
    match r.receive() {
        Ok(Some(Received::Continue(_))) => assert!(matches!(
            r.receive(),
            Ok(Some(Received::Command(Command { body: CommandBody::Delete(back), .. }))) if &back == name
        )),
        Ok(Some(Received::Command(Command { body: CommandBody::Delete(back), .. }))) => assert_eq!(&back, name),
        other => panic!("{name:?} written as {:?} read as {other:?}", String::from_utf8_lossy(&line)),
    }
}

#[test]
fn seeds_parse_cleanly() {
    let mut rng = Rng(1);
    let mut total = 0;
    for seed in SEEDS {
        let (commands, errors) = exercise(&mut rng, seed, Dialect::default());
        assert!(commands > 0 && errors == 0, "{}", String::from_utf8_lossy(seed));
        total += commands;
    }
    assert_eq!(total, 25);
    for liar in LIARS {
        assert_eq!(exercise(&mut rng, liar, Dialect::default()), (0, 1));
    }
}

#[test]
fn never_panics_on_mutated_or_random_input() {
    let rounds: usize = std::env::var("IMAP_FUZZ_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(5000);
    let seed: u64 = std::env::var("IMAP_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x1ea7_beef);
    let mut rng = Rng(seed | 1);
    for round in 0..rounds {
        let mut raw = if round % 10 == 9 {
            (0..rng.below(512)).map(|_| rng.next() as u8).collect()
        } else {
            let mut raw = Vec::new();
            for _ in 0..1 + rng.below(3) {
                let pick = rng.below(SEEDS.len() + LIARS.len());
                raw.extend_from_slice(SEEDS.get(pick).unwrap_or_else(|| &LIARS[pick - SEEDS.len()]));
            }
            raw
        };
        for _ in 0..1 + rng.below(8) {
            mutate(&mut rng, &mut raw);
        }
        let dialect = if rng.below(3) == 0 { Dialect::UTF8 } else { Dialect::default() };
        exercise(&mut rng, &raw, dialect);
    }
}
