//! The connection loop: the only code that reads from or writes to an IMAP socket. Bytes go into
//! the protocol crate's `Receiver`; each complete command goes to the session; its output is
//! written when the client has nothing more pipelined. Also: literal continuations, the
//! AUTHENTICATE exchange, IDLE (RFC 2177) woken by store notifications, STARTTLS, COMPRESS
//! (RFC 4978, on the bytes read and written, so inside TLS), the idle timeout, the error limit
//! and shutdown.

use std::net::SocketAddr;
use std::sync::Arc;

use relais_imap_proto::{Continuation, Limits, Received, Receiver, Response, Status, StatusResponse};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

use crate::Imap;
use crate::compress::Deflate;
use crate::session::{Flow, Session};

pub async fn serve(
    imap: Arc<Imap>,
    tcp: TcpStream,
    peer: SocketAddr,
    implicit_tls: bool,
    mut shutdown: watch::Receiver<bool>,
) {
    let _ = tcp.set_nodelay(true);
    let mut s = Session::new(imap.clone(), peer, implicit_tls);
    // Each stage boxed: a connection's task holds only the stage it is in (a plain session
    // does not carry the TLS stages' state, nor the handshake's).
    if implicit_tls {
        if let Some(tls) = Box::pin(handshake(&imap, tcp)).await {
            Box::pin(run(tls, &mut s, true, &mut shutdown)).await;
        }
        return;
    }
    if let Some(tcp) = Box::pin(run(tcp, &mut s, true, &mut shutdown)).await
        && let Some(tls) = Box::pin(handshake(&imap, tcp)).await
    {
        s.tls = true;
        Box::pin(run(tls, &mut s, false, &mut shutdown)).await;
    }
}

/// The TLS stream is boxed: its state (a few KiB) is then not reserved in the future of every
/// connection, TLS or not.
async fn handshake(imap: &Imap, tcp: TcpStream) -> Option<Box<tokio_rustls::server::TlsStream<TcpStream>>> {
    let acceptor = imap.tls.clone()?;
    match tokio::time::timeout(std::time::Duration::from_secs(15), acceptor.accept(tcp)).await {
        Ok(Ok(s)) => Some(Box::new(s)),
        _ => None,
    }
}

fn limits(imap: &Imap) -> Limits {
    Limits {
        max_line: imap.config.max_line,
        max_literal: imap.config.max_literal,
        max_append_literal: imap.config.max_append,
        max_command: imap.config.max_append.saturating_add(1 << 20),
        literal_minus: false,
    }
}

enum Input {
    Bytes(usize),
    Closed,
    Timeout,
    Shutdown,
    Woken,
}

