//! An Apple configuration profile (Apple's "Configuration Profile Reference": a plist XML
//! document, `application/x-apple-aspen-config`) that sets up one user's accounts: on iOS an
//! Exchange ActiveSync account (`com.apple.eas.account`); on macOS IMAP + SMTP
//! (`com.apple.mail.managed`), CalDAV and CardDAV. It holds no password: the device asks for
//! it when the profile is installed. Every PayloadUUID is derived from the host, the user and
//! the payload, so downloading the profile again replaces the installed one instead of adding
//! a second account.

use std::fmt::Write;

use sha2::{Digest, Sha256};

use crate::endpoint::Platform;
use crate::services::Services;
use crate::text::xml;

/// Whom the profile is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MobileConfigUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    /// The user's DAV principal URL path (`/dav/principals/…/`).
    pub principal_path: &'a str,
}

/// A UUID (RFC 9562 version 8: custom) from SHA-256 of the parts: stable per (host, user,
/// payload), distinct between them.
pub fn payload_uuid(parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    for p in parts {
        hash.update((p.len() as u64).to_be_bytes());
        hash.update(p.as_bytes());
    }
    let mut b: [u8; 16] = hash.finalize()[..16].try_into().unwrap_or([0; 16]);
    b[6] = (b[6] & 0x0f) | 0x80; // RFC 9562 §5.8: version 8
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 9562 §4.1: variant 10
    let h: String = b.iter().map(|x| format!("{x:02X}")).collect();
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// The profile for `user` on `platform`.
pub fn mobileconfig(user: &MobileConfigUser<'_>, platform: Platform, services: &Services) -> String {
    let host = &services.hostname;
    let id = |kind: &str| payload_uuid(&[host, user.email, kind]);
    let prefix = reverse_dns(host);
    let mut payloads = String::new();
    let mut add = |kind: &str, ty: &str, name: &str, body: String| {
        let uuid = id(kind);
        let _ = write!(
            payloads,
            "<dict>\n{body}{}{}{}{}{}</dict>\n",
            string("PayloadType", ty),
            string("PayloadIdentifier", &format!("{prefix}.relais.{kind}.{uuid}")),
            string("PayloadUUID", &uuid),
            string("PayloadDisplayName", name),
            integer("PayloadVersion", 1),
        );
    };
    match platform {
        Platform::Ios => add("eas", "com.apple.eas.account", "Exchange ActiveSync", eas(user, services)),
        Platform::MacOs => {
            add("mail", "com.apple.mail.managed", "Mail", mail(user, services));
            add("caldav", "com.apple.caldav.account", "Calendars", dav("CalDAV", user, services));
            add("carddav", "com.apple.carddav.account", "Contacts", dav("CardDAV", user, services));
        }
    }
    let profile = match platform {
        Platform::Ios => "profile-ios",
        Platform::MacOs => "profile-macos",
    };
    let uuid = id(profile);
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n\
         <plist version=\"1.0\">\n<dict>\n<key>PayloadContent</key>\n<array>\n{payloads}</array>\n{}{}{}{}{}{}{}</dict>\n</plist>\n",
        string("PayloadDisplayName", &format!("{} ({})", user.email, host)),
        string("PayloadDescription", &format!("Mail, calendars and contacts of {} on {host}", user.email)),
        string("PayloadIdentifier", &format!("{prefix}.relais.{profile}.{uuid}")),
        string("PayloadType", "Configuration"),
        string("PayloadUUID", &uuid),
        integer("PayloadVersion", 1),
        boolean("PayloadRemovalDisallowed", false),
    )
}

fn eas(user: &MobileConfigUser<'_>, services: &Services) -> String {
    // The host alone when clients reach HTTPS on 443; else host:port.
    let host = match services.https {
        443 => services.hostname.clone(),
        port => format!("{}:{port}", services.hostname),
    };
    [
        string("EmailAddress", user.email),
        string("UserName", user.email),
        string("Host", &host),
        boolean("SSL", true),
        string("PayloadDescription", &format!("Exchange ActiveSync for {}", user.email)),
    ]
    .concat()
}

/// IMAP and SMTP, implicit TLS preferred (RFC 8314 §3), STARTTLS otherwise.
fn mail(user: &MobileConfigUser<'_>, services: &Services) -> String {
    let host = &services.hostname;
    // Without an implicit-TLS port, the plain one with SSL off: Mail then upgrades with
    // STARTTLS, and the server refuses a password before it.
    let (imap_port, imap_tls) = match (services.imaps, services.imap) {
        (Some(p), _) => (p, true),
        (None, Some(p)) => (p, false),
        (None, None) => (993, true),
    };
    let (smtp_port, smtp_tls) = match (services.submissions, services.submission) {
        (Some(p), _) => (p, true),
        (None, Some(p)) => (p, false),
        (None, None) => (465, true),
    };
    [
        string("EmailAccountDescription", user.email),
        string("EmailAccountName", user.display_name),
        string("EmailAccountType", "EmailTypeIMAP"),
        string("EmailAddress", user.email),
        string("IncomingMailServerAuthentication", "EmailAuthPassword"),
        string("IncomingMailServerHostName", host),
        integer("IncomingMailServerPortNumber", imap_port.into()),
        boolean("IncomingMailServerUseSSL", imap_tls),
        string("IncomingMailServerUsername", user.email),
        string("OutgoingMailServerAuthentication", "EmailAuthPassword"),
        string("OutgoingMailServerHostName", host),
        integer("OutgoingMailServerPortNumber", smtp_port.into()),
        boolean("OutgoingMailServerUseSSL", smtp_tls),
        string("OutgoingMailServerUsername", user.email),
        boolean("OutgoingPasswordSameAsIncomingPassword", true),
        string("PayloadDescription", &format!("Mail (IMAP and SMTP) for {}", user.email)),
    ]
    .concat()
}

/// `CalDAV*` or `CardDAV*` keys.
fn dav(kind: &str, user: &MobileConfigUser<'_>, services: &Services) -> String {
    [
        string(&format!("{kind}AccountDescription"), &format!("{} ({kind})", user.email)),
        string(&format!("{kind}HostName"), &services.hostname),
        integer(&format!("{kind}Port"), services.https.into()),
        string(&format!("{kind}PrincipalURL"), &format!("{}{}", services.https_base(), user.principal_path)),
        boolean(&format!("{kind}UseSSL"), true),
        string(&format!("{kind}Username"), user.email),
        string("PayloadDescription", &format!("{kind} for {}", user.email)),
    ]
    .concat()
}

fn string(key: &str, value: &str) -> String {
    format!("<key>{}</key>\n<string>{}</string>\n", xml(key), xml(value))
}

fn integer(key: &str, value: i64) -> String {
    format!("<key>{}</key>\n<integer>{value}</integer>\n", xml(key))
}

fn boolean(key: &str, value: bool) -> String {
    format!("<key>{}</key>\n<{}/>\n", xml(key), if value { "true" } else { "false" })
}

/// `mail.example.com` → `com.example.mail` (PayloadIdentifier is reverse-DNS by convention).
fn reverse_dns(host: &str) -> String {
    host.split('.').rev().collect::<Vec<_>>().join(".")
}

#[cfg(test)]
#[path = "mobileconfig_tests.rs"]
mod tests;
