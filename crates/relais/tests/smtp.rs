//! SMTP transcripts against the real binary on a real socket: each case is what the client
//! sends and the reply it must get (its first characters). Then what was stored is checked
//! with the admin CLI.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use relais_testkit::Server;

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_relais"))
}

struct Client {
    reader: BufReader<TcpStream>,
    stream: TcpStream,
}

impl Client {
    fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        Client { reader: BufReader::new(stream.try_clone().unwrap()), stream }
    }

    /// One reply, all its lines joined by "\n"; empty if the server closed the connection.
    fn reply(&mut self) -> String {
        let mut all = Vec::new();
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line).unwrap_or(0) == 0 {
                return all.join("\n");
            }
            let done = line.as_bytes().get(3) != Some(&b'-');
            all.push(line.trim_end().to_owned());
            if done {
                return all.join("\n");
            }
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    /// Runs a transcript: for each (send, expected reply prefixes), sends and checks each reply.
    fn transcript(&mut self, steps: &[(&str, &[&str])]) {
        for (send, expect) in steps {
            if !send.is_empty() {
                self.send(send.as_bytes());
            }
            for want in *expect {
                let got = self.reply();
                assert!(got.starts_with(want), "after {send:?}: expected {want:?}, got {got:?}");
            }
        }
    }

    fn closed(&mut self) -> bool {
        let mut buf = [0u8; 64];
        matches!(self.reader.read(&mut buf), Ok(0))
    }
}

