//! An event as the field-by-field clients see it (ActiveSync Calendar, MS-ASCAL; EWS
//! CalendarItem to come): subject, times in UTC with the zone they were set in, all-day,
//! location, body, busy status, sensitivity, reminder, organizer and attendees, recurrence and
//! its exceptions. Read from a stored VEVENT ([`EventFields::from_ical`]) and written back into
//! it ([`EventFields::to_ical`]): a property whose field did not change keeps its line as
//! written, every property no field maps is kept, so a client that knows fewer fields loses
//! nothing another client stored, and what the client sent reads back the same.

use crate::lines::{Component, Line, split_list};
use crate::rrule::{Recurrence, Stamp, local_of, read_stamp, stamp_line, utc_stamp};
use crate::scheduling::address_of;

/// MS-ASCAL BusyStatus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BusyStatus {
    Free,
    Tentative,
    #[default]
    Busy,
    OutOfOffice,
    WorkingElsewhere,
}

/// MS-ASCAL Sensitivity (iCalendar CLASS; Personal as `X-PERSONAL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Sensitivity {
    #[default]
    Normal,
    Personal,
    Private,
    Confidential,
}

/// MS-ASCAL AttendeeType.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AttendeeKind {
    #[default]
    Required,
    Optional,
    Resource,
}

/// MS-ASCAL AttendeeStatus; `Unknown` is an ATTENDEE without PARTSTAT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AttendeeStatus {
    #[default]
    Unknown,
    Tentative,
    Accepted,
    Declined,
    NotResponded,
}

impl AttendeeStatus {
    pub fn partstat(self) -> Option<&'static str> {
        match self {
            AttendeeStatus::Unknown => None,
            AttendeeStatus::Tentative => Some("TENTATIVE"),
            AttendeeStatus::Accepted => Some("ACCEPTED"),
            AttendeeStatus::Declined => Some("DECLINED"),
            AttendeeStatus::NotResponded => Some("NEEDS-ACTION"),
        }
    }

    fn of(partstat: Option<&str>) -> AttendeeStatus {
        match partstat.map(str::to_ascii_uppercase).as_deref() {
            None => AttendeeStatus::Unknown,
            Some("ACCEPTED") => AttendeeStatus::Accepted,
            Some("TENTATIVE") => AttendeeStatus::Tentative,
            Some("DECLINED") => AttendeeStatus::Declined,
            Some(_) => AttendeeStatus::NotResponded,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Person {
    /// Lower case, without `mailto:`.
    pub address: String,
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Attendee {
    pub person: Person,
    pub kind: AttendeeKind,
    pub status: AttendeeStatus,
}

/// One occurrence changed or deleted, named by its original start. A field is `Some` only
/// where the occurrence differs from the series.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Exception {
    pub original_start: i64,
    pub deleted: bool,
    pub subject: Option<String>,
    pub location: Option<String>,
    pub body: Option<String>,
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub all_day: Option<bool>,
    pub busy: Option<BusyStatus>,
    pub reminder: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventFields {
    pub uid: String,
    pub subject: Option<String>,
    pub location: Option<String>,
    pub body: Option<String>,
    /// UTC; an all-day event starts at midnight of its first day in `time_zone` (UTC without).
    pub start: i64,
    pub end: i64,
    pub all_day: bool,
    /// The IANA zone the times were set in.
    pub time_zone: Option<String>,
    pub busy: BusyStatus,
    pub sensitivity: Sensitivity,
    /// Minutes before the start.
    pub reminder: Option<u32>,
    pub organizer: Option<Person>,
    pub attendees: Vec<Attendee>,
    pub recurrence: Option<Recurrence>,
    pub exceptions: Vec<Exception>,
    pub categories: Vec<String>,
    /// STATUS:CANCELLED.
    pub cancelled: bool,
}

/// The VEVENT properties the fields stand for, in groups that are kept or replaced together.
const GROUPS: &[&[&str]] = &[
    &["SUMMARY"],
    &["LOCATION"],
    &["DESCRIPTION"],
    &["DTSTART", "DTEND", "DURATION"],
    &["TRANSP", "X-MICROSOFT-CDO-BUSYSTATUS"],
    &["CLASS"],
    &["ORGANIZER"],
    &["ATTENDEE"],
    &["RRULE"],
    &["EXDATE"],
    &["CATEGORIES"],
];

fn mapped(name: &str) -> bool {
    GROUPS.iter().any(|g| g.contains(&name)) || matches!(name, "UID" | "DTSTAMP" | "RECURRENCE-ID")
}

/// A duration value (RFC 5545 §3.3.6) in seconds.
pub(crate) fn duration(value: &str) -> Option<i64> {
    let v = value.trim();
    let (sign, v) = match v.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, v.strip_prefix('+').unwrap_or(v)),
    };
    let v = v.strip_prefix(['P', 'p'])?;
    let (mut total, mut num, mut in_time) = (0i64, String::new(), false);
    for c in v.chars() {
        match c.to_ascii_uppercase() {
            'T' => in_time = true,
            d if d.is_ascii_digit() => num.push(d),
            unit => {
                let n: i64 = num.parse().ok()?;
                num.clear();
                let unit = match (unit, in_time) {
                    ('W', false) => 604_800,
                    ('D', false) => 86_400,
                    ('H', true) => 3600,
                    ('M', true) => 60,
                    ('S', true) => 1,
                    _ => return None,
                };
                // Past a few thousand years it is no duration a calendar means.
                total = n.checked_mul(unit).and_then(|x| total.checked_add(x)).filter(|t| *t < 1 << 40)?;
            }
        }
    }
    num.is_empty().then_some(sign * total)
}

/// The reminder of a component: its first alarm triggered a time before the start.
fn reminder_of(c: &Component) -> Option<u32> {
    c.children.iter().filter(|a| a.name == "VALARM").find_map(|a| {
        let t = a.first("TRIGGER")?;
        if t.param("VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE-TIME")) {
            return None;
        }
        let secs = duration(&t.value)?;
        u32::try_from(-secs / 60).ok()
    })
}

