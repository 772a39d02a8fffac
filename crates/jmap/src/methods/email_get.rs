//! Email/get (RFC 8621 §4.2). Most properties come from the summary stored at delivery
//! (`relais_mail::summary::Summary`: envelope, structure, preview, ids, dates); the content
//! is read only for bodyValues, raw headers and `header:` properties, and parsed by the mail
//! domain (`summary::forms`), never here.
//!
//! ```text
//! ["Email/get", {"accountId": "a1", "ids": ["e7"], "properties": ["subject", "textBody"],
//!                "fetchTextBodyValues": true, "maxBodyValueBytes": 256}, "0"]
//! ```

use relais_mail::summary::{EnvAddress, Part, Summary, forms};
use relais_store::BlobHash;
use serde_json::{Map, Value, json};

use crate::error::MethodError;
use crate::ids;
use crate::methods::args::wanted;
use crate::methods::changes::state;
use crate::methods::email::{Seen, keywords_json, read_seen};
use crate::methods::{Args, Ctx};

pub(crate) const PROPERTIES: [&str; 26] = [
    "id",
    "blobId",
    "threadId",
    "mailboxIds",
    "keywords",
    "size",
    "receivedAt",
    "messageId",
    "inReplyTo",
    "references",
    "sender",
    "from",
    "to",
    "cc",
    "bcc",
    "replyTo",
    "subject",
    "sentAt",
    "hasAttachment",
    "preview",
    "bodyValues",
    "textBody",
    "htmlBody",
    "attachments",
    "headers",
    "bodyStructure",
];

/// The properties answered when the client names none (RFC 8621 §4.2): all but the last two.
const DEFAULTS: &[&str] = PROPERTIES.split_at(24).0;

const BODY_PROPERTIES: [&str; 13] = [
    "partId",
    "blobId",
    "size",
    "name",
    "type",
    "charset",
    "disposition",
    "cid",
    "language",
    "location",
    "headers",
    "subParts",
    "description",
];

const BODY_DEFAULTS: [&str; 10] =
    ["partId", "blobId", "size", "name", "type", "charset", "disposition", "cid", "language", "location"];

/// Deepest body structure answered; deeper parts are left out.
const MAX_PART_DEPTH: usize = 32;
/// Most leaf parts looked at in one message.
const MAX_PARTS: usize = 1000;

/// What a client asked of each message.
pub(crate) struct Want {
    /// The properties answered when the client names none.
    defaults: &'static [&'static str],
    properties: Option<Vec<String>>,
    body_properties: Option<Vec<String>>,
    text_values: bool,
    html_values: bool,
    all_values: bool,
    max_value_bytes: usize,
}

impl Want {
    fn has(&self, p: &str) -> bool {
        wanted(&self.properties, self.defaults, p)
    }

    /// The client's properties, bodyProperties and body value arguments, checked.
    pub(crate) fn read(args: &Args, defaults: &'static [&'static str]) -> Result<Want, MethodError> {
        let properties = args.properties(&PROPERTIES)?;
        let is_bad_header = |p: &&String| p.starts_with("header:") && HeaderProperty::parse(p).is_none();
        if let Some(bad) = properties.iter().flatten().find(is_bad_header) {
            return Err(MethodError::invalid(format!("unknown property {bad}")));
        }
        let body_properties = args.strings("bodyProperties")?;
        let is_bad_body = |p: &&String| !BODY_PROPERTIES.contains(&p.as_str()) && HeaderProperty::parse(p).is_none();
        if let Some(bad) = body_properties.iter().flatten().find(is_bad_body) {
            return Err(MethodError::invalid(format!("unknown body property {bad}")));
        }
        let max_value_bytes =
            args.uint("maxBodyValueBytes")?.map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX));
        if max_value_bytes == 0 {
            return Err(MethodError::invalid("maxBodyValueBytes must be positive"));
        }
        Ok(Want {
            defaults,
            properties,
            body_properties,
            text_values: args.bool("fetchTextBodyValues")?,
            html_values: args.bool("fetchHTMLBodyValues")?,
            all_values: args.bool("fetchAllBodyValues")?,
            max_value_bytes,
        })
    }

    /// Whether the message's content must be read.
    pub(crate) fn needs_content(&self) -> bool {
        let values = self.has("bodyValues") && (self.text_values || self.html_values || self.all_values);
        let headers = self.has("headers")
            || self.properties.iter().flatten().any(|p| p.starts_with("header:"))
            || self.body_properties.iter().flatten().any(|p| p == "headers" || p.starts_with("header:"));
        values || headers
    }
}

