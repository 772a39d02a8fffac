//! The configuration: one TOML file, every key optional, then `RELAIS__SECTION__KEY`
//! environment overrides. An unknown key or a bad value stops start-up with the key's name.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Deserializer};

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: Server,
    pub listen: Listen,
    pub store: Store,
    pub tls: Tls,
    pub auth: Auth,
    pub smtp: Smtp,
    pub pop3: Pop3,
    pub imap: Imap,
    pub dav: Dav,
    pub calendar: Calendar,
    pub http: Http,
    pub dns: Dns,
    pub directory: DirectorySettings,
    pub backup: crate::backup_schedule::Settings,
    pub jmap: Jmap,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Server {
    /// The name this server answers to (greetings, certificates, Autodiscover).
    pub hostname: String,
    /// Log filter (`info`, `relais=debug`, …); `RUST_LOG` wins when set.
    pub log: String,
    /// Seconds that in-flight work may take to finish after SIGTERM.
    pub shutdown_grace_secs: u64,
}

impl Default for Server {
    fn default() -> Self {
        Server { hostname: default_hostname(), log: "info".into(), shutdown_grace_secs: 30 }
    }
}

fn default_hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// Socket addresses per protocol; an empty list disables the listener.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Listen {
    #[serde(deserialize_with = "addresses")]
    pub smtp: Vec<SocketAddr>,
    #[serde(deserialize_with = "addresses")]
    pub submission: Vec<SocketAddr>,
    #[serde(deserialize_with = "addresses")]
    pub submissions: Vec<SocketAddr>,
    #[serde(deserialize_with = "addresses")]
    pub imap: Vec<SocketAddr>,
    #[serde(deserialize_with = "addresses")]
    pub imaps: Vec<SocketAddr>,
    #[serde(deserialize_with = "addresses")]
    pub pop3: Vec<SocketAddr>,
    #[serde(deserialize_with = "addresses")]
    pub pop3s: Vec<SocketAddr>,
    #[serde(deserialize_with = "addresses")]
    pub managesieve: Vec<SocketAddr>,
    #[serde(deserialize_with = "addresses")]
    pub http: Vec<SocketAddr>,
    #[serde(deserialize_with = "addresses")]
    pub https: Vec<SocketAddr>,
}

impl Default for Listen {
    fn default() -> Self {
        let any = |port: u16| vec![SocketAddr::from(([0, 0, 0, 0], port))];
        Listen {
            smtp: any(25),
            submission: any(587),
            submissions: any(465),
            imap: any(143),
            imaps: any(993),
            pop3: any(110),
            pop3s: any(995),
            managesieve: any(4190),
            http: any(80),
            https: any(443),
        }
    }
}

