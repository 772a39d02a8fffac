//! A note as the field-by-field clients see it (ActiveSync Notes, MS-ASNOTE; EWS PostItem
//! later): subject, body text, categories, when it last changed. A note is stored as an
//! iCalendar VJOURNAL (RFC 5545 §3.6.3) in a calendar that takes VJOURNAL only — the notes
//! collection — so a CalDAV client that shows journals (memos) reads and writes the same
//! notes. Read from the stored text and written back into it as `task` does: a property whose
//! field did not change keeps its line, every property no field maps is kept.
//!
//! The fields: SUMMARY (subject), DESCRIPTION (body; RFC 5545 lets a VJOURNAL hold several,
//! read joined by a blank line), CATEGORIES (all of them), LAST-MODIFIED (else DTSTAMP).

use relais_store::{Collection, CollectionKind};

use crate::lines::{Component, Line, split_list};
use crate::rrule::{read_stamp, utc_stamp};
use crate::{CollectionProps, ComponentKind};

/// The role of an account's default notes collection (`Groupware::default_notes`).
pub const NOTES_ROLE: &str = "notes";

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NoteFields {
    pub uid: String,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub categories: Vec<String>,
    /// When the note last changed, UTC; `None` when written: now.
    pub last_modified: Option<i64>,
}

/// Property groups the fields map, each rewritten together or kept together.
const GROUPS: &[&str] = &["SUMMARY", "DESCRIPTION", "CATEGORIES"];

fn mapped(name: &str) -> bool {
    GROUPS.contains(&name) || matches!(name, "UID" | "DTSTAMP" | "LAST-MODIFIED")
}

/// Whether `c` is a notes collection: a calendar whose supported component set is VJOURNAL
/// alone (RFC 4791 §5.2.3), however it was made (ActiveSync FolderCreate, CalDAV MKCALENDAR).
pub fn is_note_list(c: &Collection) -> bool {
    c.kind == CollectionKind::Calendar && CollectionProps::parse(&c.props).supported(false) == [ComponentKind::Journal]
}

impl CollectionProps {
    /// The properties of a new notes collection shown as `display_name`.
    pub fn notes(display_name: &str) -> CollectionProps {
        CollectionProps {
            display_name: Some(display_name.to_owned()),
            components: vec![ComponentKind::Journal.name().to_owned()],
            ..CollectionProps::default()
        }
    }
}

impl NoteFields {
    /// The fields of a stored iCalendar object's note; `None` when it holds no VJOURNAL.
    pub fn from_ical(text: &str) -> Option<NoteFields> {
        let root = Component::parse(text)?;
        let j = root.master("VJOURNAL")?;
        let stamp = |name: &str| j.first(name).and_then(|l| read_stamp(&l.value, None, None)).map(|s| s.utc);
        let body: Vec<String> = j.all("DESCRIPTION").map(Line::text_value).filter(|d| !d.is_empty()).collect();
        Some(NoteFields {
            uid: j.text("UID").unwrap_or_default(),
            subject: j.text("SUMMARY"),
            body: (!body.is_empty()).then(|| body.join("\n\n")),
            categories: j.all("CATEGORIES").flat_map(|l| split_list(&l.value)).collect(),
            last_modified: stamp("LAST-MODIFIED").or_else(|| stamp("DTSTAMP")),
        })
    }

    fn group_same(&self, o: &NoteFields, group: &str) -> bool {
        match group {
            "SUMMARY" => o.subject == self.subject,
            "DESCRIPTION" => o.body == self.body,
            "CATEGORIES" => o.categories == self.categories,
            _ => false,
        }
    }

    fn group_lines(&self, group: &str) -> Vec<Line> {
        let text = |name: &str, v: &Option<String>| v.iter().map(|v| Line::text(name, v)).collect::<Vec<_>>();
        match group {
            "SUMMARY" => text("SUMMARY", &self.subject),
            "DESCRIPTION" => text("DESCRIPTION", &self.body),
            "CATEGORIES" if !self.categories.is_empty() => {
                let list: Vec<String> = self.categories.iter().map(|c| crate::lines::escape(c)).collect();
                vec![Line::new("CATEGORIES", &[], &list.join(","))]
            }
            _ => Vec::new(),
        }
    }

