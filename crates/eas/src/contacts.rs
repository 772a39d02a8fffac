//! The Contacts class (MS-ASCNTC): a vCard as ApplicationData through the domain's contact
//! fields (`relais_groupware::contact`), and a device's ApplicationData back into the card, with
//! every property the phone does not know kept. Synced by `objects`.

use relais_groupware::ContactCard;
use relais_groupware::contact::{AddressKind, ContactFields, PhoneKind, PostalAddress};
use relais_wbxml::Element;
use relais_wbxml::tag::{airsync as a, airsyncbase as base, contacts as c, contacts2 as c2};

use crate::text_of;

/// The telephones a phone shows: the first of each kind, and a second work and home number
/// (Business2PhoneNumber, Home2PhoneNumber). The card's others are kept as they are.
const PHONES: [(PhoneKind, relais_wbxml::Tag); 8] = [
    (PhoneKind::Work, c::BUSINESS_PHONE_NUMBER),
    (PhoneKind::Work, c::BUSINESS2_PHONE_NUMBER),
    (PhoneKind::Home, c::HOME_PHONE_NUMBER),
    (PhoneKind::Home, c::HOME2_PHONE_NUMBER),
    (PhoneKind::Mobile, c::MOBILE_PHONE_NUMBER),
    (PhoneKind::WorkFax, c::BUSINESS_FAX_NUMBER),
    (PhoneKind::HomeFax, c::HOME_FAX_NUMBER),
    (PhoneKind::Pager, c::PAGER_NUMBER),
];

/// How many telephones of `kind` a phone shows.
fn shown_phones(kind: PhoneKind) -> usize {
    PHONES.iter().filter(|(k, _)| *k == kind).count()
}

/// The `n`th of `kind` in a list of (kind, value).
fn nth_of<K: PartialEq + Copy, V>(list: &[(K, V)], kind: K, n: usize) -> Option<&V> {
    list.iter().filter(|(k, _)| *k == kind).nth(n).map(|(_, v)| v)
}

/// What of `list` a phone is not shown: past the first `shown(kind)` of each kind.
fn unshown<K: PartialEq + Copy, V: Clone>(list: &[(K, V)], shown: impl Fn(K) -> usize) -> Vec<(K, V)> {
    let mut out = Vec::new();
    for (i, (kind, v)) in list.iter().enumerate() {
        if list[..i].iter().filter(|(k, _)| k == kind).count() >= shown(*kind) {
            out.push((*kind, v.clone()));
        }
    }
    out
}

/// (kind, street, city, state, postal code, country) tags.
type AddressTags = (AddressKind, [relais_wbxml::Tag; 5]);
const ADDRESSES: [AddressTags; 3] = [
    (
        AddressKind::Work,
        [
            c::BUSINESS_ADDRESS_STREET,
            c::BUSINESS_ADDRESS_CITY,
            c::BUSINESS_ADDRESS_STATE,
            c::BUSINESS_ADDRESS_POSTAL_CODE,
            c::BUSINESS_ADDRESS_COUNTRY,
        ],
    ),
    (
        AddressKind::Home,
        [
            c::HOME_ADDRESS_STREET,
            c::HOME_ADDRESS_CITY,
            c::HOME_ADDRESS_STATE,
            c::HOME_ADDRESS_POSTAL_CODE,
            c::HOME_ADDRESS_COUNTRY,
        ],
    ),
    (
        AddressKind::Other,
        [
            c::OTHER_ADDRESS_STREET,
            c::OTHER_ADDRESS_CITY,
            c::OTHER_ADDRESS_STATE,
            c::OTHER_ADDRESS_POSTAL_CODE,
            c::OTHER_ADDRESS_COUNTRY,
        ],
    ),
];

const EMAILS: [relais_wbxml::Tag; 3] = [c::EMAIL1_ADDRESS, c::EMAIL2_ADDRESS, c::EMAIL3_ADDRESS];

