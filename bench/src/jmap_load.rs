//! JMAP load generator over plain HTTP/1.1 keep-alive (the server must allow Basic auth on
//! loopback); one mode a run; prints progress and `<figure>=N` last.
//!
//! - `query`: C clients send, for S seconds, the request a mail client opens a mailbox with
//!   (issue 15's benchmark): Email/query (inMailbox the Inbox, sort receivedAt descending,
//!   collapseThreads, limit 50) and, by a result reference, Email/get of those ids
//!   (preview, from, subject, keywords, receivedAt, threadId): `requests_per_s`, and each
//!   request's latency (p50, p99).
//! - `eventsource`: N clients, one per account `u{i}@DOMAIN` (from 250 loopback source
//!   addresses), each with an EventSource connection open (`types=*`, `closeafter=no`, no
//!   ping); the server's resident memory per connection (`--pid`), then one message over SMTP
//!   to each of K of the accounts, one after the other, and the time from the end of its data
//!   (the 250 may come after the push) to that client's `state` event: `kib_per_connection`, `p50_ms`, `p99_ms`.
//!
//! cargo run --release -p relais-bench --bin jmap-load -- query --addr HOST:PORT --user U --password P [--clients C] [--seconds S]
//! cargo run --release -p relais-bench --bin jmap-load -- eventsource --addr HOST:PORT --smtp HOST:PORT --pid PID --domain D --password P --count N --wake K

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

#[path = "http.rs"]
mod http;
mod procmem;
mod wake;
use http::Http;

const MAIL: &str = "urn:ietf:params:jmap:mail";

struct Args {
    mode: String,
    addr: String,
    user: String,
    password: String,
    clients: usize,
    seconds: u64,
    smtp: String,
    pid: u32,
    domain: String,
    count: usize,
    wake: usize,
}

fn args() -> Result<Args> {
    let mut it = std::env::args().skip(1);
    let mode = it.next().context("usage: jmap-load query --addr HOST:PORT --user U --password P …")?;
    let mut a = Args {
        mode,
        addr: String::new(),
        user: String::new(),
        password: "pass".into(),
        clients: 8,
        seconds: 10,
        smtp: String::new(),
        pid: 0,
        domain: String::new(),
        count: 10_000,
        wake: 200,
    };
    while let Some(arg) = it.next() {
        let mut v = || it.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--addr" => a.addr = v()?,
            "--user" => a.user = v()?,
            "--password" => a.password = v()?,
            "--clients" => a.clients = v()?.parse()?,
            "--seconds" => a.seconds = v()?.parse()?,
            "--smtp" => a.smtp = v()?,
            "--pid" => a.pid = v()?.parse()?,
            "--domain" => a.domain = v()?,
            "--count" => a.count = v()?.parse()?,
            "--wake" => a.wake = v()?.parse()?,
            other => bail!("unknown argument {other}"),
        }
    }
    if a.addr.is_empty() || (a.mode == "query" && a.user.is_empty()) {
        bail!("--addr (and for query --user) are needed");
    }
    Ok(a)
}

async fn call(c: &mut Http, request: &Value) -> Result<Value> {
    let body = serde_json::to_vec(request)?;
    let (status, out) = c.call("POST", "/jmap/api", "Content-Type: application/json\r\n", &body).await?;
    if status != 200 {
        bail!("/jmap/api answered {status}: {}", String::from_utf8_lossy(&out));
    }
    Ok(serde_json::from_slice(&out)?)
}

/// The account and its Inbox's id.
async fn inbox(a: &Args) -> Result<(String, String)> {
    let mut c = Http::connect(&a.addr, &a.user, &a.password).await?;
    let (status, body) = c.call("GET", "/.well-known/jmap", "", b"").await?;
    if status != 200 {
        bail!("the session answered {status}");
    }
    let session: Value = serde_json::from_slice(&body)?;
    let account = session["primaryAccounts"][MAIL].as_str().context("no mail account")?.to_owned();
    let found = call(
        &mut c,
        &json!({"using": [MAIL], "methodCalls": [["Mailbox/query", {"accountId": account, "filter": {"role": "inbox"}}, "m"]]}),
    )
    .await?;
    let id = found["methodResponses"][0][1]["ids"][0].as_str().context("no Inbox")?.to_owned();
    Ok((account, id))
}