    /// The object with these fields and UID, as iCalendar text; with `existing`, what the
    /// fields did not change and what they do not map is kept (other components too).
    pub fn to_ical(&self, existing: Option<&str>) -> String {
        let old_root = existing.and_then(Component::parse);
        let old = existing.and_then(NoteFields::from_ical);
        let before = old_root.as_ref().and_then(|r| r.master("VJOURNAL"));
        let now = relais_store::now();
        let mut root = Component::calendar_over(old_root.as_ref(), "VJOURNAL");
        let mut j = Component { name: "VJOURNAL".into(), ..Component::default() };
        j.lines.push(Line::text("UID", &self.uid));
        j.lines.push(Line::new("DTSTAMP", &[], &utc_stamp(now)));
        j.lines.push(Line::new("LAST-MODIFIED", &[], &utc_stamp(self.last_modified.unwrap_or(now))));
        for group in GROUPS {
            match before {
                Some(b) if old.as_ref().is_some_and(|o| self.group_same(o, group)) => {
                    j.lines.extend(b.lines.iter().filter(|l| l.name == *group).cloned())
                }
                _ => j.lines.extend(self.group_lines(group)),
            }
        }
        match before {
            Some(b) => {
                j.lines.extend(b.lines.iter().filter(|l| !mapped(&l.name)).cloned());
                j.children.extend(b.children.iter().cloned());
            }
            None => j.lines.push(Line::new("CREATED", &[], &utc_stamp(now))),
        }
        root.children.push(j);
        root.to_text()
    }
}

#[cfg(test)]
mod tests {
    use relais_civil::unix_time;

    use super::*;
    use crate::CalendarObject;

    const JOURNAL: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other//EN\r\nBEGIN:VJOURNAL\r\nUID:n-1\r\n\
DTSTAMP:20261201T000000Z\r\nLAST-MODIFIED:20261202T103000Z\r\nSUMMARY;LANGUAGE=de:Einkauf\r\n\
DESCRIPTION:Milch\\, Brot\\nKäse\r\nCATEGORIES:Home,Food\r\nCATEGORIES:Weekly\r\n\
DTSTART;VALUE=DATE:20261201\r\nCLASS:PRIVATE\r\nX-KEPT:1\r\nEND:VJOURNAL\r\nEND:VCALENDAR\r\n";

    fn unfolded(text: &str) -> String {
        text.replace("\r\n ", "")
    }

    #[test]
    fn notes_read_as_fields() {
        let modified = unix_time(2026, 12, 2, 10 * 3600 + 1800);
        let table: [(&str, Option<NoteFields>); 5] = [
            (
                JOURNAL,
                Some(NoteFields {
                    uid: "n-1".into(),
                    subject: Some("Einkauf".into()),
                    body: Some("Milch, Brot\nKäse".into()),
                    categories: vec!["Home".into(), "Food".into(), "Weekly".into()],
                    last_modified: Some(modified),
                }),
            ),
            // Without LAST-MODIFIED, DTSTAMP; two DESCRIPTIONs joined; nothing else.
            (
                "BEGIN:VCALENDAR\r\nBEGIN:VJOURNAL\r\nUID:n-2\r\nDTSTAMP:20261201T000000Z\r\n\
DESCRIPTION:one\r\nDESCRIPTION:two\r\nEND:VJOURNAL\r\nEND:VCALENDAR\r\n",
                Some(NoteFields {
                    uid: "n-2".into(),
                    body: Some("one\n\ntwo".into()),
                    last_modified: Some(unix_time(2026, 12, 1, 0)),
                    ..NoteFields::default()
                }),
            ),
            // The series' journal, not an override before it.
            (
                "BEGIN:VCALENDAR\r\nBEGIN:VJOURNAL\r\nUID:n-3\r\nRECURRENCE-ID:20261202T000000Z\r\nSUMMARY:moved\r\n\
END:VJOURNAL\r\nBEGIN:VJOURNAL\r\nUID:n-3\r\nSUMMARY:series\r\nEND:VJOURNAL\r\nEND:VCALENDAR\r\n",
                Some(NoteFields { uid: "n-3".into(), subject: Some("series".into()), ..NoteFields::default() }),
            ),
            ("BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:t\r\nEND:VTODO\r\nEND:VCALENDAR\r\n", None),
            ("not iCalendar", None),
        ];
        for (text, want) in table {
            assert_eq!(NoteFields::from_ical(text), want, "{text}");
        }
    }

