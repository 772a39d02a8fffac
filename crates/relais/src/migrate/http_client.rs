//! A small HTTP/1.1 client for the DAV migration and JMAP push (hyper's connection API over a
//! TCP or TLS stream): Basic authentication, one kept-alive connection to the source's origin, redirects
//! within that origin followed, response bodies capped, every request under a timeout.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// The largest response body read (a calendar's PROPFIND, one object).
const MAX_BODY: usize = 64 << 20;
const TIMEOUT: Duration = Duration::from_secs(120);
const MAX_REDIRECTS: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("invalid URL {0:?} (http:// or https://, a host, a path)")]
    Url(String),
    #[error("cannot connect to {0}: {1}")]
    Connect(String, std::io::Error),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("HTTP: {0}")]
    Http(String),
    #[error("the source server did not answer within {0:?}")]
    Timeout(Duration),
}

/// An origin and a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub tls: bool,
    pub host: String,
    pub port: u16,
    pub path: String,
}

impl Url {
    pub fn parse(s: &str) -> Result<Url, HttpError> {
        let bad = || HttpError::Url(s.to_owned());
        let (tls, rest) = match s.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") => (true, rest),
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => (false, rest),
            _ => return Err(bad()),
        };
        let (authority, path) = rest.find('/').map_or((rest, "/"), |i| (&rest[..i], &rest[i..]));
        if authority.is_empty() || authority.contains('@') {
            return Err(bad());
        }
        let default = if tls { 443 } else { 80 };
        let (host, port) = match authority.strip_prefix('[') {
            // RFC 3986 §3.2.2: an IPv6 literal in brackets.
            Some(rest) => {
                let (h, after) = rest.split_once(']').ok_or_else(bad)?;
                match after.strip_prefix(':') {
                    Some(p) => (h, p.parse().map_err(|_| bad())?),
                    None if after.is_empty() => (h, default),
                    None => return Err(bad()),
                }
            }
            None => match authority.split_once(':') {
                Some((h, p)) => (h, p.parse().map_err(|_| bad())?),
                None => (authority, default),
            },
        };
        if host.is_empty() {
            return Err(bad());
        }
        Ok(Url { tls, host: host.to_owned(), port, path: path.to_owned() })
    }

    /// `href` (an absolute path, or a URL of the same origin) as a path of this origin.
    pub fn path_of(&self, href: &str) -> Option<String> {
        if href.starts_with('/') {
            return Some(href.to_owned());
        }
        let other = Url::parse(href).ok()?;
        (other.tls == self.tls && other.host.eq_ignore_ascii_case(&self.host) && other.port == self.port)
            .then_some(other.path)
    }
}

/// A response: status and body.
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

pub struct HttpClient {
    pub origin: Url,
    authorization: String,
    tls: Arc<rustls::ClientConfig>,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl HttpClient {
    pub fn new(origin: Url, user: &str, password: &str, tls: Arc<rustls::ClientConfig>) -> HttpClient {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        HttpClient { origin, authorization: format!("Basic {basic}"), tls, sender: None }
    }

    /// Sends `method path` (following same-origin redirects) and reads the whole answer.
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        depth: Option<&str>,
        body: &str,
    ) -> Result<Reply, HttpError> {
        let mut path = path.to_owned();
        for _ in 0..=MAX_REDIRECTS {
            // The server may close a kept-alive connection between requests (hyper then says
            // "canceled"): PROPFIND and GET are idempotent, so once more on a new connection.
            let (status, location, body) = match self.once(method, &path, depth, body).await {
                Err(HttpError::Http(_)) => self.once(method, &path, depth, body).await?,
                other => other?,
            };
            match location.filter(|_| matches!(status, 301 | 302 | 307 | 308)) {
                Some(to) => {
                    path = self
                        .origin
                        .path_of(&to)
                        .ok_or_else(|| HttpError::Http(format!("redirect off the source server to {to}")))?
                }
                None => return Ok(Reply { status, body }),
            }
        }
        Err(HttpError::Http(format!("more than {MAX_REDIRECTS} redirects from {path}")))
    }

