//! A POP3 session: the AUTHORIZATION, TRANSACTION and UPDATE states of RFC 1939 §3, and the
//! only code that reads from or writes to the socket.

use std::net::SocketAddr;
use std::sync::Arc;

use relais_directory::{AuthError, CredentialWatch, Credentials, Principal};
use relais_store::MailboxMessage;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::watch;

use crate::command::{self, Command, ParseError};
use crate::{MaildropLock, Pop3};

/// The maildrop of a TRANSACTION-state session.
struct Maildrop {
    _lock: MaildropLock,
    mailbox: relais_store::CollectionId,
    uid_validity: u32,
    messages: Vec<MailboxMessage>,
    deleted: Vec<bool>,
    /// The credentials the session logged in with: revoked or changed, the session ends.
    credential: CredentialWatch,
    /// The logged-in user, as the mail domain's actor.
    actor: relais_directory::access::Actor,
}

enum State {
    Authorization { user: Option<String>, failures: u32 },
    Transaction(Maildrop),
}

/// What the loop does after a command.
enum Next {
    Continue,
    StartTls,
    Quit,
}

struct Conn<S> {
    io: BufReader<S>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Conn<S> {
    async fn send(&mut self, text: &str) -> std::io::Result<()> {
        self.io.get_mut().write_all(text.as_bytes()).await?;
        self.io.get_mut().write_all(b"\r\n").await?;
        self.io.get_mut().flush().await
    }

    /// A multi-line response body, dot-stuffed, then the terminating "." (RFC 1939 §3).
    async fn send_body(&mut self, lines: &[u8]) -> std::io::Result<()> {
        let out = relais_mail::headers::dot_stuffed(lines);
        self.io.get_mut().write_all(&out).await?;
        self.io.get_mut().flush().await
    }

    /// The next line without CRLF; `None` at end of input or on an over-long line's end.
    async fn line(&mut self) -> std::io::Result<Option<Result<String, ()>>> {
        let mut buf = Vec::new();
        let n = (&mut self.io).take(command::MAX_LINE as u64 + 1).read_until(b'\n', &mut buf).await?;
        if n == 0 {
            return Ok(None);
        }
        if !buf.ends_with(b"\n") {
            // Over-long: drop the rest of the line, then report it.
            let mut rest = Vec::new();
            (&mut self.io).take(64 * 1024).read_until(b'\n', &mut rest).await?;
            return Ok(Some(Err(())));
        }
        let text = String::from_utf8_lossy(&buf).trim_end_matches(['\r', '\n']).to_owned();
        Ok(Some(Ok(text)))
    }
}

/// Serves one POP3 connection; `implicit_tls` for `listen.pop3s` (RFC 8314).
pub async fn serve(
    pop3: Arc<Pop3>,
    tcp: TcpStream,
    peer: SocketAddr,
    implicit_tls: bool,
    mut shutdown: watch::Receiver<bool>,
) {
    let _ = tcp.set_nodelay(true);
    if implicit_tls {
        if let Some(tls) = handshake(&pop3, tcp).await {
            let mut s = Session { pop3, peer, tls: true, state: State::Authorization { user: None, failures: 0 } };
            s.run(tls, true, &mut shutdown).await;
        }
        return;
    }
    let mut s =
        Session { pop3: pop3.clone(), peer, tls: false, state: State::Authorization { user: None, failures: 0 } };
    if let Some(tcp) = s.run(tcp, true, &mut shutdown).await
        && let Some(tls) = handshake(&pop3, tcp).await
    {
        s.tls = true;
        s.run(tls, false, &mut shutdown).await;
    }
}

async fn handshake(pop3: &Pop3, tcp: TcpStream) -> Option<tokio_rustls::server::TlsStream<TcpStream>> {
    let acceptor = pop3.tls.clone()?;
    match tokio::time::timeout(std::time::Duration::from_secs(15), acceptor.accept(tcp)).await {
        Ok(Ok(s)) => Some(s),
        _ => None,
    }
}

struct Session {
    pop3: Arc<Pop3>,
    peer: SocketAddr,
    tls: bool,
    state: State,
}

impl Session {
    /// Runs until QUIT, the end of the connection, or STLS (then returns the plain stream).
    async fn run<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        stream: S,
        greet: bool,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Option<S> {
        let mut c = Conn { io: BufReader::new(stream) };
        if greet && c.send(&format!("+OK {} POP3 server ready", self.pop3.config.hostname)).await.is_err() {
            return None;
        }
        loop {
            let timeout = match self.state {
                State::Authorization { .. } => self.pop3.config.login_timeout,
                State::Transaction(_) => self.pop3.config.idle_timeout,
            };
            let line = tokio::select! {
                r = tokio::time::timeout(timeout, c.line()) => Some(r),
                _ = shutdown.wait_for(|s| *s) => None,
            };
            let Some(line) = line else {
                let _ = c.send("-ERR [SYS/TEMP] server shutting down").await;
                return None;
            };
            let line = match line {
                Err(_) => {
                    let _ = c.send("-ERR autologout: idle for too long").await;
                    return None;
                }
                Ok(Err(_) | Ok(None)) => return None,
                Ok(Ok(Some(Err(())))) => {
                    if c.send("-ERR line too long").await.is_err() {
                        return None;
                    }
                    continue;
                }
                Ok(Ok(Some(Ok(l)))) => l,
            };
            match self.command(&mut c, &line).await {
                Ok(Next::Continue) => {}
                Ok(Next::Quit) | Err(_) => return None,
                Ok(Next::StartTls) => return Some(c.io.into_inner()),
            }
        }
    }

