//! COMPRESS (RFC 4978 §3), authenticated state:
//!
//! ```text
//! compress  = "COMPRESS" SP algorithm
//! algorithm = "DEFLATE"
//! ```
//!
//! OK: deflate starts right after the tagged OK (the connection loop switches both directions);
//! NO [COMPRESSIONACTIVE]: already compressed; BAD: an algorithm we don't know.

use relais_imap_proto::{Code, Tag};

use crate::session::{Flow, Session};

pub fn compress(s: &mut Session, tag: &Tag, algorithm: &str) -> Flow {
    if s.compressed {
        s.no(tag, Some(Code::CompressionActive), "compression is already active");
        return Flow::Continue;
    }
    if !algorithm.eq_ignore_ascii_case("DEFLATE") {
        s.bad(tag, "unknown compression algorithm");
        return Flow::Continue;
    }
    s.compressed = true;
    s.ok(tag, "DEFLATE active");
    Flow::Compress
}
