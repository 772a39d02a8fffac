//! Message content after DATA (RFC 5321 §4.1.1.4, §4.5.2): CRLF-terminated lines, dot-stuffed,
//! ended by CRLF "." CRLF.
//!
//! Only that exact sequence ends the data: the CRLF before the dot must be a real CRLF (the
//! data's start counts as one, the DATA command's own line end) and so must the one after it.
//! `LF "." CRLF`, `CRLF "." LF`, `LF "." LF`, `CR "." CRLF`, `CRLF "." CR` and every other mix are
//! content. A bare CR or LF anywhere (RFC 5321 §2.3.8, RFC 5322 §2.3) marks the message refused,
//! but never moves the reader to a line start: it reads on to the real end, then the message is
//! refused whole (as Postfix's smtpd_forbid_bare_newline). A server that took a bare LF for a line
//! end would let a sender smuggle a second message past one that does not (SMTP smuggling,
//! CVE-2023-51766 and kin). Content beyond the size limit is read and dropped, so the client sees
//! a clean 552.
//!
//! The reader is pure (no I/O): it hands decoded bytes to its caller, who keeps them in memory
//! or spools them to disk (`spool.rs`). The fuzz target checks it against a reference model.

/// What the reader has seen so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataStatus {
    /// Needs more bytes.
    More,
    /// The terminating "." line was read; `consumed` bytes of the last input belong to the data.
    Done { consumed: usize },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataError {
    TooBig,
    BareLineEnd,
}

/// Where in a line the reader is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    /// After a real CRLF (or at the start of the data).
    LineStart,
    /// After CRLF ".".
    Dot,
    /// After CRLF "." CR.
    DotCr,
    /// Inside a line.
    Text,
    /// After a CR inside a line.
    Cr,
}

pub struct DataReader {
    at: At,
    limit: usize,
    /// Decoded octets so far (counted also once they are no longer kept).
    size: usize,
    error: Option<DataError>,
}

impl DataReader {
    pub fn new(limit: usize) -> DataReader {
        DataReader { at: At::LineStart, limit, size: 0, error: None }
    }

    /// Feeds bytes, appending the decoded content to `out` (nothing once the message has
    /// failed); stops at the end marker.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> DataStatus {
        for (i, &b) in input.iter().enumerate() {
            self.at = match (self.at, b) {
                // RFC 5321 §4.1.1.4: CRLF "." CRLF, and nothing else, ends the data.
                (At::DotCr, b'\n') => return DataStatus::Done { consumed: i + 1 },
                // RFC 5321 §4.5.2: a leading dot is removed (it may be the end marker's).
                (At::LineStart, b'.') => At::Dot,
                (At::Cr, b'\n') => {
                    self.push(b"\r\n", out);
                    At::LineStart
                }
                (At::Dot, b'\r') => At::DotCr,
                (At::LineStart | At::Text, b'\r') => At::Cr,
                // A CR not followed by LF: that CR is bare; this CR may start a real CRLF.
                (At::Cr | At::DotCr, b'\r') => {
                    self.fail(DataError::BareLineEnd);
                    At::Cr
                }
                // A bare LF, or a CR followed by neither LF nor CR: refused, and no line start.
                (_, b'\n') | (At::Cr | At::DotCr, _) => {
                    self.fail(DataError::BareLineEnd);
                    At::Text
                }
                (At::LineStart | At::Dot | At::Text, _) => {
                    self.push(&[b], out);
                    At::Text
                }
            };
        }
        DataStatus::More
    }

    fn push(&mut self, bytes: &[u8], out: &mut Vec<u8>) {
        self.size = self.size.saturating_add(bytes.len());
        if self.size > self.limit {
            self.fail(DataError::TooBig);
        }
        if self.error.is_none() {
            out.extend_from_slice(bytes);
        }
    }

    fn fail(&mut self, e: DataError) {
        if self.error.is_none() {
            self.error = Some(e);
        }
    }

    /// Why the message is refused, if it is; what was handed out so far is then to be dropped.
    pub fn error(&self) -> Option<DataError> {
        self.error
    }
}

/// The line-end rule for BDAT content (RFC 3030 §3: without BINARYMIME a chunk carries lines,
/// RFC 5321 §2.3.8): every LF preceded by CR, every CR followed by LF, across chunk boundaries.
#[derive(Debug, Default, Clone, Copy)]
pub struct LineEnds {
    cr: bool,
    bare: bool,
}

impl LineEnds {
    pub fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if (b == b'\n') != self.cr {
                self.bare = true;
            }
            self.cr = b == b'\r';
        }
    }

    /// True if a bare CR or LF was seen (a CR ending the content is one).
    pub fn bare(&self) -> bool {
        self.bare || self.cr
    }
}

