//! The test harness shared by every Rust test: temporary directories, a fresh PostgreSQL
//! database per test, and the real `relais` binary started on ephemeral 127.0.0.1 ports.
//! `interop/harness.py` is its Python twin; both follow the same contract (`run/listeners.json`).

use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use rand::Rng;

pub mod backends;

/// A directory removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(prefix: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("{prefix}-{:016x}", rand::thread_rng().r#gen::<u64>()));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The PostgreSQL server the test command started (`scripts/test` exports it).
pub fn pg_url() -> String {
    std::env::var("RELAIS_TEST_PG_URL").unwrap_or_else(|_| {
        panic!(
            "RELAIS_TEST_PG_URL is not set: the store's tests run on PostgreSQL too. Run them with \
             scripts/test, which starts a throw-away PostgreSQL, or point RELAIS_TEST_PG_URL at one"
        )
    })
}

/// A new, empty database on the test PostgreSQL server; returns its URL.
pub fn fresh_pg_database() -> String {
    // The synchronous client must not run on an async executor's thread.
    std::thread::spawn(create_pg_database).join().expect("create test database")
}

fn create_pg_database() -> String {
    let base = pg_url();
    let name = format!("relais_test_{:016x}", rand::thread_rng().r#gen::<u64>());
    let mut client = postgres::Client::connect(&base, postgres::NoTls).expect("connect to test PostgreSQL");
    client.batch_execute(&format!("CREATE DATABASE {name}")).expect("create test database");
    // The URL's last path segment is the database name (`postgres://user@host:port/db`).
    let (server, _) = base.rsplit_once('/').expect("RELAIS_TEST_PG_URL ends in /DATABASE");
    format!("{server}/{name}")
}

/// A running `relais serve` with its own data directory.
pub struct Server {
    child: Option<Child>,
    bin: PathBuf,
    data: TempDir,
    listeners: serde_json::Value,
}

/// Listener keys the binary knows; tests enable the ones they need.
pub const LISTENERS: [&str; 10] =
    ["smtp", "submission", "submissions", "imap", "imaps", "pop3", "pop3s", "managesieve", "http", "https"];

impl Server {
    /// Starts `bin` with the given listeners on ephemeral ports, plus `extra` TOML.
    pub fn start(bin: &Path, enable: &[&str], extra: &str) -> Server {
        let data = TempDir::new("relais-test");
        let mut config = String::from("[server]\nhostname = \"mail.test\"\n\n[listen]\n");
        for key in LISTENERS {
            let value = if enable.contains(&key) { "\"127.0.0.1:0\"" } else { "[]" };
            config.push_str(&format!("{key} = {value}\n"));
        }
        config.push('\n');
        config.push_str(extra);
        std::fs::write(data.path().join("config.toml"), config).expect("write config");
        let mut server = Server { child: None, bin: bin.to_owned(), data, listeners: serde_json::Value::Null };
        server.spawn();
        server
    }

    fn spawn(&mut self) {
        let _ = std::fs::remove_file(self.listeners_file());
        let log = std::fs::File::create(self.data.path().join("server.log")).expect("log file");
        let child = Command::new(&self.bin)
            .arg("serve")
            .arg("--data")
            .arg(self.data.path())
            .arg("--config")
            .arg(self.data.path().join("config.toml"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("start relais");
        self.child = Some(child);
        self.wait_ready();
    }

    fn listeners_file(&self) -> PathBuf {
        self.data.path().join("run").join("listeners.json")
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(text) = std::fs::read_to_string(self.listeners_file())
                && let Ok(v) = serde_json::from_str(&text)
            {
                self.listeners = v;
                return;
            }
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("relais exited before it was ready ({status}):\n{}", self.log());
            }
            assert!(Instant::now() < deadline, "relais not ready after 30 s:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        let mut s = String::new();
        if let Ok(mut f) = std::fs::File::open(self.data.path().join("server.log")) {
            let _ = f.read_to_string(&mut s);
        }
        s
    }

    pub fn data_dir(&self) -> &Path {
        self.data.path()
    }

    /// The first address of a listener.
    pub fn addr(&self, name: &str) -> SocketAddr {
        self.listeners[name][0]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no {name} listener in {}", self.listeners))
    }

    /// Runs `relais admin --data DIR ARGS…`.
    pub fn admin(&self, args: &[&str]) -> Output {
        Command::new(&self.bin)
            .arg("admin")
            .arg("--data")
            .arg(self.data.path())
            .arg("--config")
            .arg(self.data.path().join("config.toml"))
            .args(args)
            .output()
            .expect("run relais admin")
    }

    /// SIGTERM and wait (20 s at most) for the exit status.
    pub fn stop(&mut self) -> ExitStatus {
        self.signal(libc::SIGTERM)
    }

    /// SIGKILL: no chance to clean up.
    pub fn kill(&mut self) -> ExitStatus {
        self.signal(libc::SIGKILL)
    }

    fn signal(&mut self, sig: i32) -> ExitStatus {
        let mut child = self.child.take().expect("server is running");
        let pid = i32::try_from(child.id()).expect("pid");
        // SAFETY: kill(2) on our own child's pid; no memory is shared.
        unsafe { libc::kill(pid, sig) };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("relais did not exit within 20 s of signal {sig}:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts the binary again on the same data directory and config.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "stop or kill the server first");
        self.spawn();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Sends one message over plain SMTP to the server listening at `addr` (its `smtp` listener),
/// from `from` to `to`; panics on any reply that is not 2xx or 3xx. Blocking: it is short.
pub fn deliver(addr: SocketAddr, from: &str, to: &str, subject: &str) {
    use std::io::{BufRead, BufReader, Write};
    let stream = std::net::TcpStream::connect(addr).expect("connect to SMTP");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut writer = stream;
    // One reply, all its lines (up to the one whose code is followed by a space).
    let mut reply = || {
        let mut text = String::new();
        loop {
            let mut line = String::new();
            assert!(reader.read_line(&mut line).expect("SMTP reply") > 0, "the SMTP server closed");
            text.push_str(&line);
            if line.as_bytes().get(3) == Some(&b' ') {
                return text;
            }
        }
    };
    reply();
    let data = format!("From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\n\r\nhello\r\n.\r\n");
    let (mail, rcpt) = (format!("MAIL FROM:<{from}>\r\n"), format!("RCPT TO:<{to}>\r\n"));
    for line in ["EHLO client.test\r\n", &mail, &rcpt, "DATA\r\n", &data, "QUIT\r\n"] {
        writer.write_all(line.as_bytes()).expect("SMTP write");
        let answer = reply();
        assert!(answer.starts_with('2') || answer.starts_with('3'), "{line:?}: {answer}");
    }
}
