//! The one MIME builder for the messages Relais writes itself: delivery status notifications
//! (`dsn`), iMIP invitations, replies and cancellations (groupware), out-of-office replies
//! (`vacation`). Built with mail-builder, so every header is folded and any non-ASCII display
//! name or subject is RFC 2047 encoded (RFC 2047 §5; RFC 5322 §2.2 allows only US-ASCII in a
//! header field), parameters RFC 2231 encoded, and text bodies given a transfer encoding that
//! fits them (RFC 2045 §6). Nobody formats a header by hand.

use std::borrow::Cow;

pub use mail_builder::MessageBuilder;
pub use mail_builder::headers::content_type::ContentType;
pub use mail_builder::mime::{BodyPart, MimePart};

use mail_builder::headers::address::Address;
use mail_builder::headers::message_id::MessageId;
use mail_builder::headers::text::Text;
use mail_parser::MimeHeaders;

use crate::headers;

/// A message from `name <address>` with a fresh Message-ID under `hostname` and the current
/// Date (RFC 5322 §3.6.1, §3.6.4). An empty name leaves the display name out.
pub fn message<'a>(name: &'a str, address: &'a str, hostname: &str) -> MessageBuilder<'a> {
    let from = match name.trim() {
        "" => Address::new_address(None::<&str>, address),
        name => Address::new_address(Some(name), address),
    };
    let id = headers::new_message_id(hostname);
    MessageBuilder::new()
        .from(from)
        .message_id(id.trim_matches(|c| c == '<' || c == '>').to_owned())
        .date(relais_store::now())
}

/// An unstructured header value (RFC 5322 §3.2.5): encoded if it is not ASCII, CR and LF
/// turned to spaces so that no value can start a field of its own.
pub fn text<'a>(value: impl Into<Cow<'a, str>>) -> Text<'a> {
    let value = value.into();
    match value.contains(['\r', '\n']) {
        true => Text::new(value.replace(['\r', '\n'], " ")),
        false => Text::new(value),
    }
}

/// A part whose content is written as it is, with `encoding` (`7bit` or `8bit`) declared: what
/// RFC 2046 §5.2.1 and RFC 3464 §2 ask of message/rfc822 and message/delivery-status parts.
pub fn verbatim<'a>(content_type: ContentType<'a>, content: impl Into<Cow<'a, [u8]>>) -> MimePart<'a> {
    let content = content.into();
    let encoding = if content.is_ascii() { "7bit" } else { "8bit" };
    MimePart::new(content_type, BodyPart::Binary(content)).transfer_encoding(encoding)
}

/// The finished message. Writing to memory cannot fail; an empty result would be a bug.
pub fn finish(builder: MessageBuilder<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    builder.serialize(&mut out);
    out
}

/// The addresses of a list as a client wrote it (`"Ann" <ann@x>, bob@y`), read the way a To
/// field is read; a line break cannot start a field of its own.
fn addresses(list: &str) -> Vec<Address<'static>> {
    // A line break separates addresses as a comma would (a client's list, one a line).
    let field = format!("To: {}\r\n\r\n", list.replace(['\r', '\n'], ", "));
    crate::summary::address_fields(field.as_bytes(), "To")
        .into_iter()
        .flatten()
        .filter_map(|a| {
            let addr = a.addr_spec()?;
            Some(Address::new_address(a.display_name(), addr))
        })
        .collect()
}

/// A draft a client composed field by field (ActiveSync Sync Add into Drafts; JMAP and EWS
/// will too): from the account, to and cc as the client wrote them, a subject and a text or
/// HTML body.
pub fn draft(from: (&str, &str), hostname: &str, to: &str, cc: &str, subject: &str, body: &str, html: bool) -> Vec<u8> {
    let mut b = message(from.0, from.1, hostname).subject(text(subject.to_owned()));
    let (to, cc) = (addresses(to), addresses(cc));
    if !to.is_empty() {
        b = b.to(Address::new_list(to));
    }
    if !cc.is_empty() {
        b = b.cc(Address::new_list(cc));
    }
    b = if html { b.html_body(body.to_owned()) } else { b.text_body(body.to_owned()) };
    finish(b)
}

/// A message a client composed as a whole from its parts (JMAP Email/set create, RFC 8621
/// §4.6): addresses as (display name, address), the texts and the attachments' content.
#[derive(Debug, Clone, Default)]
pub struct Composed {
    pub from: Vec<(Option<String>, String)>,
    pub sender: Vec<(Option<String>, String)>,
    pub to: Vec<(Option<String>, String)>,
    pub cc: Vec<(Option<String>, String)>,
    pub bcc: Vec<(Option<String>, String)>,
    pub reply_to: Vec<(Option<String>, String)>,
    pub subject: Option<String>,
    /// Message ids without `<>`.
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    /// Unix seconds for the Date field; now when `None`.
    pub sent_at: Option<i64>,
    pub text: Option<String>,
    pub html: Option<String>,
    pub attachments: Vec<ComposedPart>,
}

