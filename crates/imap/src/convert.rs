//! The MIME summary stored at delivery (`relais_mail::summary`) as IMAP's ENVELOPE and
//! BODYSTRUCTURE (RFC 9051 §7.5.2), and flags as the store keeps them (keyword strings).

use relais_imap_proto::{Address, BodyStructure, DateTime, Envelope, Flag};
use relais_mail::summary::{EnvAddress, Part, Summary};

fn addresses(list: &[EnvAddress]) -> Vec<Address> {
    list.iter()
        .map(|a| Address { name: a.name.clone(), adl: a.adl.clone(), mailbox: a.mailbox.clone(), host: a.host.clone() })
        .collect()
}

pub fn envelope(e: &relais_mail::summary::Envelope) -> Envelope {
    Envelope {
        date: e.date.clone(),
        subject: e.subject.clone(),
        from: addresses(&e.from),
        sender: addresses(&e.sender),
        reply_to: addresses(&e.reply_to),
        to: addresses(&e.to),
        cc: addresses(&e.cc),
        bcc: addresses(&e.bcc),
        in_reply_to: e.in_reply_to.clone(),
        message_id: e.message_id.clone(),
    }
}

/// For a session that did not enable UTF8=ACCEPT: every envelope field (of the message and
/// of each encapsulated one) with 8-bit text becomes RFC 2047 encoded words, so the client
/// never receives raw 8-bit it did not ask for (RFC 6855 §3 allows UTF-8 in ENVELOPE only
/// after ENABLE; RFC 6857 §3 downgrades header text to encoded words, as Dovecot does).
pub fn downgrade(summary: &mut Summary) {
    downgrade_envelope(&mut summary.envelope);
    downgrade_part(&mut summary.structure);
}

fn downgrade_part(p: &mut Part) {
    // Body structure parameters (a decoded RFC 2231 file name) stay as Dovecot sends them
    // (a literal, `interop/test_imap_differential.py`): only envelopes are header text.
    if let Some(m) = p.message.as_mut() {
        downgrade_envelope(&mut m.0);
        downgrade_part(&mut m.1);
    }
    for child in &mut p.parts {
        downgrade_part(child);
    }
}

fn downgrade_envelope(e: &mut relais_mail::summary::Envelope) {
    for text in [&mut e.date, &mut e.subject, &mut e.in_reply_to, &mut e.message_id].into_iter().flatten() {
        seven_bit(text);
    }
    for list in [&mut e.from, &mut e.sender, &mut e.reply_to, &mut e.to, &mut e.cc, &mut e.bcc] {
        for a in list {
            for text in [&mut a.name, &mut a.adl, &mut a.mailbox, &mut a.host].into_iter().flatten() {
                seven_bit(text);
            }
        }
    }
}

/// `text` as RFC 2047 §4.1 "B" encoded words when it is not ASCII; each word stays within 75
/// characters (§2) and splits only between characters (§5: a word holds whole characters).
fn seven_bit(text: &mut String) {
    use base64::Engine;
    if text.is_ascii() {
        return;
    }
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        // 45 octets encode to 60 characters, plus 12 for "=?UTF-8?B?" and "?=".
        if chunk.len() + c.len_utf8() > 45 {
            words.push(std::mem::take(&mut chunk));
        }
        chunk.push(c);
    }
    words.push(chunk);
    let b64 = base64::engine::general_purpose::STANDARD;
    *text = words.iter().map(|w| format!("=?UTF-8?B?{}?=", b64.encode(w))).collect::<Vec<_>>().join(" ");
}

pub fn body_structure(p: &Part) -> BodyStructure {
    BodyStructure {
        content_type: p.content_type.clone(),
        content_subtype: p.content_subtype.clone(),
        params: p.params.clone(),
        id: p.id.clone(),
        description: p.description.clone(),
        encoding: p.encoding.clone(),
        size: p.size,
        lines: p.lines,
        md5: p.md5.clone(),
        disposition: p.disposition.clone(),
        language: p.language.clone(),
        location: p.location.clone(),
        parts: p.parts.iter().map(body_structure).collect(),
        message: p.message.as_ref().map(|m| Box::new((envelope(&m.0), body_structure(&m.1)))),
    }
}

/// Keywords as stored → IMAP flags (unknown backslash words become extension flags).
pub fn flags(keywords: &[String]) -> Vec<Flag> {
    keywords.iter().filter_map(|k| Flag::parse(k)).collect()
}

/// IMAP flags → keywords as stored; `\Recent` is never stored.
pub fn keywords(flags: &[Flag]) -> Vec<String> {
    let mut out: Vec<String> = flags.iter().filter(|f| **f != Flag::Recent).map(ToString::to_string).collect();
    out.sort();
    out.dedup();
    out
}

/// A stored unix time as an IMAP date-time in UTC; times outside IMAP's range are clamped.
pub fn internal_date(unix: i64) -> Option<DateTime> {
    DateTime::from_unix(unix, 0).or_else(|| DateTime::from_unix(unix.clamp(0, 253_402_300_799), 0))
}

pub fn has(keywords: &[String], flag: &str) -> bool {
    keywords.iter().any(|k| k.eq_ignore_ascii_case(flag))
}

/// The right that changing `keyword` needs (RFC 4314 §4): \Seen needs s, \Deleted t, any other
/// flag or keyword w.
pub fn right_for(keyword: &str) -> i64 {
    use relais_store::share_rights::{DELETE_ITEMS, KEEP_SEEN, WRITE_FLAGS};
    if keyword.eq_ignore_ascii_case("\\Seen") {
        KEEP_SEEN
    } else if keyword.eq_ignore_ascii_case("\\Deleted") {
        DELETE_ITEMS
    } else {
        WRITE_FLAGS
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn seven_bit() {
        let cases = [
            ("plain", "plain"),
            ("Grüße", "=?UTF-8?B?R3LDvMOfZQ==?="),
            (
                "ééééééééééééééééééééééé",
                "=?UTF-8?B?w6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6k=?= =?UTF-8?B?w6k=?=",
            ),
        ];
        for (input, want) in cases {
            let mut text = input.to_owned();
            super::seven_bit(&mut text);
            assert_eq!(text, want, "{input}");
        }
    }
}
