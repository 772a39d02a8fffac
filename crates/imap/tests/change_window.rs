//! A session whose selected view fell out of the change-log window (the log was trimmed past
//! it while it was away) cannot reconcile its sequence numbers: it gets `* BYE` and the
//! connection ends, instead of going on with a stale view. Driven over a real socket against
//! `relais_imap::serve`, with the store's own trimming entry point (`trim_changes_before`, what
//! the hourly maintenance task calls with the configured window).

mod common;

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::watch;

const USER: &str = "alice@example.test";
const PASSWORD: &str = "alice-pw";

/// A client on one connection: sends a line, reads until the tagged answer (or the end).
struct Client {
    stream: BufReader<TcpStream>,
}

impl Client {
    async fn connect(addr: std::net::SocketAddr) -> Client {
        let mut c = Client { stream: BufReader::new(TcpStream::connect(addr).await.expect("connect")) };
        let greeting = c.line().await.expect("greeting");
        assert!(greeting.starts_with("* OK"), "{greeting}");
        c
    }

    /// Connected and logged in as the test user.
    async fn login(addr: std::net::SocketAddr) -> Client {
        let mut c = Client::connect(addr).await;
        let lines = c.run("l1", &format!("LOGIN {USER} {PASSWORD}")).await;
        assert!(tagged_ok(&lines, "l1"), "{lines:?}");
        c
    }

    /// APPENDs a message to INBOX (LITERAL+).
    async fn append(&mut self, message: &str) {
        let lines = self.run("p1", &format!("APPEND INBOX {{{}+}}\r\n{message}", message.len())).await;
        assert!(tagged_ok(&lines, "p1"), "{lines:?}");
    }

    async fn line(&mut self) -> Option<String> {
        common::line(&mut self.stream).await
    }

    /// Everything up to and including the line tagged `tag`; stops early if the server closes.
    async fn run(&mut self, tag: &str, command: &str) -> Vec<String> {
        self.stream.get_mut().write_all(format!("{tag} {command}\r\n").as_bytes()).await.expect("write");
        let mut lines = Vec::new();
        while let Some(l) = self.line().await {
            let done = l.starts_with(&format!("{tag} "));
            lines.push(l);
            if done {
                break;
            }
        }
        lines
    }
}

async fn server() -> (relais_testkit::backends::Fresh, std::net::SocketAddr, watch::Sender<bool>) {
    common::server(&[(USER, "Alice", PASSWORD)]).await
}

fn tagged_ok(lines: &[String], tag: &str) -> bool {
    lines.last().is_some_and(|l| l.starts_with(&format!("{tag} OK")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_view_older_than_the_change_log_gets_bye() {
    let (fresh, addr, _shutdown) = server().await;
    let mut away = Client::login(addr).await;
    assert!(tagged_ok(&away.run("a2", "SELECT INBOX").await, "a2"));

    // Another session changes the mailbox while the first one does nothing.
    Client::login(addr).await.append("Subject: while you were away\r\n\r\nhello\r\n").await;

    // Maintenance trims the log past everything written so far.
    let trimmed = fresh.store.trim_changes_before(relais_store::now() + 10).await.expect("trim");
    assert!(trimmed > 0, "the APPEND's changes were in the log");

    // The away session's next command finds its view can no longer be brought up to date.
    // It answers the command, then says BYE and closes (RFC 9051 §7.1.5).
    let mut lines = away.run("a3", "NOOP").await;
    while let Some(l) = away.line().await {
        lines.push(l);
    }
    assert!(lines.last().is_some_and(|l| l.starts_with("* BYE")), "BYE, then the end: {lines:?}");

    // A new session is fine: it starts from the mailbox as it is.
    let select = Client::login(addr).await.run("c2", "SELECT INBOX").await;
    assert!(select.iter().any(|l| l == "* 1 EXISTS\r\n"), "{select:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_view_inside_the_window_carries_on() {
    let (fresh, addr, _shutdown) = server().await;
    let mut c = Client::login(addr).await;
    assert!(tagged_ok(&c.run("a2", "SELECT INBOX").await, "a2"));
    // Trimming only what is older than the window (an hour ago) leaves this session alone.
    fresh.store.trim_changes_before(relais_store::now() - 3600).await.expect("trim");
    Client::login(addr).await.append("Subject: new\r\n\r\nhello\r\n").await;
    let lines = c.run("a3", "NOOP").await;
    assert!(lines.iter().any(|l| l == "* 1 EXISTS\r\n") && tagged_ok(&lines, "a3"), "{lines:?}");
}
