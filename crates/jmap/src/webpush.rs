//! Push subscriptions' side beyond their methods (RFC 8620 §7.2): what the binary's sender
//! needs to POST StateChanges to a client's push service. This crate does no I/O: the binary
//! gives a [`PushTransport`] (its HTTP client, with the SSRF rules and RFC 8291 encryption),
//! and runs the one sender of the cluster, which asks here for the live subscriptions
//! ([`Jmap::push_subscriptions_live`]), follows each with a [`SubscriptionFeed`] (the same
//! `StateFeed` as EventSource and WebSocket), and before each push asks whether the login
//! that made it still stands ([`Jmap::push_login_stands`]; if not it is destroyed, §7.2).
//!
//! What a subscription stands on is kept with it as JSON ([`Stamp`]): a digest of each of
//! the principal's credentials when it was made (any of them changed or revoked ends it, as it
//! ends a session), the web session it was made in (by its token's hash; logging out ends
//! it), and a bearer token's expiry.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use relais_store::{AccountId, PushSubscription};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::Notify;

use crate::Jmap;
use crate::error::SetError;
use crate::push::{StateFeed, types_named};

/// The RFC 8291 keys a client gave (`p256dh`: its P-256 public key, uncompressed;
/// `auth`: 16 octets of secret), decoded.
#[derive(Clone, PartialEq, Eq)]
pub struct Keys {
    pub p256dh: Vec<u8>,
    pub auth: Vec<u8>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(…)")
    }
}

/// What a push came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The push service took it (2xx).
    Accepted,
    /// The subscription no longer exists there (404, 410): destroy it.
    Gone,
    /// Refused or not reached: try again later.
    Failed,
}

/// A push to send: where, what, and how.
#[derive(Debug, Clone)]
pub struct Push {
    pub url: String,
    /// The JSON text (a StateChange or a PushVerification).
    pub body: Vec<u8>,
    pub keys: Option<Keys>,
}

/// The binary's HTTP client for pushes.
pub trait PushTransport: Send + Sync {
    fn send(&self, push: Push) -> Pin<Box<dyn Future<Output = Delivery> + Send + 'static>>;
}

/// The transport, and a wake-up for the sender when subscriptions changed in this process.
#[derive(Clone, Default)]
pub(crate) struct Outlet {
    transport: Option<Arc<dyn PushTransport>>,
    changed: Arc<Notify>,
}

impl Outlet {
    pub(crate) fn new(transport: Arc<dyn PushTransport>) -> Outlet {
        Outlet { transport: Some(transport), changed: Arc::default() }
    }

    /// Sends a new subscription's PushVerification (RFC 8620 §7.2.2) in a task of its own.
    pub(crate) fn verify(&self, id: &str, code: &str, url: String, keys: Option<Keys>) {
        let body = json!({ "@type": "PushVerification", "pushSubscriptionId": id, "verificationCode": code });
        let Some(transport) = self.transport.clone() else { return };
        let push = Push { url, body: body.to_string().into_bytes(), keys };
        tokio::spawn(async move {
            let outcome = transport.send(push).await;
            tracing::debug!(?outcome, "jmap: push verification sent");
        });
    }

    pub(crate) fn changed(&self) {
        self.changed.notify_one();
    }
}

/// What a subscription's login stood on (kept as JSON in the store).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Stamp {
    /// Digests of the principal's credentials when it was made.
    pub secrets: Vec<String>,
    /// The web session's token hash, when made by the web client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// When the bearer token it was made with expires (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<i64>,
}

/// One live subscription's StateChanges, as its push bodies, each with the pushState it tells
/// (kept with the subscription once delivered, so a new sender resumes from it).
pub struct SubscriptionFeed {
    feed: StateFeed,
}

impl SubscriptionFeed {
    /// The next StateChange (RFC 8620 §7.1) as JSON text, when a followed account changed;
    /// `None` when the store's notifications end.
    pub async fn next(&mut self) -> Option<(Vec<u8>, String)> {
        Some(body(self.feed.next().await?))
    }

    /// What changed since `push_state` (the one told last, or as of the verification), if
    /// anything did: pushed first, so nothing that happened while no sender followed the
    /// subscription (a restart, another node taking over) goes untold.
    pub async fn catch_up(&mut self, push_state: &str) -> Option<(Vec<u8>, String)> {
        Some(body(self.feed.since(push_state).await?))
    }
}

fn body(change: crate::push::Change) -> (Vec<u8>, String) {
    (json!({ "@type": "StateChange", "changed": change.changed }).to_string().into_bytes(), change.push_state)
}

/// The pushState of every account `principal` reaches, now (a subscription's starting point
/// when it is verified).
pub(crate) async fn push_state_now(jmap: &Jmap, principal: &relais_store::Principal) -> Option<String> {
    let mut feed = StateFeed::open(jmap, principal, Vec::new()).await.ok()?;
    Some(feed.current().await?.push_state)
}

impl Jmap {
    /// Resolves when a subscription was created, changed or destroyed in this process.
    pub async fn push_subscriptions_changed(&self) {
        self.push_out.changed.notified().await;
    }

