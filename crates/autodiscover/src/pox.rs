//! POX Autodiscover: the request (MS-ASCMD §2.2.2.1, MS-OXDSCLI §2.2.3), the mobilesync answer
//! (MS-ASCMD §2.2.3.15 ff.) and error answers (MS-OXDSCLI §2.2.4.1.1.3, MS-ASCMD §2.2.3.63).
//!
//! ```text
//! <Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006">
//!   <Request>
//!     <EMailAddress>chris@example.com</EMailAddress>
//!     <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006</AcceptableResponseSchema>
//!   </Request>
//! </Autodiscover>
//! ```
//!
//! The body is read by `relais-dav-proto`'s XML reader (strict, no DOCTYPE, bounded); element
//! names are matched by local name whatever their namespace, as clients disagree on it (the
//! outlook and mobilesync request schemas name the same elements).

use relais_dav_proto::{DavXmlError, Limits, XmlElement};

use crate::text::{address, xml};

/// The envelope of every response (MS-OXDSCLI §2.2.4).
pub const NS_RESPONSE: &str = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006";
pub const NS_MOBILESYNC_REQUEST: &str =
    "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006";
pub const NS_MOBILESYNC_RESPONSE: &str =
    "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006";
pub const NS_OUTLOOK_REQUEST: &str = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006";
pub const NS_OUTLOOK_RESPONSE: &str = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";

/// A response schema a client may ask for (`AcceptableResponseSchema`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// ActiveSync clients (MS-ASCMD §2.2.2.1): served.
    MobileSync,
    /// Outlook (MS-OXDSCLI): EWS settings, to be served with EWS; answered with error 601
    /// until then.
    Outlook,
}

impl Schema {
    pub fn response_namespace(self) -> &'static str {
        match self {
            Schema::MobileSync => NS_MOBILESYNC_RESPONSE,
            Schema::Outlook => NS_OUTLOOK_RESPONSE,
        }
    }

    /// Whether this server has a provider for the schema (MS-ASCMD §2.2.3.64: 601 otherwise).
    pub fn served(self) -> bool {
        matches!(self, Schema::MobileSync)
    }

    fn from_response_namespace(ns: &str) -> Option<Schema> {
        [Schema::MobileSync, Schema::Outlook].into_iter().find(|s| s.response_namespace() == ns)
    }

    /// The schema a request in this namespace implies when it names none.
    fn from_request_namespace(ns: &str) -> Option<Schema> {
        match ns {
            NS_MOBILESYNC_REQUEST => Some(Schema::MobileSync),
            NS_OUTLOOK_REQUEST => Some(Schema::Outlook),
            _ => None,
        }
    }
}

/// What `AcceptableResponseSchema` asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestedSchema {
    Known(Schema),
    /// A schema nobody here knows, as sent (answered with 601).
    Unknown(String),
}

/// A parsed POX request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoxRequest {
    /// The address asked about, domain lower-cased.
    pub email: String,
    pub schema: RequestedSchema,
}

/// Why a request body was refused: answered HTTP 400 with error 600 (Invalid Request).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoxError {
    #[error("{0}")]
    Xml(#[from] DavXmlError),
    #[error("empty request body")]
    Empty,
    #[error("the root element is not Autodiscover")]
    WrongRoot,
    #[error("no Request element")]
    NoRequest,
    #[error("no EMailAddress, or not an address")]
    BadAddress,
    #[error("no AcceptableResponseSchema")]
    NoSchema,
}

/// Longest `AcceptableResponseSchema` kept (the known ones are under 100 bytes).
const MAX_SCHEMA_LEN: usize = 512;

