//! JMAP push subscriptions' sender (RFC 8620 §7.2): POSTs a StateChange to each verified
//! subscription's push service when the principal's accounts change, and a new subscription's
//! PushVerification.
//!
//! - **One sender in the cluster**: the node holding the store's `jmap-push` lease follows
//!   the live subscriptions (a task each, on the same `StateFeed` as EventSource), renewing the
//!   lease every [`RECHECK`]; another node takes over within [`LEASE`] of its end.
//! - **SSRF**: a push goes only to a public address. The URL's host is resolved once and every
//!   address it has must be public (no loopback, private, link-local, unique-local, multicast
//!   or documentation range; `[jmap] push_allow_private` lifts that for tests); the connection
//!   is made to the address checked, never resolved again. https only (`push_allow_http` for
//!   tests), its certificate verified (the system's anchors, or `push_ca_file`). No redirect is
//!   followed; the answer's body is read up to 4 KiB and dropped.
//! - **Bounded**: at most [`CONCURRENT`] pushes at once, each under [`CONNECT`] and
//!   [`EXCHANGE`]; a subscription pushes at most once a second (a burst is one StateChange);
//!   after a failure it backs off (doubling to 5 minutes) and tries the same message again;
//!   404/410 or 50 failures in a row destroy it, as does its login ending.
//! - **Encrypted** (RFC 8291, `webpush`) when the subscription has keys.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use relais_jmap::Jmap;
use relais_jmap::webpush::{Delivery, Push, PushTransport, SubscriptionFeed, keys_of};
use relais_store::{PushSubscription, Store};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use crate::migrate::http_client::{Url, handshake};
use crate::serve::Shutdown;

const LEASE_NAME: &str = "jmap-push";
/// How long the lease lasts, and how often it is renewed and the subscriptions read again.
const LEASE: i64 = 60;
const RECHECK: Duration = Duration::from_secs(15);
/// The most subscriptions followed (the per-principal bound keeps each principal's share).
const MAX_FOLLOWED: i64 = 50_000;
const CONCURRENT: usize = 64;
const CONNECT: Duration = Duration::from_secs(10);
const EXCHANGE: Duration = Duration::from_secs(20);
/// RFC 8030 §5.2: how long the push service keeps a message for an offline device.
const TTL_SECS: &str = "3600";
const MAX_ANSWER: usize = 4096;

/// Where pushes may go, and how they are made.
pub struct HttpPush {
    tls: Arc<rustls::ClientConfig>,
    allow_private: bool,
    gate: Arc<Semaphore>,
}

impl HttpPush {
    pub fn new(tls: Arc<rustls::ClientConfig>, allow_private: bool) -> HttpPush {
        HttpPush { tls, allow_private, gate: Arc::new(Semaphore::new(CONCURRENT)) }
    }
}

impl PushTransport for HttpPush {
    fn send(&self, push: Push) -> Pin<Box<dyn Future<Output = Delivery> + Send + 'static>> {
        let (tls, allow_private, gate) = (self.tls.clone(), self.allow_private, self.gate.clone());
        Box::pin(async move {
            let Ok(_permit) = gate.acquire_owned().await else { return Delivery::Failed };
            match post(&tls, allow_private, push).await {
                Ok(status) => delivery(status),
                Err(e) => {
                    tracing::debug!(error = %e, "jmap push not delivered");
                    Delivery::Failed
                }
            }
        })
    }
}

/// RFC 8030 §5 / §7.3: 2xx taken; 404 and 410 mean the subscription is gone there.
fn delivery(status: u16) -> Delivery {
    match status {
        200..=299 => Delivery::Accepted,
        404 | 410 => Delivery::Gone,
        _ => Delivery::Failed,
    }
}

