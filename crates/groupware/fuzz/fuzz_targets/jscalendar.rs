//! What JMAP Calendars and JMAP for Task Lists convert (draft-ietf-jmap-calendars §5,
//! draft-ietf-jmap-tasks §3): a CalendarEvent or a Task as /set receives it — a client's JSON
//! object, or a stored one patched — written as the iCalendar to store, and a stored iCalendar
//! object (written over CalDAV or iMIP, so a stranger's) read as JSCalendar. Nothing may panic on any input, and an event the conversion
//! wrote must read back and write again: a client that gets it and sets it unchanged is not refused.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relais_groupware::CalendarObject;
use relais_groupware::jscalendar::{
    from_jscalendar, from_jstask, malformed_time, mistyped_property, to_jscalendar, unknown_property,
};
use serde_json::{Map, Value};

/// The checks of CalendarEvent/set or Task/set, then the conversion (the object's @type
/// chooses); what was written read back.
fn from_client(object: &Map<String, Value>) {
    if unknown_property(object).is_some() || mistyped_property(object).is_some() {
        return;
    }
    let task = object.get("@type").and_then(Value::as_str) == Some("Task");
    if task && malformed_time(object).is_some() {
        return;
    }
    let convert = if task { from_jstask } else { from_jscalendar };
    let Ok((text, parsed)) = convert(object) else { return };
    let again = to_jscalendar(&parsed);
    assert!(!again.is_empty(), "written but not read back: {text}");
    if let Err(e) = convert(&again) {
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
            let _ = from_jstask(&object);
        }
    }
});
