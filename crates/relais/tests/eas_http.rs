//! The server's own HTTP/1.1 layer for long polls (`http_longpoll`) on the real binary and real
//! sockets: hostile heads refused and the connection closed, pipelined ActiveSync requests
//! answered in order and a DAV request after them handed to hyper on the same connection,
//! `Expect: 100-continue`, a stranger's body, a parked Ping whose client leaves, shutdown, and
//! JMAP EventSource streams (chunked; `closeafter=state` ends the body, not the connection).

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use relais_testkit::Server;
use relais_wbxml::tag::{folderhierarchy as fh, ping, provision as p, settings as s};
use relais_wbxml::{Element, decode, encode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_relais"))
}

/// kim:pw
const AUTH: &str = "Authorization: Basic a2ltQGV4YW1wbGUudGVzdDpwdw==\r\n";

fn server(extra: &str) -> Server {
    let config = format!("[dav]\nplaintext_auth_on_loopback = true\n[http]\nread_buffer = 8192\n{extra}");
    let server = Server::start(bin(), &["http", "smtp"], &config);
    for args in [&["domain", "add", "example.test"][..], &["user", "add", "kim@example.test", "--password", "pw"]] {
        assert!(server.admin(args).status.success());
    }
    server
}

/// One client connection, and what it has read past the last answer.
struct Client {
    s: TcpStream,
    buf: Vec<u8>,
}

/// An answer: status, header fields (names in lower case), body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    fn closes(&self) -> bool {
        self.header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"))
    }
}

impl Client {
    async fn open(addr: SocketAddr) -> Client {
        Client { s: TcpStream::connect(addr).await.unwrap(), buf: Vec::new() }
    }

    async fn send(&mut self, octets: &[u8]) {
        self.s.write_all(octets).await.unwrap();
    }

    /// Reads more within 10 s; false at the end of the stream.
    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 4096];
        match tokio::time::timeout(Duration::from_secs(10), self.s.read(&mut chunk)).await {
            Ok(Ok(0) | Err(_)) => false,
            Ok(Ok(n)) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
            Err(_) => panic!("no answer within 10 s"),
        }
    }

    /// The next answer (a Content-Length body), or `None` if the connection ends first.
    async fn answer(&mut self) -> Option<Answer> {
        let end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            if !self.fill().await {
                return None;
            }
        };
        let head = String::from_utf8(self.buf.drain(..end + 4).collect()).unwrap();
        let mut lines = head.trim_end().split("\r\n");
        let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
        let headers: Vec<(String, String)> = lines
            .map(|l| l.split_once(':').unwrap())
            .map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let len: usize = headers.iter().find(|(n, _)| n == "content-length").map_or(0, |(_, v)| v.parse().unwrap());
        while self.buf.len() < len {
            assert!(self.fill().await, "the body was cut short");
        }
        let body = self.buf.drain(..len).collect();
        Some(Answer { status, headers, body })
    }

    /// The next chunk of a chunked body as text; `None` at its last chunk.
    async fn chunk(&mut self) -> Option<String> {
        let line = loop {
            if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                break i;
            }
            assert!(self.fill().await, "the stream ended without its last chunk");
        };
        let size = usize::from_str_radix(std::str::from_utf8(&self.buf[..line]).unwrap(), 16).unwrap();
        while self.buf.len() < line + 2 + size + 2 {
            assert!(self.fill().await, "a chunk was cut short");
        }
        let whole: Vec<u8> = self.buf.drain(..line + 2 + size + 2).collect();
        assert_eq!(&whole[line + 2 + size..], b"\r\n");
        (size > 0).then(|| String::from_utf8(whole[line + 2..line + 2 + size].to_vec()).unwrap())
    }

    /// True if the server closes the connection (after any answers still unread).
    async fn closed(&mut self) -> bool {
        let mut chunk = [0u8; 4096];
        loop {
            match tokio::time::timeout(Duration::from_secs(10), self.s.read(&mut chunk)).await {
                Ok(Ok(0) | Err(_)) => return true,
                Ok(Ok(_)) => {}
                Err(_) => return false,
            }
        }
    }
}