/// The Contacts ApplicationData of a vCard.
pub(crate) fn application_data(vcard: &[u8]) -> Element {
    let f = std::str::from_utf8(vcard)
        .ok()
        .and_then(|t| ContactCard::parse(t).ok())
        .map(|card| ContactFields::from_card(&card));
    let f = f.unwrap_or_default();
    let mut d = Element::new(a::APPLICATION_DATA);
    let mut leaf = |tag, v: &Option<String>| {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            d.push(Element::leaf(tag, v));
        }
    };
    leaf(c::FILE_AS, &Some(f.shown_name()));
    leaf(c::FIRST_NAME, &f.first_name);
    leaf(c::LAST_NAME, &f.last_name);
    leaf(c::MIDDLE_NAME, &f.middle_name);
    leaf(c::TITLE, &f.title);
    leaf(c::SUFFIX, &f.suffix);
    leaf(c::COMPANY_NAME, &f.company);
    leaf(c::DEPARTMENT, &f.department);
    leaf(c::JOB_TITLE, &f.job_title);
    leaf(c::WEB_PAGE, &f.web_page);
    leaf(c::BIRTHDAY, &f.birthday.as_ref().map(|b| format!("{b}T00:00:00.000Z")));
    leaf(c::ANNIVERSARY, &f.anniversary.as_ref().map(|b| format!("{b}T00:00:00.000Z")));
    for (tag, e) in EMAILS.iter().zip(&f.emails) {
        d.push(Element::leaf(*tag, e.as_str()));
    }
    for (i, (kind, tag)) in PHONES.iter().enumerate() {
        let nth = PHONES[..i].iter().filter(|(k, _)| k == kind).count();
        if let Some(n) = nth_of(&f.phones, *kind, nth) {
            d.push(Element::leaf(*tag, n.as_str()));
        }
    }
    for (kind, tags) in ADDRESSES {
        if let Some(p) = nth_of(&f.addresses, kind, 0) {
            for (tag, v) in tags.iter().zip([&p.street, &p.city, &p.region, &p.postal_code, &p.country]) {
                if !v.is_empty() {
                    d.push(Element::leaf(*tag, v.as_str()));
                }
            }
        }
    }
    if !f.categories.is_empty() {
        d.push(
            Element::new(c::CATEGORIES).with_all(f.categories.iter().map(|x| Element::leaf(c::CATEGORY, x.as_str()))),
        );
    }
    if let Some(n) = f.nickname.as_deref() {
        d.push(Element::leaf(c2::NICK_NAME, n));
    }
    if let Some(notes) = f.notes.as_deref() {
        d.push(crate::calendar::body_element(notes));
    }
    d
}

/// The fields of a device's ApplicationData, over what the contact had (`before`): a field the
/// device sends replaces the old one; a field it leaves out is cleared (MS-ASCMD: a Change
/// carries the whole item), except what it was never shown, which is kept: e-mail addresses
/// past the third, telephones past those `PHONES` names of a kind, addresses past the first
/// of a kind.
fn fields_from(data: &Element, before: ContactFields) -> ContactFields {
    let get = |tag| text_of(data, tag).filter(|v| !v.is_empty());
    let mut f = ContactFields {
        display_name: None,
        first_name: get(c::FIRST_NAME),
        last_name: get(c::LAST_NAME),
        middle_name: get(c::MIDDLE_NAME),
        title: get(c::TITLE),
        suffix: get(c::SUFFIX),
        nickname: get(c2::NICK_NAME),
        company: get(c::COMPANY_NAME),
        department: get(c::DEPARTMENT),
        job_title: get(c::JOB_TITLE),
        birthday: get(c::BIRTHDAY).map(|b| b.chars().take(10).collect()),
        // An anniversary and categories left out are kept: not every phone shows them, and one
        // that does not would clear them with any change (an empty Categories clears them).
        anniversary: get(c::ANNIVERSARY).map(|b| b.chars().take(10).collect()).or(before.anniversary.clone()),
        categories: data
            .child(c::CATEGORIES)
            .map(|l| {
                l.children_with(c::CATEGORY).map(|x| x.text().trim().to_owned()).filter(|x| !x.is_empty()).collect()
            })
            .unwrap_or_else(|| before.categories.clone()),
        web_page: get(c::WEB_PAGE),
        notes: data.child(base::BODY).and_then(|b| text_of(b, base::DATA)).or(before.notes.clone()),
        emails: EMAILS
            .iter()
            .filter_map(|t| get(*t))
            .map(|e| {
                // Phones send `"Name" <addr>`: the address is what the card keeps.
                match (e.find('<'), e.rfind('>')) {
                    (Some(s), Some(end)) if s < end => e[s + 1..end].trim().to_owned(),
                    _ => e,
                }
            })
            .collect(),
        phones: PHONES.iter().filter_map(|(k, t)| get(*t).map(|n| (*k, n))).collect(),
        addresses: Vec::new(),
    };
    for (kind, tags) in ADDRESSES {
        let [street, city, region, code, country] = tags.map(|t| get(t).unwrap_or_default());
        let p = PostalAddress { street, city, region, postal_code: code, country };
        if p != PostalAddress::default() {
            f.addresses.push((kind, p));
        }
    }
    f.emails.extend(before.emails.iter().skip(EMAILS.len()).cloned());
    f.phones.extend(unshown(&before.phones, shown_phones));
    f.addresses.extend(unshown(&before.addresses, |_| 1));
    // FileAs the device may show as the name; kept as the display name when it differs from
    // what the parts make.
    if let Some(file_as) = get(c::FILE_AS) {
        let parts = ContactFields { display_name: None, ..f.clone() }.shown_name();
        if file_as != parts {
            f.display_name = Some(file_as);
        }
    }
    f
}

