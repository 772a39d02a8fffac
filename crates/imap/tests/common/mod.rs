//! What the IMAP transcript tests share: a server on loopback over a test store.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use relais_directory::{AuthConfig, Directory};
use relais_imap::{Imap, ImapConfig};
use relais_store::{PrincipalKind, Role};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// An IMAP server (plain text allowed on loopback) on a fresh SQLite store with the domain
/// example.test and `users` (address, name, password); sending `true` on the sender stops it.
pub async fn server(
    users: &[(&str, &str, &str)],
) -> (relais_testkit::backends::Fresh, SocketAddr, watch::Sender<bool>) {
    let fresh = relais_testkit::backends::sqlite().await;
    let directory = Directory::new(fresh.store.clone(), AuthConfig::default());
    directory.add_domain("example.test").await.expect("domain");
    for (address, name, password) in users {
        directory.add_principal(PrincipalKind::User, address, name, Some(password), Role::User).await.expect("user");
    }
    let mailer = relais_mail::Mailer::new(fresh.store.clone(), directory, "mail.test", Duration::from_secs(3600));
    let config = ImapConfig { plaintext_auth_on_loopback: true, ..ImapConfig::default() };
    let imap: Arc<Imap> = Imap::new(config, mailer, None);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let (shutdown, rx) = watch::channel(false);
    tokio::spawn(async move {
        while let Ok((tcp, peer)) = listener.accept().await {
            tokio::spawn(relais_imap::serve(imap.clone(), tcp, peer, false, rx.clone()));
        }
    });
    (fresh, addr, shutdown)
}

/// The next line from the server within 10 s; `None` when it closed the connection.
pub async fn line(stream: &mut tokio::io::BufReader<tokio::net::TcpStream>) -> Option<String> {
    use tokio::io::AsyncBufReadExt;
    let mut line = String::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_line(&mut line)).await;
    match read.expect("answer within 10 s").expect("read") {
        0 => None,
        _ => Some(line),
    }
}
