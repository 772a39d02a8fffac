//! The outbound SMTP client (RFC 5321 §3, §4.2): EHLO, opportunistic STARTTLS (RFC 3207),
//! optional AUTH PLAIN to a smarthost, then one transaction per message on one connection
//! (connection reuse per destination), with a per-recipient answer.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// A reply from the remote server: code and text (lines joined by spaces).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub code: u16,
    pub text: String,
}

impl Answer {
    pub fn ok(&self) -> bool {
        (200..400).contains(&self.code)
    }
    pub fn permanent(&self) -> bool {
        self.code >= 500
    }
    fn local(code: u16, text: impl Into<String>) -> Answer {
        Answer { code, text: text.into() }
    }
}

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code, self.text)
    }
}

/// When to use TLS. Which certificates count is the caller's `rustls::ClientConfig`: any for MX
/// hosts ([`client_config`]), verified for a smarthost ([`verifying_config`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// STARTTLS when offered (RFC 3207 §4.1: opportunistic).
    Opportunistic,
    /// STARTTLS must succeed.
    Required,
    /// TLS from the first byte (port 465).
    Implicit,
    Never,
}

pub struct Session {
    io: BufReader<Box<dyn Io>>,
    timeout: Duration,
    ehlo: Vec<String>,
    /// The lines of the last reply.
    last: Vec<String>,
    pub tls: bool,
    /// A local error happened: the conversation is out of step and the connection unusable.
    pub broken: bool,
}

/// What the remote said to one message.
pub struct MessageResult {
    /// Per recipient, in the order given.
    pub recipients: Vec<Answer>,
}

type Result<T> = std::result::Result<T, Answer>;

impl Session {
    /// Connects, reads the greeting, says EHLO, upgrades to TLS per `mode`, authenticates if
    /// `auth` is given. An `Err` answer is the reason to report (4xx: retry, 5xx: give up).
    pub async fn open(
        tcp: TcpStream,
        server_name: &str,
        helo: &str,
        mode: TlsMode,
        tls: Arc<rustls::ClientConfig>,
        auth: Option<(&str, &str)>,
        timeout: Duration,
    ) -> Result<Session> {
        let _ = tcp.set_nodelay(true);
        let connector = tokio_rustls::TlsConnector::from(tls);
        let name = rustls::pki_types::ServerName::try_from(server_name.to_owned())
            .unwrap_or_else(|_| rustls::pki_types::ServerName::from(std::net::IpAddr::from([127, 0, 0, 1])));
        let io: Box<dyn Io> = if mode == TlsMode::Implicit {
            let s = tokio::time::timeout(timeout, connector.connect(name.clone(), tcp))
                .await
                .map_err(|_| Answer::local(421, "4.4.2 TLS handshake timed out"))?
                .map_err(|e| Answer::local(421, format!("4.7.0 TLS handshake failed: {e}")))?;
            Box::new(s)
        } else {
            Box::new(tcp)
        };
        let mut s = Session {
            io: BufReader::new(io),
            timeout,
            ehlo: Vec::new(),
            last: Vec::new(),
            tls: mode == TlsMode::Implicit,
            broken: false,
        };
        let greeting = s.read().await?;
        if !greeting.ok() {
            return Err(greeting);
        }
        s.hello(helo).await?;
        if !s.tls && mode != TlsMode::Never && s.offers("STARTTLS") {
            let a = s.command("STARTTLS").await?;
            if a.ok() {
                let plain = std::mem::replace(
                    &mut s.io,
                    BufReader::new(Box::new(tokio::io::join(tokio::io::empty(), tokio::io::sink()))),
                );
                let tls_stream = tokio::time::timeout(timeout, connector.connect(name, plain.into_inner()))
                    .await
                    .map_err(|_| Answer::local(421, "4.4.2 TLS handshake timed out"))?
                    .map_err(|e| Answer::local(421, format!("4.7.0 TLS handshake failed: {e}")))?;
                s.io = BufReader::new(Box::new(tls_stream));
                s.tls = true;
                s.hello(helo).await?;
            } else if mode == TlsMode::Required {
                return Err(a);
            }
        }
        if mode == TlsMode::Required && !s.tls {
            return Err(Answer::local(421, "4.7.0 the server does not offer STARTTLS"));
        }
        if let Some((user, password)) = auth {
            if !s.tls {
                return Err(Answer::local(454, "4.7.0 refusing to send the smarthost credentials without TLS"));
            }
            let token = relais_sasl::encode_base64(format!("\0{user}\0{password}").as_bytes());
            let a = s.command(&format!("AUTH PLAIN {token}")).await?;
            if !a.ok() {
                // Our credentials are wrong, not the mail: keep it queued (4xx), don't bounce it.
                return Err(Answer::local(454, format!("4.7.0 the smarthost refused our login: {a}")));
            }
        }
        Ok(s)
    }

