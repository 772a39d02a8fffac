//! The XML debug form: how a WBXML document reads in a log, in a test, or in MS-ASCMD's examples.
//!
//! [`to_xml`] writes the root's page as the default namespace and every other page used under a
//! prefix, its name in lower case (`<Sync xmlns="AirSync" xmlns:airsyncbase="AirSyncBase">`,
//! `<airsyncbase:Body>`), as the MS-ASCMD examples do; opaque data is written as base64 in a
//! CDATA section. [`from_xml`] reads that form, the spec's examples, and libwbxml's output
//! (`xmlns="AirSync:"`): namespaces name code pages (without regard to case), CDATA is opaque
//! data in base64, whitespace-only text beside child elements is indentation and dropped.
//! Nothing here is on a client's path: handlers work on the tree.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use thiserror::Error;

use crate::tag::{page_name, page_number};
use crate::{Element, Limits, Node, Tag};

/// Why a text is not a document in the XML debug form.
#[derive(Debug, Error)]
pub enum XmlError {
    #[error("malformed XML: {0}")]
    Malformed(String),
    #[error("element {0} is in no code page's namespace")]
    UnknownNamespace(String),
    #[error("unknown tag {0}")]
    UnknownTag(String),
    #[error("CDATA is not base64: {0}")]
    Base64(String),
    #[error("nesting or size over the limits")]
    Limits,
    #[error("no root element, or more than one")]
    Root,
}

/// The document as indented XML.
pub fn to_xml(root: &Element) -> String {
    let mut pages = [false; 26];
    collect_pages(root, &mut pages);
    let mut out = String::new();
    let _ = write!(out, "<{} xmlns=\"{}\"", root.tag.name(), root.tag.page_name());
    for (page, used) in (0u8..).zip(pages) {
        if used && page != root.tag.page() {
            let name = page_name(page).unwrap_or_default();
            let _ = write!(out, " xmlns:{}=\"{name}\"", name.to_ascii_lowercase());
        }
    }
    write_content(&mut out, root, root.tag.page(), 0);
    out.push('\n');
    out
}

fn collect_pages(root: &Element, pages: &mut [bool; 26]) {
    let mut todo = vec![root];
    while let Some(el) = todo.pop() {
        pages[usize::from(el.tag.page())] = true;
        todo.extend(el.elements());
    }
}

fn write_open(out: &mut String, tag: Tag, default_page: u8, indent: usize) {
    let _ = write!(out, "\n{:indent$}<{}", "", qualified(tag, default_page), indent = indent * 2);
}

fn qualified(tag: Tag, default_page: u8) -> String {
    if tag.page() == default_page {
        tag.name().to_owned()
    } else {
        format!("{}:{}", tag.page_name().to_ascii_lowercase(), tag.name())
    }
}

/// Writes the rest of an element whose `<name` (and declarations) are written.
fn write_content(out: &mut String, el: &Element, default_page: u8, indent: usize) {
    if el.children.is_empty() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    let only_elements = el.children.iter().all(|n| matches!(n, Node::Element(_)));
    for node in &el.children {
        match node {
            Node::Element(child) => {
                write_open(out, child.tag, default_page, indent + 1);
                write_content(out, child, default_page, indent + 1);
            }
            Node::Text(text) => escape(out, text),
            Node::Opaque(data) => {
                let _ = write!(out, "<![CDATA[{}]]>", BASE64.encode(data));
            }
        }
    }
    if only_elements {
        let _ = write!(out, "\n{:indent$}", "", indent = indent * 2);
    }
    let _ = write!(out, "</{}>", qualified(el.tag, default_page));
}

fn escape(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}

/// Reads a document in the XML debug form.
pub fn from_xml(text: &str) -> Result<Element, XmlError> {
    from_xml_with(text, &Limits::default())
}

/// Reads a document in the XML debug form within limits (depth and nodes).
pub fn from_xml_with(text: &str, limits: &Limits) -> Result<Element, XmlError> {
    let mut reader = NsReader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    let mut nodes = 0usize;
    loop {
        let (ns, event) = reader.read_resolved_event().map_err(malformed)?;
        let is_empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(start) | Event::Empty(start) => {
                nodes += 1;
                if root.is_some() || stack.len() >= limits.max_depth || nodes > limits.max_nodes {
                    return Err(if root.is_some() { XmlError::Root } else { XmlError::Limits });
                }
                let local = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                let el = Element::new(resolve(&ns, &local)?);
                if is_empty {
                    close(&mut stack, &mut root, el);
                } else {
                    stack.push(el);
                }
            }
            Event::End(_) => {
                let el = stack.pop().ok_or(XmlError::Root)?;
                close(&mut stack, &mut root, el);
            }
            Event::Text(t) => push_text(&mut stack, &t.xml10_content().map_err(malformed)?)?,
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref().map_err(malformed)? {
                    Some(c) => c,
                    None => predefined(&r)?,
                };
                push_text(&mut stack, c.encode_utf8(&mut [0; 4]))?;
            }
            Event::CData(c) => {
                let data = c.xml10_content().map_err(malformed)?;
                let compact: String = data.chars().filter(|c| !c.is_ascii_whitespace()).collect();
                let bytes = BASE64.decode(compact).map_err(|e| XmlError::Base64(e.to_string()))?;
                stack.last_mut().ok_or(XmlError::Root)?.children.push(Node::Opaque(bytes));
            }
            Event::Eof => break,
            Event::Decl(_) | Event::DocType(_) | Event::Comment(_) | Event::PI(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(XmlError::Malformed("unclosed element".into()));
    }
    root.ok_or(XmlError::Root)
}

fn malformed(e: impl std::fmt::Display) -> XmlError {
    XmlError::Malformed(e.to_string())
}

fn resolve(ns: &ResolveResult<'_>, local: &str) -> Result<Tag, XmlError> {
    let ResolveResult::Bound(ns) = ns else { return Err(XmlError::UnknownNamespace(local.to_owned())) };
    let ns = String::from_utf8_lossy(ns.as_ref());
    let page = page_number(&ns).ok_or_else(|| XmlError::UnknownNamespace(format!("{ns}:{local}")))?;
    Tag::from_page_name(page, local).ok_or_else(|| XmlError::UnknownTag(format!("{ns}:{local}")))
}

fn predefined(r: &[u8]) -> Result<char, XmlError> {
    match r {
        b"lt" => Ok('<'),
        b"gt" => Ok('>'),
        b"amp" => Ok('&'),
        b"apos" => Ok('\''),
        b"quot" => Ok('"'),
        other => Err(XmlError::Malformed(format!("entity &{};", String::from_utf8_lossy(other)))),
    }
}

fn push_text(stack: &mut [Element], text: &str) -> Result<(), XmlError> {
    let Some(parent) = stack.last_mut() else {
        return if text.trim().is_empty() { Ok(()) } else { Err(XmlError::Root) };
    };
    match parent.children.last_mut() {
        Some(Node::Text(t)) => t.push_str(text),
        _ => parent.children.push(Node::Text(text.to_owned())),
    }
    Ok(())
}

/// A finished element: indentation beside its child elements dropped, then into its parent.
fn close(stack: &mut [Element], root: &mut Option<Element>, mut el: Element) {
    if el.children.iter().any(|n| matches!(n, Node::Element(_))) {
        el.children.retain(|n| !matches!(n, Node::Text(t) if t.trim().is_empty()));
    }
    match stack.last_mut() {
        Some(parent) => parent.children.push(Node::Element(el)),
        None => *root = Some(el),
    }
}
