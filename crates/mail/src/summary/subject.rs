//! RFC 5256 §2.1 base subject, for THREAD=ORDEREDSUBJECT / REFERENCES and JMAP threads.
//!
//! The grammar (RFC 5256 §5), matched case-insensitively:
//! ```text
//! subj-refwd  = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"
//! subj-blob   = "[" *BLOBCHAR "]" *WSP
//! subj-leader = (*subj-blob subj-refwd) / WSP
//! subj-trailer = "(fwd)" / WSP
//! subj-fwd    = "[fwd:" subject "]"
//! ```

/// The base subject of an already decoded subject (step 1's RFC 2047 decoding is the caller's).
/// Case is kept: RFC 5256 compares base subjects with i;unicode-casemap.
pub fn base_subject(subject: &str) -> String {
    base_subject_and_reply(subject).0
}

/// RFC 5256 §2.1: true if extracting the base subject removed a `re:`/`fw:`/`fwd:` leader, a
/// `(fwd)` trailer or a `[fwd: …]` wrapper; THREAD=REFERENCES step 5 prefers the thread whose
/// root is not a reply or forward.
pub fn is_reply_or_forward(subject: &str) -> bool {
    base_subject_and_reply(subject).1
}

fn base_subject_and_reply(subject: &str) -> (String, bool) {
    let mut reply = false;
    // (1) Tabs and continuations become one space, runs of spaces one space.
    let mut s = subject.split_whitespace().collect::<Vec<_>>().join(" ");
    loop {
        // (2) Remove trailers: "(fwd)" and whitespace, as often as they appear.
        loop {
            let trimmed = s.trim_end_matches(' ');
            match strip_suffix_ci(trimmed, "(fwd)") {
                Some(rest) => {
                    s = rest.to_string();
                    reply = true;
                }
                None => {
                    s.truncate(trimmed.len());
                    break;
                }
            }
        }
        // (3)–(5) Remove leaders, and a leading blob when something is left after it.
        loop {
            let before = s.len();
            while let Some(n) = leader_len(s.as_bytes()) {
                reply |= !matches!(s.as_bytes().first(), Some(b' ' | b'\t'));
                s.drain(..n);
            }
            if let Some(n) = blob_len(s.as_bytes())
                && !s[n..].trim().is_empty()
            {
                s.drain(..n);
            }
            if s.len() == before {
                break;
            }
        }
        // (6) "[fwd: ...]" wraps a subject: unwrap it and start again from (2).
        match strip_prefix_ci(&s, "[fwd:").and_then(|rest| rest.strip_suffix(']')) {
            Some(inner) => {
                s = inner.to_string();
                reply = true;
            }
            None => return (s, reply),
        }
    }
}

fn strip_prefix_ci<'s>(s: &'s str, prefix: &str) -> Option<&'s str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &s[prefix.len()..])
}

fn strip_suffix_ci<'s>(s: &'s str, suffix: &str) -> Option<&'s str> {
    let cut = s.len().checked_sub(suffix.len())?;
    let tail = s.get(cut..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &s[..cut])
}

fn skip_wsp(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|c| matches!(c, b' ' | b'\t')) {
        i += 1;
    }
    i
}

/// Length of a subj-blob at the start of `b`. `[` and `]` are ASCII, so every length is a
/// char boundary.
fn blob_len(b: &[u8]) -> Option<usize> {
    if b.first() != Some(&b'[') {
        return None;
    }
    let close = 1 + b[1..].iter().position(|&c| c == b'[' || c == b']')?;
    (b[close] == b']').then(|| skip_wsp(b, close + 1))
}

/// Length of a subj-refwd at the start of `b`.
fn refwd_len(b: &[u8]) -> Option<usize> {
    let starts = |p: &[u8]| b.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
    let mut i = if starts(b"re") || starts(b"fw") { 2 } else { return None };
    if starts(b"fwd") {
        i = 3;
    }
    i = skip_wsp(b, i);
    if let Some(n) = blob_len(&b[i..]) {
        i += n;
    }
    (b.get(i) == Some(&b':')).then_some(i + 1)
}

/// Length of a subj-leader at the start of `b`.
fn leader_len(b: &[u8]) -> Option<usize> {
    if matches!(b.first(), Some(b' ' | b'\t')) {
        return Some(1);
    }
    let mut i = 0;
    while let Some(n) = blob_len(&b[i..]) {
        i += n;
    }
    refwd_len(&b[i..]).map(|n| i + n)
}

#[cfg(test)]
mod tests {
    use super::{base_subject, is_reply_or_forward};

    #[test]
    fn base_subjects() {
        let table = [
            ("", ""),
            ("Hello", "Hello"),
            ("  Hello \t  world  ", "Hello world"),
            ("Re: Hello", "Hello"),
            ("RE: re: Re:Hello", "Hello"),
            ("Fwd: Hello", "Hello"),
            ("FW: Hello", "Hello"),
            ("fw:Hello", "Hello"),
            ("Re[2]: Hello", "Hello"),
            ("Re [2]: Hello", "Hello"),
            ("Re: [list] Re: Hello", "Hello"),
            ("[list] Re: Hello", "Hello"),
            ("[list] Hello", "Hello"),
            ("[list][other] Hello", "Hello"),
            ("[list]", "[list]"),
            ("Re: [list]", "[list]"),
            ("Hello (fwd)", "Hello"),
            ("Hello (FWD) (fwd)  ", "Hello"),
            ("[fwd: Hello]", "Hello"),
            ("[Fwd: Re: Hello]", "Hello"),
            ("Re: [fwd: Re: Hello] (fwd)", "Hello"),
            ("[fwd: [fwd: Hello (fwd)]]", "Hello"),
            ("Reply needed", "Reply needed"),
            ("Re:", ""),
            ("Fwd: Re: Grüße", "Grüße"),
            ("[ünïcode] Re: Grüße", "Grüße"),
            ("Re: [unterminated blob", "[unterminated blob"),
            ("Résumé", "Résumé"),
        ];
        for (input, expected) in table {
            assert_eq!(base_subject(input), expected, "{input:?}");
        }
    }

    #[test]
    fn replies_and_forwards() {
        for (subject, reply) in [
            ("Hello", false),
            ("[list] Hello", false),
            ("  Hello  ", false),
            ("Reply needed", false),
            ("Re: Hello", true),
            ("[list] Re: Hello", true),
            ("Fwd: Hello", true),
            ("Hello (fwd)", true),
            ("[fwd: Hello]", true),
            ("Re[2]: Hello", true),
        ] {
            assert_eq!(is_reply_or_forward(subject), reply, "{subject:?}");
        }
    }
}