    async fn once(
        &mut self,
        method: &str,
        path: &str,
        depth: Option<&str>,
        body: &str,
    ) -> Result<(u16, Option<String>, Vec<u8>), HttpError> {
        let mut builder = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", &self.origin.host)
            .header("authorization", &self.authorization)
            .header("user-agent", "relais-migrate");
        if !body.is_empty() {
            builder = builder.header("content-type", "application/xml; charset=utf-8");
        }
        if let Some(d) = depth {
            builder = builder.header("depth", d);
        }
        let request =
            builder.body(Full::new(Bytes::from(body.to_owned()))).map_err(|e| HttpError::Http(e.to_string()))?;
        let sender = self.sender().await?;
        let exchange = async {
            let response = sender.send_request(request).await.map_err(|e| HttpError::Http(e.to_string()))?;
            let status = response.status().as_u16();
            let location = response.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
            let collected = Limited::new(response.into_body(), MAX_BODY)
                .collect()
                .await
                .map_err(|e| HttpError::Http(format!("response body: {e}")))?;
            Ok((status, location, collected.to_bytes().to_vec()))
        };
        let result = tokio::time::timeout(TIMEOUT, exchange).await.map_err(|_| HttpError::Timeout(TIMEOUT))?;
        if result.is_err() {
            self.sender = None;
        }
        result
    }

    /// The open connection, or a new one.
    async fn sender(&mut self) -> Result<&mut SendRequest<Full<Bytes>>, HttpError> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            self.sender = Some(self.connect().await?);
        }
        self.sender.as_mut().ok_or_else(|| HttpError::Http("no connection".into()))
    }

    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, HttpError> {
        let o = &self.origin;
        let tcp = TcpStream::connect((o.host.as_str(), o.port))
            .await
            .map_err(|e| HttpError::Connect(format!("{}:{}", o.host, o.port), e))?;
        handshake(o, tcp, &self.tls).await
    }
}

/// HTTP/1.1 on a connected stream to `origin` (TLS first for https, the host's name checked by
/// `tls`); the connection's task runs until the sender is dropped.
pub async fn handshake(
    origin: &Url,
    tcp: TcpStream,
    tls: &Arc<rustls::ClientConfig>,
) -> Result<SendRequest<Full<Bytes>>, HttpError> {
    let _ = tcp.set_nodelay(true);
    let http = |e: hyper::Error| HttpError::Http(e.to_string());
    if origin.tls {
        let name =
            rustls::pki_types::ServerName::try_from(origin.host.clone()).map_err(|e| HttpError::Tls(e.to_string()))?;
        let stream = tokio_rustls::TlsConnector::from(tls.clone())
            .connect(name, tcp)
            .await
            .map_err(|e| HttpError::Tls(e.to_string()))?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(http)?;
        tokio::spawn(conn);
        Ok(sender)
    } else {
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await.map_err(http)?;
        tokio::spawn(conn);
        Ok(sender)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let table: &[(&str, Option<(bool, &str, u16, &str)>)] = &[
            ("https://dav.example/", Some((true, "dav.example", 443, "/"))),
            ("http://127.0.0.1:8080/dav/calendars/a/", Some((false, "127.0.0.1", 8080, "/dav/calendars/a/"))),
            ("HTTPS://h", Some((true, "h", 443, "/"))),
            ("http://[::1]:81/x", Some((false, "::1", 81, "/x"))),
            ("ftp://h/", None),
            ("http://user@h/", None),
            ("http://h:port/", None),
            ("h/x", None),
        ];
        for (input, expected) in table {
            let got = Url::parse(input).ok().map(|u| (u.tls, u.host.clone(), u.port, u.path.clone()));
            let expected = expected.map(|(t, h, p, path)| (t, h.to_owned(), p, path.to_owned()));
            assert_eq!(got, expected, "{input}");
        }
        let base = Url::parse("http://h:81/dav/").unwrap();
        assert_eq!(base.path_of("/a/b").as_deref(), Some("/a/b"));
        assert_eq!(base.path_of("http://H:81/c").as_deref(), Some("/c"));
        assert_eq!(base.path_of("http://other:81/c"), None);
        assert_eq!(base.path_of("https://h:81/c"), None);
    }
}
