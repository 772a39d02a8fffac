//! ActiveSync's requests and JMAP's EventSource streams framed by the server itself, without
//! hyper: a Ping parks for up to an hour and an EventSource lasts as long as its client, and a
//! hyper connection holds an 8 KiB read buffer and an 8 KiB write buffer all that time — more
//! than the rest of the waiting client. Here a connection parked on a command holds
//! its socket, the octets a client pipelined meanwhile (none, usually), and the command's own
//! future: the request head is parsed, what the command reads of it copied out and the head
//! dropped, the body read and its buffer given to the command, and nothing is allocated for
//! the answer until it is written.
//!
//! Every connection of the HTTP listeners starts here. A request this layer serves is
//! `OPTIONS` or `POST` on `/Microsoft-Server-ActiveSync`, or a `GET /jmap/eventsource` without
//! a body (answered chunked: [`events`]), in HTTP/1.1, with a Content-Length or no body, no
//! upgrade and no expectation but `100-continue` (`relais_http1::Head::simple`);
//! the first request that is anything else hands the connection to hyper (`http::serve`), the
//! octets already read replayed by [`Rewind`], for the rest of its life. A head that is
//! malformed or ambiguous (`relais_http1::head`: the smuggling shapes) is answered 400, one
//! larger than `[http] read_buffer` 431, and the connection closed, whatever its path.
//!
//! The rest is what hyper does for the other routes: `[http] header_timeout_secs` to receive a
//! head, counted from when the server starts waiting for it (so it is the keep-alive idle time
//! too); the credentials checked before any of the body is read and a stranger's body never
//! read (a small one drained to keep the connection, else it is closed); the body read through
//! `http_body` (size, timeouts, spooling, the memory budget); `Expect: 100-continue` answered
//! once the sender is known; `Connection: close` honoured; a client leaving while its command
//! is parked (end of stream or an error on its socket) drops the command at once; on shutdown
//! the request in flight is finished and answered with `connection: close`, an idle connection
//! closed.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use hyper::body::Bytes;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use relais_http1::{Head, HeadError, Simple};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::time::{Instant, timeout_at};

use crate::http::{DISCARD_MAX, DISCARD_WITHIN};
use crate::http_body::{BodyError, Chunks};
use crate::http_eas::Command;
use crate::serve::{Shutdown, State};

/// What the layer knows of its connection.
pub(crate) struct Conn<'a> {
    pub peer: SocketAddr,
    pub tls: bool,
    pub state: &'a Arc<State>,
    /// The server is stopping: the request in flight is answered with `connection: close`.
    pub stopping: tokio::sync::watch::Receiver<bool>,
}

/// Serves the connection's ActiveSync requests until it ends (`None`) or a request comes that
/// hyper must serve: then the connection, with the octets already read, is returned.
pub(crate) async fn serve<S>(stream: S, conn: Conn<'_>, shutdown: &mut Shutdown) -> Option<Rewind<S>>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let http = &conn.state.config.http;
    let (header_timeout, max_head) = (Duration::from_secs(http.header_timeout_secs.max(1)), http.read_buffer.max(8192));
    let mut wire = Wire { stream, pending: Vec::new() };
    loop {
        let deadline = Instant::now() + header_timeout;
        let next = tokio::select! {
            next = timeout_at(deadline, wire.head(max_head)) => next,
            () = shutdown.wait() => return None,
        };
        let (head, len) = match next {
            Err(_) | Ok(Err(Stop::Ended)) => return None,
            Ok(Err(Stop::Refused(e))) => {
                Box::pin(refuse_head(&mut wire, &e)).await;
                return None;
            }
            Ok(Ok(head)) => head,
        };
        let Some((simple, route)) = head.simple().and_then(|simple| Some((simple, Route::of(&head, simple)?))) else {
            return Some(Rewind { prefix: std::mem::take(&mut wire.pending), at: 0, inner: wire.stream });
        };
        let keep = match route {
            Route::ActiveSync => exchange(&mut wire, &conn, head, len, simple).await,
            Route::EventSource => events(&mut wire, &conn, head, len, simple).await,
        };
        if !keep || *conn.stopping.borrow() {
            let _ = wire.stream.shutdown().await;
            return None;
        }
    }
}

