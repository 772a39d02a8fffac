//! The real binary through the Rust harness: HTTP health over a socket, the admin CLI against a
//! running server, graceful shutdown, restart after SIGKILL — on SQLite and on PostgreSQL.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use relais_testkit::Server;

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_relais"))
}

/// One HTTP/1.1 request on a fresh connection; returns (status, body).
fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: mail.test\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).unwrap();
    let status = response.split(' ').nth(1).and_then(|c| c.parse().ok()).expect("status line");
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

fn admin_ok(server: &Server, args: &[&str]) -> String {
    let out = server.admin(args);
    assert!(out.status.success(), "admin {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn lifecycle(mut server: Server) {
    let http = server.addr("http");
    assert_eq!(get(http, "/healthz"), (200, "ok".into()));
    assert_eq!(get(http, "/readyz").0, 200);
    assert_eq!(get(http, "/nope").0, 404);

    // Administration while the server runs.
    admin_ok(&server, &["domain", "add", "example.org"]);
    admin_ok(&server, &["user", "add", "eve@example.org", "--password", "pw1", "--name", "Eve"]);
    assert_eq!(admin_ok(&server, &["auth", "check", "eve@example.org", "--password", "pw1"]).trim(), "ok");
    let wrong = server.admin(&["auth", "check", "eve@example.org", "--password", "nope"]);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("authentication failed"));

    // SIGKILL, restart: the data is there and the server serves.
    server.kill();
    server.restart();
    assert_eq!(get(server.addr("http"), "/healthz").0, 200);
    assert!(admin_ok(&server, &["user", "list"]).contains("eve@example.org"));

    // SIGTERM: exit 0 and the listener file is gone.
    let status = server.stop();
    assert!(status.success(), "exit status {status}:\n{}", server.log());
    assert!(!server.data_dir().join("run/listeners.json").exists());
}

#[test]
fn sqlite_lifecycle() {
    lifecycle(Server::start(bin(), &["http"], ""));
}

#[test]
fn postgres_lifecycle() {
    let url = relais_testkit::fresh_pg_database();
    let server = Server::start(bin(), &["http"], &format!("[store]\nbackend = \"postgres\"\nurl = \"{url}\"\n"));
    lifecycle(server);
}