    async fn command<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        c: &mut Conn<S>,
        line: &str,
    ) -> std::io::Result<Next> {
        let cmd = match command::parse(line) {
            Ok(cmd) => cmd,
            Err(ParseError::Unknown) => {
                c.send("-ERR unknown command").await?;
                return Ok(Next::Continue);
            }
            Err(ParseError::Syntax(usage)) => {
                c.send(&format!("-ERR syntax: {usage}")).await?;
                return Ok(Next::Continue);
            }
        };
        if let State::Transaction(drop) = &mut self.state
            && matches!(drop.credential.still_valid(&self.pop3.directory).await, Ok(false))
        {
            // The credentials were revoked or changed since login: end the session without
            // the UPDATE state, so nothing marked with DELE is removed (RFC 1939 §6).
            tracing::info!(peer = %self.peer, "pop3: credentials revoked; ending the session");
            c.send("-ERR [AUTH] your credentials were changed or revoked; log in again").await?;
            return Ok(Next::Quit);
        }
        match (&mut self.state, cmd) {
            (_, Command::Capa) => {
                c.send("+OK capability list follows").await?;
                c.send_body(self.capabilities().as_bytes()).await?;
            }
            (_, Command::Quit) => return self.quit(c).await.map(|()| Next::Quit),
            (State::Authorization { .. }, Command::Stls) => {
                if self.tls || self.pop3.tls.is_none() {
                    c.send("-ERR STLS not available").await?;
                } else {
                    c.send("+OK begin TLS negotiation").await?;
                    return Ok(Next::StartTls);
                }
            }
            (State::Authorization { .. }, cmd @ (Command::User(_) | Command::Pass(_) | Command::Auth { .. })) => {
                return self.authorization(c, cmd).await;
            }
            (State::Authorization { .. }, _) => c.send("-ERR log in first").await?,
            (State::Transaction(drop), cmd) => transaction(c, &self.pop3, drop, cmd).await?,
        }
        Ok(Next::Continue)
    }

    fn capabilities(&self) -> String {
        let mut caps =
            String::from("USER\r\nUIDL\r\nTOP\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\nEXPIRE NEVER\r\n");
        if self.may_authenticate() {
            caps.push_str("SASL PLAIN\r\n");
        }
        if !self.tls && self.pop3.tls.is_some() {
            caps.push_str("STLS\r\n");
        }
        caps.push_str("IMPLEMENTATION Relais\r\n");
        caps
    }

    fn may_authenticate(&self) -> bool {
        relais_sasl::plaintext_allowed(self.tls, self.pop3.config.plaintext_auth_on_loopback, self.peer.ip())
    }

