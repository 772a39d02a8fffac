//! A collection's protocol properties, kept as one JSON object in `collections.props`: the
//! live properties Relais understands (RFC 4918 displayname, RFC 4791 calendar-description,
//! calendar-timezone, supported-calendar-component-set, RFC 6352 addressbook-description, Apple's
//! calendar-color and calendar-order, JMAP Calendars' isVisible) and dead properties set by
//! clients, kept verbatim.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ComponentKind;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CollectionProps {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    /// A VCALENDAR with one VTIMEZONE (CALDAV:calendar-timezone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Component names the calendar takes; empty means the collection kind's default.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<String>,
    /// A calendar its owner chose not to show (JMAP Calendars `isVisible` false); its events
    /// still count for free/busy.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
    /// A room's or equipment's booking policy (set by an administrator, not over DAV).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub booking: Option<crate::booking::BookingPolicy>,
    /// Dead properties: "{namespace}local" → the property element as XML.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub dead: BTreeMap<String, String>,
}

impl CollectionProps {
    /// Reads `collections.props`; an empty or unreadable value is no properties.
    pub fn parse(json: &str) -> CollectionProps {
        if json.is_empty() {
            return CollectionProps::default();
        }
        serde_json::from_str(json).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "unreadable collection properties ignored");
            CollectionProps::default()
        })
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The TZID of the calendar's time zone (CALDAV:calendar-timezone's VTIMEZONE), if set.
    pub fn time_zone_id(&self) -> Option<&str> {
        let text = self.timezone.as_deref()?;
        text.lines().find_map(|l| l.trim_end().strip_prefix("TZID:")).map(str::trim).filter(|t| !t.is_empty())
    }

    /// Sets the calendar's time zone to the IANA zone `name` (a VCALENDAR with its VTIMEZONE,
    /// the rules of the year of `now`, as CALDAV:calendar-timezone holds it), or none; `false`
    /// for a name that is no known zone (nothing changed).
    pub fn set_time_zone(&mut self, name: Option<&str>, now: i64) -> bool {
        let Some(name) = name else {
            self.timezone = None;
            return true;
        };
        let Some(zone) = crate::timezone::zone(name) else { return false };
        let year = relais_civil::DateTime::from_unix(now).year;
        let mut lines = vec!["BEGIN:VCALENDAR".to_owned(), "VERSION:2.0".to_owned()];
        lines.push("PRODID:-//Relais//Groupware//EN".to_owned());
        lines.extend(crate::timezone::ZoneRules::of(&zone, year).vtimezone(name));
        lines.push("END:VCALENDAR".to_owned());
        self.timezone = Some(lines.join("\r\n") + "\r\n");
        true
    }

    /// The components a calendar or task list takes (RFC 4791 §5.2.3).
    pub fn supported(&self, task_list: bool) -> Vec<ComponentKind> {
        let named: Vec<ComponentKind> = self.components.iter().filter_map(|c| ComponentKind::from_name(c)).collect();
        if !named.is_empty() {
            named
        } else if task_list {
            vec![ComponentKind::Todo]
        } else {
            vec![ComponentKind::Event, ComponentKind::Todo, ComponentKind::Journal]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_defaults() {
        let mut p = CollectionProps { display_name: Some("Work".into()), ..Default::default() };
        p.dead.insert("{urn:x}y".into(), "<y xmlns=\"urn:x\">1</y>".into());
        assert_eq!(CollectionProps::parse(&p.to_json()), p);
        assert_eq!(CollectionProps::parse(""), CollectionProps::default());
        assert_eq!(CollectionProps::parse("{broken"), CollectionProps::default());
        assert_eq!(CollectionProps::default().supported(true), vec![ComponentKind::Todo]);
        let hidden = CollectionProps { hidden: true, ..Default::default() };
        assert!(hidden.to_json().contains("hidden") && !CollectionProps::default().to_json().contains("hidden"));
        assert_eq!(CollectionProps::parse(&hidden.to_json()), hidden);
        let mut zoned = CollectionProps::default();
        assert!(
            zoned.set_time_zone(Some("Europe/Paris"), 1_796_979_600) && !zoned.set_time_zone(Some("Mars/Olympus"), 0)
        );
        assert_eq!(zoned.time_zone_id(), Some("Europe/Paris"));
        assert!(
            zoned.timezone.as_deref().is_some_and(|t| t.contains("BEGIN:VTIMEZONE") && t.contains("TZOFFSETTO:+0100"))
        );
        assert!(zoned.set_time_zone(None, 0) && zoned.time_zone_id().is_none());
        let only_events = CollectionProps { components: vec!["VEVENT".into()], ..Default::default() };
        assert_eq!(only_events.supported(false), vec![ComponentKind::Event]);
    }
}