/// The requests this layer serves.
#[derive(Clone, Copy)]
enum Route {
    /// `OPTIONS` or `POST` on ActiveSync's path.
    ActiveSync,
    /// `GET /jmap/eventsource` without a body.
    EventSource,
}

impl Route {
    /// The route of a request with a [`Simple`] head, if this layer serves it.
    fn of(head: &Head, simple: Simple) -> Option<Route> {
        match (head.method.as_str(), head.path()) {
            ("POST" | "OPTIONS", path) if crate::http_eas::is_path(path) => Some(Route::ActiveSync),
            ("GET", "/jmap/eventsource") if simple.length == 0 => Some(Route::EventSource),
            _ => None,
        }
    }
}

/// A request whose head was refused: 400 or 431, and the connection closed.
async fn refuse_head<S: AsyncRead + AsyncWrite + Unpin>(wire: &mut Wire<S>, e: &HeadError) {
    tracing::debug!(error = ?e, "http: request head refused");
    let (status, text) = match e {
        HeadError::TooLarge => (431, "request head too large"),
        HeadError::Malformed(_) => (400, "malformed request head"),
    };
    let _ = wire.answer(status, &[], text.as_bytes(), true).await;
}

/// One request after its head: authenticate, read the body, run the command, answer. False
/// when the connection is to be closed.
async fn exchange<S>(wire: &mut Wire<S>, conn: &Conn<'_>, head: Head, len: usize, simple: Simple) -> bool
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let state = conn.state;
    let headers = header_map(&head);
    let command = Command::of(&head.method, head.query(), &headers);
    drop(head);
    wire.pending.drain(..len);
    // Every step but the command boxed: the connection's future is as large as its largest
    // step, and it is what a parked Ping holds.
    let authenticated = Box::pin(state.dav.authenticate(&headers, conn.tls, conn.peer.ip())).await;
    drop(headers);
    let principal = match authenticated {
        Ok(p) => p,
        Err(reply) => return Box::pin(stranger(wire, conn, reply, simple)).await,
    };
    // Past the size limit the body is refused before the client is asked to send it: sent
    // after a 100 Continue, it would arrive at a closing connection and could reset the 413.
    if state.bodies.too_large(simple.length) {
        return Box::pin(body_refused(wire, &BodyError::TooLarge)).await;
    }
    if simple.expect_continue && simple.length > 0 && wire.send(relais_http1::CONTINUE).await.is_err() {
        return false;
    }
    let body = match Box::pin(state.bodies.read(Incoming { wire, left: simple.length }, Some(simple.length))).await {
        Ok(body) => body,
        Err(e) => return Box::pin(body_refused(wire, &e)).await,
    };
    wire.settle();
    let run = Box::pin(command.run(state, &principal, &body.bytes));
    let Some(reply) = wire.watch(run, state.config.http.read_buffer.max(8192)).await else {
        tracing::debug!(peer = %conn.peer, "http: the client left while its ActiveSync command ran");
        return false;
    };
    // The body's share of the memory budget is held until here.
    drop(body);
    let close = simple.close || *conn.stopping.borrow();
    let headers: Vec<(&str, &str)> = reply.headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    Box::pin(wire.answer(reply.status, &headers, &reply.body, close)).await.is_ok() && !close
}

