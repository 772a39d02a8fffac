//! The request body as a small namespace-resolved tree, the one place that reads XML. Parsing
//! a whole body first keeps the typed parsers simple (they walk `Element`s) and puts every
//! defence in one loop:
//! - the body must be UTF-8 (a BOM is skipped); a DOCTYPE is refused outright, so there are no
//!   entity definitions to expand and no external entities to fetch;
//! - only the five predefined entities and character references are resolved;
//! - every prefix must be declared (XML Namespaces §5); attributes keep their namespace;
//! - nesting depth, element count, attributes per element and namespace declarations per body
//!   are capped by [`Limits`]; memory is linear in the body, and so is time: every scan that
//!   looks back (duplicate attributes, prefix resolution) runs over a capped list;
//! - the body must be well-formed as a strict parser sees it (XML 1.0 §2.2 characters, §2.3
//!   names, Namespaces §3, §6.3 unique expanded attribute names), so that nothing stored from it
//!   can make a document we write ill-formed.
//!
//! Text is stored with XML 1.0 line-end normalisation (a literal CRLF reads as LF, `&#13;`
//! stays a CR), as any XML parser on the client's side would see it.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{NamespaceError, NamespaceResolver, ResolveResult};

use crate::error::DavXmlError;
use crate::qname::{NS_DAV, NS_XML, NS_XMLNS, QName, is_ncname, is_xml_char};

/// Bounds on what one request body may hold. The body's byte size is the server's to cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest element nesting accepted (the root is depth 1). The typed parsers recurse
    /// along nested filters, so keep this in the hundreds at most.
    pub max_depth: usize,
    /// Most elements accepted in one body (a multiget of N hrefs has about N + 5).
    pub max_elements: usize,
    /// Most attributes on one element, namespace declarations included (clients send a
    /// handful; the check for duplicates is quadratic in this).
    pub max_attributes: usize,
    /// Most namespace declarations in one body (each prefix lookup scans those in scope).
    pub max_namespaces: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_depth: 64, max_elements: 100_000, max_attributes: 64, max_namespaces: 256 }
    }
}

