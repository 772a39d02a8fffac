//! The web client's HTTP side against the real binary on real sockets (issue 16): the page and
//! its assets with their caching and security headers, the message frame's policy, login through
//! the directory (wrong password, app password, throttling, cross-origin and oversized forms,
//! plain text only from loopback when allowed), the session cookie's attributes over HTTP and
//! HTTPS, JMAP with the cookie (CSRF token and Origin checked; GET and EventSource without the
//! token), logout ending the session, the per-account bound on sessions, and sessions kept by a
//! restart and ended by a password change.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use relais_testkit::Server;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

const ANN: &str = "ann@example.test";
const PW: &str = "a good password";

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_relais"))
}

fn server(extra: &str) -> Server {
    let s = Server::start(bin(), &["http", "https"], extra);
    for args in [&["domain", "add", "example.test"][..], &["user", "add", ANN, "--password", PW]] {
        let out = s.admin(args);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    s
}

const LOOPBACK: &str = "[dav]\nplaintext_auth_on_loopback = true\n";

/// An HTTP answer.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One request on a new connection (`Connection: close`), its answer read whole.
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    host: &str,
    head: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let mut req = format!("{head} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    let chunked = headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("transfer-encoding"));
    if !chunked && (!body.is_empty() || head.starts_with("POST")) {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    s.write_all(body).await.unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw).await;
    parse(&raw)
}

fn parse(raw: &[u8]) -> Answer {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a whole head");
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())).collect();
    let mut body = raw[end + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v == "chunked");
    if chunked {
        body = dechunk(&body);
    }
    Answer { status, headers, body }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = b.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(std::str::from_utf8(&b[..eol]).unwrap().trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[eol + 4 + size..];
    }
    out
}

async fn http(addr: SocketAddr, head: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    exchange(TcpStream::connect(addr).await.unwrap(), &addr.to_string(), head, headers, body).await
}

#[derive(Debug)]
struct AnyCertificate;

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        rustls::crypto::ring::default_provider().signature_verification_algorithms.supported_schemes()
    }
}

/// One request over TLS (the server's certificate is its own self-signed one).
async fn https(addr: SocketAddr, head: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCertificate))
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(addr).await.unwrap();
    let tls = connector.connect(ServerName::try_from("mail.test").unwrap(), tcp).await.unwrap();
    exchange(tls, &addr.to_string(), head, headers, body).await
}

fn form(user: &str, password: &str) -> Vec<u8> {
    let enc = |s: &str| s.replace('%', "%25").replace('@', "%40").replace(' ', "+").replace('&', "%26");
    format!("username={}&password={}", enc(user), enc(password)).into_bytes()
}

/// A session: the cookie pair to send and the CSRF token.
struct Session {
    cookie: String,
    csrf: String,
}

async fn login(addr: SocketAddr, password: &str) -> Answer {
    let origin = format!("http://{addr}");
    let ct = ("Content-Type", "application/x-www-form-urlencoded");
    http(addr, "POST /web/login", &[("Origin", &origin), ct], &form(ANN, password)).await
}

async fn session(addr: SocketAddr) -> Session {
    let a = login(addr, PW).await;
    assert_eq!(a.status, 200, "{}", a.text());
    let set = a.header("set-cookie").expect("a cookie");
    let cookie = set.split(';').next().unwrap().to_owned();
    Session { cookie, csrf: a.json()["csrfToken"].as_str().unwrap().to_owned() }
}

fn mailbox_get() -> Vec<u8> {
    let calls = json!({
        "using": ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"],
        "methodCalls": [["Mailbox/get", {"accountId": null, "ids": null, "properties": ["name", "role"]}, "0"]],
    });
    calls.to_string().into_bytes()
}

