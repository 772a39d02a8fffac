//! Why a request body was refused. Every variant maps to a 400 Bad Request unless its doc says
//! otherwise; [`DavXmlError::precondition`] names the DAV:error element the RFCs ask for, when
//! there is one.

use crate::qname::{QName, names};

/// A request body that could not be parsed into a typed request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DavXmlError {
    #[error("request body is not valid UTF-8")]
    NotUtf8,
    /// Any `<!DOCTYPE …>`: refusing DTDs rules out external entities and entity expansion bombs.
    #[error("DOCTYPE declarations are not allowed")]
    DocType,
    /// An entity reference other than the five predefined ones or a character reference.
    #[error("undefined entity &{0};")]
    UndefinedEntity(String),
    #[error("undeclared namespace prefix {0:?}")]
    UndeclaredPrefix(String),
    #[error("XML nested deeper than {limit} elements")]
    TooDeep { limit: usize },
    #[error("XML has more than {limit} elements")]
    TooManyElements { limit: usize },
    #[error("an XML element has more than {limit} attributes")]
    TooManyAttributes { limit: usize },
    #[error("XML declares more than {limit} namespaces")]
    TooManyNamespaces { limit: usize },
    /// Not well-formed XML (unbalanced tags, bad syntax, text after the root, …).
    #[error("malformed XML: {0}")]
    Malformed(String),
    /// The body parsed but its root element is not the one the method expects.
    #[error("expected root element {expected}, found {found}")]
    WrongRoot { expected: &'static str, found: QName },
    /// A required element or attribute is missing or has an invalid value.
    #[error("invalid {element}: {reason}")]
    Invalid { element: &'static str, reason: String },
    /// A calendar-query filter that breaks RFC 4791 §9.7: 403 CALDAV:valid-filter (§7.8).
    #[error("invalid filter: {0}")]
    InvalidFilter(String),
    /// An addressbook-query filter that breaks RFC 6352 §10.5: 400 (§8.6 defines no
    /// precondition for a malformed filter, only for unsupported ones).
    #[error("invalid filter: {0}")]
    InvalidCardFilter(String),
    /// A time-range or expand date-time that is not `YYYYMMDDTHHMMSSZ`, or end before start
    /// (RFC 4791 §9.9); answered 403 CALDAV:valid-filter.
    #[error("invalid time range: {0}")]
    InvalidTimeRange(String),
    /// A REPORT this crate does not know: 403 with DAV:supported-report (RFC 3253 §3.6) when the
    /// resource does not offer it.
    #[error("unsupported report {0}")]
    UnknownReport(QName),
}

impl DavXmlError {
    pub(crate) fn invalid(element: &'static str, reason: impl Into<String>) -> DavXmlError {
        DavXmlError::Invalid { element, reason: reason.into() }
    }

    /// The precondition element to put in a 403 `DAV:error` body, if the RFCs define one for
    /// this failure; `None` means a plain 400 Bad Request.
    pub fn precondition(&self) -> Option<QName> {
        match self {
            // RFC 4791 §7.8 / §9.9
            DavXmlError::InvalidFilter(_) | DavXmlError::InvalidTimeRange(_) => Some(names::CALDAV_VALID_FILTER),
            // RFC 3253 §3.6
            DavXmlError::UnknownReport(_) => Some(names::SUPPORTED_REPORT),
            _ => None,
        }
    }

    /// The HTTP status a server should answer with: 403 when a precondition applies, else 400.
    pub fn status(&self) -> u16 {
        if self.precondition().is_some() { 403 } else { 400 }
    }
}