pub(crate) fn alarm(minutes: u32) -> Component {
    Component {
        name: "VALARM".into(),
        lines: vec![
            Line::new("ACTION", &[], "DISPLAY"),
            Line::text("DESCRIPTION", "Reminder"),
            Line::new("TRIGGER", &[], &format!("-PT{minutes}M")),
        ],
        children: Vec::new(),
    }
}

fn busy_of(c: &Component) -> BusyStatus {
    match c.first("X-MICROSOFT-CDO-BUSYSTATUS").map(|l| l.value.trim().to_ascii_uppercase()).as_deref() {
        Some("FREE") => return BusyStatus::Free,
        Some("TENTATIVE") => return BusyStatus::Tentative,
        Some("OOF") => return BusyStatus::OutOfOffice,
        Some("WORKINGELSEWHERE") => return BusyStatus::WorkingElsewhere,
        Some("BUSY") => return BusyStatus::Busy,
        _ => {}
    }
    if c.first("TRANSP").is_some_and(|l| l.value.trim().eq_ignore_ascii_case("TRANSPARENT")) {
        BusyStatus::Free
    } else if c.first("STATUS").is_some_and(|l| l.value.trim().eq_ignore_ascii_case("TENTATIVE")) {
        BusyStatus::Tentative
    } else {
        BusyStatus::Busy
    }
}

pub(crate) fn busy_lines(b: BusyStatus) -> Vec<Line> {
    let transp = if b == BusyStatus::Free { "TRANSPARENT" } else { "OPAQUE" };
    let mut out = vec![Line::new("TRANSP", &[], transp)];
    let cdo = match b {
        BusyStatus::Tentative => Some("TENTATIVE"),
        BusyStatus::OutOfOffice => Some("OOF"),
        BusyStatus::WorkingElsewhere => Some("WORKINGELSEWHERE"),
        _ => None,
    };
    if let Some(v) = cdo {
        out.push(Line::new("X-MICROSOFT-CDO-BUSYSTATUS", &[], v));
    }
    out
}

pub(crate) fn sensitivity_of(c: &Component) -> Sensitivity {
    match c.first("CLASS").map(|l| l.value.trim().to_ascii_uppercase()).as_deref() {
        Some("PRIVATE") => Sensitivity::Private,
        Some("CONFIDENTIAL") => Sensitivity::Confidential,
        Some("X-PERSONAL") => Sensitivity::Personal,
        _ => Sensitivity::Normal,
    }
}