    #[test]
    fn notes_written_as_journals() {
        let at = unix_time(2026, 12, 5, 9 * 3600);
        // (fields, lines the text must hold)
        let table: [(NoteFields, &[&str]); 3] = [
            (
                NoteFields {
                    uid: "p-1".into(),
                    subject: Some("Call Anna".into()),
                    body: Some("about the lease;\nbefore Friday".into()),
                    categories: vec!["Work".into(), "a,b".into()],
                    last_modified: Some(at),
                },
                &[
                    "BEGIN:VJOURNAL",
                    "UID:p-1",
                    "SUMMARY:Call Anna",
                    "DESCRIPTION:about the lease\\;\\nbefore Friday",
                    "CATEGORIES:Work,a\\,b",
                    "LAST-MODIFIED:20261205T090000Z",
                    "CREATED:",
                ],
            ),
            (NoteFields { uid: "p-2".into(), ..NoteFields::default() }, &["UID:p-2", "LAST-MODIFIED:"]),
            (
                NoteFields { uid: "p-3".into(), body: Some("only a body".into()), ..NoteFields::default() },
                &["DESCRIPTION:only a body"],
            ),
        ];
        for (fields, lines) in table {
            let text = unfolded(&fields.to_ical(None));
            let object = CalendarObject::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
            assert_eq!(object.kind, ComponentKind::Journal);
            for line in lines {
                assert!(text.lines().any(|l| l.starts_with(line)), "{line} in {text}");
            }
            let back = NoteFields::from_ical(&text).unwrap();
            let want_modified = fields.last_modified.or(back.last_modified);
            assert_eq!(back, NoteFields { last_modified: want_modified, ..fields }, "{text}");
        }
    }

    #[test]
    fn a_change_keeps_what_it_does_not_map() {
        let before = NoteFields::from_ical(JOURNAL).unwrap();
        // Nothing changed: every line as it was (the subject's LANGUAGE too).
        let same = unfolded(&before.to_ical(Some(JOURNAL)));
        for kept in ["SUMMARY;LANGUAGE=de:Einkauf", "CATEGORIES:Weekly", "DTSTART;VALUE=DATE:20261201", "X-KEPT:1"] {
            assert!(same.contains(kept), "{kept} in {same}");
        }
        assert_eq!(NoteFields::from_ical(&same).as_ref(), Some(&before));
        assert!(!same.contains("CREATED:"), "{same}");
        // The body and categories changed: those lines rewritten, the subject's kept.
        let at = unix_time(2026, 12, 6, 0);
        let changed = NoteFields {
            body: Some("Eier".into()),
            categories: vec!["Home".into()],
            last_modified: Some(at),
            ..before
        };
        let text = unfolded(&changed.to_ical(Some(JOURNAL)));
        assert_eq!(NoteFields::from_ical(&text).as_ref(), Some(&changed), "{text}");
        assert!(text.contains("SUMMARY;LANGUAGE=de:Einkauf") && text.contains("CLASS:PRIVATE"), "{text}");
        assert_eq!(text.matches("CATEGORIES").count(), 1, "{text}");
        assert_eq!(text.matches("LAST-MODIFIED").count(), 1, "{text}");
        // A cleared subject is gone.
        let cleared = NoteFields { subject: None, ..changed };
        let text = unfolded(&cleared.to_ical(Some(&text)));
        assert!(!text.contains("SUMMARY"), "{text}");
    }

    #[test]
    fn notes_collections() {
        let coll = |kind, props: &CollectionProps| Collection {
            id: relais_store::CollectionId(1),
            account: relais_store::AccountId(1),
            kind,
            name: "n".into(),
            parent: None,
            role: None,
            uid_validity: 1,
            uid_next: 1,
            modseq: relais_store::Modseq(1),
            subscribed: true,
            props: props.to_json(),
        };
        let journals = CollectionProps { components: vec!["VJOURNAL".into()], ..CollectionProps::default() };
        let mixed = CollectionProps { components: vec!["VJOURNAL".into(), "VTODO".into()], ..Default::default() };
        let table = [
            (CollectionKind::Calendar, CollectionProps::notes("Notes"), true),
            (CollectionKind::Calendar, journals.clone(), true),
            (CollectionKind::Calendar, CollectionProps::default(), false),
            (CollectionKind::Calendar, mixed, false),
            (CollectionKind::TaskList, journals, false),
        ];
        for (kind, props, want) in table {
            assert_eq!(is_note_list(&coll(kind, &props)), want, "{kind:?} {props:?}");
        }
    }
}