/// A JMAP EventSource (RFC 8620 §7.3; `http_jmap` has the same for a connection hyper
/// serves): authenticated as every JMAP request (HTTP Basic or the web session, whose cookie
/// and origin `http_web::authenticate` checks), then a chunked `text/event-stream` answer that
/// lasts until the client goes, the login no longer stands (checked before each event), the
/// server stops, or — `closeafter=state` — the first state is sent (then the body ends and the
/// connection can carry another request). While it waits it holds the socket and the feed, no
/// buffer.
async fn events<S>(wire: &mut Wire<S>, conn: &Conn<'_>, head: Head, len: usize, simple: Simple) -> bool
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let state = conn.state;
    let request = hyper::Request::builder().method(hyper::Method::GET).uri(head.target.as_str()).body(());
    let Ok(request) = request else {
        let _ = wire.answer(400, &[], b"malformed request target", true).await;
        return false;
    };
    let (mut parts, ()) = request.into_parts();
    parts.headers = header_map(&head);
    let query = head.query().unwrap_or_default().to_owned();
    drop(head);
    wire.pending.drain(..len);
    let principal = match Box::pin(crate::http_web::authenticate(state, &parts, conn.tls, conn.peer)).await {
        Ok(p) => p,
        Err(reply) => return Box::pin(stranger(wire, conn, reply, simple)).await,
    };
    let standing = Box::pin(crate::http_web::Standing::of(state, &parts, conn.tls, &principal)).await;
    drop(parts);
    let mut standing = match standing {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "jmap: credentials not read");
            let text: &[(&str, &str)] = &[("content-type", "text/plain; charset=utf-8")];
            return Box::pin(wire.answer(500, text, b"internal error", simple.close)).await.is_ok() && !simple.close;
        }
    };
    let mut source = match Box::pin(state.jmap.event_source(&principal, &query)).await {
        Ok(source) => source,
        Err(r) => {
            let mut headers: Vec<(&str, &str)> = vec![("content-type", r.content_type)];
            headers.extend(r.headers.iter().map(|(n, v)| (*n, v.as_str())));
            return Box::pin(wire.answer(r.status, &headers, &r.body, simple.close)).await.is_ok() && !simple.close;
        }
    };
    drop((principal, query));
    let headers = [("content-type", "text/event-stream"), ("cache-control", "no-cache")];
    let date = httpdate::fmt_http_date(SystemTime::now());
    let head = relais_http1::answer_head(200, &headers, relais_http1::Length::Chunked, simple.close, &date);
    if wire.send(&head).await.is_err() {
        return false;
    }
    drop((head, date));
    wire.settle();
    let (mut stopping, max) = (conn.stopping.clone(), state.config.http.read_buffer.max(8192));
    loop {
        let mut octets = [0u8; 64];
        let next = tokio::select! {
            event = source.next() => Next::Event(event),
            read = wire.stream.read(&mut octets), if wire.pending.len() < max => Next::Read(read),
            () = crate::http_jmap::stopped(&mut stopping) => Next::Stopping,
        };
        match next {
            // Each event only while the login stands.
            Next::Event(Some(event)) if Box::pin(standing.holds(state)).await => {
                // A client that stops reading is let go after SEND_WITHIN, or at shutdown.
                let chunk = relais_http1::chunk(&event);
                let sent = tokio::select! {
                    sent = tokio::time::timeout(SEND_WITHIN, wire.send(&chunk)) => {
                        matches!(sent, Ok(Ok(())))
                    }
                    () = crate::http_jmap::stopped(&mut stopping) => false,
                };
                if !sent {
                    return false;
                }
            }
            // closeafter=state: the answer ends, the connection goes on.
            Next::Event(None) => return wire.send(relais_http1::LAST_CHUNK).await.is_ok() && !simple.close,
            Next::Event(Some(_)) | Next::Stopping => {
                let _ = wire.send(relais_http1::LAST_CHUNK).await;
                return false;
            }
            Next::Read(Ok(0) | Err(_)) => return false,
            Next::Read(Ok(n)) => wire.pending.extend_from_slice(&octets[..n]),
        }
    }
}

/// How long an EventSource event may take to be written before its client is let go.
const SEND_WITHIN: Duration = Duration::from_secs(60);

/// What an EventSource waited for.
enum Next {
    Event(Option<Vec<u8>>),
    Read(io::Result<usize>),
    Stopping,
}

/// The request's header fields as the directory reads them (`dav.authenticate`) and the
/// command's copy is taken from; built from a head `relais_http1` accepted, so every field fits.
fn header_map(head: &Head) -> HeaderMap {
    let mut map = HeaderMap::with_capacity(head.headers.len());
    for (name, value) in &head.headers {
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_bytes(value)) {
            map.append(n, v);
        }
    }
    map
}

