//! Authentication of mail (RFC 7208 SPF, RFC 6376 DKIM, RFC 8617 ARC, RFC 7489 DMARC) through
//! mail-auth, with one DNS resolver for every lookup the server makes (MX lookups of the queue
//! included), which tests point at a local fixture. Inbound mail gets an Authentication-Results
//! field (RFC 8601) and the sender domain's DMARC policy is honoured; outbound mail is signed with
//! the From domain's DKIM key when it has one.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use mail_auth::common::crypto::{RsaKey, Sha256};
use mail_auth::common::headers::HeaderWriter;
use mail_auth::dkim::DkimSigner;
use mail_auth::dmarc::Policy;
use mail_auth::hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use mail_auth::{AuthenticatedMessage, AuthenticationResults, DmarcResult, MessageAuthenticator};
use mail_auth::{dmarc::verify::DmarcParameters, spf::verify::SpfParameters};
use relais_store::Store;

/// The one resolver: the system's configuration, or the given name servers (tests, split DNS).
pub fn authenticator(nameservers: &[SocketAddr]) -> Result<Arc<MessageAuthenticator>, String> {
    let made = if nameservers.is_empty() {
        MessageAuthenticator::new_system_conf()
    } else {
        let servers = nameservers
            .iter()
            .map(|ns| {
                let mut c = NameServerConfig::udp_and_tcp(ns.ip());
                for conn in &mut c.connections {
                    conn.port = ns.port();
                }
                c
            })
            .collect();
        let mut opts = ResolverOpts::default();
        opts.attempts = 1;
        MessageAuthenticator::new(ResolverConfig::from_name_servers(servers), opts)
    };
    made.map(Arc::new).map_err(|e| format!("DNS resolver: {e}"))
}

/// What to do with an inbound message after authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    Accept,
    /// DMARC p=quarantine failed: deliver to Junk.
    Quarantine,
    /// DMARC p=reject failed.
    Reject(String),
}

pub struct Verdict {
    /// A complete `Authentication-Results: …` field, without line end.
    pub header: String,
    pub disposition: Disposition,
    /// Whether the From domain passed DMARC, for iMIP (which acts on the sender's word).
    pub auth: relais_mail::SenderAuth,
}

/// Checks SPF, DKIM, ARC and DMARC of an inbound message.
pub async fn verify(
    auth: &MessageAuthenticator,
    hostname: &str,
    peer: IpAddr,
    helo: &str,
    sender: &str,
    raw: &[u8],
    enforce_dmarc: bool,
) -> Verdict {
    let spf = match sender.is_empty() {
        true => auth.verify_spf(SpfParameters::verify_ehlo(peer, helo, hostname)).await,
        false => auth.verify_spf(SpfParameters::verify_mail_from(peer, helo, hostname, sender)).await,
    };
    let Some(message) = AuthenticatedMessage::parse(raw) else {
        let header =
            AuthenticationResults::new(hostname).with_spf_mailfrom_result(&spf, peer, sender, helo).to_header();
        let auth = relais_mail::SenderAuth::NotAligned;
        return Verdict { header: trim(header), disposition: Disposition::Accept, auth };
    };
    let dkim = auth.verify_dkim(&message).await;
    let arc = auth.verify_arc(&message).await;
    let mail_from_domain = sender.rsplit_once('@').map_or(helo, |(_, d)| d);
    let dmarc = auth.verify_dmarc(DmarcParameters::new(&message, &dkim, mail_from_domain, &spf)).await;
    let header = AuthenticationResults::new(hostname)
        .with_dkim_results(&dkim, message.from())
        .with_spf_mailfrom_result(&spf, peer, sender, helo)
        .with_arc_result(&arc, peer)
        .with_dmarc_result(&dmarc)
        .to_header();
    let failed = *dmarc.dkim_result() != DmarcResult::Pass && *dmarc.spf_result() != DmarcResult::Pass;
    let has_record = dmarc.dmarc_record().is_some();
    let disposition = match (enforce_dmarc && failed && has_record, dmarc.policy()) {
        (true, Policy::Reject) => {
            Disposition::Reject(format!("DMARC policy of {} rejects this message", message.from()))
        }
        (true, Policy::Quarantine) => Disposition::Quarantine,
        _ => Disposition::Accept,
    };
    // RFC 7489 §6.6.2: pass when an aligned SPF or DKIM identity passed.
    let auth = match dmarc.result() {
        DmarcResult::Pass if !dmarc.domain().is_empty() => {
            relais_mail::SenderAuth::Aligned { domain: dmarc.domain().to_ascii_lowercase() }
        }
        _ => relais_mail::SenderAuth::NotAligned,
    };
    Verdict { header: trim(header), disposition, auth }
}