impl Listen {
    /// (config key, addresses) for every listener.
    pub fn all(&self) -> [(&'static str, &[SocketAddr]); 10] {
        [
            ("smtp", &self.smtp),
            ("submission", &self.submission),
            ("submissions", &self.submissions),
            ("imap", &self.imap),
            ("imaps", &self.imaps),
            ("pop3", &self.pop3),
            ("pop3s", &self.pop3s),
            ("managesieve", &self.managesieve),
            ("http", &self.http),
            ("https", &self.https),
        ]
    }
}

fn addresses<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<SocketAddr>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    let list = match OneOrMany::deserialize(d)
        .map_err(|_| serde::de::Error::custom("expected a socket address such as \"0.0.0.0:25\" or a list of them"))?
    {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    };
    list.iter()
        .map(|s| s.parse().map_err(|_| serde::de::Error::custom(format!("{s:?} is not a socket address (host:port)"))))
        .collect()
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    #[default]
    Sqlite,
    Postgres,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Store {
    pub backend: Backend,
    /// PostgreSQL URL, e.g. `postgres://relais@db.example.com/relais`.
    pub url: Option<String>,
    /// Days the change log is kept; older sync states must resynchronise.
    pub change_window_days: u64,
    pub max_connections: usize,
    /// SQLite: each store connection's page cache in MiB (all of them together at most
    /// `max_connections + 1` times this). Memory bought for speed on large accounts.
    pub cache_mib: u32,
    /// SQLite: how much of the database file the store connections read through one shared
    /// memory map, in MiB (0: none, every read copied into each connection's cache). Mapped
    /// pages are the kernel's page cache, held once whatever the number of connections.
    pub mmap_mib: u32,
    /// Most mailboxes (and calendars, address books, …, each kind counted apart) per account.
    pub max_collections: usize,
    /// Most folders in one account's file store.
    pub max_file_folders: usize,
    /// Most levels of nested mailboxes or collections.
    pub max_collection_depth: usize,
}

impl Default for Store {
    fn default() -> Self {
        let limits = relais_store::CollectionLimits::default();
        Store {
            backend: Backend::Sqlite,
            url: None,
            change_window_days: 30,
            max_connections: 16,
            cache_mib: 16,
            mmap_mib: 1024,
            max_collections: limits.max_collections,
            max_file_folders: limits.max_file_folders,
            max_collection_depth: limits.max_depth,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Tls {
    /// PEM certificate chain; without it a self-signed certificate is made in DATA/tls.
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Auth {
    /// Failures that lock an address out (any account) for the window.
    pub max_failures_per_address: u32,
    /// Failures that lock one (account, address) pair, and that slow the account down.
    pub max_failures_per_account: u32,
    pub failure_window_secs: u64,
    /// The wait of a further attempt from an address that failed on an account under slowdown.
    pub slowdown_secs: u64,
    /// Seconds a successful password verification is remembered (0: never).
    pub cache_secs: u64,
    /// Argon2 verifications at once (0: the cores, at least twice the per-address bound).
    pub max_verifications: usize,
    pub max_verifications_per_address: usize,
    pub max_verifications_per_account: usize,
}

impl Default for Auth {
    fn default() -> Self {
        let (t, g) = (relais_directory::ThrottleConfig::default(), relais_directory::GateConfig::default());
        Auth {
            max_failures_per_address: t.max_failures_per_address,
            max_failures_per_account: t.max_failures_per_account,
            failure_window_secs: t.window.as_secs(),
            slowdown_secs: t.slowdown.as_secs(),
            cache_secs: 300,
            max_verifications: g.pool,
            max_verifications_per_address: g.per_address,
            max_verifications_per_account: g.per_account,
        }
    }
}

/// SMTP limits and the outbound queue.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Smtp {
    pub max_message_size: usize,
    pub max_recipients: usize,
    pub max_line_length: usize,
    pub max_errors: u32,
    pub max_connections_per_address: usize,
    /// Connections at once on each SMTP listener, from everywhere.
    pub max_connections: usize,
    pub command_timeout_secs: u64,
    /// Silence allowed from a session with no login and no transaction under way.
    pub unauthenticated_timeout_secs: u64,
    pub data_timeout_secs: u64,
    pub max_hops: usize,
    /// Octets of one incoming message kept in memory; the rest is spooled to DATA/spool.
    pub spool_threshold: usize,
    /// Octets of message content in memory across all SMTP connections.
    pub body_memory_budget: usize,
    /// AUTH without TLS from loopback addresses: for tests and local tools only.
    pub plaintext_auth_on_loopback: bool,
    /// Check SPF, DKIM, ARC and DMARC of inbound mail (Authentication-Results).
    pub verify_inbound: bool,
    /// Reject or quarantine mail failing DMARC as its domain's policy asks.
    pub enforce_dmarc: bool,
    /// Networks whose mail is not checked: `["127.0.0.0/8", "::1/128"]` by default.
    #[serde(deserialize_with = "networks")]
    pub trusted_networks: Vec<(std::net::IpAddr, u8)>,
    /// How long the queue keeps trying a message (RFC 5321 §4.5.4.1 suggests 4-5 days).
    pub queue_lifetime_secs: u64,
    pub retry_initial_secs: u64,
    pub retry_max_secs: u64,
    pub delay_warning_secs: u64,
    pub queue_concurrency: usize,
    /// Days a sent (or cancelled) JMAP EmailSubmission stays readable before the hourly
    /// maintenance removes it.
    pub submission_retention_days: u64,
    pub relay: Option<Relay>,
    /// Per-domain next hops, before MX lookup: `"example.net" = "127.0.0.1:2626"`.
    #[serde(deserialize_with = "routes")]
    pub routes: std::collections::HashMap<String, (String, u16)>,
}

impl Default for Smtp {
    fn default() -> Self {
        let d = relais_smtp::SmtpConfig::default();
        Smtp {
            max_message_size: d.max_message_size,
            max_recipients: d.max_recipients,
            max_line_length: d.max_line_length,
            max_errors: d.max_errors,
            max_connections_per_address: d.max_connections_per_address,
            max_connections: d.max_connections,
            command_timeout_secs: d.command_timeout.as_secs(),
            unauthenticated_timeout_secs: d.unauthenticated_timeout.as_secs(),
            data_timeout_secs: d.data_timeout.as_secs(),
            max_hops: d.max_hops,
            spool_threshold: d.spool_threshold,
            body_memory_budget: d.body_memory_budget,
            plaintext_auth_on_loopback: false,
            verify_inbound: d.verify_inbound,
            enforce_dmarc: d.enforce_dmarc,
            trusted_networks: d.trusted_networks,
            queue_lifetime_secs: 5 * 24 * 3600,
            retry_initial_secs: 300,
            retry_max_secs: 4 * 3600,
            delay_warning_secs: 4 * 3600,
            queue_concurrency: 16,
            submission_retention_days: 7,
            relay: None,
            routes: std::collections::HashMap::new(),
        }
    }
}

/// A smarthost for all outbound mail.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Relay {
    /// `host:port`
    pub host: String,
    pub username: Option<String>,
    pub password: Option<String>,
    #[serde(default)]
    pub tls: RelayTls,
    /// PEM trust anchors for the relay's certificate (a private relay); default: the system's.
    /// The certificate is always verified: the relay gets our credentials.
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RelayTls {
    #[default]
    Opportunistic,
    Required,
    Implicit,
    None,
}

fn routes<'de, D: Deserializer<'de>>(d: D) -> Result<std::collections::HashMap<String, (String, u16)>, D::Error> {
    let raw = std::collections::HashMap::<String, String>::deserialize(d)?;
    raw.into_iter()
        .map(|(domain, hop)| {
            let parsed = relais_smtp::queue::route::parse_hostport(&hop)
                .ok_or_else(|| serde::de::Error::custom(format!("{hop:?} is not host:port (route for {domain})")))?;
            Ok((domain.to_ascii_lowercase(), parsed))
        })
        .collect()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Imap {
    /// RFC 9051 §5.4: at least 1800.
    pub idle_timeout_secs: u64,
    /// Idle time allowed before login (the autologout timer is for authenticated sessions).
    pub login_timeout_secs: u64,
    /// Connections at once (IMAP and IMAPS together), and from one client address.
    pub max_connections: usize,
    pub max_connections_per_address: usize,
    pub max_line: usize,
    /// Largest APPEND (APPENDLIMIT).
    pub max_append: u64,
    pub max_errors: u32,
    /// LOGIN and AUTHENTICATE without TLS from loopback: for tests and local tools only.
    pub plaintext_auth_on_loopback: bool,
}

impl Default for Imap {
    fn default() -> Self {
        let d = relais_imap::ImapConfig::default();
        Imap {
            idle_timeout_secs: d.idle_timeout.as_secs(),
            login_timeout_secs: d.login_timeout.as_secs(),
            max_connections: 20_000,
            max_connections_per_address: 200,
            max_line: d.max_line,
            max_append: d.max_append,
            max_errors: d.max_errors,
            plaintext_auth_on_loopback: false,
        }
    }
}

impl Imap {
    pub fn to_server(&self, hostname: &str) -> relais_imap::ImapConfig {
        relais_imap::ImapConfig {
            hostname: hostname.to_owned(),
            idle_timeout: Duration::from_secs(self.idle_timeout_secs.max(1)),
            login_timeout: Duration::from_secs(self.login_timeout_secs.max(1)),
            max_line: self.max_line.max(1024),
            max_append: self.max_append,
            max_errors: self.max_errors.max(1),
            plaintext_auth_on_loopback: self.plaintext_auth_on_loopback,
            ..relais_imap::ImapConfig::default()
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Dav {
    /// The largest calendar or address object accepted (CALDAV:max-resource-size), octets.
    pub max_resource_size: usize,
    /// The largest request body of any DAV request, octets.
    pub max_request_body: usize,
    /// HTTP Basic without TLS from loopback: for tests and local tools only.
    pub plaintext_auth_on_loopback: bool,
    /// Bounds on an XML request body: nesting depth, elements, attributes on one element
    /// (namespace declarations included), namespace declarations in the body.
    pub xml_max_depth: usize,
    pub xml_max_elements: usize,
    pub xml_max_attributes: usize,
    pub xml_max_namespaces: usize,
}

impl Default for Dav {
    fn default() -> Self {
        let d = relais_dav::DavConfig::default();
        Dav {
            max_resource_size: d.max_resource_size,
            max_request_body: 32 * 1024 * 1024,
            plaintext_auth_on_loopback: d.plaintext_auth_on_loopback,
            xml_max_depth: d.xml.max_depth,
            xml_max_elements: d.xml.max_elements,
            xml_max_attributes: d.xml.max_attributes,
            xml_max_namespaces: d.xml.max_namespaces,
        }
    }
}

impl Dav {
    pub fn to_server(&self) -> relais_dav::DavConfig {
        relais_dav::DavConfig {
            max_resource_size: self.max_resource_size.min(self.max_request_body),
            plaintext_auth_on_loopback: self.plaintext_auth_on_loopback,
            xml: relais_dav::XmlLimits {
                max_depth: self.xml_max_depth,
                max_elements: self.xml_max_elements,
                max_attributes: self.xml_max_attributes,
                max_namespaces: self.xml_max_namespaces,
            },
        }
    }
}

/// The HTTP and HTTPS listeners: their connections and the request side (the body size limit
/// is `dav.max_request_body`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Http {
    /// Connections at once (HTTP and HTTPS together), and from one client address.
    pub max_connections: usize,
    pub max_connections_per_address: usize,
    /// Longest time to receive a request's headers, seconds.
    pub header_timeout_secs: u64,
    /// Longest wait for the next part of a request body, seconds.
    pub body_idle_secs: u64,
    /// Longest time to receive a whole request body, seconds.
    pub body_secs: u64,
    /// Request bodies larger than this (octets) are spooled to disk while they arrive.
    pub spool_threshold: usize,
    /// Octets of request bodies held in memory at once, over all requests.
    pub body_memory_budget: usize,
    /// Longest wait for room in that budget before answering 503, milliseconds.
    pub body_budget_wait_ms: u64,
    /// Each connection's read buffer at most (octets, at least 8192): it bounds a request's
    /// head (request line and headers; 431 past it) and what a client may pipeline behind an
    /// ActiveSync command still running; hyper's bodies stream through it whatever their size.
    /// A connection parked on an ActiveSync Ping holds no read buffer (`http_longpoll`).
    pub read_buffer: usize,
    /// Seconds between pings on a JMAP WebSocket; a peer heard from in none of two intervals
    /// is dropped.
    pub websocket_ping_secs: u64,
}

impl Default for Http {
    fn default() -> Self {
        Http {
            max_connections: 20_000,
            max_connections_per_address: 200,
            header_timeout_secs: 15,
            body_idle_secs: 30,
            body_secs: 600,
            spool_threshold: 256 * 1024,
            body_memory_budget: 256 * 1024 * 1024,
            body_budget_wait_ms: 2000,
            read_buffer: 64 * 1024,
            websocket_ping_secs: 60,
        }
    }
}

impl Http {
    pub fn body_limits(&self, max: usize) -> crate::http_body::BodyLimits {
        use std::time::Duration;
        crate::http_body::BodyLimits {
            max,
            spool_threshold: self.spool_threshold,
            idle: Duration::from_secs(self.body_idle_secs.max(1)),
            total: Duration::from_secs(self.body_secs.max(1)),
            memory_budget: self.body_memory_budget.max(1),
            budget_wait: Duration::from_millis(self.body_budget_wait_ms),
        }
    }
}

/// Bounds on recurrence expansion (see `relais_groupware::recurrence`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Calendar {
    /// Occurrences one expansion yields at most (indexed per event up to the horizon, and
    /// looked at by one query); past it an event is indexed up to there, with a log line.
    pub max_instances: usize,
    /// Candidates one period of one RRULE may produce (days × times its BY* parts allow);
    /// a rule above it is refused (CALDAV:max-instances).
    pub max_rule_candidates: u64,
    /// Components with an RRULE in one calendar object; more are refused.
    pub max_recurrence_rules: usize,
}

impl Default for Calendar {
    fn default() -> Self {
        let d = relais_groupware::recurrence::RecurrenceLimits::default();
        Calendar {
            max_instances: d.max_instances,
            max_rule_candidates: d.max_rule_candidates,
            max_recurrence_rules: d.max_recurrence_rules,
        }
    }
}

impl Calendar {
    pub fn to_limits(&self) -> relais_groupware::recurrence::RecurrenceLimits {
        relais_groupware::recurrence::RecurrenceLimits {
            max_instances: self.max_instances.max(1),
            max_rule_candidates: self.max_rule_candidates.max(1),
            max_recurrence_rules: self.max_recurrence_rules,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Pop3 {
    /// RFC 1939 §3 autologout; at least 600.
    pub idle_timeout_secs: u64,
    /// Idle time allowed before login.
    pub login_timeout_secs: u64,
    /// Connections at once (POP3 and POP3S together), and from one client address.
    pub max_connections: usize,
    pub max_connections_per_address: usize,
    pub max_auth_failures: u32,
    /// USER/PASS and AUTH without TLS from loopback: for tests and local tools only.
    pub plaintext_auth_on_loopback: bool,
}

impl Default for Pop3 {
    fn default() -> Self {
        Pop3 {
            idle_timeout_secs: 600,
            login_timeout_secs: 60,
            max_connections: 5000,
            max_connections_per_address: 100,
            max_auth_failures: 3,
            plaintext_auth_on_loopback: false,
        }
    }
}

impl Pop3 {
    pub fn to_server(&self, hostname: &str) -> relais_pop3::Pop3Config {
        relais_pop3::Pop3Config {
            hostname: hostname.to_owned(),
            idle_timeout: Duration::from_secs(self.idle_timeout_secs.max(1)),
            login_timeout: Duration::from_secs(self.login_timeout_secs.max(1)),
            max_auth_failures: self.max_auth_failures.max(1),
            plaintext_auth_on_loopback: self.plaintext_auth_on_loopback,
        }
    }
}

fn networks<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(std::net::IpAddr, u8)>, D::Error> {
    Vec::<String>::deserialize(d)?
        .iter()
        .map(|s| {
            let (ip, len) = s.split_once('/').unwrap_or((s, ""));
            let ip: std::net::IpAddr =
                ip.parse().map_err(|_| serde::de::Error::custom(format!("{s:?} is not a network (address/length)")))?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let len = if len.is_empty() { Ok(max) } else { len.parse::<u8>() };
            match len {
                Ok(l) if l <= max => Ok((ip, l)),
                _ => Err(serde::de::Error::custom(format!("{s:?}: the prefix length must be 0 to {max}"))),
            }
        })
        .collect()
}

/// Who sees whom: the address list, principal search and free/busy show a user their own
/// domain ("domain", the default) or every hosted domain ("all").
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DirectorySettings {
    pub gal_scope: GalScope,
}

#[derive(Debug, Default, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GalScope {
    #[default]
    Domain,
    All,
}

impl GalScope {
    pub fn to_directory(self) -> relais_directory::GalScope {
        match self {
            GalScope::Domain => relais_directory::GalScope::Domain,
            GalScope::All => relais_directory::GalScope::All,
        }
    }
}

/// `[jmap]`: push subscriptions (RFC 8620 §7.2) — where the server may POST.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Jmap {
    /// Push subscriptions one principal may hold.
    pub max_push_subscriptions: u32,
    /// Push to `http:` URLs too (tests; a push service is HTTPS).
    pub push_allow_http: bool,
    /// Push to loopback and private addresses too (tests; the default refuses them: SSRF).
    pub push_allow_private: bool,
    /// Trust anchors (PEM) for push services' certificates; the system's when unset.
    pub push_ca_file: Option<PathBuf>,
}

impl Default for Jmap {
    fn default() -> Self {
        Jmap { max_push_subscriptions: 20, push_allow_http: false, push_allow_private: false, push_ca_file: None }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Dns {
    /// Name servers for MX and address lookups (`ip:port`); empty: the system's.
    #[serde(deserialize_with = "addresses")]
    pub nameservers: Vec<SocketAddr>,
}

impl Smtp {
    /// The SMTP server's settings; message content past the threshold waits in `spool_dir`.
    pub fn to_server(&self, hostname: &str, spool_dir: PathBuf) -> relais_smtp::SmtpConfig {
        relais_smtp::SmtpConfig {
            hostname: hostname.to_owned(),
            max_message_size: self.max_message_size,
            max_recipients: self.max_recipients,
            max_line_length: self.max_line_length.max(512),
            max_errors: self.max_errors,
            max_connections_per_address: self.max_connections_per_address.max(1),
            max_connections: self.max_connections.max(1),
            command_timeout: Duration::from_secs(self.command_timeout_secs),
            unauthenticated_timeout: Duration::from_secs(self.unauthenticated_timeout_secs.max(1)),
            data_timeout: Duration::from_secs(self.data_timeout_secs),
            max_hops: self.max_hops,
            spool_dir,
            spool_threshold: self.spool_threshold,
            body_memory_budget: self.body_memory_budget.max(1 << 20),
            plaintext_auth_on_loopback: self.plaintext_auth_on_loopback,
            verify_inbound: self.verify_inbound,
            enforce_dmarc: self.enforce_dmarc,
            trusted_networks: self.trusted_networks.clone(),
        }
    }

    pub fn to_queue(&self, hostname: &str) -> relais_smtp::queue::QueueConfig {
        use relais_smtp::queue::client::TlsMode;
        let relay = self.relay.as_ref();
        relais_smtp::queue::QueueConfig {
            hostname: hostname.to_owned(),
            routes: self.routes.clone(),
            relay: relay.and_then(|r| relais_smtp::queue::route::parse_hostport(&r.host)),
            relay_auth: relay.and_then(|r| Some((r.username.clone()?, r.password.clone()?))),
            relay_ca_file: relay.and_then(|r| r.ca_file.clone()),
            relay_tls: match relay.map(|r| r.tls).unwrap_or_default() {
                // Credentials never go out in clear: with them, TLS is required.
                RelayTls::Opportunistic if relay.is_some_and(|r| r.username.is_some()) => TlsMode::Required,
                RelayTls::Opportunistic => TlsMode::Opportunistic,
                RelayTls::Required => TlsMode::Required,
                RelayTls::Implicit => TlsMode::Implicit,
                RelayTls::None => TlsMode::Never,
            },
            retry_initial: Duration::from_secs(self.retry_initial_secs.max(1)),
            retry_max: Duration::from_secs(self.retry_max_secs.max(1)),
            delay_warning: Duration::from_secs(self.delay_warning_secs),
            concurrency: self.queue_concurrency.max(1),
            ..relais_smtp::queue::QueueConfig::default()
        }
    }
}

impl Auth {
    pub fn to_directory(&self) -> relais_directory::AuthConfig {
        relais_directory::AuthConfig {
            throttle: relais_directory::ThrottleConfig {
                max_failures_per_address: self.max_failures_per_address,
                max_failures_per_account: self.max_failures_per_account,
                window: Duration::from_secs(self.failure_window_secs),
                slowdown: Duration::from_secs(self.slowdown_secs),
            },
            gates: relais_directory::GateConfig {
                pool: self.max_verifications,
                per_address: self.max_verifications_per_address.max(1),
                per_account: self.max_verifications_per_account.max(1),
                ..relais_directory::GateConfig::default()
            },
            cache_ttl: Duration::from_secs(self.cache_secs),
        }
    }
}

impl Config {
    /// (max_connections, max_connections_per_address) of a protocol's listeners.
    pub fn connection_limits(&self, protocol: crate::connections::Protocol) -> (usize, usize) {
        use crate::connections::Protocol;
        match protocol {
            // relais_smtp counts its connections per address and per listener itself; here they
            // count only toward the process's cap.
            Protocol::Smtp => (usize::MAX, usize::MAX),
            Protocol::Imap => (self.imap.max_connections, self.imap.max_connections_per_address),
            Protocol::Pop3 => (self.pop3.max_connections, self.pop3.max_connections_per_address),
            Protocol::Http => (self.http.max_connections, self.http.max_connections_per_address),
        }
    }

    /// Reads `file` (if given) and the environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let env: BTreeMap<String, String> = std::env::vars().filter(|(k, _)| k.starts_with("RELAIS__")).collect();
        Config::from_parts(file, &env)
    }

    fn from_parts(file: Option<&Path>, env: &BTreeMap<String, String>) -> Result<Config, ConfigError> {
        let mut table = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| ConfigError(format!("cannot read config file {}: {e}", path.display())))?;
                toml::from_str::<toml::Table>(&text)
                    .map_err(|e| ConfigError(format!("config file {}: {}", path.display(), e.message())))?
            }
            None => toml::Table::new(),
        };
        for (name, raw) in env {
            apply_override(&mut table, name, raw)?;
        }
        let config: Config = serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
            let path = e.path().to_string();
            ConfigError(format!("config key `{path}`: {}", e.inner().message()))
        })?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.server.hostname.trim().is_empty() {
            return Err(ConfigError("config key `server.hostname`: must not be empty".into()));
        }
        if self.store.backend == Backend::Postgres && self.store.url.is_none() {
            return Err(ConfigError("config key `store.url`: required when store.backend = \"postgres\"".into()));
        }
        if let Some(r) = &self.smtp.relay
            && relais_smtp::queue::route::parse_hostport(&r.host).is_none()
        {
            return Err(ConfigError("config key `smtp.relay.host`: expected host:port".into()));
        }
        if let Some(ca) = self.smtp.relay.as_ref().and_then(|r| r.ca_file.as_deref())
            && let Err(e) = relais_smtp::queue::client::verifying_config(Some(ca))
        {
            return Err(ConfigError(format!("config key `smtp.relay.ca_file`: {e}")));
        }
        if let Some(ca) = self.jmap.push_ca_file.as_deref()
            && let Err(e) = relais_smtp::queue::client::verifying_config(Some(ca))
        {
            return Err(ConfigError(format!("config key `jmap.push_ca_file`: {e}")));
        }
        self.backup.validate().map_err(ConfigError)?;
        if self.tls.cert.is_some() != self.tls.key.is_some() {
            return Err(ConfigError("config keys `tls.cert` and `tls.key`: give both or neither".into()));
        }
        Ok(())
    }
}

/// `RELAIS__SERVER__HOSTNAME=x` sets `server.hostname`. The value is read as TOML when it
/// parses as TOML (numbers, lists, quoted strings), else as a plain string.
fn apply_override(table: &mut toml::Table, name: &str, raw: &str) -> Result<(), ConfigError> {
    let path: Vec<String> = name["RELAIS__".len()..].split("__").map(str::to_ascii_lowercase).collect();
    if path.len() != 2 || path.iter().any(String::is_empty) {
        return Err(ConfigError(format!("environment variable {name}: expected RELAIS__SECTION__KEY")));
    }
    let value = toml::from_str::<toml::Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.to_owned()));
    let section = table
        .entry(path[0].clone())
        .or_insert_with(|| toml::Value::Table(toml::Table::new()))
        .as_table_mut()
        .ok_or_else(|| ConfigError(format!("config key `{}`: must be a table", path[0])))?;
    section.insert(path[1].clone(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, env: &[(&str, &str)]) -> Result<Config, String> {
        let dir = std::env::temp_dir().join(format!("relais-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(format!("{:x}.toml", text.len() * 31 + env.len()));
        std::fs::write(&file, text).unwrap();
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let r = Config::from_parts(Some(&file), &env).map_err(|e| e.to_string());
        let _ = std::fs::remove_file(&file);
        r
    }

    #[test]
    fn table() {
        let ok =
            parse("[listen]\nhttp = \"127.0.0.1:8080\"\nimap = []\nsmtp = [\"127.0.0.1:25\", \"[::1]:25\"]\n", &[])
                .unwrap();
        assert_eq!(ok.listen.http, vec!["127.0.0.1:8080".parse::<SocketAddr>().unwrap()]);
        assert!(ok.listen.imap.is_empty());
        assert_eq!(ok.listen.smtp.len(), 2);
        assert_eq!(ok.listen.pop3, vec!["0.0.0.0:110".parse::<SocketAddr>().unwrap()], "defaults stay");

        for (text, env, key) in [
            ("[listen]\nbogus = \"1.2.3.4:5\"\n", vec![], "listen.bogus"),
            ("[listen]\nhttp = \"not-an-address\"\n", vec![], "listen.http"),
            ("[server]\nhostname = 42\n", vec![], "server.hostname"),
            ("[nosuch]\nx = 1\n", vec![], "nosuch"),
            ("", vec![("RELAIS__SERVER__BOGUS", "1")], "server.bogus"),
            ("", vec![("RELAIS__STORE__BACKEND", "oracle")], "store.backend"),
            ("[store]\nbackend = \"postgres\"\n", vec![], "store.url"),
        ] {
            let err = parse(text, &env).unwrap_err();
            assert!(err.contains(key), "{text:?} {env:?}: {err}");
        }
        let env = parse(
            "[server]\nhostname = \"a.test\"\n",
            &[("RELAIS__SERVER__HOSTNAME", "b.test"), ("RELAIS__LISTEN__HTTP", "[]")],
        )
        .unwrap();
        assert_eq!(env.server.hostname, "b.test");
        assert!(env.listen.http.is_empty());
    }
}
