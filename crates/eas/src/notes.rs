//! The Notes class (MS-ASNOTE): a stored VJOURNAL as ApplicationData through the domain's note
//! fields (`relais_groupware::note`), and a device's ApplicationData back into the journal,
//! every property the phone does not know kept. Notes live in the account's notes collections
//! (calendars taking VJOURNAL only), so a CalDAV client sees the same notes. Synced by
//! `objects`.
//!
//! Elements (MS-ASNOTE §2.2.2): notes:Subject, airsyncbase:Body (plain text, cut to the
//! device's TruncationSize), notes:MessageClass (always `IPM.StickyNote`), notes:Categories,
//! notes:LastModifiedDate (a Compact DateTime, MS-ASDTYPE §2.7.2).

use relais_groupware::note::NoteFields;
use relais_groupware::rrule::utc_stamp;
use relais_wbxml::tag::{airsync as a, airsyncbase as base, notes as n};
use relais_wbxml::{Element, Tag};

use crate::calendar::{body_within, parse_time};
use crate::email::BodyPreference;
use crate::text_of;

/// MS-ASNOTE §2.2.2.5: `IPM.StickyNote` or `IPM.StickyNote.*`; ours are all the first.
const MESSAGE_CLASS: &str = "IPM.StickyNote";

/// The Notes ApplicationData of a stored object, its body as `body` asks; `None` when it
/// holds no note.
pub(crate) fn application_data(content: &[u8], body: &BodyPreference) -> Option<Element> {
    let f = NoteFields::from_ical(std::str::from_utf8(content).ok()?)?;
    let mut d = Element::new(a::APPLICATION_DATA)
        .with_leaf(n::SUBJECT, f.subject.unwrap_or_default())
        .with(body_within(f.body.as_deref().unwrap_or_default(), body))
        .with_leaf(n::MESSAGE_CLASS, MESSAGE_CLASS);
    if let Some(t) = f.last_modified {
        d.push(Element::leaf(n::LAST_MODIFIED_DATE, utc_stamp(t)));
    }
    if !f.categories.is_empty() {
        d.push(
            Element::new(n::CATEGORIES).with_all(f.categories.iter().map(|c| Element::leaf(n::CATEGORY, c.as_str()))),
        );
    }
    Some(d)
}

/// The text of a Body the device sent: plain text as it is, HTML (Type 2) as its text.
fn body_text(body: &Element) -> String {
    let data = text_of(body, base::DATA).unwrap_or_default();
    match text_of(body, base::TYPE).as_deref() {
        Some("2") => mail_parser::decoders::html::html_to_text(&data).trim().to_owned(),
        _ => data,
    }
}

/// The stored text for the device's ApplicationData over the stored note (`old`). A body the
/// device leaves out stays (it may hold a cut one); one sent empty is cleared. With 14.x a
/// Change carries the whole note, so any other element left out is cleared; when `ghosted`
/// (16.x, as MS-ASCAL §3.1.5.3) every element left out stays as stored. LastModifiedDate is
/// the device's, else now.
pub(crate) fn content(data: &Element, old: Option<&str>, ghosted: bool) -> Result<String, u32> {
    let before = match old {
        Some(text) => Some(NoteFields::from_ical(text).ok_or(6u32)?),
        None => None,
    };
    let kept = |tag: Tag| before.as_ref().filter(|_| ghosted && !data.has(tag));
    let f = NoteFields {
        uid: before.as_ref().map_or_else(|| format!("{:032x}", rand::random::<u128>()), |b| b.uid.clone()),
        subject: match kept(n::SUBJECT) {
            Some(b) => b.subject.clone(),
            None => text_of(data, n::SUBJECT).filter(|s| !s.is_empty()),
        },
        body: match data.child(base::BODY) {
            Some(b) => Some(body_text(b)).filter(|t| !t.is_empty()),
            None => before.as_ref().and_then(|b| b.body.clone()),
        },
        categories: match kept(n::CATEGORIES) {
            Some(b) => b.categories.clone(),
            None => data
                .child(n::CATEGORIES)
                .map(|c| c.children_with(n::CATEGORY).map(|x| x.text().trim().to_owned()).collect())
                .unwrap_or_default(),
        },
        last_modified: Some(
            text_of(data, n::LAST_MODIFIED_DATE).and_then(|d| parse_time(&d)).unwrap_or_else(relais_store::now),
        ),
    };
    Ok(f.to_ical(old))
}

#[cfg(test)]
mod tests {
    use relais_civil::unix_time;

    use super::*;

    const NOTE: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VJOURNAL\r\nUID:n1\r\n\
DTSTAMP:20261201T000000Z\r\nLAST-MODIFIED:20261201T120000Z\r\nSUMMARY:Groceries\r\nDESCRIPTION:milk\\nbread\r\n\
CATEGORIES:Home\r\nX-KEPT:1\r\nEND:VJOURNAL\r\nEND:VCALENDAR\r\n";

