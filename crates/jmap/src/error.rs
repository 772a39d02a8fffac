//! JMAP's errors, typed: request-level problems (RFC 8620 §3.6.1, RFC 7807 problem details),
//! method-level errors (§3.6.2) and per-object set errors (§5.3). Each carries the type the
//! client is sent and a short description; the real cause of a server failure goes to the
//! log, never to the client.

use serde_json::{Value, json};

/// A request-level error: the whole request is refused with an HTTP status and a problem
/// details document (RFC 8620 §3.6.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// `urn:ietf:params:jmap:error:unknownCapability`: `using` names a capability not offered.
    UnknownCapability(String),
    /// `notJSON`: the body is not JSON (or not UTF-8).
    NotJson(String),
    /// `notRequest`: JSON, but not a Request object.
    NotRequest(String),
    /// `limit`: a request limit was passed; names the limit.
    Limit(&'static str),
    /// `serverFail`: the server could not answer (over WebSocket, where no HTTP status says
    /// so); the cause is logged, not sent.
    ServerFail,
}

impl Problem {
    /// The HTTP status and the problem details body.
    pub fn to_json(&self) -> (u16, Value) {
        let (kind, status, detail, limit) = match self {
            Problem::UnknownCapability(c) => {
                ("unknownCapability", 400, format!("the capability {c} is not supported"), None)
            }
            Problem::NotJson(d) => ("notJSON", 400, format!("the request is not JSON: {d}"), None),
            Problem::NotRequest(d) => ("notRequest", 400, format!("the request is not a JMAP request: {d}"), None),
            Problem::Limit(l) => ("limit", 400, format!("the request is over the limit {l}"), Some(*l)),
            Problem::ServerFail => ("serverFail", 500, "the server failed; see its log".to_owned(), None),
        };
        let mut body = json!({
            "type": format!("urn:ietf:params:jmap:error:{kind}"),
            "status": status,
            "detail": detail,
        });
        if let (Some(l), Some(map)) = (limit, body.as_object_mut()) {
            map.insert("limit".into(), Value::String(l.into()));
        }
        (status, body)
    }
}

/// A method-level error (RFC 8620 §3.6.2, RFC 8621 per method): the method's response is
/// `["error", {type, description}, callId]` and the request goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MethodError {
    UnknownMethod(String),
    InvalidArguments(String),
    InvalidResultReference(String),
    AccountNotFound,
    AccountNotSupportedByMethod,
    AccountReadOnly,
    Forbidden(String),
    /// The server failed; the cause is logged, not sent.
    ServerFail,
    ServerUnavailable,
    RequestTooLarge,
    StateMismatch,
    CannotCalculateChanges,
    AnchorNotFound,
    UnsupportedFilter(String),
    UnsupportedSort(String),
    FromAccountNotFound,
    TooManyChanges,
    /// A method's own (draft-ietf-jmap-calendars, Principal/getAvailability): no such
    /// object the user sees.
    NotFound,
    /// A method's own (draft-ietf-jmap-calendars, Principal/getAvailability): the range asked is too long.
    TooLarge,
}

impl MethodError {
    pub fn kind(&self) -> &'static str {
        match self {
            MethodError::UnknownMethod(_) => "unknownMethod",
            MethodError::InvalidArguments(_) => "invalidArguments",
            MethodError::InvalidResultReference(_) => "invalidResultReference",
            MethodError::AccountNotFound => "accountNotFound",
            MethodError::AccountNotSupportedByMethod => "accountNotSupportedByMethod",
            MethodError::AccountReadOnly => "accountReadOnly",
            MethodError::Forbidden(_) => "forbidden",
            MethodError::ServerFail => "serverFail",
            MethodError::ServerUnavailable => "serverUnavailable",
            MethodError::RequestTooLarge => "requestTooLarge",
            MethodError::StateMismatch => "stateMismatch",
            MethodError::CannotCalculateChanges => "cannotCalculateChanges",
            MethodError::AnchorNotFound => "anchorNotFound",
            MethodError::UnsupportedFilter(_) => "unsupportedFilter",
            MethodError::UnsupportedSort(_) => "unsupportedSort",
            MethodError::FromAccountNotFound => "fromAccountNotFound",
            MethodError::TooManyChanges => "tooManyChanges",
            MethodError::NotFound => "notFound",
            MethodError::TooLarge => "tooLarge",
        }
    }

    fn description(&self) -> Option<String> {
        match self {
            MethodError::UnknownMethod(m) => Some(format!("unknown method {m}")),
            MethodError::InvalidArguments(d)
            | MethodError::InvalidResultReference(d)
            | MethodError::Forbidden(d)
            | MethodError::UnsupportedFilter(d)
            | MethodError::UnsupportedSort(d) => Some(d.clone()),
            _ => None,
        }
    }

    pub fn to_json(&self) -> Value {
        let mut v = json!({ "type": self.kind() });
        if let (Some(d), Some(map)) = (self.description(), v.as_object_mut()) {
            map.insert("description".into(), Value::String(d));
        }
        v
    }

    pub fn invalid(what: impl Into<String>) -> MethodError {
        MethodError::InvalidArguments(what.into())
    }
}

