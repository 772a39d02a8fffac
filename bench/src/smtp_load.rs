//! SMTP load generator: C connections deliver M messages in total to one local mailbox, each
//! connection reusing its session. Sizes are fixed (`--size BYTES`) or the peers' mix
//! (`--mix`: 2 KiB ×100, 10 ×60, 50 ×30, 200 ×10 per 200, as ../shared/peers/gen-mbox). A 250
//! from Relais means the message is durable, so the accept rate is the delivery rate. Prints a
//! figure every 10%, each message's time to its 250 (p50, p99 and the longest: the longest
//! write stall a delivering client saw), and `msgs_per_s=N` last. `--until FILE` goes on until
//! FILE exists (no message count; bench/backup runs it beside a backup).
//!
//! cargo run --release -p relais-bench --bin smtp-load -- --addr 127.0.0.1:25 --to u@example.test

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

struct Args {
    addr: String,
    to: String,
    connections: usize,
    messages: u64,
    size: Option<usize>,
    until: Option<std::path::PathBuf>,
}

fn args() -> Result<Args> {
    let mut a = Args {
        addr: String::new(),
        to: "bench@example.test".into(),
        connections: 20,
        messages: 10_000,
        size: Some(5120),
        until: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--addr" => a.addr = value()?,
            "--to" => a.to = value()?,
            "--connections" => a.connections = value()?.parse()?,
            "--messages" => a.messages = value()?.parse()?,
            "--size" => a.size = Some(value()?.parse()?),
            "--mix" => a.size = None,
            "--until" => {
                a.until = Some(value()?.into());
                a.messages = u64::MAX;
            }
            other => bail!("unknown argument {other}"),
        }
    }
    if a.addr.is_empty() {
        bail!("usage: smtp-load --addr HOST:PORT [--to ADDR] [--connections C] [--messages M] [--size BYTES | --mix]");
    }
    Ok(a)
}

/// The peers' size mix, in KiB, for message number `i`.
fn mix_kib(i: u64) -> usize {
    match i % 200 {
        0..100 => 2,
        100..160 => 10,
        160..190 => 50,
        _ => 200,
    }
}

fn message(i: u64, size: usize) -> Vec<u8> {
    let mut m =
        format!("From: load@bench.test\r\nTo: bench\r\nSubject: load {i}\r\nMessage-ID: <load-{i}@bench.test>\r\n\r\n")
            .into_bytes();
    let line = b"The quick brown fox jumps over the lazy dog, again and again, for the benchmark.\r\n";
    while m.len() < size {
        m.extend_from_slice(line);
    }
    m.extend_from_slice(b".\r\n");
    m
}

async fn reply(r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> Result<u16> {
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).await? == 0 {
            bail!("connection closed");
        }
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok(line.get(..3).unwrap_or("0").parse()?);
        }
    }
}

/// Each delivered message's time from MAIL to its final 250, in microseconds.
/// Each message's time to its 250 (µs) and when it began (seconds since the Unix epoch).
type Latencies = Arc<std::sync::Mutex<Vec<(u64, f64)>>>;

async fn worker(a: Arc<Args>, next: Arc<AtomicU64>, done: Arc<AtomicU64>, lat: Latencies) -> Result<()> {
    let stream = TcpStream::connect(&a.addr).await?;
    stream.set_nodelay(true)?;
    let (rd, mut wr) = stream.into_split();
    let mut rd = BufReader::new(rd);
    reply(&mut rd).await?;
    wr.write_all(b"EHLO load.bench.test\r\n").await?;
    reply(&mut rd).await?;
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= a.messages || a.until.as_ref().is_some_and(|f| f.exists()) {
            wr.write_all(b"QUIT\r\n").await?;
            return Ok(());
        }
        let size = a.size.unwrap_or_else(|| mix_kib(i) * 1024);
        let began = Instant::now();
        let began_at = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64());
        // RFC 2920: MAIL, RCPT and DATA in one write.
        wr.write_all(format!("MAIL FROM:<load@bench.test>\r\nRCPT TO:<{}>\r\nDATA\r\n", a.to).as_bytes()).await?;
        for expected in [250, 250, 354] {
            let code = reply(&mut rd).await?;
            if code != expected {
                bail!("message {i}: expected {expected}, got {code}");
            }
        }
        wr.write_all(&message(i, size)).await?;
        let code = reply(&mut rd).await?;
        if code != 250 {
            bail!("message {i}: DATA answered {code}");
        }
        if let Ok(mut l) = lat.lock() {
            l.push((u64::try_from(began.elapsed().as_micros()).unwrap_or(u64::MAX), began_at));
        }
        done.fetch_add(1, Ordering::Relaxed);
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let a = Arc::new(args()?);
    let next = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let lat: Latencies = Arc::default();
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..a.connections {
        tasks.push(tokio::spawn(worker(a.clone(), next.clone(), done.clone(), lat.clone())));
    }
    let progress = {
        let (a, done) = (a.clone(), done.clone());
        tokio::spawn(async move {
            let mut last = (0, Instant::now());
            let step = (a.messages / 10).max(1);
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                let n = done.load(Ordering::Relaxed);
                if n >= last.0 + step || n >= a.messages {
                    let rate = (n - last.0) as f64 / last.1.elapsed().as_secs_f64();
                    println!("{n:>8} delivered  {rate:>8.0} msg/s over the last {}", n - last.0);
                    last = (n, Instant::now());
                }
                if n >= a.messages || a.until.as_ref().is_some_and(|f| f.exists()) {
                    return;
                }
            }
        })
    };
    for t in tasks {
        t.await??;
    }
    let _ = progress.await;
    let n = done.load(Ordering::Relaxed);
    let rate = n as f64 / start.elapsed().as_secs_f64();
    let sizes = a.size.map_or("2-200 KiB mix".to_owned(), |s| format!("{s} bytes"));
    println!("{n} messages ({sizes}) over {} connections in {:.2} s", a.connections, start.elapsed().as_secs_f64());
    let l = lat.lock().map(|l| l.clone()).unwrap_or_default();
    if a.until.is_some() {
        // When the slow writes happened, to set beside what ran at the time.
        let slow: Vec<String> =
            l.iter().filter(|(us, _)| *us >= 100_000).map(|(us, t)| format!("{:.1} ms at {t:.3}", *us as f64 / 1000.0)).collect();
        if !slow.is_empty() {
            println!("writes of 100 ms or more: {}", slow.join(", "));
        }
    }
    let mut l: Vec<u64> = l.into_iter().map(|(us, _)| us).collect();
    l.sort_unstable();
    let at = |q: f64| l.get(((l.len() as f64 * q) as usize).min(l.len().saturating_sub(1))).copied().unwrap_or(0);
    let ms = |us: u64| us as f64 / 1000.0;
    println!(
        "write latency: p50 {:.1} ms, p99 {:.1} ms, longest {:.1} ms over {} messages",
        ms(at(0.5)),
        ms(at(0.99)),
        ms(l.last().copied().unwrap_or(0)),
        l.len()
    );
    println!("msgs_per_s={rate:.0}");
    Ok(())
}