pub(crate) async fn get(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.account(ctx).await?;
    let Some(wanted_ids) = args.get_ids(ctx)? else {
        // Every message of an account at once is not offered: ids come from Email/query.
        return Err(MethodError::RequestTooLarge);
    };
    let want = Want::read(&args, DEFAULTS)?;
    let state = state(ctx, account.id).await?;
    let parsed: Vec<_> = wanted_ids.iter().map(|s| ids::parse_email(s)).collect();
    let to_read: Vec<_> = parsed.iter().flatten().copied().collect();
    let mut found = read_seen(ctx, &account, to_read).await?.into_iter();
    let (mut list, mut not_found) = (Vec::new(), Vec::new());
    for (text, id) in wanted_ids.iter().zip(parsed) {
        let seen = if id.is_some() { found.next().flatten() } else { None };
        let Some(seen) = seen else {
            not_found.push(Value::String(text.clone()));
            continue;
        };
        let raw = match (&seen.item.blob, want.needs_content()) {
            (Some(hash), true) => Some(ctx.jmap.store().blob(hash.clone()).await?),
            _ => None,
        };
        let summary = Summary::from_stored(&seen.item.summary);
        let hash = seen.item.blob.clone().unwrap_or_else(|| BlobHash::of(b""));
        list.push(email_json(Some(&seen), &summary, &hash, raw.as_deref(), &want));
    }
    Ok(json!({
        "accountId": ids::account(account.id),
        "state": state,
        "list": list,
        "notFound": not_found,
    }))
}

/// RFC 8620 §1.4 UTCDate.
pub(crate) fn utc_date(unix: i64) -> String {
    relais_civil::rfc3339_utc(unix)
}

/// RFC 8621 §4.1.2.3 EmailAddress list.
pub(crate) fn addresses_json(list: &[EnvAddress]) -> Value {
    let out: Vec<Value> = list
        .iter()
        .filter(|a| a.mailbox.is_some())
        .map(|a| json!({ "name": a.display_name(), "email": a.addr_spec().unwrap_or_default() }))
        .collect();
    Value::Array(out)
}

fn addresses_or_null(list: &[EnvAddress]) -> Value {
    if list.is_empty() { Value::Null } else { addresses_json(list) }
}

fn ids_or_null(list: &[String]) -> Value {
    if list.is_empty() { Value::Null } else { json!(list) }
}

/// One message's Email object: a stored one (`seen`), or content parsed from a blob (Email/parse,
/// whose id, threadId, mailboxIds, keywords and receivedAt are null).
pub(crate) fn email_json(seen: Option<&Seen>, s: &Summary, hash: &BlobHash, raw: Option<&[u8]>, want: &Want) -> Value {
    let env = &s.envelope;
    let mut out = Map::new();
    out.insert("id".into(), seen.map_or(Value::Null, |x| json!(ids::email(x.item.id))));
    let mut put = |name: &str, v: Value| {
        if want.has(name) {
            out.insert(name.into(), v);
        }
    };
    put("blobId", json!(ids::blob(hash)));
    put("size", json!(seen.map_or(s.size, |x| x.item.size)));
    match seen {
        Some(seen) => {
            let item = &seen.item;
            put("threadId", json!(ids::thread(item.thread_id.unwrap_or(item.id.0))));
            let boxes: Map<String, Value> =
                seen.mailboxes.iter().map(|(m, _)| (ids::mailbox(*m), Value::Bool(true))).collect();
            put("mailboxIds", Value::Object(boxes));
            put("keywords", keywords_json(&item.keywords));
            put("receivedAt", json!(utc_date(item.received_at)));
        }
        None => {
            for name in ["threadId", "mailboxIds", "keywords", "receivedAt"] {
                put(name, Value::Null);
            }
        }
    }
    put("messageId", s.message_id.as_ref().map_or(Value::Null, |m| json!([m])));
    put("inReplyTo", ids_or_null(&s.in_reply_to));
    put("references", ids_or_null(&s.references));
    put("sender", addresses_or_null(&env.sender));
    put("from", addresses_or_null(&env.from));
    put("to", addresses_or_null(&env.to));
    put("cc", addresses_or_null(&env.cc));
    put("bcc", addresses_or_null(&env.bcc));
    put("replyTo", addresses_or_null(&env.reply_to));
    put("subject", json!(s.subject));
    put("sentAt", json!(s.sent_at.map(utc_date)));
    put("hasAttachment", json!(s.has_attachment));
    put("preview", json!(s.preview));
    let parts = Parts { hash, raw, want, leaves: forms::leaves(&s.structure, MAX_PARTS) };
    let lists = forms::body_lists(&s.structure);
    put("bodyStructure", parts.structure(&s.structure, &[], 0));
    put("textBody", Value::Array(lists.text.iter().map(|p| parts.leaf(p)).collect()));
    put("htmlBody", Value::Array(lists.html.iter().map(|p| parts.leaf(p)).collect()));
    put("attachments", Value::Array(lists.attachments.iter().map(|p| parts.leaf(p)).collect()));
    put("bodyValues", parts.values(&lists));
    if let Some(raw) = raw {
        let header = s.structure.header_bytes(raw);
        put("headers", headers_json(header));
        for p in want.properties.iter().flatten().filter(|p| p.starts_with("header:")) {
            if let Some(h) = HeaderProperty::parse(p) {
                out.insert(p.clone(), h.value(header));
            }
        }
    }
    Value::Object(out)
}

