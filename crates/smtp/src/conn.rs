//! The connection loop: the only code that reads from or writes to an SMTP socket. It frames
//! lines (bounded), enforces timeouts and the error limit, answers pipelined commands in one
//! write when the client has sent no more (RFC 2920 §3.1), upgrades to TLS, reads DATA and
//! BDAT content, and closes on an HTTP request (a browser or a cross-protocol attack, never a
//! mail client).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

use crate::data::{DataError, DataReader, DataStatus, LineEnds};
use crate::lines::{Framed, LineFramer};
use crate::reply::{self, Reply};
use crate::session::{Action, Session, State};
use crate::spool::Spool;
use crate::{Mode, Refusal, Smtp};

const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(15);
const HTTP_VERBS: [&[u8]; 8] = [b"GET ", b"POST ", b"HEAD ", b"PUT ", b"DELETE ", b"OPTIONS ", b"CONNECT ", b"PATCH "];

/// Serves one SMTP connection to its end. `shutdown` turns true when the server stops: an idle
/// session is told 421; a message being received is finished first.
pub async fn serve(smtp: Arc<Smtp>, tcp: TcpStream, peer: SocketAddr, mode: Mode, mut shutdown: watch::Receiver<bool>) {
    let _slot = match smtp.admit(peer.ip(), mode) {
        Ok(slot) => slot,
        Err(refusal) => {
            // RFC 5321 §3.1: a server that cannot serve now may answer 421 instead of 220.
            let reply = match refusal {
                Refusal::Address => Reply::new(421, "4.7.0", "too many connections from your address"),
                Refusal::Listener => Reply::new(421, "4.3.2", "too many connections, try again later"),
            };
            let mut tcp = tcp;
            let _ = tokio::time::timeout(HANDSHAKE_TIMEOUT, tcp.write_all(reply.encode().as_bytes())).await;
            return;
        }
    };
    let _ = tcp.set_nodelay(true);
    let mut session = Session::new(smtp.clone(), mode, peer, mode == Mode::Submissions);
    if mode == Mode::Submissions {
        if let Some(tls) = handshake(&smtp, tcp, peer).await {
            run(tls, &mut session, true, &mut shutdown).await;
        }
        return;
    }
    if let Flow::StartTls(tcp) = run(tcp, &mut session, true, &mut shutdown).await
        && let Some(tls) = handshake(&smtp, tcp, peer).await
    {
        session.restart_after_tls();
        run(tls, &mut session, false, &mut shutdown).await;
    }
}

async fn handshake(
    smtp: &Smtp,
    tcp: TcpStream,
    peer: SocketAddr,
) -> Option<tokio_rustls::server::TlsStream<TcpStream>> {
    let acceptor = smtp.tls.clone()?;
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(s)) => Some(s),
        Ok(Err(e)) => {
            tracing::debug!(%peer, error = %e, "smtp: TLS handshake failed");
            None
        }
        Err(_) => {
            tracing::debug!(%peer, "smtp: TLS handshake timed out");
            None
        }
    }
}

enum Flow<S> {
    Closed,
    /// STARTTLS accepted: here is the plain stream to upgrade.
    StartTls(S),
}

enum LineError {
    TooLong,
    Timeout,
    Closed,
    Shutdown,
}

