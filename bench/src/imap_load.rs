//! IMAP load generator, one mode a run; prints progress and `<figure>=N` last.
//!
//! - `append`: C clients APPEND the peers' 200-message size mix (2 KiB ×100, 10 ×60, 50 ×30,
//!   200 ×10, as ../shared/peers/gen-mbox) M times in total, each to its own user's INBOX:
//!   `appends_per_s`.
//! - `login`: C clients LOGIN/LOGOUT over TLS-less loopback (the server must allow plain
//!   auth on loopback) M times: `logins_per_s`.
//! - `fetch`: one client runs `FETCH 1:* (FLAGS ENVELOPE)` on the user's INBOX R times:
//!   `messages_per_s` (messages answered per second).
//! - `fill`: C clients APPEND M varied messages (1–5 KiB of words, subjects and senders drawn
//!   from small vocabularies) into the first user's INBOX, 32 pipelined per round trip:
//!   `appends_per_s`.
//! - `fill-threads`: as `fill`, in threads of four: each message but every fourth answers the
//!   one before its thread's first (In-Reply-To, its subject with `Re: `), for `bench/jmap`.
//! - `maildir`: writes the same M messages as `fill` into the maildir `--dir` (for Dovecot,
//!   whose APPEND into one mailbox is too slow to fill 100,000), no figure of its own.
//! - `search`: one client runs R rounds of `SEARCH TEXT code` (a word in 0.1% of the messages),
//!   `SEARCH SUBJECT word` (about 6%) and `SEARCH FROM name` (about 0.2%), different words each round, on the first user's INBOX; prints each
//!   kind's rate and ends with `searches_per_s` over all of them.
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
    dir: String,
}

