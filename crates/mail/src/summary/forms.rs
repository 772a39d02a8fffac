//! What a JMAP Email (RFC 8621 §4.1) reads of a stored message beyond its summary, parsed
//! here so that no front-end parses MIME: the leaf parts with their section paths (JMAP
//! partIds), the text/HTML/attachment lists of §4.1.4 (the same walk that computed
//! `hasAttachment` and the preview at delivery), a part's decoded text, and header fields in
//! the parsed forms of §4.1.2 (asRaw, asText, asAddresses, asMessageIds, asDate, asURLs).

use super::{EnvAddress, Part, address, header, text};

/// The parts that are not multipart, each with its IMAP section path (RFC 9051 §6.4.5): a
/// non-multipart message's body is `[1]`. Encapsulated messages are leaves (JMAP does not
/// descend into them). At most `limit` parts.
pub fn leaves(root: &Part, limit: usize) -> Vec<(Vec<u32>, &Part)> {
    let mut out = Vec::new();
    if !root.is_multipart() {
        out.push((vec![1], root));
        return out;
    }
    // An explicit stack, children pushed in reverse, so document order without recursion.
    let mut stack: Vec<(Vec<u32>, &Part)> = vec![(Vec::new(), root)];
    while let Some((path, part)) = stack.pop() {
        if out.len() >= limit {
            break;
        }
        if part.is_multipart() {
            for (i, child) in part.parts.iter().enumerate().rev() {
                let mut p = path.clone();
                p.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
                stack.push((p, child));
            }
        } else {
            out.push((path, part));
        }
    }
    out
}

/// The section path of `part` (found by identity) among `leaves`.
pub fn path_of<'p>(leaves: &'p [(Vec<u32>, &Part)], part: &Part) -> Option<&'p [u32]> {
    leaves.iter().find(|(_, p)| std::ptr::eq(*p, part)).map(|(path, _)| path.as_slice())
}

/// RFC 8621 §4.1.4's textBody, htmlBody and attachments of a message.
pub struct BodyLists<'p> {
    pub text: Vec<&'p Part>,
    pub html: Vec<&'p Part>,
    pub attachments: Vec<&'p Part>,
}

pub fn body_lists(root: &Part) -> BodyLists<'_> {
    let b = text::Bodies::of(root);
    BodyLists { text: b.text, html: b.html, attachments: b.attachments }
}

/// A part's content as text (transfer encoding and charset undone; HTML kept as HTML), from at
/// most `limit` raw octets, and whether that limit cut it.
pub fn part_text(raw: &[u8], part: &Part, limit: usize) -> (String, bool) {
    let cut = part.body_bytes(raw).len() > limit;
    (text::decoded_text(raw, part, limit), cut)
}

/// The header fields of a part's header (`part.header_bytes(raw)`), in order: the name as
/// written and the raw value (after the colon, folding kept).
pub fn fields(header_bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    header::Fields::parse(header_bytes)
        .iter()
        .map(|(name, value)| (header::text_of(name).into_owned(), value.to_vec()))
        .collect()
}

/// asRaw: the value as it is, as text.
pub fn as_raw(value: &[u8]) -> String {
    header::text_of(value).into_owned()
}

/// asText: unfolded, RFC 2047 words decoded, surrounding white space trimmed.
pub fn as_text(value: &[u8]) -> String {
    header::decode_words(value).trim().to_owned()
}

/// asAddresses: the addresses of an address-list value, groups flattened.
pub fn as_addresses(value: &[u8]) -> Vec<EnvAddress> {
    address::parse_list(&header::unfold(value))
}

/// asMessageIds: the ids without `<>`, or `None` when the value holds none.
pub fn as_message_ids(value: &[u8]) -> Option<Vec<String>> {
    let ids = header::message_ids(value);
    (!ids.is_empty()).then_some(ids)
}

/// asDate: unix seconds, or `None` when not a valid date.
pub fn as_date(value: &[u8]) -> Option<i64> {
    header::date(value)
}

/// asURLs (RFC 2369 List-* fields): the `<…>` URLs of a comma-separated list, or `None`.
pub fn as_urls(value: &[u8]) -> Option<Vec<String>> {
    let text = header::unfold(value);
    let urls: Vec<String> = text
        .split(',')
        .filter_map(|item| {
            let item = item.trim();
            let start = item.find('<')?;
            let end = item[start..].find('>')? + start;
            Some(item[start + 1..end].trim().to_owned())
        })
        .collect();
    (!urls.is_empty()).then_some(urls)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::summarize;

    const MIXED: &[u8] = b"From: A <a@example.com>\r\nTo: b@example.com, \"C D\" <c@example.com>\r\n\
Subject: =?UTF-8?Q?caf=C3=A9?=\r\nList-Post: <mailto:l@example.com>, <https://example.com/x>\r\n\
Message-ID: <m1@example.com>\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\n\
Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=E9\r\n--b\r\nContent-Type: application/pdf; name=x.pdf\r\n\
Content-Disposition: attachment; filename=x.pdf\r\n\r\nPDF\r\n--b--\r\n";

    #[test]
    fn leaves_and_lists() {
        let s = summarize(MIXED);
        let found = leaves(&s.structure, 100);
        let paths: Vec<Vec<u32>> = found.iter().map(|(p, _)| p.clone()).collect();
        assert_eq!(paths, vec![vec![1], vec![2]]);
        let lists = body_lists(&s.structure);
        assert_eq!(lists.text.len(), 1);
        assert_eq!(path_of(&found, lists.text[0]), Some(&[1u32][..]));
        assert_eq!(path_of(&found, lists.attachments[0]), Some(&[2u32][..]));
        assert_eq!(part_text(MIXED, lists.text[0], 1000), ("café".to_owned(), false));
        let single = summarize(b"Subject: x\r\n\r\nhello\r\n");
        assert_eq!(leaves(&single.structure, 10)[0].0, vec![1]);
    }

    #[test]
    fn header_forms() {
        let s = summarize(MIXED);
        let fields = fields(s.structure.header_bytes(MIXED));
        let get =
            |name: &str| fields.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone()).unwrap();
        assert_eq!(as_text(&get("subject")), "café");
        assert_eq!(as_raw(&get("subject")), " =?UTF-8?Q?caf=C3=A9?=");
        let to = as_addresses(&get("to"));
        assert_eq!(to.len(), 2);
        assert_eq!(to[1].display_name().as_deref(), Some("C D"));
        assert_eq!(as_message_ids(&get("message-id")), Some(vec!["m1@example.com".to_owned()]));
        assert_eq!(as_date(&get("date")), Some(1_796_119_200));
        assert_eq!(
            as_urls(&get("list-post")),
            Some(vec!["mailto:l@example.com".to_owned(), "https://example.com/x".to_owned()])
        );
        assert_eq!(as_urls(b" none"), None);
    }
}
