//! One message over SMTP to wake a parked client (`eas-load ping`, `jmap-load eventsource`):
//! the instants its end of data was sent and its 250 came back (a push can reach its client
//! before the 250 reaches the sender).

use std::time::Instant;

use anyhow::{Result, bail};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub async fn deliver_one(smtp: &str, to: &str) -> Result<(Instant, Instant)> {
    let (r, mut w) = TcpStream::connect(smtp).await?.into_split();
    let mut r = BufReader::new(r);
    let mut line = String::new();
    let mut expect = async |code: &str, r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>| -> Result<()> {
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
    };
    expect("220", &mut r).await?;
    w.write_all(b"EHLO bench.test\r\n").await?;
    expect("250", &mut r).await?;
    w.write_all(format!("MAIL FROM:<bench@bench.test>\r\nRCPT TO:<{to}>\r\nDATA\r\n").as_bytes()).await?;
    expect("250", &mut r).await?;
    expect("250", &mut r).await?;
    expect("354", &mut r).await?;
    let sent = Instant::now();
    w.write_all(format!("From: <bench@bench.test>\r\nTo: <{to}>\r\nSubject: wake\r\n\r\nwake up\r\n.\r\n").as_bytes())
        .await?;
    expect("250", &mut r).await?;
    let at = Instant::now();
    w.write_all(b"QUIT\r\n").await?;
    Ok((sent, at))
}
