//! IMAP load generator, one mode a run; prints progress and `<figure>=N` last.
//!
//! - `append`: C clients APPEND the peers' 200-message size mix (2 KiB ×100, 10 ×60, 50 ×30,
//!   200 ×10, as ../shared/peers/gen-mbox) M times in total, each to its own user's INBOX:
//!   `appends_per_s`.
//! - `login`: C clients LOGIN/LOGOUT over TLS-less loopback (the server must allow plain
//!   auth on loopback) M times: `logins_per_s`.
//! - `fetch`: one client runs `FETCH 1:* (FLAGS ENVELOPE)` on the user's INBOX R times:
//!   `messages_per_s` (messages answered per second).
//!
//! cargo run --release -p relais-bench --bin imap-load -- MODE --addr HOST:PORT --user 'u%04d' --password P [--clients C] [--count M]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

struct Args {
    mode: String,
    addr: String,
    user: String,
    password: String,
    clients: usize,
    count: u64,
}

fn args() -> Result<Args> {
    let mut it = std::env::args().skip(1);
    let mode = it.next().context("usage: imap-load append|login|fetch --addr HOST:PORT …")?;
    let mut a =
        Args { mode, addr: String::new(), user: "u%04d".into(), password: "pass".into(), clients: 20, count: 2000 };
    while let Some(arg) = it.next() {
        let mut v = || it.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--addr" => a.addr = v()?,
            "--user" => a.user = v()?,
            "--password" => a.password = v()?,
            "--clients" => a.clients = v()?.parse()?,
            "--count" => a.count = v()?.parse()?,
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(a)
}

fn user(pattern: &str, n: usize) -> String {
    pattern.replace("%04d", &format!("{:04}", n + 1))
}

struct Conn {
    rd: BufReader<OwnedReadHalf>,
    wr: OwnedWriteHalf,
    tag: u64,
}

impl Conn {
    async fn open(addr: &str) -> Result<Conn> {
        let s = TcpStream::connect(addr).await?;
        s.set_nodelay(true)?;
        let (rd, wr) = s.into_split();
        let mut c = Conn { rd: BufReader::new(rd), wr, tag: 0 };
        let mut greeting = String::new();
        c.rd.read_line(&mut greeting).await?;
        Ok(c)
    }

    /// Sends a command (with an optional literal) and reads to its tagged reply; counts
    /// untagged lines starting with `* ` and containing `count_word`.
    async fn command(&mut self, line: &str, literal: Option<&[u8]>, count_word: &str) -> Result<u64> {
        self.tag += 1;
        let tag = format!("t{}", self.tag);
        match literal {
            None => self.wr.write_all(format!("{tag} {line}\r\n").as_bytes()).await?,
            Some(data) => {
                self.wr.write_all(format!("{tag} {line} {{{}+}}\r\n", data.len()).as_bytes()).await?;
                self.wr.write_all(data).await?;
                self.wr.write_all(b"\r\n").await?;
            }
        }
        let mut counted = 0;
        loop {
            let mut l = String::new();
            if self.rd.read_line(&mut l).await? == 0 {
                bail!("connection closed during {line}");
            }
            // Skip literals inside responses.
            if let Some(n) = l
                .trim_end()
                .strip_suffix('}')
                .and_then(|x| x.rsplit_once('{'))
                .and_then(|(_, n)| n.parse::<usize>().ok())
            {
                let mut skip = vec![0u8; n];
                self.rd.read_exact(&mut skip).await?;
            }
            if l.starts_with("* ") && l.contains(count_word) {
                counted += 1;
            }
            if l.starts_with(&format!("{tag} ")) {
                if !l.starts_with(&format!("{tag} OK")) {
                    bail!("{line}: {}", l.trim_end());
                }
                return Ok(counted);
            }
        }
    }
}

fn mix_message(i: u64) -> Vec<u8> {
    let kib = match i % 200 {
        0..100 => 2,
        100..160 => 10,
        160..190 => 50,
        _ => 200,
    };
    let mut m = format!("From: load@bench.test\r\nSubject: append {i}\r\nMessage-ID: <append-{i}@bench.test>\r\n\r\n")
        .into_bytes();
    while m.len() < kib * 1024 {
        m.extend_from_slice(b"The quick brown fox jumps over the lazy dog, again and again, for the benchmark.\r\n");
    }
    m
}

async fn client(a: Arc<Args>, n: usize, next: Arc<AtomicU64>, done: Arc<AtomicU64>) -> Result<()> {
    match a.mode.as_str() {
        "append" => {
            let mut c = Conn::open(&a.addr).await?;
            c.command(&format!("LOGIN {} {}", user(&a.user, n), a.password), None, "").await?;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= a.count {
                    return Ok(());
                }
                c.command("APPEND INBOX", Some(&mix_message(i)), "").await?;
                done.fetch_add(1, Ordering::Relaxed);
            }
        }
        "login" => loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= a.count {
                return Ok(());
            }
            let mut c = Conn::open(&a.addr).await?;
            c.command(&format!("LOGIN {} {}", user(&a.user, n), a.password), None, "").await?;
            c.command("LOGOUT", None, "").await?;
            done.fetch_add(1, Ordering::Relaxed);
        },
        "fetch" => {
            let mut c = Conn::open(&a.addr).await?;
            c.command(&format!("LOGIN {} {}", user(&a.user, n), a.password), None, "").await?;
            c.command("SELECT INBOX", None, "").await?;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= a.count {
                    return Ok(());
                }
                let fetched = c.command("FETCH 1:* (FLAGS ENVELOPE)", None, "FETCH").await?;
                done.fetch_add(fetched, Ordering::Relaxed);
            }
        }
        other => bail!("unknown mode {other}"),
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let a = Arc::new(args()?);
    let (next, done) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let start = Instant::now();
    let clients = if a.mode == "fetch" { 1 } else { a.clients };
    let tasks: Vec<_> = (0..clients).map(|n| tokio::spawn(client(a.clone(), n, next.clone(), done.clone()))).collect();
    for t in tasks {
        t.await??;
    }
    let secs = start.elapsed().as_secs_f64();
    let n = done.load(Ordering::Relaxed);
    let figure = match a.mode.as_str() {
        "append" => "appends_per_s",
        "login" => "logins_per_s",
        _ => "messages_per_s",
    };
    println!("{n} in {secs:.2} s over {clients} connection(s)");
    println!("{figure}={:.0}", n as f64 / secs);
    Ok(())
}
