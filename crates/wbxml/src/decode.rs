//! The decoder: WBXML 1.3 as MS-ASWBXML uses it, into an owned [`Element`] tree.
//!
//! One pass over the input with an explicit stack (no recursion), so the time is linear in the
//! input and the memory bounded by [`Limits`]: input size, nesting depth and node count.

use thiserror::Error;

use crate::tag::PAGE_COUNT;
use crate::token::*;
use crate::{Element, Node, Tag};

/// What a decoder accepts. The defaults suit ActiveSync requests: a Sync of a few hundred items
/// has a few tens of thousands of nodes and a depth under 12.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Elements nested deeper than this are refused (the root is at depth 1).
    pub max_depth: usize,
    /// Input longer than this many bytes is refused before any parsing.
    pub max_input: usize,
    /// More elements, text and opaque nodes than this are refused: each node costs tens of
    /// bytes of memory, so this bounds what a small input full of empty tags can make us hold.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_depth: 64, max_input: 32 << 20, max_nodes: 500_000 }
    }
}

/// Why a body is not an ActiveSync WBXML document. `at` is a byte offset into the input.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("WBXML body of {len} bytes is over the limit of {limit}")]
    TooLarge { len: usize, limit: usize },
    #[error("WBXML body ends early (byte {at})")]
    Truncated { at: usize },
    #[error("WBXML version {0:#04x} is not 1.3")]
    Version(u8),
    #[error("WBXML public identifier {0} is not 1 (unknown)")]
    PublicId(u32),
    #[error("WBXML charset {0} is not UTF-8 (106)")]
    Charset(u32),
    #[error("WBXML string table of {0} bytes: ActiveSync uses none")]
    StringTable(u32),
    #[error("malformed multi-byte integer at byte {at}")]
    Integer { at: usize },
    #[error("unknown code page {page} at byte {at}")]
    UnknownPage { page: u8, at: usize },
    #[error("unknown tag {token:#04x} on code page {page} at byte {at}")]
    UnknownTag { page: u8, token: u8, at: usize },
    #[error("attributes at byte {at}: ActiveSync uses none")]
    Attributes { at: usize },
    #[error("WBXML token {token:#04x} at byte {at} is not used by ActiveSync")]
    Unsupported { token: u8, at: usize },
    #[error("inline string at byte {at} is not UTF-8")]
    Utf8 { at: usize },
    #[error("content outside the root element at byte {at}")]
    OutsideRoot { at: usize },
    #[error("bytes after the root element at byte {at}")]
    Trailing { at: usize },
    #[error("elements nested deeper than {limit}")]
    TooDeep { limit: usize },
    #[error("more than {limit} nodes")]
    TooManyNodes { limit: usize },
}

/// Decodes a document with the default [`Limits`].
pub fn decode(input: &[u8]) -> Result<Element, DecodeError> {
    decode_with(input, &Limits::default())
}

/// Decodes a document: the header (version 1.3, public id 1, UTF-8, no string table) and one
/// root element of tags, inline strings and opaque data.
pub fn decode_with(input: &[u8], limits: &Limits) -> Result<Element, DecodeError> {
    if input.len() > limits.max_input {
        return Err(DecodeError::TooLarge { len: input.len(), limit: limits.max_input });
    }
    let mut reader = Reader { input, pos: 0 };
    header(&mut reader)?;
    body(&mut reader, limits)
}

/// WBXML 1.3 §5.4–§5.6 as MS-ASWBXML §2.1.2.1 fixes them: `03 01 6A 00`.
fn header(r: &mut Reader<'_>) -> Result<(), DecodeError> {
    let version = r.byte()?;
    if version != VERSION_1_3 {
        return Err(DecodeError::Version(version));
    }
    let public_id = r.mb_u32()?;
    if public_id != PUBLIC_ID_UNKNOWN {
        return Err(DecodeError::PublicId(public_id));
    }
    let charset = r.mb_u32()?;
    if charset != CHARSET_UTF8 {
        return Err(DecodeError::Charset(charset));
    }
    match r.mb_u32()? {
        0 => Ok(()),
        len => Err(DecodeError::StringTable(len)),
    }
}

/// The open elements and what the limits count.
struct Builder<'l> {
    limits: &'l Limits,
    stack: Vec<Element>,
    nodes: usize,
}