fn trim(header: String) -> String {
    header.trim_end_matches(['\r', '\n']).to_owned()
}

/// Signs `message` with the DKIM key of its From domain, if there is one (RFC 6376 §5); on
/// any trouble the message goes out unsigned (and the log says why).
pub async fn sign(store: &Store, message: Vec<u8>) -> Vec<u8> {
    let Some(domain) = relais_mail::headers::from_addresses(&message)
        .first()
        .and_then(|a| a.rsplit_once('@').map(|(_, d)| d.to_owned()))
    else {
        return message;
    };
    let d = domain.clone();
    let (selector, der) = match store.read(move |r| r.dkim_key(&d)).await {
        Ok(Some(k)) => k,
        Ok(None) => return message,
        Err(e) => {
            tracing::warn!(domain, error = %e, "dkim: cannot read the key; sending unsigned");
            return message;
        }
    };
    let message = Arc::new(message);
    let input = message.clone();
    let signed = tokio::task::spawn_blocking(move || -> Result<String, String> {
        let der = rustls::pki_types::PrivatePkcs1KeyDer::from(der);
        let key =
            RsaKey::<Sha256>::from_key_der(rustls::pki_types::PrivateKeyDer::Pkcs1(der)).map_err(|e| e.to_string())?;
        let signature = DkimSigner::from_key(key)
            .domain(domain)
            .selector(selector)
            .headers(SIGNED_HEADERS)
            .sign(&input)
            .map_err(|e| e.to_string())?;
        Ok(signature.to_header())
    })
    .await;
    let message = Arc::try_unwrap(message).unwrap_or_else(|m| m.as_ref().clone());
    match signed {
        Ok(Ok(field)) => {
            let mut out = field.into_bytes();
            out.extend_from_slice(&message);
            out
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "dkim: signing failed; sending unsigned");
            message
        }
        Err(e) => {
            tracing::warn!(error = %e, "dkim: signing task failed; sending unsigned");
            message
        }
    }
}

/// RFC 6376 §5.4.1's recommended set.
const SIGNED_HEADERS: [&str; 10] =
    ["From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To", "References", "MIME-Version", "Content-Type"];

/// The DKIM TXT value (`v=DKIM1; k=rsa; p=…`) of a stored key (PKCS#1 DER private key), in the
/// form [`generate_key`] prints: `p=` holds the PKCS#1 public key, as mail-auth publishes it.
pub fn public_key_record(private_key: &[u8]) -> Result<String, String> {
    use base64::Engine;
    use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPublicKey};
    let key = rsa::RsaPrivateKey::from_pkcs1_der(private_key).map_err(|e| e.to_string())?;
    let public = key.to_public_key().to_pkcs1_der().map_err(|e| e.to_string())?;
    Ok(format!("v=DKIM1; k=rsa; p={}", base64::engine::general_purpose::STANDARD.encode(public.as_bytes())))
}

/// A new RSA-2048 key: (PKCS#1 DER private key, the DNS TXT record's value).
pub fn generate_key() -> Result<(Vec<u8>, String), String> {
    let pair = mail_auth::dkim::generate::DkimKeyPair::generate_rsa(2048).map_err(|e| e.to_string())?;
    let txt = format!("v=DKIM1; k=rsa; p={}", pair.encoded_public_key());
    Ok((pair.private_key().to_vec(), txt))
}