/// Body parts as EmailBodyPart objects (RFC 8621 §4.1.4).
struct Parts<'a> {
    hash: &'a BlobHash,
    raw: Option<&'a [u8]>,
    want: &'a Want,
    leaves: Vec<(Vec<u32>, &'a Part)>,
}

impl Parts<'_> {
    fn has(&self, p: &str) -> bool {
        wanted(&self.want.body_properties, &BODY_DEFAULTS, p)
    }

    fn part_id(path: &[u32]) -> String {
        path.iter().map(u32::to_string).collect::<Vec<_>>().join(".")
    }

    fn leaf(&self, part: &Part) -> Value {
        let path = forms::path_of(&self.leaves, part).unwrap_or(&[]).to_vec();
        self.part(part, &path, None)
    }

    /// The tree under `part` (at section `path`); multiparts carry subParts.
    fn structure(&self, part: &Part, path: &[u32], depth: usize) -> Value {
        if !part.is_multipart() {
            let path = if path.is_empty() { vec![1] } else { path.to_vec() };
            return self.part(part, &path, None);
        }
        let subs: Vec<Value> = if depth >= MAX_PART_DEPTH {
            Vec::new()
        } else {
            (part.parts.iter().enumerate())
                .map(|(i, child)| {
                    let mut p = path.to_vec();
                    p.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
                    self.structure(child, &p, depth + 1)
                })
                .collect()
        };
        self.part(part, path, Some(subs))
    }

    fn part(&self, part: &Part, path: &[u32], subs: Option<Vec<Value>>) -> Value {
        let multipart = part.is_multipart();
        let mut out = Map::new();
        let mut put = |name: &str, v: Value| {
            if self.has(name) {
                out.insert(name.into(), v);
            }
        };
        put("partId", if multipart { Value::Null } else { json!(Self::part_id(path)) });
        put("blobId", if multipart { Value::Null } else { json!(ids::part_blob(self.hash, path)) });
        put("size", json!(if multipart { 0 } else { decoded_size(part) }));
        put("name", json!(part.file_name()));
        put("type", json!(format!("{}/{}", part.content_type, part.content_subtype)));
        let charset = part
            .param("charset")
            .map(str::to_owned)
            .or_else(|| (part.content_type == "text").then(|| "us-ascii".into()));
        put("charset", json!(charset));
        put("disposition", json!(part.disposition_type()));
        put("cid", json!(part.id.as_deref().map(|c| c.trim().trim_matches(['<', '>']))));
        put("language", if part.language.is_empty() { Value::Null } else { json!(part.language) });
        put("location", json!(part.location));
        put("description", json!(part.description));
        if let Some(raw) = self.raw {
            put("headers", headers_json(part.header_bytes(raw)));
        }
        // A multipart's subParts come whatever bodyProperties says (RFC 8621 §4.2's example).
        if let Some(subs) = subs {
            out.insert("subParts".into(), Value::Array(subs));
        }
        if let Some(raw) = self.raw {
            for p in self.want.body_properties.iter().flatten().filter(|p| p.starts_with("header:")) {
                if let Some(h) = HeaderProperty::parse(p) {
                    out.insert(p.clone(), h.value(part.header_bytes(raw)));
                }
            }
        }
        Value::Object(out)
    }

    /// bodyValues of the text parts asked for (RFC 8621 §4.1.4 EmailBodyValue).
    fn values(&self, lists: &forms::BodyLists<'_>) -> Value {
        let Some(raw) = self.raw else { return json!({}) };
        let w = self.want;
        let mut chosen: Vec<&Part> = Vec::new();
        if w.text_values || w.all_values {
            chosen.extend(&lists.text);
        }
        if w.html_values || w.all_values {
            chosen.extend(&lists.html);
        }
        if w.all_values {
            chosen.extend(lists.attachments.iter().filter(|p| p.content_type == "text"));
        }
        let mut out = Map::new();
        for part in chosen.into_iter().filter(|p| p.content_type == "text") {
            let Some(path) = forms::path_of(&self.leaves, part) else { continue };
            let id = Self::part_id(path);
            if out.contains_key(&id) {
                continue;
            }
            // Read enough raw octets for the decoded limit (base64 grows 4/3), then cut at a
            // character boundary.
            let limit = w.max_value_bytes.saturating_mul(2).saturating_add(8);
            let (mut text, mut truncated) = forms::part_text(raw, part, limit);
            if text.len() > w.max_value_bytes {
                let mut end = w.max_value_bytes;
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                text.truncate(end);
                truncated = true;
            }
            out.insert(id, json!({ "value": text, "isEncodingProblem": false, "isTruncated": truncated }));
        }
        Value::Object(out)
    }
}

