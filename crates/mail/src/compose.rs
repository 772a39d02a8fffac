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
use mail_builder::headers::text::Text;

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

#[cfg(test)]
mod tests {

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
