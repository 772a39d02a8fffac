//! Small messages over SMTP that wake parked clients (`eas-load ping`, `jmap-load eventsource`,
//! `idle-push hold`): the instants the end of data was sent and the 250 came back (a push can
//! reach its client before the 250 reaches the sender).

use std::time::Instant;

use anyhow::{Result, bail};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::{TcpStream, ToSocketAddrs};

/// Delivers one message to each of `to`, one after the other in one SMTP session: the instants
/// of the last one (`to` empty: of the session's start).
pub async fn deliver(smtp: impl ToSocketAddrs, to: &[String]) -> Result<(Instant, Instant)> {
    let (r, mut w) = TcpStream::connect(smtp).await?.into_split();
    let mut r = BufReader::new(r);
    let mut instants = (Instant::now(), Instant::now());
    reply(&mut r, "220").await?;
    w.write_all(b"EHLO bench.test\r\n").await?;
    reply(&mut r, "250").await?;
    for rcpt in to {
        w.write_all(format!("MAIL FROM:<bench@bench.test>\r\nRCPT TO:<{rcpt}>\r\nDATA\r\n").as_bytes()).await?;
        reply(&mut r, "250").await?;
        reply(&mut r, "250").await?;
        reply(&mut r, "354").await?;
        let sent = Instant::now();
        w.write_all(
            format!("From: <bench@bench.test>\r\nTo: <{rcpt}>\r\nSubject: wake\r\n\r\nwake up\r\n.\r\n").as_bytes(),
        )
        .await?;
        reply(&mut r, "250").await?;
        instants = (sent, Instant::now());
    }
    w.write_all(b"QUIT\r\n").await?;
    Ok(instants)
}

/// Reads one SMTP reply (all its lines), which must have `code`.
async fn reply(r: &mut BufReader<OwnedReadHalf>, code: &str) -> Result<()> {
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).await? == 0 {
            bail!("SMTP closed");
        }
        if !line.starts_with(code) {
            bail!("SMTP: expected {code}, got {line:?}");
        }
        if line.as_bytes().get(3) == Some(&b' ') {
            return Ok(());
        }
    }
}
