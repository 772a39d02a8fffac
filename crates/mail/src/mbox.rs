//! mbox files as Dovecot and mutt write them (the mboxrd variant), for export and import:
//!
//! ```text
//! From MAILER-DAEMON Sat Dec  5 12:02:07 2026       the internal date, UTC (asctime)
//! Subject: …                                        the message, lines ending in LF
//! Status: RO                                        R: \Seen; O: not new
//! X-Status: AF                                      A \Answered, F \Flagged, T \Draft, D \Deleted
//! X-Keywords: $Forwarded Important                  every other keyword
//!
//! >From the body …                                  mboxrd: `>*From ` lines get one more `>`
//!                                                   a blank line ends each message
//! ```
//!
//! The three flag headers are the mbox's, not the message's: written at the end of the header
//! block (the message's own copies dropped), and removed again on reading, so a message whose
//! lines end in CRLF (as every stored message's do) reads back byte for byte.

use std::io::{self, BufRead, Write};

/// The flags kept in `X-Status`, by letter.
const X_STATUS: [(u8, &str); 4] = [(b'A', "\\Answered"), (b'F', "\\Flagged"), (b'T', "\\Draft"), (b'D', "\\Deleted")];
/// The header fields the mbox owns.
const OWN_FIELDS: [&[u8]; 3] = [b"status", b"x-status", b"x-keywords"];

/// One message read from an mbox.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MboxMessage {
    /// The message, lines ending in CRLF.
    pub raw: Vec<u8>,
    /// IMAP flags and keywords.
    pub keywords: Vec<String>,
    /// The internal date from the `From ` line (Unix seconds), if it reads as one.
    pub received_at: Option<i64>,
}

/// Writes one message: its `From ` line, its header with the flag fields, its body quoted.
pub fn write_message(out: &mut impl Write, raw: &[u8], keywords: &[String], received_at: i64) -> io::Result<()> {
    writeln!(out, "From MAILER-DAEMON {}", asctime(received_at))?;
    let text = to_lf(raw);
    let (header, body) = match find(&text, b"\n\n") {
        Some(i) => (&text[..=i], &text[i + 1..]),
        None if text.is_empty() || text.ends_with(b"\n") => (&text[..], &b""[..]),
        None => (&text[..], &b"\n"[..]),
    };
    let mut fields = Vec::with_capacity(header.len() + 64);
    for field in header_fields(header) {
        if !is_own_field(field) {
            fields.extend_from_slice(field);
        }
    }
    fields.extend_from_slice(&flag_fields(keywords));
    quote_into(out, &fields)?;
    let mut body = body.to_vec();
    if body.is_empty() {
        body.push(b'\n');
    }
    if !body.ends_with(b"\n") {
        body.push(b'\n');
    }
    quote_into(out, &body)?;
    out.write_all(b"\n")
}

/// The flag header fields for `keywords`, LF-terminated.
fn flag_fields(keywords: &[String]) -> Vec<u8> {
    let has = |f: &str| keywords.iter().any(|k| k.eq_ignore_ascii_case(f));
    let mut out = Vec::new();
    out.extend_from_slice(if has("\\Seen") { b"Status: RO\n" } else { b"Status: O\n" });
    let x: Vec<u8> = X_STATUS.iter().filter(|(_, f)| has(f)).map(|(c, _)| *c).collect();
    if !x.is_empty() {
        out.extend_from_slice(b"X-Status: ");
        out.extend_from_slice(&x);
        out.push(b'\n');
    }
    let others: Vec<&str> = keywords
        .iter()
        .filter(|k| !k.eq_ignore_ascii_case("\\Seen") && !k.eq_ignore_ascii_case("\\Recent"))
        .filter(|k| !X_STATUS.iter().any(|(_, f)| k.eq_ignore_ascii_case(f)))
        .map(String::as_str)
        .collect();
    if !others.is_empty() {
        out.extend_from_slice(format!("X-Keywords: {}\n", others.join(" ")).as_bytes());
    }
    out
}

/// Writes `text` line by line, a `>` before each line that is `>*From ` (mboxrd).
fn quote_into(out: &mut impl Write, text: &[u8]) -> io::Result<()> {
    for line in text.split_inclusive(|b| *b == b'\n') {
        let unquoted = line.iter().position(|b| *b != b'>').map_or(&b""[..], |i| &line[i..]);
        if unquoted.starts_with(b"From ") {
            out.write_all(b">")?;
        }
        out.write_all(line)?;
    }
    Ok(())
}

/// Reads the messages of an mbox one at a time.
pub struct Reader<R> {
    input: R,
    /// The `From ` line of the next message, once read.
    next_from: Option<Vec<u8>>,
    started: bool,
}

