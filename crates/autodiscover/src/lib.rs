//! Zero-touch client set-up: what a phone, Thunderbird or an Apple device asks to find the
//! server from an address, and the DNS records that lead them here. Pure formatting and
//! parsing: no I/O, no tokio, no store. The binary's HTTP router classifies a request with
//! [`Endpoint::classify`], authenticates where an endpoint says so ([`Endpoint::needs_login`]),
//! looks the user up in the directory, and formats the answer with this crate.
//!
//! - `pox`: Autodiscover "plain old XML" (MS-OXDSCLI, MS-ASCMD §2.2.2.1) — the request parsed
//!   by `relais-dav-proto`'s one XML reader (no DOCTYPE, bounded depth, elements, attributes,
//!   namespaces), the mobilesync answer and error answers; [`Schema`] names every response
//!   schema so EWS's outlook schema can be served later.
//! - `json`: Autodiscover v2 (`autodiscover.json`), the protocol → URL answer.
//! - `autoconfig`: Thunderbird's `config-v1.1.xml`.
//! - `mobileconfig`: an Apple configuration profile (plist XML) per user, without a password.
//! - `zone`: every DNS record a domain should publish, in zone-file syntax.
//! - `endpoint`: which of these a request path names.
//!
//! Invariants (tests and the fuzz target hold them): nothing a peer sends makes this crate
//! panic; every document written is well-formed whatever names and addresses it is handed
//! (text is escaped, characters XML cannot carry are dropped).

mod autoconfig;
mod endpoint;
mod json;
mod mobileconfig;
mod pox;
mod services;
mod text;
mod zone;

pub use autoconfig::autoconfig;
pub use endpoint::{Endpoint, Platform};
pub use json::{JsonAnswer, JsonProtocol, json_answer};
pub use mobileconfig::{MobileConfigUser, mobileconfig, payload_uuid};
pub use pox::{
    ErrorCode, NS_MOBILESYNC_REQUEST, NS_MOBILESYNC_RESPONSE, NS_OUTLOOK_REQUEST, NS_OUTLOOK_RESPONSE, NS_RESPONSE,
    PoxError, PoxRequest, PoxUser, RequestedSchema, Schema, error_response, mobilesync_response, parse_request,
};
pub use relais_dav_proto::Limits as XmlLimits;
pub use services::Services;
pub use zone::{DkimRecord, ZoneRecord, zone_records};

/// The media type of an Apple configuration profile.
pub const MOBILECONFIG_TYPE: &str = "application/x-apple-aspen-config";
