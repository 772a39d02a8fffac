//! Thunderbird's autoconfig file, `config-v1.1.xml` (Mozilla's "Autoconfiguration" format,
//! clientConfig version 1.1): the incoming (IMAP, POP3) and outgoing (SMTP submission) servers
//! of a domain, each listener offered once, implicit TLS first, and the CalDAV and CardDAV
//! entries (`calendar` / `addressBook`, read by Thunderbird 102 and later). Usernames are the
//! whole address (`%EMAILADDRESS%`), as the directory logs people in.

use std::fmt::Write;

use crate::services::Services;
use crate::text::xml;

/// `socketType` values of the format.
const SSL: &str = "SSL";
const STARTTLS: &str = "STARTTLS";

/// The autoconfig document for `domain` (a local domain: the caller checks).
pub fn autoconfig(domain: &str, services: &Services) -> String {
    let domain = xml(domain);
    let host = xml(&services.hostname);
    let mut out = String::with_capacity(2048);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<clientConfig version=\"1.1\">\n");
    let _ = write!(
        out,
        "  <emailProvider id=\"{domain}\">\n    <domain>{domain}</domain>\n    \
         <displayName>{domain}</displayName>\n    <displayShortName>{domain}</displayShortName>\n"
    );
    let incoming = [("imap", services.imaps, SSL), ("imap", services.imap, STARTTLS)]
        .into_iter()
        .chain([("pop3", services.pop3s, SSL), ("pop3", services.pop3, STARTTLS)]);
    for (kind, port, socket) in incoming {
        if let Some(port) = port {
            server(&mut out, "incomingServer", kind, &host, port, socket);
        }
    }
    for (port, socket) in [(services.submissions, SSL), (services.submission, STARTTLS)] {
        if let Some(port) = port {
            server(&mut out, "outgoingServer", "smtp", &host, port, socket);
        }
    }
    out.push_str("  </emailProvider>\n");
    let base = xml(&services.https_base());
    for (element, kind, path) in [("addressBook", "carddav", "carddav"), ("calendar", "caldav", "caldav")] {
        let _ = write!(
            out,
            "  <{element} type=\"{kind}\">\n    <username>%EMAILADDRESS%</username>\n    \
             <authentication>http-basic</authentication>\n    \
             <serverURL>{base}/.well-known/{path}</serverURL>\n  </{element}>\n"
        );
    }
    out.push_str("</clientConfig>\n");
    out
}

fn server(out: &mut String, element: &str, kind: &str, host: &str, port: u16, socket: &str) {
    let _ = write!(
        out,
        "    <{element} type=\"{kind}\">\n      <hostname>{host}</hostname>\n      <port>{port}</port>\n      \
         <socketType>{socket}</socketType>\n      <authentication>password-cleartext</authentication>\n      \
         <username>%EMAILADDRESS%</username>\n    </{element}>\n"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document() {
        let services = Services {
            hostname: "mail.example.com".into(),
            imaps: Some(993),
            imap: Some(143),
            pop3s: Some(995),
            pop3: None,
            submissions: Some(465),
            submission: Some(587),
            https: 443,
        };
        let want = r#"<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="example.com">
    <domain>example.com</domain>
    <displayName>example.com</displayName>
    <displayShortName>example.com</displayShortName>
    <incomingServer type="imap">
      <hostname>mail.example.com</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>mail.example.com</hostname>
      <port>143</port>
      <socketType>STARTTLS</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <incomingServer type="pop3">
      <hostname>mail.example.com</hostname>
      <port>995</port>
      <socketType>SSL</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>mail.example.com</hostname>
      <port>465</port>
      <socketType>SSL</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
    <outgoingServer type="smtp">
      <hostname>mail.example.com</hostname>
      <port>587</port>
      <socketType>STARTTLS</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
  </emailProvider>
  <addressBook type="carddav">
    <username>%EMAILADDRESS%</username>
    <authentication>http-basic</authentication>
    <serverURL>https://mail.example.com/.well-known/carddav</serverURL>
  </addressBook>
  <calendar type="caldav">
    <username>%EMAILADDRESS%</username>
    <authentication>http-basic</authentication>
    <serverURL>https://mail.example.com/.well-known/caldav</serverURL>
  </calendar>
</clientConfig>
"#;
        assert_eq!(autoconfig("example.com", &services), want);
    }
}