fn server() -> Server {
    let s = Server::start(
        bin(),
        &["smtp", "submission", "http"],
        "[smtp]\nmax_message_size = 100000\nmax_line_length = 1000\n",
    );
    for args in [
        &["domain", "add", "example.test"][..],
        &["user", "add", "alice@example.test", "--password", "alice-pw"],
        &["user", "add", "bob@example.test", "--password", "bob-pw"],
        &["group", "add", "team@example.test"],
        &["group", "member", "add", "team@example.test", "alice@example.test"],
        &["group", "member", "add", "team@example.test", "bob@example.test"],
        &["alias", "add", "al@example.test", "alice@example.test"],
    ] {
        let out = s.admin(args);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    s
}

fn subjects(s: &Server, user: &str) -> Vec<String> {
    let out = s.admin(&["mail", "list", user]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(|l| l.splitn(3, "  ").nth(2).unwrap_or("").to_owned()).collect()
}

const EHLO: (&str, &[&str]) = ("EHLO client.test\r\n", &["250-mail.test greets client.test"]);

#[test]
fn inbound_state_machine() {
    let s = server();
    let addr = s.addr("smtp");
    let mut c = Client::connect(addr);
    c.transcript(&[
        ("", &["220 mail.test ESMTP"]),
        ("MAIL FROM:<x@remote.test>\r\n", &["503 5.5.1"]),
        EHLO,
        ("RCPT TO:<alice@example.test>\r\n", &["503 5.5.1"]),
        ("DATA\r\n", &["503 5.5.1"]),
        ("AUTH PLAIN AGFsaWNlAGFsaWNlLXB3\r\n", &["502 5.5.1"]),
        ("FROB\r\n", &["500 5.5.2"]),
        ("MAIL FROM:<x@remote.test> SIZE=200000\r\n", &["552 5.3.4"]),
        ("MAIL FROM:<x@remote.test> SIZE=100\r\n", &["250 2.1.0"]),
        ("MAIL FROM:<y@remote.test>\r\n", &["503 5.5.1"]),
        ("RCPT TO:<nobody@example.test>\r\n", &["550 5.1.1"]),
        ("RCPT TO:<someone@remote.test>\r\n", &["554 5.7.1"]),
        ("DATA\r\n", &["503 5.5.1"]),
        ("RCPT TO:<Alice@Example.TEST>\r\n", &["250 2.1.5"]),
        ("DATA\r\n", &["354 "]),
        ("Subject: first\r\n\r\nhello\r\n..dot\r\n.\r\n", &["250 2.0.0"]),
        ("RSET\r\n", &["250 2.0.0"]),
        ("NOOP\r\n", &["250 2.0.0"]),
        ("VRFY alice\r\n", &["252 2.5.0"]),
        ("QUIT\r\n", &["221 2.0.0"]),
    ]);
    assert!(c.closed());
    assert_eq!(subjects(&s, "alice@example.test"), ["first"]);
    let raw = s.admin(&["mail", "get", "alice@example.test", "1"]);
    let raw = String::from_utf8_lossy(&raw.stdout);
    assert!(raw.starts_with("Return-Path: <x@remote.test>\r\nReceived: from client.test ("), "{raw}");
    assert!(raw.ends_with("\r\n\r\nhello\r\n.dot\r\n"), "dot-unstuffed: {raw:?}");
}

#[test]
fn pipelining_groups_and_bdat() {
    let s = server();
    let mut c = Client::connect(s.addr("smtp"));
    c.transcript(&[("", &["220 "]), EHLO]);
    // RFC 2920: the whole transaction in one write, the replies in order.
    c.transcript(&[(
        "MAIL FROM:<x@remote.test>\r\nRCPT TO:<team@example.test>\r\nRCPT TO:<al@example.test>\r\nDATA\r\n",
        &["250 2.1.0", "250 2.1.5", "250 2.1.5", "354 "],
    )]);
    c.transcript(&[("Subject: to the team\r\n\r\nhi\r\n.\r\n", &["250 2.0.0"])]);
    // RFC 3030 CHUNKING: two chunks, the second LAST.
    let part1 = "Subject: chunked\r\n";
    let part2 = "\r\nbody\r\n";
    c.transcript(&[
        ("MAIL FROM:<x@remote.test>\r\n", &["250 "]),
        ("RCPT TO:<bob@example.test>\r\n", &["250 "]),
        (&format!("BDAT {}\r\n{part1}", part1.len()), &["250 2.0.0"]),
        (&format!("BDAT {} LAST\r\n{part2}", part2.len()), &["250 2.0.0"]),
        ("DATA\r\n", &["503 "]),
    ]);
    // alice got the team message once although she was named twice (group and alias).
    assert_eq!(subjects(&s, "alice@example.test"), ["to the team"]);
    assert_eq!(subjects(&s, "bob@example.test"), ["to the team", "chunked"]);
}

#[test]
fn bad_input() {
    let s = server();
    let addr = s.addr("smtp");
    let mut c = Client::connect(addr);
    c.transcript(&[
        ("", &["220 "]),
        EHLO,
        (&format!("NOOP {}\r\n", "x".repeat(2000)), &["500 5.5.6"]),
        ("MAIL FROM:<x@remote.test>\r\n", &["250 "]),
        ("RCPT TO:<bob@example.test>\r\n", &["250 "]),
        ("DATA\r\n", &["354 "]),
        // A bare LF (the SMTP smuggling shape) is refused, not split into two messages.
        ("Subject: smuggle\r\n\r\nx\n.\nMAIL FROM:<evil@remote.test>\r\n.\r\n", &["550 5.6.0"]),
        ("MAIL FROM:<x@remote.test>\r\n", &["250 "]),
        ("RCPT TO:<bob@example.test>\r\n", &["250 "]),
        ("DATA\r\n", &["354 "]),
        (&format!("Subject: big\r\n\r\n{}\r\n.\r\n", "y".repeat(120_000)), &["552 5.3.4"]),
        ("MAIL FROM:<x@remote.test>\r\n", &["250 "]),
        ("RCPT TO:<bob@example.test>\r\n", &["250 "]),
        ("DATA\r\n", &["354 "]),
        (&format!("{}Subject: loop\r\n\r\nx\r\n.\r\n", "Received: from a by b; x\r\n".repeat(60)), &["554 5.4.6"]),
    ]);
    assert!(subjects(&s, "bob@example.test").is_empty(), "nothing partial is stored");

    // An HTTP request on the SMTP port: the connection is closed, nothing answered.
    let mut h = Client::connect(addr);
    h.transcript(&[("", &["220 "])]);
    h.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(h.closed());

    // Too many errors: 421 and the end.
    let mut e = Client::connect(addr);
    e.transcript(&[("", &["220 "])]);
    for _ in 0..20 {
        e.transcript(&[("FROB\r\n", &["500 "])]);
    }
    e.transcript(&[("FROB\r\n", &["500 ", "421 4.7.0"])]);
    assert!(e.closed());

    // The server still serves others.
    let mut ok = Client::connect(addr);
    ok.transcript(&[("", &["220 "]), EHLO, ("QUIT\r\n", &["221 "])]);
}

#[test]
fn open_relay_battery() {
    let s = server();
    let mut c = Client::connect(s.addr("smtp"));
    c.transcript(&[("", &["220 "]), EHLO, ("MAIL FROM:<spammer@remote.test>\r\n", &["250 "])]);
    for rcpt in [
        "victim@remote.test",
        "victim%remote.test@example.test",
        "@example.test:victim@remote.test",
        "\"victim@remote.test\"@example.test",
        "victim@remote.test@example.test",
        "remote.test!victim@example.test",
        "victim@[192.0.2.1]",
        "victim@example.test.remote.test",
    ] {
        c.send(format!("RCPT TO:<{rcpt}>\r\n").as_bytes());
        let got = c.reply();
        assert!(got.starts_with('5'), "{rcpt} must be refused, got {got:?}");
    }
    c.transcript(&[("DATA\r\n", &["503 "])]);
    let queue = s.admin(&["queue", "list"]);
    assert!(String::from_utf8_lossy(&queue.stdout).trim().is_empty(), "nothing queued");
}

#[test]
fn submission_needs_tls_and_auth() {
    let s = server();
    let mut c = Client::connect(s.addr("submission"));
    c.transcript(&[("", &["220 "])]);
    c.send(b"EHLO client.test\r\n");
    let ehlo = c.reply();
    assert!(ehlo.contains("STARTTLS"), "{ehlo}");
    assert!(!ehlo.contains("AUTH"), "no AUTH before TLS: {ehlo}");
    c.transcript(&[
        ("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABhbGljZS1wdw==\r\n", &["538 5.7.11"]),
        ("MAIL FROM:<alice@example.test>\r\n", &["530 5.7.0"]),
        ("QUIT\r\n", &["221 "]),
    ]);
}

#[test]
fn limits_timeouts_and_broken_clients() {
    let s = Server::start(
        bin(),
        &["smtp", "submissions", "http"],
        "[smtp]\nmax_connections_per_address = 2\ncommand_timeout_secs = 1\n",
    );
    for args in [&["domain", "add", "example.test"][..], &["user", "add", "bob@example.test", "--password", "pw"]] {
        assert!(s.admin(args).status.success());
    }
    let addr = s.addr("smtp");
    // Two connections from one address are let in; the third is told 421 and closed.
    let mut a = Client::connect(addr);
    let mut b = Client::connect(addr);
    a.transcript(&[("", &["220 "])]);
    b.transcript(&[("", &["220 "])]);
    let mut c = Client::connect(addr);
    c.transcript(&[("", &["421 4.7.0"])]);
    assert!(c.closed());
    // A client that says nothing is timed out.
    a.transcript(&[("", &["421 4.4.2"])]);
    assert!(a.closed());
    drop(b);

    // A client that vanishes in the middle of DATA: nothing is stored.
    std::thread::sleep(Duration::from_millis(1200));
    let mut d = Client::connect(addr);
    d.transcript(&[
        ("", &["220 "]),
        EHLO,
        ("MAIL FROM:<x@remote.test>\r\n", &["250 "]),
        ("RCPT TO:<bob@example.test>\r\n", &["250 "]),
        ("DATA\r\n", &["354 "]),
    ]);
    d.send(b"Subject: half\r\n\r\nthe first half of a message");
    drop(d);

    // TLS handshake garbage on the implicit-TLS port: the connection is dropped.
    let mut g = TcpStream::connect(s.addr("submissions")).unwrap();
    g.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    g.write_all(b"\x16\x03\x01\x00\x05hello garbage that is not TLS\r\n").unwrap();
    let mut buf = [0u8; 512];
    let n = g.read(&mut buf).unwrap_or(0);
    assert!(n == 0 || buf[0] == 0x15, "an alert or a close, got {:?}", &buf[..n]);

    // And the server still serves.
    std::thread::sleep(Duration::from_millis(1200));
    let mut ok = Client::connect(addr);
    ok.transcript(&[("", &["220 "]), EHLO, ("QUIT\r\n", &["221 "])]);
    assert!(subjects(&s, "bob@example.test").is_empty(), "the half message left nothing behind");
}

#[test]
fn refused_bdat_chunk_is_not_read_as_commands() {
    let s = server();
    assert!(s.admin(&["user", "add", "postmaster@example.test", "--password", "pm"]).status.success());
    let mut c = Client::connect(s.addr("smtp"));
    c.transcript(&[("", &["220 "]), EHLO]);
    let smuggled = "MAIL FROM:<ceo@bank.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n";
    c.transcript(&[(
        &format!(
            "MAIL FROM:<x@remote.test>\r\nRCPT TO:<nobody@example.test>\r\nBDAT {} LAST\r\n{smuggled}",
            smuggled.len()
        ),
        &["250 2.1.0", "550 5.1.1", "503 5.5.1"],
    )]);
    // The next reply is to NOOP, not to anything inside the chunk.
    c.transcript(&[("NOOP\r\n", &["250 2.0.0"]), ("RSET\r\n", &["250 "])]);
    // RFC 5321 §4.5.1: <Postmaster> without a domain is accepted.
    c.transcript(&[("MAIL FROM:<x@remote.test>\r\n", &["250 "]), ("RCPT TO:<Postmaster>\r\n", &["250 2.1.5"])]);
    assert!(subjects(&s, "bob@example.test").is_empty());
}

/// RFC 5321 §4.1.1.4, §2.3.8 (SMTP smuggling): only CRLF "." CRLF ends DATA. After every other
/// shape of a terminator the server reads on as content, so the smuggled transaction behind it
/// is part of the first message, which is refused whole (bare line end) at the real end; nothing
/// is delivered, and the next reply answers the next command.
#[test]
fn smuggled_message_after_a_fake_terminator_is_never_delivered() {
    let s = server();
    let addr = s.addr("smtp");
    let smuggled = "MAIL FROM:<ceo@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n\
                    From: ceo@example.test\r\nSubject: smuggled\r\n\r\npay now\r\n";
    // (fake terminator, the reply at the real end): a shape with a bare CR or LF refuses the
    // message; one without (a NUL or a space before the dot) is an ordinary line of content.
    for (fake, want) in [
        ("\n.\r\n", "550 5.6.0"),
        ("\r\n.\n", "550 5.6.0"),
        ("\n.\n", "550 5.6.0"),
        ("\r.\r\n", "550 5.6.0"),
        ("\r\n.\r", "550 5.6.0"),
        ("\r.\r", "550 5.6.0"),
        ("\r.\n", "550 5.6.0"),
        ("\n.\r", "550 5.6.0"),
        ("\r\n.\r\r\n", "550 5.6.0"),
        ("\n\n.\n\n", "550 5.6.0"),
        ("\r\n\x00.\r\n", "250 2.0.0"),
        ("\r\n .\r\n", "250 2.0.0"),
    ] {
        let mut c = Client::connect(addr);
        c.transcript(&[
            ("", &["220 "]),
            EHLO,
            ("MAIL FROM:<x@remote.test>\r\n", &["250 "]),
            ("RCPT TO:<bob@example.test>\r\n", &["250 "]),
            ("DATA\r\n", &["354 "]),
        ]);
        c.send(format!("Subject: legit\r\n\r\nhi{fake}{smuggled}.\r\n").as_bytes());
        let first = c.reply();
        assert!(first.starts_with(want), "{fake:?}: {want} at the real end, got {first:?}");
        c.transcript(&[("NOOP\r\n", &["250 2.0.0 OK"]), ("QUIT\r\n", &["221 "])]);
    }
    // The two messages without a bare line end arrived whole, the smuggled text inside them.
    assert_eq!(subjects(&s, "bob@example.test"), ["legit", "legit"]);
    let raw = s.admin(&["mail", "get", "bob@example.test", "2"]);
    assert!(String::from_utf8_lossy(&raw.stdout).ends_with("\r\n .\r\nMAIL FROM:<ceo@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\nFrom: ceo@example.test\r\nSubject: smuggled\r\n\r\npay now\r\n"));
}

/// RFC 5322 §3.6, RFC 7489 §6.6.1: inbound mail with two From fields (however spelled) is
/// refused: DMARC could judge one while the reader is shown the other.
#[test]
fn inbound_mail_with_two_from_fields_is_refused() {
    let s = server();
    let mut c = Client::connect(s.addr("smtp"));
    c.transcript(&[("", &["220 "]), EHLO]);
    for (header, want) in [
        ("From : CEO <ceo@bank.test>\r\nFrom: x@remote.test\r\n", "550 5.6.0"),
        ("From: x@remote.test\r\nfrom: ceo@bank.test\r\n", "550 5.6.0"),
        ("From : x@remote.test\r\n", "250 2.0.0"),
    ] {
        c.transcript(&[
            ("MAIL FROM:<x@remote.test>\r\n", &["250 "]),
            ("RCPT TO:<bob@example.test>\r\n", &["250 "]),
            ("DATA\r\n", &["354 "]),
            (&format!("{header}Subject: two\r\n\r\nhi\r\n.\r\n"), &[want]),
        ]);
    }
    assert_eq!(subjects(&s, "bob@example.test"), ["two"]);
}

/// RFC 3030: BDAT content is no way around the line-end rule, and `BDAT 0 LAST` alone is not a
/// message (it only ends a non-empty chunk sequence); nor is an empty DATA.
#[test]
fn bdat_framing_and_empty_messages() {
    let s = server();
    let mut c = Client::connect(s.addr("smtp"));
    c.transcript(&[("", &["220 "]), EHLO]);
    let begin = |c: &mut Client| {
        c.transcript(&[("MAIL FROM:<x@remote.test>\r\n", &["250 "]), ("RCPT TO:<bob@example.test>\r\n", &["250 "])]);
    };
    begin(&mut c);
    c.transcript(&[("BDAT 0 LAST\r\n", &["554 5.6.0"]), ("NOOP\r\n", &["250 2.0.0 OK"])]);
    begin(&mut c);
    c.transcript(&[("DATA\r\n", &["354 "]), (".\r\n", &["554 5.6.0"])]);
    // A bare LF split across chunks, and a CR ending one chunk and not followed by LF.
    for (one, two) in
        [("Subject: a\r\n\r\nx", "\n.\r\nMAIL FROM:<ceo@example.test>\r\n"), ("Subject: b\r\n\r\nx\r", "y\r\n")]
    {
        begin(&mut c);
        c.transcript(&[
            (&format!("BDAT {}\r\n{one}", one.len()), &["250 2.0.0"]),
            (&format!("BDAT {} LAST\r\n{two}", two.len()), &["550 5.6.0"]),
            ("NOOP\r\n", &["250 2.0.0 OK"]),
        ]);
    }
    // A chunk sequence ended by BDAT 0 LAST is a message.
    begin(&mut c);
    let whole = "Subject: chunks\r\n\r\nbody\r\n";
    c.transcript(&[(&format!("BDAT {}\r\n{whole}", whole.len()), &["250 2.0.0"]), ("BDAT 0 LAST\r\n", &["250 2.0.0"])]);
    assert_eq!(subjects(&s, "bob@example.test"), ["chunks"]);
}

/// A server with submission (plain text allowed on loopback) and users alice and bob.
fn submission_server() -> Server {
    let s = Server::start(bin(), &["submission", "http"], "[smtp]\nplaintext_auth_on_loopback = true\n");
    for args in [
        &["domain", "add", "example.test"][..],
        &["user", "add", "alice@example.test", "--password", "alice-pw"],
        &["user", "add", "bob@example.test", "--password", "bob-pw"],
    ] {
        assert!(s.admin(args).status.success());
    }
    s
}

/// A submission session authenticated (AUTH PLAIN) as `user`.
fn logged_in(s: &Server, user: &str, password: &str) -> Client {
    use base64::Engine;
    let token = base64::engine::general_purpose::STANDARD.encode(format!("\0{user}\0{password}"));
    let mut c = Client::connect(s.addr("submission"));
    c.transcript(&[("", &["220 "]), EHLO, (&format!("AUTH PLAIN {token}\r\n"), &["235 "])]);
    c
}

/// RFC 6409 §8, RFC 5322 §3.6.2, §4.5.3: on submission every From and Sender field counts,
/// spelled as any MIME parser (and IMAP ENVELOPE) reads it: white space before the colon, any
/// case, folded; several From fields, several Sender fields or a From without an address are
/// refused too.
#[test]
fn submission_from_and_sender_spellings() {
    let s = submission_server();
    let mut c = logged_in(&s, "alice@example.test", "alice-pw");
    let alice = "alice@example.test";
    let bob = "CEO Bob <bob@example.test>";
    for (i, (header, want)) in [
        (format!("From: {alice}\r\n"), "250 2.0.0"),
        (format!("From : {bob}\r\nFrom: {alice}\r\n"), "550 5.6.0"),
        (format!("From: {alice}\r\nFrom : {bob}\r\n"), "550 5.6.0"),
        (format!("From : {bob}\r\n"), "550 5.7.1"),
        (format!("From\t: {bob}\r\n"), "550 5.7.1"),
        (format!("FROM: {bob}\r\n"), "550 5.7.1"),
        (format!("from:\r\n {bob}\r\n"), "550 5.7.1"),
        (format!("From: {alice}, {bob}\r\n"), "550 5.7.1"),
        (format!("From: {alice}\r\nFrom: {alice}\r\n"), "550 5.6.0"),
        (format!("From: {alice}\r\nSender: {bob}\r\n"), "550 5.7.1"),
        (format!("From: {alice}\r\nSender : {bob}\r\n"), "550 5.7.1"),
        (format!("From: {alice}\r\nSender: {alice}\r\nSender: {alice}\r\n"), "550 5.6.0"),
        (format!("From: {alice}\r\nSender: {alice}\r\n"), "250 2.0.0"),
        ("From: undisclosed-senders:;\r\n".to_owned(), "550 5.6.0"),
        ("From: <>\r\n".to_owned(), "550 5.6.0"),
        ("Subject: no from at all\r\n".to_owned(), "550 5.6.0"),
    ]
    .into_iter()
    .enumerate()
    {
        c.transcript(&[
            ("MAIL FROM:<alice@example.test>\r\n", &["250 "]),
            ("RCPT TO:<bob@example.test>\r\n", &["250 "]),
            ("DATA\r\n", &["354 "]),
        ]);
        c.send(format!("{header}Subject: case {i}\r\n\r\nhi\r\n.\r\n").as_bytes());
        let got = c.reply();
        assert!(got.starts_with(want), "{header:?}: expected {want}, got {got:?}");
    }
    assert_eq!(subjects(&s, "bob@example.test"), ["case 0", "case 12"]);
}

/// Issue 10 item 8: a stranger's idle session is closed after `unauthenticated_timeout_secs`
/// while one with a transaction under way is not; each listener takes `max_connections` at once.
#[test]
fn idle_strangers_time_out_and_listeners_are_capped() {
    let s = Server::start(
        bin(),
        &["smtp", "http"],
        "[smtp]\nunauthenticated_timeout_secs = 1\nmax_connections = 3\nmax_connections_per_address = 10\n",
    );
    for args in [&["domain", "add", "example.test"][..], &["user", "add", "bob@example.test", "--password", "pw"]] {
        assert!(s.admin(args).status.success());
    }
    let addr = s.addr("smtp");
    let mut idle = Client::connect(addr);
    let mut busy = Client::connect(addr);
    let mut third = Client::connect(addr);
    idle.transcript(&[("", &["220 "]), EHLO]);
    busy.transcript(&[("", &["220 "]), EHLO, ("MAIL FROM:<x@remote.test>\r\n", &["250 "])]);
    third.transcript(&[("", &["220 "])]);
    // A fourth connection from anywhere is over the listener's cap.
    let mut fourth = Client::connect(addr);
    fourth.transcript(&[("", &["421 4.3.2"])]);
    assert!(fourth.closed());
    std::thread::sleep(Duration::from_millis(1600));
    idle.transcript(&[("", &["421 4.4.2"])]);
    assert!(idle.closed());
    third.transcript(&[("", &["421 4.4.2"])]);
    // The session with a transaction under way has the full command timeout.
    busy.transcript(&[("RCPT TO:<bob@example.test>\r\n", &["250 "]), ("QUIT\r\n", &["221 "])]);
    // The closed sessions gave their places back.
    let mut again = Client::connect(addr);
    again.transcript(&[("", &["220 "]), ("QUIT\r\n", &["221 "])]);
}

/// The pid of the server running on `s`'s data directory.
fn server_pid(s: &Server) -> u32 {
    let data = s.data_dir().to_string_lossy().into_owned();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let args: Vec<String> = cmdline.split(|b| *b == 0).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
        if args.iter().any(|a| a == "serve") && args.contains(&data) {
            return pid;
        }
    }
    panic!("no server process for {data}");
}

fn vm_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Issue 10 item 8: message content past `spool_threshold` waits on disk, so a hundred
/// half-sent bodies cost the server little memory (before: every octet in RAM). The size each
/// connection sends is RELAIS_HALF_SENT_MB (default 3; the issue's benchmark is 15, half of 30).
#[test]
fn half_sent_bodies_are_spooled_not_held_in_memory() {
    let mb: usize = std::env::var("RELAIS_HALF_SENT_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let s = Server::start(
        bin(),
        &["smtp", "http"],
        "[smtp]\nmax_connections_per_address = 100\nmax_message_size = 52428800\ndata_timeout_secs = 120\n",
    );
    for args in [&["domain", "add", "example.test"][..], &["user", "add", "bob@example.test", "--password", "pw"]] {
        assert!(s.admin(args).status.success());
    }
    let pid = server_pid(&s);
    let before = vm_rss_kib(pid);
    let line = format!("{}\r\n", "x".repeat(998));
    let block = line.repeat(1024 * 1024 / line.len());
    let started = std::time::Instant::now();
    let mut clients = Vec::new();
    for _ in 0..100 {
        let mut c = Client::connect(s.addr("smtp"));
        c.transcript(&[
            ("", &["220 "]),
            (
                "EHLO client.test\r\nMAIL FROM:<x@remote.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n",
                &["250-", "250 ", "250 ", "354 "],
            ),
        ]);
        c.send(b"Subject: half\r\n\r\n");
        for _ in 0..mb {
            c.send(block.as_bytes());
        }
        clients.push(c);
    }
    // Let the server read what was sent.
    std::thread::sleep(Duration::from_millis(1500));
    let during = vm_rss_kib(pid);
    eprintln!(
        "100 connections x {mb} MiB half-sent in {:.1} s: server VmRSS {} MiB before, {} MiB with them open",
        started.elapsed().as_secs_f64(),
        before / 1024,
        during / 1024
    );
    assert!(during < before + 100 * 1024, "VmRSS grew from {before} KiB to {during} KiB");
    // A spooled message, once finished, is delivered whole.
    let mut first = clients.swap_remove(0);
    first.transcript(&[(".\r\n", &["250 2.0.0"])]);
    drop(clients);
    assert_eq!(subjects(&s, "bob@example.test"), ["half"]);
    let raw = s.admin(&["mail", "get", "bob@example.test", "1"]).stdout;
    let body = raw.windows(4).position(|w| w == b"\r\n\r\n").map(|p| raw.len() - p - 4);
    assert_eq!(body, Some(mb * block.len()));
}

/// Issue 10 item 9: a submission session authenticated with a password that is then changed
/// (or an app password then revoked) ends at its next command with 421; another user's session
/// goes on.
#[test]
fn revoked_credentials_end_submission_sessions() {
    let s = submission_server();
    let mut alice = logged_in(&s, "alice@example.test", "alice-pw");
    let mut bob = logged_in(&s, "bob@example.test", "bob-pw");
    alice.transcript(&[("MAIL FROM:<alice@example.test>\r\n", &["250 "]), ("RSET\r\n", &["250 "])]);
    let out = s.admin(&["user", "passwd", "alice@example.test", "--password", "changed"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The CLI is another process: its commit reaches the server through the store's
    // cross-process notifications (SQLite's data_version, polled every 20 ms).
    std::thread::sleep(std::time::Duration::from_millis(500));
    alice.transcript(&[("MAIL FROM:<alice@example.test>\r\n", &["421 4.7.0"])]);
    assert!(alice.closed(), "the session ends");
    bob.transcript(&[("MAIL FROM:<bob@example.test>\r\n", &["250 "])]);
}