    async fn authorization<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        c: &mut Conn<S>,
        cmd: Command,
    ) -> std::io::Result<Next> {
        if !self.may_authenticate() {
            c.send("-ERR [AUTH] use STLS first: no passwords over plain text").await?;
            return Ok(Next::Continue);
        }
        let (user, password) = match cmd {
            Command::User(name) => {
                self.state = State::Authorization { user: Some(name), failures: self.failures() };
                c.send("+OK send PASS").await?;
                return Ok(Next::Continue);
            }
            Command::Pass(password) => match &self.state {
                State::Authorization { user: Some(u), .. } => (u.clone(), password),
                _ => {
                    c.send("-ERR send USER first").await?;
                    return Ok(Next::Continue);
                }
            },
            Command::Auth { mechanism, initial } if mechanism == "PLAIN" => {
                let response = match initial {
                    Some(i) => i,
                    None => {
                        c.send("+ ").await?;
                        match c.line().await? {
                            Some(Ok(l)) => l,
                            _ => return Ok(Next::Quit),
                        }
                    }
                };
                match decode_plain(&response) {
                    Some(pair) => pair,
                    None => {
                        c.send("-ERR malformed SASL response").await?;
                        return Ok(Next::Continue);
                    }
                }
            }
            _ => {
                c.send("-ERR unsupported mechanism; use PLAIN").await?;
                return Ok(Next::Continue);
            }
        };
        self.login(c, user, password).await
    }

    fn failures(&self) -> u32 {
        match &self.state {
            State::Authorization { failures, .. } => *failures,
            State::Transaction(_) => 0,
        }
    }

    async fn login<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        c: &mut Conn<S>,
        user: String,
        password: String,
    ) -> std::io::Result<Next> {
        let creds = Credentials { username: user, password, remote: Some(self.peer.ip()) };
        let principal = match self.pop3.directory.authenticate(&creds).await {
            Ok(p) => p,
            Err(e) => {
                let failures = self.failures() + 1;
                self.state = State::Authorization { user: None, failures };
                let text = match e {
                    AuthError::Throttled { .. } => "-ERR [SYS/TEMP] too many failed logins; try later",
                    AuthError::Unavailable(_) => "-ERR [SYS/TEMP] authentication unavailable",
                    AuthError::Failed => "-ERR [AUTH] authentication failed",
                };
                c.send(text).await?;
                return Ok(if failures >= self.pop3.config.max_auth_failures { Next::Quit } else { Next::Continue });
            }
        };
        match self.open(principal).await {
            Ok(drop) => {
                let (n, size) = (drop.messages.len(), drop.messages.iter().map(|m| m.size).sum::<u64>());
                self.state = State::Transaction(drop);
                c.send(&format!("+OK maildrop has {n} messages ({size} octets)")).await?;
            }
            Err(text) => {
                self.state = State::Authorization { user: None, failures: self.failures() };
                c.send(text).await?;
            }
        }
        Ok(Next::Continue)
    }

    /// Locks the maildrop and takes its snapshot.
    async fn open(&self, p: Principal) -> Result<Maildrop, &'static str> {
        let lock = self.pop3.lock(p.id).ok_or("-ERR [IN-USE] the maildrop is open in another session")?;
        let id = p.id;
        let store = self.pop3.directory.store();
        let inbox = store
            .read(move |r| r.mailbox_by_role(id, relais_store::MailboxRole::Inbox))
            .await
            .map_err(|_| "-ERR [SYS/TEMP] cannot open the maildrop")?
            .ok_or("-ERR [SYS/PERM] no INBOX")?;
        let mailbox = inbox.id;
        let messages = store
            .read(move |r| r.mailbox_messages(mailbox))
            .await
            .map_err(|_| "-ERR [SYS/TEMP] cannot open the maildrop")?;
        let deleted = vec![false; messages.len()];
        let credential =
            self.pop3.directory.watch_credential(&p).await.map_err(|_| "-ERR [SYS/TEMP] cannot open the maildrop")?;
        let actor = relais_directory::access::Actor::new(id, relais_directory::access::Protocol::Pop3);
        Ok(Maildrop { _lock: lock, mailbox, uid_validity: inbox.uid_validity, messages, deleted, credential, actor })
    }

    /// QUIT: in TRANSACTION state, the UPDATE state (RFC 1939 §6) removes what DELE marked.
    async fn quit<S: AsyncRead + AsyncWrite + Unpin>(&mut self, c: &mut Conn<S>) -> std::io::Result<()> {
        let State::Transaction(drop) = &self.state else {
            return c.send(&format!("+OK {} POP3 server signing off", self.pop3.config.hostname)).await;
        };
        let gone: Vec<_> =
            drop.messages.iter().zip(&drop.deleted).filter(|(_, d)| **d).map(|(m, _)| (m.uid, m.item)).collect();
        let (mailbox, n) = (drop.mailbox, gone.len());
        // The one expunge path of the mail domain; a message removed meanwhile by another
        // client is simply not there any more.
        let which = relais_mail::mailbox::Expunge::Messages(gone);
        let result =
            relais_mail::mailbox::expunge(self.pop3.directory.store(), &drop.actor, mailbox, which).await.map(|_| ());
        match result {
            Ok(()) => c.send(&format!("+OK signing off ({n} messages deleted)")).await,
            Err(e) => {
                tracing::warn!(error = %e, "pop3: update failed");
                c.send("-ERR [SYS/TEMP] some deleted messages not removed").await
            }
        }
    }
}