fn open_mailbox(account: &str, mailbox: &str) -> Value {
    json!({
        "using": ["urn:ietf:params:jmap:core", MAIL],
        "methodCalls": [
            ["Email/query", {
                "accountId": account,
                "filter": {"inMailbox": mailbox},
                "sort": [{"property": "receivedAt", "isAscending": false}],
                "collapseThreads": true,
                "limit": 50,
            }, "q"],
            ["Email/get", {
                "accountId": account,
                "#ids": {"resultOf": "q", "name": "Email/query", "path": "/ids"},
                "properties": ["preview", "from", "subject", "keywords", "receivedAt", "threadId"],
            }, "g"],
        ],
    })
}

/// One client: the request again and again until `stop`; each one's latency.
async fn client(a: Arc<Args>, request: Arc<Value>, stop: Arc<AtomicBool>) -> Result<Vec<Duration>> {
    let mut c = Http::connect(&a.addr, &a.user, &a.password).await?;
    let mut took = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let t = Instant::now();
        let answer = call(&mut c, &request).await?;
        took.push(t.elapsed());
        let got = answer["methodResponses"][1][1]["list"].as_array().map_or(0, Vec::len);
        if answer["methodResponses"][1][0] != "Email/get" || got == 0 {
            bail!("unexpected answer: {answer}");
        }
    }
    Ok(took)
}

