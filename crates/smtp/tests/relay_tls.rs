//! Issue 10 item 11b: the smarthost gets our credentials, so its certificate is verified
//! (system anchors by default, `ca_file` for a private relay); a relay whose certificate does
//! not verify never sees AUTH. A fake relay on a real socket records what it was sent.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use relais_smtp::queue::client::{Session, TlsMode, verifying_config};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

type Lines = Arc<Mutex<Vec<String>>>;

/// Answers one session: EHLO offers STARTTLS, then (over TLS) AUTH; records every line.
async fn relay(listener: TcpListener, acceptor: tokio_rustls::TlsAcceptor, lines: Lines) {
    let (tcp, _) = listener.accept().await.unwrap();
    let mut plain = BufReader::new(tcp);
    plain.get_mut().write_all(b"220 relay.test ESMTP\r\n").await.unwrap();
    if !converse(&mut plain, &lines, b"250-relay.test\r\n250 STARTTLS\r\n").await {
        return;
    }
    let Ok(tls) = acceptor.accept(plain.into_inner()).await else { return };
    let mut tls = BufReader::new(tls);
    converse(&mut tls, &lines, b"250-relay.test\r\n250 AUTH PLAIN\r\n").await;
}

/// Reads commands until STARTTLS (true) or the end (false).
async fn converse<S: AsyncRead + AsyncWrite + Unpin>(s: &mut BufReader<S>, lines: &Lines, ehlo: &[u8]) -> bool {
    loop {
        let mut line = String::new();
        if s.read_line(&mut line).await.unwrap_or(0) == 0 {
            return false;
        }
        lines.lock().unwrap().push(line.trim_end().to_owned());
        let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => ehlo,
            "STARTTLS" => b"220 go ahead\r\n",
            "AUTH" => b"235 2.7.0 welcome\r\n",
            "QUIT" => b"221 bye\r\n",
            _ => b"250 ok\r\n",
        };
        if s.get_mut().write_all(reply).await.is_err() {
            return false;
        }
        if verb == "STARTTLS" {
            return true;
        }
    }
}

fn self_signed() -> (tokio_rustls::TlsAcceptor, String) {
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.key_pair.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.cert.der().clone()], key)
        .unwrap();
    (tokio_rustls::TlsAcceptor::from(Arc::new(config)), cert.cert.pem())
}

/// Opens a client session to a fresh fake relay; returns the outcome and what the relay read.
async fn attempt(acceptor: tokio_rustls::TlsAcceptor, tls: Arc<rustls::ClientConfig>) -> (bool, Vec<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let lines: Lines = Arc::default();
    let server = tokio::spawn(relay(listener, acceptor, lines.clone()));
    let tcp = TcpStream::connect(addr).await.unwrap();
    let auth = Some(("relay-user", "relay-secret"));
    let opened =
        Session::open(tcp, "127.0.0.1", "client.test", TlsMode::Required, tls, auth, Duration::from_secs(5)).await;
    let ok = match opened {
        Ok(s) => {
            s.quit().await;
            true
        }
        Err(_) => false,
    };
    let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
    let seen = lines.lock().unwrap().clone();
    (ok, seen)
}

#[tokio::test]
async fn self_signed_relay_is_refused_unless_its_ca_is_configured() {
    let (acceptor, pem) = self_signed();
    // System anchors: the self-signed certificate does not verify; AUTH is never sent.
    let (ok, seen) = attempt(acceptor.clone(), verifying_config(None).unwrap()).await;
    assert!(!ok, "the handshake must fail: {seen:?}");
    assert!(seen.iter().all(|l| !l.to_ascii_uppercase().starts_with("AUTH")), "credentials leaked: {seen:?}");
    assert!(seen.iter().any(|l| l == "STARTTLS"), "{seen:?}");

    // MX delivery stays opportunistic (RFC 7435): the same certificate is good enough there.
    let (ok, _) = attempt(acceptor.clone(), relais_smtp::queue::client::client_config()).await;
    assert!(ok);

    // The relay's certificate as the configured CA: verified, and the login goes through.
    let dir = std::env::temp_dir().join(format!("relais-relay-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("relay-ca.pem");
    std::fs::write(&ca, pem).unwrap();
    let (ok, seen) = attempt(acceptor, verifying_config(Some(&ca)).unwrap()).await;
    assert!(ok, "{seen:?}");
    assert!(seen.iter().any(|l| l.starts_with("AUTH PLAIN ")), "{seen:?}");

    // A CA file without a certificate is an error, not an empty trust list that fails later.
    std::fs::write(&ca, "not a certificate").unwrap();
    assert!(verifying_config(Some(&ca)).is_err());
    let _ = std::fs::remove_dir_all(dir);
}
