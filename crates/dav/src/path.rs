//! The DAV namespace and its hrefs. Everything lives under `/dav/`:
//!
//! ```text
//! /dav/                                  root (current-user-principal discovery)
//! /dav/principals/                       principal collection (RFC 3744 §5.8)
//! /dav/principals/{address}/             a principal
//! /dav/calendars/{address}/              calendar home (RFC 4791 §6.2.1)
//! /dav/calendars/{address}/{calendar}/   a calendar or task list
//! /dav/calendars/{address}/{calendar}/{resource}
//! /dav/addressbooks/{address}/           address book home (RFC 6352 §7.1.1)
//! /dav/addressbooks/{address}/{book}/    an address book
//! /dav/addressbooks/{address}/{book}/{resource}
//! /dav/files/{address}/                  file store home (plain WebDAV, RFC 4918)
//! /dav/files/{address}/{folder}/…/{file} folders nest to `files::MAX_DEPTH`
//! ```
//! Segments are percent-decoded here and percent-encoded in every href we write.

use relais_dav_proto::percent_decode;

pub const ROOT: &str = "/dav/";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Home {
    Calendars,
    AddressBooks,
}

impl Home {
    fn segment(self) -> &'static str {
        match self {
            Home::Calendars => "calendars",
            Home::AddressBooks => "addressbooks",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Root,
    Principals,
    Principal(String),
    Home(Home, String),
    Collection(Home, String, String),
    Resource(Home, String, String, String),
    /// A path in `user`'s file store: the folders and file below its home (none: the home).
    Files(String, Vec<String>),
}

impl Target {
    /// Parses a request path (percent-encoded, without query). `None`: not a DAV path.
    pub fn parse(path: &str) -> Option<Target> {
        let rest = path.strip_prefix("/dav")?;
        if !(rest.is_empty() || rest.starts_with('/')) {
            return None;
        }
        let segments: Vec<String> =
            rest.split('/').filter(|s| !s.is_empty()).map(percent_decode).collect::<Option<Vec<_>>>()?;
        if segments.iter().any(|s| s == "." || s == ".." || s.contains('/')) {
            return None;
        }
        let s: Vec<&str> = segments.iter().map(String::as_str).collect();
        let home = |name: &str| match name {
            "calendars" => Some(Home::Calendars),
            "addressbooks" => Some(Home::AddressBooks),
            _ => None,
        };
        Some(match s.as_slice() {
            [] => Target::Root,
            ["principals"] => Target::Principals,
            ["principals", user] => Target::Principal(user.to_lowercase()),
            ["files", user, rest @ ..] => {
                Target::Files(user.to_lowercase(), rest.iter().map(|s| (*s).to_owned()).collect())
            }
            [h, user] => Target::Home(home(h)?, user.to_lowercase()),
            [h, user, c] => Target::Collection(home(h)?, user.to_lowercase(), (*c).to_owned()),
            [h, user, c, r] => Target::Resource(home(h)?, user.to_lowercase(), (*c).to_owned(), (*r).to_owned()),
            _ => return None,
        })
    }

    /// The canonical href of this target.
    pub fn href(&self) -> String {
        match self {
            Target::Root => ROOT.to_owned(),
            Target::Principals => "/dav/principals/".to_owned(),
            Target::Principal(u) => principal_href(u),
            Target::Home(h, u) => home_href(*h, u),
            Target::Collection(h, u, c) => collection_href(*h, u, c),
            Target::Resource(h, u, c, r) => resource_href(*h, u, c, r),
            Target::Files(u, segments) => files_href(u, segments, true),
        }
    }
}

pub fn principal_href(user: &str) -> String {
    format!("/dav/principals/{}/", encode(user))
}

pub fn home_href(home: Home, user: &str) -> String {
    format!("/dav/{}/{}/", home.segment(), encode(user))
}

pub fn collection_href(home: Home, user: &str, collection: &str) -> String {
    format!("/dav/{}/{}/{}/", home.segment(), encode(user), encode(collection))
}

pub fn resource_href(home: Home, user: &str, collection: &str, resource: &str) -> String {
    format!("/dav/{}/{}/{}/{}", home.segment(), encode(user), encode(collection), encode(resource))
}

/// The href of a file (`collection` false) or folder in `user`'s file store.
pub fn files_href(user: &str, segments: &[String], collection: bool) -> String {
    let mut href = format!("/dav/files/{}/", encode(user));
    for s in segments {
        href.push_str(&encode(s));
        href.push('/');
    }
    if !collection && !segments.is_empty() {
        href.pop();
    }
    href
}

/// Percent-encodes one path segment (RFC 3986 §3.3: unreserved, sub-delims, ':' and '@' stay).
pub fn encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The path of an href, which may be an absolute URL (RFC 4918 §8.3).
pub fn path_of(href: &str) -> Option<&str> {
    match href.split_once("://") {
        Some((_, rest)) => Some(&rest[rest.find('/')?..]),
        None => Some(href),
    }
}

/// The last segment of an href naming a resource in `collection_href` (multiget hrefs).
pub fn member_name(href: &str, collection_href: &str) -> Option<String> {
    let path = path_of(href)?;
    let rest = path.strip_prefix(collection_href)?;
    if rest.is_empty() || rest.contains('/') {
        return None;
    }
    percent_decode(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip() {
        let cases = [
            ("/dav", Target::Root),
            ("/dav/", Target::Root),
            ("/dav/principals/", Target::Principals),
            ("/dav/principals/Ann@Example.com/", Target::Principal("ann@example.com".into())),
            ("/dav/calendars/ann@example.com/", Target::Home(Home::Calendars, "ann@example.com".into())),
            (
                "/dav/calendars/ann@example.com/My%20Cal/",
                Target::Collection(Home::Calendars, "ann@example.com".into(), "My Cal".into()),
            ),
            ("/dav/files/Ann@example.com/", Target::Files("ann@example.com".into(), vec![])),
            (
                "/dav/files/ann@example.com/a%20b/c/",
                Target::Files("ann@example.com".into(), vec!["a b".into(), "c".into()]),
            ),
            (
                "/dav/addressbooks/ann@example.com/Contacts/a%2Bb.vcf",
                Target::Resource(Home::AddressBooks, "ann@example.com".into(), "Contacts".into(), "a+b.vcf".into()),
            ),
        ];
        for (path, want) in cases {
            assert_eq!(Target::parse(path), Some(want.clone()), "{path}");
            assert_eq!(Target::parse(&want.href()), Some(want), "{path}");
        }
        for bad in [
            "/davx",
            "/dav/files/",
            "/dav/other/x/",
            "/dav/calendars/a/b/c/d",
            "/dav/calendars/a/%2e%2e/",
            "/dav/calendars/a/%ZZ/",
        ] {
            assert_eq!(Target::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn member_names_from_hrefs() {
        let c = "/dav/calendars/a@b.c/Cal/";
        assert_eq!(member_name("/dav/calendars/a@b.c/Cal/x%20y.ics", c), Some("x y.ics".into()));
        assert_eq!(member_name("https://h:8443/dav/calendars/a@b.c/Cal/x.ics", c), Some("x.ics".into()));
        assert_eq!(member_name("/dav/calendars/a@b.c/Other/x.ics", c), None);
        assert_eq!(member_name(c, c), None);
    }
}
