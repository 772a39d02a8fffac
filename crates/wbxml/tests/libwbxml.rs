//! Cross-check against an independent implementation: libwbxml's `wbxml2xml` and `xml2wbxml`
//! (Debian's libwbxml2-utils, `-l ACTIVESYNC`), installed by `scripts/test`. Skipped, with a
//! notice, where the tools are missing.
//!
//! - Every tag of every page libwbxml knows (0–24; libwbxml 0.11.8 has no page 25, Find) is
//!   encoded by us, decoded by `wbxml2xml`, and must come back under the spec's name (or the
//!   older name libwbxml uses, listed in [`LIBWBXML_NAMES`]); `xml2wbxml` must then write the
//!   very bytes we wrote. The tokens only libwbxml knows ([`LIBWBXML_ONLY`], from drafts the
//!   spec's tables do not list) are unknown tags to our decoder.
//! - Every sample document goes the same way, and `wbxml2xml`'s XML, read with our
//!   [`from_xml`], and `xml2wbxml`'s bytes, read with our decoder, must both be the tree we
//!   started from.

mod common;

use std::path::PathBuf;
use std::process::Command;

use base64::Engine as _;
use relais_wbxml::tag::{page_name, page_tags};
use relais_wbxml::{Element, Node, Tag, decode, encode, from_xml};

/// Tags libwbxml 0.11.8 knows under another name than the spec's (older drafts, or
/// disambiguated with the parent's name): (page, spec name, libwbxml name).
///
/// Each of these decodes from the same token as the spec's tag: the parent-qualified names
/// (`Recurrence_Type`), the 12.0 name of Provision 0x10, a typo (`ihsManagementInformation`),
/// and spellings of its own.
const LIBWBXML_NAMES: &[(u8, &str, &str)] = &[
    (1, "AssistantPhoneNumber", "AssistantTelephoneNumber"),
    (1, "BusinessAddressCity", "BusinessCity"),
    (1, "BusinessAddressCountry", "BusinessCountry"),
    (1, "BusinessAddressPostalCode", "BusinessPostalCode"),
    (1, "BusinessAddressState", "BusinessState"),
    (1, "BusinessAddressStreet", "BusinessStreet"),
    (1, "HomeAddressCity", "HomeCity"),
    (1, "HomeAddressCountry", "HomeCountry"),
    (1, "HomeAddressPostalCode", "HomePostalCode"),
    (1, "HomeAddressState", "HomeState"),
    (1, "HomeAddressStreet", "HomeStreet"),
    (1, "OtherAddressCity", "OtherCity"),
    (1, "OtherAddressCountry", "OtherCountry"),
    (1, "OtherAddressPostalCode", "OtherPostalCode"),
    (1, "OtherAddressState", "OtherState"),
    (1, "OtherAddressStreet", "OtherStreet"),
    (2, "AttOid", "AttOId"),
    (2, "ReplyTo", "Reply-To"),
    (2, "DtStamp", "DTStamp"),
    (2, "Type", "Recurrence_Type"),
    (2, "Until", "Recurrence_Until"),
    (2, "Occurrences", "Recurrence_Occurrences"),
    (2, "Interval", "Recurrence_Interval"),
    (2, "DayOfWeek", "Recurrence_DayOfWeek"),
    (2, "DayOfMonth", "Recurrence_DayOfMonth"),
    (2, "WeekOfMonth", "Recurrence_WeekOfMonth"),
    (2, "MonthOfYear", "Recurrence_MonthOfYear"),
    (2, "Status", "FlagStatus"),
    (3, "Lifetime", "LifeTime"),
    (4, "Email", "Attendee_Email"),
    (4, "Name", "Attendee_Name"),
    (4, "DtStamp", "DTStamp"),
    (4, "Deleted", "Exception_Deleted"),
    (4, "ExceptionStartTime", "Exception_StartTime"),
    (4, "OrganizerEmail", "Organizer_Email"),
    (4, "OrganizerName", "Organizer_Name"),
    (4, "Type", "Recurrence_Type"),
    (4, "Until", "Recurrence_Until"),
    (4, "Occurrences", "Recurrence_Occurrences"),
    (4, "Interval", "Recurrence_Interval"),
    (4, "DayOfWeek", "Recurrence_DayOfWeek"),
    (4, "DayOfMonth", "Recurrence_DayOfMonth"),
    (4, "WeekOfMonth", "Recurrence_WeekOfMonth"),
    (4, "MonthOfYear", "Recurrence_MonthOfYear"),
    (4, "AttendeeStatus", "Attendee_Status"),
    (4, "AttendeeType", "Attendee_Type"),
    (9, "UtcDueDate", "UTCDueDate"),
    (9, "Type", "Recurrence_Type"),
    (9, "Start", "Recurrence_Start"),
    (9, "Until", "Recurrence_Until"),
    (9, "Occurrences", "Recurrence_Occurrences"),
    (9, "Interval", "Recurrence_Interval"),
    (9, "DayOfMonth", "Recurrence_DayOfMonth"),
    (9, "DayOfWeek", "Recurrence_DayOfWeek"),
    (9, "WeekOfMonth", "Recurrence_WeekOfMonth"),
    (9, "MonthOfYear", "Recurrence_MonthOfYear"),
    (9, "Regenerate", "Recurrence_Regenerate"),
    (9, "DeadOccur", "Recurrence_DeadOccur"),
    (9, "UtcStartDate", "UTCStartDate"),
    (14, "RequireStorageCardEncryption", "DeviceEncryptionEnabled"),
    (18, "RightsManagementInformation", "ihsManagementInformation"),
    (21, "Mime", "MIME"),
    (24, "Owner", "RMOwner"),
    (24, "RemoveRightsManagementProtection", "RemoveRightsManagementDistribution"),
];

