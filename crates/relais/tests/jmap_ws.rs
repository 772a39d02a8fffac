//! JMAP over WebSocket (RFC 8887) against the real binary on real sockets: the session's
//! capability, the handshake (subprotocol, credentials), requests answered with their ids,
//! RequestErrors that leave the connection usable, push woken by an SMTP delivery, binary and
//! oversized messages, a silent peer dropped, WebSocket connections counted against the HTTP
//! listener's per-address limit, and closed when the server stops.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use relais_testkit::Server;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

type Ws = WebSocketStream<TcpStream>;

const CORE: &str = "urn:ietf:params:jmap:core";
const MAIL: &str = "urn:ietf:params:jmap:mail";
/// `ann@example.test:pw`
const ANN: &str = "Basic YW5uQGV4YW1wbGUudGVzdDpwdw==";

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_relais"))
}

fn server() -> Server {
    let extra = "[dav]\nplaintext_auth_on_loopback = true\n\n\
                 [http]\nmax_connections_per_address = 3\nwebsocket_ping_secs = 1\n";
    let s = Server::start(bin(), &["smtp", "http"], extra);
    for args in [&["domain", "add", "example.test"][..], &["user", "add", "ann@example.test", "--password", "pw"]] {
        let out = s.admin(args);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    s
}

/// Opens a WebSocket to `/jmap/ws` with these subprotocols and credentials.
async fn connect(addr: SocketAddr, protocols: Option<&str>, auth: Option<&str>) -> Result<Ws, WsError> {
    let mut request = format!("ws://{addr}/jmap/ws").into_client_request()?;
    if let Some(p) = protocols {
        request.headers_mut().insert("Sec-WebSocket-Protocol", p.parse().unwrap());
    }
    if let Some(a) = auth {
        request.headers_mut().insert("Authorization", a.parse().unwrap());
    }
    let stream = TcpStream::connect(addr).await.unwrap();
    let (ws, response) = tokio_tungstenite::client_async(request, stream).await?;
    assert_eq!(response.headers()["sec-websocket-protocol"], "jmap");
    Ok(ws)
}

async fn open(addr: SocketAddr) -> Ws {
    connect(addr, Some("jmap"), Some(ANN)).await.unwrap()
}

/// The next text message as JSON, within 10 s.
async fn receive(ws: &mut Ws) -> Value {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("a message in time");
        match m.expect("the connection is open").expect("a frame") {
            Message::Text(t) => return serde_json::from_str(t.as_str()).unwrap(),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// Sends a message and answers the next one that is not a push.
async fn ask(ws: &mut Ws, message: Value) -> Value {
    ws.send(Message::text(message.to_string())).await.unwrap();
    loop {
        let answer = receive(ws).await;
        if answer["@type"] != "StateChange" {
            return answer;
        }
    }
}

/// How the server closes: its close frame's code, or None when the TCP connection just ends.
async fn close_code(ws: &mut Ws) -> Option<CloseCode> {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("closed in time") {
            Some(Ok(Message::Close(frame))) => return frame.map(|f| f.code),
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return None,
        }
    }
}

/// The body of an HTTP GET with Ann's credentials.
async fn get(addr: SocketAddr, path: &str) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let head = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {ANN}\r\nConnection: close\r\n\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_push_and_bounds() {
    let server = server();
    let http = server.addr("http");
    let session = get(http, "/.well-known/jmap").await;
    let body: Value = serde_json::from_str(&session[session.find("\r\n\r\n").unwrap() + 4..]).unwrap();
    let capability = &body["capabilities"]["urn:ietf:params:jmap:websocket"];
    assert_eq!(*capability, json!({ "url": format!("ws://{http}/jmap/ws"), "supportsPush": true }));
    let account = body["primaryAccounts"][MAIL].as_str().unwrap().to_owned();

    // The handshake: the jmap subprotocol and credentials are required.
    for (protocols, auth, status) in [(None, Some(ANN), 400), (Some("chat"), Some(ANN), 400), (Some("jmap"), None, 401)]
    {
        match connect(http, protocols, auth).await {
            Err(WsError::Http(r)) => assert_eq!(r.status().as_u16(), status, "{protocols:?}"),
            other => panic!("{protocols:?} {auth:?}: {:?}", other.map(|_| ())),
        }
    }

    let mut ws = open(http).await;
    let echo =
        json!({"@type": "Request", "id": "R1", "using": [CORE], "methodCalls": [["Core/echo", {"hello": true}, "c1"]]});
    let r = ask(&mut ws, echo.clone()).await;
    assert_eq!((r["@type"].as_str(), r["requestId"].as_str()), (Some("Response"), Some("R1")));
    assert_eq!(r["methodResponses"], json!([["Core/echo", {"hello": true}, "c1"]]));
    // Bad input: a RequestError, and the connection goes on.
    let r = ask(&mut ws, json!("The quick brown fox")).await;
    assert_eq!(
        (r["@type"].as_str(), r["type"].as_str()),
        (Some("RequestError"), Some("urn:ietf:params:jmap:error:notRequest"))
    );
    ws.send(Message::text("{not json")).await.unwrap();
    let r = receive(&mut ws).await;
    assert_eq!((r["type"].as_str(), r.get("requestId")), (Some("urn:ietf:params:jmap:error:notJSON"), None));
    let r = ask(&mut ws, json!({"@type": "Request", "id": "R2", "using": [CORE, "urn:example:x"], "methodCalls": []}))
        .await;
    assert_eq!(
        (r["type"].as_str(), r["requestId"].as_str()),
        (Some("urn:ietf:params:jmap:error:unknownCapability"), Some("R2"))
    );
    let r = ask(&mut ws, json!({"@type": "Request", "using": [CORE, MAIL], "methodCalls": [["Mailbox/get", {"accountId": account}, "m"]]})).await;
    assert!(r.get("requestId").is_none());
    assert!(r["methodResponses"][0][1]["list"].as_array().is_some_and(|l| !l.is_empty()), "{r}");
    let state = r["methodResponses"][0][1]["state"].as_str().unwrap().to_owned();

    // Push: a delivery wakes it with the new Email state; its pushState brings back what a
    // client missed.
    assert!(ask_silently(&mut ws, json!({"@type": "WebSocketPushEnable", "dataTypes": ["Email"]})).await);
    relais_testkit::deliver(server.addr("smtp"), "carol@elsewhere.test", "ann@example.test", "pushed");
    let change = receive(&mut ws).await;
    assert_eq!(change["@type"], "StateChange");
    let email = change["changed"][&account]["Email"].as_str().unwrap().to_owned();
    assert!(email.parse::<u64>().unwrap() > state.parse::<u64>().unwrap(), "{change}");
    assert!(change["changed"][&account].get("Mailbox").is_none(), "only the types asked for: {change}");
    let push_state = change["pushState"].as_str().unwrap().to_owned();
    assert!(ask_silently(&mut ws, json!({"@type": "WebSocketPushDisable"})).await);
    relais_testkit::deliver(server.addr("smtp"), "carol@elsewhere.test", "ann@example.test", "missed");
    ws.send(Message::text(
        json!({"@type": "WebSocketPushEnable", "dataTypes": null, "pushState": push_state}).to_string(),
    ))
    .await
    .unwrap();
    let r = receive(&mut ws).await;
    assert_eq!(r["@type"], "StateChange");
    assert!(
        r["changed"][&account]["Mailbox"].as_str().is_some_and(|s| s.parse::<u64>().unwrap() > email.parse().unwrap())
    );

    // A message past maxSizeRequest: a RequestError, and the connection goes on.
    let pad = "x".repeat(10 * 1024 * 1024);
    let big = json!({"@type": "Request", "id": "big", "using": [CORE], "methodCalls": [], "pad": pad});
    let r = ask(&mut ws, big).await;
    assert_eq!(
        (r["type"].as_str(), r["limit"].as_str()),
        (Some("urn:ietf:params:jmap:error:limit"), Some("maxSizeRequest"))
    );
    let r = ask(&mut ws, echo.clone()).await;
    assert_eq!(r["requestId"], "R1");
    // A binary message closes the connection with 1003, a much larger one with 1009.
    ws.send(Message::binary(b"{}".to_vec())).await.unwrap();
    assert_eq!(close_code(&mut ws).await, Some(CloseCode::Unsupported));
    // (Sent while reading: the server stops reading at the frame's header.)
    let (mut sink, mut stream) = open(http).await.split();
    tokio::spawn(async move { sink.send(Message::text("x".repeat(11 * 1024 * 1024))).await });
    let code = loop {
        match tokio::time::timeout(Duration::from_secs(10), stream.next()).await.expect("closed in time") {
            Some(Ok(Message::Close(frame))) => break frame.map(|f| f.code),
            Some(Ok(_)) => {}
            Some(Err(_)) | None => break None,
        }
    };
    assert_eq!(code, Some(CloseCode::Size));
}

/// Sends a message that has no answer and checks that none comes before the next request's.
async fn ask_silently(ws: &mut Ws, message: Value) -> bool {
    ws.send(Message::text(message.to_string())).await.unwrap();
    let r = ask(ws, json!({"@type": "Request", "id": "after", "using": [CORE], "methodCalls": []})).await;
    r["requestId"] == "after"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_peers_dropped_connections_counted_and_closed_at_shutdown() {
    let mut server = server();
    let http = server.addr("http");
    // A peer that never answers the pings (1 s apart) is dropped after two intervals.
    let mut raw = TcpStream::connect(http).await.unwrap();
    let head = format!(
        "GET /jmap/ws HTTP/1.1\r\nHost: {http}\r\nAuthorization: {ANN}\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Protocol: jmap\r\n\r\n"
    );
    raw.write_all(head.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = raw.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 101"), "{}", String::from_utf8_lossy(&buf[..n]));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let closed = loop {
        match tokio::time::timeout(Duration::from_secs(5), raw.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => break true,
            Ok(Ok(_)) => {}
            Err(_) => break false,
        }
    };
    assert!(closed, "the silent peer is dropped");
    drop(raw);
    tokio::time::sleep(Duration::from_millis(200)).await;

    // WebSockets count against the listener's limit per address (3 here): a fourth connection
    // is refused, and a WebSocket that ends gives its place back.
    let mut first = open(http).await;
    let _second = open(http).await;
    let _third = open(http).await;
    let refused = connect(http, Some("jmap"), Some(ANN)).await;
    assert!(matches!(refused, Err(WsError::Http(ref r)) if r.status() == 503), "{:?}", refused.map(|_| ()));
    first.close(None).await.unwrap();
    drop(first);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        if let Ok(mut ws) = connect(http, Some("jmap"), Some(ANN)).await {
            let r = ask(&mut ws, json!({"@type": "Request", "id": "ok", "using": [CORE], "methodCalls": []})).await;
            assert_eq!(r["requestId"], "ok");
            // The server's shutdown closes its WebSockets with 1001 and exits cleanly.
            assert!(server.stop().success());
            assert_eq!(close_code(&mut ws).await, Some(CloseCode::Away));
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the place was not given back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A WebSocket ends when its login does: after the password changed (by the CLI, another
/// process), its next request closes it with 1008 instead of running as the old login.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_password_ends_an_open_websocket() {
    let server = server();
    let http = server.addr("http");
    let mut ws = open(http).await;
    let r = ask(&mut ws, json!({"@type": "Request", "id": "before", "using": [CORE], "methodCalls": []})).await;
    assert_eq!(r["requestId"], "before");
    let out = server.admin(&["user", "passwd", "ann@example.test", "--password", "new"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The other process's commit reaches the server through the store's notifications.
    tokio::time::sleep(Duration::from_millis(500)).await;
    ws.send(Message::text(json!({"@type": "Request", "id": "after", "using": [CORE], "methodCalls": []}).to_string()))
        .await
        .unwrap();
    assert_eq!(close_code(&mut ws).await, Some(CloseCode::Policy), "closed, the request not run");
}

/// A raw HTTP/1.1 exchange on a new connection: the whole answer as text.
async fn raw(addr: SocketAddr, head: &str, headers: &[(&str, &str)], body: &str) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let mut req = format!("{head} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

/// A WebSocket opened by the web client's session ends at logout: the next request closes it
/// with 1008 instead of running as the ended session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_ends_a_websocket_opened_by_the_session() {
    let server = server();
    let http = server.addr("http");
    let origin = format!("http://{http}");
    let form = ("Content-Type", "application/x-www-form-urlencoded");
    let answer =
        raw(http, "POST /web/login", &[("Origin", &origin), form], "username=ann%40example.test&password=pw").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let set = answer.lines().find_map(|l| l.strip_prefix("set-cookie: ")).expect("a cookie");
    let cookie = set.split(';').next().unwrap().to_owned();
    let body: Value = serde_json::from_str(&answer[answer.find("\r\n\r\n").unwrap() + 4..]).unwrap();
    let csrf = body["csrfToken"].as_str().unwrap().to_owned();

    let mut request = format!("ws://{http}/jmap/ws").into_client_request().unwrap();
    for (k, v) in [("Sec-WebSocket-Protocol", "jmap"), ("Cookie", cookie.as_str()), ("Origin", origin.as_str())] {
        request.headers_mut().insert(k, v.parse().unwrap());
    }
    let (mut ws, _) = tokio_tungstenite::client_async(request, TcpStream::connect(http).await.unwrap()).await.unwrap();
    let r = ask(&mut ws, json!({"@type": "Request", "id": "in", "using": [CORE], "methodCalls": []})).await;
    assert_eq!(r["requestId"], "in");
    let out =
        raw(http, "POST /web/logout", &[("Cookie", &cookie), ("X-Relais-CSRF", &csrf), ("Origin", &origin)], "").await;
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    ws.send(Message::text(json!({"@type": "Request", "id": "out", "using": [CORE], "methodCalls": []}).to_string()))
        .await
        .unwrap();
    assert_eq!(close_code(&mut ws).await, Some(CloseCode::Policy), "closed, the request not run");
}
