//! CSV as the admin commands read it (RFC 4180): records of fields separated by commas, a field
//! quoted with `"` when it holds commas, quotes (doubled) or line breaks. Bulk user import and
//! bulk migration read their files with it.

use anyhow::{Result, bail};

/// The file's records with the line each starts on (RFC 4180 §2: a quoted field may hold
/// commas, quotes doubled, and line breaks).
pub fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>> {
    let mut out = Vec::new();
    let (mut fields, mut field) = (Vec::new(), String::new());
    let (mut line, mut start, mut quoted, mut was_quoted) = (1usize, 1usize, false, false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                line += usize::from(c == '\n');
                field.push(c);
            }
            (false, '"') if field.is_empty() && !was_quoted => (quoted, was_quoted) = (true, true),
            (false, ',') => {
                fields.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                fields.push(std::mem::take(&mut field));
                out.push((start, std::mem::take(&mut fields)));
                was_quoted = false;
                line += 1;
                start = line;
            }
            (false, '"') => bail!("line {line}: a quote inside an unquoted field"),
            (false, c) => field.push(c),
        }
    }
    if quoted {
        bail!("line {start}: a quoted field is not closed");
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        out.push((start, fields));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_follow_rfc4180() {
        let cases: &[(&str, Vec<(usize, Vec<&str>)>)] = &[
            ("a,b\n1,2\n", vec![(1, vec!["a", "b"]), (2, vec!["1", "2"])]),
            ("a,b\r\n1,2", vec![(1, vec!["a", "b"]), (2, vec!["1", "2"])]),
            ("\"x,y\",\"say \"\"hi\"\"\"\n", vec![(1, vec!["x,y", "say \"hi\""])]),
            ("\"two\nlines\",z\nnext,1\n", vec![(1, vec!["two\nlines", "z"]), (3, vec!["next", "1"])]),
            ("a,,\n", vec![(1, vec!["a", "", ""])]),
        ];
        for (text, want) in cases {
            let got = records(text).unwrap();
            let got: Vec<(usize, Vec<&str>)> =
                got.iter().map(|(l, f)| (*l, f.iter().map(String::as_str).collect())).collect();
            assert_eq!(&got, want, "{text:?}");
        }
        assert!(records("\"open,1\n").is_err());
        assert!(records("a\"b,1\n").is_err());
    }
}