/// RFC 5034 §4 carries SASL PLAIN (RFC 4616); acting as someone else is refused.
fn decode_plain(b64: &str) -> Option<(String, String)> {
    let plain = relais_sasl::Plain::decode(b64.trim().as_bytes()).ok()?;
    (!plain.acts_for_another()).then_some((plain.authcid, plain.password))
}

/// TRANSACTION-state commands (RFC 1939 §5).
async fn transaction<S: AsyncRead + AsyncWrite + Unpin>(
    c: &mut Conn<S>,
    pop3: &Pop3,
    d: &mut Maildrop,
    cmd: Command,
) -> std::io::Result<()> {
    let live = |d: &Maildrop, n: u32| -> Option<usize> {
        let i = usize::try_from(n).ok()?.checked_sub(1)?;
        (i < d.messages.len() && !d.deleted[i]).then_some(i)
    };
    match cmd {
        Command::Stat => {
            let (n, size) = d
                .messages
                .iter()
                .zip(&d.deleted)
                .filter(|(_, x)| !**x)
                .fold((0, 0), |(n, s), (m, _)| (n + 1, s + m.size));
            c.send(&format!("+OK {n} {size}")).await
        }
        Command::List(None) | Command::Uidl(None) => {
            let uidl = matches!(cmd, Command::Uidl(_));
            c.send("+OK").await?;
            let mut body = String::new();
            for (i, m) in d.messages.iter().enumerate().filter(|(i, _)| !d.deleted[*i]) {
                let value = if uidl { unique_id(d.uid_validity, m) } else { m.size.to_string() };
                body.push_str(&format!("{} {value}\r\n", i + 1));
            }
            c.send_body(body.as_bytes()).await
        }
        Command::List(Some(n)) | Command::Uidl(Some(n)) => match live(d, n) {
            Some(i) if matches!(cmd, Command::Uidl(_)) => {
                c.send(&format!("+OK {n} {}", unique_id(d.uid_validity, &d.messages[i]))).await
            }
            Some(i) => c.send(&format!("+OK {n} {}", d.messages[i].size)).await,
            None => c.send("-ERR no such message").await,
        },
        Command::Retr(n) | Command::Top { msg: n, .. } => {
            let Some(i) = live(d, n) else { return c.send("-ERR no such message").await };
            let Some(blob) = d.messages[i].blob.clone() else { return c.send("-ERR message has no content").await };
            let content = match pop3.directory.store().blob(blob).await {
                Ok(b) => b,
                Err(_) => return c.send("-ERR [SYS/TEMP] cannot read the message").await,
            };
            let content = match cmd {
                Command::Top { lines, .. } => top(&content, lines),
                _ => &content[..],
            };
            c.send(&format!("+OK {} octets", d.messages[i].size)).await?;
            c.send_body(content).await
        }
        Command::Dele(n) => match live(d, n) {
            Some(i) => {
                d.deleted[i] = true;
                c.send(&format!("+OK message {n} deleted")).await
            }
            None => c.send("-ERR no such message").await,
        },
        Command::Rset => {
            d.deleted.iter_mut().for_each(|x| *x = false);
            c.send(&format!("+OK maildrop has {} messages", d.messages.len())).await
        }
        Command::Noop => c.send("+OK").await,
        Command::Stls => c.send("-ERR STLS only before login").await,
        _ => c.send("-ERR already logged in").await,
    }
}

/// A unique-id (RFC 1939 §7: printable, 1-70 chars) stable for the message's life in INBOX.
fn unique_id(uid_validity: u32, m: &MailboxMessage) -> String {
    format!("{uid_validity:08x}{:08x}", m.uid.0)
}

/// The header and the first `lines` lines of the body (RFC 1939 §7 TOP).
fn top(content: &[u8], lines: u32) -> &[u8] {
    let header = relais_mail::headers::header_block(content).len();
    let mut end = header;
    for _ in 0..lines {
        match content[end..].iter().position(|b| *b == b'\n') {
            Some(p) => end += p + 1,
            None => return content,
        }
    }
    &content[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_lines() {
        let m = b"A: 1\r\nB: 2\r\n\r\none\r\ntwo\r\nthree\r\n";
        assert_eq!(top(m, 0), b"A: 1\r\nB: 2\r\n\r\n");
        assert_eq!(top(m, 2), b"A: 1\r\nB: 2\r\n\r\none\r\ntwo\r\n");
        assert_eq!(top(m, 10), &m[..]);
        assert_eq!(decode_plain("AGFAYgBwdw=="), Some(("a@b".into(), "pw".into())));
        assert_eq!(decode_plain("eEBiAGFAYgBwdw=="), None, "acting as someone else");
    }
}
