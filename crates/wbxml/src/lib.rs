//! WBXML for Exchange ActiveSync ([MS-ASWBXML]): the code pages, a typed document tree, the
//! encoder and a bounded decoder. Pure: no I/O, no tokio, no store.
//!
//! # Format
//! WBXML 1.3 (W3C NOTE-wbxml-19990624 / WAP-192) as MS-ASWBXML §2.1.2.1 restricts it:
//! - header `03 01 6A 00`: version 1.3, public identifier 1 (unknown), charset UTF-8 (MIBenum
//!   106), an empty string table;
//! - tags from the 26 code pages 0–25 (AirSync … Find), switched with SWITCH_PAGE; a tag token's
//!   bit 6 says the element has content, closed by END;
//! - text as inline strings (STR_I); opaque data (OPAQUE) for bytes such as MIME content, kept
//!   as bytes ([`Node::Opaque`]).
//!
//! Everything else WBXML has — attributes, string tables and STR_T, entities, literals,
//! processing instructions, extension tokens — ActiveSync does not use, and the decoder refuses
//! it with a typed [`DecodeError`], as it refuses unknown pages and tags, a wrong header,
//! truncated input, bytes after the root, and input over the [`Limits`].
//!
//! # Invariants
//! - A [`Tag`] always names a tag of the spec's tables ([`tag`] has one constant per tag), so
//!   whatever the encoder writes, the decoder reads back: `decode(&encode(&t)?)? == t`.
//! - Decoding is one pass with an explicit stack: time linear in the input, no recursion, memory
//!   bounded by `max_input`, `max_depth` and `max_nodes`. It never panics on any input (a
//!   cargo-fuzz target checks that and the round trip).
//! - The tree is owned (`String`, `Vec<u8>`): it outlives the request buffer.
//!
//! # Use
//! ```
//! use relais_wbxml::{decode, encode, Element, tag::{airsync, folderhierarchy as fh}};
//! let request = Element::new(fh::FOLDER_SYNC).with_leaf(fh::SYNC_KEY, "0");
//! let bytes = encode(&request).unwrap();
//! assert_eq!(bytes, [0x03, 0x01, 0x6A, 0x00, 0x00, 0x07, 0x56, 0x52, 0x03, b'0', 0x00, 0x01, 0x01]);
//! let back = decode(&bytes).unwrap();
//! assert_eq!(back.text_of(fh::SYNC_KEY).as_deref(), Some("0"));
//! assert_eq!(airsync::SYNC_KEY.to_string(), "AirSync:SyncKey");
//! ```
//!
//! [MS-ASWBXML]: https://learn.microsoft.com/openspecs/exchange_server_protocols/ms-aswbxml

mod codepages;
mod decode;
mod encode;
pub mod tag;
mod token;
mod tree;
pub mod xml;

pub use decode::{DecodeError, Limits, decode, decode_with};
pub use encode::{EncodeError, encode};
pub use tag::Tag;
pub use tree::{Element, Node};
pub use xml::{XmlError, from_xml, to_xml};