#[derive(Debug, thiserror::Error)]
enum PushError {
    #[error("{0}")]
    Http(#[from] crate::migrate::http_client::HttpError),
    #[error("{0}")]
    Encrypt(#[from] crate::webpush::EncryptError),
    #[error("{0} resolves to no address")]
    NoAddress(String),
    #[error("{0} resolves to {1}, which is not a public address")]
    NotPublic(String, IpAddr),
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    #[error("timed out")]
    Timeout,
}

/// One POST; the answer's status.
async fn post(tls: &Arc<rustls::ClientConfig>, allow_private: bool, push: Push) -> Result<u16, PushError> {
    let url = Url::parse(&push.url)?;
    let (body, encoding) = match &push.keys {
        Some(k) => (crate::webpush::encrypt(&k.p256dh, &k.auth, &push.body)?, Some("aes128gcm")),
        None => (push.body, None),
    };
    let addr = resolve(&url, allow_private).await?;
    let tcp = tokio::time::timeout(CONNECT, tokio::net::TcpStream::connect(addr))
        .await
        .map_err(|_| PushError::Timeout)?
        .map_err(|e| PushError::Io(addr.to_string(), e))?;
    let exchange = async {
        let mut sender = handshake(&url, tcp, tls).await?;
        let mut request = hyper::Request::post(url.path.as_str())
            .header("host", authority(&url))
            .header("ttl", TTL_SECS)
            .header("urgency", "normal")
            .header("user-agent", "relais");
        request = match encoding {
            Some(e) => request.header("content-encoding", e).header("content-type", "application/octet-stream"),
            None => request.header("content-type", "application/json; charset=utf-8"),
        };
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| crate::migrate::http_client::HttpError::Http(e.to_string()))?;
        let answer = sender
            .send_request(request)
            .await
            .map_err(|e| crate::migrate::http_client::HttpError::Http(e.to_string()))?;
        let status = answer.status().as_u16();
        // Read (a little of) the answer so the connection ends cleanly; what it says is not used.
        let _ = Limited::new(answer.into_body(), MAX_ANSWER).collect().await;
        Ok::<u16, PushError>(status)
    };
    tokio::time::timeout(EXCHANGE, exchange).await.map_err(|_| PushError::Timeout)?
}

/// The Host header: the host, and the port when it is not the scheme's.
fn authority(url: &Url) -> String {
    let host = if url.host.contains(':') { format!("[{}]", url.host) } else { url.host.clone() };
    if url.port == if url.tls { 443 } else { 80 } { host } else { format!("{host}:{}", url.port) }
}

/// The address to connect to: the host's, every one of them public (unless allowed).
async fn resolve(url: &Url, allow_private: bool) -> Result<SocketAddr, PushError> {
    let found: Vec<SocketAddr> = tokio::time::timeout(CONNECT, tokio::net::lookup_host((url.host.as_str(), url.port)))
        .await
        .map_err(|_| PushError::Timeout)?
        .map_err(|e| PushError::Io(url.host.clone(), e))?
        .collect();
    if !allow_private && let Some(bad) = found.iter().find(|a| !is_public(a.ip())) {
        return Err(PushError::NotPublic(url.host.clone(), bad.ip()));
    }
    found.first().copied().ok_or_else(|| PushError::NoAddress(url.host.clone()))
}

/// Whether `ip` is a public unicast address (not loopback, private, shared, link-local,
/// unique-local, multicast, documentation, benchmarking or reserved — RFC 6890's registries).
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_unspecified()
                || v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || a == 0
                || a >= 240
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (18..20).contains(&b)))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_unspecified()
                || v6.is_loopback()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] & 0xffc0) == 0xfec0
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                || (s[0] == 0x64 && s[1] == 0xff9b)
                || (s[0] == 0x2002))
        }
    }
}

/// What a follower was started for; a change restarts it.
type Shape = (Option<String>, i64, String);

fn shape(s: &PushSubscription) -> Shape {
    (s.types.clone(), s.expires, s.credential.clone())
}

/// Runs the sender until shutdown: while this node holds the lease, a task per live
/// subscription.
pub async fn run(jmap: Jmap, store: Store, transport: Arc<dyn PushTransport>, mut shutdown: Shutdown) {
    let holder = format!("{}-{:016x}", std::process::id(), rand::random::<u64>());
    let mut followers: HashMap<i64, (Shape, JoinHandle<()>)> = HashMap::new();
    loop {
        let (now, h) = (relais_store::now(), holder.clone());
        let leader = match store.write(move |tx| tx.claim_lease(LEASE_NAME, &h, now, LEASE)).await {
            Ok(held) => held,
            Err(e) => {
                tracing::warn!(error = %e, "jmap push: lease not read");
                false
            }
        };
        if leader {
            follow(&jmap, &transport, &mut followers).await;
        } else {
            stop_all(&mut followers);
        }
        tokio::select! {
            () = tokio::time::sleep(RECHECK) => {}
            () = jmap.push_subscriptions_changed() => {}
            () = shutdown.wait() => break,
        }
    }
    stop_all(&mut followers);
    let _ = store.write(move |tx| tx.release_lease(LEASE_NAME, &holder)).await;
}

fn stop_all(followers: &mut HashMap<i64, (Shape, JoinHandle<()>)>) {
    for (_, (_, task)) in followers.drain() {
        task.abort();
    }
}

