//! Heads as clients send them, and as attackers do.

use super::answer::{LAST_CHUNK, Length, answer_head, chunk};
use super::head::{Framing, Head, HeadError, Simple, parse};

const MAX: usize = 8192;

fn head(text: &str) -> Head {
    let (head, len) = parse(text.as_bytes(), MAX).expect("parses").expect("complete");
    assert_eq!(len, text.find("\r\n\r\n").unwrap() + 4, "{text:?}");
    head
}

const PING: &str = "POST /Microsoft-Server-ActiveSync?Cmd=Ping&User=kim&DeviceId=D1&DeviceType=iPhone HTTP/1.1\r\n\
    Host: mail.test\r\nAuthorization: Basic a2ltOnB3\r\nMS-ASProtocolVersion: 16.1\r\n\
    Content-Type: application/vnd.ms-sync.wbxml\r\nContent-Length: 13\r\n\r\n";

#[test]
fn an_activesync_post_is_simple() {
    let h = head(PING);
    assert_eq!((h.method.as_str(), h.path(), h.minor), ("POST", "/Microsoft-Server-ActiveSync", 1));
    assert_eq!(h.query(), Some("Cmd=Ping&User=kim&DeviceId=D1&DeviceType=iPhone"));
    assert_eq!(h.header("ms-asprotocolversion"), Some(&b"16.1"[..]));
    assert_eq!(h.body, Framing::Length(13));
    assert_eq!(h.simple(), Some(Simple { length: 13, expect_continue: false, close: false }));
}

#[test]
fn simple_heads_and_those_hyper_serves() {
    let table: &[(&str, Option<Simple>)] = &[
        (
            "OPTIONS /Microsoft-Server-ActiveSync HTTP/1.1\r\nHost: h\r\n\r\n",
            Some(Simple { length: 0, expect_continue: false, close: false }),
        ),
        (
            "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-Continue\r\nConnection: keep-alive, Close\r\n\r\n",
            Some(Simple { length: 5, expect_continue: true, close: true }),
        ),
        ("POST /x HTTP/1.0\r\nContent-Length: 5\r\n\r\n", None),
        ("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", None),
        ("GET /x HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", None),
        ("GET /x HTTP/1.1\r\nUpgrade: h2c\r\n\r\n", None),
        ("POST /x HTTP/1.1\r\nExpect: 100-continue, something\r\nContent-Length: 1\r\n\r\n", None),
        ("POST /x HTTP/1.1\r\nExpect: x\r\nContent-Length: 1\r\n\r\n", None),
        ("POST http://h/x HTTP/1.1\r\nContent-Length: 1\r\n\r\n", None),
        ("OPTIONS * HTTP/1.1\r\n\r\n", None),
    ];
    for (text, want) in table {
        assert_eq!(head(text).simple(), *want, "{text:?}");
    }
}

#[test]
fn ambiguous_and_malformed_heads_are_refused() {
    let table: &[&str] = &[
        // Two lengths, equal or not, in two fields or one list (RFC 9112 §6.3 item 5).
        "POST /x HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
        "POST /x HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        "POST /x HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n",
        // Numbers that are not plain decimals, or too large.
        "POST /x HTTP/1.1\r\nContent-Length: +5\r\n\r\n",
        "POST /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        "POST /x HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n",
        "POST /x HTTP/1.1\r\nContent-Length: 1 0\r\n\r\n",
        "POST /x HTTP/1.1\r\nContent-Length: \r\n\r\n",
        "POST /x HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
        // Both framings (RFC 9112 §6.1), in either order and any case.
        "POST /x HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST /x HTTP/1.1\r\ntransfer-encoding: chunked\r\ncontent-length: 5\r\n\r\n",
        // obs-fold (RFC 9112 §5.2), a space before the colon (§5.1), bare LF and bare CR (§2.2).
        "POST /x HTTP/1.1\r\nContent-Length: 5\r\n 6\r\n\r\n",
        "POST /x HTTP/1.1\r\nContent-Length : 5\r\n\r\n",
        "POST /x HTTP/1.1\nContent-Length: 5\n\n",
        "POST /x HTTP/1.1\r\nContent-Length: 5\n\r\n",
        "POST /x HTTP/1.1\r\nContent-Length: 5\rX: y\r\n\r\n",
        // Two hosts (RFC 9112 §3.2), a broken request line, another protocol.
        "POST /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "POST  /x HTTP/1.1\r\n\r\n",
        "POST /x HTTP/2.0\r\n\r\n",
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        "P\0ST /x HTTP/1.1\r\n\r\n",
        "POST /x HTTP/1.1\r\nX-\0: 1\r\n\r\n",
    ];
    for text in table {
        assert!(matches!(parse(text.as_bytes(), MAX), Err(HeadError::Malformed(_))), "{text:?}");
    }
}

