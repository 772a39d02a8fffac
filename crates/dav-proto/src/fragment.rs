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
use crate::qname::NS_XML;
use crate::xml::{Element, Limits, Node};

/// The content of `el` (its text and child elements, not its own tag) as a fragment.
pub(crate) fn inner_xml(el: &Element) -> String {
    let mut out = String::new();
    content(&mut out, el, "");
    out
}

/// Whether `s` is well-formed element content on its own, with no prefix declared outside
/// it: what [`inner_xml`] makes, checked by the same strict reader that reads requests.
/// Scoped default-namespace declarations may be one per element, so only depth and
/// attributes (one declaration may come with each) are bounded here.
pub fn is_well_formed(s: &str) -> bool {
    // `inner_xml` writes elements and escaped text only; a comment, CDATA section, processing
    // instruction or declaration (all `<!` or `<?`) is not ours, and each has rules of its own
    // a lenient reader may miss. Such a value is written as text instead.
    if s.contains("<!") || s.contains("<?") {
        return false;
    }
    let limits = Limits {
        max_depth: Limits::default().max_depth + 2,
        max_elements: usize::MAX,
        max_attributes: 2 * Limits::default().max_attributes + 1,
        max_namespaces: usize::MAX,
    };
    let mut doc = String::with_capacity(s.len() + 7);
    doc.push_str("<r>");
    doc.push_str(s);
    doc.push_str("</r>");
    crate::xml::parse(doc.as_bytes(), &limits).is_ok()
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
