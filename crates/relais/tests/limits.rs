//! Connection limits of the real binary on real sockets (issue 10, item 8): caps per client
//! address and per listener on IMAP, POP3 and HTTP (SMTP's are its own: tests/smtp.rs); a short timeout before login on IMAP
//! and POP3; and a server whose file descriptors run short keeps serving.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use relais_testkit::{Server, TempDir};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_relais"))
}

/// A connection from 127.0.0.`host` (all of 127.0.0.0/8 is loopback on Linux).
async fn open(host: u8, addr: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((Ipv4Addr::new(127, 0, 0, host), 0))).unwrap();
    socket.connect(addr).await.unwrap()
}

/// What the server sends first (up to the first line end), or "" when it closes or says nothing
/// within 5 s.
async fn first_line(s: &mut TcpStream) -> String {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !line.ends_with(b"\n") {
        match tokio::time::timeout_at(deadline, s.read(&mut byte)).await {
            Ok(Ok(1)) => line.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&line).into_owned()
}

/// True if the server closes the connection within `within`.
async fn closed(s: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 512];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
            Err(_) => return false,
        }
    }
}

struct Protocol {
    listener: &'static str,
    /// What an admitted client reads first (HTTP: after a request).
    welcome: &'static str,
    refusal: &'static str,
}

const PROTOCOLS: [Protocol; 3] = [
    Protocol { listener: "imap", welcome: "* OK", refusal: "* BYE [UNAVAILABLE]" },
    Protocol { listener: "pop3", welcome: "+OK", refusal: "-ERR [SYS/TEMP]" },
    Protocol { listener: "http", welcome: "HTTP/1.1 200", refusal: "HTTP/1.1 503" },
];

