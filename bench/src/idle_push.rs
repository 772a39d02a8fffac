//! IMAP IDLE at scale: N sessions, each logged in as its own account and idling on its INBOX,
//! while deliveries run to another account; then a wake-up check. Measures what an idle push
//! connection costs the server (memory per session) and whether commits to one account cost
//! the sessions of the others anything (the delivery rate is the hook's figure).
//!
//! `idle-push users --count N --domain D --password P` prints a CSV for
//! `relais admin user import` (accounts u0…u{N-1}; one Argon2id hash of minimal cost shared by
//! all rows, so that provisioning and N logins take seconds: the login cost is not measured
//! here, bench/imap measures it).
//!
//! `idle-push hold --pid PID --imap HOST:PORT --smtp HOST:PORT --count N --domain D
//! --password P [--sources S] [--wake K]` opens the N sessions (from S loopback source
//! addresses, so per-address caps do not refuse them) in two halves and reads the server's RSS
//! before, between and after: the second half's growth per session is the marginal cost of
//! an idle session (the first half also warms what all share, such as page caches), runs `$IDLE_PUSH_HOOK` (the delivery load) while they idle, then delivers one message
//! to each of K accounts and waits for their sessions' `* n EXISTS`. Last line:
//! `sessions=N kib_per_session=X anon_kib_per_session=A kib_overall=Y woken=K/K` (X: the second
//! half's RSS growth per session; A: the anonymous part of it, without the pages of the store's
//! file mapped by SQLite; Y: the whole growth over the start per session).

mod procmem;
mod wake;

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use argon2::password_hash::{PasswordHasher, SaltString};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpSocket, TcpStream};

use procmem::rss_kib;

struct Args {
    pid: u32,
    imap: Option<SocketAddr>,
    smtp: Option<SocketAddr>,
    count: usize,
    sources: u32,
    domain: String,
    password: String,
    wake: usize,
}

fn args(mut it: impl Iterator<Item = String>) -> Result<Args> {
    let mut a = Args {
        pid: 0,
        imap: None,
        smtp: None,
        count: 10_000,
        sources: 250,
        domain: "example.test".into(),
        password: "pass".into(),
        wake: 20,
    };
    while let Some(arg) = it.next() {
        let mut v = || it.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--pid" => a.pid = v()?.parse()?,
            "--imap" => a.imap = Some(v()?.parse()?),
            "--smtp" => a.smtp = Some(v()?.parse()?),
            "--count" => a.count = v()?.parse()?,
            "--sources" => a.sources = v()?.parse()?,
            "--domain" => a.domain = v()?,
            "--password" => a.password = v()?,
            "--wake" => a.wake = v()?.parse()?,
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(a)
}

/// One idling session: its reader (to see what the server pushes) and writer (kept open).
struct Idler {
    reader: BufReader<OwnedReadHalf>,
    _writer: OwnedWriteHalf,
}

async fn open(source: Ipv4Addr, addr: SocketAddr) -> Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from((source, 0)))?;
    Ok(socket.connect(addr).await?)
}

async fn expect(r: &mut BufReader<OwnedReadHalf>, tag: &str) -> Result<()> {
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).await? == 0 {
            bail!("closed waiting for {tag:?}");
        }
        if line.starts_with(tag) {
            return Ok(());
        }
        if line.starts_with(&tag[..tag.len().min(2)]) && !line.starts_with('*') {
            bail!("{tag:?}: {line:?}");
        }
    }
}

/// Logs in as `user`, selects INBOX and starts IDLE.
async fn idler(source: Ipv4Addr, addr: SocketAddr, user: String, password: String) -> Result<Idler> {
    let (r, mut w) = open(source, addr).await?.into_split();
    let mut r = BufReader::new(r);
    expect(&mut r, "* OK").await?;
    w.write_all(format!("a LOGIN {user} {password}\r\n").as_bytes()).await?;
    expect(&mut r, "a OK").await?;
    w.write_all(b"b SELECT INBOX\r\n").await?;
    expect(&mut r, "b OK").await?;
    w.write_all(b"c IDLE\r\n").await?;
    expect(&mut r, "+ ").await?;
    Ok(Idler { reader: r, _writer: w })
}