/// Parses a POX request body within `limits`; the body's size is the server's to cap.
pub fn parse_request(body: &[u8], limits: &Limits) -> Result<PoxRequest, PoxError> {
    let root = relais_dav_proto::parse_xml(body, limits)?.ok_or(PoxError::Empty)?;
    if root.name.local != "Autodiscover" {
        return Err(PoxError::WrongRoot);
    }
    let request = local_child(&root, "Request").ok_or(PoxError::NoRequest)?;
    let email = local_child(request, "EMailAddress").and_then(|e| address(&e.text())).ok_or(PoxError::BadAddress)?;
    let schema = match local_child(request, "AcceptableResponseSchema") {
        Some(e) => {
            let text = e.text();
            let ns = text.trim();
            match Schema::from_response_namespace(ns) {
                Some(s) => RequestedSchema::Known(s),
                None => RequestedSchema::Unknown(ns.chars().take(MAX_SCHEMA_LEN).collect()),
            }
        }
        // MS-ASCMD §2.2.3.1 requires it; the request's own namespace says what was meant.
        None => RequestedSchema::Known(Schema::from_request_namespace(&root.name.ns).ok_or(PoxError::NoSchema)?),
    };
    Ok(PoxRequest { email, schema })
}

fn local_child<'a>(e: &'a XmlElement, local: &str) -> Option<&'a XmlElement> {
    e.elements().find(|c| c.name.local == local)
}

/// The user an answer describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoxUser<'a> {
    pub display_name: &'a str,
    pub email: &'a str,
}

/// The mobilesync answer (MS-ASCMD §2.2.3.15, §2.2.3.151 Server): one MobileSync server.
pub fn mobilesync_response(user: &PoxUser<'_>, activesync_url: &str) -> String {
    let url = xml(activesync_url);
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <Autodiscover xmlns=\"{NS_RESPONSE}\">\n\
         <Response xmlns=\"{NS_MOBILESYNC_RESPONSE}\">\n\
         <Culture>en:us</Culture>\n\
         <User>\n<DisplayName>{}</DisplayName>\n<EMailAddress>{}</EMailAddress>\n</User>\n\
         <Action>\n<Settings>\n<Server>\n<Type>MobileSync</Type>\n<Url>{url}</Url>\n<Name>{url}</Name>\n\
         </Server>\n</Settings>\n</Action>\n\
         </Response>\n\
         </Autodiscover>\n",
        xml(user.display_name),
        xml(user.email),
    )
}

/// Autodiscover error codes (MS-OXDSCLI §2.2.4.1.1.3.2, MS-ASCMD §2.2.3.64).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// 500: the address cannot be found — also said for an address the user may not act
    /// for, so the answer does not tell whether it exists.
    AddressNotFound,
    /// 600: the request was not understood.
    InvalidRequest,
    /// 601: no provider for the requested response schema.
    SchemaNotServed,
    /// 603: the server failed.
    Internal,
}

impl ErrorCode {
    pub fn code(self) -> u16 {
        match self {
            ErrorCode::AddressNotFound => 500,
            ErrorCode::InvalidRequest => 600,
            ErrorCode::SchemaNotServed => 601,
            ErrorCode::Internal => 603,
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            ErrorCode::AddressNotFound => "The e-mail address cannot be found.",
            ErrorCode::InvalidRequest => "Invalid Request",
            ErrorCode::SchemaNotServed => "Provider is not available for the requested schema",
            ErrorCode::Internal => "Internal server error",
        }
    }
}

/// An error answer. `schema` is the served schema the request asked for, if any: its
/// namespace holds the `Response` (MS-ASCMD §4.2.3); otherwise the envelope's does
/// (MS-OXDSCLI §4.2). `time` is the `Time` attribute (the time of day, `HH:MM:SS`), `id`
/// identifies the failure in the server's log.
pub fn error_response(schema: Option<Schema>, code: ErrorCode, time: &str, id: u32) -> String {
    let ns = schema.filter(|s| s.served()).map_or(NS_RESPONSE, Schema::response_namespace);
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <Autodiscover xmlns=\"{NS_RESPONSE}\">\n\
         <Response xmlns=\"{ns}\">\n\
         <Error Time=\"{}\" Id=\"{id}\">\n\
         <ErrorCode>{}</ErrorCode>\n<Message>{}</Message>\n<DebugData />\n\
         </Error>\n\
         </Response>\n\
         </Autodiscover>\n",
        xml(time).replace('"', "&quot;"),
        code.code(),
        code.message(),
    )
}

#[cfg(test)]
#[path = "pox_tests.rs"]
mod tests;