/// Tags libwbxml 0.11.8 does not know (it decodes them as `unknown`): (page, spec name).
/// All are 16.1 additions.
const LIBWBXML_GAPS: &[(u8, &str)] = &[(8, "ProposedStartTime"), (8, "ProposedEndTime"), (14, "AccountOnlyRemoteWipe")];

/// Tokens libwbxml 0.11.8 knows that the spec's tables do not list (drafts before 2.5, and
/// names the tables dropped): the decoder refuses them as unknown tags. (page, token, name).
const LIBWBXML_ONLY: &[(u8, u8, &str)] = &[
    (0, 0x11, "Version"),
    (0, 0x1A, "RTFTruncation"),
    (0, 0x1F, "NotifyGUID"),
    (1, 0x3B, "CompressedRTF"),
    (2, 0x0B, "AttRemoved"),
    (4, 0x10, "Compressed_RTF"),
    (7, 0x0B, "Response"),
    (7, 0x0D, "ContentClass"),
    (7, 0x18, "Version"),
    (8, 0x0D, "Version"),
    (9, 0x21, "CompressedRTF"),
    (14, 0x12, "DocumentBrowseEnabled"),
    (15, 0x1C, "Schema"),
    (15, 0x1D, "Supported"),
];

fn tools_installed() -> bool {
    let found = |tool: &str| Command::new(tool).output().is_ok();
    if found("wbxml2xml") && found("xml2wbxml") {
        return true;
    }
    eprintln!("NOTICE: libwbxml2-utils (wbxml2xml, xml2wbxml) not installed: cross-check skipped");
    false
}

