//! An iCalendar object as its content lines (RFC 5545 §3.1), nested by BEGIN/END, each line
//! kept as written: the field conversions (`event`, `task`) rewrite the properties they map
//! and write every other line back unchanged, so nothing a client stored is lost to a client
//! that knows fewer properties. Values are read only where a conversion maps them.

/// One content line: name (upper case), parameters, raw value, and the line as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    pub name: String,
    /// Names upper case, values without their quotes.
    pub params: Vec<(String, String)>,
    pub value: String,
    pub raw: String,
}

/// A component: BEGIN:name … END:name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Component {
    pub name: String,
    pub lines: Vec<Line>,
    pub children: Vec<Component>,
}

/// Most nesting levels read (VCALENDAR / VEVENT / VALARM is three).
const MAX_DEPTH: usize = 8;

impl Line {
    /// Reads one unfolded line; `None` when it has no `:`.
    pub fn parse(raw: &str) -> Option<Line> {
        let (mut in_quotes, mut colon) = (false, None);
        for (i, c) in raw.char_indices() {
            match c {
                '"' => in_quotes = !in_quotes,
                ':' if !in_quotes => {
                    colon = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let colon = colon?;
        let (head, value) = (&raw[..colon], &raw[colon + 1..]);
        let mut parts = split_unquoted(head, ';').into_iter();
        let name = parts.next()?.trim().to_ascii_uppercase();
        // A group prefix (`item1.X`) is not used in iCalendar; kept in `raw` anyway.
        let params = parts
            .filter_map(|p| {
                let (k, v) = p.split_once('=')?;
                Some((k.trim().to_ascii_uppercase(), v.trim().trim_matches('"').to_owned()))
            })
            .collect();
        Some(Line { name, params, value: value.to_owned(), raw: raw.to_owned() })
    }

    /// A new line; parameter values with `:`, `;` or `,` are quoted, and lose the control
    /// characters (CR and LF among them) no parameter value may hold (RFC 5545 §3.1:
    /// SAFE-CHAR and QSAFE-CHAR exclude CONTROL), so no value a peer sent makes another line.
    pub fn new(name: &str, params: &[(&str, &str)], value: &str) -> Line {
        let params: Vec<(&str, String)> =
            params.iter().map(|(k, v)| (*k, v.chars().filter(|c| !c.is_control()).collect())).collect();
        let mut raw = name.to_owned();
        for (k, v) in &params {
            let v = v.replace('"', "'");
            if v.contains([':', ';', ',']) {
                raw.push_str(&format!(";{k}=\"{v}\""));
            } else {
                raw.push_str(&format!(";{k}={v}"));
            }
        }
        raw.push(':');
        raw.push_str(value);
        Line {
            name: name.to_owned(),
            params: params.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            value: value.to_owned(),
            raw,
        }
    }

    /// A text property (RFC 5545 §3.3.11), escaped.
    pub fn text(name: &str, value: &str) -> Line {
        Line::new(name, &[], &escape(value))
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The line with parameter `name` set to `value` (or removed, for `None`), the others kept.
    pub fn with_param(&self, name: &str, value: Option<&str>) -> Line {
        let mut params: Vec<(String, String)> = self.params.iter().filter(|(k, _)| k != name).cloned().collect();
        if let Some(v) = value {
            params.push((name.to_owned(), v.to_owned()));
        }
        let refs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        Line::new(&self.name, &refs, &self.value)
    }

    /// The value as text, unescaped.
    pub fn text_value(&self) -> String {
        unescape(&self.value)
    }
}

impl Component {
    /// Reads the first component of `text` (the VCALENDAR); `None` when it is not one
    /// complete component.
    pub fn parse(text: &str) -> Option<Component> {
        let mut stack: Vec<Component> = Vec::new();
        for raw in unfold(text) {
            let Some(line) = Line::parse(&raw) else { continue };
            match line.name.as_str() {
                "BEGIN" => {
                    if stack.len() >= MAX_DEPTH {
                        return None;
                    }
                    stack.push(Component { name: line.value.trim().to_ascii_uppercase(), ..Component::default() });
                }
                "END" => {
                    let done = stack.pop()?;
                    if !done.name.eq_ignore_ascii_case(line.value.trim()) {
                        return None;
                    }
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(done),
                        None => return Some(done),
                    }
                }
                _ => stack.last_mut()?.lines.push(line),
            }
        }
        None
    }

    /// The VCALENDAR a field conversion writes its one `kind` of component into: the stored
    /// one's properties (METHOD aside: stored is no iTIP message) and its other components,
    /// or a new one.
    pub fn calendar_over(old: Option<&Component>, kind: &str) -> Component {
        let mut root = Component { name: "VCALENDAR".into(), ..Component::default() };
        match old {
            Some(r) => {
                root.lines = r.lines.iter().filter(|l| l.name != "METHOD").cloned().collect();
                root.children = r.children.iter().filter(|c| c.name != kind).cloned().collect();
            }
            None => {
                root.lines.push(Line::new("VERSION", &[], "2.0"));
                root.lines.push(Line::new("PRODID", &[], "-//Relais//Groupware//EN"));
            }
        }
        root
    }

    /// The child `kind` a field conversion reads: the first without RECURRENCE-ID (the
    /// series), else the first.
    pub fn master(&self, kind: &str) -> Option<&Component> {
        let mut all = self.children.iter().filter(|c| c.name == kind);
        all.clone().find(|c| c.first("RECURRENCE-ID").is_none()).or_else(|| all.next())
    }

    pub fn first(&self, name: &str) -> Option<&Line> {
        self.lines.iter().find(|l| l.name == name)
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Line> + 'a {
        self.lines.iter().filter(move |l| l.name == name)
    }

    /// The text value of the first `name`, unescaped, when not empty.
    pub fn text(&self, name: &str) -> Option<String> {
        self.first(name).map(Line::text_value).filter(|t| !t.is_empty())
    }

    /// The component as folded lines (RFC 5545 §3.1: 75 octets, CRLF).
    pub fn write(&self, out: &mut String) {
        fold(&format!("BEGIN:{}", self.name), out);
        for l in &self.lines {
            fold(&l.raw, out);
        }
        for c in &self.children {
            c.write(out);
        }
        fold(&format!("END:{}", self.name), out);
    }

    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }
}

fn split_unquoted(s: &str, sep: char) -> Vec<&str> {
    let (mut out, mut start, mut in_quotes) = (Vec::new(), 0, false);
    for (i, c) in s.char_indices() {
        if c == '"' {
            in_quotes = !in_quotes;
        } else if c == sep && !in_quotes {
            out.push(&s[start..i]);
            start = i + 1;
        }
    }
    out.push(&s[start..]);
    out
}

/// The logical lines of `text`: CRLF or LF, continuation lines joined, blank lines left out.
/// Blank is empty or only SP and HTAB (RFC 5545's WSP): a line of other white space (vertical
/// tabs, say) is content, and the first part of a long line `fold` cut there, whose
/// continuation must join it again, not the line before it.
pub(crate) fn unfold(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for raw in text.split('\n') {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        match raw.chars().next() {
            Some(' ' | '\t') if !lines.is_empty() => {
                if let Some(last) = lines.last_mut() {
                    last.push_str(&raw[1..]);
                }
            }
            _ if raw.trim_matches([' ', '\t']).is_empty() => {}
            _ => lines.push(raw.to_owned()),
        }
    }
    lines
}

/// RFC 5545 §3.1 (and RFC 6350 §3.2 for vCards): lines folded at 75 octets, on character
/// boundaries.
pub(crate) fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

/// RFC 5545 §3.3.11 TEXT escaping is vCard's (RFC 6350 §3.4): one escaper for both.
pub(crate) use crate::vcard::escape;

pub(crate) fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// Splits a list value (CATEGORIES, EXDATE) on unescaped commas.
pub(crate) fn split_list(value: &str) -> Vec<String> {
    let (mut out, mut cur, mut escaped) = (Vec::new(), String::new(), false);
    for c in value.chars() {
        match c {
            _ if escaped => {
                cur.push('\\');
                cur.push(c);
                escaped = false;
            }
            '\\' => escaped = true,
            ',' => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter().map(|s| unescape(s.trim())).filter(|s| !s.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_read_and_written() {
        let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:1\r\n\
ATTENDEE;CN=\"Doe, Jane\";PARTSTAT=ACCEPTED:mailto:jane@x.test\r\nDESCRIPTION:a\\, b\\nc\r\n\
X-LONG:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n bbb\r\n\
BEGIN:VALARM\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let c = Component::parse(text).unwrap();
        let ev = &c.children[0];
        let att = ev.first("ATTENDEE").unwrap();
        assert_eq!(att.param("CN"), Some("Doe, Jane"));
        assert_eq!(att.value, "mailto:jane@x.test");
        assert_eq!(ev.text("DESCRIPTION").as_deref(), Some("a, b\nc"));
        assert!(ev.first("X-LONG").unwrap().value.ends_with("abbb"));
        assert_eq!(ev.children[0].name, "VALARM");
        let again = Component::parse(&c.to_text()).unwrap();
        assert_eq!(again, c);
        assert_eq!(
            att.with_param("PARTSTAT", Some("DECLINED")).raw,
            "ATTENDEE;CN=\"Doe, Jane\";PARTSTAT=DECLINED:mailto:jane@x.test"
        );
        assert_eq!(split_list("a\\,b,c"), ["a,b", "c"]);
        // A parameter value a peer sent makes no other line.
        let evil = att.with_param("CN", Some("Eve\r\nATTENDEE:mailto:x@y.test\u{7}\t"));
        assert_eq!(evil.raw, "ATTENDEE;PARTSTAT=ACCEPTED;CN=\"EveATTENDEE:mailto:x@y.test\":mailto:jane@x.test");
        assert_eq!(evil.param("CN"), Some("EveATTENDEE:mailto:x@y.test"));
        for bad in ["BEGIN:VCALENDAR\r\nX:1\r\n", "BEGIN:VCALENDAR\r\nEND:VEVENT\r\n", "END:VCALENDAR\r\n"] {
            assert_eq!(Component::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_long_line_of_other_white_space_reads_back_as_written() {
        // Found by the `fields` fuzz target: a line starting with 80 vertical tabs is folded
        // after the 75th, and that first part (white space only, but not WSP) must not be
        // taken for a blank line, or its continuation joins the line before it.
        let long = format!("{}DTSTART;TZID=Europe/Paris:20260105T100000", "\u{b}".repeat(80));
        let text = format!("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:1\r\n{long}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
        let c = Component::parse(&text).unwrap();
        let written = c.to_text();
        assert!(written.contains("\r\n \u{b}"), "folded inside the tabs: {written:?}");
        assert_eq!(Component::parse(&written), Some(c));
        assert_eq!(unfold("A:1\r\n \t \r\n\r\nB:2\r\n"), ["A:1\t ", "B:2"]);
        assert_eq!(unfold("A:1\r\n\u{b}\r\n b\r\n"), ["A:1", "\u{b}b"]);
    }
}