/// Starts a follower for each live subscription not followed as it is, stops the rest.
async fn follow(
    jmap: &Jmap,
    transport: &Arc<dyn PushTransport>,
    followers: &mut HashMap<i64, (Shape, JoinHandle<()>)>,
) {
    let live = match jmap.push_subscriptions_live(MAX_FOLLOWED).await {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(error = %e, "jmap push: subscriptions not read");
            return;
        }
    };
    followers.retain(|id, (was, task)| {
        let keep = !task.is_finished() && live.iter().any(|s| s.id == *id && shape(s) == *was);
        if !keep {
            task.abort();
        }
        keep
    });
    for s in live {
        if followers.contains_key(&s.id) {
            continue;
        }
        let (jmap, transport, id, was) = (jmap.clone(), transport.clone(), s.id, shape(&s));
        followers.insert(id, (was, tokio::spawn(follower(jmap, transport, s))));
    }
}

/// One subscription: each StateChange pushed, while it lives and its login stands.
async fn follower(jmap: Jmap, transport: Arc<dyn PushTransport>, s: PushSubscription) {
    let mut feed: SubscriptionFeed = match jmap.subscription_feed(&s).await {
        Ok(Some(f)) => f,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(error = %e, subscription = s.id, "jmap push: feed not opened");
            return;
        }
    };
    let keys = keys_of(&s);
    let until = Duration::from_secs(u64::try_from(s.expires - relais_store::now()).unwrap_or(0));
    let expired = tokio::time::sleep(until);
    tokio::pin!(expired);
    let mut backoff = Duration::ZERO;
    // What changed while nobody followed it (since its verification or its last push).
    let mut owed = match &s.push_state {
        Some(state) => feed.catch_up(state).await,
        None => None,
    };
    loop {
        let (body, told) = match owed.take() {
            Some(b) => b,
            None => tokio::select! {
                b = feed.next() => match b { Some(b) => b, None => return },
                () = &mut expired => return,
            },
        };
        match jmap.push_login_stands(&s).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => tracing::warn!(error = %e, "jmap push: login not checked"),
        }
        let outcome = transport.send(Push { url: s.url.clone(), body: body.clone(), keys: keys.clone() }).await;
        match jmap.push_delivered(&s, outcome, Some(told.clone())).await {
            Ok(false) => return,
            Ok(true) => {}
            Err(e) => tracing::warn!(error = %e, "jmap push: outcome not recorded"),
        }
        let pause = if outcome == Delivery::Failed {
            owed = Some((body, told));
            backoff = (backoff * 2).clamp(Duration::from_secs(2), Duration::from_secs(300));
            backoff
        } else {
            backoff = Duration::ZERO;
            Duration::from_secs(1)
        };
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = &mut expired => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_addresses() {
        let table: &[(&str, bool)] = &[
            ("8.8.8.8", true),
            ("93.184.216.34", true),
            ("127.0.0.1", false),
            ("10.1.2.3", false),
            ("172.16.0.1", false),
            ("192.168.1.1", false),
            ("169.254.169.254", false),
            ("100.64.0.1", false),
            ("0.0.0.0", false),
            ("224.0.0.1", false),
            ("255.255.255.255", false),
            ("198.18.0.1", false),
            ("192.0.2.1", false),
            ("2606:4700::1111", true),
            ("::1", false),
            ("::", false),
            ("fd00::1", false),
            ("fe80::1", false),
            ("ff02::1", false),
            ("2001:db8::1", false),
            ("::ffff:127.0.0.1", false),
            ("::ffff:8.8.8.8", true),
            ("64:ff9b::a00:1", false),
        ];
        for (ip, public) in table {
            assert_eq!(is_public(ip.parse().unwrap()), *public, "{ip}");
        }
    }

    #[test]
    fn statuses_and_hosts() {
        assert_eq!(
            [201, 204, 404, 410, 413, 429, 500].map(delivery),
            [
                Delivery::Accepted,
                Delivery::Accepted,
                Delivery::Gone,
                Delivery::Gone,
                Delivery::Failed,
                Delivery::Failed,
                Delivery::Failed
            ]
        );
        let url = |s: &str| Url::parse(s).unwrap();
        assert_eq!(authority(&url("https://push.example/x")), "push.example");
        assert_eq!(authority(&url("https://push.example:8443/x")), "push.example:8443");
        assert_eq!(authority(&url("http://[::1]:81/x")), "[::1]:81");
    }
}
