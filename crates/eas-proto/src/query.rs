//! The request's query value, MS-ASHTTP §2.2.1.1.1: plain text or base64-encoded.
//!
//! Plain text (§2.2.1.1.1.2):
//! ```text
//! plain-text-query = command-spec '&' user-spec '&' device-id-spec '&' device-type-spec
//!                    *('&' parameter-spec)
//! command-spec = "Cmd=" command-name        device-id = 1*32(ALPHA / DIGIT)
//! ```
//! with percent-encoded values; the protocol version and policy key travel in the
//! `MS-ASProtocolVersion` and `X-MS-PolicyKey` headers.
//!
//! Base64 (§2.2.1.1.1.1), 12.1 and later: the base64 of
//! ```text
//! version(1) command(1) locale(2, LE) id-len(1) id key-len(1: 0 or 4) [key(4, LE)]
//! type-len(1) type  *( tag(1) len(1) value )
//! ```
//! e.g. `jAAJBAp2MTQwRGV2aWNlAApTbWFydFBob25l` is 14.0, Sync, locale 0x0409, device
//! `v140Device`, no policy key, type `SmartPhone`.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use thiserror::Error;

use crate::{Command, ProtocolVersion};

/// The longest query accepted, in bytes (a base64 query with every parameter at its longest
/// stays under 1,500).
pub const MAX_QUERY: usize = 2048;
/// The longest device type, user or command parameter value accepted.
const MAX_VALUE: usize = 255;
const MAX_DEVICE_ID: usize = 32;

const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_encode_padding(true).with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A request's query, whichever form it came in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    pub command: Command,
    /// The user the URI names: informational only, the credentials say who is asking.
    pub user: Option<String>,
    /// 1–32 ASCII letters and digits (a binary id of the base64 form in lower-case hex).
    pub device_id: String,
    /// 1–255 visible ASCII characters.
    pub device_type: String,
    /// The base64 form's version (a plain query's is in `MS-ASProtocolVersion`).
    pub version: Option<ProtocolVersion>,
    /// The base64 form's locale, a Windows LCID (0x0409 is en-US).
    pub locale: Option<u16>,
    /// The base64 form's policy key (a plain query's is in `X-MS-PolicyKey`).
    pub policy_key: Option<u32>,
    pub params: QueryParams,
    /// Whether the query was base64-encoded.
    pub base64: bool,
}

/// The command parameters (MS-ASHTTP §2.2.1.1.1.2.5 and §2.2.1.1.1.1.3).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueryParams {
    /// GetAttachment: the attachment's file reference.
    pub attachment_name: Option<String>,
    /// SmartForward, SmartReply (2.5–12.1): the source message's folder.
    pub collection_id: Option<String>,
    pub item_id: Option<String>,
    pub long_id: Option<String>,
    pub occurrence: Option<String>,
    /// `SaveInSent=T`, or the Options flag 0x01.
    pub save_in_sent: bool,
    /// The Options flag 0x02 (the plain form's is the `MS-ASAcceptMultiPart` header).
    pub accept_multipart: bool,
}