/// An element with its resolved name, attributes and content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub name: QName,
    pub attrs: Vec<Attr>,
    pub children: Vec<Node>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr {
    pub name: QName,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
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

/// Parses a whole body. `Ok(None)` for an empty (or whitespace-only) body. Public for the
/// other XML front-ends (Autodiscover), so that every XML body the network sends is read by
/// this one reader with its limits.
pub fn parse(body: &[u8], limits: &Limits) -> Result<Option<Element>, DavXmlError> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let text = std::str::from_utf8(body).map_err(|_| DavXmlError::NotUtf8)?;
    check_chars(text)?;
    // A plain reader and our own resolver: an element's declarations are counted (and the
    // element refused) before any of them is bound, so a flood costs one scan of the tag.
    let mut reader = Reader::from_str(text);
    let mut tree = Tree {
        limits,
        resolver: NamespaceResolver::default(),
        stack: Vec::new(),
        root: None,
        elements: 0,
        namespaces: 0,
    };
    loop {
        match reader.read_event().map_err(map_error)? {
            Event::Start(ref start) => {
                let element = tree.open(start)?;
                tree.stack.push(element);
            }
            Event::Empty(ref start) => {
                let element = tree.open(start)?;
                tree.resolver.pop();
                tree.close(element);
            }
            Event::End(_) => {
                tree.resolver.pop();
                match tree.stack.pop() {
                    Some(element) => tree.close(element),
                    None => return Err(DavXmlError::Malformed("unbalanced end tag".into())),
                }
            }
            Event::Text(t) => {
                // XML 1.0 §2.4: `]]>` may not appear in character data (quick-xml lets it
                // through; stored in a dead property it would be written back verbatim).
                if t.windows(3).any(|w| w == b"]]>") {
                    return Err(DavXmlError::Malformed("']]>' in character data".into()));
                }
                push_text(&mut tree.stack, &t.xml10_content().map_err(|e| DavXmlError::Malformed(e.to_string()))?)?
            }
            Event::CData(t) => {
                push_text(&mut tree.stack, &t.xml10_content().map_err(|e| DavXmlError::Malformed(e.to_string()))?)?
            }
            Event::GeneralRef(r) => {
                let ch = match r.resolve_char_ref().map_err(map_error)? {
                    // XML 1.0 §4.1 WFC: Legal Character
                    Some(c) if !is_xml_char(c) => return Err(forbidden_char(c)),
                    Some(c) => c,
                    None => predefined_entity(&r)?,
                };
                push_text(&mut tree.stack, ch.encode_utf8(&mut [0; 4]))?;
            }
            Event::DocType(_) => return Err(DavXmlError::DocType),
            // XML 1.0 §2.5: no `--` inside a comment, and no `-` before its end.
            Event::Comment(c) if c.windows(2).any(|w| w == b"--") || c.ends_with(b"-") => {
                return Err(DavXmlError::Malformed("'--' in a comment".into()));
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if !tree.stack.is_empty() {
        return Err(DavXmlError::Malformed("unclosed element".into()));
    }
    Ok(tree.root)
}

/// The tree being built, with the namespaces in scope and what the limits count.
struct Tree<'l> {
    limits: &'l Limits,
    resolver: NamespaceResolver,
    stack: Vec<Element>,
    root: Option<Element>,
    elements: usize,
    namespaces: usize,
}

impl Tree<'_> {
    /// Checks a start tag against the limits, binds its declarations and resolves it. The
    /// caller pops the resolver's scope when the element ends.
    fn open(&mut self, start: &BytesStart<'_>) -> Result<Element, DavXmlError> {
        let limits = self.limits;
        if self.root.is_some() {
            return Err(DavXmlError::Malformed("more than one root element".into()));
        }
        self.elements += 1;
        if self.elements > limits.max_elements {
            return Err(DavXmlError::TooManyElements { limit: limits.max_elements });
        }
        if self.stack.len() >= limits.max_depth {
            return Err(DavXmlError::TooDeep { limit: limits.max_depth });
        }
        self.namespaces += declarations(start, limits)?;
        if self.namespaces > limits.max_namespaces {
            return Err(DavXmlError::TooManyNamespaces { limit: limits.max_namespaces });
        }
        self.resolver.push(start).map_err(|e| map_error(quick_xml::Error::Namespace(e)))?;
        check_qname(start.name().into_inner())?;
        let (resolved, local) = self.resolver.resolve_element(start.name());
        let ns = namespace(resolved)?;
        if ns == NS_XMLNS {
            return Err(DavXmlError::Malformed("an element in the xmlns namespace".into()));
        }
        let local = utf8(local.into_inner())?;
        Ok(Element { name: QName::new(ns, local), attrs: attributes(&self.resolver, start)?, children: vec![] })
    }

    fn close(&mut self, element: Element) {
        match self.stack.last_mut() {
            Some(parent) => parent.children.push(Node::Element(element)),
            None => self.root = Some(element),
        }
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

/// Refuses characters XML 1.0 §2.2 does not allow anywhere in a document, in one pass over
/// the body: C0 controls other than TAB, LF and CR, and U+FFFE / U+FFFF (a `&str` holds no
/// surrogates). Character references are checked where they are resolved.
fn check_chars(text: &str) -> Result<(), DavXmlError> {
    let bytes = text.as_bytes();
    let bad = bytes.iter().enumerate().find(|&(i, &b)| {
        matches!(b, 0..=0x08 | 0x0b | 0x0c | 0x0e..=0x1f)
            || (b == 0xef && matches!(bytes.get(i + 1..i + 3), Some([0xbf, 0xbe | 0xbf])))
    });
    match bad {
        None => Ok(()),
        Some((i, _)) => Err(forbidden_char(text.get(i..).and_then(|t| t.chars().next()).unwrap_or('\0'))),
    }
}

fn check_value_chars(value: &str) -> Result<(), DavXmlError> {
    match value.chars().find(|c| !is_xml_char(*c)) {
        None => Ok(()),
        Some(c) => Err(forbidden_char(c)),
    }
}

fn forbidden_char(c: char) -> DavXmlError {
    DavXmlError::Malformed(format!("character U+{:04X} is not allowed in XML 1.0", c as u32))
}

/// A tag or attribute name: `NCName` or `NCName:NCName` (Namespaces §4 QName).
fn check_qname(raw: &[u8]) -> Result<(), DavXmlError> {
    let name = utf8(raw)?;
    let ok = match name.split_once(':') {
        Some((prefix, local)) => is_ncname(prefix) && is_ncname(local),
        None => is_ncname(name),
    };
    if ok { Ok(()) } else { Err(DavXmlError::Malformed(format!("{name:?} is not an XML name"))) }
}

/// Counts the element's namespace declarations and checks them (Namespaces §3): within
/// [`Limits::max_attributes`] before any quadratic check runs, no empty prefixed binding, and
/// the xml / xmlns namespaces bound only as the spec allows (quick-xml checks the prefixes).
fn declarations(start: &BytesStart<'_>, limits: &Limits) -> Result<usize, DavXmlError> {
    let mut attributes = 0usize;
    let mut declared = 0usize;
    for attr in start.attributes().with_checks(false) {
        let Ok(attr) = attr else { break };
        attributes += 1;
        if attributes > limits.max_attributes {
            return Err(DavXmlError::TooManyAttributes { limit: limits.max_attributes });
        }
        let Some(binding) = attr.key.as_namespace_binding() else { continue };
        declared += 1;
        let value = attr.value.as_ref();
        let named = matches!(binding, quick_xml::name::PrefixDeclaration::Named(_));
        if named && value.is_empty() {
            return Err(DavXmlError::Malformed("a prefix bound to the empty namespace".into()));
        }
        if !named && (value == NS_XML.as_bytes() || value == NS_XMLNS.as_bytes()) {
            return Err(DavXmlError::Malformed("the xml or xmlns namespace as the default namespace".into()));
        }
    }
    Ok(declared)
}

fn namespace(resolved: ResolveResult<'_>) -> Result<String, DavXmlError> {
    match resolved {
        // quick-xml hands the declaration's value back unescaped-as-written.
        ResolveResult::Bound(ns) => {
            let raw = utf8(ns.into_inner())?;
            let ns = quick_xml::escape::unescape(raw).map_err(|e| DavXmlError::Malformed(e.to_string()))?;
            check_value_chars(&ns)?;
            Ok(ns.into_owned())
        }
        ResolveResult::Unbound => Ok(String::new()),
        ResolveResult::Unknown(prefix) => Err(DavXmlError::UndeclaredPrefix(String::from_utf8_lossy(&prefix).into())),
    }
}

fn attributes(resolver: &NamespaceResolver, start: &BytesStart<'_>) -> Result<Vec<Attr>, DavXmlError> {
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| DavXmlError::Malformed(e.to_string()))?;
        check_qname(attr.key.into_inner())?;
        if attr.key.as_namespace_binding().is_some() {
            continue;
        }
        // XML 1.0 §3.1 AttValue: a raw '<' is not allowed (quick-xml lets it through).
        if attr.value.contains(&b'<') {
            return Err(DavXmlError::Malformed("'<' in an attribute value".into()));
        }
        let (resolved, local) = resolver.resolve_attribute(attr.key);
        let ns = namespace(resolved)?;
        let local = utf8(local.into_inner())?;
        let value = attr.unescape_value().map_err(map_error)?;
        check_value_chars(&value)?;
        let name = QName::new(ns, local);
        // Namespaces §6.3: two prefixes bound to one URI make a duplicate too. Quadratic,
        // over at most `max_attributes`.
        if attrs.iter().any(|a: &Attr| a.name == name) {
            return Err(DavXmlError::Malformed(format!("attribute {name} twice")));
        }
        attrs.push(Attr { name, value: value.into_owned() });
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