#[test]
fn a_head_past_the_limit_is_too_large_and_a_partial_one_waits() {
    let long = format!("POST /x HTTP/1.1\r\nX-Long: {}\r\n\r\n", "a".repeat(MAX));
    assert_eq!(parse(long.as_bytes(), MAX), Err(HeadError::TooLarge));
    assert_eq!(parse(&long.as_bytes()[..MAX + 10], MAX), Err(HeadError::TooLarge));
    let many: String = (0..101).map(|i| format!("X-{i}: 1\r\n")).collect();
    assert_eq!(parse(format!("GET / HTTP/1.1\r\n{many}\r\n").as_bytes(), MAX), Err(HeadError::TooLarge));
    for cut in 0..PING.len() {
        assert_eq!(parse(&PING.as_bytes()[..cut], MAX), Ok(None), "cut at {cut}");
    }
    // A bare LF is refused as soon as it arrives, not when the head is complete.
    assert!(matches!(parse(b"POST /x HTTP/1.1\nHost", MAX), Err(HeadError::Malformed(_))));
}

#[test]
fn the_body_and_pipelined_requests_follow_the_head() {
    let text = format!("{PING}0123456789abcGET / HTTP/1.1\r\n\r\n");
    let (h, len) = parse(text.as_bytes(), MAX).unwrap().unwrap();
    assert_eq!((len, h.body), (PING.len(), Framing::Length(13)));
    assert_eq!(&text[len..len + 13], "0123456789abc");
}

#[test]
fn answer_heads_own_their_framing() {
    let headers = [
        ("Content-Type", "application/vnd.ms-sync.wbxml"),
        ("Content-Length", "999"),
        ("Transfer-Encoding", "chunked"),
        ("connection", "keep-alive"),
        ("X-Split", "a\r\nInjected: yes"),
        ("Bad Name", "v"),
        ("MS-Server-ActiveSync", "16.1"),
    ];
    let out = answer_head(200, &headers, 42, true, "Sun, 06 Dec 2026 17:00:00 GMT");
    let text = String::from_utf8(out).unwrap();
    assert_eq!(
        text,
        "HTTP/1.1 200 OK\r\ncontent-type: application/vnd.ms-sync.wbxml\r\nMS-Server-ActiveSync: 16.1\r\n\
         content-length: 42\r\nconnection: close\r\ndate: Sun, 06 Dec 2026 17:00:00 GMT\r\n\r\n"
            .replace("content-type", "Content-Type")
    );
    let out = String::from_utf8(answer_head(449, &[], 0, false, "d")).unwrap();
    assert_eq!(out, "HTTP/1.1 449 Retry With\r\ncontent-length: 0\r\ndate: d\r\n\r\n");
    // An interim or impossible status is never sent as the final one.
    assert!(answer_head(101, &[], 0, false, "d").starts_with(b"HTTP/1.1 500 "));
}

#[test]
fn a_stream_is_chunked() {
    let headers = [("content-type", "text/event-stream"), ("Content-Length", "5")];
    let out = String::from_utf8(answer_head(200, &headers, Length::Chunked, false, "d")).unwrap();
    assert_eq!(
        out,
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\ndate: d\r\n\r\n"
    );
    assert_eq!(chunk(b"event: ping\n\n"), b"d\r\nevent: ping\n\n\r\n");
    assert_eq!(chunk(&[b'x'; 300])[..5], *b"12c\r\n");
    assert_eq!(LAST_CHUNK, b"0\r\n\r\n");
}