    /// Up to `limit` verified, unexpired subscriptions, after the expired ones are removed.
    pub async fn push_subscriptions_live(&self, limit: i64) -> relais_store::Result<Vec<PushSubscription>> {
        let now = relais_store::now();
        self.mailer.directory().purge_push_subscriptions(now).await?;
        self.store().read(move |r| r.live_push_subscriptions(now, limit)).await
    }

    /// The StateChanges of what `s`'s principal reaches, of the types it follows.
    pub async fn subscription_feed(&self, s: &PushSubscription) -> relais_store::Result<Option<SubscriptionFeed>> {
        let id = s.account;
        let Some(principal) = self.store().read(move |r| r.principal(id)).await? else { return Ok(None) };
        let names: Option<Vec<String>> = s.types.as_deref().and_then(|t| serde_json::from_str(t).ok());
        let types = types_named(names.as_ref().map(|l| l.iter().map(String::as_str)));
        Ok(Some(SubscriptionFeed { feed: StateFeed::open(self, &principal, types).await? }))
    }

    /// Whether the login that made `s` still stands; when it does not, `s` is destroyed.
    pub async fn push_login_stands(&self, s: &PushSubscription) -> relais_store::Result<bool> {
        let stamp: Stamp = serde_json::from_str(&s.credential).unwrap_or_default();
        let holds = self.stamp_holds(s.account, &stamp).await?;
        if !holds {
            let (account, id) = (s.account, s.id);
            self.mailer.directory().remove_push_subscription(account, id).await?;
            tracing::info!(subscription = id, "jmap: push subscription ended with its login");
        }
        Ok(holds)
    }

    async fn stamp_holds(&self, account: AccountId, stamp: &Stamp) -> relais_store::Result<bool> {
        if stamp.until.is_some_and(|until| relais_store::now() >= until) {
            return Ok(false);
        }
        let directory = self.mailer.directory();
        match directory.credentials_hold(account, &stamp.secrets).await {
            Ok(true) => {}
            Ok(false) => return Ok(false),
            Err(relais_directory::DirectoryError::Store(e)) => return Err(e),
            Err(e) => {
                tracing::warn!(error = %e, "jmap: credentials not read");
                return Ok(false);
            }
        }
        let Some(hash) = stamp.session.clone() else { return Ok(true) };
        let session = self.store().read(move |r| r.web_session(&hash)).await?;
        // Ended sessions are purged by the server's maintenance; one logged out is gone.
        Ok(session.is_some_and(|w| w.account == account && w.expires > relais_store::now() * 1000))
    }

    /// Records a push's outcome: a subscription gone at its push service, or failing for a
    /// day's worth of tries in a row, is destroyed. True while it lives.
    /// `told`: the pushState the push told, kept when it was accepted.
    pub async fn push_delivered(
        &self,
        s: &PushSubscription,
        outcome: Delivery,
        told: Option<String>,
    ) -> relais_store::Result<bool> {
        /// Failures in a row after which a subscription is given up.
        const GIVE_UP: i64 = 50;
        let (account, id) = (s.account, s.id);
        let keep = match outcome {
            Delivery::Accepted => {
                let told = told.unwrap_or_default();
                self.mailer.directory().note_push_outcome(id, Some(told)).await.map(|_| true)?
            }
            Delivery::Failed => self.mailer.directory().note_push_outcome(id, None).await? < GIVE_UP,
            Delivery::Gone => false,
        };
        if !keep {
            self.mailer.directory().remove_push_subscription(account, id).await?;
            tracing::info!(subscription = id, ?outcome, "jmap: push subscription destroyed");
        }
        Ok(keep)
    }
}

/// A subscription's keys as stored (`{"p256dh","auth"}`, base64url as the client sent them),
/// decoded; `None` for a plain push or keys that do not decode.
pub fn keys_of(s: &PushSubscription) -> Option<Keys> {
    let v: serde_json::Value = serde_json::from_str(s.keys.as_deref()?).ok()?;
    decode_keys(v.get("p256dh")?.as_str()?, v.get("auth")?.as_str()?)
}

/// The longest push URL taken.
const MAX_URL: usize = 2048;

/// A push URL (RFC 8620 §7.2: "an absolute URL"): https (http only when configured for tests),
/// a host, no user information, bounded. Where it points is checked when a push is sent
/// (the binary refuses non-public addresses). Public for the fuzz target.
pub fn push_url(u: &str, allow_http: bool) -> Result<String, SetError> {
    let bad = |why: &str| SetError::invalid("url", why);
    if u.len() > MAX_URL || u.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(bad("too long or has spaces or control characters"));
    }
    let rest = match u.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") => rest,
        Some((scheme, rest)) if allow_http && scheme.eq_ignore_ascii_case("http") => rest,
        _ => return Err(bad("must be an https URL")),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return Err(bad("must name a host, without user information"));
    }
    Ok(u.to_owned())
}

/// RFC 8291 §3: a P-256 public key, uncompressed (65 octets), and a 16-octet secret, both
/// base64url (padding tolerated). Public for the fuzz target.
pub fn decode_keys(p256dh: &str, auth: &str) -> Option<Keys> {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).ok();
    let (p256dh, auth) = (b64(p256dh)?, b64(auth)?);
    (p256dh.len() == 65 && p256dh[0] == 4 && auth.len() == 16).then_some(Keys { p256dh, auth })
}
