//! The encoder: an [`Element`] tree to WBXML 1.3 as MS-ASWBXML §2.1.2.1 writes it.
//!
//! Header `03 01 6A 00`; a SWITCH_PAGE only where the page changes (the page state runs through
//! the document, WBXML 1.3 §5.8.4.7.2); a tag with the content bit and an END iff it has
//! children; text as STR_I, opaque data as OPAQUE. Iterative, like the decoder, so a tree of any
//! depth encodes without recursion; `decode(encode(t)) == t` for every tree `encode` accepts.

use thiserror::Error;

use crate::token::*;
use crate::{Element, Node};

/// Why a tree cannot be written as WBXML.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum EncodeError {
    /// An inline string ends at its first NUL (WBXML 1.3 §5.8.4.1); such text must be sent as
    /// opaque data instead.
    #[error("text of {tag} contains NUL")]
    NulInText { tag: crate::Tag },
    #[error("opaque data of {len} bytes is longer than WBXML can say")]
    OpaqueTooLong { len: usize },
}

/// Encodes a document.
pub fn encode(root: &Element) -> Result<Vec<u8>, EncodeError> {
    let mut out = vec![VERSION_1_3, PUBLIC_ID_UNKNOWN as u8, CHARSET_UTF8 as u8, 0x00];
    let mut page = 0u8;
    open(&mut out, &mut page, root);
    let mut stack = Vec::new();
    if !root.children.is_empty() {
        stack.push((root, root.children.iter()));
    }
    while let Some((parent, children)) = stack.last_mut() {
        match children.next() {
            None => {
                out.push(END);
                stack.pop();
            }
            Some(Node::Text(text)) => {
                if text.as_bytes().contains(&0) {
                    return Err(EncodeError::NulInText { tag: parent.tag });
                }
                out.push(STR_I);
                out.extend_from_slice(text.as_bytes());
                out.push(0);
            }
            Some(Node::Opaque(data)) => {
                let len = u32::try_from(data.len()).map_err(|_| EncodeError::OpaqueTooLong { len: data.len() })?;
                out.push(OPAQUE);
                mb_u32(&mut out, len);
                out.extend_from_slice(data);
            }
            Some(Node::Element(child)) => {
                open(&mut out, &mut page, child);
                if !child.children.is_empty() {
                    stack.push((child, child.children.iter()));
                }
            }
        }
    }
    Ok(out)
}

/// Writes an element's tag, switching page first if needed.
fn open(out: &mut Vec<u8>, page: &mut u8, element: &Element) {
    let tag = element.tag;
    if tag.page() != *page {
        out.extend_from_slice(&[SWITCH_PAGE, tag.page()]);
        *page = tag.page();
    }
    let content = if element.children.is_empty() { 0 } else { CONTENT };
    out.push(tag.token() | content);
}

/// WBXML 1.3 §5.1 mb_u_int32, in the fewest bytes.
pub(crate) fn mb_u32(out: &mut Vec<u8>, value: u32) {
    let mut groups = [0u8; 5];
    let mut n = 0;
    let mut v = value;
    loop {
        groups[n] = (v & 0x7F) as u8;
        n += 1;
        v >>= 7;
        if v == 0 {
            break;
        }
    }
    for i in (0..n).rev() {
        out.push(groups[i] | if i > 0 { 0x80 } else { 0 });
    }
}
