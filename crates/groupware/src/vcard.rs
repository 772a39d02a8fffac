//! Address object resources (RFC 6352 §5.1): one vCard, 3.0 or 4.0, with a UID. Stored as sent;
//! returned in the version a client asks for (RFC 6352 §5.1.1, CARDDAV:address-data version).

use calcard::vcard::{VCard, VCardProperty, VCardVersion};

use crate::Invalid;

/// A parsed, checked vCard.
#[derive(Debug, Clone)]
pub struct ContactCard {
    pub card: VCard,
    pub uid: String,
    pub version: VCardVersion,
}

impl ContactCard {
    /// Parses and checks `text`: exactly one vCard, with a UID (RFC 6352 §5.1).
    pub fn parse(text: &str) -> Result<ContactCard, Invalid> {
        let card: VCard = crate::single_object(text, "VCARD", |e| match e {
            calcard::Entry::VCard(c) => Some(c),
            _ => None,
        })
        .ok_or_else(|| Invalid::data("not one complete vCard"))?;
        let uid = card.uid().filter(|u| !u.is_empty()).ok_or_else(|| Invalid::object("the vCard has no UID"))?;
        let uid = uid.to_owned();
        let version = card.version().unwrap_or(VCardVersion::V3_0);
        if !matches!(version, VCardVersion::V3_0 | VCardVersion::V4_0) {
            return Err(Invalid::data("only vCard 3.0 and 4.0 are supported"));
        }
        Ok(ContactCard { card, uid, version })
    }

    /// The card written as `version`.
    pub fn to_version(&self, version: VCardVersion) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = self.card.write_to(&mut out, version);
        out
    }

    /// The formatted name (FN).
    pub fn full_name(&self) -> Option<&str> {
        self.card.property(&VCardProperty::Fn).and_then(|e| e.values.first()).and_then(|v| v.as_text())
    }

    /// Every EMAIL value.
    pub fn emails(&self) -> impl Iterator<Item = &str> {
        self.card.properties(&VCardProperty::Email).filter_map(|e| e.values.first()).filter_map(|v| v.as_text())
    }
}

/// A text value escaped as RFC 6350 §3.4 asks (backslash, comma, semicolon, line break).
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// "3.0" or "4.0" as asked by a client (CARDDAV:address-data version, Accept's version).
pub fn version_from(s: &str) -> Option<VCardVersion> {
    match s.trim() {
        "3.0" => Some(VCardVersion::V3_0),
        "4.0" => Some(VCardVersion::V4_0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V3: &str = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:c1\r\nFN:Ann Example\r\nN:Example;Ann;;;\r\n\
        EMAIL;TYPE=INTERNET:ann@example.com\r\nEND:VCARD\r\n";

    #[test]
    fn parses_and_converts_versions() {
        let c = ContactCard::parse(V3).unwrap();
        assert_eq!(c.uid, "c1");
        assert_eq!(c.version, VCardVersion::V3_0);
        assert_eq!(c.full_name(), Some("Ann Example"));
        assert_eq!(c.emails().collect::<Vec<_>>(), vec!["ann@example.com"]);
        let v4 = c.to_version(VCardVersion::V4_0);
        assert!(v4.contains("VERSION:4.0"), "{v4}");
        let back = ContactCard::parse(&v4).unwrap();
        assert_eq!(back.uid, "c1");
        assert_eq!(back.version, VCardVersion::V4_0);
    }

    #[test]
    fn refuses_cards_without_uid_or_garbage() {
        assert!(ContactCard::parse("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nEND:VCARD\r\n").is_err());
        assert!(ContactCard::parse("hello").is_err());
        assert!(ContactCard::parse("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n").is_err());
        assert!(ContactCard::parse(&V3[..V3.len() - 11]).is_err(), "cut short");
        assert!(ContactCard::parse(&format!("{V3}{}", V3.replace("c1", "c2"))).is_err(), "two cards");
    }
}
