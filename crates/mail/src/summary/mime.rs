//! The part tree and its offsets, in one pass over the lines of the message.
//!
//! Boundary rules are Dovecot's, which IMAP clients are used to: a delimiter is a line that
//! starts with `--` and a boundary of any open multipart (RFC 2046 §5.1.1), the innermost exact
//! match winning, else the longest prefix; a delimiter of an outer multipart also ends every
//! part inside it, so a missing close delimiter costs nothing; the line break before a delimiter
//! belongs to it. A part header ends at its blank line, or at a delimiter when it has none.

use super::header::{self, MimeHeader};
use super::{Envelope, MAX_DEPTH, MAX_PARTS, Part, envelope};

/// One entity while the scan runs: header and body ranges, what its header says, its children.
struct Node {
    header_start: usize,
    /// None while the header is still being read.
    body_start: Option<usize>,
    body_end: usize,
    /// The end of the preamble (multipart only): where the first delimiter, with the line
    /// break before it, starts.
    preamble_end: Option<usize>,
    mime: MimeHeader,
    in_digest: bool,
    depth: usize,
    children: Vec<usize>,
}

struct Scan<'a> {
    raw: &'a [u8],
    nodes: Vec<Node>,
    /// Open entities from the root down; the last one is where the next line goes.
    open: Vec<usize>,
    /// Boundaries of the open multiparts, outermost first, with the multipart's node.
    boundaries: Vec<(Vec<u8>, usize)>,
}

/// The body structure of `raw`; see the invariants in the module above.
pub(super) fn structure(raw: &[u8]) -> Part {
    let mut scan = Scan { raw, nodes: Vec::new(), open: Vec::new(), boundaries: Vec::new() };
    scan.open_entity(0, None);
    let mut pos = 0;
    while pos < raw.len() {
        let end = header::line_end(raw, pos);
        scan.line(pos, end);
        pos = end;
        if scan.boundaries.is_empty() && !scan.in_header() {
            // Nothing left that a line could start or end: the rest is the open bodies.
            break;
        }
    }
    scan.finish();
    scan.build(0)
}

