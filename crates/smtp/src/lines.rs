//! Command-line framing (RFC 5321 §2.3.8, §4.5.3.1.4): a command ends at LF (a client's bare LF
//! is tolerated here, where it can only end a command, never inside message content), and a
//! line longer than the limit is reported once and dropped whole, up to and including its LF,
//! so no part of it is ever read as a command. Pure: the connection loop fills the buffer, the
//! fuzz target drives it against a reference model.

/// One step of framing `buf`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Framed {
    /// A complete line, its line end included.
    Line(Vec<u8>),
    /// A line over the limit: answered once, its bytes dropped.
    TooLong,
    /// No complete line yet: read more.
    More,
}

/// The framer's state across reads: whether the rest of an over-long line is being dropped.
#[derive(Debug, Default)]
pub struct LineFramer {
    skipping: bool,
}

impl LineFramer {
    /// Takes the next line (at most `max` octets) off the front of `buf`.
    pub fn next(&mut self, buf: &mut Vec<u8>, max: usize) -> Framed {
        while let Some(pos) = buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buf.drain(..=pos).collect();
            if std::mem::take(&mut self.skipping) {
                continue;
            }
            return if line.len() > max { Framed::TooLong } else { Framed::Line(line) };
        }
        if buf.len() > max {
            buf.clear();
            if !std::mem::replace(&mut self.skipping, true) {
                return Framed::TooLong;
            }
        }
        Framed::More
    }
}

/// The reference model (tests and the fuzz target): `input` split after each LF; a complete
/// line over `max` is one `TooLong`, and so is an unfinished one already over `max`.
pub fn reference(input: &[u8], max: usize) -> Vec<Framed> {
    let mut out = Vec::new();
    for line in input.split_inclusive(|b| *b == b'\n') {
        if line.len() > max {
            out.push(Framed::TooLong);
        } else if line.ends_with(b"\n") {
            out.push(Framed::Line(line.to_vec()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(input: &[u8], chunk: usize, max: usize) -> Vec<Framed> {
        let (mut f, mut buf, mut out) = (LineFramer::default(), Vec::new(), Vec::new());
        for piece in input.chunks(chunk) {
            buf.extend_from_slice(piece);
            loop {
                match f.next(&mut buf, max) {
                    Framed::More => break,
                    step => out.push(step),
                }
            }
        }
        out
    }

    #[test]
    fn table() {
        let input = b"NOOP\r\nRSET\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\nQUIT\r\nxxxxxxxxxxxxxxxxxxxxxxx";
        for chunk in [1, 2, 5, 16, 100] {
            assert_eq!(frame(input, chunk, 16), reference(input, 16), "chunks of {chunk}");
        }
        assert_eq!(
            reference(input, 16),
            [
                Framed::Line(b"NOOP\r\n".to_vec()),
                Framed::Line(b"RSET\n".to_vec()),
                Framed::TooLong,
                Framed::Line(b"QUIT\r\n".to_vec()),
                Framed::TooLong
            ]
        );
    }
}
