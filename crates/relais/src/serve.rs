//! `relais serve`: opens the store, binds every configured listener, serves until SIGTERM or
//! SIGINT, then stops accepting, lets in-flight work finish (up to `server.shutdown_grace_secs`)
//! and exits 0. Bound addresses are published in DATA/run/listeners.json for tools and tests.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use relais_directory::Directory;
use relais_store::Store;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

use crate::config::Config;
use crate::connections::{Connections, Protocol};

/// What every connection handler shares.
pub struct State {
    pub store: Store,
    pub directory: Directory,
    pub config: Config,
    pub smtp: Arc<relais_smtp::Smtp>,
    pub pop3: Arc<relais_pop3::Pop3>,
    pub imap: Arc<relais_imap::Imap>,
    pub dav: Arc<relais_dav::Dav>,
    /// Exchange ActiveSync on `/Microsoft-Server-ActiveSync`.
    pub eas: relais_eas::Eas,
    /// JMAP on `/.well-known/jmap` and `/jmap/…`.
    pub jmap: relais_jmap::Jmap,
    /// The web client's login sessions (in the store: `http_web::Sessions`).
    pub web: crate::http_web::Sessions,
    /// HTTP request bodies: timeouts, spooling, the memory budget.
    pub bodies: crate::http_body::Bodies,
    /// The host name and ports clients are told by Autodiscover, autoconfig and profiles.
    pub services: relais_autodiscover::Services,
}

/// A connection's view of shutdown: `wait` returns when the server is stopping; the handle
/// itself counts as in-flight work until dropped.
#[derive(Clone)]
pub struct Shutdown {
    stopping: watch::Receiver<bool>,
    _in_flight: mpsc::Sender<()>,
}

impl Shutdown {
    pub async fn wait(&mut self) {
        let _ = self.stopping.wait_for(|s| *s).await;
    }

    /// The stop signal alone, for protocol crates that watch it themselves.
    pub fn signal(&self) -> watch::Receiver<bool> {
        self.stopping.clone()
    }
}

struct ShutdownControl {
    stopping: watch::Sender<bool>,
    in_flight: mpsc::Receiver<()>,
    handle: Shutdown,
}

impl ShutdownControl {
    fn new() -> ShutdownControl {
        let (stopping, rx) = watch::channel(false);
        let (tx, in_flight) = mpsc::channel(1);
        ShutdownControl { stopping, in_flight, handle: Shutdown { stopping: rx, _in_flight: tx } }
    }

    fn handle(&self) -> Shutdown {
        self.handle.clone()
    }

    /// Signals every task and waits until all handles are dropped or `grace` passes.
    async fn stop(self, grace: Duration) -> bool {
        let ShutdownControl { stopping, mut in_flight, handle } = self;
        let _ = stopping.send(true);
        // Our own handle counts as work in flight too: let it go before waiting.
        drop(handle);
        tokio::time::timeout(grace, in_flight.recv()).await.is_ok()
    }
}

/// Protocols this build serves. A configured listener for another one is reported, not bound.
const SERVED: [&str; 9] = ["http", "https", "smtp", "submission", "submissions", "pop3", "pop3s", "imap", "imaps"];

/// What a listener's connections are handed to.
#[derive(Clone)]
enum Service {
    Http,
    Https(tokio_rustls::TlsAcceptor),
    Smtp(relais_smtp::Mode),
    /// POP3; true for implicit TLS.
    Pop3(bool),
    /// IMAP; true for implicit TLS.
    Imap(bool),
}

impl Service {
    fn protocol(&self) -> Protocol {
        match self {
            Service::Http | Service::Https(_) => Protocol::Http,
            Service::Smtp(_) => Protocol::Smtp,
            Service::Pop3(_) => Protocol::Pop3,
            Service::Imap(_) => Protocol::Imap,
        }
    }

    /// True if the client expects plain text first (TLS from the first byte otherwise).
    fn plain(&self) -> bool {
        match self {
            Service::Http => true,
            Service::Smtp(mode) => *mode != relais_smtp::Mode::Submissions,
            Service::Pop3(tls) | Service::Imap(tls) => !tls,
            Service::Https(_) => false,
        }
    }
}