    async fn hello(&mut self, helo: &str) -> Result<()> {
        let a = self.command(&format!("EHLO {helo}")).await?;
        if a.ok() {
            // The keywords of this EHLO replace any earlier list (RFC 3207 §4.2 after STARTTLS).
            self.ehlo = self.last.iter().skip(1).cloned().collect();
            return Ok(());
        }
        self.ehlo.clear();
        let a = self.command(&format!("HELO {helo}")).await?;
        if a.ok() { Ok(()) } else { Err(a) }
    }

    fn offers(&self, keyword: &str) -> bool {
        self.ehlo.iter().any(|l| l.split_whitespace().next().is_some_and(|k| k.eq_ignore_ascii_case(keyword)))
    }

    async fn command(&mut self, line: &str) -> Result<Answer> {
        let io = self.io.get_mut();
        let write = async {
            io.write_all(line.as_bytes()).await?;
            io.write_all(b"\r\n").await?;
            io.flush().await
        };
        let sent = tokio::time::timeout(self.timeout, write)
            .await
            .map_err(|_| Answer::local(421, "4.4.2 timeout sending a command"))
            .and_then(|r| r.map_err(|e| Answer::local(421, format!("4.4.2 connection lost: {e}"))));
        if let Err(e) = sent {
            self.broken = true;
            return Err(e);
        }
        self.read().await
    }

    /// One (possibly multi-line) reply. Any local failure (timeout, lost connection, garbage)
    /// marks the session broken: nothing more may be sent on it.
    async fn read(&mut self) -> Result<Answer> {
        let r = self.read_reply(self.timeout).await;
        if r.is_err() {
            self.broken = true;
        }
        r
    }

    async fn read_reply(&mut self, timeout: Duration) -> Result<Answer> {
        let mut lines: Vec<String> = Vec::new();
        loop {
            let mut raw = Vec::new();
            let n = tokio::time::timeout(timeout, (&mut self.io).take(4096).read_until(b'\n', &mut raw))
                .await
                .map_err(|_| Answer::local(421, "4.4.2 timeout waiting for the server"))?
                .map_err(|e| Answer::local(421, format!("4.4.2 connection lost: {e}")))?;
            if n == 0 {
                return Err(Answer::local(421, "4.4.2 connection closed by the server"));
            }
            // Replies may carry any bytes: decode lossily rather than fail (RFC 5321 §4.2).
            let text = String::from_utf8_lossy(&raw);
            let line = text.trim_end_matches(['\r', '\n']);
            let code = line.get(..3).and_then(|c| c.parse::<u16>().ok());
            let Some(code) = code.filter(|c| (200..600).contains(c)) else {
                return Err(Answer::local(421, format!("4.5.0 malformed reply: {line:.80}")));
            };
            lines.push(line.get(4..).unwrap_or("").to_owned());
            if line.as_bytes().get(3) != Some(&b'-') {
                self.last = lines.clone();
                return Ok(Answer { code, text: lines.join(" ") });
            }
            if lines.len() > 100 {
                return Err(Answer::local(421, "4.5.0 reply too long"));
            }
        }
    }

