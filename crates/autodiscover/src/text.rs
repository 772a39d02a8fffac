//! Small helpers shared by the writers and the request readers.

/// `s` escaped for XML element content (characters XML cannot carry become U+FFFD).
pub(crate) fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    relais_dav_proto::escape_text(&mut out, s);
    out
}

/// The value of `name` in a query string (`a=1&b=2`), percent-decoded; names compare without
/// regard to case, as Autodiscover's and Thunderbird's clients vary (`Email`, `emailaddress`).
/// A `+` stays a `+`: it is common in addresses, and a space never is.
pub(crate) fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| relais_dav_proto::percent_decode(v))
}

/// An address as `local@domain` with a plausible domain, lower-cased domain; `None` for
/// anything else. The directory decides whether it names anyone.
pub(crate) fn address(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() || s.len() > 320 || s.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return None;
    }
    let (local, domain) = s.rsplit_once('@')?;
    if local.is_empty() || !is_domain(domain) {
        return None;
    }
    Some(format!("{local}@{}", domain.to_ascii_lowercase()))
}

/// A DNS name made of LDH labels (RFC 1035 §2.3.1; IDNs arrive as A-labels).
pub(crate) fn is_domain(d: &str) -> bool {
    !d.is_empty()
        && d.len() <= 253
        && d.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_params() {
        let cases: &[(Option<&str>, &str, Option<&str>)] = &[
            (Some("Email=a%40example.com&Protocol=ActiveSync"), "email", Some("a@example.com")),
            (Some("Email=a%40example.com&Protocol=ActiveSync"), "protocol", Some("ActiveSync")),
            (Some("emailaddress=a+b@example.com"), "emailaddress", Some("a+b@example.com")),
            (Some("flag&x=1"), "flag", Some("")),
            (Some("x=%zz"), "x", None),
            (Some("x=%ff"), "x", None),
            (None, "x", None),
        ];
        for (q, name, want) in cases {
            assert_eq!(query_param(*q, name).as_deref(), *want, "{q:?} {name}");
        }
    }

    #[test]
    fn addresses() {
        let cases: &[(&str, Option<&str>)] = &[
            ("a@Example.COM", Some("a@example.com")),
            (" a@b.c ", Some("a@b.c")),
            ("a@", None),
            ("@b.c", None),
            ("a b@c.d", None),
            ("a@b..c", None),
            ("a@-b.c", None),
            ("a@b_c.d", None),
            ("noat", None),
        ];
        for (input, want) in cases {
            assert_eq!(address(input).as_deref(), *want, "{input:?}");
        }
    }
}
