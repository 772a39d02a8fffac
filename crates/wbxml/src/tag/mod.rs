//! Tags: a code page and a token, named as MS-ASWBXML §2.1.2.1 names them.
//!
//! A [`Tag`] always names a tag of the spec's tables: the constants in the per-page modules
//! ([`airsync::SYNC_KEY`], [`airsyncbase::BODY`], …), [`Tag::from_token`] and
//! [`Tag::from_name`] are the only ways to get one, so the encoder never writes an unknown token.

mod pages_a;
mod pages_b;

pub use pages_a::*;
pub use pages_b::*;

use std::fmt;

use crate::codepages::PAGES;

/// The number of code pages (0–25, MS-ASWBXML §2.1.2.1).
pub const PAGE_COUNT: u8 = 26;

/// One element name: a code page (an XML namespace) and a tag token in it (0x05–0x3F).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag {
    page: u8,
    token: u8,
}

impl Tag {
    /// Only for the generated constants, which the page tests check against the table.
    pub(crate) const fn known(page: u8, token: u8) -> Tag {
        Tag { page, token }
    }

    /// The tag with this token on this code page, if the spec defines one.
    pub fn from_token(page: u8, token: u8) -> Option<Tag> {
        let def = PAGES.get(usize::from(page))?;
        def.tags.binary_search_by_key(&token, |&(t, _)| t).ok()?;
        Some(Tag { page, token })
    }

    /// A tag by its qualified name, `"AirSync:SyncKey"` (the page name is matched without regard
    /// to case, so libwbxml's `"Gal"` is `"GAL"`).
    pub fn from_name(qualified: &str) -> Option<Tag> {
        let (page, local) = qualified.split_once(':')?;
        Tag::from_page_name(page_number(page)?, local)
    }

    /// A tag by its local name on a given page.
    pub fn from_page_name(page: u8, local: &str) -> Option<Tag> {
        let def = PAGES.get(usize::from(page))?;
        let &(token, _) = def.tags.iter().find(|(_, name)| *name == local)?;
        Some(Tag { page, token })
    }

    /// The code page (0–25).
    pub const fn page(self) -> u8 {
        self.page
    }

    /// The token without the content bit (0x05–0x3F).
    pub const fn token(self) -> u8 {
        self.token
    }

    /// The local name, `"SyncKey"`.
    pub fn name(self) -> &'static str {
        let def = &PAGES[usize::from(self.page)];
        match def.tags.binary_search_by_key(&self.token, |&(t, _)| t) {
            Ok(i) => def.tags[i].1,
            // Unreachable: every Tag is built from the table (see the constructors).
            Err(_) => "?",
        }
    }

    /// The name of the tag's code page, which is also its XML namespace: `"AirSync"`.
    pub fn page_name(self) -> &'static str {
        page_name(self.page).unwrap_or("?")
    }
}

impl fmt::Display for Tag {
    /// `AirSync:SyncKey`, the form [`Tag::from_name`] reads.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.page_name(), self.name())
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

/// The namespace name of a code page: `page_name(17) == Some("AirSyncBase")`.
pub fn page_name(page: u8) -> Option<&'static str> {
    PAGES.get(usize::from(page)).map(|def| def.name)
}

/// The code page of a namespace name, without regard to case; a trailing `:` (libwbxml writes
/// `xmlns="AirSync:"`) is ignored.
pub fn page_number(name: &str) -> Option<u8> {
    let name = name.strip_suffix(':').unwrap_or(name);
    let index = PAGES.iter().position(|def| def.name.eq_ignore_ascii_case(name))?;
    u8::try_from(index).ok()
}

/// Every tag of a code page, in token order (empty for an unknown page).
pub fn page_tags(page: u8) -> impl Iterator<Item = Tag> {
    let tags = PAGES.get(usize::from(page)).map_or(&[][..], |def| def.tags);
    tags.iter().map(move |&(token, _)| Tag { page, token })
}
