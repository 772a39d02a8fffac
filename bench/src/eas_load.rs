//! ActiveSync load generator over plain HTTP/1.1 keep-alive (the server must allow Basic auth on
//! loopback); prints progress and `<figure>=N` last.
//!
//! - `initial`: one device provisions, lists its folders and syncs the whole Inbox from key 0,
//!   WindowSize 512, bodies as plain text truncated to 512 bytes (a phone's first sync):
//!   `items_per_s` (Adds received per second of the Syncs after the first).
//!
//! - `ping`: N devices, one per account `u0…u{N-1}@DOMAIN` (from S loopback source addresses),
//!   provision, list their folders and park a Ping on their Inbox (heartbeat 3000 s); the
//!   server's RSS is read before and after (`--pid`); then one message goes over SMTP to each
//!   of K of them, one after the other, and the time from each delivery's 250 to its device's
//!   Ping answer is measured: `kib_per_device=X p50_ms=A p99_ms=B answered=K/K`.
//!
//! cargo run --release -p relais-bench --bin eas-load -- initial --addr HOST:PORT --user U --password P
//! cargo run --release -p relais-bench --bin eas-load -- ping --addr HOST:PORT --smtp HOST:PORT --pid PID --count N --domain D --password P [--wake K]

use std::time::Instant;

use anyhow::{Context, Result, bail};
use relais_wbxml::tag::{airsync as a, airsyncbase as base, folderhierarchy as fh, provision as p, settings as s};
use relais_wbxml::{Element, decode, encode};

#[path = "http.rs"]
mod http;
mod procmem;
mod wake;
use http::Http;

struct Args {
    mode: String,
    addr: String,
    user: String,
    password: String,
    window: usize,
    truncation: usize,
    smtp: String,
    pid: u32,
    count: usize,
    domain: String,
    sources: u32,
    wake: usize,
}

