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
    pub http: Http,
    pub dns: Dns,
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
}

impl Default for Store {
    fn default() -> Self {
        Store { backend: Backend::Sqlite, url: None, change_window_days: 30, max_connections: 16 }
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
    pub max_failures_per_address: u32,
    pub max_failures_per_account: u32,
    pub failure_window_secs: u64,
    /// Seconds a successful password verification is remembered (0: never).
    pub cache_secs: u64,
}

impl Default for Auth {
    fn default() -> Self {
        Auth { max_failures_per_address: 20, max_failures_per_account: 10, failure_window_secs: 300, cache_secs: 300 }
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
    pub command_timeout_secs: u64,
    pub data_timeout_secs: u64,
    pub max_hops: usize,
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
            command_timeout_secs: d.command_timeout.as_secs(),
            data_timeout_secs: d.data_timeout.as_secs(),
            max_hops: d.max_hops,
            plaintext_auth_on_loopback: false,
            verify_inbound: d.verify_inbound,
            enforce_dmarc: d.enforce_dmarc,
            trusted_networks: d.trusted_networks,
            queue_lifetime_secs: 5 * 24 * 3600,
            retry_initial_secs: 300,
            retry_max_secs: 4 * 3600,
            delay_warning_secs: 4 * 3600,
            queue_concurrency: 16,
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

/// The HTTP listener's request side (the body size limit is `dav.max_request_body`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Http {
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
}

impl Default for Http {
    fn default() -> Self {
        Http {
            header_timeout_secs: 15,
            body_idle_secs: 30,
            body_secs: 600,
            spool_threshold: 256 * 1024,
            body_memory_budget: 256 * 1024 * 1024,
            body_budget_wait_ms: 2000,
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Pop3 {
    /// RFC 1939 §3 autologout; at least 600.
    pub idle_timeout_secs: u64,
    pub max_auth_failures: u32,
    /// USER/PASS and AUTH without TLS from loopback: for tests and local tools only.
    pub plaintext_auth_on_loopback: bool,
}

impl Default for Pop3 {
    fn default() -> Self {
        Pop3 { idle_timeout_secs: 600, max_auth_failures: 3, plaintext_auth_on_loopback: false }
    }
}

impl Pop3 {
    pub fn to_server(&self, hostname: &str) -> relais_pop3::Pop3Config {
        relais_pop3::Pop3Config {
            hostname: hostname.to_owned(),
            idle_timeout: Duration::from_secs(self.idle_timeout_secs.max(1)),
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

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Dns {
    /// Name servers for MX and address lookups (`ip:port`); empty: the system's.
    #[serde(deserialize_with = "addresses")]
    pub nameservers: Vec<SocketAddr>,
}

impl Smtp {
    pub fn to_server(&self, hostname: &str) -> relais_smtp::SmtpConfig {
        relais_smtp::SmtpConfig {
            hostname: hostname.to_owned(),
            max_message_size: self.max_message_size,
            max_recipients: self.max_recipients,
            max_line_length: self.max_line_length.max(512),
            max_errors: self.max_errors,
            max_connections_per_address: self.max_connections_per_address,
            command_timeout: Duration::from_secs(self.command_timeout_secs),
            data_timeout: Duration::from_secs(self.data_timeout_secs),
            max_hops: self.max_hops,
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
            },
            cache_ttl: Duration::from_secs(self.cache_secs),
        }
    }
}

impl Config {
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