/// A part's size once decoded (RFC 8621 §4.1.4), estimated from the stored encoded size:
/// base64 line breaks out, four characters to three octets.
fn decoded_size(part: &Part) -> u64 {
    if part.encoding.eq_ignore_ascii_case("BASE64") {
        let breaks = part.size / 78 * 2;
        part.size.saturating_sub(breaks) / 4 * 3
    } else {
        part.size
    }
}

fn headers_json(header: &[u8]) -> Value {
    let list: Vec<Value> = forms::fields(header)
        .into_iter()
        .map(|(name, v)| json!({ "name": name, "value": forms::as_raw(&v) }))
        .collect();
    Value::Array(list)
}

/// A `header:{name}[:as{Form}][:all]` property (RFC 8621 §4.1.3).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct HeaderProperty {
    name: String,
    form: Form,
    all: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Raw,
    Text,
    Addresses,
    GroupedAddresses,
    MessageIds,
    Date,
    Urls,
}

impl HeaderProperty {
    pub(crate) fn parse(p: &str) -> Option<HeaderProperty> {
        let rest = p.strip_prefix("header:")?;
        let mut parts = rest.split(':');
        let name = parts.next().filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_graphic()))?;
        let mut form = Form::Raw;
        let mut all = false;
        for (i, part) in parts.enumerate() {
            match part {
                "all" if !all => all = true,
                _ if i > 0 || all => return None,
                "asRaw" => form = Form::Raw,
                "asText" => form = Form::Text,
                "asAddresses" => form = Form::Addresses,
                "asGroupedAddresses" => form = Form::GroupedAddresses,
                "asMessageIds" => form = Form::MessageIds,
                "asDate" => form = Form::Date,
                "asURLs" => form = Form::Urls,
                _ => return None,
            }
        }
        Some(HeaderProperty { name: name.to_owned(), form, all })
    }

    fn value(&self, header: &[u8]) -> Value {
        let values: Vec<Value> = forms::fields(header)
            .into_iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(&self.name))
            .map(|(_, v)| self.form_of(&v))
            .collect();
        if self.all { Value::Array(values) } else { values.into_iter().last().unwrap_or(Value::Null) }
    }

    fn form_of(&self, v: &[u8]) -> Value {
        match self.form {
            Form::Raw => json!(forms::as_raw(v)),
            Form::Text => json!(forms::as_text(v)),
            Form::Addresses => addresses_json(&forms::as_addresses(v)),
            // Groups are not kept apart by the address reader: one unnamed group.
            Form::GroupedAddresses => json!([{ "name": null, "addresses": addresses_json(&forms::as_addresses(v)) }]),
            Form::MessageIds => json!(forms::as_message_ids(v)),
            Form::Date => json!(forms::as_date(v).map(utc_date)),
            Form::Urls => json!(forms::as_urls(v)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_properties() {
        let p = HeaderProperty::parse("header:List-Post:asURLs:all").unwrap();
        assert_eq!((p.name.as_str(), p.form, p.all), ("List-Post", Form::Urls, true));
        assert_eq!(HeaderProperty::parse("header:Subject").unwrap().form, Form::Raw);
        for bad in ["header:", "header:X:asNothing", "header:X:all:asText", "header:X:asText:all:all", "subject"] {
            assert_eq!(HeaderProperty::parse(bad), None, "{bad}");
        }
        let header = b"Subject: =?UTF-8?Q?a=C3=A9?=\r\nX-Y: 1\r\nX-Y: 2\r\n\r\n";
        assert_eq!(HeaderProperty::parse("header:subject:asText").unwrap().value(header), json!("aé"));
        assert_eq!(HeaderProperty::parse("header:X-Y:all").unwrap().value(header), json!([" 1", " 2"]));
        assert_eq!(HeaderProperty::parse("header:X-Y").unwrap().value(header), json!(" 2"));
        assert_eq!(HeaderProperty::parse("header:Missing").unwrap().value(header), Value::Null);
    }

    #[test]
    fn dates() {
        assert_eq!(utc_date(1_796_119_200), "2026-12-01T10:00:00Z");
    }
}