impl From<relais_store::Error> for MethodError {
    fn from(e: relais_store::Error) -> MethodError {
        match e {
            relais_store::Error::ChangesTooOld { .. } => MethodError::CannotCalculateChanges,
            e => {
                tracing::warn!(error = %e, "jmap: store failed");
                MethodError::ServerFail
            }
        }
    }
}

impl From<relais_mail::MailError> for MethodError {
    fn from(e: relais_mail::MailError) -> MethodError {
        match e {
            relais_mail::MailError::Store(e) => e.into(),
            relais_mail::MailError::NoMailbox => MethodError::Forbidden("no such mailbox".into()),
            relais_mail::MailError::NoRight { what, .. } => MethodError::Forbidden(format!("no right for {what}")),
            relais_mail::MailError::Cannot(why) => MethodError::Forbidden(why.into()),
            e => {
                tracing::warn!(error = %e, "jmap: mail domain failed");
                MethodError::ServerFail
            }
        }
    }
}

/// Why one object of a `/set` was not created, updated or destroyed (RFC 8620 §5.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetError {
    pub kind: &'static str,
    pub description: Option<String>,
    pub properties: Vec<String>,
}

impl SetError {
    pub fn new(kind: &'static str, description: impl Into<String>) -> SetError {
        SetError { kind, description: Some(description.into()), properties: Vec::new() }
    }

    pub fn not_found() -> SetError {
        SetError { kind: "notFound", description: None, properties: Vec::new() }
    }

    pub fn forbidden(description: impl Into<String>) -> SetError {
        SetError::new("forbidden", description)
    }

    pub fn invalid(property: &str, description: impl Into<String>) -> SetError {
        SetError { properties: vec![property.to_owned()], ..SetError::new("invalidProperties", description) }
    }

    pub fn to_json(&self) -> Value {
        let mut v = json!({ "type": self.kind });
        if let Some(map) = v.as_object_mut() {
            if let Some(d) = &self.description {
                map.insert("description".into(), Value::String(d.clone()));
            }
            if !self.properties.is_empty() {
                map.insert("properties".into(), json!(self.properties));
            }
        }
        v
    }
}

impl From<relais_mail::MailError> for SetError {
    fn from(e: relais_mail::MailError) -> SetError {
        match e {
            relais_mail::MailError::NoMailbox => SetError::not_found(),
            relais_mail::MailError::NoRight { what, .. } => SetError::forbidden(format!("no right for {what}")),
            relais_mail::MailError::Cannot(why) => SetError::forbidden(why),
            relais_mail::MailError::Store(relais_store::Error::OverQuota) => {
                SetError::new("overQuota", "the account is over its quota")
            }
            relais_mail::MailError::Store(relais_store::Error::Limit(l)) => SetError::forbidden(l),
            relais_mail::MailError::Store(relais_store::Error::AlreadyExists(_)) => {
                SetError::new("alreadyExists", "an object of that name exists")
            }
            e => {
                tracing::warn!(error = %e, "jmap: mail domain failed");
                SetError::new("serverFail", "the server failed; see its log")
            }
        }
    }
}

impl From<relais_groupware::Error> for MethodError {
    fn from(e: relais_groupware::Error) -> MethodError {
        match e {
            relais_groupware::Error::Store(e) => e.into(),
            relais_groupware::Error::NotFound | relais_groupware::Error::Forbidden => {
                MethodError::Forbidden("no such address book or no right".into())
            }
            e => {
                tracing::warn!(error = %e, "jmap: groupware domain failed");
                MethodError::ServerFail
            }
        }
    }
}

/// A refused card or address book write (RFC 9610 §2.3, §3.5).
impl From<relais_groupware::Error> for SetError {
    fn from(e: relais_groupware::Error) -> SetError {
        use relais_groupware::Error;
        match e {
            Error::NotFound => SetError::not_found(),
            Error::Forbidden => SetError::forbidden("no right for this on the address book"),
            Error::PreconditionFailed => SetError::new("stateMismatch", "the object changed meanwhile; read it again"),
            Error::Invalid(i) => SetError::new("invalidProperties", i.message),
            Error::UidConflict { .. } => SetError::invalid("uid", "another object of the collection has this uid"),
            Error::AlreadyExists => SetError::new("alreadyExists", "an object of that name exists"),
            Error::Conflict(why) => SetError::forbidden(why),
            Error::Limit(why) => SetError::forbidden(why),
            Error::OverQuota => SetError::new("overQuota", "the account is over its quota"),
            Error::Store(e) => {
                tracing::warn!(error = %e, "jmap: groupware store failed");
                SetError::new("serverFail", "the server failed; see its log")
            }
        }
    }
}
