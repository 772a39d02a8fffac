//! Escaping for text and attribute values written into XML.
//!
//! Besides `&`, `<` and `>`, a CR is written `&#13;`: a literal CR would be normalised away by
//! the client's XML parser (XML 1.0 §2.11) and iCalendar/vCard lines end in CRLF (RFC 5545
//! §3.1), so calendar-data and address-data would lose their CRs. Characters XML 1.0 cannot
//! carry at all (C0 controls other than TAB/LF/CR, U+FFFE, U+FFFF) become U+FFFD, so the
//! output is always well-formed.

/// Appends `s` escaped for element content.
pub fn text(out: &mut String, s: &str) {
    escape(out, s, false);
}

/// Appends `s` escaped for a double-quoted attribute value.
pub fn attr(out: &mut String, s: &str) {
    escape(out, s, true);
}

fn escape(out: &mut String, s: &str, in_attr: bool) {
    out.reserve(s.len() + s.len() / 16);
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    // Byte by byte: every character to replace is ASCII except U+FFFE/U+FFFF (EF BF BE/BF),
    // and a byte below 0x80 is always a whole character in UTF-8.
    while i < bytes.len() {
        let b = bytes[i];
        let (replacement, len) = match b {
            b'&' => ("&amp;", 1),
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'\r' => ("&#13;", 1),
            b'"' if in_attr => ("&quot;", 1),
            // Attribute values are whitespace-normalised by the reader (XML 1.0 §3.3.3).
            b'\n' if in_attr => ("&#10;", 1),
            b'\t' if in_attr => ("&#9;", 1),
            b'\t' | b'\n' => {
                i += 1;
                continue;
            }
            0..=0x1f => ("\u{fffd}", 1),
            0xef if matches!(bytes.get(i + 1..i + 3), Some([0xbf, 0xbe | 0xbf])) => ("\u{fffd}", 3),
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&s[start..i]);
        out.push_str(replacement);
        i += len;
        start = i;
    }
    out.push_str(&s[start..]);
}

#[cfg(test)]
mod tests {
    #[test]
    fn table() {
        let cases = [
            ("plain", "plain", "plain"),
            ("a&b<c>d", "a&amp;b&lt;c&gt;d", "a&amp;b&lt;c&gt;d"),
            (
                "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
                "BEGIN:VCALENDAR&#13;\nEND:VCALENDAR&#13;\n",
                "BEGIN:VCALENDAR&#13;&#10;END:VCALENDAR&#13;&#10;",
            ),
            ("say \"hi\"", "say \"hi\"", "say &quot;hi&quot;"),
            ("bell\u{7}\u{0}", "bell\u{fffd}\u{fffd}", "bell\u{fffd}\u{fffd}"),
            ("tab\there é 日本", "tab\there é 日本", "tab&#9;here é 日本"),
        ];
        for (input, as_text, as_attr) in cases {
            let mut out = String::new();
            super::text(&mut out, input);
            assert_eq!(out, as_text, "text of {input:?}");
            out.clear();
            super::attr(&mut out, input);
            assert_eq!(out, as_attr, "attribute of {input:?}");
        }
    }
}