struct Conn<S> {
    stream: S,
    buf: Vec<u8>,
    out: Vec<u8>,
    framer: LineFramer,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Conn<S> {
    async fn fill(&mut self, timeout: Duration) -> Result<(), LineError> {
        let mut chunk = [0u8; 16 * 1024];
        match tokio::time::timeout(timeout, self.stream.read(&mut chunk)).await {
            Err(_) => Err(LineError::Timeout),
            Ok(Ok(0) | Err(_)) => Err(LineError::Closed),
            Ok(Ok(n)) => {
                self.buf.extend_from_slice(&chunk[..n]);
                Ok(())
            }
        }
    }

    /// The next line, CRLF included; at most `max` bytes.
    async fn line(
        &mut self,
        max: usize,
        timeout: Duration,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Result<Vec<u8>, LineError> {
        loop {
            match self.framer.next(&mut self.buf, max) {
                Framed::Line(line) => return Ok(line),
                Framed::TooLong => return Err(LineError::TooLong),
                Framed::More => {}
            }
            self.flush().await.map_err(|_| LineError::Closed)?;
            tokio::select! {
                r = self.fill(timeout) => r?,
                _ = shutdown.wait_for(|stop| *stop) => return Err(LineError::Shutdown),
            }
        }
    }

    fn send(&mut self, reply: &Reply) {
        self.out.extend_from_slice(reply.encode().as_bytes());
    }

    async fn flush(&mut self) -> std::io::Result<()> {
        if !self.out.is_empty() {
            self.stream.write_all(&self.out).await?;
            self.stream.flush().await?;
            self.out.clear();
        }
        Ok(())
    }

    fn has_line(&self) -> bool {
        self.buf.contains(&b'\n')
    }

    /// Message content after 354, ended by CRLF.CRLF, into `spool`; bytes after the end stay
    /// buffered. Decoded content goes to the spool chunk by chunk, never all in memory.
    async fn data(
        &mut self,
        limit: usize,
        timeout: Duration,
        spool: &mut Spool,
    ) -> Result<Option<DataError>, LineError> {
        let mut reader = DataReader::new(limit);
        let mut decoded = Vec::with_capacity(16 * 1024);
        loop {
            let status = reader.feed(&self.buf, &mut decoded);
            spool.write(&decoded).await;
            decoded.clear();
            if let DataStatus::Done { consumed } = status {
                self.buf.drain(..consumed);
                return Ok(reader.error());
            }
            self.buf.clear();
            self.fill(timeout).await?;
        }
    }

    /// Exactly `size` octets of a BDAT chunk, checked for bare line ends, into `spool` (or
    /// read and dropped when there is none).
    async fn chunk(
        &mut self,
        size: usize,
        mut spool: Option<&mut Spool>,
        lines: &mut LineEnds,
        timeout: Duration,
    ) -> Result<(), LineError> {
        let mut left = size;
        while left > 0 {
            if self.buf.is_empty() {
                self.fill(timeout).await?;
            }
            let n = left.min(self.buf.len());
            let part = self.buf.get(..n).unwrap_or_default();
            lines.feed(part);
            if let Some(spool) = spool.as_deref_mut() {
                spool.write(part).await;
            }
            self.buf.drain(..n);
            left -= n;
        }
        Ok(())
    }
}

async fn run<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    s: &mut Session,
    greet: bool,
    shutdown: &mut watch::Receiver<bool>,
) -> Flow<S> {
    let config = s.smtp.config.clone();
    let mut c =
        Conn { stream, buf: Vec::with_capacity(4096), out: Vec::with_capacity(1024), framer: LineFramer::default() };
    if greet {
        c.send(&s.greeting());
    }
    loop {
        let line = match c.line(config.max_line_length, command_timeout(s), shutdown).await {
            Ok(l) => l,
            Err(LineError::TooLong) => {
                c.send(&reply::line_too_long());
                if count_error(s, &mut c).await {
                    return Flow::Closed;
                }
                continue;
            }
            Err(LineError::Timeout) => return close(&mut c, &reply::timeout()).await,
            Err(LineError::Shutdown) => return close(&mut c, &reply::shutting_down()).await,
            Err(LineError::Closed) => return Flow::Closed,
        };
        if s.sasl.is_none()
            && HTTP_VERBS.iter().any(|v| line.len() >= v.len() && line[..v.len()].eq_ignore_ascii_case(v))
        {
            tracing::info!(session = %s.id, peer = %s.peer, "smtp: HTTP request on an SMTP port; closing");
            return Flow::Closed;
        }
        let reply = match s.handle_line(&line).await {
            Action::Reply(r) | Action::Challenge(r) => r,
            Action::Close(r) => return close(&mut c, &r).await,
            Action::StartTls(r) => {
                c.send(&r);
                if c.flush().await.is_err() {
                    return Flow::Closed;
                }
                // RFC 3207 §4.2: anything the client pipelined after STARTTLS is discarded.
                return Flow::StartTls(c.stream);
            }
            Action::ReadData(r) => {
                c.send(&r);
                if c.flush().await.is_err() {
                    return Flow::Closed;
                }
                let mut spool = s.smtp.new_spool();
                match c.data(config.max_message_size, config.data_timeout, &mut spool).await {
                    Ok(None) => crate::commands::data::complete(s, spool).await,
                    Ok(Some(e)) => {
                        s.reset();
                        data_error(e, config.max_message_size)
                    }
                    Err(LineError::Timeout) => return close(&mut c, &reply::timeout()).await,
                    Err(_) => return Flow::Closed,
                }
            }
            Action::DropChunk { size, reply } => {
                match c.chunk(size, None, &mut LineEnds::default(), config.data_timeout).await {
                    Ok(()) => reply,
                    Err(LineError::Timeout) => return close(&mut c, &reply::timeout()).await,
                    Err(_) => return Flow::Closed,
                }
            }
            Action::ReadChunk { size, last } => {
                let (mut spool, mut lines) = crate::commands::data::take_chunks(s, size);
                match c.chunk(size, spool.as_mut(), &mut lines, config.data_timeout).await {
                    Ok(()) => crate::commands::data::chunk(s, spool, lines, size, last).await,
                    Err(LineError::Timeout) => return close(&mut c, &reply::timeout()).await,
                    Err(_) => return Flow::Closed,
                }
            }
        };
        c.send(&reply);
        if reply.code >= 400 && count_error(s, &mut c).await {
            return Flow::Closed;
        }
        if !c.has_line() && c.flush().await.is_err() {
            return Flow::Closed;
        }
    }
}

/// The wait for the next command: short for a stranger with nothing under way (no login, no
/// transaction), the full RFC 5321 §4.5.3.2.7 five minutes otherwise.
fn command_timeout(s: &Session) -> Duration {
    let idle = s.principal.is_none() && matches!(s.state, State::Fresh | State::Ready);
    match idle {
        true => s.smtp.config.command_timeout.min(s.smtp.config.unauthenticated_timeout),
        false => s.smtp.config.command_timeout,
    }
}

fn data_error(e: DataError, limit: usize) -> Reply {
    match e {
        DataError::TooBig => Reply::new(552, "5.3.4", format!("message size exceeds the limit of {limit} octets")),
        DataError::BareLineEnd => crate::commands::data::bare_line_end(),
    }
}

/// Counts an error reply; past the limit, says 421 and reports that the session must end.
async fn count_error<S: AsyncRead + AsyncWrite + Unpin>(s: &mut Session, c: &mut Conn<S>) -> bool {
    s.errors += 1;
    if s.errors > s.smtp.config.max_errors {
        c.send(&reply::too_many_errors());
        let _ = c.flush().await;
        return true;
    }
    false
}

async fn close<S: AsyncRead + AsyncWrite + Unpin>(c: &mut Conn<S>, r: &Reply) -> Flow<S> {
    c.send(r);
    let _ = c.flush().await;
    let _ = c.stream.shutdown().await;
    Flow::Closed
}
