//! The request body as a small namespace-resolved tree, the one place that reads XML. Parsing
//! a whole body first keeps the typed parsers simple (they walk `Element`s) and puts every
//! defence in one loop:
//! - the body must be UTF-8 (a BOM is skipped); a DOCTYPE is refused outright, so there are no
//!   entity definitions to expand and no external entities to fetch;
//! - only the five predefined entities and character references are resolved;
//! - every prefix must be declared (XML Namespaces §5); attributes keep their namespace;
//! - nesting depth and element count are capped by [`Limits`]; memory is linear in the body.
//!
//! Text is stored with XML 1.0 line-end normalisation (a literal CRLF reads as LF, `&#13;`
//! stays a CR), as any XML parser on the client's side would see it.

use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{NamespaceError, ResolveResult};

use crate::error::DavXmlError;
use crate::qname::{NS_DAV, QName};

/// Bounds on what one request body may hold. The body's byte size is the server's to cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest element nesting accepted (the root is depth 1). The typed parsers recurse
    /// along nested filters, so keep this in the hundreds at most.
    pub max_depth: usize,
    /// Most elements accepted in one body (a multiget of N hrefs has about N + 5).
    pub max_elements: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_depth: 64, max_elements: 100_000 }
    }
}

/// An element with its resolved name, attributes and content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Element {
    pub name: QName,
    pub attrs: Vec<Attr>,
    pub children: Vec<Node>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Attr {
    pub name: QName,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    Element(Element),
    Text(String),
}

impl Element {
    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.name.is(ns, local)
    }

    /// Child elements, skipping text, comments' leftovers and whitespace.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    pub fn child(&self, ns: &str, local: &str) -> Option<&Element> {
        self.elements().find(|e| e.is(ns, local))
    }

    pub fn dav_child(&self, local: &str) -> Option<&Element> {
        self.child(NS_DAV, local)
    }

    pub fn children_named<'a>(&'a self, ns: &'a str, local: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.elements().filter(move |e| e.is(ns, local))
    }

    /// The concatenated text of the direct children, as sent.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for n in &self.children {
            if let Node::Text(t) = n {
                out.push_str(t);
            }
        }
        out
    }

    /// An attribute in no namespace (the usual kind: `name="VEVENT"`).
    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attrs.iter().find(|a| a.name.ns.is_empty() && a.name.local == local).map(|a| a.value.as_str())
    }

    /// Fails with [`DavXmlError::WrongRoot`] unless this is `{ns}local`.
    pub fn expect(&self, ns: &str, local: &str, expected: &'static str) -> Result<(), DavXmlError> {
        if self.is(ns, local) { Ok(()) } else { Err(DavXmlError::WrongRoot { expected, found: self.name.clone() }) }
    }
}

/// Parses a whole body. `Ok(None)` for an empty (or whitespace-only) body.
pub(crate) fn parse(body: &[u8], limits: &Limits) -> Result<Option<Element>, DavXmlError> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let text = std::str::from_utf8(body).map_err(|_| DavXmlError::NotUtf8)?;
    let mut reader = NsReader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    loop {
        let (resolved, event) = reader.read_resolved_event().map_err(map_error)?;
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                if root.is_some() {
                    return Err(DavXmlError::Malformed("more than one root element".into()));
                }
                count += 1;
                if count > limits.max_elements {
                    return Err(DavXmlError::TooManyElements { limit: limits.max_elements });
                }
                if stack.len() >= limits.max_depth {
                    return Err(DavXmlError::TooDeep { limit: limits.max_depth });
                }
                let ns = namespace(resolved)?;
                let local = utf8(start.local_name().into_inner())?;
                let element =
                    Element { name: QName::new(ns, local), attrs: attributes(&reader, start)?, children: vec![] };
                if matches!(event, Event::Start(_)) {
                    stack.push(element);
                } else {
                    close(element, &mut stack, &mut root);
                }
            }
            Event::End(_) => match stack.pop() {
                Some(element) => close(element, &mut stack, &mut root),
                None => return Err(DavXmlError::Malformed("unbalanced end tag".into())),
            },
            Event::Text(t) => {
                push_text(&mut stack, &t.xml10_content().map_err(|e| DavXmlError::Malformed(e.to_string()))?)?
            }
            Event::CData(t) => {
                push_text(&mut stack, &t.xml10_content().map_err(|e| DavXmlError::Malformed(e.to_string()))?)?
            }
            Event::GeneralRef(r) => {
                let ch = match r.resolve_char_ref().map_err(map_error)? {
                    Some(c) => c,
                    None => predefined_entity(&r)?,
                };
                push_text(&mut stack, ch.encode_utf8(&mut [0; 4]))?;
            }
            Event::DocType(_) => return Err(DavXmlError::DocType),
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(DavXmlError::Malformed("unclosed element".into()));
    }
    Ok(root)
}

