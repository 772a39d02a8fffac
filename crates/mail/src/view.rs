//! A stored message's bodies and attachments as the clients that show mail read them
//! (ActiveSync, and JMAP, EWS and the web client as they come): the text and HTML bodies
//! decoded to UTF-8, the attachments with their names, types and decoded sizes, and one
//! attachment's decoded content. Read from the message's content on demand (the summary keeps
//! the structure, not the decoded bodies).

use mail_parser::{MessageParser, MimeHeaders};

/// The bodies of a message, decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bodies {
    /// The text body (an HTML-only message's HTML rendered as text).
    pub text: String,
    /// The HTML body, when the message has one of its own.
    pub html: Option<String>,
    pub attachments: Vec<Attachment>,
}

/// An attachment (or an inline part a client may download).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Its position among the message's attachments, from 0: what names it to `attachment`.
    pub index: u32,
    /// Its file name, or a name made from its type when it has none.
    pub name: String,
    /// `type/subtype`, lower case.
    pub content_type: String,
    /// Octets once decoded.
    pub size: u64,
    /// Content-ID without `<>`.
    pub content_id: Option<String>,
    /// Marked `Content-Disposition: inline`.
    pub inline: bool,
}

fn attachment_of(index: u32, part: &mail_parser::MessagePart<'_>) -> Attachment {
    let content_type = part.content_type().map_or_else(
        || "application/octet-stream".to_owned(),
        |t| format!("{}/{}", t.c_type, t.c_subtype.as_deref().unwrap_or("octet-stream")).to_ascii_lowercase(),
    );
    let name = part.attachment_name().map(str::to_owned).unwrap_or_else(|| {
        let ext = content_type.rsplit('/').next().unwrap_or("bin");
        format!("attachment-{}.{ext}", index + 1)
    });
    Attachment {
        index,
        name,
        content_type,
        size: part.contents().len() as u64,
        content_id: part.content_id().map(|id| id.trim_matches(['<', '>']).to_owned()),
        inline: part.content_disposition().is_some_and(mail_parser::ContentType::is_inline),
    }
}

/// The bodies and attachments of the message `raw`. Content that does not parse as MIME reads
/// as a text body of its own bytes.
pub fn bodies(raw: &[u8]) -> Bodies {
    let Some(message) = MessageParser::default().parse(raw) else {
        return Bodies { text: String::from_utf8_lossy(raw).into_owned(), ..Bodies::default() };
    };
    let text = message.body_text(0).map(|t| t.into_owned()).unwrap_or_default();
    let has_html =
        message.html_body.iter().any(|&i| message.part(i).is_some_and(mail_parser::MessagePart::is_text_html));
    let html = if has_html { message.body_html(0).map(|h| h.into_owned()) } else { None };
    let attachments = (0..message.attachment_count() as u32)
        .filter_map(|i| message.attachment(i).map(|p| attachment_of(i, p)))
        .collect();
    Bodies { text, html, attachments }
}

/// Attachment `index` of the message `raw` and its decoded content.
pub fn attachment(raw: &[u8], index: u32) -> Option<(Attachment, Vec<u8>)> {
    let message = MessageParser::default().parse(raw)?;
    let part = message.attachment(index)?;
    Some((attachment_of(index, part), part.contents().to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIXED: &[u8] = b"From: a@b.c\r\nSubject: s\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\
Content-Type: multipart/alternative; boundary=y\r\n\r\n--y\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
Gr\xc3\xbc\xc3\x9fe\r\n--y\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Gr\xc3\xbc\xc3\x9fe</p>\r\n--y--\r\n\
--x\r\nContent-Type: application/pdf; name=\"r.pdf\"\r\nContent-Disposition: attachment; filename=\"r.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n\
--x\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\nContent-Disposition: inline\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw==\r\n--x--\r\n";

    #[test]
    fn bodies_and_attachments() {
        let b = bodies(MIXED);
        assert_eq!(b.text.trim(), "Grüße");
        assert_eq!(b.html.as_deref().map(str::trim), Some("<p>Grüße</p>"));
        let names: Vec<_> =
            b.attachments.iter().map(|a| (a.name.as_str(), a.content_type.as_str(), a.size, a.inline)).collect();
        assert_eq!(names, [("r.pdf", "application/pdf", 5, false), ("attachment-2.png", "image/png", 4, true)]);
        assert_eq!(b.attachments[1].content_id.as_deref(), Some("logo@x"));
        let (a, content) = attachment(MIXED, 0).unwrap();
        assert_eq!((a.name.as_str(), content.as_slice()), ("r.pdf", b"%PDF-".as_slice()));
        assert!(attachment(MIXED, 2).is_none());
    }

    #[test]
    fn plain_and_html_only() {
        let plain = bodies(b"Subject: x\r\n\r\nhello\r\n");
        assert_eq!((plain.text.trim(), plain.html, plain.attachments.len()), ("hello", None, 0));
        let html = bodies(b"Content-Type: text/html\r\n\r\n<b>bold</b> text\r\n");
        assert!(html.html.is_some());
        assert!(html.text.contains("bold"), "{:?}", html.text);
    }
}
