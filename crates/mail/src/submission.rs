//! Submission's originator rule (RFC 6409 §8, RFC 5322 §3.6.2): whatever protocol a message is
//! submitted by, the author and sender it names must be addresses the authenticated principal
//! may send as. The fields are read as the MIME analysis reads them (`summary::address_fields`),
//! so `From : CEO <bob@…>` (white space before the colon, RFC 5322 §4.5.3), a folded value or a
//! second From field cannot show one author to the recipient and another to this check.

use relais_directory::{Directory, DirectoryError, Principal};
use thiserror::Error;

use crate::summary::{self, EnvAddress, MISSING_DOMAIN, MISSING_MAILBOX};

#[derive(Debug, Error)]
pub enum OriginatorError {
    /// RFC 5322 §3.6: exactly one From field.
    #[error("the message needs exactly one From field")]
    FromCount,
    /// RFC 5322 §3.6: at most one Sender field.
    #[error("the message has more than one Sender field")]
    SenderCount,
    /// A From or Sender that names no address, a group or an incomplete address.
    #[error("the {0} field must name complete addresses")]
    Unreadable(&'static str),
    #[error("{principal} may not send as {address} ({field}:)")]
    NotPermitted { principal: String, address: String, field: &'static str },
    #[error("{0}")]
    Directory(#[from] DirectoryError),
}

/// The addresses of the From and Sender fields, lower-cased, each named with its field.
pub fn originators(raw: &[u8]) -> Result<Vec<(&'static str, String)>, OriginatorError> {
    let from = summary::address_fields(raw, "From");
    let sender = summary::address_fields(raw, "Sender");
    let [from] = from.as_slice() else { return Err(OriginatorError::FromCount) };
    if sender.len() > 1 {
        return Err(OriginatorError::SenderCount);
    }
    let mut out = addresses(from)
        .map(|a| a.into_iter().map(|a| ("From", a)).collect::<Vec<_>>())
        .ok_or(OriginatorError::Unreadable("From"))?;
    if let Some(sender) = sender.first() {
        // RFC 5322 §3.6.2: the Sender is one mailbox.
        let one = addresses(sender).filter(|a| a.len() == 1).ok_or(OriginatorError::Unreadable("Sender"))?;
        out.extend(one.into_iter().map(|a| ("Sender", a)));
    }
    Ok(out)
}

/// `local@domain` of each entry, or `None` if any is not a complete mailbox (or there is none).
fn addresses(list: &[EnvAddress]) -> Option<Vec<String>> {
    let all: Option<Vec<String>> = list
        .iter()
        .map(|a| match (a.mailbox.as_deref(), a.host.as_deref()) {
            (Some(m), Some(h)) if m != MISSING_MAILBOX && h != MISSING_DOMAIN && a.adl.is_none() => {
                Some(format!("{m}@{h}").to_ascii_lowercase())
            }
            _ => None,
        })
        .collect();
    all.filter(|a| !a.is_empty())
}

/// Checks that `principal` may send as every From and Sender address of `raw`.
pub async fn check_originator(directory: &Directory, principal: &Principal, raw: &[u8]) -> Result<(), OriginatorError> {
    for (field, address) in originators(raw)? {
        if !directory.may_send_as(principal, &address).await? {
            return Err(OriginatorError::NotPermitted { principal: principal.address(), address, field });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn originator_fields_as_the_envelope_reads_them() {
        let a = |list: &[(&'static str, &str)]| {
            Ok::<_, ()>(list.iter().map(|(f, a)| (*f, a.to_string())).collect::<Vec<_>>())
        };
        for (header, want) in [
            ("From: alice@a.test\r\n\r\n", a(&[("From", "alice@a.test")])),
            ("from: Alice <Alice@A.test>\r\n\r\n", a(&[("From", "alice@a.test")])),
            ("From : CEO <bob@a.test>\r\n\r\n", a(&[("From", "bob@a.test")])),
            ("From\t: bob@a.test\r\n\r\n", a(&[("From", "bob@a.test")])),
            ("FROM:\r\n bob@a.test\r\n\r\n", a(&[("From", "bob@a.test")])),
            ("From: a@a.test, b@a.test\r\n\r\n", a(&[("From", "a@a.test"), ("From", "b@a.test")])),
            ("From: a@a.test\r\nSender : b@a.test\r\n\r\n", a(&[("From", "a@a.test"), ("Sender", "b@a.test")])),
            ("From: a@a.test\r\nFrom : b@a.test\r\n\r\n", Err(())),
            ("Subject: none\r\n\r\nFrom: a@a.test\r\n", Err(())),
            ("From: undisclosed:;\r\n\r\n", Err(())),
            ("From: <>\r\n\r\n", Err(())),
            ("From: alice\r\n\r\n", Err(())),
            ("From: <@route:a@a.test>\r\n\r\n", Err(())),
            ("From: a@a.test\r\nSender: a@a.test, b@a.test\r\n\r\n", Err(())),
            ("From: a@a.test\r\nSender: a@a.test\r\nsender: b@a.test\r\n\r\n", Err(())),
        ] {
            assert_eq!(originators(header.as_bytes()).map_err(|_| ()), want, "{header:?}");
        }
    }
}