fn args() -> Result<Args> {
    let mut it = std::env::args().skip(1);
    let mode = it.next().context("usage: imap-load append|login|fetch|fill|search --addr HOST:PORT …")?;
    let mut a = Args {
        mode,
        addr: String::new(),
        user: "u%04d".into(),
        password: "pass".into(),
        clients: 20,
        count: 2000,
        dir: String::new(),
    };
    while let Some(arg) = it.next() {
        let mut v = || it.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--addr" => a.addr = v()?,
            "--user" => a.user = v()?,
            "--password" => a.password = v()?,
            "--clients" => a.clients = v()?.parse()?,
            "--count" => a.count = v()?.parse()?,
            "--dir" => a.dir = v()?,
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
    /// Numbers in the last `* SEARCH` answer.
    hits: usize,
}

impl Conn {
    async fn open(addr: &str) -> Result<Conn> {
        let s = TcpStream::connect(addr).await?;
        s.set_nodelay(true)?;
        let (rd, wr) = s.into_split();
        let mut c = Conn { rd: BufReader::new(rd), wr, tag: 0, hits: 0 };
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
            if l.starts_with("* SEARCH") {
                self.hits = l.split_whitespace().count() - 2;
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

    /// APPENDs every message in one write (LITERAL+), then reads all the tagged replies.
    async fn append_pipelined(&mut self, messages: &[Vec<u8>]) -> Result<()> {
        let mut out = Vec::new();
        for m in messages {
            self.tag += 1;
            out.extend_from_slice(format!("t{} APPEND INBOX {{{}+}}\r\n", self.tag, m.len()).as_bytes());
            out.extend_from_slice(m);
            out.extend_from_slice(b"\r\n");
        }
        self.wr.write_all(&out).await?;
        let mut answered = 0;
        while answered < messages.len() {
            let mut l = String::new();
            if self.rd.read_line(&mut l).await? == 0 {
                bail!("connection closed during APPEND");
            }
            if l.starts_with('t') {
                if l.split_whitespace().nth(1).is_none_or(|w| w != "OK") {
                    bail!("APPEND: {}", l.trim_end());
                }
                answered += 1;
            }
        }
        Ok(())
    }
}

const WORDS: &[&str] = &[
    "harbour", "lantern", "meadow", "copper", "velvet", "glacier", "orchid", "saddle", "thimble", "quarry", "beacon",
    "cobalt", "falcon", "juniper", "marble", "nectar", "pebble", "ripple", "summit", "tundra", "anchor", "bramble",
    "cinder", "dagger", "ember", "fennel", "garnet", "hollow", "indigo", "jasper", "kettle", "lumber", "mosaic",
    "nimbus", "oyster", "parcel", "quiver", "rafter", "spruce", "timber", "umber", "valley", "willow", "yonder",
    "zephyr", "budget", "invoice", "meeting", "report", "travel",
];
const NAMES: &[&str] = &["alice", "bruno", "chiara", "dmitri", "elena", "farid", "greta", "hiro", "ines", "jonas"];

/// A deterministic pseudo-random stream (splitmix64) per message.
fn mixer(seed: u64) -> impl FnMut() -> usize {
    let mut x = seed;
    move || {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        usize::try_from((z ^ (z >> 31)) % 1_000_003).unwrap_or(0)
    }
}

/// Message `i` of the search corpus: 500 senders, three-word subjects, 1–5 KiB of words.
fn varied_subject(i: u64) -> String {
    let mut r = mixer(i);
    let mut word = || WORDS[r() % WORDS.len()];
    format!("{} {} {}", word(), word(), word())
}

/// `varied_message(i)` in threads of four (`fill-threads`).
fn threaded_message(i: u64) -> Vec<u8> {
    let first = i - i % 4;
    let m = varied_message(i);
    if first == i {
        return m;
    }
    let own = format!("Subject: {}\r\n", varied_subject(i));
    let answer = format!("Subject: Re: {}\r\nIn-Reply-To: <search-{first}@bench.test>\r\n", varied_subject(first));
    let text = String::from_utf8_lossy(&m).replacen(&own, &answer, 1);
    text.into_bytes()
}

fn varied_message(i: u64) -> Vec<u8> {
    let subject = varied_subject(i);
    let mut r = mixer(i ^ 0x5eed);
    let from = format!("{}{}@{}.test", NAMES[r() % NAMES.len()], r() % 50, WORDS[r() % 20]);
    let mut m = format!(
        "From: {from}\r\nTo: u0001@example.test\r\nSubject: {subject}\r\nMessage-ID: <search-{i}@bench.test>\r\n\r\n"
    )
    .into_bytes();
    // One rare word per message (each of 1,000 codes in 0.1% of the corpus) for SEARCH TEXT.
    m.extend_from_slice(format!("Reference code{}\r\n", i % 1000).as_bytes());
    let size = 1024 + (r() % 4096);
    let mut word = || WORDS[r() % WORDS.len()];
    while m.len() < size {
        let line: Vec<&str> = (0..10).map(|_| word()).collect();
        m.extend_from_slice(line.join(" ").as_bytes());
        m.extend_from_slice(b"\r\n");
    }
    m
}

/// `search`: R rounds of the three kinds; returns the time spent on each kind.
async fn search_rounds(c: &mut Conn, rounds: u64) -> Result<[f64; 3]> {
    let mut spent = [0f64; 3];
    for i in 0..rounds {
        let i = usize::try_from(i).unwrap_or(0);
        let word = WORDS[i * 7 % WORDS.len()];
        let name = format!("{}{}", NAMES[i % NAMES.len()], i % 50);
        let code = format!("code{}", i * 37 % 1000);
        for (k, query) in
            [format!("SEARCH TEXT {code}"), format!("SEARCH SUBJECT {word}"), format!("SEARCH FROM {name}")]
                .iter()
                .enumerate()
        {
            let start = Instant::now();
            c.command(query, None, "").await?;
            spent[k] += start.elapsed().as_secs_f64();
            if i == 0 {
                println!("{query}: {} messages", c.hits);
            }
        }
    }
    Ok(spent)
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
        "fill" | "fill-threads" => {
            let make = if a.mode == "fill" { varied_message } else { threaded_message };
            let mut c = Conn::open(&a.addr).await?;
            c.command(&format!("LOGIN {} {}", user(&a.user, 0), a.password), None, "").await?;
            loop {
                let first = next.fetch_add(32, Ordering::Relaxed);
                if first >= a.count {
                    return Ok(());
                }
                let batch: Vec<Vec<u8>> = (first..a.count.min(first + 32)).map(make).collect();
                c.append_pipelined(&batch).await?;
                done.fetch_add(batch.len() as u64, Ordering::Relaxed);
            }
        }
        "maildir" => {
            for sub in ["cur", "new", "tmp"] {
                std::fs::create_dir_all(format!("{}/{sub}", a.dir))?;
            }
            for i in 0..a.count {
                std::fs::write(format!("{}/new/{i}.bench.relais", a.dir), varied_message(i))?;
                done.fetch_add(1, Ordering::Relaxed);
            }
            Ok(())
        }
        "search" => {
            let mut c = Conn::open(&a.addr).await?;
            c.command(&format!("LOGIN {} {}", user(&a.user, 0), a.password), None, "").await?;
            c.command("SELECT INBOX", None, "").await?;
            // Apart from the rounds: lets a server build what it builds on first use (Dovecot's
            // index; what Relais's indexer has not reached yet).
            let start = Instant::now();
            c.command("SEARCH SUBJECT warm-up", None, "").await?;
            println!("first SEARCH (builds what is left of the index): {:.2} s", start.elapsed().as_secs_f64());
            let spent = search_rounds(&mut c, a.count).await?;
            for (kind, secs) in ["TEXT", "SUBJECT", "FROM"].iter().zip(spent) {
                println!(
                    "SEARCH {kind}: {:.2} per s ({:.0} ms each)",
                    a.count as f64 / secs,
                    secs * 1000.0 / a.count as f64
                );
            }
            done.fetch_add(3 * a.count, Ordering::Relaxed);
            Ok(())
        }
        other => bail!("unknown mode {other}"),
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let a = Arc::new(args()?);
    let (next, done) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let start = Instant::now();
    let clients = if matches!(a.mode.as_str(), "fetch" | "search" | "maildir") { 1 } else { a.clients };
    let tasks: Vec<_> = (0..clients).map(|n| tokio::spawn(client(a.clone(), n, next.clone(), done.clone()))).collect();
    for t in tasks {
        t.await??;
    }
    let secs = start.elapsed().as_secs_f64();
    let n = done.load(Ordering::Relaxed);
    let figure = match a.mode.as_str() {
        "append" | "fill" | "fill-threads" => "appends_per_s",
        "search" => "searches_per_s",
        "login" => "logins_per_s",
        _ => "messages_per_s",
    };
    println!("{n} in {secs:.2} s over {clients} connection(s)");
    println!("{figure}={:.0}", n as f64 / secs);
    Ok(())
}