pub(crate) fn sensitivity_lines(s: Sensitivity) -> Vec<Line> {
    match s {
        Sensitivity::Normal => Vec::new(),
        Sensitivity::Personal => vec![Line::new("CLASS", &[], "X-PERSONAL")],
        Sensitivity::Private => vec![Line::new("CLASS", &[], "PRIVATE")],
        Sensitivity::Confidential => vec![Line::new("CLASS", &[], "CONFIDENTIAL")],
    }
}

fn person_of(l: &Line) -> Person {
    Person { address: address_of(&l.value), name: l.param("CN").map(str::to_owned).filter(|n| !n.is_empty()) }
}

fn attendee_of(l: &Line) -> Attendee {
    let cutype = l.param("CUTYPE").map(str::to_ascii_uppercase);
    let role = l.param("ROLE").map(str::to_ascii_uppercase);
    let kind = if matches!(cutype.as_deref(), Some("RESOURCE" | "ROOM")) {
        AttendeeKind::Resource
    } else if matches!(role.as_deref(), Some("OPT-PARTICIPANT" | "NON-PARTICIPANT")) {
        AttendeeKind::Optional
    } else {
        AttendeeKind::Required
    };
    Attendee { person: person_of(l), kind, status: AttendeeStatus::of(l.param("PARTSTAT")) }
}

/// An ATTENDEE line for `a`: the one it had (`old`) with its fields set, or a new one.
fn attendee_line(a: &Attendee, old: Option<&Line>) -> Line {
    let base = old.cloned().unwrap_or_else(|| Line::new("ATTENDEE", &[], &format!("mailto:{}", a.person.address)));
    let (cutype, role) = match a.kind {
        AttendeeKind::Required => (None, "REQ-PARTICIPANT"),
        AttendeeKind::Optional => (None, "OPT-PARTICIPANT"),
        AttendeeKind::Resource => (Some("RESOURCE"), "NON-PARTICIPANT"),
    };
    let keep_cutype = old.and_then(|o| o.param("CUTYPE")).filter(|c| c.eq_ignore_ascii_case("ROOM"));
    base.with_param("CN", a.person.name.as_deref())
        .with_param("ROLE", Some(role))
        .with_param("CUTYPE", keep_cutype.or(cutype))
        .with_param("PARTSTAT", a.status.partstat())
}

/// The stamps of a DATE-TIME list property (EXDATE), read in the series' zone.
fn stamps_of(l: &Line, floating: Option<&str>) -> Vec<Stamp> {
    split_list(&l.value).iter().filter_map(|v| read_stamp(v, l.param("TZID"), floating)).collect()
}

/// Start, end, all-day and zone of a component (DTEND, else DURATION, else the start's day
/// for a DATE and the start itself otherwise, RFC 5545 §3.6.1).
fn times_of(c: &Component, floating: Option<&str>) -> Option<(Stamp, i64)> {
    let s = c.first("DTSTART")?;
    let start = read_stamp(&s.value, s.param("TZID"), floating)?;
    let end = match (c.first("DTEND"), c.first("DURATION")) {
        (Some(e), _) => read_stamp(&e.value, e.param("TZID"), floating).map(|e| e.utc),
        (None, Some(d)) => duration(&d.value).map(|d| start.utc.saturating_add(d)),
        (None, None) => None,
    };
    let end = end.unwrap_or(if start.date { start.utc + 86_400 } else { start.utc }).max(start.utc);
    Some((start, end))
}