pub async fn run(data: PathBuf, config: Config) -> Result<()> {
    std::fs::create_dir_all(&data).with_context(|| format!("cannot create data directory {}", data.display()))?;
    let connections = Connections::new(&config, crate::connections::raise_descriptor_limit());
    let store = Store::open(crate::store_config(&data, &config)).await.context("cannot open the store")?;
    relais_groupware::recurrence::set_limits(config.calendar.to_limits());
    let directory = Directory::new(store.clone(), config.auth.to_directory())
        .with_gal_scope(config.directory.gal_scope.to_directory());
    let tls = crate::tls::server_config(&config, &data)?;
    let https = tokio_rustls::TlsAcceptor::from(crate::tls::http(&tls));
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    let hostname = config.server.hostname.clone();
    let mailer = relais_mail::Mailer::new(
        store.clone(),
        directory.clone(),
        &hostname,
        Duration::from_secs(config.smtp.queue_lifetime_secs),
    );
    // iMIP: delivered messages with a calendar part go to the groupware layer (RFC 6047).
    let (calendar_mail, mut calendar_inbox) = tokio::sync::mpsc::unbounded_channel();
    let mailer = mailer.with_calendar_sink(calendar_mail);
    // Search index rows are written behind the mail (relais_mail::indexer).
    tokio::spawn(relais_mail::indexer::run(store.clone(), mailer.index_queue()));
    let groupware = relais_groupware::Groupware::with_scheduling(mailer.clone());
    {
        let groupware = groupware.clone();
        tokio::spawn(async move {
            // First what a crash left delivered but not applied, then each new delivery.
            match groupware.apply_pending().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(messages = n, "iMIP: applied what was pending at start"),
                Err(e) => tracing::warn!(error = %e, "iMIP: pending messages not read"),
            }
            while let Some(mail) = calendar_inbox.recv().await {
                groupware.apply_calendar_mail(mail).await;
            }
        });
    }
    let dns = relais_smtp::mailauth::authenticator(&config.dns.nameservers).map_err(anyhow::Error::msg)?;
    let smtp = relais_smtp::Smtp::new(
        config.smtp.to_server(&hostname, data.join("spool")),
        mailer.clone(),
        Some(acceptor.clone()),
        dns.clone(),
    );
    let queue = relais_smtp::queue::Queue::new(config.smtp.to_queue(&hostname), mailer.clone(), dns);
    let imap = relais_imap::Imap::new(config.imap.to_server(&hostname), mailer.clone(), Some(acceptor.clone()));
    let pop3 = relais_pop3::Pop3::new(config.pop3.to_server(&hostname), directory.clone(), Some(acceptor.clone()));

    let mut listeners = Vec::new();
    for (key, addrs) in config.listen.all() {
        if addrs.is_empty() {
            continue;
        }
        if !SERVED.contains(&key) {
            tracing::info!(listener = key, "not served by this version yet; listen.{key} is ignored");
            continue;
        }
        for addr in addrs {
            let l = TcpListener::bind(addr).await.with_context(|| format!("listen.{key}: cannot listen on {addr}"))?;
            let local = l.local_addr()?;
            tracing::info!(listener = key, address = %local, "listening");
            listeners.push((key, local, l));
        }
    }

    let dav = Arc::new(relais_dav::Dav::new(groupware.clone(), directory.clone(), config.dav.to_server()));
    let limits = config.http.body_limits(config.dav.max_request_body);
    let bodies = crate::http_body::Bodies::new(limits, data.join("tmp"));
    let services = advertised(&config, &listeners);
    let eas =
        relais_eas::Eas::new(directory.clone(), mailer.clone(), groupware.clone(), relais_eas::EasConfig::default());
    let web = crate::http_web::Sessions::new(store.clone(), relais_web::session::SessionConfig::default());
    let jmap_config = relais_jmap::JmapConfig {
        max_size_upload: config.dav.max_request_body as u64,
        max_push_subscriptions: config.jmap.max_push_subscriptions,
        push_allow_http: config.jmap.push_allow_http,
        ..relais_jmap::JmapConfig::default()
    };
    let push_tls = relais_smtp::queue::client::verifying_config(config.jmap.push_ca_file.as_deref())?;
    let push_transport: Arc<dyn relais_jmap::webpush::PushTransport> =
        Arc::new(crate::push_out::HttpPush::new(push_tls, config.jmap.push_allow_private));
    let jmap = relais_jmap::Jmap::new(mailer.clone(), jmap_config).with_push_transport(push_transport.clone());
    let state = Arc::new(State { store, directory, config, smtp, pop3, imap, dav, eas, jmap, web, bodies, services });
    let control = ShutdownControl::new();
    // Listening for SIGTERM/SIGINT before the listeners are published: whoever reads
    // listeners.json may stop the server at once, and must not kill it (the default action).
    let stop = stop_signals()?;
    let published = publish(&data, &listeners)?;
    for (key, _, listener) in listeners {
        let service = match key {
            "https" => Service::Https(https.clone()),
            "smtp" => Service::Smtp(relais_smtp::Mode::Inbound),
            "submission" => Service::Smtp(relais_smtp::Mode::Submission),
            "submissions" => Service::Smtp(relais_smtp::Mode::Submissions),
            "pop3" => Service::Pop3(false),
            "pop3s" => Service::Pop3(true),
            "imap" => Service::Imap(false),
            "imaps" => Service::Imap(true),
            _ => Service::Http,
        };
        tokio::spawn(accept_loop(listener, service, state.clone(), connections.clone(), control.handle()));
    }
    {
        let handle = control.handle();
        let signal = handle.signal();
        tokio::spawn(async move {
            queue.run(signal).await;
            drop(handle);
        });
    }
    let retention =
        i64::try_from(state.config.smtp.submission_retention_days.saturating_mul(86_400)).unwrap_or(i64::MAX);
    tokio::spawn(maintenance(state.store.clone(), state.web.clone(), (mailer.clone(), retention), control.handle()));
    {
        let (state, handle) = (state.clone(), control.handle());
        let backend = crate::backup::backend_name(&state.config);
        tokio::spawn(async move {
            crate::backup_schedule::run(state.store.clone(), backend, &state.config.backup, handle).await;
        });
    }
    {
        let (jmap, store, handle) = (state.jmap.clone(), state.store.clone(), control.handle());
        tokio::spawn(crate::push_out::run(jmap, store, push_transport, handle));
    }
    first_start_hint(&state).await;

    stop.await;
    tracing::info!("shutting down: no new connections; finishing work in flight");
    let grace = Duration::from_secs(state.config.server.shutdown_grace_secs);
    let store = state.store.clone();
    drop(state);
    if !control.stop(grace).await {
        tracing::warn!("some connections were still busy after {} s; closing them", grace.as_secs());
    }
    match store.checkpoint_for_shutdown(Duration::from_secs(2)).await {
        Ok(true) => {}
        Ok(false) => tracing::info!("store: readers still busy; the WAL is left for the next start"),
        Err(e) => tracing::warn!(error = %e, "store: final checkpoint failed"),
    }
    let _ = std::fs::remove_file(published);
    tracing::info!("stopped");
    Ok(())
}