/// An attachment of a [`Composed`] message.
#[derive(Debug, Clone, Default)]
pub struct ComposedPart {
    pub name: Option<String>,
    /// `type/subtype`.
    pub content_type: String,
    pub data: Vec<u8>,
    /// Content-ID without `<>`; with `inline`, a part the HTML refers to.
    pub cid: Option<String>,
    pub inline: bool,
}

/// The MIME message of a [`Composed`] one: headers folded and encoded, a Message-ID under
/// `hostname` when none is given, the texts as multipart/alternative, attachments mixed in.
pub fn composed(c: &Composed, hostname: &str) -> Vec<u8> {
    let list = |l: &[(Option<String>, String)]| -> Address<'static> {
        Address::new_list(
            l.iter()
                .map(|(n, a)| {
                    Address::new_address(n.clone().filter(|n| !n.trim().is_empty()), a.replace(['\r', '\n'], ""))
                })
                .collect(),
        )
    };
    let id = c.message_id.clone().unwrap_or_else(|| headers::new_message_id(hostname));
    let mut b = MessageBuilder::new()
        .message_id(id.trim_matches(|ch| ch == '<' || ch == '>').to_owned())
        .date(c.sent_at.unwrap_or_else(relais_store::now));
    for (field, addrs) in [
        ("From", &c.from),
        ("Sender", &c.sender),
        ("To", &c.to),
        ("Cc", &c.cc),
        ("Bcc", &c.bcc),
        ("Reply-To", &c.reply_to),
    ] {
        if addrs.is_empty() {
            continue;
        }
        let value = list(addrs);
        b = match field {
            "From" => b.from(value),
            "Sender" => b.sender(value),
            "To" => b.to(value),
            "Cc" => b.cc(value),
            "Bcc" => b.bcc(value),
            _ => b.reply_to(value),
        };
    }
    if let Some(subject) = &c.subject {
        b = b.subject(text(subject.clone()));
    }
    let clean =
        |ids: &[String]| -> Vec<String> { ids.iter().map(|i| i.replace(['\r', '\n', ' ', '<', '>'], "")).collect() };
    if !c.in_reply_to.is_empty() {
        b = b.in_reply_to(MessageId::new_list(clean(&c.in_reply_to).into_iter()));
    }
    if !c.references.is_empty() {
        b = b.references(MessageId::new_list(clean(&c.references).into_iter()));
    }
    if let Some(t) = &c.text {
        b = b.text_body(t.clone());
    }
    if let Some(h) = &c.html {
        b = b.html_body(h.clone());
    }
    if c.text.is_none() && c.html.is_none() {
        b = b.text_body(String::new());
    }
    for a in &c.attachments {
        let kind = ContentType::new(a.content_type.clone());
        b = match (&a.cid, a.inline) {
            (Some(cid), true) => b.inline(kind, cid.clone(), a.data.clone()),
            _ => b.attachment(kind, a.name.clone().unwrap_or_else(|| "attachment".into()), a.data.clone()),
        };
    }
    finish(b)
}

/// What a client's short reply or forward is completed with (ActiveSync SmartReply and
/// SmartForward; EWS and JMAP clients send whole messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Smart {
    /// The original's text quoted under the new text.
    Reply,
    /// The original's text under the new text, and its attachments.
    Forward,
}

