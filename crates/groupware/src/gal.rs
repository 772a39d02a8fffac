//! The global address list: the directory's users, shared mailboxes, groups, rooms and
//! equipment as vCards (RFC 6350), read-only. Cards are built from the directory on each read,
//! so the list is never stale; its state is the directory's modseq (account 0 of the change
//! log), so a client's sync token moves exactly when the directory changes.

use std::hash::{Hash, Hasher};

use relais_directory::Directory;
use relais_store::{AccountId, Modseq, Principal, PrincipalKind};

use crate::Result;

/// The name of the global address list in every address book home.
pub const NAME: &str = "gal";
/// Its display name.
pub const DISPLAY_NAME: &str = "Global Address List";

/// One entry of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    /// The resource name: `{principal id}.vcf`, stable for the principal's life.
    pub name: String,
    pub principal: AccountId,
    /// A hash of `text`: it changes when the card does (the card's ETag).
    pub version: u64,
    /// vCard 4.0 text.
    pub text: String,
}

/// The resource name of a principal's card.
pub fn card_name(id: AccountId) -> String {
    format!("{}.vcf", id.0)
}

/// The principal a card name stands for.
pub fn principal_of(name: &str) -> Option<AccountId> {
    name.strip_suffix(".vcf")?.parse().ok().map(AccountId)
}

/// The vCard of one principal; `members` are the addresses of a group's members.
pub fn vcard(p: &Principal, members: &[String]) -> String {
    let address = p.address();
    let name = if p.display_name.is_empty() { address.clone() } else { p.display_name.clone() };
    // RFC 6350 §6.1.4 KIND; rooms are locations, equipment a device.
    let kind = match p.kind {
        PrincipalKind::Group => "group",
        PrincipalKind::Room => "location",
        PrincipalKind::Equipment => "device",
        PrincipalKind::User | PrincipalKind::Shared => "individual",
    };
    let mut out = format!(
        "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:x-relais:principal:{}\r\nKIND:{kind}\r\nFN:{}\r\nEMAIL;TYPE=work:{}\r\n",
        p.id.0,
        crate::vcard::escape(&name),
        crate::vcard::escape(&address)
    );
    if kind == "individual" {
        out.push_str(&format!("N:{};;;;\r\n", crate::vcard::escape(&name)));
    }
    for m in members {
        out.push_str(&format!("MEMBER:mailto:{}\r\n", crate::vcard::escape(m)));
    }
    out.push_str("END:VCARD\r\n");
    out
}

fn version_of(text: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    // Kept below 2^63 so it fits where modseqs go.
    h.finish() >> 1
}

/// Every card of the list `viewer` sees (their own domain by default: `Directory::may_see`),
/// by principal id, and the directory state they reflect.
pub async fn cards(directory: &Directory, viewer: &Principal) -> Result<(Vec<Card>, Modseq)> {
    let state = directory.store().read(|r| r.account_modseq(AccountId::DIRECTORY)).await?;
    let principals = directory.visible_principals(viewer).await.map_err(|e| crate::Error::Conflict(e.to_string()))?;
    let mut out = Vec::with_capacity(principals.len());
    for p in &principals {
        let members = if p.kind == PrincipalKind::Group {
            directory
                .members(&p.address())
                .await
                .map_err(|e| crate::Error::Conflict(e.to_string()))?
                .iter()
                .filter(|m| directory.may_see(viewer, m))
                .map(Principal::address)
                .collect()
        } else {
            Vec::new()
        };
        let text = vcard(p, &members);
        out.push(Card { name: card_name(p.id), principal: p.id, version: version_of(&text), text });
    }
    out.sort_by_key(|c| c.principal);
    Ok((out, state))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards_are_valid_vcards() {
        let p = Principal {
            id: AccountId(7),
            kind: PrincipalKind::Room,
            local_part: "board".into(),
            domain: "example.com".into(),
            display_name: "Board room; 3rd floor".into(),
            secret: None,
            role: relais_store::Role::User,
            quota: None,
        };
        let text = vcard(&p, &[]);
        let card = crate::ContactCard::parse(&text).unwrap();
        assert_eq!(card.full_name(), Some("Board room; 3rd floor"));
        assert_eq!(card.emails().collect::<Vec<_>>(), vec!["board@example.com"]);
        assert!(text.contains("KIND:location"));
        assert_eq!(principal_of(&card_name(p.id)), Some(AccountId(7)));
        assert_eq!(principal_of("x.ics"), None);
    }
}