/// Why a query is not an ActiveSync query; the server answers 400.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum QueryError {
    #[error("query of {0} bytes is too long")]
    TooLong(usize),
    #[error("empty query")]
    Empty,
    #[error("malformed percent-encoding")]
    PercentEncoding,
    #[error("query parameter {0} is missing")]
    Missing(&'static str),
    #[error("query parameter {0} appears twice")]
    Duplicate(&'static str),
    #[error("query parameter {0} has an invalid value")]
    Invalid(&'static str),
    #[error("unknown command {0:?}")]
    UnknownCommand(String),
    #[error("unknown command code {0}")]
    UnknownCommandCode(u8),
    #[error("protocol version byte {0} has no base64 query")]
    Version(u8),
    #[error("query is neither plain text nor base64")]
    Base64,
    #[error("base64 query ends inside its {0}")]
    Truncated(&'static str),
    #[error("policy key of {0} bytes (0 or 4)")]
    PolicyKeyLength(u8),
    #[error("unknown command parameter tag {0}")]
    UnknownParameter(u8),
}

impl Query {
    /// Parses the query value (what follows `?` in the request URI), plain or base64.
    pub fn parse(query: &str) -> Result<Query, QueryError> {
        if query.len() > MAX_QUERY {
            return Err(QueryError::TooLong(query.len()));
        }
        if query.is_empty() {
            return Err(QueryError::Empty);
        }
        if is_plain(query) { parse_plain(query) } else { parse_base64(query) }
    }

    /// The query in the base64 form, for a version that has one and a command with a code
    /// (what a 12.1+ client sends; the tests' client uses it).
    pub fn to_base64(&self) -> Option<String> {
        let version = self.version.filter(|v| v.has_base64_query())?;
        let mut out = vec![version.as_byte(), self.command.code()?];
        out.extend_from_slice(&self.locale.unwrap_or(0).to_le_bytes());
        push_field(&mut out, self.device_id.as_bytes())?;
        match self.policy_key {
            Some(key) => {
                out.push(4);
                out.extend_from_slice(&key.to_le_bytes());
            }
            None => out.push(0),
        }
        push_field(&mut out, self.device_type.as_bytes())?;
        let p = &self.params;
        let strings = [(0, &p.attachment_name), (1, &p.collection_id), (3, &p.item_id), (4, &p.long_id)];
        for (tag, value) in strings.into_iter().chain([(6, &p.occurrence), (8, &self.user)]) {
            if let Some(value) = value {
                out.push(tag);
                push_field(&mut out, value.as_bytes())?;
            }
        }
        let options = u8::from(p.save_in_sent) | u8::from(p.accept_multipart) << 1;
        if options != 0 {
            out.extend_from_slice(&[7, 1, options]);
        }
        Some(BASE64.encode(out))
    }
}

fn push_field(out: &mut Vec<u8>, value: &[u8]) -> Option<()> {
    out.push(u8::try_from(value.len()).ok()?);
    out.extend_from_slice(value);
    Some(())
}

/// A plain query has `&`s between its parameters, or at least starts with `Cmd=`; base64 has
/// neither (its `=` are padding at the end).
fn is_plain(query: &str) -> bool {
    query.contains('&') || query.split_once('=').is_some_and(|(name, _)| name.eq_ignore_ascii_case("Cmd"))
}

/// MS-ASHTTP §2.2.1.1.1.2. Parameter names are matched without regard to case; names this
/// model does not know are ignored (clients add their own); a known one twice is an error.
fn parse_plain(query: &str) -> Result<Query, QueryError> {
    let mut command = None;
    let mut user = None;
    let mut device_id = None;
    let mut device_type = None;
    let mut params = QueryParams::default();
    let mut save_in_sent = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, raw) = pair.split_once('=').ok_or(QueryError::Invalid("name=value"))?;
        let slot = match name.to_ascii_lowercase().as_str() {
            "cmd" => (&mut command, "Cmd"),
            "user" => (&mut user, "User"),
            "deviceid" => (&mut device_id, "DeviceId"),
            "devicetype" => (&mut device_type, "DeviceType"),
            "attachmentname" => (&mut params.attachment_name, "AttachmentName"),
            "collectionid" => (&mut params.collection_id, "CollectionId"),
            "itemid" => (&mut params.item_id, "ItemId"),
            "longid" => (&mut params.long_id, "LongId"),
            "occurrence" => (&mut params.occurrence, "Occurrence"),
            "saveinsent" => (&mut save_in_sent, "SaveInSent"),
            _ => continue,
        };
        let (field, label) = slot;
        if field.is_some() {
            return Err(QueryError::Duplicate(label));
        }
        *field = Some(value(&percent_decode(raw)?, label)?);
    }
    let command = command.ok_or(QueryError::Missing("Cmd"))?;
    let command = Command::from_name(&command).ok_or(QueryError::UnknownCommand(command))?;
    params.save_in_sent = match save_in_sent.as_deref() {
        None | Some("F") => false,
        Some("T") => true,
        Some(_) => return Err(QueryError::Invalid("SaveInSent")),
    };
    Ok(Query {
        command,
        user,
        device_id: device_id_of(device_id.ok_or(QueryError::Missing("DeviceId"))?.as_bytes(), false)?,
        device_type: device_type_of(device_type.ok_or(QueryError::Missing("DeviceType"))?.as_bytes())?,
        version: None,
        locale: None,
        policy_key: None,
        params,
        base64: false,
    })
}

/// MS-ASHTTP §2.2.1.1.1.1. Clients may percent-encode the base64 (`%2B`, `%2F`, `%3D`).
fn parse_base64(query: &str) -> Result<Query, QueryError> {
    let text = percent_decode(query)?;
    let bytes = BASE64.decode(&text).map_err(|_| QueryError::Base64)?;
    let mut r = Fields { bytes: &bytes, pos: 0 };
    let version_byte = r.byte("protocol version")?;
    let version = ProtocolVersion::from_byte(version_byte)
        .filter(|v| v.has_base64_query())
        .ok_or(QueryError::Version(version_byte))?;
    let code = r.byte("command code")?;
    let command = Command::from_code(code).ok_or(QueryError::UnknownCommandCode(code))?;
    let locale = u16::from_le_bytes([r.byte("locale")?, r.byte("locale")?]);
    let device_id = device_id_of(r.field("device id")?, true)?;
    let policy_key = match r.byte("policy key length")? {
        0 => None,
        4 => Some(u32::from_le_bytes(
            r.take(4, "policy key")?.try_into().map_err(|_| QueryError::Truncated("policy key"))?,
        )),
        n => return Err(QueryError::PolicyKeyLength(n)),
    };
    let device_type = device_type_of(r.field("device type")?)?;
    let mut query = Query {
        command,
        user: None,
        device_id,
        device_type,
        version: Some(version),
        locale: Some(locale),
        policy_key,
        params: QueryParams::default(),
        base64: true,
    };
    let mut options = None;
    while !r.done() {
        let tag = r.byte("parameter tag")?;
        let raw = r.field("parameter")?;
        // MS-ASHTTP §2.2.1.1.1.1.3
        let (slot, label) = match tag {
            0 => (&mut query.params.attachment_name, "AttachmentName"),
            1 => (&mut query.params.collection_id, "CollectionId"),
            3 => (&mut query.params.item_id, "ItemId"),
            4 => (&mut query.params.long_id, "LongId"),
            6 => (&mut query.params.occurrence, "Occurrence"),
            8 => (&mut query.user, "User"),
            7 => {
                if options.is_some() {
                    return Err(QueryError::Duplicate("Options"));
                }
                let &[flags] = raw else { return Err(QueryError::Invalid("Options")) };
                options = Some(flags);
                continue;
            }
            other => return Err(QueryError::UnknownParameter(other)),
        };
        if slot.is_some() {
            return Err(QueryError::Duplicate(label));
        }
        *slot = Some(value(raw, label)?);
    }
    let flags = options.unwrap_or(0);
    query.params.save_in_sent = flags & 0x01 != 0;
    query.params.accept_multipart = flags & 0x02 != 0;
    Ok(query)
}

/// The base64 form's bytes, read with every length checked.
struct Fields<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Fields<'a> {
    fn done(&self) -> bool {
        self.pos == self.bytes.len()
    }

    fn byte(&mut self, what: &'static str) -> Result<u8, QueryError> {
        Ok(self.take(1, what)?[0])
    }

    fn take(&mut self, len: usize, what: &'static str) -> Result<&'a [u8], QueryError> {
        let end = self.pos + len;
        let data = self.bytes.get(self.pos..end).ok_or(QueryError::Truncated(what))?;
        self.pos = end;
        Ok(data)
    }

    /// A length byte and that many bytes.
    fn field(&mut self, what: &'static str) -> Result<&'a [u8], QueryError> {
        let len = self.byte(what)?;
        self.take(usize::from(len), what)
    }
}

/// A parameter value: UTF-8, 1–255 bytes, no control characters.
fn value(raw: &[u8], label: &'static str) -> Result<String, QueryError> {
    let text = std::str::from_utf8(raw).map_err(|_| QueryError::Invalid(label))?;
    if text.is_empty() || text.len() > MAX_VALUE || text.chars().any(char::is_control) {
        return Err(QueryError::Invalid(label));
    }
    Ok(text.to_owned())
}

/// MS-ASHTTP §2.2.1.1.1.2.3 `device-id = 1*32(ALPHA / DIGIT)`; in the base64 form (`binary`)
/// an id of up to 16 other bytes (a GUID) is written in hex.
fn device_id_of(raw: &[u8], binary: bool) -> Result<String, QueryError> {
    let alnum = raw.iter().all(u8::is_ascii_alphanumeric);
    match raw.len() {
        1..=MAX_DEVICE_ID if alnum => Ok(String::from_utf8_lossy(raw).into_owned()),
        1..=16 if binary => Ok(raw.iter().map(|b| format!("{b:02x}")).collect()),
        _ => Err(QueryError::Invalid("DeviceId")),
    }
}

/// MS-ASHTTP §2.2.1.1.1.2.4 `device-type = 1*VCHAR`.
fn device_type_of(raw: &[u8]) -> Result<String, QueryError> {
    if raw.is_empty() || raw.len() > MAX_VALUE || !raw.iter().all(u8::is_ascii_graphic) {
        return Err(QueryError::Invalid("DeviceType"));
    }
    Ok(String::from_utf8_lossy(raw).into_owned())
}

/// RFC 3986 §2.1 percent-decoding (`+` stays `+`: this is a URI, not a form).
fn percent_decode(text: &str) -> Result<Vec<u8>, QueryError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or(QueryError::PercentEncoding)?;
            let digit = |b: u8| char::from(b).to_digit(16).ok_or(QueryError::PercentEncoding);
            out.push((digit(hex[0])? << 4 | digit(hex[1])?) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(out)
}
