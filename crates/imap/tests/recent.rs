//! \Recent (RFC 3501 §2.3.2) as transcripts over a real socket, the same steps Dovecot 2.3 was
//! seen to answer so: the first IMAP4rev1 session to SELECT a mailbox (or to learn of a new
//! message while it has it selected) sees \Recent, every other sees none; EXAMINE looks without
//! claiming; STATUS counts what no session claimed; IMAP4rev2 sessions see none and claim none.
//! And CONDSTORE enabled by FETCH MODSEQ and SEARCH MODSEQ (RFC 7162 §3.1), as Dovecot does it.

mod common;

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const USER: &str = "ann@example.test";

struct Client {
    stream: BufReader<TcpStream>,
}

impl Client {
    async fn login(addr: std::net::SocketAddr) -> Client {
        let mut c = Client { stream: BufReader::new(TcpStream::connect(addr).await.expect("connect")) };
        let greeting = common::line(&mut c.stream).await.expect("greeting");
        assert!(greeting.starts_with("* OK"), "{greeting}");
        c.run(&format!("LOGIN {USER} pw")).await;
        c
    }

    /// The untagged lines answering `command`, after checking its tagged OK.
    async fn run(&mut self, command: &str) -> Vec<String> {
        self.stream.get_mut().write_all(format!("t {command}\r\n").as_bytes()).await.expect("write");
        let mut lines = Vec::new();
        while let Some(l) = common::line(&mut self.stream).await {
            if l.starts_with("t ") {
                assert!(l.starts_with("t OK"), "{command}: {l}");
                return lines;
            }
            lines.push(l.trim_end().to_owned());
        }
        panic!("{command}: connection closed after {lines:?}");
    }

    async fn append(&mut self, subject: &str) {
        let message = format!("Subject: {subject}\r\n\r\nhello\r\n");
        self.run(&format!("APPEND INBOX {{{}+}}\r\n{message}", message.len())).await;
    }
}

