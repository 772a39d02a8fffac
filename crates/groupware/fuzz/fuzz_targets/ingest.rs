//! Everything a PUT body goes through before it is stored: the iCalendar and vCard checks, the
//! expansion of occurrences, the iTIP reading of a mailed invitation, and the vCard version
//! conversion. None of it may panic or run away on any input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relais_groupware::calcard::vcard::VCardVersion;
use relais_groupware::{CalendarObject, ContactCard, acceptance, imip, scheduling};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(obj) = CalendarObject::parse(text) {
        let (spans, _) = obj.occurrences(1_767_225_600);
        assert!(spans.iter().all(|s| s.end >= s.start));
        let _ = obj.occurs_in(1_800_000_000, 1_800_604_800);
        let _ = scheduling::attendees(&obj.ical);
        // The addresses of a mailed invitation are a stranger's (issue 10, item 3b).
        if let Some(org) = scheduling::organizer(&obj.ical) {
            let _ = acceptance::may_request(&org, "bob@example.test", &obj, Some(&obj));
            let _ = acceptance::may_reply(&org, &org, &obj);
        }
        let _ = CalendarObject::parse(&obj.ical.to_string());
    }
    let _ = imip::itip(text);
    if let Ok(card) = ContactCard::parse(text) {
        let _ = card.to_version(VCardVersion::V3_0);
        let _ = card.to_version(VCardVersion::V4_0);
    }
});
