//! What an ActiveSync (and later EWS) client's edits go through: a stored event, task or note
//! read as fields and written back over itself (`event`, `task`, `note`), and a TimeZone blob a phone sent
//! (`timezone`). Nothing may panic on any input; what is written back from an object read as
//! fields must read as fields again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relais_groupware::event::EventFields;
use relais_groupware::note::NoteFields;
use relais_groupware::task::TaskFields;
use relais_groupware::timezone::{BLOB_LEN, zone_of_blob};

/// 2026-01-01T00:00:00Z.
const NOW: i64 = 1_767_225_600;

fuzz_target!(|data: &[u8]| {
    if data.len() == BLOB_LEN {
        let _ = zone_of_blob(data, NOW);
    }
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Some(f) = EventFields::from_ical(text) {
        let again = f.to_ical(Some(text));
        assert!(EventFields::from_ical(&again).is_some(), "{again}");
        let _ = f.to_ical(None);
    }
    if let Some(t) = TaskFields::from_ical(text) {
        let again = t.to_ical(Some(text));
        assert!(TaskFields::from_ical(&again).is_some(), "{again}");
    }
    if let Some(n) = NoteFields::from_ical(text) {
        let again = n.to_ical(Some(text));
        assert!(NoteFields::from_ical(&again).is_some(), "{again}");
    }
});