/// Waits for an untagged EXISTS on the session (a pushed new message).
async fn woken(idler: &mut Idler, within: Duration) -> bool {
    let mut line = String::new();
    let wait = async {
        loop {
            line.clear();
            match idler.reader.read_line(&mut line).await {
                Ok(0) | Err(_) => return false,
                Ok(_) if line.starts_with("* ") && line.trim_end().ends_with("EXISTS") => return true,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(within, wait).await.unwrap_or(false)
}

fn users(a: &Args) -> Result<()> {
    // The minimum Argon2id cost (m = 8 KiB, t = 1): a bench account, never a real one.
    let params = argon2::Params::new(8, 1, 1, None).map_err(|e| anyhow::anyhow!("{e}"))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let salt = SaltString::encode_b64(b"relais-bench-salt").map_err(|e| anyhow::anyhow!("{e}"))?;
    let phc = argon.hash_password(a.password.as_bytes(), &salt).map_err(|e| anyhow::anyhow!("{e}"))?.to_string();
    println!("address,password_hash");
    for i in 0..a.count {
        println!("u{i}@{},\"{phc}\"", a.domain);
    }
    Ok(())
}

async fn hold(a: &Args) -> Result<()> {
    let (imap, smtp) = (a.imap.context("--imap")?, a.smtp.context("--smtp")?);
    let before = rss_kib(a.pid)?;
    let started = Instant::now();
    let mut held: Vec<Option<Idler>> = (0..a.count).map(|_| None).collect();
    let mut failed = 0usize;
    // Two halves: the first also warms what every session shares (the read connections' page
    // caches, allocator arenas); the second half's growth is what one more session costs.
    let half = a.count / 2;
    open_range(a, imap, 0..half, &mut held, &mut failed).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let middle = rss_kib(a.pid)?;
    open_range(a, imap, half..a.count, &mut held, &mut failed).await;
    let idle = held.iter().filter(|h| h.is_some()).count();
    println!("{idle} sessions idling ({failed} failed) after {:.1} s", started.elapsed().as_secs_f64());
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = rss_kib(a.pid)?;
    let (overall, _) = after.per(before, idle);
    let (per, per_anon) = after.per(middle, a.count - half);
    println!(
        "server PSS {:.1} → {:.1} → {:.1} MiB (anonymous {:.1} → {:.1} → {:.1}): {overall:.1} KiB per \
         idle session over the start, {per:.1} KiB per session of the second half \
         (anonymous_kib_per_session={per_anon:.1})",
        before.all as f64 / 1024.0,
        middle.all as f64 / 1024.0,
        after.all as f64 / 1024.0,
        before.anon as f64 / 1024.0,
        middle.anon as f64 / 1024.0,
        after.anon as f64 / 1024.0
    );
    if let Ok(hook) = std::env::var("IDLE_PUSH_HOOK")
        && !hook.is_empty()
    {
        let status = std::process::Command::new("sh").arg("-c").arg(&hook).status()?;
        println!("hook: {status}");
    }
    // Deliveries to K of the idling accounts must wake exactly their sessions.
    let wake: Vec<usize> = (0..a.wake.min(a.count)).map(|k| k * a.count / a.wake.max(1)).collect();
    let to: Vec<String> = wake.iter().map(|i| format!("u{i}@{}", a.domain)).collect();
    wake::deliver(smtp, &to).await?;
    let mut got = 0;
    for i in &wake {
        if let Some(idler) = held[*i].as_mut()
            && woken(idler, Duration::from_secs(10)).await
        {
            got += 1;
        }
    }
    println!(
        "sessions={idle} kib_per_session={per:.1} anon_kib_per_session={per_anon:.1} kib_overall={overall:.1} woken={got}/{}",
        wake.len()
    );
    Ok(())
}

/// Opens the sessions of accounts `range`, 64 logins at a time.
async fn open_range(
    a: &Args,
    imap: SocketAddr,
    range: std::ops::Range<usize>,
    held: &mut [Option<Idler>],
    failed: &mut usize,
) {
    let mut tasks = tokio::task::JoinSet::new();
    for i in range {
        let n = u32::try_from(i).unwrap_or(0) % a.sources.max(1);
        let source = Ipv4Addr::from(u32::from(Ipv4Addr::new(127, 0, 0, 2)) + n);
        let (user, password) = (format!("u{i}@{}", a.domain), a.password.clone());
        tasks.spawn(async move { (i, idler(source, imap, user, password).await) });
        while tasks.len() >= 64 {
            collect(tasks.join_next().await, held, failed);
        }
    }
    while let Some(done) = tasks.join_next().await {
        collect(Some(done), held, failed);
    }
}

fn collect(
    done: Option<Result<(usize, Result<Idler>), tokio::task::JoinError>>,
    held: &mut [Option<Idler>],
    failed: &mut usize,
) {
    match done {
        Some(Ok((i, Ok(idler)))) => held[i] = Some(idler),
        Some(Ok((i, Err(e)))) => {
            *failed += 1;
            if *failed <= 5 {
                eprintln!("session u{i}: {e:#}");
            }
        }
        _ => *failed += 1,
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let mut it = std::env::args().skip(1);
    let usage = "usage: idle-push users|hold [--count N --domain D --password P --pid PID --imap A --smtp A]";
    let mode = it.next().context(usage)?;
    let a = args(it)?;
    match mode.as_str() {
        "users" => users(&a),
        "hold" if a.pid != 0 => hold(&a).await,
        _ => bail!(usage),
    }
}