    fn data(subject: Option<&str>, body: Option<(&str, &str)>, categories: Option<&[&str]>) -> Element {
        let mut d = Element::new(a::APPLICATION_DATA);
        if let Some(s) = subject {
            d.push(Element::leaf(n::SUBJECT, s));
        }
        if let Some((kind, text)) = body {
            d.push(Element::new(base::BODY).with_leaf(base::TYPE, kind).with_leaf(base::DATA, text));
        }
        if let Some(c) = categories {
            d.push(Element::new(n::CATEGORIES).with_all(c.iter().map(|c| Element::leaf(n::CATEGORY, *c))));
        }
        d.with_leaf(n::MESSAGE_CLASS, MESSAGE_CLASS).with_leaf(n::LAST_MODIFIED_DATE, "20261205T090000Z")
    }

    #[test]
    fn a_note_as_application_data() {
        let d = application_data(NOTE.as_bytes(), &BodyPreference::default()).unwrap();
        assert_eq!(text_of(&d, n::SUBJECT).as_deref(), Some("Groceries"));
        assert_eq!(text_of(&d, n::MESSAGE_CLASS).as_deref(), Some(MESSAGE_CLASS));
        assert_eq!(text_of(&d, n::LAST_MODIFIED_DATE).as_deref(), Some("20261201T120000Z"));
        let body = d.child(base::BODY).unwrap();
        assert_eq!(text_of(body, base::DATA).as_deref(), Some("milk\nbread"));
        let cats: Vec<String> =
            d.child(n::CATEGORIES).unwrap().children_with(n::CATEGORY).map(|c| c.text().into_owned()).collect();
        assert_eq!(cats, ["Home"]);
        // Cut to the TruncationSize asked, the whole size told; with AllOrNone no Data.
        let cut = BodyPreference { truncation: Some(4), ..BodyPreference::default() };
        let d = application_data(NOTE.as_bytes(), &cut).unwrap();
        let body = d.child(base::BODY).unwrap();
        let leaf = |t| text_of(body, t);
        assert_eq!(
            (leaf(base::DATA), leaf(base::TRUNCATED), leaf(base::ESTIMATED_DATA_SIZE)),
            (Some("milk".into()), Some("1".into()), Some("10".into()))
        );
        let none = BodyPreference { all_or_none: true, ..cut };
        let d = application_data(NOTE.as_bytes(), &none).unwrap();
        assert!(!d.child(base::BODY).unwrap().has(base::DATA));
        // Not a note: not shown.
        let todo = NOTE.replace("VJOURNAL", "VTODO");
        assert!(application_data(todo.as_bytes(), &BodyPreference::default()).is_none());
    }

    #[test]
    fn application_data_into_notes() {
        let at = unix_time(2026, 12, 5, 9 * 3600);
        let stored = NoteFields::from_ical(NOTE).unwrap();
        let some = |s: &str| Some(s.to_owned());
        // (data, stored, ghosted, subject, body, categories)
        type Row<'a> = (Element, Option<&'a str>, bool, Option<String>, Option<String>, Vec<&'a str>);
        let table: Vec<Row<'_>> = vec![
            // A new note, a plain and an HTML body.
            (
                data(Some("Call"), Some(("1", "Anna")), Some(&["Work"])),
                None,
                false,
                some("Call"),
                some("Anna"),
                vec!["Work"],
            ),
            (
                data(Some("Web"), Some(("2", "<p>Hello <b>you</b></p>")), None),
                None,
                false,
                some("Web"),
                some("Hello you"),
                vec![],
            ),
            // 14.x Change: what is left out is cleared, but the body stays.
            (data(Some("Shopping"), None, None), Some(NOTE), false, some("Shopping"), some("milk\nbread"), vec![]),
            // A body sent empty is cleared.
            (data(None, Some(("1", "")), Some(&["Home"])), Some(NOTE), false, None, None, vec!["Home"]),
            // 16.x Change: what is left out stays.
            (data(None, Some(("1", "eggs")), None), Some(NOTE), true, some("Groceries"), some("eggs"), vec!["Home"]),
        ];
        for (d, old, ghosted, subject, body, categories) in table {
            let text = content(&d, old, ghosted).unwrap();
            let f = NoteFields::from_ical(&text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!((&f.subject, &f.body, f.last_modified), (&subject, &body, Some(at)), "{text}");
            assert_eq!(f.categories, categories, "{text}");
            if old.is_some() {
                assert_eq!(f.uid, stored.uid);
                assert!(text.contains("X-KEPT:1"), "{text}");
            }
        }
        assert_eq!(content(&data(None, None, None), Some("garbage"), false), Err(6));
    }
}