fn args() -> Result<Args> {
    let mut it = std::env::args().skip(1);
    let mode = it.next().context("usage: eas-load initial --addr HOST:PORT --user U --password P")?;
    let mut a = Args {
        mode,
        addr: String::new(),
        user: String::new(),
        password: String::new(),
        window: 512,
        truncation: 512,
        smtp: String::new(),
        pid: 0,
        count: 10_000,
        domain: "example.test".into(),
        sources: 250,
        wake: 200,
    };
    while let Some(k) = it.next() {
        let mut v = || it.next().with_context(|| format!("{k} needs a value"));
        match k.as_str() {
            "--addr" => a.addr = v()?,
            "--user" => a.user = v()?,
            "--password" => a.password = v()?,
            "--window" => a.window = v()?.parse()?,
            "--truncation" => a.truncation = v()?.parse()?,
            "--smtp" => a.smtp = v()?,
            "--pid" => a.pid = v()?.parse()?,
            "--count" => a.count = v()?.parse()?,
            "--domain" => a.domain = v()?,
            "--sources" => a.sources = v()?.parse()?,
            "--wake" => a.wake = v()?.parse()?,
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(a)
}

/// One device's connection.
struct Device {
    http: Http,
    key: String,
    id: String,
}

impl Device {
    async fn post(&mut self, cmd: &str, doc: &Element) -> Result<Element> {
        let path = format!("/Microsoft-Server-ActiveSync?Cmd={cmd}&User=bench&DeviceId={}&DeviceType=Bench", self.id);
        let headers = format!(
            "MS-ASProtocolVersion: 16.1\r\nX-MS-PolicyKey: {}\r\nContent-Type: application/vnd.ms-sync.wbxml\r\n",
            self.key
        );
        let (status, body) = self.http.call("POST", &path, &headers, &encode(doc)?).await?;
        if status != 200 {
            bail!("{cmd}: HTTP {status}");
        }
        Ok(decode(&body)?)
    }

    async fn provision(&mut self) -> Result<()> {
        let policy = |key: Option<&str>| {
            let mut policy = Element::new(p::POLICY).with_leaf(p::POLICY_TYPE, "MS-EAS-Provisioning-WBXML");
            if let Some(k) = key {
                policy = policy.with_leaf(p::POLICY_KEY, k).with_leaf(p::STATUS, "1");
            }
            Element::new(p::POLICIES).with(policy)
        };
        let info = Element::new(s::DEVICE_INFORMATION).with(Element::new(s::SET).with_leaf(s::MODEL, "bench"));
        let first = self.post("Provision", &Element::new(p::PROVISION).with(info).with(policy(None))).await?;
        let temp = first.path(&[p::POLICIES, p::POLICY]).and_then(|x| x.text_of(p::POLICY_KEY)).context("no key")?;
        let second = self.post("Provision", &Element::new(p::PROVISION).with(policy(Some(&temp)))).await?;
        self.key =
            second.path(&[p::POLICIES, p::POLICY]).and_then(|x| x.text_of(p::POLICY_KEY)).context("no key")?.into();
        Ok(())
    }

    async fn inbox(&mut self) -> Result<String> {
        let r = self.post("FolderSync", &Element::new(fh::FOLDER_SYNC).with_leaf(fh::SYNC_KEY, "0")).await?;
        let changes = r.child(fh::CHANGES).context("no folders")?;
        let inbox = changes.children_with(fh::ADD).find(|f| f.text_of(fh::TYPE).as_deref() == Some("2"));
        Ok(inbox.and_then(|f| f.text_of(fh::SERVER_ID)).context("no Inbox")?.into_owned())
    }

    /// One Sync of `folder` from `key`: (new key, Adds, more available).
    async fn sync(&mut self, folder: &str, key: &str, a: &Args) -> Result<(String, usize, bool)> {
        let options = Element::new(a::OPTIONS).with(
            Element::new(base::BODY_PREFERENCE)
                .with_leaf(base::TYPE, "1")
                .with_leaf(base::TRUNCATION_SIZE, a.truncation.to_string()),
        );
        let collection = Element::new(a::COLLECTION)
            .with_leaf(a::SYNC_KEY, key)
            .with_leaf(a::COLLECTION_ID, folder)
            .with_leaf(a::WINDOW_SIZE, a.window.to_string())
            .with(options);
        let r = self.post("Sync", &Element::new(a::SYNC).with(Element::new(a::COLLECTIONS).with(collection))).await?;
        let c = r.path(&[a::COLLECTIONS, a::COLLECTION]).context("no collection in the answer")?;
        if c.text_of(a::STATUS).as_deref() != Some("1") {
            bail!("Sync status {:?}", c.text_of(a::STATUS));
        }
        let adds = c.child(a::COMMANDS).map_or(0, |cmds| cmds.children_with(a::ADD).count());
        Ok((c.text_of(a::SYNC_KEY).context("no key")?.into_owned(), adds, c.has(a::MORE_AVAILABLE)))
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let a = args()?;
    match a.mode.as_str() {
        "initial" => initial(&a).await,
        "ping" => ping::run(&a).await,
        other => bail!("unknown mode {other}"),
    }
}

async fn initial(a: &Args) -> Result<()> {
    let http = Http::connect(&a.addr, &a.user, &a.password).await?;
    let mut d = Device { http, key: "0".into(), id: "BENCH0001".into() };
    d.provision().await?;
    let inbox = d.inbox().await?;
    let (mut key, _, _) = d.sync(&inbox, "0", a).await?;
    let started = Instant::now();
    let mut items = 0;
    loop {
        let (next, adds, more) = d.sync(&inbox, &key, a).await?;
        items += adds;
        key = next;
        if !more {
            break;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!("items={items} seconds={secs:.2}");
    println!("items_per_s={:.0}", items as f64 / secs);
    Ok(())
}

mod ping {
    use std::net::{Ipv4Addr, SocketAddr};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use anyhow::Result;
    use relais_wbxml::Element;
    use relais_wbxml::tag::ping as p;
    use tokio::net::TcpSocket;
    use tokio::sync::mpsc;

    use super::{Args, Device, Http};
    use crate::procmem::rss_kib;
    use crate::wake::deliver;

    /// A device up to its parked Ping; sends (its number, when its Ping was answered, the
    /// status) once answered.
    async fn device(
        i: usize,
        source: Ipv4Addr,
        a: Arc<Args>,
        parked: mpsc::Sender<usize>,
        answered: mpsc::Sender<(usize, Instant, String)>,
    ) -> Result<()> {
        let socket = TcpSocket::new_v4()?;
        socket.bind(SocketAddr::from((source, 0)))?;
        let stream = socket.connect(a.addr.parse()?).await?;
        let http = Http::over(stream, &format!("u{i}@{}", a.domain), &a.password)?;
        let mut d = Device { http, key: "0".into(), id: format!("PING{i}") };
        d.provision().await?;
        let inbox = d.inbox().await?;
        let ping = Element::new(p::PING).with_leaf(p::HEARTBEAT_INTERVAL, "3000").with(
            Element::new(p::FOLDERS).with(Element::new(p::FOLDER).with_leaf(p::ID, inbox).with_leaf(p::CLASS, "Email")),
        );
        parked.send(i).await.ok();
        let r = d.post("Ping", &ping).await?;
        let at = Instant::now();
        answered.send((i, at, r.text_of(p::STATUS).map(|s| s.into_owned()).unwrap_or_default())).await.ok();
        Ok(())
    }

    pub(super) async fn run(a: &Args) -> Result<()> {
        let a = Arc::new(Args {
            mode: a.mode.clone(),
            addr: a.addr.clone(),
            user: a.user.clone(),
            password: a.password.clone(),
            smtp: a.smtp.clone(),
            domain: a.domain.clone(),
            ..*a
        });
        let before = rss_kib(a.pid)?;
        let (parked_tx, mut parked_rx) = mpsc::channel(1024);
        let (answered_tx, mut answered_rx) = mpsc::channel(a.count.max(1));
        let started = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        let mut failed = 0usize;
        let mut parked = 0usize;
        for i in 0..a.count {
            let n = u32::try_from(i).unwrap_or(0) % a.sources.max(1);
            let source = Ipv4Addr::from(u32::from(Ipv4Addr::new(127, 0, 0, 2)) + n);
            let (a, ptx, atx) = (a.clone(), parked_tx.clone(), answered_tx.clone());
            tasks.spawn(async move { device(i, source, a, ptx, atx).await });
            // At most 64 devices setting up at once.
            while i + 1 - parked - failed > 64 {
                tokio::select! {
                    Some(_) = parked_rx.recv() => parked += 1,
                    Some(done) = tasks.join_next() => if !matches!(done, Ok(Ok(()))) {
                        failed += 1;
                        if failed <= 5 { eprintln!("device: {done:?}"); }
                    },
                }
            }
        }
        while parked + failed < a.count {
            tokio::select! {
                Some(_) = parked_rx.recv() => parked += 1,
                Some(done) = tasks.join_next() => if !matches!(done, Ok(Ok(()))) { failed += 1 },
            }
        }
        println!("{parked} Pings parked ({failed} failed) after {:.1} s", started.elapsed().as_secs_f64());
        tokio::time::sleep(Duration::from_secs(3)).await;
        let after = rss_kib(a.pid)?;
        let (per, per_anon) = after.per(before, parked);
        println!(
            "server PSS {:.1} → {:.1} MiB (anonymous {:.1} → {:.1}): {per:.1} KiB per parked device, \
             {per_anon:.1} of it anonymous",
            before.all as f64 / 1024.0,
            after.all as f64 / 1024.0,
            before.anon as f64 / 1024.0,
            after.anon as f64 / 1024.0
        );
        // Deliveries to K devices' accounts, one after the other.
        let wake: Vec<usize> = (0..a.wake.min(a.count)).map(|k| k * a.count / a.wake.max(1)).collect();
        let mut sent = std::collections::HashMap::new();
        for i in &wake {
            let (_, at) = deliver(&a.smtp, &[format!("u{i}@{}", a.domain)]).await?;
            sent.insert(*i, at);
        }
        let mut latencies = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while latencies.len() < wake.len() {
            match tokio::time::timeout_at(deadline, answered_rx.recv()).await {
                Ok(Some((i, at, status))) => {
                    if let Some(t0) = sent.get(&i)
                        && status == "2"
                    {
                        latencies.push(at.saturating_duration_since(*t0).as_secs_f64() * 1000.0);
                    }
                }
                _ => break,
            }
        }
        latencies.sort_by(|x, y| x.total_cmp(y));
        let pct = |q: f64| {
            latencies.get(((latencies.len() as f64 * q).ceil() as usize).saturating_sub(1)).copied().unwrap_or(f64::NAN)
        };
        println!(
            "kib_per_device={per:.1} anon_kib_per_device={per_anon:.1} p50_ms={:.1} p99_ms={:.1} answered={}/{}",
            pct(0.5),
            pct(0.99),
            latencies.len(),
            wake.len()
        );
        Ok(())
    }
}
