//! The DNS records a domain publishes so that mail reaches it and clients find it, in
//! zone-file syntax (RFC 1035 §5.1), names fully qualified:
//! - MX to the server's host name; SPF `v=spf1 mx -all` (RFC 7208); the DKIM key (RFC 6376
//!   §3.6.2); DMARC (RFC 7489 §6.1);
//! - `autodiscover.` and `autoconfig.` CNAMEs to the host (Autodiscover, Thunderbird);
//! - RFC 6186 SRV records for IMAP, POP3 and submission (RFC 8314 §5.1 adds `_submissions`),
//!   with target `.` for a service not offered (RFC 6186 §4 / RFC 2782);
//! - RFC 6764 SRV and TXT `path=` for CalDAV and CardDAV over TLS;
//! - `_autodiscover._tcp` SRV (MS-OXDSCLI §3.1.5.1: the last lookup Outlook and phones try).

use std::fmt;

use crate::services::Services;

/// The TTL written on every record.
const TTL: u32 = 3600;

/// A DKIM key as published: its selector and TXT value (`v=DKIM1; k=rsa; p=…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DkimRecord {
    pub selector: String,
    pub value: String,
}

/// One resource record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneRecord {
    /// Owner name, fully qualified with the final dot.
    pub name: String,
    /// `MX`, `TXT`, `CNAME`, `SRV`.
    pub kind: &'static str,
    /// The RDATA as written in a zone file.
    pub data: String,
}

impl fmt::Display for ZoneRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {TTL} IN {} {}", self.name, self.kind, self.data)
    }
}

/// Every record for `domain` (a local domain) served by `services`.
pub fn zone_records(domain: &str, services: &Services, dkim: Option<&DkimRecord>) -> Vec<ZoneRecord> {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let host = format!("{}.", services.hostname.trim_end_matches('.').to_ascii_lowercase());
    let at = |label: &str| if label.is_empty() { format!("{domain}.") } else { format!("{label}.{domain}.") };
    let rr = |name: String, kind, data: String| ZoneRecord { name, kind, data };
    let mut out = vec![rr(at(""), "MX", format!("10 {host}")), rr(at(""), "TXT", txt("v=spf1 mx -all"))];
    if let Some(d) = dkim {
        out.push(rr(at(&format!("{}._domainkey", d.selector)), "TXT", txt(&d.value)));
    }
    out.push(rr(at("_dmarc"), "TXT", txt("v=DMARC1; p=quarantine; adkim=r; aspf=r")));
    for label in ["autodiscover", "autoconfig"] {
        out.push(rr(at(label), "CNAME", host.clone()));
    }
    let srv = |port: Option<u16>| match port {
        Some(p) => format!("0 1 {p} {host}"),
        // RFC 6186 §4: "." says the service is not offered at this domain.
        None => "0 0 0 .".to_owned(),
    };
    let mail = [
        ("_imap._tcp", services.imap),
        ("_imaps._tcp", services.imaps),
        ("_pop3._tcp", services.pop3),
        ("_pop3s._tcp", services.pop3s),
        ("_submission._tcp", services.submission),
        ("_submissions._tcp", services.submissions),
    ];
    for (label, port) in mail {
        out.push(rr(at(label), "SRV", srv(port)));
    }
    for (label, path) in [("_caldavs._tcp", "/.well-known/caldav"), ("_carddavs._tcp", "/.well-known/carddav")] {
        out.push(rr(at(label), "SRV", srv(Some(services.https))));
        // RFC 6764 §4: the context path.
        out.push(rr(at(label), "TXT", txt(&format!("path={path}"))));
    }
    out.push(rr(at("_autodiscover._tcp"), "SRV", srv(Some(services.https))));
    out
}

/// A TXT RDATA: character-strings of at most 255 octets (RFC 1035 §3.3.14), quoted, split
/// where needed (a DKIM key is longer).
fn txt(value: &str) -> String {
    let parts: Vec<String> = value
        .as_bytes()
        .chunks(250)
        .map(|c| {
            let s = String::from_utf8_lossy(c);
            format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
        })
        .collect();
    if parts.len() == 1 { parts.concat() } else { format!("( {} )", parts.join(" ")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records() {
        let services = Services {
            hostname: "Mail.Example.net".into(),
            imaps: Some(993),
            imap: Some(143),
            pop3s: Some(995),
            pop3: None,
            submissions: Some(465),
            submission: Some(587),
            https: 443,
        };
        let key = "A".repeat(300);
        let dkim = DkimRecord { selector: "relais".into(), value: format!("v=DKIM1; k=rsa; p={key}") };
        let lines: Vec<String> =
            zone_records("Example.com.", &services, Some(&dkim)).iter().map(ToString::to_string).collect();
        let want = [
            "example.com. 3600 IN MX 10 mail.example.net.".to_owned(),
            "example.com. 3600 IN TXT \"v=spf1 mx -all\"".to_owned(),
            format!(
                "relais._domainkey.example.com. 3600 IN TXT ( \"v=DKIM1; k=rsa; p={}\" \"{}\" )",
                &key[..232],
                &key[232..]
            ),
            "_dmarc.example.com. 3600 IN TXT \"v=DMARC1; p=quarantine; adkim=r; aspf=r\"".to_owned(),
            "autodiscover.example.com. 3600 IN CNAME mail.example.net.".to_owned(),
            "autoconfig.example.com. 3600 IN CNAME mail.example.net.".to_owned(),
            "_imap._tcp.example.com. 3600 IN SRV 0 1 143 mail.example.net.".to_owned(),
            "_imaps._tcp.example.com. 3600 IN SRV 0 1 993 mail.example.net.".to_owned(),
            "_pop3._tcp.example.com. 3600 IN SRV 0 0 0 .".to_owned(),
            "_pop3s._tcp.example.com. 3600 IN SRV 0 1 995 mail.example.net.".to_owned(),
            "_submission._tcp.example.com. 3600 IN SRV 0 1 587 mail.example.net.".to_owned(),
            "_submissions._tcp.example.com. 3600 IN SRV 0 1 465 mail.example.net.".to_owned(),
            "_caldavs._tcp.example.com. 3600 IN SRV 0 1 443 mail.example.net.".to_owned(),
            "_caldavs._tcp.example.com. 3600 IN TXT \"path=/.well-known/caldav\"".to_owned(),
            "_carddavs._tcp.example.com. 3600 IN SRV 0 1 443 mail.example.net.".to_owned(),
            "_carddavs._tcp.example.com. 3600 IN TXT \"path=/.well-known/carddav\"".to_owned(),
            "_autodiscover._tcp.example.com. 3600 IN SRV 0 1 443 mail.example.net.".to_owned(),
        ];
        assert_eq!(lines, want);
    }

    #[test]
    fn txt_quoting() {
        assert_eq!(txt("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(txt(&"x".repeat(250)), format!("\"{}\"", "x".repeat(250)));
        assert_eq!(txt(&"x".repeat(251)), format!("( \"{}\" \"x\" )", "x".repeat(250)));
    }
}