async fn https(
    acceptor: tokio_rustls::TlsAcceptor,
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    state: Arc<State>,
    handle: Shutdown,
) {
    match tokio::time::timeout(Duration::from_secs(15), acceptor.accept(stream)).await {
        Ok(Ok(s)) => crate::http::serve(s, peer, true, state, handle).await,
        Ok(Err(e)) => tracing::debug!(%peer, error = %e, "tls handshake failed"),
        Err(_) => tracing::debug!(%peer, "tls handshake timed out"),
    }
}

async fn accept_loop(
    listener: TcpListener,
    service: Service,
    state: Arc<State>,
    connections: Arc<Connections>,
    mut shutdown: Shutdown,
) {
    let mut failures = AcceptFailures::default();
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            () = shutdown.wait() => return,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                if AcceptFailures::exhausted(&e) && failures.shed(&listener, &service).await {
                    continue;
                }
                failures.back_off(&e).await;
                continue;
            }
        };
        failures.backoff = Duration::ZERO;
        failures.keep_spare();
        let admitted = match connections.admit(service.protocol(), peer.ip()) {
            Ok(a) => a,
            Err(why) => {
                tracing::debug!(%peer, limit = ?why, "connection refused");
                refuse(stream, &service);
                continue;
            }
        };
        let state = state.clone();
        let handle = shutdown.clone();
        let service = service.clone();
        // Each protocol's connection future is boxed: the task would otherwise be as large as
        // the largest of them (about 24 KiB), and an idle IMAP connection would carry the size of
        // an HTTPS one.
        tokio::spawn(async move {
            let _admitted = admitted;
            match service {
                Service::Http => Box::pin(crate::http::serve(stream, peer, false, state, handle)).await,
                Service::Https(acceptor) => Box::pin(https(acceptor, stream, peer, state, handle)).await,
                Service::Smtp(mode) => {
                    Box::pin(relais_smtp::serve(state.smtp.clone(), stream, peer, mode, handle.signal())).await;
                    drop(handle);
                }
                Service::Imap(tls) => {
                    Box::pin(relais_imap::serve(state.imap.clone(), stream, peer, tls, handle.signal())).await;
                    drop(handle);
                }
                Service::Pop3(tls) => {
                    Box::pin(relais_pop3::serve(state.pop3.clone(), stream, peer, tls, handle.signal())).await;
                    drop(handle);
                }
            }
        });
    }
}