/// The lines of `got` that start with one of `prefixes`, in order.
fn only(got: &[String], prefixes: &[&str]) -> Vec<String> {
    got.iter().filter(|l| prefixes.iter().any(|p| l.starts_with(p))).cloned().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_session_sees_each_message_recent() {
    let (_fresh, addr, _shutdown) = common::server(&[(USER, "Ann", "pw")]).await;
    let mut a = Client::login(addr).await;
    a.append("one").await;
    a.append("two").await;
    assert_eq!(a.run("STATUS INBOX (MESSAGES RECENT)").await, ["* STATUS INBOX (MESSAGES 2 RECENT 2)"]);

    // The first SELECT claims both.
    let mut b = Client::login(addr).await;
    assert_eq!(only(&b.run("SELECT INBOX").await, &["* 2 RECENT", "* 0 RECENT"]), ["* 2 RECENT"]);
    let flags = b.run("FETCH 1:* (FLAGS)").await;
    assert_eq!(flags, ["* 1 FETCH (FLAGS (\\Recent))", "* 2 FETCH (FLAGS (\\Recent))"]);
    // Rows: (search, answer) on the claiming session.
    for (search, answer) in [("RECENT", "* SEARCH 1 2"), ("NEW", "* SEARCH 1 2"), ("OLD", "* SEARCH")] {
        assert_eq!(b.run(&format!("SEARCH {search}")).await, [answer], "SEARCH {search}");
    }
    assert_eq!(b.run("STATUS INBOX (RECENT)").await, ["* STATUS INBOX (RECENT 2)"], "its own recent");

    // A second SELECT finds nothing recent; STATUS elsewhere counts no claimed message.
    let mut c = Client::login(addr).await;
    assert!(c.run("SELECT INBOX").await.contains(&"* 0 RECENT".to_owned()));
    assert_eq!(c.run("FETCH 1 (FLAGS)").await, ["* 1 FETCH (FLAGS ())"]);
    assert_eq!(c.run("SEARCH OLD").await, ["* SEARCH 1 2"]);
    assert_eq!(a.run("STATUS INBOX (RECENT)").await, ["* STATUS INBOX (RECENT 0)"]);

    // A new message: recent for the selected session that learns of it first, told with RECENT.
    a.append("three").await;
    assert_eq!(b.run("NOOP").await, ["* 3 EXISTS", "* 3 RECENT"]);
    assert_eq!(c.run("NOOP").await, ["* 3 EXISTS"]);
    assert_eq!(b.run("FETCH 3 (FLAGS)").await, ["* 3 FETCH (FLAGS (\\Recent))"]);
    assert_eq!(c.run("SEARCH NEW").await, ["* SEARCH"]);
    // \Seen makes it recent but no longer new.
    b.run("STORE 3 +FLAGS.SILENT (\\Seen)").await;
    assert_eq!(b.run("SEARCH NEW").await, ["* SEARCH 1 2"]);
    assert_eq!(c.run("NOOP").await, ["* 3 FETCH (FLAGS (\\Seen) UID 3)"]);

    // EXAMINE shows the unclaimed as recent and leaves them for the next SELECT.
    a.append("four").await;
    let mut d = Client::login(addr).await;
    assert!(d.run("EXAMINE INBOX").await.contains(&"* 1 RECENT".to_owned()));
    assert_eq!(d.run("FETCH 4 (FLAGS)").await, ["* 4 FETCH (FLAGS (\\Recent))"]);
    assert_eq!(b.run("NOOP").await, ["* 4 EXISTS", "* 4 RECENT"]);
    assert_eq!(c.run("NOOP").await, ["* 4 EXISTS"]);

    // IMAP4rev2 (RFC 9051 §7.3.2 has no RECENT): none shown, none claimed.
    let mut e = Client::login(addr).await;
    e.run("ENABLE IMAP4rev2").await;
    a.append("five").await;
    let selected = e.run("SELECT INBOX").await;
    assert!(!selected.iter().any(|l| l.ends_with("RECENT")), "{selected:?}");
    assert_eq!(e.run("FETCH 5 (FLAGS)").await, ["* 5 FETCH (FLAGS ())"]);
    assert_eq!(b.run("NOOP").await, ["* 5 EXISTS", "* 5 RECENT"], "left for an IMAP4rev1 session");
}

/// The number in `(MODSEQ (n))` or `MODSEQ n` at the end of a line.
fn modseq_in(line: &str) -> u64 {
    let tail = line.rsplit("MODSEQ").next().unwrap_or("");
    tail.trim_matches(|c: char| !c.is_ascii_digit()).parse().unwrap_or_else(|_| panic!("no MODSEQ in {line}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_and_search_modseq_enable_condstore() {
    let (_fresh, addr, _shutdown) = common::server(&[(USER, "Ann", "pw")]).await;
    let mut a = Client::login(addr).await;
    a.append("one").await;
    a.append("two").await;
    a.run("SELECT INBOX").await;
    // The first enabling FETCH is told HIGHESTMODSEQ; later ones are not.
    let first = a.run("FETCH 1 (MODSEQ)").await;
    assert!(first[0].starts_with("* OK [HIGHESTMODSEQ "), "{first:?}");
    assert_eq!(first.len(), 2, "{first:?}");
    assert_eq!(a.run("FETCH 2 (MODSEQ)").await.len(), 1);
    // From then on a STORE's untagged FETCH carries MODSEQ.
    let stored = a.run("STORE 1 +FLAGS (\\Flagged)").await;
    assert!(stored.len() == 1 && stored[0].contains("MODSEQ ("), "{stored:?}");

    let mut b = Client::login(addr).await;
    b.run("SELECT INBOX").await;
    let found = b.run("SEARCH MODSEQ 1").await;
    assert!(found[0].starts_with("* OK [HIGHESTMODSEQ "), "{found:?}");
    let stored = b.run("STORE 2 +FLAGS (\\Seen)").await;
    assert!(stored[0].contains("MODSEQ ("), "{stored:?}");
    // A FETCH that sets \Seen reports the new MODSEQ too.
    let read = b.run("FETCH 1 (BODY[])").await;
    let read_modseq = read.iter().find(|l| l.starts_with("* 1 FETCH (MODSEQ")).map(|l| modseq_in(l));
    let modseqs: Vec<u64> = b.run("FETCH 1:2 (MODSEQ)").await.iter().map(|l| modseq_in(l)).collect();
    assert_eq!(read_modseq, Some(modseqs[0]), "{read:?}");
    // ESEARCH: MIN and MAX report their own message's MODSEQ, ALL the highest of all.
    // Rows: (return options, MODSEQ expected).
    let highest = modseqs[0].max(modseqs[1]);
    for (options, want) in [("MIN", modseqs[0]), ("MAX", modseqs[1]), ("ALL", highest), ("MIN COUNT", highest)] {
        let got = b.run(&format!("UID SEARCH RETURN ({options}) MODSEQ 1")).await;
        assert_eq!(modseq_in(&got[0]), want, "{options}: {got:?}");
    }
}
