//! What SMTP found out about who sent a message (RFC 7489 DMARC, or an authenticated
//! submission), carried typed through delivery to whoever acts on the sender's word — iMIP,
//! which changes calendars. Computed once by the SMTP crate (`relais_smtp::mailauth`); nobody
//! downstream verifies again, and nobody trusts what the message says about itself.

use relais_store::AccountId;

/// How a delivered message's sender was authenticated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SenderAuth {
    /// Not checked: verification is off, the peer is on a trusted network, or the server
    /// delivered it itself. Nothing is applied on its word.
    #[default]
    Unverified,
    /// DMARC passed (RFC 7489 §3.1, §6.6.2): the RFC 5322.From domain `domain` is aligned with
    /// a passing SPF or DKIM identity.
    Aligned { domain: String },
    /// DMARC did not pass (fail, no policy, temporary error), or the message was quarantined.
    NotAligned,
    /// An authenticated local principal submitted it; its envelope sender was checked at MAIL
    /// against what that principal may send as.
    Submitted(AccountId),
}

impl SenderAuth {
    /// Whether this verdict vouches for `sender` (an envelope sender): a submission always (it
    /// was checked), a DMARC pass when `sender` is in the aligned domain itself. Unverified,
    /// failing and quarantined mail never does.
    pub fn vouches_for(&self, sender: &str) -> bool {
        match self {
            SenderAuth::Submitted(_) => true,
            SenderAuth::Aligned { domain } => sender
                .rsplit_once('@')
                .is_some_and(|(_, d)| d.trim_end_matches('.').eq_ignore_ascii_case(domain.trim_end_matches('.'))),
            SenderAuth::Unverified | SenderAuth::NotAligned => false,
        }
    }

    /// The stored form (`calendar_pending.auth`).
    pub fn to_text(&self) -> String {
        match self {
            SenderAuth::Unverified => String::new(),
            SenderAuth::Aligned { domain } => format!("aligned:{domain}"),
            SenderAuth::NotAligned => "not-aligned".into(),
            SenderAuth::Submitted(id) => format!("submitted:{}", id.0),
        }
    }

    /// Reads the stored form back; anything unknown is `Unverified` (never more trust).
    pub fn from_text(text: &str) -> SenderAuth {
        if let Some(domain) = text.strip_prefix("aligned:") {
            return SenderAuth::Aligned { domain: domain.to_owned() };
        }
        if let Some(id) = text.strip_prefix("submitted:").and_then(|i| i.parse().ok()) {
            return SenderAuth::Submitted(AccountId(id));
        }
        match text {
            "not-aligned" => SenderAuth::NotAligned,
            _ => SenderAuth::Unverified,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vouches_only_for_the_aligned_domain() {
        let aligned = SenderAuth::Aligned { domain: "remote.test".into() };
        let cases = [
            (&aligned, "carol@remote.test", true),
            (&aligned, "Carol@REMOTE.test", true),
            (&aligned, "carol@evil.test", false),
            (&aligned, "carol@sub.remote.test", false),
            (&aligned, "no-at-sign", false),
            (&SenderAuth::NotAligned, "carol@remote.test", false),
            (&SenderAuth::Unverified, "carol@remote.test", false),
            (&SenderAuth::Submitted(AccountId(4)), "alice@example.test", true),
        ];
        for (auth, sender, want) in cases {
            assert_eq!(auth.vouches_for(sender), want, "{auth:?} {sender}");
        }
        for auth in
            [aligned.clone(), SenderAuth::NotAligned, SenderAuth::Unverified, SenderAuth::Submitted(AccountId(4))]
        {
            assert_eq!(SenderAuth::from_text(&auth.to_text()), auth);
        }
        assert_eq!(SenderAuth::from_text("submitted:x"), SenderAuth::Unverified);
    }
}
