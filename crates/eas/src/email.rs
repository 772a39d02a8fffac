//! A message as ActiveSync's Email class shows it (MS-ASEMAIL §2.2.2, MS-ASAIRS §2.2.2): the
//! envelope fields, flags, the body in the type and size the client asked for, attachments by
//! file reference, and the conversation id from the thread stored with the message.

use relais_mail::mailbox::Listed;
use relais_mail::summary::EnvAddress;
use relais_mail::view::{self, Bodies};
use relais_wbxml::Element;
use relais_wbxml::tag::{airsyncbase as base, email, email2};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::date_time;

/// How the client wants bodies (AirSyncBase BodyPreference, AirSync MIMESupport), kept with the
/// collection's sync state until the client sends new options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct BodyPreference {
    /// 1 text, 2 HTML, 4 MIME (3, RTF, is answered as text).
    pub kind: u8,
    /// Octets of Data at most; `None` for all.
    pub truncation: Option<u32>,
    /// With truncation: send no Data at all rather than part of it.
    pub all_or_none: bool,
    /// Characters of preview text wanted (0: none).
    pub preview: u16,
    /// MIMESupport: 0 never, 1 S/MIME only, 2 always.
    pub mime_support: u8,
}

impl Default for BodyPreference {
    fn default() -> Self {
        BodyPreference { kind: 1, truncation: None, all_or_none: false, preview: 0, mime_support: 0 }
    }
}

impl BodyPreference {
    /// Reads an `Options` element (or an ItemOperations `Options`): the first BodyPreference
    /// whose type we serve, and MIMESupport.
    pub fn from_options(options: &Element, base_pref: Option<BodyPreference>) -> BodyPreference {
        use relais_wbxml::tag::airsync;
        let mut out = base_pref.unwrap_or_default();
        if let Some(m) = crate::text_of(options, airsync::MIME_SUPPORT).and_then(|m| m.parse().ok()) {
            out.mime_support = m;
        }
        for p in options.children_with(base::BODY_PREFERENCE) {
            let Some(kind) = crate::text_of(p, base::TYPE).and_then(|t| t.parse::<u8>().ok()) else { continue };
            if !matches!(kind, 1..=4) {
                continue;
            }
            out.kind = kind;
            out.truncation = crate::text_of(p, base::TRUNCATION_SIZE).and_then(|t| t.parse().ok());
            out.all_or_none = crate::text_of(p, base::ALL_OR_NONE).as_deref() == Some("1");
            out.preview = crate::text_of(p, base::PREVIEW).and_then(|t| t.parse().ok()).unwrap_or(0).min(255);
            break;
        }
        out
    }
}

/// The addresses of a list as one field value: `"Name" <a@b>, c@d`.
fn address_list(list: &[EnvAddress]) -> String {
    let shown: Vec<String> = list
        .iter()
        .filter_map(|a| {
            let addr = a.addr_spec()?;
            Some(match a.display_name() {
                Some(n) => format!("\"{}\" <{addr}>", n.replace(['"', '\\'], "")),
                None => addr,
            })
        })
        .collect();
    shown.join(", ")
}

/// Display names for DisplayTo (`;`-separated).
fn display_list(list: &[EnvAddress]) -> String {
    let shown: Vec<String> = list.iter().filter_map(|a| a.display_name().or_else(|| a.addr_spec())).collect();
    shown.join("; ")
}

/// A 16-byte conversation id (MS-ASEMAIL §2.2.2.21) from the stored thread.
pub(crate) fn conversation_id(thread: i64) -> Vec<u8> {
    let digest = Sha256::digest(format!("relais-thread-{thread}").as_bytes());
    digest[..16].to_vec()
}

/// The file reference of attachment `index` of message `uid` in `collection`.
pub(crate) fn file_reference(collection: &str, uid: u32, index: u32) -> String {
    format!("{collection}:{uid}:{index}")
}

/// Cuts `text` to at most `max` octets on a character boundary.
pub(crate) fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The airsyncbase:Body for `pref`, from the message's content.
pub(crate) fn body(raw: &[u8], bodies: &Bodies, listed: &Listed, pref: &BodyPreference) -> Element {
    let mime = pref.kind == 4 && pref.mime_support == 2;
    let (kind, data): (u8, std::borrow::Cow<'_, str>) = if mime {
        (4, String::from_utf8_lossy(raw))
    } else if pref.kind == 2 {
        match &bodies.html {
            Some(h) => (2, h.as_str().into()),
            None => (1, bodies.text.as_str().into()),
        }
    } else {
        (1, bodies.text.as_str().into())
    };
    let size = data.len();
    let mut el = Element::new(base::BODY).with_leaf(base::TYPE, kind.to_string());
    el = el.with_leaf(base::ESTIMATED_DATA_SIZE, size.to_string());
    match pref.truncation.map(|t| t as usize) {
        Some(max) if size > max => {
            el = el.with_leaf(base::TRUNCATED, "1");
            if !pref.all_or_none {
                el = el.with_leaf(base::DATA, cut(&data, max).replace('\0', ""));
            }
        }
        _ => el = el.with_leaf(base::DATA, data.replace('\0', "")),
    }
    if pref.preview > 0 && !mime {
        let preview: String = listed.summary.preview.chars().take(usize::from(pref.preview)).collect();
        el = el.with_leaf(base::PREVIEW, preview);
    }
    el
}

