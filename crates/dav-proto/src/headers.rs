//! The DAV request headers, parsed from their values (the server hands in `Option<&str>`,
//! `None` when the header is absent).

use std::fmt;

/// A header value the RFCs do not allow: answer 400 Bad Request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {header} header: {value:?}")]
pub struct HeaderError {
    pub header: &'static str,
    pub value: String,
}

fn bad(header: &'static str, value: &str) -> HeaderError {
    HeaderError { header, value: value.chars().take(200).collect() }
}

/// RFC 4918 §10.2 Depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Depth {
    Zero,
    One,
    Infinity,
}

impl Depth {
    /// Parses the header, or returns the method's default when it is absent: infinity for
    /// PROPFIND (RFC 4918 §9.1), COPY, MOVE, DELETE and LOCK (§9.6, §9.8, §9.9, §9.10), zero
    /// for REPORT (RFC 3253 §3.6) and for any other method.
    pub fn parse(value: Option<&str>, method: &str) -> Result<Depth, HeaderError> {
        let Some(v) = value else { return Ok(Depth::default_for(method)) };
        match v.trim() {
            "0" => Ok(Depth::Zero),
            "1" => Ok(Depth::One),
            s if s.eq_ignore_ascii_case("infinity") => Ok(Depth::Infinity),
            _ => Err(bad("Depth", v)),
        }
    }

    /// The default when the header is absent (see [`Depth::parse`]).
    pub fn default_for(method: &str) -> Depth {
        match method.to_ascii_uppercase().as_str() {
            "PROPFIND" | "COPY" | "MOVE" | "DELETE" | "LOCK" => Depth::Infinity,
            _ => Depth::Zero,
        }
    }
}

impl fmt::Display for Depth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Depth::Zero => "0",
            Depth::One => "1",
            Depth::Infinity => "infinity",
        })
    }
}

/// RFC 4918 §10.6 Overwrite: `T` or `F`; absent means `T`.
pub fn parse_overwrite(value: Option<&str>) -> Result<bool, HeaderError> {
    match value.map(str::trim) {
        None | Some("T") | Some("t") => Ok(true),
        Some("F") | Some("f") => Ok(false),
        Some(_) => Err(bad("Overwrite", value.unwrap_or_default())),
    }
}

/// RFC 4918 §10.3 Destination, split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// `host[:port]` of an absolute URI (compare with Host; a different server is 502, §9.8.4).
    pub authority: Option<String>,
    /// The absolute path, still percent-encoded, without query or fragment.
    pub path: String,
}

/// Parses a Destination: an absolute URI (`https://host/path`) or an absolute path.
pub fn parse_destination(value: &str) -> Result<Destination, HeaderError> {
    let v = value.trim();
    let (authority, rest) = match v.split_once("://") {
        Some((scheme, rest))
            if !scheme.is_empty() && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)) =>
        {
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            let authority = &rest[..end];
            // Drop any userinfo: it has no place in routing.
            let authority = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
            (Some(authority.to_owned()), &rest[end..])
        }
        _ => (None, v),
    };
    let path = rest.split(['?', '#']).next().unwrap_or_default();
    let path = if path.is_empty() && authority.is_some() { "/" } else { path };
    if !path.starts_with('/') || path.bytes().any(|b| b.is_ascii_control() || b == b' ') {
        return Err(bad("Destination", value));
    }
    Ok(Destination { authority, path: path.to_owned() })
}

/// Decodes `%XX` escapes of a path. `None` when an escape is malformed or the result is not
/// UTF-8.
pub fn percent_decode(path: &str) -> Option<String> {
    let b = path.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3)?;
            let s = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(s, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// RFC 9110 §8.8.3 entity-tag.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EntityTag {
    pub weak: bool,
    /// The opaque tag, without quotes.
    pub tag: String,
}

/// An If-Match or If-None-Match value (RFC 9110 §13.1.1, §13.1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EtagList {
    /// `*`: any current representation.
    Any,
    Tags(Vec<EntityTag>),
}

impl EtagList {
    /// Whether `etag` (opaque, unquoted) matches. `strong` selects strong comparison
    /// (If-Match, §13.1.1); If-None-Match uses weak comparison (§13.1.2).
    pub fn matches(&self, etag: &str, strong: bool) -> bool {
        match self {
            EtagList::Any => true,
            EtagList::Tags(tags) => tags.iter().any(|t| t.tag == etag && !(strong && t.weak)),
        }
    }
}

/// Parses an If-Match / If-None-Match value: `*` or a comma-separated list of entity-tags.
/// Some clients send unquoted tags; those are accepted as strong tags.
pub fn parse_etag_list(value: &str) -> Result<EtagList, HeaderError> {
    let v = value.trim();
    if v == "*" {
        return Ok(EtagList::Any);
    }
    let mut tags = Vec::new();
    let mut rest = v;
    loop {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if rest.is_empty() {
            break;
        }
        let (weak, r) = match rest.strip_prefix("W/") {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let (tag, r) = if let Some(quoted) = r.strip_prefix('"') {
            let end = quoted.find('"').ok_or_else(|| bad("If-Match", value))?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            let end = r.find([',', ' ', '\t']).unwrap_or(r.len());
            (&r[..end], &r[end..])
        };
        tags.push(EntityTag { weak, tag: tag.to_owned() });
        rest = r;
    }
    if tags.is_empty() {
        return Err(bad("If-Match", value));
    }
    Ok(EtagList::Tags(tags))
}

/// What the client prefers in the response body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Prefer {
    /// `Prefer: return=minimal` (RFC 7240 §4.2, RFC 8144 §3.2: omit 404 propstats in
    /// PROPFIND/REPORT) or `Brief: t` (its predecessor).
    pub minimal: bool,
    /// `Prefer: return=representation` (RFC 8144 §3.1: return the stored resource after PUT).
    pub representation: bool,
}

/// Reads the Prefer header(s) (pass several joined by commas) and Brief.
pub fn parse_prefer(prefer: Option<&str>, brief: Option<&str>) -> Prefer {
    let mut p = Prefer::default();
    for pref in prefer.unwrap_or_default().split([',', ';']) {
        let pref = pref.trim().to_ascii_lowercase();
        match pref.split_once('=').map(|(k, v)| (k.trim(), v.trim().trim_matches('"'))) {
            Some(("return", "minimal")) => p.minimal = true,
            Some(("return", "representation")) => p.representation = true,
            _ => {}
        }
    }
    if brief.is_some_and(|b| b.trim().eq_ignore_ascii_case("t")) {
        p.minimal = true;
    }
    p
}