impl Builder<'_> {
    fn count(&mut self) -> Result<(), DecodeError> {
        self.nodes += 1;
        if self.nodes > self.limits.max_nodes {
            return Err(DecodeError::TooManyNodes { limit: self.limits.max_nodes });
        }
        Ok(())
    }

    /// Adds content to the open element.
    fn content(&mut self, node: Node, at: usize) -> Result<(), DecodeError> {
        self.count()?;
        let parent = self.stack.last_mut().ok_or(DecodeError::OutsideRoot { at })?;
        parent.children.push(node);
        Ok(())
    }

    /// A complete element: into its parent, or the root when there is none.
    fn close(&mut self, element: Element) -> Option<Element> {
        match self.stack.last_mut() {
            Some(parent) => {
                parent.children.push(Node::Element(element));
                None
            }
            None => Some(element),
        }
    }
}

/// WBXML 1.3 §5.8: the body, until the root element's END (or its token without content).
fn body(r: &mut Reader<'_>, limits: &Limits) -> Result<Element, DecodeError> {
    let mut page = 0u8;
    let mut b = Builder { limits, stack: Vec::new(), nodes: 0 };
    loop {
        let at = r.pos;
        let token = r.byte()?;
        let done = match token {
            SWITCH_PAGE => {
                let next = r.byte()?;
                if next >= PAGE_COUNT {
                    return Err(DecodeError::UnknownPage { page: next, at });
                }
                page = next;
                None
            }
            END => {
                let element = b.stack.pop().ok_or(DecodeError::OutsideRoot { at })?;
                b.close(element)
            }
            STR_I => {
                let text = r.str_i()?;
                b.content(Node::Text(text), at)?;
                None
            }
            OPAQUE => {
                let len = r.mb_u32()?;
                let data = r.take(len)?.to_vec();
                b.content(Node::Opaque(data), at)?;
                None
            }
            ENTITY
            | LITERAL
            | EXT_I_0..=EXT_I_2
            | PI
            | LITERAL_C
            | EXT_T_0..=EXT_T_2
            | STR_T
            | LITERAL_A
            | EXT_0..=EXT_2
            | LITERAL_AC => return Err(DecodeError::Unsupported { token, at }),
            _ if token & ATTRIBUTES != 0 => return Err(DecodeError::Attributes { at }),
            _ => {
                let id = token & TOKEN_MASK;
                let tag = Tag::from_token(page, id).ok_or(DecodeError::UnknownTag { page, token: id, at })?;
                b.count()?;
                if b.stack.len() >= limits.max_depth {
                    return Err(DecodeError::TooDeep { limit: limits.max_depth });
                }
                let element = Element::new(tag);
                if token & CONTENT != 0 {
                    b.stack.push(element);
                    None
                } else {
                    b.close(element)
                }
            }
        };
        if let Some(root) = done {
            if r.pos != r.input.len() {
                return Err(DecodeError::Trailing { at: r.pos });
            }
            return Ok(root);
        }
    }
}

/// A cursor over the input; every read is checked against its end.
struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, DecodeError> {
        let b = *self.input.get(self.pos).ok_or(DecodeError::Truncated { at: self.pos })?;
        self.pos += 1;
        Ok(b)
    }

    /// WBXML 1.3 §5.1 mb_u_int32: 7 bits a byte, most significant first, at most 5 bytes.
    fn mb_u32(&mut self) -> Result<u32, DecodeError> {
        let at = self.pos;
        let mut value: u32 = 0;
        for _ in 0..5 {
            let b = self.byte()?;
            if value > u32::MAX >> 7 {
                return Err(DecodeError::Integer { at });
            }
            value = (value << 7) | u32::from(b & 0x7F);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(DecodeError::Integer { at })
    }

    /// WBXML 1.3 §5.8.4.1 termstr: bytes up to a NUL, which is consumed.
    fn str_i(&mut self) -> Result<String, DecodeError> {
        let at = self.pos;
        let rest = &self.input[self.pos..];
        let len = rest.iter().position(|&b| b == 0).ok_or(DecodeError::Truncated { at: self.input.len() })?;
        let text = std::str::from_utf8(&rest[..len]).map_err(|_| DecodeError::Utf8 { at })?;
        self.pos += len + 1;
        Ok(text.to_owned())
    }

    fn take(&mut self, len: u32) -> Result<&'a [u8], DecodeError> {
        let len = usize::try_from(len).map_err(|_| DecodeError::Truncated { at: self.input.len() })?;
        let end = self.pos.checked_add(len).filter(|&end| end <= self.input.len());
        let end = end.ok_or(DecodeError::Truncated { at: self.input.len() })?;
        let data = &self.input[self.pos..end];
        self.pos = end;
        Ok(data)
    }
}