/// Tells a client it is refused, on a plain-text service (with TLS from the first byte there is
/// no way to say it before the handshake: the connection is closed). Straight to the socket,
/// non-blocking (the reply fits its empty buffer): a refusal costs the loop nothing. Not
/// `try_write`: a socket the reactor has not yet seen writable would write nothing.
fn refuse(stream: tokio::net::TcpStream, service: &Service) {
    if service.plain()
        && let Ok(mut socket) = stream.into_std()
    {
        let _ = std::io::Write::write(&mut socket, service.protocol().refusal());
    }
}

/// Failed accepts in a row. Out of descriptors (EMFILE, ENFILE), the connection stays in the
/// backlog and the next accept fails alike: the loop gives back a spare descriptor it holds for
/// this, accepts that one client and refuses it (so a client in the backlog is told, not left
/// waiting for a greeting while the descriptors stay taken), and takes the spare again once it
/// can. Without a spare, or out of memory, the loop backs off (10 ms, doubling to 1 s) instead
/// of spinning. It logs once per 10 s instead of flooding, and never ends. A failure of one
/// connection (reset before it was accepted) is skipped at once.
struct AcceptFailures {
    backoff: Duration,
    logged: Option<std::time::Instant>,
    spare: Option<std::fs::File>,
}

impl Default for AcceptFailures {
    fn default() -> Self {
        AcceptFailures { backoff: Duration::ZERO, logged: None, spare: std::fs::File::open("/dev/null").ok() }
    }
}

impl AcceptFailures {
    fn exhausted(e: &std::io::Error) -> bool {
        matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM))
    }

    /// Takes the spare descriptor again if it was given back.
    fn keep_spare(&mut self) {
        if self.spare.is_none() {
            self.spare = std::fs::File::open("/dev/null").ok();
        }
    }

    /// Out of descriptors: with the spare given back, accepts one waiting client and refuses it.
    /// False when there was no spare or no client to take.
    async fn shed(&mut self, listener: &TcpListener, service: &Service) -> bool {
        let Some(spare) = self.spare.take() else {
            self.keep_spare();
            return false;
        };
        drop(spare);
        self.log_exhausted();
        // A zero timeout still polls the accept once: a client waiting in the backlog is taken.
        let shed = match tokio::time::timeout(Duration::ZERO, listener.accept()).await {
            Ok(Ok((stream, peer))) => {
                tracing::debug!(%peer, "connection refused: out of file descriptors");
                refuse(stream, service);
                true
            }
            _ => false,
        };
        self.keep_spare();
        shed
    }

    fn log_exhausted(&mut self) {
        if self.logged.is_none_or(|at| at.elapsed() > Duration::from_secs(10)) {
            self.logged = Some(std::time::Instant::now());
            tracing::warn!("accept failed: out of file descriptors or memory; refusing and backing off");
        }
    }

    async fn back_off(&mut self, e: &std::io::Error) {
        if !Self::exhausted(e) {
            tracing::debug!(error = %e, "accept failed");
            return;
        }
        self.log_exhausted();
        self.backoff = (self.backoff * 2).clamp(Duration::from_millis(10), Duration::from_secs(1));
        tokio::time::sleep(self.backoff).await;
    }
}

