//! The document tree: owned elements with text, opaque data and child elements, the builder the
//! command handlers write responses with, and the accessors they read requests with.

use std::borrow::Cow;

use crate::Tag;

/// One element: a tag and its content in document order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element {
    pub tag: Tag,
    pub children: Vec<Node>,
}

/// The content of an element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    Element(Element),
    /// An inline string (STR_I): UTF-8 without NUL.
    Text(String),
    /// Opaque data (OPAQUE): bytes ActiveSync sends as is, e.g. MIME content or a body's data
    /// (MS-ASWBXML §2.1.2.2; MS-ASCMD sends `ItemOperations:Data` and `ComposeMail:Mime` so).
    Opaque(Vec<u8>),
}

impl Element {
    /// An empty element.
    pub fn new(tag: Tag) -> Element {
        Element { tag, children: Vec::new() }
    }

    /// An element holding one text node: `<tag>text</tag>`.
    pub fn leaf(tag: Tag, text: impl Into<String>) -> Element {
        Element::new(tag).with_text(text)
    }

    /// Builder: appends a child element.
    pub fn with(mut self, child: Element) -> Element {
        self.children.push(Node::Element(child));
        self
    }

    /// Builder: appends a child element when there is one (`Option` from a lookup).
    pub fn with_opt(self, child: Option<Element>) -> Element {
        match child {
            Some(child) => self.with(child),
            None => self,
        }
    }

    /// Builder: appends every child element.
    pub fn with_all(mut self, children: impl IntoIterator<Item = Element>) -> Element {
        self.children.extend(children.into_iter().map(Node::Element));
        self
    }

    /// Builder: appends a child element holding `text`: `<tag>text</tag>`.
    pub fn with_leaf(self, tag: Tag, text: impl Into<String>) -> Element {
        self.with(Element::leaf(tag, text))
    }

    /// Builder: appends an empty child element: `<tag/>`.
    pub fn with_empty(self, tag: Tag) -> Element {
        self.with(Element::new(tag))
    }

    /// Builder: appends a text node.
    pub fn with_text(mut self, text: impl Into<String>) -> Element {
        self.children.push(Node::Text(text.into()));
        self
    }

    /// Builder: appends opaque data.
    pub fn with_opaque(mut self, data: impl Into<Vec<u8>>) -> Element {
        self.children.push(Node::Opaque(data.into()));
        self
    }

    /// Appends a node in place.
    pub fn push(&mut self, node: impl Into<Node>) {
        self.children.push(node.into());
    }

    /// The child elements, in order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|node| match node {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// The child elements with this tag, in order (e.g. each `AirSync:Collection`).
    pub fn children_with(&self, tag: Tag) -> impl Iterator<Item = &Element> {
        self.elements().filter(move |e| e.tag == tag)
    }

    /// The first child element with this tag.
    pub fn child(&self, tag: Tag) -> Option<&Element> {
        self.children_with(tag).next()
    }

    /// Whether a child element with this tag is present (flags like `ComposeMail:SaveInSentItems`).
    pub fn has(&self, tag: Tag) -> bool {
        self.child(tag).is_some()
    }

    /// The element at the end of a path of first children: `sync.path(&[COLLECTIONS, COLLECTION])`.
    pub fn path(&self, tags: &[Tag]) -> Option<&Element> {
        tags.iter().try_fold(self, |el, &tag| el.child(tag))
    }

    /// The element's text: its text nodes joined (opaque data read as UTF-8, lossily, since
    /// clients may send any string as opaque); empty for an empty element.
    pub fn text(&self) -> Cow<'_, str> {
        let mut parts = self.children.iter().filter_map(|node| match node {
            Node::Text(s) => Some(Cow::Borrowed(s.as_str())),
            Node::Opaque(b) => Some(String::from_utf8_lossy(b)),
            Node::Element(_) => None,
        });
        let Some(first) = parts.next() else { return Cow::Borrowed("") };
        match parts.next() {
            None => first,
            Some(second) => {
                let mut all = first.into_owned();
                all.push_str(&second);
                parts.for_each(|p| all.push_str(&p));
                Cow::Owned(all)
            }
        }
    }

    /// The text of the first child element with this tag: `collection.text_of(SYNC_KEY)`.
    pub fn text_of(&self, tag: Tag) -> Option<Cow<'_, str>> {
        self.child(tag).map(Element::text)
    }

    /// The element's bytes: its opaque and text nodes joined (`ComposeMail:Mime` may come as
    /// either).
    pub fn bytes(&self) -> Cow<'_, [u8]> {
        let mut parts = self.children.iter().filter_map(|node| match node {
            Node::Text(s) => Some(s.as_bytes()),
            Node::Opaque(b) => Some(b.as_slice()),
            Node::Element(_) => None,
        });
        let Some(first) = parts.next() else { return Cow::Borrowed(&[]) };
        match parts.next() {
            None => Cow::Borrowed(first),
            Some(second) => {
                let mut all = first.to_vec();
                all.extend_from_slice(second);
                parts.for_each(|p| all.extend_from_slice(p));
                Cow::Owned(all)
            }
        }
    }

    /// The bytes of the first child element with this tag.
    pub fn bytes_of(&self, tag: Tag) -> Option<Cow<'_, [u8]>> {
        self.child(tag).map(Element::bytes)
    }
}

impl From<Element> for Node {
    fn from(e: Element) -> Node {
        Node::Element(e)
    }
}

impl From<String> for Node {
    fn from(s: String) -> Node {
        Node::Text(s)
    }
}

impl From<&str> for Node {
    fn from(s: &str) -> Node {
        Node::Text(s.to_owned())
    }
}
