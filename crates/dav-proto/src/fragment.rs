//! A parsed element's content written back as a self-contained XML fragment, for dead
//! properties (RFC 4918 §4.3: a server stores a property's value with its namespaces and
//! returns it verbatim).
//!
//! Each element carries the declarations it needs: its namespace as the default namespace
//! (`xmlns="…"`, or `xmlns=""` for no namespace) whenever it differs from its parent's, and a
//! generated `xmlns:aN` per namespaced attribute. The fragment is therefore correct wherever it
//! is pasted, provided the enclosing element does not set a default namespace; the
//! [`Multistatus`](crate::Multistatus) encoder never does.

use crate::escape;
use crate::xml::{Element, Node};

const NS_XML: &str = "http://www.w3.org/XML/1998/namespace";

/// The content of `el` (its text and child elements, not its own tag) as a fragment.
pub(crate) fn inner_xml(el: &Element) -> String {
    let mut out = String::new();
    content(&mut out, el, "");
    out
}

fn content(out: &mut String, el: &Element, default_ns: &str) {
    for node in &el.children {
        match node {
            Node::Text(t) => escape::text(out, t),
            Node::Element(child) => element(out, child, default_ns),
        }
    }
}

fn element(out: &mut String, el: &Element, default_ns: &str) {
    out.push('<');
    out.push_str(&el.name.local);
    if el.name.ns != default_ns {
        out.push_str(" xmlns=\"");
        escape::attr(out, &el.name.ns);
        out.push('"');
    }
    for (i, a) in el.attrs.iter().enumerate() {
        out.push(' ');
        if a.name.ns == NS_XML {
            out.push_str("xml:");
        } else if !a.name.ns.is_empty() {
            out.push_str(&format!("xmlns:a{i}=\""));
            escape::attr(out, &a.name.ns);
            out.push_str(&format!("\" a{i}:"));
        }
        out.push_str(&a.name.local);
        out.push_str("=\"");
        escape::attr(out, &a.value);
        out.push('"');
    }
    if el.children.is_empty() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    content(out, el, &el.name.ns);
    out.push_str("</");
    out.push_str(&el.name.local);
    out.push('>');
}