impl Scan<'_> {
    fn current(&self) -> usize {
        self.open.last().copied().unwrap_or(0)
    }

    fn in_header(&self) -> bool {
        self.nodes.get(self.current()).is_some_and(|n| n.body_start.is_none())
    }

    /// Starts an entity whose header begins at `start`.
    fn open_entity(&mut self, start: usize, parent: Option<usize>) {
        let (depth, in_digest) = match parent.and_then(|p| self.nodes.get(p)) {
            Some(p) => (p.depth + 1, p.mime.content_type == "multipart" && p.mime.content_subtype == "digest"),
            None => (0, false),
        };
        let index = self.nodes.len();
        self.nodes.push(Node {
            header_start: start,
            body_start: None,
            body_end: start,
            preamble_end: None,
            mime: MimeHeader::default(),
            in_digest,
            depth,
            children: Vec::new(),
        });
        if let Some(parent) = parent.and_then(|p| self.nodes.get_mut(p)) {
            parent.children.push(index);
        }
        self.open.push(index);
    }

    /// One line `start..end` (its line break included).
    fn line(&mut self, start: usize, end: usize) {
        let line = &self.raw[start..end];
        if let Some((level, close)) = self.delimiter(line) {
            self.delimiter_line(start, end, level, close);
        } else if self.in_header() && matches!(line, b"\n" | b"\r\n") {
            self.end_header(end, true);
        }
    }

    /// Which open boundary `line` is a delimiter of, and whether it closes (`--boundary--`).
    fn delimiter(&self, line: &[u8]) -> Option<(usize, bool)> {
        let rest = line.strip_prefix(b"--")?;
        if self.boundaries.is_empty() || self.nodes.len() >= MAX_PARTS {
            // Dovecot stops looking for boundaries at its part limit; so do we.
            return None;
        }
        let rest = &rest[..rest.iter().rposition(|b| !b" \t\r\n".contains(b)).map_or(0, |p| p + 1)];
        let mut best: Option<(usize, bool)> = None;
        for (level, (boundary, _)) in self.boundaries.iter().enumerate().rev() {
            let Some(after) = rest.strip_prefix(boundary.as_slice()) else { continue };
            let close = after.starts_with(b"--");
            if after.is_empty() || after == b"--" {
                return Some((level, close));
            }
            if best.is_none_or(|(b, _)| self.boundaries[b].0.len() < boundary.len()) {
                best = Some((level, close));
            }
        }
        best
    }

    /// A delimiter of the multipart at boundary `level`: every part inside it ends before the
    /// line break that precedes the line; then a new part starts, or the epilogue.
    fn delimiter_line(&mut self, start: usize, end: usize, level: usize, close: bool) {
        let Some(&(_, owner)) = self.boundaries.get(level) else { return };
        let before = start - eol_len(self.raw, start);
        if self.in_header() {
            let header_start = self.nodes.get(self.current()).map_or(before, |n| n.header_start);
            self.end_header(before.max(header_start), false);
        }
        // A part that ends here cannot end before the parts inside it: with an empty header
        // right after the previous delimiter, the line break is claimed by both lines.
        let mut floor = before;
        while let Some(&top) = self.open.last() {
            if top == owner {
                break;
            }
            floor = self.close(top, floor);
            self.open.pop();
        }
        self.boundaries.truncate(level + 1);
        if let Some(node) = self.nodes.get_mut(owner)
            && node.preamble_end.is_none()
        {
            node.preamble_end = Some(before.max(node.body_start.unwrap_or(before)));
        }
        if close {
            self.boundaries.pop();
        } else {
            self.open_entity(end, Some(owner));
        }
    }

    /// The header of the current entity ends; its body starts at `body_start`. With `nest`, a
    /// multipart starts looking for its boundary and a message/rfc822 opens its message.
    fn end_header(&mut self, body_start: usize, nest: bool) {
        let index = self.current();
        let parts = self.nodes.len();
        let Some(node) = self.nodes.get_mut(index) else { return };
        node.body_start = Some(body_start);
        node.body_end = body_start;
        node.mime = MimeHeader::parse(&self.raw[node.header_start..body_start], node.in_digest);
        if !nest || node.depth + 1 >= MAX_DEPTH || parts >= MAX_PARTS {
            return;
        }
        let mime = &node.mime;
        if mime.content_type == "multipart" {
            let boundary = mime.params.iter().find(|(k, _)| k == "boundary").map(|(_, v)| v.as_bytes());
            if let Some(boundary) = boundary.filter(|b| !b.is_empty()) {
                self.boundaries.push((boundary.to_vec(), index));
            }
        } else if mime.content_type == "message" && matches!(mime.content_subtype.as_str(), "rfc822" | "global") {
            // Dovecot parses the body as a message whatever its Content-Transfer-Encoding
            // (RFC 2046 §5.2.1 allows only 7bit, 8bit and binary), and so offsets stay raw.
            self.open_entity(body_start, Some(index));
        }
    }

    /// Ends node `index` at `end`, or at its body start if that is later; returns where it ended.
    fn close(&mut self, index: usize, end: usize) -> usize {
        let Some(node) = self.nodes.get_mut(index) else { return end };
        node.body_end = end.max(node.body_start.unwrap_or(end));
        node.body_end
    }

    /// End of input: whatever is open ends here.
    fn finish(&mut self) {
        let end = self.raw.len();
        if self.in_header() {
            self.end_header(end, false);
        }
        while let Some(top) = self.open.pop() {
            self.close(top, end);
        }
    }

    /// The [`Part`] of node `index` and everything below it.
    fn build(&self, index: usize) -> Part {
        let Some(node) = self.nodes.get(index) else { return Part::default() };
        let body_start = node.body_start.unwrap_or(node.body_end);
        let mut part = leaf(&node.mime, node.header_start, body_start, node.body_end, self.raw);
        if part.is_multipart() {
            part.parts = node.children.iter().map(|&c| self.build(c)).collect();
            if part.parts.is_empty() {
                // RFC 9051 §9 body-type-mpart needs a part: the preamble (or the whole body,
                // when no delimiter came) stands for it, as Dovecot does.
                let end = node.preamble_end.unwrap_or(node.body_end);
                part.parts.push(leaf(&MimeHeader::parse(b"", false), body_start, body_start, end, self.raw));
            }
        } else if part.is_message() {
            let message = match node.children.first() {
                Some(&child) => {
                    let inner = self.build(child);
                    let fields = header::Fields::parse(inner.header_bytes(self.raw));
                    (envelope::envelope(&fields), inner)
                }
                None => {
                    let empty = MimeHeader::parse(b"", false);
                    (Envelope::default(), leaf(&empty, body_start, body_start, node.body_end, self.raw))
                }
            };
            part.message = Some(Box::new(message));
        }
        part
    }
}

/// Length of the line break that ends just before `pos`: 2 for CRLF, 1 for LF, else 0.
fn eol_len(raw: &[u8], pos: usize) -> usize {
    match raw.get(..pos) {
        Some([.., b'\r', b'\n']) => 2,
        Some([.., b'\n']) => 1,
        _ => 0,
    }
}

/// A part from its MIME header and ranges, without children.
fn leaf(mime: &MimeHeader, header_start: usize, body_start: usize, body_end: usize, raw: &[u8]) -> Part {
    let body = raw.get(body_start..body_end).unwrap_or_default();
    let message = mime.content_type == "message" && matches!(mime.content_subtype.as_str(), "rfc822" | "global");
    Part {
        content_type: mime.content_type.clone(),
        content_subtype: mime.content_subtype.clone(),
        params: mime.params.clone(),
        id: mime.id.clone(),
        description: mime.description.clone(),
        encoding: mime.encoding.clone(),
        size: body.len() as u64,
        lines: match (mime.content_type == "text", message) {
            (true, _) => Some(lines(body)),
            // An encapsulated message's last line is ended by the CRLF before the next
            // boundary, and counts (Dovecot counts it too).
            (_, true) => Some(lines(body) + u64::from(body.last().is_some_and(|&b| b != b'\n'))),
            _ => None,
        },
        md5: mime.md5.clone(),
        disposition: mime.disposition.clone(),
        language: mime.language.clone(),
        location: mime.location.clone(),
        header_start: header_start as u64,
        body_start: body_start as u64,
        body_end: body_end as u64,
        parts: Vec::new(),
        message: None,
    }
}

/// Text lines of a body: its line breaks. A last line without one (a body ends before the CRLF
/// of the next boundary) is not counted, as Dovecot counts (interop/test_imap_differential.py
/// compares the two).
fn lines(body: &[u8]) -> u64 {
    body.iter().filter(|&&b| b == b'\n').count() as u64
}
