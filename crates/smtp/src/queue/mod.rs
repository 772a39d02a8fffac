//! The outbound queue runner: leases due recipients from the store, groups them by domain,
//! delivers each domain's messages over one connection, records every recipient's outcome,
//! retries with exponential backoff until the message expires, and sends delivery status
//! notifications (RFC 3464) for failures, expiry and long delays.

pub mod client;
pub mod route;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use relais_mail::dsn::{self, Action, RecipientStatus};
use relais_mail::{Envelope, EnvelopeRecipient, Mailer};
use relais_store::{QueueOutcome, QueuedMessage, QueuedRecipient};
use smtp_proto::{RCPT_NOTIFY_DELAY, RCPT_NOTIFY_FAILURE, RCPT_NOTIFY_NEVER};
use tokio::sync::{Semaphore, watch};

use client::{Answer, TlsMode};
use route::Router;

#[derive(Debug, Clone)]
pub struct QueueConfig {
    pub hostname: String,
    /// Per-domain routes: domain → (host, port), before MX lookup.
    pub routes: HashMap<String, (String, u16)>,
    /// Send everything through this smarthost.
    pub relay: Option<(String, u16)>,
    pub relay_auth: Option<(String, String)>,
    pub relay_tls: TlsMode,
    /// Trust anchors (PEM) for the smarthost's certificate instead of the system's.
    pub relay_ca_file: Option<std::path::PathBuf>,
    pub retry_initial: Duration,
    pub retry_max: Duration,
    pub delay_warning: Duration,
    pub concurrency: usize,
    pub connect_timeout: Duration,
    pub command_timeout: Duration,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            hostname: "localhost".into(),
            routes: HashMap::new(),
            relay: None,
            relay_auth: None,
            relay_tls: TlsMode::Opportunistic,
            relay_ca_file: None,
            retry_initial: Duration::from_secs(300),
            retry_max: Duration::from_secs(4 * 3600),
            delay_warning: Duration::from_secs(4 * 3600),
            concurrency: 16,
            connect_timeout: Duration::from_secs(30),
            command_timeout: Duration::from_secs(300),
        }
    }
}

/// A lease lasts longer than any attempt can take; a crashed worker's lease runs out.
const LEASE_SECS: i64 = 3600;
const BATCH: i64 = 200;

pub struct Queue {
    config: QueueConfig,
    mailer: Mailer,
    router: Router,
    /// MX hosts: opportunistic, any certificate (RFC 7435).
    tls: Arc<rustls::ClientConfig>,
    /// The smarthost: verified, or no connection (our credentials go there).
    relay_tls: Arc<rustls::ClientConfig>,
}

/// One domain's share of a leased batch: messages and, for each, its recipients there.
type DomainWork = Vec<(Arc<QueuedMessage>, Vec<QueuedRecipient>)>;

impl Queue {
    pub fn new(config: QueueConfig, mailer: Mailer, dns: Arc<mail_auth::MessageAuthenticator>) -> Arc<Queue> {
        let router = Router::new(dns, config.routes.clone(), config.relay.clone());
        // A CA file that cannot be read was refused when the configuration was checked; should
        // it go bad since, no anchor is trusted and relay mail waits in the queue.
        let relay_tls = client::verifying_config(config.relay_ca_file.as_deref()).unwrap_or_else(|e| {
            tracing::error!(error = %e, "queue: the smarthost's certificate cannot be verified; relay mail stays queued");
            Arc::new(
                rustls::ClientConfig::builder()
                    .with_root_certificates(rustls::RootCertStore::empty())
                    .with_no_client_auth(),
            )
        });
        Arc::new(Queue { config, mailer, router, tls: client::client_config(), relay_tls })
    }

