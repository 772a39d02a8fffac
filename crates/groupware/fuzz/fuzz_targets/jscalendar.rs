//! What JMAP Calendars converts (draft-ietf-jmap-calendars §5): a CalendarEvent as
//! CalendarEvent/set receives it — a client's JSON object, or a stored event patched — written as
//! the iCalendar to store, and a stored iCalendar object (written over CalDAV or iMIP, so a
//! stranger's) read as JSCalendar. Nothing may panic on any input, and an event the conversion
//! wrote must read back and write again: a client that gets it and sets it unchanged is not refused.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relais_groupware::CalendarObject;
use relais_groupware::jscalendar::{from_jscalendar, mistyped_property, to_jscalendar, unknown_property};
use serde_json::{Map, Value};

/// The checks of CalendarEvent/set, then the conversion; what was written read back.
fn from_client(object: &Map<String, Value>) {
    if unknown_property(object).is_some() || mistyped_property(object).is_some() {
        return;
    }
    let Ok((text, parsed)) = from_jscalendar(object) else { return };
    let again = to_jscalendar(&parsed);
    assert!(!again.is_empty(), "written but not read back: {text}");
    if let Err(e) = from_jscalendar(&again) {
        panic!("read back but not written again ({}): {again:?}\nfrom {text}", e.message);
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(Value::Object(object)) = serde_json::from_str::<Value>(text) {
        from_client(&object);
        return;
    }
    if let Ok(stored) = CalendarObject::parse(text) {
        let object = to_jscalendar(&stored);
        if !object.is_empty() {
            let _ = from_jscalendar(&object);
        }
    }
});