fn close(element: Element, stack: &mut [Element], root: &mut Option<Element>) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(Node::Element(element)),
        None => *root = Some(element),
    }
}

fn push_text(stack: &mut [Element], text: &str) -> Result<(), DavXmlError> {
    let Some(parent) = stack.last_mut() else {
        // Outside the root only whitespace may appear (XML 1.0 §2.8 Misc).
        if text.bytes().all(|b| b.is_ascii_whitespace()) {
            return Ok(());
        }
        return Err(DavXmlError::Malformed("text outside the root element".into()));
    };
    match parent.children.last_mut() {
        Some(Node::Text(t)) => t.push_str(text),
        _ => parent.children.push(Node::Text(text.to_owned())),
    }
    Ok(())
}

// XML 1.0 §4.6
fn predefined_entity(r: &[u8]) -> Result<char, DavXmlError> {
    Ok(match r {
        b"lt" => '<',
        b"gt" => '>',
        b"amp" => '&',
        b"apos" => '\'',
        b"quot" => '"',
        other => return Err(DavXmlError::UndefinedEntity(String::from_utf8_lossy(other).into_owned())),
    })
}

fn namespace(resolved: ResolveResult<'_>) -> Result<String, DavXmlError> {
    match resolved {
        // quick-xml hands the declaration's value back unescaped-as-written.
        ResolveResult::Bound(ns) => {
            let raw = utf8(ns.into_inner())?;
            quick_xml::escape::unescape(raw).map(|s| s.into_owned()).map_err(|e| DavXmlError::Malformed(e.to_string()))
        }
        ResolveResult::Unbound => Ok(String::new()),
        ResolveResult::Unknown(prefix) => Err(DavXmlError::UndeclaredPrefix(String::from_utf8_lossy(&prefix).into())),
    }
}

fn attributes(reader: &NsReader<&[u8]>, start: &BytesStart<'_>) -> Result<Vec<Attr>, DavXmlError> {
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| DavXmlError::Malformed(e.to_string()))?;
        if attr.key.as_namespace_binding().is_some() {
            continue;
        }
        // XML 1.0 §3.1 AttValue: a raw '<' is not allowed (quick-xml lets it through).
        if attr.value.contains(&b'<') {
            return Err(DavXmlError::Malformed("'<' in an attribute value".into()));
        }
        let (resolved, local) = reader.resolve_attribute(attr.key);
        let ns = namespace(resolved)?;
        let local = utf8(local.into_inner())?;
        let value = attr.unescape_value().map_err(map_error)?;
        attrs.push(Attr { name: QName::new(ns, local), value: value.into_owned() });
    }
    Ok(attrs)
}

fn utf8(bytes: &[u8]) -> Result<&str, DavXmlError> {
    std::str::from_utf8(bytes).map_err(|_| DavXmlError::NotUtf8)
}

fn map_error(e: quick_xml::Error) -> DavXmlError {
    match e {
        quick_xml::Error::Namespace(NamespaceError::UnknownPrefix(p)) => {
            DavXmlError::UndeclaredPrefix(String::from_utf8_lossy(&p).into_owned())
        }
        quick_xml::Error::Escape(quick_xml::escape::EscapeError::UnrecognizedEntity(_, name)) => {
            DavXmlError::UndefinedEntity(name)
        }
        other => DavXmlError::Malformed(other.to_string()),
    }
}

/// Trims XML whitespace (S, XML 1.0 §2.3) from both ends.
pub(crate) fn trim(s: &str) -> &str {
    s.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
}

/// A trimmed owned string, reusing the allocation when nothing was trimmed.
pub(crate) fn trimmed(s: String) -> String {
    let t = trim(&s);
    if t.len() == s.len() { s } else { t.to_owned() }
}