    /// Runs until `shutdown` turns true.
    pub async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let wake = self.mailer.queue_wake();
        loop {
            let batch = match self.mailer.lease_due(relais_store::now(), BATCH, LEASE_SECS).await {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(error = %e, "queue: cannot lease");
                    Vec::new()
                }
            };
            if batch.is_empty() {
                let wait = self.idle_wait().await;
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    () = wake.notified() => {}
                    _ = shutdown.wait_for(|s| *s) => return,
                }
                continue;
            }
            self.clone().attempt(batch).await;
        }
    }

    async fn idle_wait(&self) -> Duration {
        let next = self.mailer.store().read(|r| r.next_queue_attempt()).await.ok().flatten();
        let secs = next.map_or(60, |t| (t - relais_store::now()).clamp(1, 60));
        Duration::from_secs(u64::try_from(secs).unwrap_or(60))
    }

    /// Attempts one leased batch: a task per domain, at most `concurrency` at once.
    async fn attempt(self: Arc<Self>, batch: Vec<QueuedMessage>) {
        let mut by_domain: BTreeMap<String, DomainWork> = BTreeMap::new();
        let now = relais_store::now();
        for mut m in batch {
            let recipients = std::mem::take(&mut m.recipients);
            let (expired, live): (Vec<_>, Vec<_>) = recipients.into_iter().partition(|_| now >= m.expires);
            let m = Arc::new(m);
            if !expired.is_empty() {
                let why = Answer { code: 550, text: "4.4.7 the message could not be delivered in time".into() };
                let outcomes = expired.into_iter().map(|r| (r, why.clone())).collect();
                self.settle(&m, outcomes).await;
            }
            for r in live {
                let work = by_domain.entry(r.domain.clone()).or_default();
                match work.iter_mut().find(|(wm, _)| wm.id == m.id) {
                    Some((_, rs)) => rs.push(r),
                    None => work.push((m.clone(), vec![r])),
                }
            }
        }
        let limit = Arc::new(Semaphore::new(self.config.concurrency.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        for (domain, work) in by_domain {
            let queue = self.clone();
            let limit = limit.clone();
            tasks.spawn(async move {
                let _permit = limit.acquire().await;
                queue.deliver_domain(&domain, work).await;
            });
        }
        while tasks.join_next().await.is_some() {}
    }

    /// Delivers one domain's messages over one connection (trying its hosts in order).
    async fn deliver_domain(&self, domain: &str, work: DomainWork) {
        let mut session = match self.connect(domain).await {
            Ok(s) => s,
            Err(answer) => {
                tracing::info!(domain, error = %answer, "queue: cannot reach the domain");
                for (m, rs) in work {
                    let outcomes = rs.into_iter().map(|r| (r, answer.clone())).collect();
                    self.settle(&m, outcomes).await;
                }
                return;
            }
        };
        for (m, rs) in work {
            if session.broken {
                // The conversation is out of step: what is left goes back to the queue, to be
                // tried on a fresh connection, never on this one.
                let answer = Answer { code: 451, text: "4.4.2 connection lost during an earlier message".into() };
                self.settle(&m, rs.into_iter().map(|r| (r, answer.clone())).collect()).await;
                continue;
            }
            let outcomes = match self.mailer.store().blob(m.blob.clone()).await {
                Ok(content) => {
                    let content = crate::mailauth::sign(self.mailer.store(), content).await;
                    let addresses: Vec<String> = rs.iter().map(|r| r.address.clone()).collect();
                    match session.send(&m.sender, &addresses, &content).await {
                        Ok(result) => rs.into_iter().zip(result.recipients).collect(),
                        Err(answer) => rs.into_iter().map(|r| (r, answer.clone())).collect(),
                    }
                }
                Err(e) => {
                    let answer = Answer { code: 451, text: format!("4.3.0 queued content unreadable: {e}") };
                    rs.into_iter().map(|r| (r, answer.clone())).collect()
                }
            };
            self.settle(&m, outcomes).await;
        }
        session.quit().await;
    }

    async fn connect(&self, domain: &str) -> Result<client::Session, Answer> {
        let hops = self.router.hops(domain).await.map_err(|e| match e {
            route::RouteError::NoMail => {
                Answer { code: 556, text: format!("5.1.10 {domain} accepts no mail (null MX)") }
            }
            route::RouteError::NoDomain => {
                Answer { code: 550, text: format!("5.1.2 the domain {domain} does not exist") }
            }
            route::RouteError::Dns(d) => Answer { code: 451, text: format!("4.4.3 DNS lookup failed: {d}") },
        })?;
        let mut last = Answer { code: 451, text: format!("4.4.1 no host of {domain} answered") };
        let mut tried = false;
        for hop in hops {
            let addrs = match self.router.addresses(&hop.host, hop.port).await {
                Ok(a) => a,
                Err(e) => {
                    last = Answer { code: 451, text: format!("4.4.3 {}: {e}", hop.host) };
                    continue;
                }
            };
            for addr in addrs {
                let tcp = match tokio::time::timeout(self.config.connect_timeout, tokio::net::TcpStream::connect(addr))
                    .await
                {
                    Ok(Ok(t)) => t,
                    Ok(Err(e)) => {
                        last = Answer { code: 451, text: format!("4.4.1 {addr}: {e}") };
                        continue;
                    }
                    Err(_) => {
                        last = Answer { code: 451, text: format!("4.4.1 {addr}: connection timed out") };
                        continue;
                    }
                };
                let (mode, auth, tls) = match hop.relay {
                    true => (
                        self.config.relay_tls,
                        self.config.relay_auth.as_ref().map(|(u, p)| (u.as_str(), p.as_str())),
                        self.relay_tls.clone(),
                    ),
                    false => (TlsMode::Opportunistic, None, self.tls.clone()),
                };
                match client::Session::open(
                    tcp,
                    &hop.host,
                    &self.config.hostname,
                    mode,
                    tls,
                    auth,
                    self.config.command_timeout,
                )
                .await
                {
                    Ok(s) => return Ok(s),
                    // Keep a temporary reason over a permanent one: a backup MX refusing us
                    // must not bounce mail the primary will take later.
                    Err(a) if a.permanent() && tried && !last.permanent() => {}
                    Err(a) => last = a,
                }
                tried = true;
            }
        }
        Err(last)
    }

    /// Records each recipient's outcome, bounces the failures, retires a finished message.
    async fn settle(&self, m: &QueuedMessage, outcomes: Vec<(QueuedRecipient, Answer)>) {
        let now = relais_store::now();
        let mut failed = Vec::new();
        let mut delayed = Vec::new();
        let mut updates = Vec::new();
        for (r, answer) in outcomes {
            let outcome = if answer.ok() {
                QueueOutcome::Delivered
            } else if answer.permanent() || now >= m.expires {
                failed.push(status(&r, &answer, Action::Failed));
                QueueOutcome::Failed { error: answer.to_string() }
            } else {
                let at = now + self.backoff(r.attempts + 1);
                if at >= m.expires {
                    failed.push(status(&r, &answer, Action::Failed));
                    QueueOutcome::Failed {
                        error: format!("{answer} (gave up: the message expires before the next try)"),
                    }
                } else {
                    if !r.warned && now - m.created >= secs(self.config.delay_warning) {
                        delayed.push(status(&r, &answer, Action::Delayed));
                        updates.push((r.id, QueueOutcome::Warned));
                    }
                    QueueOutcome::Retry { at, error: answer.to_string() }
                }
            };
            tracing::info!(queue_id = m.id, recipient = %r.address, outcome = ?outcome, "queue: attempt");
            updates.push((r.id, outcome));
        }
        let id = m.id;
        let recorded = self.mailer.record_attempt(id, updates).await;
        if let Err(e) = recorded {
            tracing::error!(queue_id = m.id, error = %e, "queue: cannot record outcomes; the lease will expire and the attempt repeat");
            return;
        }
        self.notify_sender(m, failed, RCPT_NOTIFY_FAILURE).await;
        self.notify_sender(m, delayed, RCPT_NOTIFY_DELAY).await;
    }

    fn backoff(&self, attempts: u32) -> i64 {
        let factor = 2u32.saturating_pow(attempts.saturating_sub(1).min(20));
        secs(self.config.retry_initial.saturating_mul(factor).min(self.config.retry_max))
    }

    /// A DSN to the original sender for the recipients whose NOTIFY asks for it (RFC 3461 §4.1).
    async fn notify_sender(&self, m: &QueuedMessage, statuses: Vec<(RecipientStatus, i64)>, wanted: u64) {
        let wanted = i64::try_from(wanted).unwrap_or(0);
        let statuses: Vec<RecipientStatus> = statuses
            .into_iter()
            .filter(|(_, notify)| {
                let never = *notify & i64::try_from(RCPT_NOTIFY_NEVER).unwrap_or(0) != 0;
                !never && (*notify == 0 || *notify & wanted != 0)
            })
            .map(|(s, _)| s)
            .collect();
        // RFC 5321 §4.5.5: never answer a message with an empty reverse-path.
        if statuses.is_empty() || m.sender.is_empty() {
            return;
        }
        let original = match self.mailer.store().blob(m.blob.clone()).await {
            Ok(o) => o,
            Err(e) => {
                tracing::warn!(queue_id = m.id, error = %e, "queue: no content for the DSN");
                Vec::new()
            }
        };
        let report = dsn::build(&dsn::Report {
            hostname: &self.config.hostname,
            to: &m.sender,
            env_id: m.env_id.as_deref(),
            arrival: m.created,
            recipients: &statuses,
            original: &original,
            full: m.ret_full,
        });
        let destination = match self.mailer.route(&m.sender).await {
            Ok(Some(d)) => d,
            Ok(None) => {
                tracing::info!(queue_id = m.id, sender = %m.sender, "queue: the sender does not exist; DSN dropped");
                return;
            }
            Err(e) => {
                tracing::warn!(queue_id = m.id, error = %e, "queue: cannot route the DSN");
                return;
            }
        };
        let envelope = Envelope {
            sender: String::new(),
            recipients: vec![EnvelopeRecipient { address: m.sender.clone(), destination, orcpt: None, notify: 0 }],
            ..Envelope::default()
        };
        if let Err(e) = self.mailer.deliver(&envelope, report).await {
            tracing::warn!(queue_id = m.id, error = %e, "queue: DSN not delivered");
        }
    }
}

fn status(r: &QueuedRecipient, answer: &Answer, action: Action) -> (RecipientStatus, i64) {
    let code = answer
        .text
        .split_whitespace()
        .next()
        .filter(|c| c.split('.').count() == 3 && c.chars().all(|x| x.is_ascii_digit() || x == '.'));
    let default = if answer.permanent() { "5.0.0" } else { "4.0.0" };
    let status = code.map_or(default.to_owned(), str::to_owned);
    let status = match action {
        Action::Failed if status.starts_with('4') => format!("5{}", &status[1..]),
        _ => status,
    };
    (
        RecipientStatus {
            address: r.address.clone(),
            orcpt: r.orcpt.clone(),
            action,
            status,
            diagnostic: answer.to_string(),
        },
        r.notify,
    )
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 4)
}