async fn read<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut [u8],
    s: &mut Session,
    shutdown: &mut watch::Receiver<bool>,
    idling: bool,
) -> Input {
    let timeout = match s.state {
        crate::session::State::NotAuthenticated => s.imap.config.login_timeout,
        _ => s.imap.config.idle_timeout,
    };
    let watched = s.watched();
    let store = s.imap.store().clone();
    // Disjoint fields: the watched account's notifications and the credential's.
    let (changes, credential) = (&mut s.changes, &mut s.credential);
    let notified = async {
        if !idling {
            return std::future::pending::<()>().await;
        }
        let mail = async {
            match crate::session::follow(changes, &store, watched) {
                // A new subscription (the watched account changed): look once at what it missed.
                Some((_, true)) => {}
                Some((rx, false)) => loop {
                    use relais_store::DataType;
                    match rx.recv().await {
                        Ok(n) if n.touches(DataType::Email) || n.touches(DataType::Mailbox) => break,
                        Ok(_) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => break,
                        Err(_) => std::future::pending::<()>().await,
                    }
                },
                None => std::future::pending::<()>().await,
            }
        };
        // A directory change may have revoked this session's credentials.
        let revoked = async {
            match credential.as_mut() {
                Some(c) => c.changed().await,
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            () = mail => {}
            () = revoked => {}
        }
    };
    tokio::select! {
        r = tokio::time::timeout(timeout, stream.read(buf)) => match r {
            Ok(Ok(0) | Err(_)) => Input::Closed,
            Ok(Ok(n)) => Input::Bytes(n),
            Err(_) => Input::Timeout,
        },
        _ = shutdown.wait_for(|x| *x) => Input::Shutdown,
        () = notified => Input::Woken,
    }
}

/// Runs until LOGOUT, the end of the connection, or STARTTLS (then returns the plain stream).
async fn run<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    s: &mut Session,
    greet: bool,
    shutdown: &mut watch::Receiver<bool>,
) -> Option<S> {
    let mut receiver = Receiver::new(limits(&s.imap));
    // Small: an idle session holds it for hours; a large APPEND just takes more reads.
    let mut buf = vec![0u8; 1024];
    let mut idle: Option<relais_imap_proto::Tag> = None;
    let mut authenticating: Option<relais_imap_proto::Tag> = None;
    let mut deflate: Option<Box<Deflate>> = None;
    if greet {
        let caps = crate::commands::any::capabilities(s);
        s.status(
            StatusResponse::new(None, Status::Ok, "Relais IMAP ready")
                .with_code(relais_imap_proto::Code::Capability(caps)),
        );
    }
    loop {
        // Answer everything already received before waiting for more.
        loop {
            receiver.set_dialect(s.dialect());
            let received = match receiver.receive() {
                Ok(Some(r)) => r,
                Ok(None) => break,
                Err(e) => {
                    s.errors += 1;
                    s.status(e.response());
                    continue;
                }
            };
            match received {
                // A synchronizing literal within the limits (the receiver refused larger ones).
                Received::Continue(_) => {
                    s.send(Response::Continuation(Continuation::Text("Ready for literal data".into())));
                }
                Received::Done => {
                    if let Some(tag) = idle.take() {
                        s.ok(&tag, "IDLE terminated");
                    }
                }
                Received::AuthenticateResponse(resp) => {
                    let Some(tag) = authenticating.take() else { continue };
                    match resp {
                        relais_imap_proto::AuthResponse::Cancel => s.bad(&tag, "AUTHENTICATE cancelled"),
                        relais_imap_proto::AuthResponse::Data(d) => {
                            Box::pin(crate::commands::auth::response(s, &tag, &d)).await
                        }
                    }
                }
                // Boxed: the largest handler's state would otherwise sit in every connection's
                // future for its whole life, idle or not.
                Received::Command(cmd) => match Box::pin(crate::commands::dispatch(s, cmd)).await {
                    Flow::Continue => {}
                    Flow::Logout => {
                        let _ = write(&mut stream, s, &mut deflate).await;
                        let _ = stream.shutdown().await;
                        return None;
                    }
                    Flow::StartTls => {
                        if write(&mut stream, s, &mut deflate).await.is_err() {
                            return None;
                        }
                        // Nothing sent in the clear may count as sent under TLS (RFC 9051 §6.2.1).
                        receiver.discard_buffered();
                        return Some(stream);
                    }
                    Flow::Compress => {
                        // The OK goes out uncompressed; everything after it is deflated.
                        if write(&mut stream, s, &mut deflate).await.is_err() {
                            return None;
                        }
                        deflate = Some(Deflate::new(receiver.take_buffered()));
                    }
                    Flow::Idle(tag) => {
                        s.send(Response::Continuation(Continuation::Text("idling".into())));
                        receiver.expect_done();
                        idle = Some(tag);
                    }
                    Flow::Authenticate(tag) => {
                        s.send(Response::Continuation(Continuation::Text(String::new())));
                        receiver.expect_authenticate_response();
                        authenticating = Some(tag);
                    }
                },
            }
            if let Some(why) = s.closing {
                s.bye(why);
                let _ = write(&mut stream, s, &mut deflate).await;
                return None;
            }
            if s.errors > s.imap.config.max_errors {
                s.bye("too many errors");
                let _ = write(&mut stream, s, &mut deflate).await;
                return None;
            }
        }
        if write(&mut stream, s, &mut deflate).await.is_err() {
            return None;
        }
        // Compressed input already read: answer it a chunk at a time before reading more.
        if let Some(z) = deflate.as_mut()
            && z.pending()
        {
            if !inflate(z, &mut receiver) {
                return None;
            }
            continue;
        }
        match read(&mut stream, &mut buf, s, shutdown, idle.is_some()).await {
            Input::Bytes(n) => match deflate.as_mut() {
                None => receiver.feed(&buf[..n]),
                Some(z) => {
                    z.feed(&buf[..n]);
                    if !inflate(z, &mut receiver) {
                        return None;
                    }
                }
            },
            Input::Closed => return None,
            Input::Timeout => {
                s.bye("autologout: idle for too long");
                let _ = write(&mut stream, s, &mut deflate).await;
                return None;
            }
            Input::Shutdown => {
                s.bye("server shutting down");
                let _ = write(&mut stream, s, &mut deflate).await;
                return None;
            }
            // IDLE: tell the client at once what changed (RFC 2177 §3).
            Input::Woken => {
                s.check_credential().await;
                if s.closing.is_none() {
                    Box::pin(s.updates(true, true)).await;
                }
                if let Some(why) = s.closing {
                    s.bye(why);
                    let _ = write(&mut stream, s, &mut deflate).await;
                    return None;
                }
            }
        }
    }
}

/// Feeds the receiver one inflated chunk; false if the client's stream is corrupt.
fn inflate(z: &mut Deflate, receiver: &mut Receiver) -> bool {
    let mut plain = Vec::new();
    match z.inflate(&mut plain) {
        Ok(()) => {
            receiver.feed(&plain);
            true
        }
        Err(_) => false,
    }
}

async fn write<S: AsyncWrite + Unpin>(
    stream: &mut S,
    s: &mut Session,
    deflate: &mut Option<Box<Deflate>>,
) -> std::io::Result<()> {
    if s.out.is_empty() {
        return Ok(());
    }
    match deflate {
        Some(z) => z.write(stream, &s.out).await?,
        None => {
            stream.write_all(&s.out).await?;
            stream.flush().await?;
        }
    }
    s.out.clear();
    // A big FETCH answer's buffer is not kept for an idle session.
    if s.out.capacity() > 64 * 1024 {
        s.out = Vec::new();
    }
    Ok(())
}
