//! Which discovery endpoint a request names. Paths compare without regard to case, as Windows
//! clients and phones send `/Autodiscover/Autodiscover.xml` and `/autodiscover/autodiscover.xml`
//! alike (MS-OXDSCLI §3.1.5.1).

use crate::text::{address, query_param};

/// A discovery request, as far as its method, path and query say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `POST /autodiscover/autodiscover.xml`: POX Autodiscover (the body says the rest).
    Pox,
    /// `GET /autodiscover/autodiscover.json?Email=…&Protocol=…` or
    /// `/autodiscover/autodiscover.json/v1.0/{email}?Protocol=…`. An address that is not one
    /// is `None`.
    Json { email: Option<String>, protocol: Option<String> },
    /// Thunderbird: `/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=…` or
    /// `/mail/config-v1.1.xml` (asked of `autoconfig.<domain>`).
    Autoconfig { email: Option<String> },
    /// `GET /autodiscover/apple.mobileconfig[?platform=macos]`.
    MobileConfig { platform: Platform },
}

/// Which Apple profile to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// iOS / iPadOS: one Exchange ActiveSync account.
    Ios,
    /// macOS: IMAP + SMTP, CalDAV and CardDAV accounts.
    MacOs,
}

const POX_PATH: &str = "/autodiscover/autodiscover.xml";
const JSON_PATH: &str = "/autodiscover/autodiscover.json";
const JSON_V1_PREFIX: &str = "/autodiscover/autodiscover.json/v1.0/";
const MOBILECONFIG_PATH: &str = "/autodiscover/apple.mobileconfig";
const AUTOCONFIG_PATHS: [&str; 2] = ["/.well-known/autoconfig/mail/config-v1.1.xml", "/mail/config-v1.1.xml"];

impl Endpoint {
    /// The endpoint a path (still percent-encoded, without the query) names, if any.
    pub fn classify(path: &str, query: Option<&str>) -> Option<Endpoint> {
        let email = |name| query_param(query, name).and_then(|e| address(&e));
        if path.eq_ignore_ascii_case(POX_PATH) {
            return Some(Endpoint::Pox);
        }
        if path.eq_ignore_ascii_case(JSON_PATH) {
            return Some(Endpoint::Json { email: email("Email"), protocol: query_param(query, "Protocol") });
        }
        if let Some(rest) = strip_prefix_ignore_case(path, JSON_V1_PREFIX) {
            let email = relais_dav_proto::percent_decode(rest).and_then(|e| address(&e));
            return Some(Endpoint::Json { email, protocol: query_param(query, "Protocol") });
        }
        if AUTOCONFIG_PATHS.iter().any(|p| path.eq_ignore_ascii_case(p)) {
            return Some(Endpoint::Autoconfig { email: email("emailaddress") });
        }
        if path.eq_ignore_ascii_case(MOBILECONFIG_PATH) {
            let macos = query_param(query, "platform").is_some_and(|p| p.eq_ignore_ascii_case("macos"));
            return Some(Endpoint::MobileConfig { platform: if macos { Platform::MacOs } else { Platform::Ios } });
        }
        None
    }

    /// The methods the endpoint answers (HEAD with GET); anything else is 405.
    pub fn allows(&self, method: &str) -> bool {
        match self {
            Endpoint::Pox => method == "POST",
            _ => method == "GET" || method == "HEAD",
        }
    }

    /// The `Allow` header of a 405.
    pub fn allow_header(&self) -> &'static str {
        match self {
            Endpoint::Pox => "POST",
            _ => "GET, HEAD",
        }
    }

    /// Whether the answer is personal and so needs HTTP Basic credentials (over TLS). The
    /// others disclose only the server's own settings, the same for everyone.
    pub fn needs_login(&self) -> bool {
        matches!(self, Endpoint::Pox | Endpoint::MobileConfig { .. })
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &s[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_table() {
        let json = |e: Option<&str>, p: Option<&str>| {
            Some(Endpoint::Json { email: e.map(str::to_owned), protocol: p.map(str::to_owned) })
        };
        let cases: &[(&str, Option<&str>, Option<Endpoint>)] = &[
            ("/autodiscover/autodiscover.xml", None, Some(Endpoint::Pox)),
            ("/Autodiscover/Autodiscover.xml", None, Some(Endpoint::Pox)),
            ("/AUTODISCOVER/AUTODISCOVER.XML", None, Some(Endpoint::Pox)),
            ("/autodiscover/autodiscover.xml/x", None, None),
            (
                "/autodiscover/autodiscover.json",
                Some("Email=u%40example.com&Protocol=ActiveSync&RedirectCount=1"),
                json(Some("u@example.com"), Some("ActiveSync")),
            ),
            ("/autodiscover/autodiscover.json", Some("Email=nobody&Protocol=X"), json(None, Some("X"))),
            (
                "/autodiscover/autodiscover.json/v1.0/u@Example.com",
                Some("Protocol=AutodiscoverV1"),
                json(Some("u@example.com"), Some("AutodiscoverV1")),
            ),
            ("/Autodiscover/Autodiscover.json/v1.0/u%40example.com", None, json(Some("u@example.com"), None)),
            (
                "/.well-known/autoconfig/mail/config-v1.1.xml",
                Some("emailaddress=u%40example.com"),
                Some(Endpoint::Autoconfig { email: Some("u@example.com".into()) }),
            ),
            ("/mail/config-v1.1.xml", None, Some(Endpoint::Autoconfig { email: None })),
            ("/autodiscover/apple.mobileconfig", None, Some(Endpoint::MobileConfig { platform: Platform::Ios })),
            (
                "/autodiscover/apple.mobileconfig",
                Some("platform=macOS"),
                Some(Endpoint::MobileConfig { platform: Platform::MacOs }),
            ),
            ("/autodiscover/", None, None),
            ("/", None, None),
            ("/autodiscover/autodiscover.json/v1.0/\u{e9}", None, json(None, None)),
        ];
        for (path, query, want) in cases {
            assert_eq!(&Endpoint::classify(path, *query), want, "{path} {query:?}");
        }
    }

    #[test]
    fn methods_and_login() {
        assert!(Endpoint::Pox.allows("POST") && !Endpoint::Pox.allows("GET"));
        let a = Endpoint::Autoconfig { email: None };
        assert!(a.allows("GET") && a.allows("HEAD") && !a.allows("POST"));
        assert!(Endpoint::Pox.needs_login());
        assert!(Endpoint::MobileConfig { platform: Platform::Ios }.needs_login());
        assert!(!a.needs_login());
        assert!(!Endpoint::Json { email: None, protocol: None }.needs_login());
    }
}
