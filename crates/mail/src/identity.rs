//! The identities a user sends as (JMAP Identity, RFC 8621 §6): an address and what a client
//! puts on a message sent from it — a name, Reply-To and Bcc addresses, text and HTML
//! signatures. The account's own identity (the principal's address) is always there and cannot
//! be removed; others are made only for an address the user may send from, the rule every
//! submission applies (`Directory::may_send_on_behalf`: its own address and aliases, and the
//! addresses of principals that granted it send-as or send-on-behalf). Wildcard addresses
//! (`*@domain`) are never an identity. A submission checks the From again whatever identity
//! the client names (`submission::check_originator`), so an identity whose grant was revoked
//! sends nothing.
//!
//! Stored by the store as JSON (`identities`); every write is one change of
//! `DataType::Identity` in the account's change log.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use relais_store::{AccountId, Principal, StoredIdentity};

use crate::{MailError, Mailer};

/// Identities an account may have besides its own.
pub const MAX_IDENTITIES: u32 = 100;
/// Most octets of a name (the identity's, or an address's).
pub const MAX_NAME: usize = 256;
/// Most octets of each signature.
pub const MAX_SIGNATURE: usize = 64 * 1024;
/// Most addresses in replyTo and in bcc.
pub const MAX_ADDRESSES: usize = 100;
/// Most octets of an address (RFC 5321 §4.5.3.1.3's path less its brackets).
const MAX_EMAIL: usize = 254;

/// A name and an address (RFC 8621 §4.1.2.3's EmailAddress).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityAddress {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub email: String,
}

/// What an identity carries besides its address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct IdentitySetting {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<Vec<IdentityAddress>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bcc: Option<Vec<IdentityAddress>>,
    pub text_signature: String,
    pub html_signature: String,
}

/// Which identity: the account's own, or a stored one by its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityId {
    Own,
    Stored(i64),
}

impl IdentityId {
    /// The number the change log names it by (0: the own identity).
    pub fn logged(n: i64) -> IdentityId {
        if n == 0 { IdentityId::Own } else { IdentityId::Stored(n) }
    }
}

/// One identity of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub id: IdentityId,
    pub email: String,
    pub setting: IdentitySetting,
}

impl Identity {
    /// RFC 8621 §6: the own identity is always there.
    pub fn may_delete(&self) -> bool {
        matches!(self.id, IdentityId::Stored(_))
    }
}