/// A scratch directory for the tools' files, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("relais-wbxml-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// `wbxml2xml -l ACTIVESYNC -m 0`: compact XML.
    fn wbxml2xml(&self, wbxml: &[u8]) -> String {
        let (input, output) = (self.0.join("in.wbxml"), self.0.join("out.xml"));
        std::fs::write(&input, wbxml).unwrap();
        let mut run = Command::new("wbxml2xml");
        let status = run.args(["-l", "ACTIVESYNC", "-m", "0", "-o"]).arg(&output).arg(&input).output().unwrap();
        assert!(status.status.success(), "wbxml2xml: {}", String::from_utf8_lossy(&status.stderr));
        std::fs::read_to_string(&output).unwrap()
    }

    /// `xml2wbxml -n -a`: no string table, no public identifier string (03 01 6A 00).
    fn xml2wbxml(&self, xml: &str) -> Vec<u8> {
        let (input, output) = (self.0.join("in.xml"), self.0.join("out.wbxml"));
        std::fs::write(&input, xml).unwrap();
        let status = Command::new("xml2wbxml").args(["-n", "-a", "-o"]).arg(&output).arg(&input).output().unwrap();
        assert!(status.status.success(), "xml2wbxml: {}", String::from_utf8_lossy(&status.stderr));
        std::fs::read(&output).unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The element names in libwbxml's XML, in document order, with their namespace.
fn element_names(xml: &str) -> Vec<(String, String)> {
    let mut reader = quick_xml::reader::NsReader::from_str(xml);
    let mut names = Vec::new();
    loop {
        match reader.read_resolved_event().unwrap() {
            (ns, quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)) => {
                let ns = match ns {
                    quick_xml::name::ResolveResult::Bound(ns) => String::from_utf8_lossy(ns.as_ref()).into_owned(),
                    _ => String::new(),
                };
                names.push((ns, String::from_utf8_lossy(e.local_name().as_ref()).into_owned()));
            }
            (_, quick_xml::events::Event::Eof) => return names,
            _ => {}
        }
    }
}

fn libwbxml_name(tag: Tag) -> Option<&'static str> {
    if LIBWBXML_GAPS.contains(&(tag.page(), tag.name())) {
        return None;
    }
    let renamed = LIBWBXML_NAMES.iter().find(|(page, ours, _)| *page == tag.page() && *ours == tag.name());
    Some(renamed.map_or(tag.name(), |(_, _, theirs)| *theirs))
}

#[test]
fn every_tag_of_every_page_libwbxml_knows() {
    if !tools_installed() {
        return;
    }
    let scratch = Scratch::new("tags");
    let mut mismatches = Vec::new();
    for page in 0..25u8 {
        let tags: Vec<Tag> = page_tags(page).filter(|&t| libwbxml_name(t).is_some()).collect();
        // The page's first tag holds every tag of the page, each with a text.
        let doc = Element::new(tags[0]).with_all(tags.iter().map(|&t| Element::leaf(t, "x")));
        let ours = encode(&doc).unwrap();
        let xml = scratch.wbxml2xml(&ours);
        let names = element_names(&xml);
        let want: Vec<Tag> = std::iter::once(tags[0]).chain(tags.iter().copied()).collect();
        assert_eq!(names.len(), want.len(), "page {page}: {xml}");
        let before = mismatches.len();
        for ((ns, theirs), tag) in names.iter().zip(&want) {
            let expected = libwbxml_name(*tag).unwrap_or("?");
            assert!(ns.trim_end_matches(':').eq_ignore_ascii_case(tag.page_name()), "{tag}: namespace {ns}");
            if theirs != expected {
                mismatches.push(format!("({page}, \"{}\", \"{theirs}\"),", tag.name()));
            }
        }
        if mismatches.len() == before {
            // xml2wbxml writes the content of the tags it knows as binary as OPAQUE.
            let back = decode(&scratch.xml2wbxml(&xml)).unwrap();
            assert_eq!(as_text(&back), doc, "page {page} ({}): xml2wbxml", page_name(page).unwrap());
        }
    }
    assert!(mismatches.is_empty(), "libwbxml names differ:\n{}", mismatches.join("\n"));
}

#[test]
fn tokens_only_libwbxml_knows_are_unknown_tags_here() {
    if !tools_installed() {
        return;
    }
    let scratch = Scratch::new("extra");
    for &(page, token, name) in LIBWBXML_ONLY {
        // The page's first tag holding the extra token with a text.
        let first = page_tags(page).next().unwrap().token();
        let bytes = [0x03, 0x01, 0x6A, 0x00, 0x00, page, first | 0x40, token | 0x40, 0x03, b'x', 0x00, 0x01, 0x01];
        let names = element_names(&scratch.wbxml2xml(&bytes));
        assert_eq!(names.get(1).map(|(_, n)| n.as_str()), Some(name), "libwbxml: page {page} token {token:#04x}");
        assert_eq!(Tag::from_token(page, token), None);
        assert!(matches!(decode(&bytes), Err(relais_wbxml::DecodeError::UnknownTag { .. })));
    }
}