/// The vCard to store for the device's ApplicationData: a new card, or the stored one (`old`)
/// with the fields the device sent and every other property kept.
pub(crate) fn content(data: &Element, old: Option<&str>) -> Result<String, u32> {
    match old {
        None => {
            let uid = format!("{:032x}", rand::random::<u128>());
            Ok(fields_from(data, ContactFields::default()).to_vcard(&uid, None))
        }
        Some(text) => {
            let card = ContactCard::parse(text).map_err(|_| 6u32)?;
            let before = ContactFields::from_card(&card);
            Ok(fields_from(data, before).to_vcard(&card.uid, Some(text)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CARD: &str = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:c-1\r\nFN:Ann Example\r\nN:Example;Ann;;;\r\n\
EMAIL:a1@example.com\r\nEMAIL:a2@example.com\r\nEMAIL:a3@example.com\r\nEMAIL:a4@example.com\r\n\
TEL;TYPE=WORK,VOICE:1\r\nTEL;TYPE=WORK,VOICE:2\r\nTEL;TYPE=WORK,VOICE:3\r\nTEL;TYPE=CELL:4\r\n\
TEL;TYPE=CELL:5\r\nADR;TYPE=HOME:;;1 Home St;Town;;1;X\r\nADR;TYPE=HOME:;;2 Cabin Rd;Woods;;2;X\r\n\
END:VCARD\r\n";

    fn fields(text: &str) -> ContactFields {
        ContactFields::from_card(&ContactCard::parse(text).unwrap())
    }

    /// A phone changes one field of what it was shown and sends the rest back as shown: what
    /// it was never shown (a fourth address, a third work number, a second mobile, a second
    /// home address) stays on the card.
    #[test]
    fn a_change_keeps_what_the_phone_was_not_shown() {
        let mut data = application_data(CARD.as_bytes());
        let shown: Vec<_> = data.elements().map(|e| (e.tag, e.text().into_owned())).collect();
        for (tag, value) in [(c::BUSINESS_PHONE_NUMBER, "1"), (c::BUSINESS2_PHONE_NUMBER, "2")] {
            assert!(shown.contains(&(tag, value.to_owned())), "{shown:?}");
        }
        data.push(Element::leaf(c::JOB_TITLE, "Chief"));
        data.push(Element::leaf(c::ANNIVERSARY, "2001-06-30T00:00:00.000Z"));
        data.push(Element::new(c::CATEGORIES).with_leaf(c::CATEGORY, "Family"));
        let after = fields(&content(&data, Some(CARD)).unwrap());
        let before = fields(CARD);
        assert_eq!(after.job_title.as_deref(), Some("Chief"));
        assert_eq!(
            (after.anniversary.as_deref(), after.categories.clone()),
            (Some("2001-06-30"), vec!["Family".into()])
        );
        assert_eq!(after.emails, before.emails);
        let sorted = |mut v: Vec<(PhoneKind, String)>| {
            v.sort_by(|a, b| a.1.cmp(&b.1));
            v
        };
        assert_eq!(sorted(after.phones), sorted(before.phones));
        assert_eq!(after.addresses.len(), 2);
        // What it was shown and left out is cleared: the first mobile number.
        let data = Element::new(a::APPLICATION_DATA).with_leaf(c::FIRST_NAME, "Ann");
        let after = fields(&content(&data, Some(CARD)).unwrap());
        assert_eq!(after.emails, vec!["a4@example.com".to_owned()]);
        assert_eq!(after.phones, vec![(PhoneKind::Work, "3".to_owned()), (PhoneKind::Mobile, "5".to_owned())]);
        assert_eq!(after.addresses.len(), 1);
    }

    /// A phone's anniversary and categories are kept on the card (they were dropped), and sent
    /// back to it; one that leaves them out of a Change keeps the card's.
    #[test]
    fn anniversaries_and_categories() {
        let data = Element::new(a::APPLICATION_DATA)
            .with_leaf(c::FIRST_NAME, "Ann")
            .with_leaf(c::ANNIVERSARY, "2001-06-30T00:00:00.000Z")
            .with(Element::new(c::CATEGORIES).with_leaf(c::CATEGORY, "Family").with_leaf(c::CATEGORY, "Golf"));
        let card = content(&data, None).unwrap();
        let f = fields(&card);
        assert_eq!((f.anniversary.as_deref(), f.categories.len()), (Some("2001-06-30"), 2), "{card}");
        let shown = application_data(card.as_bytes());
        assert_eq!(shown.text_of(c::ANNIVERSARY).as_deref(), Some("2001-06-30T00:00:00.000Z"));
        assert_eq!(shown.child(c::CATEGORIES).map(|l| l.children_with(c::CATEGORY).count()), Some(2));
        let later =
            fields(&content(&Element::new(a::APPLICATION_DATA).with_leaf(c::FIRST_NAME, "Anne"), Some(&card)).unwrap());
        assert_eq!((later.anniversary, later.categories), (f.anniversary, f.categories));
    }
}
