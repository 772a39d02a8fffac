//! A small IMAP client, enough to read a mailbox tree out of another server (RFC 9051 and
//! RFC 3501 servers alike): connect (implicit TLS, STARTTLS or plain), LOGIN, LIST, EXAMINE
//! (read-only: a migration never changes the source, not even `\Seen`), UID FETCH. Responses
//! are framed and parsed by `relais_imap_proto::client`, bounded by its limits; every read
//! has a timeout.

use std::sync::Arc;
use std::time::Duration;

use relais_imap_proto::client::{ClientLimits, Condition, ServerResponse, Value, frame, parse};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long one response may take to arrive.
const READ_TIMEOUT: Duration = Duration::from_secs(300);

#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    #[error("cannot connect to {0}: {1}")]
    Connect(String, std::io::Error),
    #[error("connection to the source server: {0}")]
    Io(#[from] std::io::Error),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("the source server closed the connection")]
    Closed,
    #[error("the source server did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the source server sent an unreadable response: {0}")]
    Response(#[from] relais_imap_proto::client::ResponseError),
    #[error("the source server refused {command}: {text}")]
    Refused { command: String, text: String },
    #[error("{0}")]
    Protocol(String),
}

type Result<T> = std::result::Result<T, ImapError>;

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Implicit TLS (port 993).
    Tls,
    /// STARTTLS on the plain port (143), required to succeed.
    Starttls,
    /// No TLS at all: only for a server on a trusted network.
    Plain,
}

