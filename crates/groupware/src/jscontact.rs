//! A card as JSContact (RFC 9553) and back, for JMAP for Contacts (RFC 9610 §3): calcard's
//! conversion of RFC 9555 (vCard ↔ JSContact), which keeps what has no JSContact property in
//! `vCardProps` and what it converted in `vCard/convertedProperties`, so a card read and
//! written back keeps what its writer stored. The stored form stays the vCard.

use calcard::jscontact::JSContact;
use calcard::vcard::VCardVersion;
use serde_json::{Map, Value};

use crate::{ContactCard, Invalid};

/// Properties of a JMAP ContactCard that are the server's, not the card's (RFC 9610 §3).
pub const SERVER_SET: [&str; 2] = ["id", "addressBookIds"];

/// The card as a JSContact Card object (without the JMAP id and addressBookIds).
pub fn to_jscontact(card: &ContactCard) -> Map<String, Value> {
    let js: JSContact<'static, String, String> = card.card.clone().into_jscontact();
    match serde_json::to_value(&js) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// A JSContact Card object as the vCard text to store (vCard 4.0, RFC 9555), checked as any
/// card written over CardDAV is: it must have a `uid`.
pub fn from_jscontact(object: &Map<String, Value>) -> Result<(String, ContactCard), Invalid> {
    let mut object = object.clone();
    for k in SERVER_SET {
        object.remove(k);
    }
    if object.get("@type").and_then(Value::as_str).is_some_and(|t| t != "Card") {
        return Err(Invalid::object("@type must be Card"));
    }
    let text = Value::Object(object).to_string();
    let js =
        JSContact::<String, String>::parse(&text).map_err(|e| Invalid::data(format!("not a JSContact card: {e}")))?;
    let vcard = js.into_vcard().ok_or_else(|| Invalid::data("the card cannot be written as a vCard"))?;
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = vcard.write_to(&mut out, VCardVersion::V4_0);
    let card = ContactCard::parse(&out)?;
    Ok((out, card))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_card_both_ways() {
        let text = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:c-1\r\nFN:Ann Example\r\nN:Example;Ann;;;\r\n\
EMAIL;TYPE=INTERNET:ann@example.com\r\nTEL;TYPE=CELL:+1 555 0101\r\nX-CUSTOM:kept\r\nEND:VCARD\r\n";
        let js = to_jscontact(&ContactCard::parse(text).unwrap());
        assert_eq!(js["@type"], "Card");
        assert_eq!(js["uid"], "c-1");
        assert_eq!(js["name"]["full"], "Ann Example", "{js:?}");
        let emails: Vec<&Value> = js["emails"].as_object().unwrap().values().collect();
        assert_eq!(emails[0]["address"], "ann@example.com");
        let (back, card) = from_jscontact(&js).unwrap();
        assert_eq!(card.uid, "c-1");
        assert_eq!(card.full_name(), Some("Ann Example"), "{back}");
        assert!(back.contains("X-CUSTOM:kept"), "{back}");
        assert_eq!(card.emails().collect::<Vec<_>>(), ["ann@example.com"]);
    }

    #[test]
    fn a_card_from_jscontact() {
        let m = json!({
            "@type": "Card", "version": "1.0", "uid": "urn:uuid:1", "id": "x", "addressBookIds": {"ab1": true},
            "name": {"components": [{"kind": "given", "value": "Bo"}, {"kind": "surname", "value": "Li"}]},
            "emails": {"e1": {"address": "bo@x.test"}},
        });
        let (text, card) = from_jscontact(m.as_object().unwrap()).unwrap();
        assert_eq!(card.uid, "urn:uuid:1");
        assert!(text.contains("VERSION:4.0") && text.contains("bo@x.test"), "{text}");
        let no_uid = json!({"@type": "Card", "version": "1.0", "name": {"full": "X"}});
        assert!(from_jscontact(no_uid.as_object().unwrap()).is_err());
        assert!(from_jscontact(json!({"@type": "Group"}).as_object().unwrap()).is_err());
    }
}