/// What libwbxml makes of a tree: it writes opaque data as text, so opaque bytes that are not
/// UTF-8 are sent as their base64 (still opaque), and read back as text.
fn prepare(el: &Element) -> (Element, Element) {
    let mut sent = Element::new(el.tag);
    let mut expected = Element::new(el.tag);
    for node in &el.children {
        match node {
            Node::Element(child) => {
                let (s, e) = prepare(child);
                sent.push(s);
                expected.push(e);
            }
            Node::Text(t) => {
                sent.push(t.as_str());
                expected.push(t.as_str());
            }
            Node::Opaque(data) => {
                let text = match std::str::from_utf8(data) {
                    Ok(text) if !text.contains('\0') => text.to_owned(),
                    _ => base64::engine::general_purpose::STANDARD.encode(data),
                };
                sent.push(Node::Opaque(text.clone().into_bytes()));
                expected.push(text);
            }
        }
    }
    (sent, expected)
}

/// The tree with opaque data read as text (libwbxml's view of it).
fn as_text(el: &Element) -> Element {
    let mut out = Element::new(el.tag);
    for node in &el.children {
        out.push(match node {
            Node::Element(child) => Node::Element(as_text(child)),
            Node::Text(t) => Node::Text(t.clone()),
            Node::Opaque(data) => Node::Text(String::from_utf8_lossy(data).into_owned()),
        });
    }
    out
}

fn has_opaque(el: &Element) -> bool {
    el.children.iter().any(|n| matches!(n, Node::Opaque(_)) || matches!(n, Node::Element(c) if has_opaque(c)))
}

/// libwbxml's names back to the spec's, so that our reader takes its XML.
fn spec_names(xml: &str) -> String {
    let mut xml = xml.to_owned();
    for (_, ours, theirs) in LIBWBXML_NAMES {
        for (from, to) in [("<", "<"), ("</", "</")] {
            for end in [">", " ", "/>"] {
                xml = xml.replace(&format!("{from}{theirs}{end}"), &format!("{to}{ours}{end}"));
            }
        }
    }
    xml
}

#[test]
fn every_sample_both_ways() {
    if !tools_installed() {
        return;
    }
    let scratch = Scratch::new("samples");
    for (name, tree) in common::samples() {
        if contains_page(&tree, 25) {
            continue; // Find: not in libwbxml 0.11.8
        }
        let (sent, expected) = prepare(&tree);
        let ours = encode(&sent).unwrap();
        let xml = scratch.wbxml2xml(&ours);
        let theirs = from_xml(&spec_names(&xml)).unwrap_or_else(|e| panic!("{name}: {e}\n{xml}"));
        assert!(same_text_or_base64(&theirs, &expected), "{name}: wbxml2xml read our bytes otherwise\n{xml}");
        let back = scratch.xml2wbxml(&xml);
        let decoded = decode(&back).unwrap();
        assert!(same_text_or_base64(&as_text(&decoded), &expected), "{name}: we read xml2wbxml's bytes otherwise");
        if !has_opaque(&sent) && !has_opaque(&decoded) {
            assert_eq!(back, ours, "{name}: xml2wbxml wrote other bytes");
        }
    }
}

/// Whether libwbxml's reading is ours, where it writes the opaque data of tags it knows as
/// binary (`ComposeMail:MIME`, …) in base64 and drops the whitespace ending other opaque data.
fn same_text_or_base64(theirs: &Element, ours: &Element) -> bool {
    theirs.tag == ours.tag
        && theirs.children.len() == ours.children.len()
        && theirs.children.iter().zip(&ours.children).all(|pair| match pair {
            (Node::Element(t), Node::Element(o)) => same_text_or_base64(t, o),
            (Node::Text(t), Node::Text(o)) => {
                t == o
                    || t.trim_end() == o.trim_end()
                    || base64::engine::general_purpose::STANDARD.decode(t).is_ok_and(|b| b == o.as_bytes())
            }
            _ => false,
        })
}

fn contains_page(el: &Element, page: u8) -> bool {
    el.tag.page() == page || el.elements().any(|c| contains_page(c, page))
}