async fn greeting(p: &Protocol, s: &mut TcpStream) -> String {
    if p.listener == "http" {
        // An admitted HTTP client is not greeted: ask; a refused one is told at once.
        let mut peek = [0u8; 1];
        if tokio::time::timeout(Duration::from_millis(300), s.peek(&mut peek)).await.is_err() {
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: mail.test\r\n\r\n").await.unwrap();
        }
    }
    first_line(s).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_are_capped_per_address_and_per_listener() {
    let mut extra = String::new();
    for section in ["imap", "pop3", "http"] {
        extra.push_str(&format!("[{section}]\nmax_connections = 4\nmax_connections_per_address = 2\n"));
    }
    let server = Server::start(bin(), &["imap", "pop3", "http"], &extra);
    for p in &PROTOCOLS {
        let addr = server.addr(p.listener);
        let mut admitted = Vec::new();
        for host in [1, 1, 2, 2] {
            let mut s = open(host, addr).await;
            let g = greeting(p, &mut s).await;
            assert!(g.starts_with(p.welcome), "{}: from 127.0.0.{host}: {g:?}", p.listener);
            admitted.push(s);
        }
        // A third from one address, and a fifth on the listener: refused and closed.
        for (host, why) in [(1, "per address"), (3, "per listener")] {
            let mut s = open(host, addr).await;
            let g = greeting(p, &mut s).await;
            assert!(g.starts_with(p.refusal), "{} over the cap {why}: {g:?}", p.listener);
            assert!(closed(&mut s, Duration::from_secs(5)).await, "{}: refused and closed", p.listener);
        }
        // A connection that ends gives its place back.
        drop(admitted.remove(0));
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let mut s = open(3, addr).await;
            let g = greeting(p, &mut s).await;
            if g.starts_with(p.welcome) {
                break;
            }
            assert!(Instant::now() < deadline, "{}: the place was not given back: {g:?}", p.listener);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn send(s: &mut TcpStream, line: &str) -> String {
    s.write_all(line.as_bytes()).await.unwrap();
    first_line(s).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_connections_time_out_soon() {
    let extra = "[imap]\nlogin_timeout_secs = 1\nplaintext_auth_on_loopback = true\n\
                 [pop3]\nlogin_timeout_secs = 1\nplaintext_auth_on_loopback = true\n";
    let server = Server::start(bin(), &["imap", "pop3"], extra);
    for args in [&["domain", "add", "example.test"][..], &["user", "add", "kim@example.test", "--password", "pw"]] {
        assert!(server.admin(args).status.success());
    }
    // Before login: closed after the short timeout (RFC 9051 §5.4 autologout is for sessions).
    let mut imap = open(1, server.addr("imap")).await;
    assert!(first_line(&mut imap).await.starts_with("* OK"));
    let started = Instant::now();
    assert!(first_line(&mut imap).await.starts_with("* BYE"));
    assert!(closed(&mut imap, Duration::from_secs(3)).await);
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
    let mut pop3 = open(1, server.addr("pop3")).await;
    assert!(first_line(&mut pop3).await.starts_with("+OK"));
    assert!(first_line(&mut pop3).await.starts_with("-ERR"));
    assert!(closed(&mut pop3, Duration::from_secs(3)).await);

    // After login, the long idle timeout applies.
    let mut imap = open(1, server.addr("imap")).await;
    first_line(&mut imap).await;
    assert!(send(&mut imap, "a LOGIN kim@example.test pw\r\n").await.starts_with("a OK"));
    let mut pop3 = open(1, server.addr("pop3")).await;
    first_line(&mut pop3).await;
    assert!(send(&mut pop3, "USER kim@example.test\r\n").await.starts_with("+OK"));
    assert!(send(&mut pop3, "PASS pw\r\n").await.starts_with("+OK"));
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(send(&mut imap, "b NOOP\r\n").await.starts_with("b OK"));
    assert!(send(&mut pop3, "NOOP\r\n").await.starts_with("+OK"));
}

/// A `relais` that starts with at most `limit` file descriptors (soft and hard).
fn limited_binary(dir: &Path, limit: u32) -> PathBuf {
    let path = dir.join("relais-limited");
    std::fs::write(&path, format!("#!/bin/sh\nulimit -n {limit}\nexec '{}' \"$@\"\n", bin().display())).unwrap();
    std::process::Command::new("chmod").arg("+x").arg(&path).status().unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_short_of_descriptors_does_not_stop_the_listeners() {
    let dir = TempDir::new("relais-fds");
    let extra = "[imap]\nmax_connections_per_address = 10000\nmax_connections = 10000\n";
    let server = Server::start(&limited_binary(dir.path(), 256), &["imap", "http"], extra);
    let addr = server.addr("imap");
    // Far more clients than the process has descriptors for.
    let tasks: Vec<_> = (0..400u32)
        .map(|i| {
            tokio::spawn(async move {
                let mut s = open(1 + (i % 200) as u8, addr).await;
                let g = first_line(&mut s).await;
                (s, g)
            })
        })
        .collect();
    let mut clients = Vec::new();
    let (mut welcomed, mut refused) = (0, 0);
    for t in tasks {
        let (s, g) = t.await.unwrap();
        if g.starts_with("* OK") {
            welcomed += 1;
        } else if g.starts_with("* BYE") {
            refused += 1;
        }
        clients.push(s);
    }
    assert!(welcomed > 0 && refused > 0 && welcomed + refused == 400, "{welcomed} welcomed, {refused} refused");
    drop(clients);
    // Once they are gone, every listener serves again.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut s = open(7, addr).await;
        if first_line(&mut s).await.starts_with("* OK") {
            break;
        }
        assert!(Instant::now() < deadline, "IMAP does not serve again:\n{}", server.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut http = open(7, server.addr("http")).await;
    assert!(send(&mut http, "GET /healthz HTTP/1.1\r\nHost: mail.test\r\n\r\n").await.starts_with("HTTP/1.1 200"));
    assert!(server.log().contains("file descriptors"), "the limit is logged:\n{}", server.log());
}
