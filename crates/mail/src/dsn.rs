//! Delivery status notifications (RFC 3464, RFC 3461 §6): a multipart/report to the original
//! sender saying which recipients failed (or are delayed), why, and the original message
//! (or its header when RET=HDRS).

use crate::{compose, headers};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Failed,
    Delayed,
}

/// One recipient's status in the report.
#[derive(Debug, Clone)]
pub struct RecipientStatus {
    pub address: String,
    pub orcpt: Option<String>,
    pub action: Action,
    /// RFC 3463 status code, e.g. `5.1.1`.
    pub status: String,
    /// The remote server's reply or our own reason.
    pub diagnostic: String,
}

pub struct Report<'a> {
    pub hostname: &'a str,
    /// The address the report goes to (the original reverse-path).
    pub to: &'a str,
    pub env_id: Option<&'a str>,
    pub arrival: i64,
    pub recipients: &'a [RecipientStatus],
    pub original: &'a [u8],
    /// RET=FULL: include the whole message; otherwise its header only.
    pub full: bool,
}

/// The report message, ready for `Mailer::deliver` with an empty reverse-path.
pub fn build(r: &Report<'_>) -> Vec<u8> {
    let delayed = r.recipients.iter().all(|s| s.action == Action::Delayed);
    let subject = if delayed { "Delivery delayed" } else { "Undelivered mail returned to sender" };
    let (kind, original) = if r.full {
        ("message/rfc822", r.original)
    } else {
        ("text/rfc822-headers", headers::header_block(r.original))
    };
    // RFC 3462 §1: the human part, the machine part, the original (or its header).
    let report = compose::MimePart::new(
        compose::ContentType::new("multipart/report").attribute("report-type", "delivery-status"),
        vec![
            compose::MimePart::new("text/plain", human_text(r, delayed)),
            compose::verbatim(compose::ContentType::new("message/delivery-status"), machine_text(r).into_bytes()),
            compose::verbatim(compose::ContentType::new(kind), original),
        ],
    );
    compose::finish(
        compose::message("Mail Delivery System", &format!("MAILER-DAEMON@{}", r.hostname), r.hostname)
            .to(r.to)
            .subject(subject)
            // RFC 3834 §5: a report is not answered automatically.
            .header("Auto-Submitted", compose::text("auto-replied"))
            .body(report),
    )
}

fn human_text(r: &Report<'_>, delayed: bool) -> String {
    let mut t = String::new();
    if delayed {
        t.push_str(&format!("This is the mail system at {}.\r\n\r\n", r.hostname));
        t.push_str("Your message has not been delivered yet to the recipients below.\r\n");
        t.push_str("The mail system will keep trying; you need not send it again.\r\n\r\n");
    } else {
        t.push_str(&format!("This is the mail system at {}.\r\n\r\n", r.hostname));
        t.push_str("Your message could not be delivered to the recipients below.\r\n\r\n");
    }
    for s in r.recipients {
        t.push_str(&format!("<{}>: {}\r\n", s.address, one_line(&s.diagnostic)));
    }
    t
}

/// RFC 3464 §2.2 and §2.3 fields.
fn machine_text(r: &Report<'_>) -> String {
    let mut t = format!("Reporting-MTA: dns; {}\r\n", r.hostname);
    if let Some(id) = r.env_id {
        t.push_str(&format!("Original-Envelope-Id: {}\r\n", one_line(id)));
    }
    t.push_str(&format!("Arrival-Date: {}\r\n", headers::rfc5322_date(r.arrival)));
    for s in r.recipients {
        t.push_str("\r\n");
        t.push_str(&format!("Final-Recipient: rfc822; {}\r\n", s.address));
        if let Some(o) = &s.orcpt {
            t.push_str(&format!("Original-Recipient: {}\r\n", one_line(o)));
        }
        let action = match s.action {
            Action::Failed => "failed",
            Action::Delayed => "delayed",
        };
        t.push_str(&format!("Action: {action}\r\nStatus: {}\r\n", s.status));
        t.push_str(&format!("Diagnostic-Code: smtp; {}\r\n", one_line(&s.diagnostic)));
    }
    t
}

fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::MimeHeaders;

    #[test]
    fn report_shape() {
        let statuses = [RecipientStatus {
            address: "bob@remote.test".into(),
            orcpt: Some("rfc822;bob@remote.test".into()),
            action: Action::Failed,
            status: "5.1.1".into(),
            diagnostic: "550 5.1.1 no such user\r\n".into(),
        }];
        let original = b"Subject: hello\r\nFrom: a@local.test\r\n\r\nbody\r\n";
        let r = Report {
            hostname: "mx.local.test",
            to: "a@local.test",
            env_id: Some("ENV1"),
            arrival: 0,
            recipients: &statuses,
            original,
            full: false,
        };
        let raw = build(&r);
        let parsed = mail_parser::MessageParser::new().parse(&raw).unwrap();
        let ct = parsed.content_type().unwrap();
        assert_eq!((ct.ctype(), ct.subtype()), ("multipart", Some("report")));
        assert_eq!(ct.attribute("report-type"), Some("delivery-status"));
        let kinds: Vec<String> = parsed.parts[1..]
            .iter()
            .map(|p| {
                p.content_type().map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or(""))).unwrap_or_default()
            })
            .collect();
        assert_eq!(kinds, ["text/plain", "message/delivery-status", "text/rfc822-headers"]);
        assert_eq!(parsed.subject(), Some("Undelivered mail returned to sender"));
        assert_eq!(parsed.header_raw("Auto-Submitted").map(str::trim), Some("auto-replied"));
        let text = String::from_utf8(raw).unwrap();
        assert!(text.contains("Final-Recipient: rfc822; bob@remote.test\r\nOriginal-Recipient: rfc822;bob@remote.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"));
        assert!(text.contains("Diagnostic-Code: smtp; 550 5.1.1 no such user  \r\n"));
        assert!(text.contains("Original-Envelope-Id: ENV1"));
        assert!(text.contains("text/rfc822-headers\r\nContent-Transfer-Encoding: 7bit\r\n\r\nSubject: hello"));
        assert!(!text.contains("body\r\n\r\n--"), "RET=HDRS leaves the body out");
        assert!(text.ends_with("--\r\n"));
    }
}