impl Security {
    pub fn default_port(self) -> u16 {
        if self == Security::Tls { 993 } else { 143 }
    }
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// A folder as LIST shows it.
#[derive(Debug, Clone)]
pub struct Folder {
    /// The name as the server sends it (modified UTF-7 for most), to use in commands.
    pub wire: Vec<u8>,
    /// The name in UTF-8.
    pub name: String,
    pub delimiter: Option<char>,
    /// `\Noselect`, `\HasChildren`, `\Sent`, … as sent.
    pub attributes: Vec<String>,
}

impl Folder {
    pub fn has(&self, attribute: &str) -> bool {
        self.attributes.iter().any(|a| a.eq_ignore_ascii_case(attribute))
    }
}

/// What EXAMINE reports (RFC 9051 §6.3.3).
#[derive(Debug, Clone, Copy)]
pub struct Examined {
    pub uidvalidity: u32,
    pub exists: u32,
    /// HIGHESTMODSEQ (RFC 7162 §3.1.2.1), when the server offers CONDSTORE for the folder.
    pub highest_modseq: Option<u64>,
}

/// One message as UID FETCH returns it.
#[derive(Debug, Clone, Default)]
pub struct Fetched {
    pub uid: u32,
    pub flags: Vec<String>,
    pub internal_date: Option<i64>,
    pub size: u64,
    pub body: Option<Vec<u8>>,
}

/// A command argument: an atom or number as is, or a string sent quoted or as a literal.
pub enum Arg<'a> {
    Atom(&'a str),
    Str(&'a [u8]),
}

/// What a command's answer carried: untagged data, untagged status codes, the tagged code.
#[derive(Default)]
struct Reply {
    data: Vec<Vec<Value>>,
    codes: Vec<Vec<Value>>,
    code: Vec<Value>,
}

/// Whether a string can go quoted: 7-bit, no CR, LF or NUL, not too long.
fn quotable(s: &[u8]) -> bool {
    s.len() < 1000 && s.iter().all(|b| (1..0x80).contains(b) && *b != b'\r' && *b != b'\n')
}

pub struct ImapClient {
    stream: Box<dyn Stream>,
    buf: Vec<u8>,
    tag: u32,
    limits: ClientLimits,
    capabilities: Vec<String>,
}

impl ImapClient {
    /// Connects and reads the greeting; with `Starttls`, upgrades before anything else.
    pub async fn connect(host: &str, port: u16, security: Security, tls: Arc<rustls::ClientConfig>) -> Result<Self> {
        let tcp =
            TcpStream::connect((host, port)).await.map_err(|e| ImapError::Connect(format!("{host}:{port}"), e))?;
        let _ = tcp.set_nodelay(true);
        let stream: Box<dyn Stream> = match security {
            Security::Tls => Box::new(handshake(tcp, host, tls.clone()).await?),
            _ => Box::new(tcp),
        };
        let mut client =
            ImapClient { stream, buf: Vec::new(), tag: 0, limits: ClientLimits::default(), capabilities: Vec::new() };
        match client.read().await? {
            ServerResponse::Status { tag: None, condition: Condition::Ok | Condition::Preauth, code, .. } => {
                client.note_capabilities(&code);
            }
            other => return Err(ImapError::Protocol(format!("unexpected greeting: {other:?}"))),
        }
        if security == Security::Starttls {
            // RFC 9051 §6.2.1: nothing of the plain-text session survives the handshake.
            client.command("STARTTLS", &[]).await?;
            if !client.buf.is_empty() {
                return Err(ImapError::Protocol("data after STARTTLS's answer (injection?)".into()));
            }
            let plain = std::mem::replace(&mut client.stream, Box::new(tokio::io::duplex(1).0));
            client.stream = Box::new(handshake(plain, host, tls).await?);
            client.capabilities.clear();
        }
        Ok(client)
    }

    /// LOGIN (RFC 9051 §6.2.3); refused up front when the server says LOGINDISABLED.
    pub async fn login(&mut self, user: &str, password: &str) -> Result<()> {
        if self.capabilities.is_empty() {
            self.command("CAPABILITY", &[]).await?;
        }
        if self.capabilities.iter().any(|c| c.eq_ignore_ascii_case("LOGINDISABLED")) {
            return Err(ImapError::Protocol(
                "the server refuses LOGIN on this connection: use --tls or --starttls".into(),
            ));
        }
        let reply = self.command("LOGIN", &[Arg::Str(user.as_bytes()), Arg::Str(password.as_bytes())]).await?;
        self.note_capabilities(&reply.code);
        Ok(())
    }

    /// Every folder (`LIST "" "*"`).
    pub async fn list(&mut self) -> Result<Vec<Folder>> {
        let reply = self.command("LIST", &[Arg::Str(b""), Arg::Str(b"*")]).await?;
        let mut out = Vec::new();
        for values in reply.data {
            // mailbox-data = "LIST" SP mailbox-list ; RFC 9051 §7.3.1
            let [Value::Atom(kw), Value::List(attrs), delim, name, ..] = values.as_slice() else { continue };
            if !kw.eq_ignore_ascii_case("LIST") {
                continue;
            }
            let wire = match name {
                Value::String(s) => s.clone(),
                Value::Atom(a) => a.as_bytes().to_vec(),
                _ => continue,
            };
            let delimiter = match delim {
                Value::String(s) if s.len() == 1 => Some(char::from(s[0])),
                _ => None,
            };
            let attributes = attrs.iter().filter_map(|a| a.as_str().map(str::to_owned)).collect();
            out.push(Folder { name: folder_name(&wire), wire, delimiter, attributes });
        }
        Ok(out)
    }

    /// Whether the server offers CONDSTORE (RFC 7162 §3.1).
    pub fn condstore(&self) -> bool {
        self.has("CONDSTORE")
    }

    /// EXAMINE: the folder selected read-only; with the CONDSTORE parameter when the server
    /// offers it (RFC 7162 §3.1.8), so that it reports HIGHESTMODSEQ.
    pub async fn examine(&mut self, folder: &[u8]) -> Result<Examined> {
        let reply = if self.condstore() {
            self.command("EXAMINE", &[Arg::Str(folder), Arg::Atom("(CONDSTORE)")]).await?
        } else {
            self.command("EXAMINE", &[Arg::Str(folder)]).await?
        };
        let mut out = Examined { uidvalidity: 0, exists: 0, highest_modseq: None };
        for values in &reply.data {
            if let [n, Value::Atom(kw)] = values.as_slice()
                && kw.eq_ignore_ascii_case("EXISTS")
            {
                out.exists = n.as_number().and_then(|n| u32::try_from(n).ok()).unwrap_or(0);
            }
        }
        // RFC 9051 §7.1: [UIDVALIDITY n] in an untagged OK; RFC 7162 §3.1.2.1 [HIGHESTMODSEQ n].
        for code in &reply.codes {
            if let [Value::Atom(kw), n] = code.as_slice() {
                if kw.eq_ignore_ascii_case("UIDVALIDITY") {
                    out.uidvalidity = n.as_number().and_then(|n| u32::try_from(n).ok()).unwrap_or(0);
                } else if kw.eq_ignore_ascii_case("HIGHESTMODSEQ") {
                    out.highest_modseq = n.as_number();
                }
            }
        }
        if out.uidvalidity == 0 {
            return Err(ImapError::Protocol("the source server reported no UIDVALIDITY".into()));
        }
        Ok(out)
    }

    /// UID and size of every message with a UID above `after` (`UID FETCH after+1:*`; the
    /// highest message is returned even below it, RFC 9051 §6.4.8, and left out here).
    pub async fn sizes_after(&mut self, after: u32) -> Result<Vec<(u32, u64)>> {
        let range = format!("{}:*", after.saturating_add(1));
        let fetched = self.fetch(&range, "(UID RFC822.SIZE)").await?;
        let mut out: Vec<(u32, u64)> = fetched.into_iter().filter(|f| f.uid > after).map(|f| (f.uid, f.size)).collect();
        out.sort_unstable();
        out.dedup_by_key(|m| m.0);
        Ok(out)
    }

    /// The flags of the messages with UIDs up to `last`; with `changed_since`, only of those
    /// whose flags changed after that modseq (RFC 7162 §3.1.4.1 CHANGEDSINCE).
    pub async fn flags_upto(&mut self, last: u32, changed_since: Option<u64>) -> Result<Vec<(u32, Vec<String>)>> {
        let items = match changed_since {
            Some(m) => format!("(UID FLAGS) (CHANGEDSINCE {m})"),
            None => "(UID FLAGS)".to_owned(),
        };
        let fetched = self.fetch(&format!("1:{last}"), &items).await?;
        Ok(fetched.into_iter().filter(|f| f.uid > 0 && f.uid <= last).map(|f| (f.uid, f.flags)).collect())
    }

    /// Flags, internal date and content of these UIDs (`BODY.PEEK[]`: the source's `\Seen` is
    /// left as it is).
    pub async fn messages(&mut self, uids: &[u32]) -> Result<Vec<Fetched>> {
        let set: Vec<String> = uids.iter().map(u32::to_string).collect();
        let mut out = self.fetch(&set.join(","), "(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])").await?;
        out.retain(|f| uids.contains(&f.uid));
        Ok(out)
    }

    /// Sends a command and reads up to its tagged answer; NO or BAD is an error naming the
    /// command (never its arguments: LOGIN's hold the password).
    async fn command(&mut self, name: &str, args: &[Arg<'_>]) -> Result<Reply> {
        self.tag += 1;
        let tag = format!("M{}", self.tag);
        let mut line = format!("{tag} {name}").into_bytes();
        for arg in args {
            line.push(b' ');
            match arg {
                Arg::Atom(a) => line.extend_from_slice(a.as_bytes()),
                Arg::Str(s) if quotable(s) => {
                    // RFC 9051 §4.3 quoted: only `"` and `\` are escaped.
                    line.push(b'"');
                    for b in s.iter() {
                        if matches!(b, b'"' | b'\\') {
                            line.push(b'\\');
                        }
                        line.push(*b);
                    }
                    line.push(b'"');
                }
                Arg::Str(s) if self.has("LITERAL+") => {
                    // RFC 7888: a non-synchronizing literal needs no continuation.
                    line.extend_from_slice(format!("{{{}+}}\r\n", s.len()).as_bytes());
                    line.extend_from_slice(s);
                }
                Arg::Str(s) => {
                    line.extend_from_slice(format!("{{{}}}\r\n", s.len()).as_bytes());
                    self.send(&std::mem::take(&mut line)).await?;
                    self.await_continuation(name, &tag).await?;
                    line.extend_from_slice(s);
                }
            }
        }
        line.extend_from_slice(b"\r\n");
        self.send(&line).await?;
        self.answer(name, &tag).await
    }

    async fn answer(&mut self, name: &str, tag: &str) -> Result<Reply> {
        let mut reply = Reply::default();
        loop {
            match self.read().await? {
                ServerResponse::Status { tag: Some(t), condition, code, text } if t == tag => {
                    if condition != Condition::Ok {
                        return Err(ImapError::Refused { command: name.to_owned(), text });
                    }
                    reply.code = code;
                    return Ok(reply);
                }
                ServerResponse::Status { tag: None, condition: Condition::Bye, text, .. } if name != "LOGOUT" => {
                    return Err(ImapError::Protocol(format!("the source server closed the session: {text}")));
                }
                ServerResponse::Status { tag: None, code, .. } => {
                    self.note_capabilities(&code);
                    reply.codes.push(code);
                }
                ServerResponse::Data(values) => {
                    if let Some(Value::Atom(kw)) = values.first()
                        && kw.eq_ignore_ascii_case("CAPABILITY")
                    {
                        self.note_capabilities(&values);
                    }
                    reply.data.push(values);
                }
                other => return Err(ImapError::Protocol(format!("unexpected answer to {name}: {other:?}"))),
            }
        }
    }

    async fn await_continuation(&mut self, name: &str, tag: &str) -> Result<()> {
        loop {
            match self.read().await? {
                ServerResponse::Continue(_) => return Ok(()),
                ServerResponse::Status { tag: Some(t), text, .. } if t == tag => {
                    return Err(ImapError::Refused { command: name.to_owned(), text });
                }
                _ => {}
            }
        }
    }

    async fn send(&mut self, bytes: &[u8]) -> Result<()> {
        self.stream.write_all(bytes).await?;
        Ok(self.stream.flush().await?)
    }

    /// The next response, read in whole (literals included) within the limits.
    async fn read(&mut self) -> Result<ServerResponse> {
        loop {
            if let Some(n) = frame(&self.buf, &self.limits)? {
                let response = parse(&self.buf[..n], &self.limits);
                self.buf.drain(..n);
                return Ok(response?);
            }
            let mut chunk = [0u8; 64 * 1024];
            let read = tokio::time::timeout(READ_TIMEOUT, self.stream.read(&mut chunk))
                .await
                .map_err(|_| ImapError::Timeout(READ_TIMEOUT))??;
            if read == 0 {
                return Err(ImapError::Closed);
            }
            self.buf.extend_from_slice(&chunk[..read]);
        }
    }

    fn has(&self, capability: &str) -> bool {
        self.capabilities.iter().any(|c| c.eq_ignore_ascii_case(capability))
    }

    /// Capabilities from a `CAPABILITY` response or response code (RFC 9051 §7.2.2).
    fn note_capabilities(&mut self, values: &[Value]) {
        if let Some(Value::Atom(kw)) = values.first()
            && kw.eq_ignore_ascii_case("CAPABILITY")
        {
            self.capabilities = values[1..].iter().filter_map(|v| v.as_str().map(str::to_owned)).collect();
        }
    }

    pub async fn logout(mut self) {
        let _ = self.command("LOGOUT", &[]).await;
    }

    async fn fetch(&mut self, set: &str, items: &str) -> Result<Vec<Fetched>> {
        let reply = self.command("UID FETCH", &[Arg::Atom(set), Arg::Atom(items)]).await?;
        let mut out = Vec::new();
        for values in reply.data {
            // message-data = nz-number SP "FETCH" SP msg-att ; RFC 9051 §7.5.2
            let [_, Value::Atom(kw), Value::List(atts)] = values.as_slice() else { continue };
            if kw.eq_ignore_ascii_case("FETCH") {
                out.push(fetched(atts));
            }
        }
        Ok(out)
    }
}

/// The attributes of one FETCH response.
fn fetched(atts: &[Value]) -> Fetched {
    let mut f = Fetched::default();
    for pair in atts.chunks(2) {
        let [Value::Atom(name), value] = pair else { continue };
        match name.to_ascii_uppercase().as_str() {
            "UID" => f.uid = value.as_number().and_then(|n| u32::try_from(n).ok()).unwrap_or(0),
            "RFC822.SIZE" => f.size = value.as_number().unwrap_or(0),
            "INTERNALDATE" => f.internal_date = value.as_str().and_then(relais_imap_proto::client::internal_date),
            "FLAGS" => {
                if let Value::List(flags) = value {
                    f.flags = flags.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect();
                }
            }
            "BODY[]" => {
                if let Value::String(s) = value {
                    f.body = Some(s.clone());
                }
            }
            _ => {}
        }
    }
    f
}

/// A folder name in UTF-8: modified UTF-7 decoded (RFC 3501 §5.1.3), else as sent.
fn folder_name(wire: &[u8]) -> String {
    let text = String::from_utf8_lossy(wire);
    relais_imap_proto::decode_mutf7(&text).unwrap_or_else(|| text.into_owned())
}

async fn handshake<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    host: &str,
    tls: Arc<rustls::ClientConfig>,
) -> Result<tokio_rustls::client::TlsStream<S>> {
    let name = rustls::pki_types::ServerName::try_from(host.to_owned()).map_err(|e| ImapError::Tls(e.to_string()))?;
    tokio_rustls::TlsConnector::from(tls).connect(name, stream).await.map_err(|e| ImapError::Tls(e.to_string()))
}
