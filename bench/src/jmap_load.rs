//! JMAP load generator over plain HTTP/1.1 keep-alive (the server must allow Basic auth on
//! loopback); one mode a run; prints progress and `<figure>=N` last.
//!
//! - `query`: C clients send, for S seconds, the request a mail client opens a mailbox with
//!   (issue 15's benchmark): Email/query (inMailbox the Inbox, sort receivedAt descending,
//!   collapseThreads, limit 50) and, by a result reference, Email/get of those ids
//!   (preview, from, subject, keywords, receivedAt, threadId): `requests_per_s`, and each
//!   request's latency (p50, p99).
//!
//! cargo run --release -p relais-bench --bin jmap-load -- query --addr HOST:PORT --user U --password P [--clients C] [--seconds S]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

#[path = "http.rs"]
mod http;
use http::Http;

const MAIL: &str = "urn:ietf:params:jmap:mail";

struct Args {
    mode: String,
    addr: String,
    user: String,
    password: String,
    clients: usize,
    seconds: u64,
}

fn args() -> Result<Args> {
    let mut it = std::env::args().skip(1);
    let mode = it.next().context("usage: jmap-load query --addr HOST:PORT --user U --password P …")?;
    let mut a =
        Args { mode, addr: String::new(), user: String::new(), password: "pass".into(), clients: 8, seconds: 10 };
    while let Some(arg) = it.next() {
        let mut v = || it.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--addr" => a.addr = v()?,
            "--user" => a.user = v()?,
            "--password" => a.password = v()?,
            "--clients" => a.clients = v()?.parse()?,
            "--seconds" => a.seconds = v()?.parse()?,
            other => bail!("unknown argument {other}"),
        }
    }
    if a.addr.is_empty() || a.user.is_empty() {
        bail!("--addr and --user are needed");
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
    if a.mode != "query" {
        bail!("unknown mode {}", a.mode);
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
