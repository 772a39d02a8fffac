//! TLS for every listener that needs it: the configured certificate, or a self-signed one for
//! `server.hostname`, made on first start and kept in DATA/tls so clients can pin it.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The TLS configuration shared by every listener (mail and HTTP).
pub fn server_config(config: &crate::config::Config, data: &Path) -> Result<Arc<ServerConfig>> {
    let (cert, key) = match (&config.tls.cert, &config.tls.key) {
        (Some(c), Some(k)) => (c.clone(), k.clone()),
        _ => self_signed(data, &config.server.hostname)?,
    };
    let certs = rustls_pemfile::certs(&mut std::io::BufReader::new(
        std::fs::File::open(&cert).with_context(|| format!("tls.cert: cannot open {}", cert.display()))?,
    ))
    .collect::<Result<Vec<CertificateDer<'static>>, _>>()
    .with_context(|| format!("tls.cert: {} is not a PEM certificate chain", cert.display()))?;
    if certs.is_empty() {
        anyhow::bail!("tls.cert: no certificate in {}", cert.display());
    }
    let key: PrivateKeyDer<'static> = rustls_pemfile::private_key(&mut std::io::BufReader::new(
        std::fs::File::open(&key).with_context(|| format!("tls.key: cannot open {}", key.display()))?,
    ))
    .with_context(|| format!("tls.key: {} is not a PEM private key", key.display()))?
    .with_context(|| format!("tls.key: no private key in {}", key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut server = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("tls: the certificate and key do not match")?;
    // No ALPN here: a mail client offering "smtp" or "imap" must not be refused for want of
    // a match; the HTTP listener sets its own.
    server.alpn_protocols = Vec::new();
    Ok(Arc::new(server))
}

/// DATA/tls/{cert,key}.pem, made once for `hostname`.
fn self_signed(data: &Path, hostname: &str) -> Result<(std::path::PathBuf, std::path::PathBuf)> {
    let dir = data.join("tls");
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    if cert.exists() && key.exists() {
        return Ok((cert, key));
    }
    std::fs::create_dir_all(&dir)?;
    let made =
        rcgen::generate_simple_self_signed(vec![hostname.to_owned()]).context("generate a self-signed certificate")?;
    write_private(&key, made.key_pair.serialize_pem().as_bytes())?;
    std::fs::write(&cert, made.cert.pem())?;
    tracing::warn!(hostname, path = %cert.display(), "tls: no certificate configured; made a self-signed one (set tls.cert and tls.key for production)");
    Ok((cert, key))
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

/// The same configuration, announcing HTTP/1.1 by ALPN (RFC 7301).
pub fn http(config: &Arc<ServerConfig>) -> Arc<ServerConfig> {
    let mut http = ServerConfig::clone(config);
    http.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(http)
}