/// The message a client's `new` one becomes once the `original` is added to it: the new
/// message's addressing and subject, the new text followed by the original's (quoted with `> `
/// for a reply, under a forwarded-message line for a forward; HTML likewise when either has
/// HTML), In-Reply-To and References naming the original, and for a forward the original's
/// attachments. From is the account (the submission checks it like any other).
pub fn smart(kind: Smart, new: &[u8], original: &[u8], from: (&str, &str), hostname: &str) -> Option<Vec<u8>> {
    use mail_parser::{HeaderValue, MessageParser};
    let parser = MessageParser::default();
    let n = parser.parse(new)?;
    let o = parser.parse(original)?;
    let list = |v: Option<&mail_parser::Address<'_>>| -> Vec<Address<'static>> {
        v.map(|a| {
            a.iter()
                .filter_map(|x| Some(Address::new_address(x.name().map(str::to_owned), x.address()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
    };
    let mut b = message(from.0, from.1, hostname).subject(text(n.subject().unwrap_or_default().to_owned()));
    for (field, addrs) in [("To", list(n.to())), ("Cc", list(n.cc())), ("Bcc", list(n.bcc()))] {
        if addrs.is_empty() {
            continue;
        }
        let value = Address::new_list(addrs);
        b = match field {
            "To" => b.to(value),
            "Cc" => b.cc(value),
            _ => b.bcc(value),
        };
    }
    if let Some(id) = o.message_id() {
        let mut refs: Vec<String> = match o.header_values("References").next() {
            Some(HeaderValue::TextList(ids)) => ids.iter().map(|i| i.to_string()).collect(),
            Some(HeaderValue::Text(id)) => vec![id.to_string()],
            _ => Vec::new(),
        };
        refs.push(id.to_owned());
        if kind == Smart::Reply {
            b = b.in_reply_to(id.to_owned());
        }
        b = b.references(refs);
    }
    let who = o.from().and_then(|f| f.first()).map(|a| match (a.name(), a.address()) {
        (Some(n), Some(ad)) => format!("{n} <{ad}>"),
        (None, Some(ad)) => ad.to_owned(),
        (Some(n), None) => n.to_owned(),
        _ => String::new(),
    });
    let when = o.date().map(|d| d.to_rfc822()).unwrap_or_default();
    let new_text = n.body_text(0).map(|t| t.into_owned()).unwrap_or_default();
    let old_text = o.body_text(0).map(|t| t.into_owned()).unwrap_or_default();
    let text_body = match kind {
        Smart::Reply => {
            let quoted: String = old_text.lines().map(|l| format!("> {l}\n")).collect();
            format!("{new_text}\n\nOn {when}, {} wrote:\n{quoted}", who.clone().unwrap_or_default())
        }
        Smart::Forward => format!(
            "{new_text}\n\n-------- Forwarded message --------\nFrom: {}\nDate: {when}\nSubject: {}\n\n{old_text}",
            who.clone().unwrap_or_default(),
            o.subject().unwrap_or_default()
        ),
    };
    b = b.text_body(text_body);
    let has_html =
        |m: &mail_parser::Message<'_>| m.html_body.iter().any(|&i| m.part(i).is_some_and(|p| p.is_text_html()));
    if has_html(&n) || has_html(&o) {
        let new_html = n.body_html(0).map(|t| t.into_owned()).unwrap_or_default();
        let old_html = o.body_html(0).map(|t| t.into_owned()).unwrap_or_default();
        let html = match kind {
            Smart::Reply => format!("{new_html}<br><blockquote type=\"cite\">{old_html}</blockquote>"),
            Smart::Forward => format!("{new_html}<br><hr><p>-------- Forwarded message --------</p>{old_html}"),
        };
        b = b.html_body(html);
    }
    if kind == Smart::Forward {
        for part in o.attachments() {
            let content_type = part.content_type().map_or_else(
                || "application/octet-stream".to_owned(),
                |t| format!("{}/{}", t.c_type, t.c_subtype.as_deref().unwrap_or("octet-stream")),
            );
            let name = part.attachment_name().unwrap_or("attachment").to_owned();
            b = b.attachment(content_type, name, part.contents().to_vec());
        }
    }
    Some(finish(b))
}

#[cfg(test)]
mod tests {

    const ORIGINAL: &[u8] = b"From: Carol <carol@x.test>\r\nTo: ann@y.test\r\nSubject: plans\r\n\
Message-ID: <orig@x.test>\r\nReferences: <root@x.test>\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n\
line one\r\nline two\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=plan.pdf\r\n\
Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n";

    #[test]
    fn smart_reply_quotes_and_threads_smart_forward_carries_attachments() {
        let new = b"To: carol@x.test\r\nSubject: Re: plans\r\n\r\nsounds good\r\n";
        let raw = smart(Smart::Reply, new, ORIGINAL, ("Ann", "ann@y.test"), "h.test").unwrap();
        let m = MessageParser::default().parse(&raw).unwrap();
        let body = m.body_text(0).unwrap();
        assert!(body.starts_with("sounds good"), "{body}");
        assert!(body.contains("> line one") && body.contains("> line two"), "{body}");
        assert_eq!(m.in_reply_to().as_text(), Some("orig@x.test"));
        let refs: Vec<String> = m.references().as_text_list().unwrap().iter().map(|r| r.to_string()).collect();
        assert_eq!(refs, ["root@x.test", "orig@x.test"]);
        assert_eq!(m.attachment_count(), 0);
        assert_eq!(m.from().unwrap().first().unwrap().address(), Some("ann@y.test"));

        let new = b"To: dave@z.test\r\nSubject: Fwd: plans\r\n\r\nsee below\r\n";
        let raw = smart(Smart::Forward, new, ORIGINAL, ("Ann", "ann@y.test"), "h.test").unwrap();
        let m = MessageParser::default().parse(&raw).unwrap();
        let body = m.body_text(0).unwrap();
        assert!(body.contains("see below") && body.contains("Forwarded message") && body.contains("line two"));
        assert_eq!(m.attachment_count(), 1);
        assert_eq!(m.attachment(0).unwrap().attachment_name(), Some("plan.pdf"));
        assert_eq!(m.attachment(0).unwrap().contents(), b"%PDF-");
        assert!(m.in_reply_to().as_text().is_none());
    }

    #[test]
    fn a_draft_reads_its_recipients_as_a_to_field_and_cannot_inject_one() {
        let raw = draft(
            ("Ann Example", "ann@x.test"),
            "h.test",
            "\"Bob B\" <bob@y.test>, carol@z.test\r\nBcc: evil@x.test",
            "",
            "Grüße",
            "hi there",
            false,
        );
        let m = MessageParser::default().parse(&raw).unwrap();
        let to: Vec<_> = m.to().unwrap().iter().filter_map(|a| a.address()).collect();
        assert_eq!(&to[..2], ["bob@y.test", "carol@z.test"]);
        assert_eq!(m.to().unwrap().first().and_then(|a| a.name()), Some("Bob B"));
        assert!(m.bcc().is_none(), "a line break in a field starts no field");
        assert_eq!(m.subject(), Some("Grüße"));
        assert_eq!(m.body_text(0).as_deref().map(str::trim), Some("hi there"));
        assert!(m.cc().is_none());
    }
    use super::*;
    use mail_parser::MessageParser;

    #[test]
    fn non_ascii_headers_are_encoded_and_decode_back() {
        for (name, subject) in [
            ("Zoë Ångström", "Réunion: café ☕"),
            ("", "plain"),
            ("Ann \"the\" O'Neil", "a\r\nBcc: evil@x.test"),
            ("李小龍", "会议"),
        ] {
            let raw = finish(
                message(name, "zoe@example.com", "mail.test")
                    .to("bob@example.com")
                    .subject(text(subject))
                    .text_body("hello"),
            );
            let head = std::str::from_utf8(headers::header_block(&raw)).unwrap();
            assert!(head.is_ascii(), "{head}");
            assert!(!head.contains("\r\nBcc:"), "{head}");
            let parsed = MessageParser::new().parse(&raw).unwrap();
            let from = parsed.from().and_then(|a| a.first()).unwrap();
            assert_eq!(from.name().unwrap_or(""), name);
            assert_eq!(from.address(), Some("zoe@example.com"));
            assert_eq!(parsed.subject(), Some(subject.replace(['\r', '\n'], " ").as_str()));
            assert!(parsed.message_id().is_some_and(|id| id.ends_with("@mail.test")));
            assert!(parsed.date().is_some());
        }
    }

    #[test]
    fn verbatim_parts_are_not_reencoded() {
        let original = b"Subject: x\r\n\r\nb\xc3\xa9\r\n";
        let raw = finish(message("", "a@example.com", "mail.test").body(MimePart::new(
            ContentType::new("multipart/mixed"),
            vec![verbatim(ContentType::new("message/rfc822"), &original[..])],
        )));
        let text = String::from_utf8_lossy(&raw);
        assert!(text.contains("Content-Transfer-Encoding: 8bit\r\n\r\nSubject: x\r\n\r\nbé\r\n"), "{text}");
    }
}

#[cfg(test)]
mod composed_tests {
    use super::*;
    use crate::summary::summarize;

    #[test]
    fn a_composed_message_reads_back() {
        let c = Composed {
            from: vec![(Some("Ann Ö".into()), "ann@example.com".into())],
            to: vec![(None, "bob@example.com".into())],
            subject: Some("Hello\r\nBcc: evil@example.com".into()),
            in_reply_to: vec!["m1@example.com".into()],
            text: Some("hi".into()),
            html: Some("<p>hi</p>".into()),
            attachments: vec![ComposedPart {
                name: Some("a.txt".into()),
                content_type: "text/plain".into(),
                data: b"att".to_vec(),
                ..ComposedPart::default()
            }],
            ..Composed::default()
        };
        let raw = composed(&c, "mail.test");
        let s = summarize(&raw);
        assert_eq!(s.envelope.from[0].addr_spec().as_deref(), Some("ann@example.com"));
        assert_eq!(s.envelope.from[0].display_name().as_deref(), Some("Ann Ö"));
        assert_eq!(s.subject.as_deref(), Some("Hello  Bcc: evil@example.com"));
        assert!(s.envelope.bcc.is_empty(), "no field injected");
        assert_eq!(s.in_reply_to, ["m1@example.com"]);
        assert!(s.has_attachment);
        assert!(s.message_id.as_deref().is_some_and(|m| m.ends_with("@mail.test")));
    }
}
