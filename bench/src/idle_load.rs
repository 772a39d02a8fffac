//! Idle pre-login connections against the listeners' limits, then another user's IMAP LOGIN.
//!
//! Opens `--count` connections spread over the given listeners (`--listener KIND=HOST:PORT`,
//! KIND one of imap, pop3, smtp, http; a listener given twice gets twice the share), each from
//! one of `--sources` loopback addresses 127.0.0.2… (all of 127.0.0.0/8 is loopback on Linux),
//! so that per-address caps do not refuse them. Each waits for its greeting (HTTP: none; the
//! connection is just held), then stays idle. With everything open, it reads the server's RSS
//! (`--pid`) and times `--logins` IMAP LOGINs of `--user`/`--password` from 127.0.1.1, each on
//! a fresh connection. Last line: `rss_mib=N login_ms=M` (M: the slowest login, the first one
//! being a full Argon2id verification).
//!
//! cargo run --release -p relais-bench --bin idle-load -- --pid PID --listener imap=127.0.0.1:143 …

mod procmem;

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};

struct Args {
    pid: u32,
    listeners: Vec<(String, SocketAddr)>,
    imap: Option<SocketAddr>,
    count: usize,
    sources: u32,
    user: String,
    password: String,
    logins: usize,
}

fn args() -> Result<Args> {
    let mut a = Args {
        pid: 0,
        listeners: Vec::new(),
        imap: None,
        count: 10_000,
        sources: 250,
        user: String::new(),
        password: String::new(),
        logins: 5,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut v = || it.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--pid" => a.pid = v()?.parse()?,
            "--listener" => {
                let value = v()?;
                let (kind, addr) = value.split_once('=').context("--listener KIND=HOST:PORT")?;
                let addr: SocketAddr = addr.parse()?;
                if kind == "imap" {
                    a.imap.get_or_insert(addr);
                }
                a.listeners.push((kind.to_owned(), addr));
            }
            "--count" => a.count = v()?.parse()?,
            "--sources" => a.sources = v()?.parse()?,
            "--user" => a.user = v()?,
            "--password" => a.password = v()?,
            "--logins" => a.logins = v()?.parse()?,
            other => bail!("unknown argument {other}"),
        }
    }
    if a.listeners.is_empty() || a.imap.is_none() || a.pid == 0 {
        bail!(
            "usage: idle-load --pid PID --listener imap=HOST:PORT [--listener KIND=HOST:PORT …] --user U --password P"
        );
    }
    Ok(a)
}

async fn open(source: Ipv4Addr, addr: SocketAddr) -> Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from((source, 0)))?;
    Ok(socket.connect(addr).await?)
}

/// Opens one idle connection; true if the server let it in (a greeting, or for HTTP no refusal).
async fn idle(kind: String, source: Ipv4Addr, addr: SocketAddr) -> Option<TcpStream> {
    let mut s = open(source, addr).await.ok()?;
    let mut first = [0u8; 64];
    let wait = if kind == "http" { Duration::from_millis(500) } else { Duration::from_secs(20) };
    match tokio::time::timeout(wait, s.read(&mut first)).await {
        // HTTP greets nobody: silence is admission; anything else is a refusal.
        Err(_) if kind == "http" => Some(s),
        Ok(Ok(n)) if n > 0 => {
            let admitted = match kind.as_str() {
                "imap" => first.starts_with(b"* OK"),
                "pop3" => first.starts_with(b"+OK"),
                "smtp" => first.starts_with(b"220"),
                _ => false,
            };
            admitted.then_some(s)
        }
        _ => None,
    }
}

fn rss_kib(pid: u32) -> Result<u64> {
    Ok(procmem::rss_kib(pid)?.all)
}

async fn login(addr: SocketAddr, user: &str, password: &str) -> Result<Duration> {
    let started = Instant::now();
    let stream = open(Ipv4Addr::new(127, 0, 1, 1), addr).await?;
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    let mut line = String::new();
    r.read_line(&mut line).await?;
    if !line.starts_with("* OK") {
        bail!("IMAP greeting: {line:?}");
    }
    w.write_all(format!("a LOGIN \"{user}\" \"{password}\"\r\n").as_bytes()).await?;
    loop {
        line.clear();
        if r.read_line(&mut line).await? == 0 {
            bail!("closed during LOGIN");
        }
        if line.starts_with("a OK") {
            break;
        }
        if line.starts_with("a ") {
            bail!("LOGIN: {line:?}");
        }
    }
    let took = started.elapsed();
    w.write_all(b"b LOGOUT\r\n").await?;
    Ok(took)
}

#[tokio::main]
async fn main() -> Result<()> {
    let a = args()?;
    let before = rss_kib(a.pid)?;
    println!("server PSS before: {:.1} MiB", before as f64 / 1024.0);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let mut held = Vec::with_capacity(a.count);
    let mut by_kind = std::collections::BTreeMap::<String, (usize, usize)>::new();
    for i in 0..a.count {
        let (kind, addr) = a.listeners[i % a.listeners.len()].clone();
        let n = u32::try_from(i / a.listeners.len()).unwrap_or(0) % a.sources.max(1);
        let source = Ipv4Addr::from(u32::from(Ipv4Addr::new(127, 0, 0, 2)) + n);
        by_kind.entry(kind.clone()).or_default().0 += 1;
        tasks.spawn(async move { (kind.clone(), idle(kind, source, addr).await) });
        // A few hundred handshakes in flight at once: a SYN flood is not what is measured.
        while tasks.len() >= 500 {
            if let Some(Ok((kind, s))) = tasks.join_next().await {
                count(&mut by_kind, &mut held, kind, s);
            }
        }
    }
    while let Some(r) = tasks.join_next().await {
        if let Ok((kind, s)) = r {
            count(&mut by_kind, &mut held, kind, s);
        }
    }
    println!("opened in {:.1} s", started.elapsed().as_secs_f64());
    for (kind, (tried, admitted)) in &by_kind {
        println!("{kind}: {admitted} of {tried} admitted and idle");
    }
    // ── Hook: the half-sent request bodies of bench/limits (HTTP's part) run here, while all
    // of the above is held; see bench/limits.
    if let Ok(hook) = std::env::var("IDLE_LOAD_HOOK")
        && !hook.is_empty()
    {
        let status = std::process::Command::new("sh").arg("-c").arg(&hook).status()?;
        println!("hook {hook:?}: {status}");
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss = rss_kib(a.pid)?;
    let imap = a.imap.context("an imap listener")?;
    let mut logins = Vec::new();
    for _ in 0..a.logins {
        logins.push(login(imap, &a.user, &a.password).await?);
    }
    let slowest = logins.iter().max().copied().unwrap_or_default();
    println!(
        "held {} idle connections; server PSS {:.1} MiB ({:.1} KiB per connection over the start)",
        held.len(),
        rss as f64 / 1024.0,
        rss.saturating_sub(before) as f64 / held.len().max(1) as f64
    );
    println!("IMAP LOGIN of another user: {:?} (first: full Argon2id; then the verification cache)", logins);
    println!("rss_mib={} login_ms={}", rss / 1024, slowest.as_millis());
    drop(held);
    Ok(())
}

fn count(
    by_kind: &mut std::collections::BTreeMap<String, (usize, usize)>,
    held: &mut Vec<TcpStream>,
    kind: String,
    s: Option<TcpStream>,
) {
    if let Some(s) = s {
        by_kind.entry(kind).or_default().1 += 1;
        held.push(s);
    }
}