/// Answers a request whose sender is not known (or not allowed), its body unread: a small one
/// is drained so the connection stays usable; a larger one, or one the client waits to be
/// asked for (`100-continue`), is left unsent and the connection closed.
async fn stranger<S>(wire: &mut Wire<S>, conn: &Conn<'_>, reply: relais_dav::Reply, simple: Simple) -> bool
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let keep = match simple.length {
        _ if *conn.stopping.borrow() => false,
        0 => !simple.close,
        n if n <= DISCARD_MAX && !simple.expect_continue => {
            let drain = async {
                let mut rest = Incoming { wire: &mut *wire, left: n };
                while rest.next_chunk().await?.is_some() {}
                Ok::<(), BodyError>(())
            };
            tokio::time::timeout(DISCARD_WITHIN, drain).await.is_ok_and(|r| r.is_ok()) && !simple.close
        }
        _ => false,
    };
    let headers: Vec<(&str, &str)> =
        reply.headers.iter().filter_map(|(n, v)| Some((n.as_str(), v.to_str().ok()?))).collect();
    wire.answer(reply.status.as_u16(), &headers, &reply.body, !keep).await.is_ok() && keep
}

/// A body that could not be read: the status `http_body` gives, and the connection closed
/// (what is left of the body is not read).
async fn body_refused<S: AsyncRead + AsyncWrite + Unpin>(wire: &mut Wire<S>, e: &BodyError) -> bool {
    let (status, text) = e.answer();
    let retry: &[(&str, &str)] = if matches!(e, BodyError::Busy) { &[("retry-after", "1")] } else { &[] };
    let _ = wire.answer(status.as_u16(), retry, text.as_bytes(), true).await;
    false
}

/// How a head read ended without one.
enum Stop {
    /// The client closed, or its socket failed.
    Ended,
    Refused(HeadError),
}

/// The connection and the octets received but not yet used (the start of the next request).
struct Wire<S> {
    stream: S,
    pending: Vec<u8>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Wire<S> {
    /// Reads until a whole head is pending (at most `max` octets of it), returning it and its
    /// length; the head's octets stay pending until the caller takes them.
    async fn head(&mut self, max: usize) -> Result<(Head, usize), Stop> {
        // Parsed again only when a line end arrived (a head ends with one, and a bare LF is
        // refused at once) or the limit is reached: a head sent an octet at a time costs one
        // parse a line, not one an octet.
        let mut fresh = !self.pending.is_empty();
        loop {
            // Empty lines before a request line are ignored (RFC 9112 §2.2), dropped as they come:
            // kept, each line end would parse them all again (quadratic in what a stranger sends).
            let blank = self.pending.chunks(2).take_while(|c| *c == b"\r\n").count();
            self.pending.drain(..blank * 2);
            if fresh {
                match relais_http1::parse(&self.pending, max) {
                    Ok(Some(head)) => return Ok(head),
                    Ok(None) => {}
                    Err(e) => return Err(Stop::Refused(e)),
                }
            }
            // parse() refuses a partial head of `max` octets, so there is room for more.
            let room = max.saturating_sub(self.pending.len()).max(1);
            self.pending.reserve(room.min(self.pending.len().max(1024)));
            let before = self.pending.len();
            match (&mut self.stream).take(room as u64).read_buf(&mut self.pending).await {
                Ok(0) | Err(_) => return Err(Stop::Ended),
                Ok(_) => {}
            }
            fresh = self.pending[before..].contains(&b'\n') || self.pending.len() >= max;
        }
    }

    /// Gives back what is not pending: a connection waiting holds no buffer.
    fn settle(&mut self) {
        if self.pending.is_empty() {
            self.pending = Vec::new();
        } else {
            self.pending.shrink_to_fit();
        }
    }

    /// Awaits `command` while watching the socket: the client leaving ends the wait with `None`
    /// (and drops the command); what it sends meanwhile is kept for the next request, up to
    /// `max` octets pending (past that, the socket is no longer watched).
    async fn watch<F: Future>(&mut self, mut command: Pin<Box<F>>, max: usize) -> Option<F::Output> {
        let mut octets = [0u8; 64];
        loop {
            if self.pending.len() >= max {
                return Some(command.await);
            }
            tokio::select! {
                out = &mut command => return Some(out),
                read = self.stream.read(&mut octets) => match read {
                    Ok(0) | Err(_) => return None,
                    Ok(n) => self.pending.extend_from_slice(&octets[..n]),
                },
            }
        }
    }

    async fn send(&mut self, octets: &[u8]) -> io::Result<()> {
        self.stream.write_all(octets).await?;
        self.stream.flush().await
    }

    /// Writes an answer (RFC 9112 §4, §6: `relais_http1::answer_head`) and its body, in one
    /// write when the body is small: the socket has Nagle's algorithm on, and a body sent
    /// after its head in a second small segment would wait for the client's delayed ACK.
    async fn answer(&mut self, status: u16, headers: &[(&str, &str)], body: &[u8], close: bool) -> io::Result<()> {
        let date = httpdate::fmt_http_date(SystemTime::now());
        let mut head = relais_http1::answer_head(status, headers, body.len(), close, &date);
        if body.len() <= COALESCE {
            head.extend_from_slice(body);
            self.send(&head).await?;
        } else {
            self.stream.write_all(&head).await?;
            drop(head);
            self.send(body).await?;
        }
        self.settle();
        Ok(())
    }
}

/// Bodies up to this size go out in the same write as their head.
const COALESCE: usize = 64 * 1024;

/// A body of known length read from the connection: what is pending first, then the socket.
struct Incoming<'a, S> {
    wire: &'a mut Wire<S>,
    left: u64,
}

