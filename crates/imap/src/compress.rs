//! COMPRESS=DEFLATE (RFC 4978): after the tagged OK both directions are raw DEFLATE (RFC 1951,
//! no zlib header or checksum). It works on the plaintext bytes the connection loop reads and
//! writes, so under TLS (STARTTLS or implicit) it sits inside TLS, as RFC 4978 §6 requires.
//!
//! Memory is bounded both ways: input is inflated at most `CHUNK` octets at a time and the
//! connection loop answers those commands before inflating more (a small compressed burst cannot
//! expand into a huge buffer); output is deflated in `CHUNK` pieces written one by one, so a large
//! FETCH never holds a second, compressed copy of its answer. Each write batch ends with a sync
//! flush (RFC 4978 §4) so the client sees every response at once.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// Octets inflated or deflated per step.
const CHUNK: usize = 16 * 1024;

pub struct Deflate {
    inflater: Decompress,
    deflater: Compress,
    /// Compressed input not yet inflated.
    input: Vec<u8>,
    /// The last inflate step filled its output: the inflater may hold more.
    more: bool,
    /// The client ended its deflate stream; nothing after that can be read.
    ended: bool,
}

/// The client's compressed stream is not valid DEFLATE.
#[derive(Debug)]
pub struct Corrupt;

impl Deflate {
    /// Starts compression; `buffered` is what the client sent after COMPRESS before our OK,
    /// already compressed (RFC 4978 §3).
    pub fn new(buffered: Vec<u8>) -> Box<Deflate> {
        Box::new(Deflate {
            inflater: Decompress::new(false),
            deflater: Compress::new(Compression::default(), false),
            more: !buffered.is_empty(),
            input: buffered,
            ended: false,
        })
    }

    /// Adds compressed octets read from the connection.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.input.extend_from_slice(bytes);
        self.more = true;
    }

    /// True if `inflate` may produce more without reading from the connection.
    pub fn pending(&self) -> bool {
        self.more && !self.ended
    }

    /// Inflates at most `CHUNK` octets of what was fed, appending them to `out`.
    pub fn inflate(&mut self, out: &mut Vec<u8>) -> Result<(), Corrupt> {
        let mut buf = [0u8; CHUNK];
        let (before_in, before_out) = (self.inflater.total_in(), self.inflater.total_out());
        let status = self.inflater.decompress(&self.input, &mut buf, FlushDecompress::None).map_err(|_| Corrupt)?;
        let consumed = usize::try_from(self.inflater.total_in() - before_in).map_err(|_| Corrupt)?;
        let produced = usize::try_from(self.inflater.total_out() - before_out).map_err(|_| Corrupt)?;
        self.input.drain(..consumed.min(self.input.len()));
        out.extend_from_slice(&buf[..produced.min(CHUNK)]);
        // Output space left over means the inflater has given all it can from this input.
        self.more = produced == CHUNK;
        if status == Status::StreamEnd {
            self.ended = true;
        }
        if self.input.capacity() > CHUNK && self.input.len() < CHUNK / 4 {
            self.input.shrink_to(CHUNK / 4);
        }
        Ok(())
    }

    /// Deflates `plain`, writing it to `stream` in pieces, and ends with a sync flush.
    pub async fn write<S: AsyncWrite + Unpin>(&mut self, stream: &mut S, plain: &[u8]) -> std::io::Result<()> {
        let mut buf = vec![0u8; CHUNK];
        let mut pos = 0;
        loop {
            let end = plain.len().min(pos + CHUNK);
            let flush = if end == plain.len() { FlushCompress::Sync } else { FlushCompress::None };
            let (before_in, before_out) = (self.deflater.total_in(), self.deflater.total_out());
            self.deflater.compress(&plain[pos..end], &mut buf, flush).map_err(std::io::Error::other)?;
            pos += usize::try_from(self.deflater.total_in() - before_in).map_err(std::io::Error::other)?;
            let produced = usize::try_from(self.deflater.total_out() - before_out).map_err(std::io::Error::other)?;
            stream.write_all(&buf[..produced]).await?;
            // Done once all input is in and the flush had room to finish.
            if pos == plain.len() && produced < buf.len() {
                return stream.flush().await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client_deflate(c: &mut Compress, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(data.len() + 1024);
        c.compress_vec(data, &mut out, FlushCompress::Sync).unwrap();
        out
    }

    #[tokio::test]
    async fn round_trip_both_ways_in_bounded_steps() {
        let mut client = Compress::new(Compression::default(), false);
        let commands: Vec<u8> = (0..20_000).flat_map(|i| format!("a{i} NOOP\r\n").into_bytes()).collect();
        let wire = client_deflate(&mut client, &commands);
        let mut z = Deflate::new(wire[..10].to_vec());
        z.feed(&wire[10..]);
        let mut got = Vec::new();
        while z.pending() {
            let mut step = Vec::new();
            z.inflate(&mut step).unwrap();
            assert!(step.len() <= CHUNK, "one step inflates at most CHUNK");
            got.extend_from_slice(&step);
        }
        assert_eq!(got, commands);

        let answer: Vec<u8> = (0..50_000).flat_map(|i| format!("* {i} FETCH (UID {i})\r\n").into_bytes()).collect();
        let mut sent = Vec::new();
        z.write(&mut sent, &answer).await.unwrap();
        z.write(&mut sent, b"a OK done\r\n").await.unwrap();
        assert!(sent.ends_with(&[0, 0, 0xff, 0xff]), "a sync flush ends each batch");
        let mut d = Decompress::new(false);
        let mut plain = Vec::with_capacity(answer.len() + 100);
        d.decompress_vec(&sent, &mut plain, FlushDecompress::Sync).unwrap();
        assert_eq!(&plain[..answer.len()], &answer[..]);
        assert_eq!(&plain[answer.len()..], b"a OK done\r\n");
    }

    #[test]
    fn garbage_is_refused() {
        let mut z = Deflate::new(vec![0xff; 64]);
        assert!(z.inflate(&mut Vec::new()).is_err());
    }
}
