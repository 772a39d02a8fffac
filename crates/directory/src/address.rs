//! Address syntax (RFC 5321 §4.1.2 dot-atom local parts; LDH domain labels, RFC 1035 §2.3.1),
//! normalised to lower case.

use crate::DirectoryError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub local: String,
    pub domain: String,
}

impl Address {
    pub fn parse(s: &str) -> Result<Address, DirectoryError> {
        let bad = |why| DirectoryError::InvalidAddress(s.to_owned(), why);
        let (local, domain) = s.trim().rsplit_once('@').ok_or_else(|| bad("no @"))?;
        let local = local.to_ascii_lowercase();
        if local.is_empty() || local.len() > 64 {
            return Err(bad("the local part must have 1 to 64 characters"));
        }
        let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
        if local.starts_with('.')
            || local.ends_with('.')
            || local.contains("..")
            || !local.chars().all(|c| atext(c) || c == '.')
        {
            return Err(bad("the local part may hold letters, digits, dots and !#$%&'*+/=?^_`{|}~-"));
        }
        Ok(Address { local, domain: domain_name(domain).map_err(bad)? })
    }
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.local, self.domain)
    }
}

/// A domain name, validated and lower-cased.
pub fn domain(s: &str) -> Result<String, DirectoryError> {
    domain_name(s).map_err(|why| DirectoryError::InvalidAddress(s.to_owned(), why))
}

fn domain_name(s: &str) -> Result<String, &'static str> {
    let d = s.trim().trim_end_matches('.').to_ascii_lowercase();
    if d.is_empty() || d.len() > 253 {
        return Err("a domain must have 1 to 253 characters");
    }
    for label in d.split('.') {
        if label.is_empty() || label.len() > 63 || label.starts_with('-') || label.ends_with('-') {
            return Err("each domain label must have 1 to 63 characters and not start or end with -");
        }
        if !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err("a domain may hold letters, digits, hyphens and dots");
        }
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        for (input, want) in [
            ("Alice@Example.COM", Some("alice@example.com")),
            ("a.b+tag@sub.example.org.", Some("a.b+tag@sub.example.org")),
            ("o'brien@example.com", Some("o'brien@example.com")),
            ("no-at-sign", None),
            ("@example.com", None),
            (".a@example.com", None),
            ("a..b@example.com", None),
            ("a b@example.com", None),
            ("\"quoted\"@example.com", None),
            ("a@-example.com", None),
            ("a@exa_mple.com", None),
            ("a@", None),
            ("user%other@example.com", Some("user%other@example.com")),
        ] {
            assert_eq!(Address::parse(input).ok().map(|a| a.to_string()).as_deref(), want, "{input}");
        }
    }
}