impl EventFields {
    /// The fields of a stored iCalendar object's event; `None` when it holds none.
    pub fn from_ical(text: &str) -> Option<EventFields> {
        let root = Component::parse(text)?;
        let events: Vec<&Component> = root.children.iter().filter(|c| c.name == "VEVENT").collect();
        let master = events.iter().find(|c| c.first("RECURRENCE-ID").is_none()).or(events.first())?;
        let (start, end) = times_of(master, None)?;
        let zone = start.zone.clone();
        let mut f = EventFields {
            uid: master.text("UID").unwrap_or_default(),
            subject: master.text("SUMMARY"),
            location: master.text("LOCATION"),
            body: master.text("DESCRIPTION"),
            start: start.utc,
            end,
            all_day: start.date,
            time_zone: zone.clone(),
            busy: busy_of(master),
            sensitivity: sensitivity_of(master),
            reminder: reminder_of(master),
            organizer: master.first("ORGANIZER").map(person_of),
            attendees: master.all("ATTENDEE").map(attendee_of).collect(),
            recurrence: None,
            exceptions: Vec::new(),
            categories: master.all("CATEGORIES").flat_map(|l| split_list(&l.value)).collect(),
            cancelled: master.first("STATUS").is_some_and(|s| s.value.trim().eq_ignore_ascii_case("CANCELLED")),
        };
        f.recurrence = master
            .first("RRULE")
            .and_then(|r| Recurrence::from_rrule(&r.value, local_of(f.start, zone.as_deref()), zone.as_deref()));
        if f.recurrence.is_some() {
            for l in master.all("EXDATE") {
                for s in stamps_of(l, zone.as_deref()) {
                    f.exceptions.push(Exception { original_start: s.utc, deleted: true, ..Exception::default() });
                }
            }
            for o in events.iter().filter(|c| c.first("RECURRENCE-ID").is_some()) {
                if let Some(e) = f.exception_of(o) {
                    f.exceptions.push(e);
                }
            }
            f.exceptions.sort_by_key(|e| e.original_start);
        }
        Some(f)
    }

    /// An overriding component read as an exception of this series.
    fn exception_of(&self, o: &Component) -> Option<Exception> {
        let zone = self.time_zone.as_deref();
        let rid = o.first("RECURRENCE-ID")?;
        let original = read_stamp(&rid.value, rid.param("TZID"), zone)?;
        let differs = |v: Option<String>, series: &Option<String>| v.filter(|v| Some(v) != series.as_ref());
        let (start, end) = times_of(o, zone).map_or((None, None), |(s, e)| (Some((s.utc, s.date)), Some(e)));
        let busy = busy_of(o);
        Some(Exception {
            original_start: original.utc,
            deleted: false,
            subject: differs(o.text("SUMMARY"), &self.subject),
            location: differs(o.text("LOCATION"), &self.location),
            body: differs(o.text("DESCRIPTION"), &self.body),
            start: start.map(|s| s.0).filter(|s| *s != original.utc),
            end: end.filter(|e| *e != original.utc + (self.end - self.start)),
            all_day: start.map(|s| s.1).filter(|d| *d != self.all_day),
            busy: (busy != self.busy).then_some(busy),
            reminder: reminder_of(o).filter(|r| Some(*r) != self.reminder),
        })
    }