/// An ActiveSync POST of `doc` as device `device`, with `key` as its policy key.
fn eas(cmd: &str, device: &str, key: &str, doc: &Element, extra: &str) -> Vec<u8> {
    let body = encode(doc).unwrap();
    let mut out = format!(
        "POST /Microsoft-Server-ActiveSync?Cmd={cmd}&User=kim&DeviceId={device}&DeviceType=Test HTTP/1.1\r\n\
         Host: mail.test\r\n{AUTH}MS-ASProtocolVersion: 16.1\r\nX-MS-PolicyKey: {key}\r\n\
         Content-Type: application/vnd.ms-sync.wbxml\r\nContent-Length: {}\r\n{extra}\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(&body);
    out
}

fn provision(key: Option<&str>) -> Element {
    let mut policy = Element::new(p::POLICY).with_leaf(p::POLICY_TYPE, "MS-EAS-Provisioning-WBXML");
    if let Some(k) = key {
        policy = policy.with_leaf(p::POLICY_KEY, k).with_leaf(p::STATUS, "1");
    }
    let mut doc = Element::new(p::PROVISION);
    if key.is_none() {
        doc = doc.with(Element::new(s::DEVICE_INFORMATION).with(Element::new(s::SET).with_leaf(s::MODEL, "test")));
    }
    doc.with(Element::new(p::POLICIES).with(policy))
}

fn policy_key(a: &Answer) -> String {
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let doc = decode(&a.body).unwrap();
    doc.path(&[p::POLICIES, p::POLICY]).and_then(|x| x.text_of(p::POLICY_KEY)).unwrap().into_owned()
}

/// Provisions `device` on `c` (MS-ASPROV's two round trips); its policy key.
async fn provisioned(c: &mut Client, device: &str) -> String {
    c.send(&eas("Provision", device, "0", &provision(None), "")).await;
    let temporary = policy_key(&c.answer().await.unwrap());
    c.send(&eas("Provision", device, "0", &provision(Some(&temporary)), "")).await;
    policy_key(&c.answer().await.unwrap())
}

/// The device's Inbox, from a FolderSync.
async fn inbox(c: &mut Client, device: &str, key: &str) -> String {
    c.send(&eas("FolderSync", device, key, &Element::new(fh::FOLDER_SYNC).with_leaf(fh::SYNC_KEY, "0"), "")).await;
    let a = c.answer().await.unwrap();
    assert_eq!(a.status, 200);
    let doc = decode(&a.body).unwrap();
    let changes = doc.child(fh::CHANGES).unwrap();
    let inbox = changes.children_with(fh::ADD).find(|f| f.text_of(fh::TYPE).as_deref() == Some("2")).unwrap();
    inbox.text_of(fh::SERVER_ID).unwrap().into_owned()
}

fn ping_on(folder: &str) -> Element {
    let folder = Element::new(ping::FOLDER).with_leaf(ping::ID, folder).with_leaf(ping::CLASS, "Email");
    Element::new(ping::PING).with_leaf(ping::HEARTBEAT_INTERVAL, "600").with(Element::new(ping::FOLDERS).with(folder))
}

const PATH: &str = "/Microsoft-Server-ActiveSync?Cmd=Ping&User=kim&DeviceId=D1&DeviceType=Test";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_heads_are_refused_and_the_connection_closed() {
    let server = server("");
    let long = format!("X-Long: {}\r\n", "a".repeat(9000));
    let table: Vec<(String, u16)> = vec![
        // Request smuggling: two lengths, both framings, lengths that are not numbers.
        (format!("POST {PATH} HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nabcd"), 400),
        (format!("POST {PATH} HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nabcd"), 400),
        (format!("POST {PATH} HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), 400),
        (format!("POST {PATH} HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n"), 400),
        (format!("POST {PATH} HTTP/1.1\r\nContent-Length: -4\r\n\r\n"), 400),
        (format!("POST {PATH} HTTP/1.1\r\nContent-Length: 4, 4\r\n\r\nabcd"), 400),
        (format!("POST {PATH} HTTP/1.1\r\nContent-Length: 0x4\r\n\r\nabcd"), 400),
        // obs-fold, bare LF, a space before the colon, two hosts, NUL.
        (format!("POST {PATH} HTTP/1.1\r\nContent-Length: 4\r\n 0\r\n\r\nabcd"), 400),
        (format!("POST {PATH} HTTP/1.1\nContent-Length: 4\n\nabcd"), 400),
        (format!("POST {PATH} HTTP/1.1\r\nContent-Length : 4\r\n\r\nabcd"), 400),
        (format!("POST {PATH} HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400),
        (format!("POST {PATH} HTTP/1.1\r\nX-A: \0\r\n\r\n"), 400),
        // Whatever the path: the head is read here first.
        ("PROPFIND /dav/ HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n".to_owned(), 400),
        // Larger than `read_buffer`, whether it ends or not.
        (format!("POST {PATH} HTTP/1.1\r\n{long}\r\n"), 431),
        (format!("POST {PATH} HTTP/1.1\r\n{long}"), 431),
    ];
    for (head, status) in table {
        let mut c = Client::open(server.addr("http")).await;
        c.send(head.as_bytes()).await;
        let a = c.answer().await.unwrap_or_else(|| panic!("no answer to {head:?}"));
        assert_eq!((a.status, a.closes()), (status, true), "{head:?}");
        assert!(c.closed().await, "{head:?}");
    }
    // A chunked ActiveSync request is no smuggling: hyper serves it (here: a stranger's).
    let mut c = Client::open(server.addr("http")).await;
    c.send(format!("POST {PATH} HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").as_bytes()).await;
    assert_eq!(c.answer().await.unwrap().status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_activesync_then_dav_on_one_connection() {
    let server = server("");
    let mut c = Client::open(server.addr("http")).await;
    let mut burst = b"OPTIONS /microsoft-server-activesync HTTP/1.1\r\nHost: mail.test\r\n".to_vec();
    burst.extend_from_slice(format!("{AUTH}\r\n").as_bytes());
    burst.extend_from_slice(&eas("Provision", "D1", "0", &provision(None), ""));
    burst.extend_from_slice(format!("PROPFIND /dav/ HTTP/1.1\r\nHost: mail.test\r\n{AUTH}Depth: 0\r\n\r\n").as_bytes());
    burst.extend_from_slice(&eas("Provision", "D1", "0", &provision(None), ""));
    // All at once, and again cut into pieces that split heads and bodies anywhere.
    c.send(&burst).await;
    let options = c.answer().await.unwrap();
    assert_eq!(options.status, 200);
    assert!(options.header("ms-asprotocolversions").unwrap().contains("16.1"));
    assert!(!policy_key(&c.answer().await.unwrap()).is_empty());
    let dav = c.answer().await.unwrap();
    assert_eq!(dav.status, 207, "{}", String::from_utf8_lossy(&dav.body));
    // After DAV the connection is hyper's, and ActiveSync goes on there.
    assert!(!policy_key(&c.answer().await.unwrap()).is_empty());
    let mut c = Client::open(server.addr("http")).await;
    for piece in burst.chunks(7) {
        c.send(piece).await;
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    for status in [200, 200, 207, 200] {
        assert_eq!(c.answer().await.unwrap().status, status);
    }
    // Connection: close is honoured.
    let mut c = Client::open(server.addr("http")).await;
    c.send(&eas("Provision", "D1", "0", &provision(None), "Connection: close\r\n")).await;
    let a = c.answer().await.unwrap();
    assert!(a.status == 200 && a.closes());
    assert!(c.closed().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expect_continue_and_a_strangers_body() {
    let server = server("");
    let mut c = Client::open(server.addr("http")).await;
    let request = eas("Provision", "D1", "0", &provision(None), "Expect: 100-continue\r\n");
    let split = request.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    c.send(&request[..split]).await;
    let interim = c.answer().await.unwrap();
    assert_eq!(interim.status, 100);
    c.send(&request[split..]).await;
    assert!(!policy_key(&c.answer().await.unwrap()).is_empty());
    // A stranger's small body is drained and the connection kept; a large one, or one it
    // waits to be asked for, is never read and the connection closed.
    let stranger = |length: usize, extra: &str| {
        format!("POST {PATH} HTTP/1.1\r\nHost: h\r\nContent-Length: {length}\r\n{extra}\r\n").into_bytes()
    };
    let mut small = stranger(10, "");
    small.extend_from_slice(b"0123456789");
    c.send(&small).await;
    let a = c.answer().await.unwrap();
    assert!(a.status == 401 && !a.closes() && a.header("www-authenticate").is_some());
    for request in [stranger(100_000, ""), stranger(10, "Expect: 100-continue\r\n")] {
        c.send(&request).await;
        let a = c.answer().await.unwrap();
        assert!(a.status == 401 && a.closes());
        assert!(c.closed().await);
        c = Client::open(server.addr("http")).await;
    }
    // A body larger than the limit: 413 once the sender is known, and closed.
    let huge = format!("POST {PATH} HTTP/1.1\r\nHost: h\r\n{AUTH}Content-Length: 999999999999\r\n\r\n");
    c.send(huge.as_bytes()).await;
    let a = c.answer().await.unwrap();
    assert!(a.status == 413 && a.closes());
}

/// The parked Ping holds its body's share of the memory budget (here the whole budget) in
/// the same future as its subscription: when a second device's request finds room again, the
/// Ping's future is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parked_ping_whose_client_leaves_is_dropped_at_once() {
    let server = server("body_memory_budget = 1024\nbody_budget_wait_ms = 100\n");
    let mut phone = Client::open(server.addr("http")).await;
    let key = provisioned(&mut phone, "P1").await;
    let folder = inbox(&mut phone, "P1", &key).await;
    phone.send(&eas("Ping", "P1", &key, &ping_on(&folder), "")).await;
    let mut other = Client::open(server.addr("http")).await;
    let probe = eas("Provision", "P2", "0", &provision(None), "");
    // Parked: the budget is the Ping's.
    tokio::time::sleep(Duration::from_millis(500)).await;
    other.send(&probe).await;
    let a = other.answer().await.unwrap();
    assert_eq!((a.status, a.header("retry-after")), (503, Some("1")));
    drop(phone);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    loop {
        let mut other = Client::open(server.addr("http")).await;
        other.send(&probe).await;
        let a = other.answer().await.unwrap();
        if a.status == 200 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the parked Ping was not dropped: {}", a.status);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A Ping parked while the client pipelines its next request: the Ping is answered when its
/// folder changes, then the pipelined request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_pipelined_behind_a_parked_ping_waits_its_turn() {
    let server = server("");
    let mut phone = Client::open(server.addr("http")).await;
    let key = provisioned(&mut phone, "P1").await;
    let folder = inbox(&mut phone, "P1", &key).await;
    phone.send(&eas("Ping", "P1", &key, &ping_on(&folder), "")).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    phone.send(&eas("Provision", "P1", "0", &provision(None), "")).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // A message into the Inbox wakes the Ping; then the pipelined request is answered.
    relais_testkit::deliver(server.addr("smtp"), "carol@elsewhere.test", "kim@example.test", "hi");
    let a = phone.answer().await.unwrap();
    assert_eq!(decode(&a.body).unwrap().text_of(ping::STATUS).as_deref(), Some("2"));
    assert!(!policy_key(&phone.answer().await.unwrap()).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_the_request_in_flight_and_closes_idle_connections() {
    let mut server = server("");
    let mut idle = Client::open(server.addr("http")).await;
    idle.send(&eas("Provision", "D1", "0", &provision(None), "")).await;
    assert_eq!(idle.answer().await.unwrap().status, 200);
    let mut busy = Client::open(server.addr("http")).await;
    let request = eas("Provision", "D2", "0", &provision(None), "");
    busy.send(&request[..request.len() - 3]).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopped = tokio::task::spawn_blocking(move || server.stop());
    assert!(idle.closed().await, "the idle connection is closed at shutdown");
    busy.send(&request[request.len() - 3..]).await;
    let a = busy.answer().await.unwrap();
    assert!(a.status == 200 && a.closes());
    assert!(busy.closed().await);
    assert!(stopped.await.unwrap().success());
}

/// A JMAP EventSource through the same layer: refused as any JMAP request (a stranger 401, a
/// query without `ping` 400, the connection kept), then a chunked `text/event-stream` — the
/// states first, a `state` event per change; with `closeafter=state` the body ends after the
/// first change and the next request on the connection goes to hyper.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_source_streams_chunks_and_closeafter_state_ends_only_the_body() {
    let server = server("");
    let get = |query: &str, auth: &str| format!("GET /jmap/eventsource?{query} HTTP/1.1\r\nHost: x\r\n{auth}\r\n");
    let mut c = Client::open(server.addr("http")).await;
    c.send(get("types=*&closeafter=no&ping=0", "").as_bytes()).await;
    assert_eq!(c.answer().await.unwrap().status, 401);
    c.send(get("types=*&closeafter=no", AUTH).as_bytes()).await;
    assert_eq!(c.answer().await.unwrap().status, 400);
    c.send(get("types=Email&closeafter=no&ping=0", AUTH).as_bytes()).await;
    // Octets the client sends while the stream opens cost it nothing: the states still come.
    c.send(b"\r\n").await;
    let a = c.answer().await.unwrap();
    assert_eq!(a.status, 200);
    assert_eq!((a.header("transfer-encoding"), a.header("content-type")), (Some("chunked"), Some("text/event-stream")));
    let first = c.chunk().await.unwrap();
    assert!(first.starts_with("event: state\n") && first.contains("\"Email\""), "{first}");

    let mut once = Client::open(server.addr("http")).await;
    once.send(get("types=Email&closeafter=state&ping=0", AUTH).as_bytes()).await;
    assert_eq!(once.answer().await.unwrap().status, 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    relais_testkit::deliver(server.addr("smtp"), "carol@elsewhere.test", "kim@example.test", "hi");
    for stream in [&mut c, &mut once] {
        let event = stream.chunk().await.unwrap();
        assert!(event.starts_with("event: state\n") && event.contains("\"Email\""), "{event}");
    }
    assert_eq!(once.chunk().await, None, "closeafter=state ends the body after the first change");
    once.send(format!("GET /jmap/session HTTP/1.1\r\nHost: x\r\n{AUTH}\r\n").as_bytes()).await;
    let session = once.answer().await.unwrap();
    assert_eq!(session.status, 200, "{}", String::from_utf8_lossy(&session.body));
}
