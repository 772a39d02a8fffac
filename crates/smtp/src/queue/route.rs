//! Where a remote domain's mail goes: a configured per-domain route, else the smarthost, else
//! its MX hosts by preference (RFC 5321 §5.1), else the domain itself (implicit MX). Lookups go
//! through the server's one resolver (`mailauth::authenticator`), which tests point at a fixture.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use mail_auth::MessageAuthenticator;
use mail_auth::hickory_resolver::proto::rr::RData;

/// One host to try, with the port and how to treat TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    pub host: String,
    pub port: u16,
    pub relay: bool,
}

pub struct Router {
    dns: Arc<MessageAuthenticator>,
    routes: HashMap<String, (String, u16)>,
    relay: Option<(String, u16)>,
}

#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    /// RFC 7505 null MX, or no host at all: permanent.
    #[error("the domain accepts no mail")]
    NoMail,
    /// NXDOMAIN: a mistyped domain; permanent.
    #[error("the domain does not exist")]
    NoDomain,
    #[error("DNS lookup failed: {0}")]
    Dns(String),
}

/// `host:port` (port defaulting to 25); IPv6 literals in brackets.
pub fn parse_hostport(s: &str) -> Option<(String, u16)> {
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Some((a.ip().to_string(), a.port()));
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() && !h.contains(':') => Some((h.to_owned(), p.parse().ok()?)),
        None if !s.is_empty() => Some((s.to_owned(), 25)),
        _ => None,
    }
}

impl Router {
    pub fn new(
        dns: Arc<MessageAuthenticator>,
        routes: HashMap<String, (String, u16)>,
        relay: Option<(String, u16)>,
    ) -> Router {
        Router { dns, routes, relay }
    }

    /// The hosts to try for `domain`, best first.
    pub async fn hops(&self, domain: &str) -> Result<Vec<Hop>, RouteError> {
        if let Some((host, port)) = self.routes.get(domain) {
            return Ok(vec![Hop { host: host.clone(), port: *port, relay: false }]);
        }
        if let Some((host, port)) = &self.relay {
            return Ok(vec![Hop { host: host.clone(), port: *port, relay: true }]);
        }
        // A domain literal: [192.0.2.1] (RFC 5321 §4.1.3).
        if let Some(ip) = domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
            let ip = ip.strip_prefix("IPv6:").unwrap_or(ip);
            return Ok(vec![Hop { host: ip.to_owned(), port: 25, relay: false }]);
        }
        let fqdn = format!("{}.", domain.trim_end_matches('.'));
        match self.dns.resolver().mx_lookup(fqdn.as_str()).await {
            Ok(mx) => {
                let mut records: Vec<(u16, String)> = mx
                    .answers()
                    .iter()
                    .filter_map(|r| match &r.data {
                        RData::MX(m) => Some((m.preference, m.exchange.to_utf8().trim_end_matches('.').to_owned())),
                        _ => None,
                    })
                    .collect();
                records.sort();
                // RFC 7505: a single MX of "." means the domain takes no mail.
                if records.len() == 1 && records[0].1.is_empty() {
                    return Err(RouteError::NoMail);
                }
                Ok(records.into_iter().map(|(_, host)| Hop { host, port: 25, relay: false }).collect())
            }
            Err(e) if e.is_nx_domain() => Err(RouteError::NoDomain),
            Err(e) if e.is_no_records_found() => Ok(vec![Hop { host: domain.to_owned(), port: 25, relay: false }]),
            Err(e) => Err(RouteError::Dns(e.to_string())),
        }
    }

    /// The addresses of a host (a literal IP is itself).
    pub async fn addresses(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, RouteError> {
        if let Ok(ip) = host.parse::<std::net::IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, port)]);
        }
        let fqdn = format!("{}.", host.trim_end_matches('.'));
        let ips = self.dns.resolver().lookup_ip(fqdn.as_str()).await.map_err(|e| RouteError::Dns(e.to_string()))?;
        Ok(ips.iter().map(|ip| SocketAddr::new(ip, port)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostports() {
        assert_eq!(parse_hostport("127.0.0.1:2525"), Some(("127.0.0.1".into(), 2525)));
        assert_eq!(parse_hostport("[::1]:26"), Some(("::1".into(), 26)));
        assert_eq!(parse_hostport("smtp.example.net:587"), Some(("smtp.example.net".into(), 587)));
        assert_eq!(parse_hostport("smtp.example.net"), Some(("smtp.example.net".into(), 25)));
        assert_eq!(parse_hostport(":25"), None);
    }
}