    /// The object with these fields and UID, as iCalendar text. With `existing` (the stored
    /// text), every line whose field did not change and every property no field maps is kept.
    pub fn to_ical(&self, existing: Option<&str>) -> String {
        let old_root = existing.and_then(Component::parse);
        let old = existing.and_then(EventFields::from_ical);
        let old_events: Vec<&Component> =
            old_root.iter().flat_map(|r| r.children.iter().filter(|c| c.name == "VEVENT")).collect();
        // As `from_ical` chose it: the component without RECURRENCE-ID, else the first (an
        // attendee invited to single occurrences holds only overrides).
        let old_master = old_events.iter().find(|c| c.first("RECURRENCE-ID").is_none()).or(old_events.first()).copied();
        let mut root = Component { name: "VCALENDAR".into(), ..Component::default() };
        match &old_root {
            Some(r) => root.lines = r.lines.iter().filter(|l| l.name != "METHOD").cloned().collect(),
            None => {
                root.lines.push(Line::new("VERSION", &[], "2.0"));
                root.lines.push(Line::new("PRODID", &[], "-//Relais//Groupware//EN"));
            }
        }
        // The zones: those kept that are still named, and one for this event's zone.
        let zone = self.time_zone.as_deref().filter(|_| !self.all_day);
        for c in old_root.iter().flat_map(|r| r.children.iter()) {
            let tzid = c.first("TZID").map(|l| l.value.trim().to_owned());
            match c.name.as_str() {
                "VTIMEZONE" if tzid.as_deref() == zone || zone.is_none() => root.children.push(c.clone()),
                "VTIMEZONE" | "VEVENT" => {}
                _ => root.children.push(c.clone()),
            }
        }
        if let Some(z) = zone
            && !root.children.iter().any(|c| c.name == "VTIMEZONE" && c.first("TZID").is_some_and(|t| t.value == z))
            && let Some(tz) = crate::timezone::zone(z)
        {
            let year = relais_civil::DateTime::from_unix(self.start).year;
            let text = crate::timezone::ZoneRules::of(&tz, year).vtimezone(z);
            if let Some(c) = Component::parse(&format!("{}\r\n", text.join("\r\n"))) {
                root.children.insert(0, c);
            }
        }
        root.children.push(self.master(old.as_ref(), old_master));
        if self.recurrence.is_none() && old.as_ref().is_none_or(|o| o.recurrence.is_none()) {
            // No series the fields speak for (orphan occurrences, or a rule Exchange cannot
            // say, which stays): the other components stay as they were.
            let others = old_events.iter().copied().filter(|c| old_master.is_none_or(|m| !std::ptr::eq(*c, m)));
            root.children.extend(others.cloned());
        }
        let same_exceptions = old.as_ref().is_some_and(|o| o.exceptions == self.exceptions && o.start == self.start);
        for e in self.exceptions.iter().filter(|e| !e.deleted) {
            let before = old_events.iter().copied().find(|c| {
                c.first("RECURRENCE-ID")
                    .and_then(|r| read_stamp(&r.value, r.param("TZID"), zone))
                    .is_some_and(|s| s.utc == e.original_start)
            });
            match before {
                Some(b) if same_exceptions => root.children.push(b.clone()),
                _ => root.children.push(self.override_of(e, before)),
            }
        }
        root.to_text()
    }

    /// The main VEVENT: each group of lines kept when its field did not change, else new.
    fn master(&self, old: Option<&EventFields>, before: Option<&Component>) -> Component {
        let mut c = Component { name: "VEVENT".into(), ..Component::default() };
        c.lines.push(Line::text("UID", &self.uid));
        c.lines.push(Line::new("DTSTAMP", &[], &utc_stamp(relais_store::now())));
        for group in GROUPS {
            let same = old.is_some_and(|o| self.group_same(o, group[0]));
            match before {
                Some(b) if same => c.lines.extend(b.lines.iter().filter(|l| group.contains(&l.name.as_str())).cloned()),
                _ => c.lines.extend(self.group_lines(group[0], before, self.time_zone.as_deref())),
            }
        }
        if let Some(b) = before {
            // An orphan occurrence keeps saying which one it is.
            c.lines.extend(b.lines.iter().filter(|l| !mapped(&l.name) || l.name == "RECURRENCE-ID").cloned());
        }
        let same_alarm = old.is_some_and(|o| o.reminder == self.reminder);
        for child in before.iter().flat_map(|b| b.children.iter()) {
            if child.name != "VALARM" || same_alarm {
                c.children.push(child.clone());
            }
        }
        if !same_alarm && let Some(m) = self.reminder {
            c.children.push(alarm(m));
        }
        c
    }

    fn group_same(&self, o: &EventFields, first: &str) -> bool {
        match first {
            "SUMMARY" => o.subject == self.subject,
            "LOCATION" => o.location == self.location,
            "DESCRIPTION" => o.body == self.body,
            "DTSTART" => {
                (o.start, o.end, o.all_day) == (self.start, self.end, self.all_day)
                    && (self.all_day || o.time_zone == self.time_zone)
            }
            "TRANSP" => o.busy == self.busy,
            "CLASS" => o.sensitivity == self.sensitivity,
            "ORGANIZER" => o.organizer == self.organizer,
            "ATTENDEE" => o.attendees == self.attendees,
            "RRULE" => o.recurrence == self.recurrence,
            "EXDATE" => o.exceptions == self.exceptions && o.start == self.start,
            "CATEGORIES" => o.categories == self.categories,
            _ => false,
        }
    }