/// The attachments element, if the message has any.
pub(crate) fn attachments(bodies: &Bodies, collection: &str, uid: u32) -> Option<Element> {
    if bodies.attachments.is_empty() {
        return None;
    }
    let list = bodies.attachments.iter().map(|a| {
        let mut e = Element::new(base::ATTACHMENT)
            .with_leaf(base::DISPLAY_NAME, a.name.as_str())
            .with_leaf(base::FILE_REFERENCE, file_reference(collection, uid, a.index))
            .with_leaf(base::METHOD, "1")
            .with_leaf(base::ESTIMATED_DATA_SIZE, a.size.to_string());
        if let Some(id) = &a.content_id {
            e = e.with_leaf(base::CONTENT_ID, id.as_str());
        }
        if a.inline {
            e = e.with_leaf(base::IS_INLINE, "1");
        }
        e
    });
    Some(Element::new(base::ATTACHMENTS).with_all(list))
}

/// The flags a client sees and changes: Read (`\Seen`) and Flag (`\Flagged`).
pub(crate) fn flags(keywords: &[String]) -> [Element; 2] {
    let seen = keywords.iter().any(|k| k.eq_ignore_ascii_case("\\Seen"));
    let flagged = keywords.iter().any(|k| k.eq_ignore_ascii_case("\\Flagged"));
    let flag = if flagged {
        Element::new(email::FLAG).with_leaf(email::STATUS, "2").with_leaf(email::FLAG_TYPE, "Flag for follow up")
    } else {
        Element::new(email::FLAG)
    };
    [Element::leaf(email::READ, if seen { "1" } else { "0" }), flag]
}

/// Whether `needle` (lower case ASCII) occurs in `haystack` in any case.
fn memchr_ci(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle))
}

/// The ApplicationData of a message added to the client.
pub(crate) fn application_data(listed: &Listed, raw: &[u8], collection: &str, pref: &BodyPreference) -> Element {
    use relais_wbxml::tag::airsync;
    let env = &listed.summary.envelope;
    let bodies = view::bodies(raw);
    let subject = listed.summary.subject.clone().unwrap_or_default();
    let [read, flag] = flags(&listed.message.keywords);
    // An invitation or a cancellation (MS-ASEMAIL §2.2.2.49 MessageClass): parsed for its
    // event only when the message holds a text/calendar part at all.
    let meeting = memchr_ci(raw, b"text/calendar").then(|| relais_groupware::imip::invitation(raw)).flatten();
    let class = match &meeting {
        Some((relais_groupware::imip::Method::Cancel, _)) => "IPM.Schedule.Meeting.Canceled",
        Some(_) => "IPM.Schedule.Meeting.Request",
        None => "IPM.Note",
    };
    let mut data = Element::new(airsync::APPLICATION_DATA)
        .with_leaf(email::TO, address_list(&env.to))
        .with_opt((!env.cc.is_empty()).then(|| Element::leaf(email::CC, address_list(&env.cc))))
        .with_leaf(email::FROM, address_list(&env.from))
        .with_leaf(email::SUBJECT, subject)
        .with_opt(
            (!env.reply_to.is_empty() && env.reply_to != env.from)
                .then(|| Element::leaf(email::REPLY_TO, address_list(&env.reply_to))),
        )
        .with_leaf(email::DATE_RECEIVED, date_time(listed.message.received_at))
        .with_leaf(email::DISPLAY_TO, display_list(&env.to))
        .with_leaf(email::THREAD_TOPIC, listed.summary.base_subject.as_str())
        .with_leaf(email::IMPORTANCE, "1")
        .with(read)
        .with_opt(attachments(&bodies, collection, listed.message.uid.0))
        .with(body(raw, &bodies, listed, pref))
        .with_leaf(email::MESSAGE_CLASS, class)
        .with_opt(meeting.map(|(_, f)| crate::calendar::meeting_request(&f)))
        .with_leaf(email::INTERNET_CPID, "65001")
        .with(flag)
        .with_leaf(email::CONTENT_CLASS, "urn:content-classes:message")
        .with_leaf(base::NATIVE_BODY_TYPE, if bodies.html.is_some() { "2" } else { "1" });
    if let Some(thread) = listed.thread {
        data = data.with(Element::new(email2::CONVERSATION_ID).with_opaque(conversation_id(thread)));
    }
    data
}