/// Octets of body read from the socket at once, at most.
const CHUNK: u64 = 16 * 1024;

impl<S: AsyncRead + Unpin + Send> Chunks for Incoming<'_, S> {
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, BodyError> {
        if self.left == 0 {
            return Ok(None);
        }
        let pending = &mut self.wire.pending;
        if !pending.is_empty() {
            let take = pending.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
            let chunk = Bytes::copy_from_slice(&pending[..take]);
            pending.drain(..take);
            self.left -= take as u64;
            return Ok(Some(chunk));
        }
        let want = self.left.min(CHUNK);
        let mut chunk = Vec::with_capacity(want as usize);
        let n =
            (&mut self.wire.stream).take(want).read_buf(&mut chunk).await.map_err(|e| BodyError::Client(e.into()))?;
        if n == 0 {
            return Err(BodyError::Client("the connection closed before the body's end".into()));
        }
        self.left -= n as u64;
        Ok(Some(Bytes::from(chunk)))
    }
}

/// A connection handed to hyper: the octets already read are read again first.
pub(crate) struct Rewind<S> {
    prefix: Vec<u8>,
    at: usize,
    inner: S,
}

impl<S: AsyncRead + Unpin> AsyncRead for Rewind<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.at < this.prefix.len() {
            let n = buf.remaining().min(this.prefix.len() - this.at);
            buf.put_slice(&this.prefix[this.at..this.at + n]);
            this.at += n;
            if this.at == this.prefix.len() {
                (this.prefix, this.at) = (Vec::new(), 0);
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Rewind<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::Rewind;

    #[tokio::test]
    async fn a_rewound_connection_reads_what_was_read_then_the_socket() {
        let (client, server) = tokio::io::duplex(64);
        let mut rewound = Rewind { prefix: b"GET / HTTP/1.1\r\n".to_vec(), at: 0, inner: server };
        let mut client = client;
        client.write_all(b"Host: h\r\n\r\n").await.unwrap();
        drop(client.shutdown().await);
        // Read in small pieces, so the prefix is handed out across several reads.
        let mut got = Vec::new();
        let mut piece = [0u8; 5];
        loop {
            let n = rewound.read(&mut piece).await.unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&piece[..n]);
        }
        assert_eq!(got, b"GET / HTTP/1.1\r\nHost: h\r\n\r\n");
        assert!(rewound.prefix.is_empty() && rewound.prefix.capacity() == 0, "the prefix is given back");
        // Writes go straight to the socket.
        rewound.write_all(b"HTTP/1.1 200 OK\r\n").await.unwrap();
        let mut answer = [0u8; 17];
        client.read_exact(&mut answer).await.unwrap();
        assert_eq!(&answer, b"HTTP/1.1 200 OK\r\n");
    }
}