    fn group_lines(&self, first: &str, before: Option<&Component>, zone: Option<&str>) -> Vec<Line> {
        let text = |name: &str, v: &Option<String>| v.iter().map(|v| Line::text(name, v)).collect::<Vec<_>>();
        match first {
            "SUMMARY" => text("SUMMARY", &self.subject),
            "LOCATION" => text("LOCATION", &self.location),
            "DESCRIPTION" => text("DESCRIPTION", &self.body),
            "DTSTART" => vec![
                stamp_line("DTSTART", self.start, self.all_day, zone),
                stamp_line("DTEND", self.end.max(self.start), self.all_day, zone),
            ],
            "TRANSP" => busy_lines(self.busy),
            "CLASS" => sensitivity_lines(self.sensitivity),
            "ORGANIZER" => self
                .organizer
                .iter()
                .map(|p| {
                    let old = before.and_then(|b| b.first("ORGANIZER")).filter(|l| address_of(&l.value) == p.address);
                    let base =
                        old.cloned().unwrap_or_else(|| Line::new("ORGANIZER", &[], &format!("mailto:{}", p.address)));
                    base.with_param("CN", p.name.as_deref())
                })
                .collect(),
            "ATTENDEE" => self
                .attendees
                .iter()
                .map(|a| {
                    let old = before.and_then(|b| b.all("ATTENDEE").find(|l| address_of(&l.value) == a.person.address));
                    attendee_line(a, old)
                })
                .collect(),
            "RRULE" => {
                self.recurrence.iter().map(|r| Line::new("RRULE", &[], &r.to_rrule(self.all_day, zone))).collect()
            }
            "EXDATE" if self.recurrence.is_some() => self
                .exceptions
                .iter()
                .filter(|e| e.deleted)
                .map(|e| stamp_line("EXDATE", e.original_start, self.all_day, zone))
                .collect(),
            "CATEGORIES" if !self.categories.is_empty() => {
                let list: Vec<String> = self.categories.iter().map(|c| crate::lines::escape(c)).collect();
                vec![Line::new("CATEGORIES", &[], &list.join(","))]
            }
            _ => Vec::new(),
        }
    }

    /// The component overriding occurrence `e`, keeping what the one `before` held.
    fn override_of(&self, e: &Exception, before: Option<&Component>) -> Component {
        let zone = self.time_zone.as_deref();
        let all_day = e.all_day.unwrap_or(self.all_day);
        let start = e.start.unwrap_or(e.original_start);
        let end = e.end.unwrap_or(start + (self.end - self.start)).max(start);
        let mut c = Component { name: "VEVENT".into(), ..Component::default() };
        c.lines.push(Line::text("UID", &self.uid));
        c.lines.push(Line::new("DTSTAMP", &[], &utc_stamp(relais_store::now())));
        c.lines.push(stamp_line("RECURRENCE-ID", e.original_start, self.all_day, zone));
        c.lines.push(stamp_line("DTSTART", start, all_day, zone));
        c.lines.push(stamp_line("DTEND", end, all_day, zone));
        for (name, v) in [("SUMMARY", &e.subject), ("LOCATION", &e.location), ("DESCRIPTION", &e.body)] {
            let series = match name {
                "SUMMARY" => &self.subject,
                "LOCATION" => &self.location,
                _ => &self.body,
            };
            if let Some(v) = v.as_ref().or(series.as_ref()) {
                c.lines.push(Line::text(name, v));
            }
        }
        c.lines.extend(busy_lines(e.busy.unwrap_or(self.busy)));
        c.lines.extend(sensitivity_lines(self.sensitivity));
        c.lines.extend(self.group_lines("ORGANIZER", before, zone));
        c.lines.extend(self.group_lines("ATTENDEE", before, zone));
        if let Some(b) = before {
            c.lines.extend(b.lines.iter().filter(|l| !mapped(&l.name)).cloned());
            c.children.extend(b.children.iter().filter(|a| a.name != "VALARM").cloned());
        }
        if let Some(m) = e.reminder.or(self.reminder) {
            c.children.push(alarm(m));
        }
        c
    }
}

#[cfg(test)]
#[path = "event_tests.rs"]
mod tests;
