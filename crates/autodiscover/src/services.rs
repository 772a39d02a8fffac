//! Where the server's services are reached, as clients are told: one host name and the port of
//! each listener (`None`: not offered).

/// The public face of the server's listeners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Services {
    /// `[server] hostname`: the name in the certificate, used in every URL and server entry.
    pub hostname: String,
    /// IMAP with implicit TLS (RFC 8314), and with STARTTLS.
    pub imaps: Option<u16>,
    pub imap: Option<u16>,
    /// POP3 with implicit TLS, and with STARTTLS.
    pub pop3s: Option<u16>,
    pub pop3: Option<u16>,
    /// Submission with implicit TLS (RFC 8314 §3.3), and with STARTTLS (RFC 6409).
    pub submissions: Option<u16>,
    pub submission: Option<u16>,
    /// The HTTPS port clients use (443 when TLS is terminated in front of the server).
    pub https: u16,
}

impl Services {
    /// `https://host` or `https://host:port`.
    pub fn https_base(&self) -> String {
        match self.https {
            443 => format!("https://{}", self.hostname),
            port => format!("https://{}:{port}", self.hostname),
        }
    }

    /// The ActiveSync endpoint (MS-ASHTTP §2.2.1.1.1).
    pub fn activesync_url(&self) -> String {
        format!("{}/Microsoft-Server-ActiveSync", self.https_base())
    }

    /// The POX Autodiscover endpoint, as Autodiscover v2 names it for `AutodiscoverV1`.
    pub fn pox_url(&self) -> String {
        format!("{}/Autodiscover/Autodiscover.xml", self.https_base())
    }
}