    /// One transaction. Connection-level failures come back as `Err` for the whole message.
    pub async fn send(&mut self, sender: &str, recipients: &[String], message: &[u8]) -> Result<MessageResult> {
        let a = self.command(&format!("MAIL FROM:<{sender}>{}", self.size_param(message.len()))).await?;
        if !a.ok() {
            let _ = self.command("RSET").await;
            return Ok(MessageResult { recipients: vec![a; recipients.len()] });
        }
        let mut answers = Vec::with_capacity(recipients.len());
        for r in recipients {
            answers.push(self.command(&format!("RCPT TO:<{r}>")).await?);
        }
        if !answers.iter().any(Answer::ok) {
            let _ = self.command("RSET").await;
            return Ok(MessageResult { recipients: answers });
        }
        let a = self.command("DATA").await?;
        if a.code != 354 {
            let _ = self.command("RSET").await;
            return Ok(MessageResult {
                recipients: answers.into_iter().map(|r| if r.ok() { a.clone() } else { r }).collect(),
            });
        }
        let final_answer = self.content(message).await?;
        Ok(MessageResult {
            recipients: answers.into_iter().map(|r| if r.ok() { final_answer.clone() } else { r }).collect(),
        })
    }

    fn size_param(&self, size: usize) -> String {
        if self.offers("SIZE") { format!(" SIZE={size}") } else { String::new() }
    }

    /// The content, dot-stuffed, every line ended by CRLF (RFC 5321 §4.5.2), then ".".
    async fn content(&mut self, message: &[u8]) -> Result<Answer> {
        let out = relais_mail::headers::dot_stuffed(message);
        let io = self.io.get_mut();
        let write = async {
            io.write_all(&out).await?;
            io.flush().await
        };
        tokio::time::timeout(self.timeout * 4, write)
            .await
            .map_err(|_| Answer::local(421, "4.4.2 timeout sending the message"))?
            .map_err(|e| Answer::local(421, format!("4.4.2 connection lost: {e}")))?;
        // RFC 5321 §4.5.3.2.6: wait 10 minutes for the reply after the final dot.
        let r = self.read_reply(Duration::from_secs(600)).await;
        if r.is_err() {
            self.broken = true;
        }
        r
    }

    pub async fn quit(mut self) {
        let _ = self.command("QUIT").await;
    }
}

/// TLS for MX delivery: any certificate is accepted, as opportunistic STARTTLS intends
/// (RFC 3207 §4.1, RFC 7435 §4: an unauthenticated channel beats clear text, and refusing it
/// would only push the mail into clear text); signatures are still checked, so the channel is
/// real TLS. Never for a smarthost: see [`verifying_config`].
pub fn client_config() -> Arc<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(AnyCertificate(provider.clone()));
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map(|b| b.dangerous().with_custom_certificate_verifier(verifier).with_no_client_auth());
    Arc::new(config.unwrap_or_else(|_| {
        rustls::ClientConfig::builder().with_root_certificates(rustls::RootCertStore::empty()).with_no_client_auth()
    }))
}

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("cannot read the CA file {0}: {1}")]
    Read(String, std::io::Error),
    #[error("the CA file {0} holds no usable PEM certificate")]
    Empty(String),
    #[error("TLS configuration: {0}")]
    Tls(#[from] rustls::Error),
}

/// TLS for a configured smarthost, which gets our credentials: its certificate must chain to
/// a trust anchor and name the host we connect to (RFC 6125). The anchors are the ones in
/// `ca_file` (PEM; for a private relay) if given, else the system's.
pub fn verifying_config(
    ca_file: Option<&std::path::Path>,
) -> std::result::Result<Arc<rustls::ClientConfig>, TrustError> {
    let mut roots = rustls::RootCertStore::empty();
    match ca_file {
        Some(path) => {
            let shown = path.display().to_string();
            let pem = std::fs::read(path).map_err(|e| TrustError::Read(shown.clone(), e))?;
            let mut reader = pem.as_slice();
            let certs: Vec<_> = rustls_pemfile::certs(&mut reader).filter_map(|c| c.ok()).collect();
            let (added, _) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(TrustError::Empty(shown));
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            for e in &found.errors {
                tracing::warn!(error = %e, "queue: a system trust anchor could not be loaded");
            }
            let (added, _) = roots.add_parsable_certificates(found.certs);
            if added == 0 {
                tracing::warn!(
                    "queue: no system trust anchors found; the smarthost's certificate cannot be verified (set smtp.relay.ca_file)"
                );
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &[rustls::pki_types::CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> std::result::Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
