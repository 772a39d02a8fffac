//! `relais admin domain dns DOMAIN`: the DNS records to publish for a domain, in zone-file
//! syntax, from the configured listeners, `[server] hostname` and the domain's stored DKIM key.

use anyhow::{Result, bail};
use relais_autodiscover::{DkimRecord, Services, zone_records};
use relais_directory::Directory;

use crate::config::Config;

/// The services as clients reach them, from the configured listeners (the first address of
/// each; HTTPS on 443 when no HTTPS listener is configured: TLS is then terminated in front).
pub fn services(config: &Config) -> Services {
    let port = |addrs: &[std::net::SocketAddr]| addrs.first().map(|a| a.port());
    let l = &config.listen;
    Services {
        hostname: config.server.hostname.clone(),
        imaps: port(&l.imaps),
        imap: port(&l.imap),
        pop3s: port(&l.pop3s),
        pop3: port(&l.pop3),
        submissions: port(&l.submissions),
        submission: port(&l.submission),
        https: port(&l.https).unwrap_or(443),
    }
}

pub async fn run(dir: &Directory, config: &Config, domain: &str) -> Result<()> {
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    if !dir.is_local_domain(&domain).await? {
        bail!("unknown domain {domain}: add it first");
    }
    let d = domain.clone();
    let key = dir.store().read(move |r| r.dkim_key(&d)).await?;
    let dkim = match key {
        Some((selector, private)) => {
            let value = relais_smtp::mailauth::public_key_record(&private).map_err(anyhow::Error::msg)?;
            Some(DkimRecord { selector, value })
        }
        None => None,
    };
    println!("; DNS records for {domain} (zone-file syntax). The host {} needs A/AAAA records", config.server.hostname);
    println!("; and a certificate for its name, autodiscover.{domain} and autoconfig.{domain}.");
    if dkim.is_none() {
        println!("; No DKIM key yet: `relais admin dkim generate {domain}` makes one.");
    }
    for record in zone_records(&domain, &services(config), dkim.as_ref()) {
        println!("{record}");
    }
    Ok(())
}
