//! Autodiscover v2 (`/autodiscover/autodiscover.json`, MS-OXDSCLI "Autodiscover v2"): given an
//! address and a protocol, the URL of that protocol's endpoint, as
//! `{"Protocol":"ActiveSync","Url":"https://host/Microsoft-Server-ActiveSync"}`; an unknown
//! protocol is answered 400 with `{"ErrorCode":"InvalidProtocol","ErrorMessage":…}`. Anonymous:
//! the answer is the same for every address.

use crate::services::Services;

/// Protocols answered; EWS and REST join with EWS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonProtocol {
    ActiveSync,
    /// The POX endpoint (what Outlook asks for first).
    AutodiscoverV1,
}

impl JsonProtocol {
    const ALL: [JsonProtocol; 2] = [JsonProtocol::ActiveSync, JsonProtocol::AutodiscoverV1];

    pub fn name(self) -> &'static str {
        match self {
            JsonProtocol::ActiveSync => "ActiveSync",
            JsonProtocol::AutodiscoverV1 => "AutodiscoverV1",
        }
    }

    /// By name, without regard to case.
    pub fn parse(name: &str) -> Option<JsonProtocol> {
        JsonProtocol::ALL.into_iter().find(|p| p.name().eq_ignore_ascii_case(name))
    }

    fn url(self, services: &Services) -> String {
        match self {
            JsonProtocol::ActiveSync => services.activesync_url(),
            JsonProtocol::AutodiscoverV1 => services.pox_url(),
        }
    }
}

/// An answer: HTTP status and JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonAnswer {
    pub status: u16,
    pub body: String,
}

/// The answer to a v2 request (`email` already checked to be an address, `None` otherwise).
pub fn json_answer(email: Option<&str>, protocol: Option<&str>, services: &Services) -> JsonAnswer {
    let error = |code: &str, message: String| JsonAnswer {
        status: 400,
        body: serde_json::json!({ "ErrorCode": code, "ErrorMessage": message }).to_string(),
    };
    let requested = protocol.unwrap_or("");
    let Some(protocol) = JsonProtocol::parse(requested) else {
        let supported: Vec<&str> = JsonProtocol::ALL.iter().map(|p| p.name()).collect();
        let shown: String = requested.chars().take(64).collect();
        return error(
            "InvalidProtocol",
            format!("The given protocol value '{shown}' is invalid. Supported values are '{}'", supported.join(",")),
        );
    };
    if email.is_none() {
        return error("InvalidUser", "The given email address is invalid".into());
    }
    JsonAnswer {
        status: 200,
        body: serde_json::json!({ "Protocol": protocol.name(), "Url": protocol.url(services) }).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn services(https: u16) -> Services {
        Services {
            hostname: "mail.example.com".into(),
            imaps: Some(993),
            imap: Some(143),
            pop3s: None,
            pop3: None,
            submissions: Some(465),
            submission: Some(587),
            https,
        }
    }

    /// (email, protocol, HTTPS port, status, body)
    type Case<'a> = (Option<&'a str>, Option<&'a str>, u16, u16, &'a str);

    #[test]
    fn answers() {
        let e = Some("u@example.com");
        let cases: &[Case<'_>] = &[
            (
                e,
                Some("ActiveSync"),
                443,
                200,
                r#"{"Protocol":"ActiveSync","Url":"https://mail.example.com/Microsoft-Server-ActiveSync"}"#,
            ),
            (
                e,
                Some("activesync"),
                8443,
                200,
                r#"{"Protocol":"ActiveSync","Url":"https://mail.example.com:8443/Microsoft-Server-ActiveSync"}"#,
            ),
            (
                e,
                Some("AutodiscoverV1"),
                443,
                200,
                r#"{"Protocol":"AutodiscoverV1","Url":"https://mail.example.com/Autodiscover/Autodiscover.xml"}"#,
            ),
            (
                e,
                Some("Ews"),
                443,
                400,
                r#"{"ErrorCode":"InvalidProtocol","ErrorMessage":"The given protocol value 'Ews' is invalid. Supported values are 'ActiveSync,AutodiscoverV1'"}"#,
            ),
            (
                e,
                None,
                443,
                400,
                r#"{"ErrorCode":"InvalidProtocol","ErrorMessage":"The given protocol value '' is invalid. Supported values are 'ActiveSync,AutodiscoverV1'"}"#,
            ),
            (
                e,
                Some("\"}<x>"),
                443,
                400,
                r#"{"ErrorCode":"InvalidProtocol","ErrorMessage":"The given protocol value '\"}<x>' is invalid. Supported values are 'ActiveSync,AutodiscoverV1'"}"#,
            ),
            (
                None,
                Some("ActiveSync"),
                443,
                400,
                r#"{"ErrorCode":"InvalidUser","ErrorMessage":"The given email address is invalid"}"#,
            ),
        ];
        for (email, protocol, https, status, body) in cases {
            let got = json_answer(*email, *protocol, &services(*https));
            assert_eq!((got.status, got.body.as_str()), (*status, *body), "{protocol:?}");
        }
    }
}
