//! Message content after DATA (RFC 5321 §4.1.1.4, §4.5.2): CRLF-terminated lines, dot-stuffed,
//! ended by CRLF.CRLF. A bare CR or LF is refused: accepting it lets a sender smuggle a second
//! message past a server that reads line ends differently (SMTP smuggling, CVE-2023-51766 and
//! kin). Content beyond the size limit is read and dropped, so the client sees a clean 552.

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

pub struct DataReader {
    body: Vec<u8>,
    limit: usize,
    /// Bytes of the current line seen so far (0 = at a line start).
    column: usize,
    /// The current line started with a dot (to unstuff or to end).
    dot: bool,
    /// The previous byte was CR.
    cr: bool,
    error: Option<DataError>,
}

impl DataReader {
    pub fn new(limit: usize) -> DataReader {
        DataReader { body: Vec::with_capacity(8192), limit, column: 0, dot: false, cr: false, error: None }
    }

    /// Feeds bytes; stops at the end marker.
    pub fn feed(&mut self, input: &[u8]) -> DataStatus {
        for (i, &b) in input.iter().enumerate() {
            if self.cr && b != b'\n' {
                self.fail(DataError::BareLineEnd);
            }
            match b {
                b'\r' => self.cr = true,
                b'\n' => {
                    if !self.cr {
                        self.fail(DataError::BareLineEnd);
                    } else if self.dot && self.column == 1 {
                        // Only CRLF "." CRLF ends the data; "\n.\n" is content (refused).
                        return DataStatus::Done { consumed: i + 1 };
                    }
                    self.push(b"\r\n");
                    self.cr = false;
                    self.column = 0;
                    self.dot = false;
                }
                _ => {
                    if self.column == 0 && b == b'.' {
                        // A leading dot is removed (transparency, §4.5.2), or ends the data.
                        self.dot = true;
                    } else {
                        self.push(&[b]);
                    }
                    self.column += 1;
                }
            }
        }
        DataStatus::More
    }

    fn push(&mut self, bytes: &[u8]) {
        if self.body.len() + bytes.len() > self.limit {
            self.fail(DataError::TooBig);
        }
        if self.error.is_none() {
            self.body.extend_from_slice(bytes);
        }
    }

    fn fail(&mut self, e: DataError) {
        if self.error.is_none() {
            self.error = Some(e);
            self.body = Vec::new();
        }
    }

    /// The message, or why it was refused.
    pub fn finish(self) -> Result<Vec<u8>, DataError> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.body),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(chunks: &[&[u8]], limit: usize) -> (Result<Vec<u8>, DataError>, usize) {
        let mut r = DataReader::new(limit);
        for c in chunks {
            if let DataStatus::Done { consumed } = r.feed(c) {
                return (r.finish(), consumed);
            }
        }
        panic!("no end marker");
    }

    #[test]
    fn table() {
        for (chunks, want, consumed) in [
            (vec![&b"Subject: x\r\n\r\nhi\r\n.\r\n"[..]], Ok(&b"Subject: x\r\n\r\nhi\r\n"[..]), 21),
            (vec![b"a\r\n..b\r\n.\r\nNEXT"], Ok(&b"a\r\n.b\r\n"[..]), 11),
            (vec![b"a\r", b"\n.", b"\r\n"], Ok(&b"a\r\n"[..]), 2),
            (vec![b".\r\n"], Ok(&b""[..]), 3),
            (vec![b"a\nb\r\n.\r\n"], Err(DataError::BareLineEnd), 8),
            (vec![b"a\rb\r\n.\r\n"], Err(DataError::BareLineEnd), 8),
            (
                vec![b"0123456789012345678901234567890123456789012345678901234567890123456789\r\n.\r\n"],
                Err(DataError::TooBig),
                75,
            ),
        ] {
            let (got, n) = read(&chunks, 64);
            let got = got.map(|v| String::from_utf8_lossy(&v).into_owned());
            let want = want.map(|v| String::from_utf8_lossy(v).into_owned());
            if got.is_ok() || want.is_err() {
                assert_eq!(got, want, "{chunks:?}");
            }
            assert_eq!(n, consumed, "{chunks:?}");
        }
    }

    #[test]
    fn smuggling_attempt_is_refused() {
        // "\n.\n" and "\r\n.\n" must not end the data, nor be accepted.
        let (got, _) = read(&[b"x\r\n.\nMAIL FROM:<a@b>\r\n.\r\n"], 1 << 20);
        assert_eq!(got, Err(DataError::BareLineEnd));
    }
}