/// What discovery tells clients: the configured services with the ports actually bound (an
/// ephemeral port in tests), HTTPS on 443 without a listener of its own (TLS in front).
fn advertised(config: &Config, listeners: &[(&'static str, SocketAddr, TcpListener)]) -> relais_autodiscover::Services {
    let bound = |key: &str| listeners.iter().find(|(k, _, _)| *k == key).map(|(_, a, _)| a.port());
    relais_autodiscover::Services {
        https: bound("https").unwrap_or(443),
        imaps: bound("imaps"),
        imap: bound("imap"),
        pop3s: bound("pop3s"),
        pop3: bound("pop3"),
        submissions: bound("submissions"),
        submission: bound("submission"),
        hostname: config.server.hostname.clone(),
    }
}

/// Writes DATA/run/listeners.json atomically; returns its path.
fn publish(data: &Path, listeners: &[(&'static str, SocketAddr, TcpListener)]) -> Result<PathBuf> {
    let mut map: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (key, addr, _) in listeners {
        map.entry(key).or_default().push(addr.to_string());
    }
    let dir = data.join("run");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("listeners.json");
    let tmp = dir.join("listeners.json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(&map)?)?;
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

/// Hourly: trim the change log to its window, collect unreferenced blobs, delete the web
/// client's ended sessions, the submissions kept past their retention (seconds) and the share
/// notifications past theirs.
async fn maintenance(
    store: Store,
    web: crate::http_web::Sessions,
    (mailer, retention): (relais_mail::Mailer, i64),
    mut shutdown: Shutdown,
) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = shutdown.wait() => return,
        }
        match store.trim_changes().await {
            Ok(n) if n > 0 => tracing::info!(rows = n, "change log trimmed"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "change log trim failed"),
        }
        match store.collect_garbage(Duration::from_secs(24 * 3600)).await {
            Ok(n) if n > 0 => tracing::info!(blobs = n, "unreferenced blobs removed"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "blob collection failed"),
        }
        match web.purge().await {
            Ok(n) if n > 0 => tracing::info!(sessions = n, "ended web sessions removed"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "web session purge failed"),
        }
        match mailer.purge_submissions(retention).await {
            Ok(n) if n > 0 => tracing::info!(submissions = n, "submissions past their retention removed"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "submission purge failed"),
        }
        match mailer.directory().purge_share_notifications().await {
            Ok(n) if n > 0 => tracing::info!(notifications = n, "share notifications past their retention removed"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "share notification purge failed"),
        }
        match relais_groupware::Groupware::new(mailer.store().clone()).purge_event_notifications().await {
            Ok(n) if n > 0 => {
                tracing::info!(notifications = n, "calendar event notifications past their retention removed")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "calendar event notification purge failed"),
        }
    }
}

async fn first_start_hint(state: &State) {
    if let Ok(domains) = state.directory.domains().await
        && domains.is_empty()
    {
        tracing::info!(
            "no domain yet. Create the first domain and administrator with:\n    \
             relais admin domain add example.com\n    \
             relais admin user add admin@example.com --admin\n\
             (add --data DIR if the server runs with --data DIR)"
        );
    }
}

/// Installs the SIGTERM and SIGINT handlers now; the future resolves at the first of them.
fn stop_signals() -> Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}
