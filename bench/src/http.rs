//! One keep-alive HTTP/1.1 connection with Basic credentials, for the load generators
//! (`dav-load`, `eas-load`): a request out, (status, body) back; Content-Length bodies only.

use anyhow::{Context, Result};
use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One keep-alive HTTP/1.1 connection.
pub struct Http {
    io: BufReader<TcpStream>,
    auth: String,
}

impl Http {
    pub async fn connect(addr: &str, user: &str, password: &str) -> Result<Http> {
        Http::over(TcpStream::connect(addr).await?, user, password)
    }

    /// A connection already open (from a chosen source address, say).
    pub fn over(stream: TcpStream, user: &str, password: &str) -> Result<Http> {
        stream.set_nodelay(true)?;
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        Ok(Http { io: BufReader::with_capacity(2048, stream), auth: format!("Basic {token}") })
    }

    /// Sends a request and returns (status, body).
    pub async fn call(&mut self, method: &str, path: &str, headers: &str, body: &[u8]) -> Result<(u16, Vec<u8>)> {
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: {}\r\nContent-Length: {}\r\n{headers}\r\n",
            self.auth,
            body.len()
        );
        let s = self.io.get_mut();
        s.write_all(head.as_bytes()).await?;
        s.write_all(body).await?;
        let mut line = String::new();
        self.io.read_line(&mut line).await?;
        let status: u16 = line.split(' ').nth(1).context("no status line")?.parse()?;
        let mut length = 0usize;
        loop {
            line.clear();
            self.io.read_line(&mut line).await?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse()?;
            }
        }
        let mut out = vec![0; length];
        self.io.read_exact(&mut out).await?;
        Ok((status, out))
    }
}
