//! ActiveSync load generator over plain HTTP/1.1 keep-alive (the server must allow Basic auth on
//! loopback); prints progress and `<figure>=N` last.
//!
//! - `initial`: one device provisions, lists its folders and syncs the whole Inbox from key 0,
//!   WindowSize 512, bodies as plain text truncated to 512 bytes (a phone's first sync):
//!   `items_per_s` (Adds received per second of the Syncs after the first).
//!
//! cargo run --release -p relais-bench --bin eas-load -- initial --addr HOST:PORT --user U --password P

use std::time::Instant;

use anyhow::{Context, Result, bail};
use relais_wbxml::tag::{airsync as a, airsyncbase as base, folderhierarchy as fh, provision as p, settings as s};
use relais_wbxml::{Element, decode, encode};

#[path = "http.rs"]
mod http;
use http::Http;

struct Args {
    mode: String,
    addr: String,
    user: String,
    password: String,
    window: usize,
    truncation: usize,
}

fn args() -> Result<Args> {
    let mut it = std::env::args().skip(1);
    let mode = it.next().context("usage: eas-load initial --addr HOST:PORT --user U --password P")?;
    let mut a =
        Args { mode, addr: String::new(), user: String::new(), password: String::new(), window: 512, truncation: 512 };
    while let Some(k) = it.next() {
        let mut v = || it.next().with_context(|| format!("{k} needs a value"));
        match k.as_str() {
            "--addr" => a.addr = v()?,
            "--user" => a.user = v()?,
            "--password" => a.password = v()?,
            "--window" => a.window = v()?.parse()?,
            "--truncation" => a.truncation = v()?.parse()?,
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(a)
}

/// One device's connection.
struct Device {
    http: Http,
    key: String,
}

impl Device {
    async fn post(&mut self, cmd: &str, doc: &Element) -> Result<Element> {
        let path = format!("/Microsoft-Server-ActiveSync?Cmd={cmd}&User=bench&DeviceId=BENCH0001&DeviceType=Bench");
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
    if a.mode != "initial" {
        bail!("unknown mode {}", a.mode);
    }
    let http = Http::connect(&a.addr, &a.user, &a.password).await?;
    let mut d = Device { http, key: "0".into() };
    d.provision().await?;
    let inbox = d.inbox().await?;
    let (mut key, _, _) = d.sync(&inbox, "0", &a).await?;
    let started = Instant::now();
    let mut items = 0;
    loop {
        let (next, adds, more) = d.sync(&inbox, &key, &a).await?;
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