impl<R: BufRead> Reader<R> {
    pub fn new(input: R) -> Reader<R> {
        Reader { input, next_from: None, started: false }
    }

    /// The next message, or `None` at the end. Text before the first `From ` line is not an mbox.
    pub fn next_message(&mut self) -> io::Result<Option<MboxMessage>> {
        if !self.started {
            self.started = true;
            let mut first = Vec::new();
            // Blank lines before the first message are tolerated.
            loop {
                first.clear();
                if self.input.read_until(b'\n', &mut first)? == 0 {
                    return Ok(None);
                }
                if !is_blank(&first) {
                    break;
                }
            }
            if !first.starts_with(b"From ") {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "not an mbox: no `From ` line first"));
            }
            self.next_from = Some(first);
        }
        let Some(from) = self.next_from.take() else { return Ok(None) };
        let mut lines: Vec<Vec<u8>> = Vec::new();
        loop {
            let mut line = Vec::new();
            if self.input.read_until(b'\n', &mut line)? == 0 {
                break;
            }
            if line.starts_with(b"From ") && lines.last().is_none_or(|l| is_blank(l)) {
                self.next_from = Some(line);
                break;
            }
            lines.push(line);
        }
        // The blank line before the next `From ` line (or the end) is the separator.
        if lines.last().is_some_and(|l| is_blank(l)) {
            lines.pop();
        }
        Ok(Some(message_of(&from, lines)))
    }
}

fn message_of(from: &[u8], lines: Vec<Vec<u8>>) -> MboxMessage {
    let mut text = Vec::with_capacity(lines.iter().map(Vec::len).sum::<usize>() + lines.len());
    for line in &lines {
        let quotes = line.iter().take_while(|b| **b == b'>').count();
        if quotes > 0 && line[quotes..].starts_with(b"From ") {
            text.extend_from_slice(&line[1..]);
        } else {
            text.extend_from_slice(line);
        }
    }
    let header_end = find(&text, b"\n\n").or_else(|| find(&text, b"\n\r\n")).map_or(text.len(), |i| i + 1);
    let mut raw = Vec::with_capacity(text.len() + lines.len());
    let mut status = Vec::new();
    for field in header_fields(&text[..header_end]) {
        if is_own_field(field) {
            status.push(field);
        } else {
            raw.extend_from_slice(field);
        }
    }
    raw.extend_from_slice(&text[header_end..]);
    MboxMessage { raw: to_crlf(&raw), keywords: flags_of(&status), received_at: from_line_date(from) }
}

/// The flags the mbox's own fields give.
fn flags_of(fields: &[&[u8]]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for field in fields {
        let text = String::from_utf8_lossy(field);
        let Some((name, value)) = text.split_once(':') else { continue };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "status" if value.contains('R') => out.push("\\Seen".into()),
            "x-status" => {
                out.extend(X_STATUS.iter().filter(|(c, _)| value.as_bytes().contains(c)).map(|(_, f)| (*f).to_owned()))
            }
            "x-keywords" => out.extend(value.split([' ', ',']).filter(|k| !k.is_empty()).map(str::to_owned)),
            _ => {}
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|k| seen.insert(k.to_ascii_lowercase()));
    out
}

/// The header block's fields, each with its continuation lines and line ends.
fn header_fields(header: &[u8]) -> Vec<&[u8]> {
    let mut fields: Vec<&[u8]> = Vec::new();
    let mut start = 0;
    let mut pos = 0;
    for line in header.split_inclusive(|b| *b == b'\n') {
        let continuation = matches!(line.first(), Some(b' ' | b'\t'));
        if !continuation && pos > start {
            fields.push(&header[start..pos]);
            start = pos;
        }
        pos += line.len();
    }
    if pos > start {
        fields.push(&header[start..pos]);
    }
    fields
}

fn is_own_field(field: &[u8]) -> bool {
    let Some(colon) = field.iter().position(|b| *b == b':') else { return false };
    let name = field[..colon].trim_ascii().to_ascii_lowercase();
    OWN_FIELDS.contains(&name.as_slice())
}

fn is_blank(line: &[u8]) -> bool {
    line == b"\n" || line == b"\r\n"
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// CRLF line ends as LF.
fn to_lf(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\r' && raw.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(raw[i]);
        i += 1;
    }
    out
}