/// The reference model the reader must agree with (tests and the fuzz target): the data ends at
/// the first CRLF "." CRLF of CRLF + `input`; before it, a bare CR or LF refuses the message,
/// and otherwise every line loses one leading dot. `None` if there is no end marker.
pub fn reference(input: &[u8], limit: usize) -> Option<(Result<Vec<u8>, DataError>, usize)> {
    let mut framed = b"\r\n".to_vec();
    framed.extend_from_slice(input);
    let end = framed.windows(5).position(|w| w == b"\r\n.\r\n")?;
    // The content is everything up to and including the CRLF before the final dot.
    let content = framed.get(2..end + 2)?;
    let consumed = end + 3;
    let bare = content.iter().enumerate().any(|(i, &b)| match b {
        b'\r' => content.get(i + 1) != Some(&b'\n'),
        b'\n' => i == 0 || content.get(i - 1) != Some(&b'\r'),
        _ => false,
    });
    let mut body = Vec::with_capacity(content.len());
    for line in content.split_inclusive(|b| *b == b'\n') {
        body.extend_from_slice(line.strip_prefix(b".").unwrap_or(line));
    }
    let result = match (bare, body.len() > limit) {
        (true, _) => Err(DataError::BareLineEnd),
        (false, true) => Err(DataError::TooBig),
        (false, false) => Ok(body),
    };
    Some((result, consumed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(chunks: &[&[u8]], limit: usize) -> Option<(Result<Vec<u8>, DataError>, usize)> {
        let mut r = DataReader::new(limit);
        let mut out = Vec::new();
        let mut before = 0;
        for c in chunks {
            if let DataStatus::Done { consumed } = r.feed(c, &mut out) {
                return Some((r.error().map_or(Ok(out), Err), before + consumed));
            }
            before += c.len();
        }
        None
    }

    #[test]
    fn table() {
        for (chunks, want, consumed) in [
            (vec![&b"Subject: x\r\n\r\nhi\r\n.\r\n"[..]], Ok(&b"Subject: x\r\n\r\nhi\r\n"[..]), 21),
            (vec![b"a\r\n..b\r\n.\r\nNEXT"], Ok(&b"a\r\n.b\r\n"[..]), 11),
            (vec![b"a\r", b"\n.", b"\r\n"], Ok(&b"a\r\n"[..]), 6),
            (vec![b".\r\n"], Ok(&b""[..]), 3),
            (vec![b"a\nb\r\n.\r\n"], Err(DataError::BareLineEnd), 8),
            (vec![b"a\rb\r\n.\r\n"], Err(DataError::BareLineEnd), 8),
            (
                vec![b"0123456789012345678901234567890123456789012345678901234567890123456789\r\n.\r\n"],
                Err(DataError::TooBig),
                75,
            ),
        ] {
            let (got, n) = read(&chunks, 64).expect("an end marker");
            if got.is_ok() || want.is_err() {
                assert_eq!(got.as_deref().map_err(|e| *e), want, "{chunks:?}");
            }
            assert_eq!(n, consumed, "{chunks:?}");
        }
    }

    /// RFC 5321 §4.1.1.4: only CRLF "." CRLF ends the data. Each smuggling shape is content,
    /// and the message it is in is refused at the real end, whose position is `end`.
    #[test]
    fn smuggling_shapes_never_end_the_data() {
        let smuggled = "MAIL FROM:<ceo@bank.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\nevil\r\n";
        for fake in
            ["\n.\r\n", "\r\n.\n", "\n.\n", "\r.\r\n", "\r\n.\r", "\r.\r", "\r\n.\r\r\n", "\n\n.\n\n", "\r\r\n.\n"]
        {
            let input = format!("Subject: x\r\n\r\nhi{fake}{smuggled}.\r\nQUIT\r\n");
            let end = input.len() - "QUIT\r\n".len();
            for split in [1, 2, 3, 7, input.len()] {
                let chunks: Vec<&[u8]> = input.as_bytes().chunks(split).collect();
                let (got, consumed) = read(&chunks, 1 << 20).expect("the real end is found");
                assert_eq!(got, Err(DataError::BareLineEnd), "{fake:?}");
                assert_eq!(consumed, end, "{fake:?} in chunks of {split}");
            }
            assert_eq!(reference(input.as_bytes(), 1 << 20).map(|(r, n)| (r.is_err(), n)), Some((true, end)));
        }
    }

    #[test]
    fn line_ends_across_chunks() {
        for (chunks, bare) in [
            (vec![&b"a\r\nb\r\n"[..]], false),
            (vec![b"a\r", b"\nb\r", b"\n"], false),
            (vec![b"a\r", b"b\r\n"], true),
            (vec![b"a\n"], true),
            (vec![b"a\r"], true),
            (vec![b"\r\r\n"], true),
            (vec![b""], false),
        ] {
            let mut l = LineEnds::default();
            chunks.iter().for_each(|c| l.feed(c));
            assert_eq!(l.bare(), bare, "{chunks:?}");
        }
    }

    #[test]
    fn agrees_with_the_reference() {
        let cases: [&[u8]; 8] = [
            b"a\r\n.\r\n",
            b".\r\n",
            b"..\r\n.\r\n",
            b".x\r\n..\r\n.\r\n",
            b"\r\n.\r\n",
            b"a\r\r\n.\r\n",
            b"a\r\n.\r\r\n.\r\n",
            b"\r\r\n\n.\r\n",
        ];
        for input in cases {
            let want = reference(input, 1 << 20);
            assert_eq!(read(&[input], 1 << 20), want, "{:?}", String::from_utf8_lossy(input));
        }
    }
}