#[tokio::main]
async fn main() -> Result<()> {
    let a = Arc::new(args()?);
    match a.mode.as_str() {
        "query" => {}
        "eventsource" => return push::run(a).await,
        other => bail!("unknown mode {other}"),
    }
    let (account, mailbox) = inbox(&a).await?;
    let request = Arc::new(open_mailbox(&account, &mailbox));
    // Untimed: one request first (what a server builds on first use).
    let mut warm = Http::connect(&a.addr, &a.user, &a.password).await?;
    let mut counted = (*request).clone();
    counted["methodCalls"][0][1]["calculateTotal"] = json!(true);
    let first = call(&mut warm, &counted).await?;
    let total = first["methodResponses"][0][1]["total"].as_u64().unwrap_or(0);
    println!("Inbox {mailbox}: {total} threads (collapsed)");
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let tasks: Vec<_> =
        (0..a.clients).map(|_| tokio::spawn(client(a.clone(), request.clone(), stop.clone()))).collect();
    tokio::time::sleep(Duration::from_secs(a.seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut took = Vec::new();
    for t in tasks {
        took.extend(t.await??);
    }
    let secs = start.elapsed().as_secs_f64();
    took.sort();
    let at = |q: f64| took.get(((took.len() as f64 * q) as usize).min(took.len().saturating_sub(1))).copied();
    let ms = |d: Option<Duration>| d.map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    println!(
        "{} requests in {secs:.2} s over {} clients, latency p50 {:.1} ms, p99 {:.1} ms",
        took.len(),
        a.clients,
        ms(at(0.5)),
        ms(at(0.99))
    );
    println!("requests_per_s={:.0}", took.len() as f64 / secs);
    Ok(())
}

mod push {
    use std::net::{Ipv4Addr, SocketAddr};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use anyhow::{Result, bail};
    use base64::Engine;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    use tokio::net::TcpSocket;
    use tokio::sync::mpsc;

    use super::Args;
    use crate::procmem::rss_kib;
    use crate::wake::deliver;

    /// One client: its EventSource open (told on `open`), then the instant of each `state`
    /// event (on `events`) until the server closes.
    async fn client(
        i: usize,
        source: Ipv4Addr,
        a: Arc<Args>,
        open: mpsc::Sender<usize>,
        events: mpsc::Sender<(usize, Instant)>,
    ) -> Result<()> {
        let socket = TcpSocket::new_v4()?;
        socket.bind(SocketAddr::from((source, 0)))?;
        let stream = socket.connect(a.addr.parse()?).await?;
        stream.set_nodelay(true)?;
        let token = base64::engine::general_purpose::STANDARD.encode(format!("u{i}@{}:{}", a.domain, a.password));
        let mut io = BufReader::with_capacity(1024, stream);
        io.get_mut()
            .write_all(
                format!(
                    "GET /jmap/eventsource?types=*&closeafter=no&ping=0 HTTP/1.1\r\nHost: bench\r\n\
                     Authorization: Basic {token}\r\nAccept: text/event-stream\r\n\r\n"
                )
                .as_bytes(),
            )
            .await?;
        let mut line = String::new();
        io.read_line(&mut line).await?;
        if !line.starts_with("HTTP/1.1 200") {
            bail!("eventsource answered {line:?}");
        }
        loop {
            line.clear();
            io.read_line(&mut line).await?;
            if line.trim_end().is_empty() {
                break;
            }
        }
        open.send(i).await.ok();
        loop {
            line.clear();
            if io.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            if line.starts_with("event: state") {
                events.send((i, Instant::now())).await.ok();
            }
        }
    }

    pub(super) async fn run(a: Arc<Args>) -> Result<()> {
        let before = rss_kib(a.pid)?;
        let (open_tx, mut open_rx) = mpsc::channel(1024);
        let (event_tx, mut event_rx) = mpsc::channel(a.count.max(1));
        let started = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        let (mut opened, mut failed) = (0usize, 0usize);
        for i in 0..a.count {
            let source = Ipv4Addr::from(u32::from(Ipv4Addr::new(127, 0, 0, 2)) + u32::try_from(i % 250).unwrap_or(0));
            let (a, otx, etx) = (a.clone(), open_tx.clone(), event_tx.clone());
            tasks.spawn(async move { client(i, source, a, otx, etx).await });
            // At most 64 clients setting up at once.
            while i + 1 - opened - failed > 64 {
                tokio::select! {
                    Some(_) = open_rx.recv() => opened += 1,
                    Some(done) = tasks.join_next() => if !matches!(done, Ok(Ok(()))) {
                        failed += 1;
                        if failed <= 5 { eprintln!("client: {done:?}"); }
                    },
                }
            }
        }
        while opened + failed < a.count {
            tokio::select! {
                Some(_) = open_rx.recv() => opened += 1,
                Some(done) = tasks.join_next() => if !matches!(done, Ok(Ok(()))) { failed += 1 },
            }
        }
        println!(
            "{opened} EventSource connections open ({failed} failed) after {:.1} s",
            started.elapsed().as_secs_f64()
        );
        tokio::time::sleep(Duration::from_secs(3)).await;
        let after = rss_kib(a.pid)?;
        let (per, per_anon) = after.per(before, opened);
        println!(
            "server PSS {:.1} → {:.1} MiB (anonymous {:.1} → {:.1}): {per:.1} KiB per connection, {per_anon:.1} of it anonymous",
            before.all as f64 / 1024.0,
            after.all as f64 / 1024.0,
            before.anon as f64 / 1024.0,
            after.anon as f64 / 1024.0
        );
        let wake: Vec<usize> = (0..a.wake.min(a.count)).map(|k| k * a.count / a.wake.max(1)).collect();
        let mut latencies = Vec::new();
        for i in &wake {
            // From the end of the message's data: the push may come before the 250 is read.
            let (sent, _) = deliver(&a.smtp, &[format!("u{i}@{}", a.domain)]).await?;
            // That client's first state event after the 250 (others' are not expected).
            let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
            loop {
                match tokio::time::timeout_at(deadline, event_rx.recv()).await {
                    // Each connection's first event (on opening, RFC 8620 §7.3) came before.
                    Ok(Some((who, at))) if who == *i && at >= sent => {
                        latencies.push(at.saturating_duration_since(sent).as_secs_f64() * 1000.0);
                        break;
                    }
                    Ok(Some(_)) => {}
                    _ => break,
                }
            }
        }
        latencies.sort_by(|x, y| x.total_cmp(y));
        let pct = |q: f64| {
            latencies.get(((latencies.len() as f64 * q).ceil() as usize).saturating_sub(1)).copied().unwrap_or(f64::NAN)
        };
        println!(
            "kib_per_connection={per:.1} anon_kib_per_connection={per_anon:.1} p50_ms={:.1} p99_ms={:.1} pushed={}/{}",
            pct(0.5),
            pct(0.99),
            latencies.len(),
            wake.len()
        );
        Ok(())
    }
}