#[derive(Debug, Error)]
pub enum IdentityError {
    /// The user may not send from that address (JMAP forbiddenFrom).
    #[error("{principal} may not send from <{email}>")]
    Forbidden { principal: String, email: String },
    /// A property is malformed or too large.
    #[error("{field}: {why}")]
    Invalid { field: &'static str, why: String },
    #[error("no such identity")]
    NotFound,
    /// The account's own identity cannot be removed.
    #[error("the account's own identity cannot be removed")]
    Own,
    #[error("an account has at most {MAX_IDENTITIES} identities")]
    TooMany,
    #[error("{0}")]
    Mail(#[from] MailError),
}

impl Mailer {
    /// The identities of `actor`'s own account: its own first, then the others oldest first.
    pub async fn identities(&self, actor: &Principal) -> Result<Vec<Identity>, MailError> {
        let account = actor.id;
        let rows = self.store().read(move |r| r.identities(account)).await?;
        let mut list = vec![own_identity(actor, rows.iter().find(|r| r.own))];
        list.extend(rows.iter().filter(|r| !r.own).map(stored_identity));
        Ok(list)
    }

    /// Makes an identity for `email`, which `actor` must be allowed to send from.
    pub async fn create_identity(
        &self,
        actor: &Principal,
        email: &str,
        setting: IdentitySetting,
    ) -> Result<Identity, IdentityError> {
        check(&setting)?;
        let email = email.trim().to_ascii_lowercase();
        if email.len() > MAX_EMAIL || email.contains('*') || !address_shaped(&email) {
            return Err(IdentityError::Invalid { field: "email", why: "not an address one can send from".into() });
        }
        if !self.directory().may_send_on_behalf(actor, &email).await.map_err(MailError::from)? {
            return Err(IdentityError::Forbidden { principal: actor.address(), email });
        }
        let json = to_json(&setting)?;
        let (account, stored) = (actor.id, email.clone());
        let made = self.store().write(move |tx| tx.create_identity(account, &stored, &json, MAX_IDENTITIES)).await;
        match made {
            Ok(n) => Ok(Identity { id: IdentityId::Stored(n), email, setting }),
            Err(relais_store::Error::Limit(_)) => Err(IdentityError::TooMany),
            Err(e) => Err(MailError::from(e).into()),
        }
    }

    /// Replaces an identity's setting (its address never changes: RFC 8621 §6, `email` is
    /// immutable).
    pub async fn update_identity(
        &self,
        actor: &Principal,
        id: IdentityId,
        setting: &IdentitySetting,
    ) -> Result<(), IdentityError> {
        check(setting)?;
        let (account, json) = (actor.id, to_json(setting)?);
        let found = match id {
            IdentityId::Own => self.store().write(move |tx| tx.set_own_identity(account, &json)).await.map(|()| true),
            IdentityId::Stored(n) => self.store().write(move |tx| tx.update_identity(account, n, &json)).await,
        };
        if found.map_err(MailError::from)? { Ok(()) } else { Err(IdentityError::NotFound) }
    }

    /// Removes an identity other than the own one.
    pub async fn destroy_identity(&self, actor: &Principal, id: IdentityId) -> Result<(), IdentityError> {
        let IdentityId::Stored(n) = id else { return Err(IdentityError::Own) };
        let account: AccountId = actor.id;
        let gone = self.store().write(move |tx| tx.destroy_identity(account, n)).await.map_err(MailError::from)?;
        if gone { Ok(()) } else { Err(IdentityError::NotFound) }
    }
}

/// The own identity: the principal's address, and its name until the user saves a setting.
fn own_identity(actor: &Principal, row: Option<&StoredIdentity>) -> Identity {
    let setting = row
        .and_then(|r| serde_json::from_str(&r.setting).ok())
        .unwrap_or_else(|| IdentitySetting { name: actor.display_name.clone(), ..IdentitySetting::default() });
    Identity { id: IdentityId::Own, email: actor.address(), setting }
}

fn stored_identity(row: &StoredIdentity) -> Identity {
    let setting = serde_json::from_str(&row.setting).unwrap_or_default();
    Identity { id: IdentityId::Stored(row.id), email: row.email.clone(), setting }
}

fn to_json(setting: &IdentitySetting) -> Result<String, IdentityError> {
    serde_json::to_string(setting)
        .map_err(|e| MailError::from(relais_store::Error::Invalid(format!("identity setting: {e}"))).into())
}

/// `local@domain`, one `@`, neither side empty, no space or control character.
fn address_shaped(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else { return false };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
}

/// The bounds of RFC 8621 §6's properties: names and signatures by size, address lists by
/// count, each address shaped.
fn check(setting: &IdentitySetting) -> Result<(), IdentityError> {
    let invalid = |field, why: &str| Err(IdentityError::Invalid { field, why: why.into() });
    if setting.name.len() > MAX_NAME {
        return invalid("name", "too long");
    }
    if setting.text_signature.len() > MAX_SIGNATURE {
        return invalid("textSignature", "too long");
    }
    if setting.html_signature.len() > MAX_SIGNATURE {
        return invalid("htmlSignature", "too long");
    }
    for (field, list) in [("replyTo", &setting.reply_to), ("bcc", &setting.bcc)] {
        let list = list.as_deref().unwrap_or_default();
        if list.len() > MAX_ADDRESSES {
            return invalid(field, "too many addresses");
        }
        for a in list {
            if a.email.len() > MAX_EMAIL || !address_shaped(&a.email) {
                return invalid(field, "not an address");
            }
            if a.name.as_ref().is_some_and(|n| n.len() > MAX_NAME) {
                return invalid(field, "a name is too long");
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_and_shapes() {
        let ok = IdentitySetting {
            name: "Ann".into(),
            reply_to: Some(vec![IdentityAddress { name: None, email: "ann@example.com".into() }]),
            ..IdentitySetting::default()
        };
        assert!(check(&ok).is_ok());
        let cases: Vec<(IdentitySetting, &str)> = vec![
            (IdentitySetting { name: "x".repeat(MAX_NAME + 1), ..ok.clone() }, "name"),
            (IdentitySetting { text_signature: "x".repeat(MAX_SIGNATURE + 1), ..ok.clone() }, "textSignature"),
            (IdentitySetting { html_signature: "x".repeat(MAX_SIGNATURE + 1), ..ok.clone() }, "htmlSignature"),
            (
                IdentitySetting {
                    bcc: Some(vec![IdentityAddress { name: None, email: "a@b".into() }; MAX_ADDRESSES + 1]),
                    ..ok.clone()
                },
                "bcc",
            ),
            (
                IdentitySetting {
                    reply_to: Some(vec![IdentityAddress { name: None, email: "no at sign".into() }]),
                    ..ok.clone()
                },
                "replyTo",
            ),
        ];
        for (setting, field) in cases {
            match check(&setting) {
                Err(IdentityError::Invalid { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
        for (email, shaped) in
            [("a@b.c", true), ("@b.c", false), ("a@", false), ("a b@c", false), ("a@b@c", false), ("<a@b>", false)]
        {
            assert_eq!(address_shaped(email), shaped, "{email}");
        }
    }
}