/// `/jmap/api` with this cookie, CSRF token and Origin (each optional).
async fn api(addr: SocketAddr, cookie: &str, csrf: Option<&str>, origin: Option<&str>) -> Answer {
    let mut headers = vec![("Cookie", cookie), ("Content-Type", "application/json")];
    if let Some(t) = csrf {
        headers.push(("X-Relais-CSRF", t));
    }
    if let Some(o) = origin {
        headers.push(("Origin", o));
    }
    // Mailbox/get needs the account: ask the session for it first.
    let s = http(addr, "GET /jmap/session", &[("Cookie", cookie)], b"").await;
    let account = s.json()["primaryAccounts"]["urn:ietf:params:jmap:mail"].as_str().unwrap_or("x").to_owned();
    let body = String::from_utf8(mailbox_get())
        .unwrap()
        .replace("\"accountId\":null", &format!("\"accountId\":\"{account}\""));
    http(addr, "POST /jmap/api", &headers, body.as_bytes()).await
}

#[tokio::test]
async fn the_page_and_its_assets() {
    let s = server(LOOPBACK);
    let addr = s.addr("http");
    let page = http(addr, "GET /", &[], b"").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(page.header("cache-control"), Some("no-cache"));
    let csp = page.header("content-security-policy").expect("a policy");
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    assert!(!csp.contains("unsafe"), "{csp}");
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    // The page names its module under the build's version; nothing inline.
    let html = page.text();
    assert!(!html.contains("<script>") && !html.contains("style="), "{html}");
    let start = html.find("src=\"/static/").unwrap() + 5;
    let path = &html[start..start + html[start..].find('"').unwrap()];
    assert!(path.ends_with("/js/main.js"), "{path}");
    let module = http(addr, &format!("GET {path}"), &[], b"").await;
    assert_eq!(module.status, 200);
    assert_eq!(module.header("content-type"), Some("text/javascript; charset=utf-8"));
    assert_eq!(module.header("cache-control"), Some("public, max-age=31536000, immutable"));
    assert_eq!(module.header("x-content-type-options"), Some("nosniff"));
    let head = http(addr, &format!("HEAD {}", path.replace("main.js", "api.js")), &[], b"").await;
    assert_eq!(head.status, 200);
    // Compressed (gzip, made at build time) only for a request that accepts it; the answer says
    // it varies with Accept-Encoding either way.
    assert_eq!(module.header("content-encoding"), None);
    assert_eq!(module.header("vary"), Some("accept-encoding"));
    for accept in ["gzip, deflate, br", "br;q=1.0, gzip;q=0.5", "*", "x-gzip"] {
        let packed = http(addr, &format!("GET {path}"), &[("Accept-Encoding", accept)], b"").await;
        assert_eq!(packed.status, 200);
        assert_eq!(packed.header("content-encoding"), Some("gzip"), "{accept}");
        assert_eq!(packed.header("vary"), Some("accept-encoding"));
        assert_eq!(packed.header("content-type"), Some("text/javascript; charset=utf-8"));
        assert!(packed.body.len() < module.body.len());
        let mut unpacked = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&packed.body[..]), &mut unpacked).unwrap();
        assert_eq!(unpacked, module.body, "{accept}");
    }
    for accept in ["gzip;q=0", "gzip;q=0, *", "br, deflate", "identity", "*;q=0"] {
        let plain = http(addr, &format!("GET {path}"), &[("Accept-Encoding", accept)], b"").await;
        assert_eq!(plain.header("content-encoding"), None, "{accept}");
        assert_eq!(plain.body, module.body, "{accept}");
    }
    let packed = http(addr, "GET /", &[("Accept-Encoding", "gzip")], b"").await;
    assert_eq!(packed.header("content-encoding"), Some("gzip"));
    assert_eq!(packed.header("cache-control"), Some("no-cache"));
    assert!(packed.header("content-security-policy").is_some());
    for missing in ["/static/0123456789abcdef/js/main.js", &path.replace("main.js", "none.js"), "/web/nothing"] {
        assert_eq!(http(addr, &format!("GET {missing}"), &[], b"").await.status, 404, "{missing}");
    }
    assert_eq!(http(addr, "DELETE /", &[], b"").await.status, 404);
    assert_eq!(http(addr, "PUT /static/x", &[], b"x").await.status, 405);
    // The root is still DAV's for PROPFIND (a client given only the host name).
    assert_eq!(http(addr, "PROPFIND /", &[("Depth", "0")], b"").await.status, 401);
    // The message frame: no script, nothing remote unless asked for.
    let frame = http(addr, "GET /web/frame", &[], b"").await;
    assert_eq!(frame.status, 200);
    let csp = frame.header("content-security-policy").unwrap();
    assert!(
        csp.contains("script-src 'none'") && csp.contains("default-src 'none'") && !csp.contains("https:"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'self'") && csp.contains("img-src 'self' data:;"), "{csp}");
    let remote = http(addr, "GET /web/frame?remote=1", &[], b"").await;
    let csp = remote.header("content-security-policy").unwrap();
    assert!(csp.contains("img-src 'self' data: https: http:") && csp.contains("script-src 'none'"), "{csp}");
    // Over HTTPS too.
    let page = https(s.addr("https"), "GET /", &[], b"").await;
    assert_eq!(page.status, 200);
    assert!(page.header("content-security-policy").is_some());
}

#[tokio::test]
async fn login_session_csrf_and_logout() {
    let s = server(LOOPBACK);
    let addr = s.addr("http");
    let origin = format!("http://{addr}");
    let ct = ("Content-Type", "application/x-www-form-urlencoded");
    // Refusals: a wrong password, another site's page, no Origin, a form too large.
    let wrong = login(addr, "wrong").await;
    assert_eq!((wrong.status, wrong.json()["error"].as_str()), (401, Some("failed")));
    assert!(wrong.header("set-cookie").is_none());
    let evil = http(addr, "POST /web/login", &[("Origin", "http://evil.test"), ct], &form(ANN, PW)).await;
    assert_eq!(evil.status, 403);
    assert!(evil.header("set-cookie").is_none());
    assert_eq!(http(addr, "POST /web/login", &[ct], &form(ANN, PW)).await.status, 403);
    let big = format!("username=x&password={}", "y".repeat(9000));
    assert_eq!(http(addr, "POST /web/login", &[("Origin", &origin), ct], big.as_bytes()).await.status, 413);
    // A form longer than announced is cut at the limit, however it is sent (chunked here).
    let chunked = [("Origin", origin.as_str()), ct, ("Transfer-Encoding", "chunked")];
    let body = format!("2328\r\nusername=x&password={}\r\n0\r\n\r\n", "y".repeat(9000 - 20));
    let cut = http(addr, "POST /web/login", &chunked, body.as_bytes()).await;
    assert_eq!(cut.status, 413);
    let empty = http(addr, "POST /web/login", &[("Origin", &origin), ct], b"username=&junk").await;
    assert_eq!(empty.status, 400);
    let binary = http(addr, "POST /web/login", &[("Origin", &origin), ct], b"\xff\xfe=%%%&password=%zz").await;
    assert_eq!(binary.status, 400);
    let none = http(addr, "GET /web/session", &[], b"").await;
    assert_eq!((none.status, none.header("www-authenticate")), (401, Some("Session realm=\"Relais\"")));

    // A login: the cookie's attributes (no Secure over plain HTTP), the CSRF token.
    let ok = login(addr, PW).await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(ok.header("cache-control"), Some("no-store"));
    let set = ok.header("set-cookie").unwrap();
    assert!(set.starts_with("relais-session="), "{set}");
    for attr in ["; Path=/", "; HttpOnly", "; SameSite=Strict"] {
        assert!(set.contains(attr), "{attr} in {set}");
    }
    assert!(!set.contains("Secure") && !set.contains("Max-Age") && !set.contains("Domain"), "{set}");
    let cookie = set.split(';').next().unwrap();
    let csrf = ok.json()["csrfToken"].as_str().unwrap().to_owned();
    assert_eq!(ok.json()["username"], ANN);
    let current = http(addr, "GET /web/session", &[("Cookie", cookie)], b"").await;
    assert_eq!((current.status, current.json()["csrfToken"].as_str()), (200, Some(csrf.as_str())));

    // JMAP with the cookie: GETs as they are; a POST needs the token, and our Origin if any.
    let jmap = http(addr, "GET /jmap/session", &[("Cookie", cookie)], b"").await;
    assert_eq!(jmap.status, 200, "{}", jmap.text());
    assert_eq!(jmap.json()["username"], ANN);
    let with_cookie = [("Cookie", cookie)];
    let events = http(addr, "GET /jmap/eventsource?types=*&closeafter=state&ping=0", &with_cookie, b"");
    let events = tokio::time::timeout(std::time::Duration::from_millis(500), events).await;
    assert!(events.is_err(), "the event stream stays open, waiting for a change");
    assert_eq!(api(addr, cookie, None, None).await.status, 403);
    assert_eq!(api(addr, cookie, Some("0".repeat(64).as_str()), None).await.status, 403);
    assert_eq!(api(addr, cookie, Some(&csrf), Some("http://evil.test")).await.status, 403);
    let answer = api(addr, cookie, Some(&csrf), Some(&origin)).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let mailboxes = &answer.json()["methodResponses"][0][1]["list"];
    assert!(mailboxes.as_array().unwrap().iter().any(|m| m["role"] == "inbox"), "{mailboxes}");
    assert_eq!(api(addr, cookie, Some(&csrf), None).await.status, 200);
    let upload = http(addr, "POST /jmap/upload/x/", &[("Cookie", cookie)], b"data").await;
    assert_eq!(upload.status, 403);
    upload_and_download(addr, cookie, &csrf, &jmap.json()).await;
    // A WebSocket handshake with the cookie must name our origin.
    let ws = [
        ("Cookie", cookie),
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Version", "13"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ("Sec-WebSocket-Protocol", "jmap"),
    ];
    assert_eq!(http(addr, "GET /jmap/ws", &ws, b"").await.status, 403);
    // A cookie that is not a session: 401, without a Basic challenge (no browser dialog).
    let stale =
        http(addr, "GET /jmap/session", &[("Cookie", &format!("relais-session={}", "a".repeat(64)))], b"").await;
    assert_eq!(stale.status, 401);
    assert!(!stale.header("www-authenticate").unwrap_or_default().contains("Basic"));
    // HTTP Basic still answers as before.
    assert_eq!(
        http(addr, "GET /jmap/session", &[], b"").await.header("www-authenticate").map(|h| h.starts_with("Basic")),
        Some(true)
    );

    // Logging in again from the same browser ends its previous session.
    let again = http(addr, "POST /web/login", &[("Origin", &origin), ct, ("Cookie", cookie)], &form(ANN, PW)).await;
    assert_eq!(again.status, 200);
    assert_eq!(http(addr, "GET /web/session", &[("Cookie", cookie)], b"").await.status, 401);
    let cookie = again.header("set-cookie").unwrap().split(';').next().unwrap().to_owned();
    let cookie = cookie.as_str();
    let csrf = again.json()["csrfToken"].as_str().unwrap().to_owned();

    // Logout: needs the token; then the cookie is worth nothing.
    assert_eq!(http(addr, "POST /web/logout", &[("Cookie", cookie)], b"").await.status, 403);
    let out =
        http(addr, "POST /web/logout", &[("Cookie", cookie), ("X-Relais-CSRF", &csrf), ("Origin", &origin)], b"").await;
    assert_eq!(out.status, 200, "{}", out.text());
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    assert_eq!(http(addr, "GET /jmap/session", &[("Cookie", cookie)], b"").await.status, 401);
    assert_eq!(api(addr, cookie, Some(&csrf), Some(&origin)).await.status, 401);
    assert_eq!(http(addr, "GET /web/session", &[("Cookie", cookie)], b"").await.status, 401);
}

/// An upload by the session's cookie (the web client's attachments): only with the CSRF token
/// and from our origin; its download — hostile HTML here — only ever as an attachment.
async fn upload_and_download(addr: SocketAddr, cookie: &str, csrf: &str, session: &Value) {
    let account = session["primaryAccounts"]["urn:ietf:params:jmap:mail"].as_str().unwrap();
    let upload_path = format!("POST /jmap/upload/{account}/");
    let hostile = b"<html><script>alert(document.cookie)</script></html>";
    let html = ("Content-Type", "text/html");
    let refused = http(addr, &upload_path, &[("Cookie", cookie), html], hostile).await;
    assert_eq!(refused.status, 403, "an upload without the CSRF token");
    let evil = [("Cookie", cookie), ("X-Relais-CSRF", csrf), ("Origin", "http://evil.test"), html];
    assert_eq!(http(addr, &upload_path, &evil, hostile).await.status, 403, "an upload from another site");
    let origin = format!("http://{addr}");
    let ours = [("Cookie", cookie), ("X-Relais-CSRF", csrf), ("Origin", origin.as_str()), html];
    let up = http(addr, &upload_path, &ours, hostile).await;
    assert_eq!(up.status, 201, "{}", up.text());
    assert_eq!(
        (up.json()["type"].as_str(), up.json()["size"].as_u64()),
        (Some("text/html"), Some(hostile.len() as u64))
    );
    let blob = up.json()["blobId"].as_str().unwrap().to_owned();
    let path = format!("GET /jmap/download/{account}/{blob}/page.html?type=text%2Fhtml");
    let down = http(addr, &path, &[("Cookie", cookie)], b"").await;
    assert_eq!(down.status, 200, "{}", down.text());
    assert_eq!(down.body, hostile);
    assert_eq!(down.header("content-disposition"), Some("attachment; filename=\"page.html\""));
    assert_eq!(down.header("x-content-type-options"), Some("nosniff"));
    assert!(down.header("content-security-policy").is_some_and(|c| c.starts_with("sandbox")));
    // A name that is not ASCII keeps the header (RFC 8187's filename*), so the file is still saved.
    let path_utf8 = format!("GET /jmap/download/{account}/{blob}/M%C3%A4rz.html?type=text%2Fhtml");
    let down = http(addr, &path_utf8, &[("Cookie", cookie)], b"").await;
    assert_eq!(
        down.header("content-disposition"),
        Some("attachment; filename=\"M_rz.html\"; filename*=UTF-8''M%C3%A4rz.html")
    );
    let cross = [("Cookie", cookie), ("Origin", "http://evil.test")];
    assert_eq!(http(addr, &path, &cross, b"").await.status, 403, "a download for another site");
}

#[tokio::test]
async fn app_passwords_throttling_and_the_session_bound() {
    let s = server("[dav]\nplaintext_auth_on_loopback = true\n[auth]\nmax_failures_per_account = 3\n");
    let addr = s.addr("http");
    // An app password opens no web session (the sign-in takes the account's password), though
    // it logs in to JMAP by HTTP Basic as to every other protocol.
    let out = s.admin(&["app-password", "add", ANN, "web"]);
    assert!(out.status.success());
    let app = String::from_utf8(out.stdout).unwrap().lines().last().unwrap().trim().to_owned();
    assert_eq!(login(addr, &app).await.status, 401);
    let basic =
        format!("Basic {}", base64::Engine::encode(&base64::engine::general_purpose::STANDARD, format!("{ANN}:{app}")));
    assert_eq!(http(addr, "GET /jmap/session", &[("Authorization", &basic)], b"").await.status, 200);
    assert_eq!(login(addr, PW).await.status, 200);

    // An account keeps its 20 newest sessions: the first of 21 ends.
    let first = session(addr).await;
    let mut last = None;
    for _ in 0..20 {
        last = Some(session(addr).await);
    }
    assert_eq!(http(addr, "GET /web/session", &[("Cookie", &first.cookie)], b"").await.status, 401);
    let last = last.unwrap();
    assert_eq!(http(addr, "GET /web/session", &[("Cookie", &last.cookie)], b"").await.status, 200);
    assert!(!last.csrf.is_empty());

    // The directory's throttling: after 3 failures even the right password waits.
    for _ in 0..3 {
        assert_eq!(login(addr, "wrong").await.status, 401);
    }
    let throttled = login(addr, PW).await;
    assert_eq!(throttled.status, 429, "{}", throttled.text());
    assert!(throttled.header("retry-after").is_some());
}

#[tokio::test]
async fn plain_text_login_only_where_allowed_and_secure_cookies_over_tls() {
    let s = server("");
    let addr = s.addr("http");
    // Without the loopback exception, no login over plain HTTP, even a right one.
    let refused = login(addr, PW).await;
    assert_eq!((refused.status, refused.json()["error"].as_str()), (403, Some("https-required")));
    assert!(refused.header("set-cookie").is_none());

    let tls = s.addr("https");
    let origin = format!("https://{tls}");
    let ct = ("Content-Type", "application/x-www-form-urlencoded");
    let ok = https(tls, "POST /web/login", &[("Origin", &origin), ct], &form(ANN, PW)).await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    let set = ok.header("set-cookie").unwrap();
    assert!(set.starts_with("__Host-relais-session="), "{set}");
    for attr in ["; Path=/", "; HttpOnly", "; SameSite=Strict", "; Secure"] {
        assert!(set.contains(attr), "{attr} in {set}");
    }
    let cookie = set.split(';').next().unwrap();
    let jmap = https(tls, "GET /jmap/session", &[("Cookie", cookie)], b"").await;
    assert_eq!(jmap.status, 200);
    // The HTTPS cookie is not one over HTTP (its name differs), nor the HTTP origin over HTTPS.
    let plain = cookie.replace("__Host-", "");
    assert_eq!(http(addr, "GET /jmap/session", &[("Cookie", &plain)], b"").await.status, 403);
    let csrf = ok.json()["csrfToken"].as_str().unwrap().to_owned();
    let wrong_scheme = [("Cookie", cookie), ("X-Relais-CSRF", csrf.as_str()), ("Origin", &format!("http://{tls}"))];
    assert_eq!(https(tls, "POST /web/logout", &wrong_scheme, b"").await.status, 403);
    let out = [("Cookie", cookie), ("X-Relais-CSRF", csrf.as_str()), ("Origin", origin.as_str())];
    let gone = https(tls, "POST /web/logout", &out, b"").await;
    assert_eq!(gone.status, 200);
    assert!(gone.header("set-cookie").unwrap().contains("; Secure"));
    assert_eq!(https(tls, "GET /jmap/session", &[("Cookie", cookie)], b"").await.status, 401);
}

/// Sessions are in the store: a restart keeps them; a password change made by another process
/// (the CLI on the data directory) ends them.
#[tokio::test]
async fn sessions_survive_a_restart_and_end_with_the_password() {
    let mut s = server(LOOPBACK);
    let kept = session(s.addr("http")).await;
    s.stop();
    s.restart();
    let addr = s.addr("http");
    let a = http(addr, "GET /web/session", &[("Cookie", &kept.cookie)], b"").await;
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.json()["csrfToken"].as_str(), Some(kept.csrf.as_str()));
    assert_eq!(api(addr, &kept.cookie, Some(&kept.csrf), None).await.status, 200);

    let out = s.admin(&["user", "passwd", ANN, "--password", "another good password"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(http(addr, "GET /web/session", &[("Cookie", &kept.cookie)], b"").await.status, 401);
    assert_eq!(api(addr, &kept.cookie, Some(&kept.csrf), None).await.status, 401);
}