/// LF line ends as CRLF (a CRLF stays one).
fn to_crlf(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + text.len() / 32);
    for (i, b) in text.iter().enumerate() {
        if *b == b'\n' && (i == 0 || text[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(*b);
    }
    out
}

/// `Sat Dec  5 12:02:07 2026`, UTC.
pub fn asctime(t: i64) -> String {
    let d = relais_civil::DateTime::from_unix(t);
    format!(
        "{} {} {:>2} {:02}:{:02}:{:02} {}",
        d.weekday_name(),
        d.month_name(),
        d.day,
        d.hour,
        d.minute,
        d.second,
        d.year
    )
}

/// The date of a `From sender Sat Dec  5 12:02:07 2026` line, read as UTC.
fn from_line_date(line: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(line).ok()?;
    let words: Vec<&str> = text.split_whitespace().collect();
    // From, sender, weekday, month, day, time, year (and perhaps a zone after it).
    let at = words.iter().position(|w| relais_civil::month_number(w.as_bytes()).is_some() && w.len() == 3)?;
    let month = i64::from(relais_civil::month_number(words[at].as_bytes())?);
    let day: i64 = words.get(at + 1)?.parse().ok()?;
    let mut hms = words.get(at + 2)?.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next().flatten().unwrap_or(0));
    let year: i64 = words.get(at + 3)?.parse().ok()?;
    if !relais_civil::is_valid(year, month, day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some(relais_civil::unix_time(year, month, day, h * 3600 + m * 60 + s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(text: &[u8]) -> Vec<MboxMessage> {
        let mut r = Reader::new(text);
        let mut out = Vec::new();
        while let Some(m) = r.next_message().unwrap() {
            out.push(m);
        }
        out
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn writes_as_dovecot_does() {
        let raw = b"Subject: hi\r\nStatus: U\r\n\r\nFrom the start\r\n>From quoted\r\nplain\r\n";
        let mut out = Vec::new();
        let kw = strings(&["\\Seen", "\\Answered", "\\Flagged", "$Forwarded", "Important"]);
        write_message(&mut out, raw, &kw, 1_764_936_127).unwrap();
        let expected = "From MAILER-DAEMON Fri Dec  5 12:02:07 2025\n\
                        Subject: hi\n\
                        Status: RO\n\
                        X-Status: AF\n\
                        X-Keywords: $Forwarded Important\n\
                        \n\
                        >From the start\n\
                        >>From quoted\n\
                        plain\n\
                        \n";
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }

    #[test]
    fn round_trips() {
        let table: &[(&[u8], &[&str], i64)] = &[
            (b"Subject: a\r\n\r\nbody\r\n", &[], 0),
            (b"Subject: b\r\n\r\nFrom me\r\n>From you\r\n\r\nFrom again\r\n", &["\\Seen", "\\Draft"], 86_399),
            (
                b"Subject: c\r\n folded\r\nX-Keywords: stale\r\n\r\n\r\n\r\nblank lines above and below\r\n\r\n",
                &["a", "b"],
                1_600_000_000,
            ),
            (b"Subject: only a header\r\n", &["\\Deleted"], 5),
            (b"Subject: no body\r\n\r\n", &[], 6),
        ];
        let mut file = Vec::new();
        for (raw, kw, when) in table {
            write_message(&mut file, raw, &strings(kw), *when).unwrap();
        }
        let back = read_all(&file);
        assert_eq!(back.len(), table.len());
        for ((raw, kw, when), m) in table.iter().zip(&back) {
            let expected: Vec<u8> = if raw.starts_with(b"Subject: c") {
                b"Subject: c\r\n folded\r\n\r\n\r\n\r\nblank lines above and below\r\n\r\n".to_vec()
            } else if *raw == b"Subject: only a header\r\n" {
                b"Subject: only a header\r\n\r\n".to_vec()
            } else {
                raw.to_vec()
            };
            assert_eq!(String::from_utf8_lossy(&m.raw), String::from_utf8_lossy(&expected));
            let mut got = m.keywords.clone();
            let mut want = strings(kw);
            got.sort();
            want.sort();
            assert_eq!(got, want);
            assert_eq!(m.received_at, Some(*when));
        }
    }

    #[test]
    fn reads_other_writers() {
        // CRLF lines, a zone after the year, and text that is not an mbox.
        let crlf = b"From someone@x Mon Jan  2 03:04:05 2006 +0000\r\nSubject: x\r\nStatus: R\r\n\r\nbody\r\n\r\n";
        let m = read_all(crlf);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].raw, b"Subject: x\r\n\r\nbody\r\n");
        assert_eq!(m[0].keywords, ["\\Seen"]);
        assert_eq!(m[0].received_at, Some(1_136_171_045));
        assert!(Reader::new(&b"Subject: x\n\nbody\n"[..]).next_message().is_err());
        assert!(read_all(b"").is_empty());
        assert_eq!(from_line_date(b"From x Mon Foo  2 03:04:05 2006"), None);
    }
}
