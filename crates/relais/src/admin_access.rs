//! `relais admin share …` and `relais admin delegate …`: sharing a collection and delegating
//! a principal, through the directory's access operations (`relais_directory::sharing`,
//! `Directory::grant`) that IMAP ACL and DAV ACL use too. The administrator acts as the
//! collection's owner (`Actor::system` over the admin protocol).

use anyhow::{Context, Result, bail};
use clap::Args;
use relais_directory::{Actor, Delegation, Directory, GrantChange, PermissionLevel, Protocol, Rights};

#[derive(Args)]
pub struct ShareArgs {
    /// The account owning the collection.
    account: String,
    /// `mail/INBOX`, `mail/Projects/2026`, `calendars/Calendar`, `addressbooks/Contacts`.
    path: String,
    /// Whom to share with; without it the collection's sharing is shown.
    grantee: Option<String>,
    /// A permission level: None (stops sharing), FreeBusyTimeOnly, Contributor, Reviewer,
    /// NoneditingAuthor, Author, PublishingAuthor, Editor, PublishingEditor, Owner.
    #[arg(long, conflicts_with = "rights")]
    level: Option<String>,
    /// RFC 4314 rights letters (`lrswipkxtea`; "" stops sharing).
    #[arg(long)]
    rights: Option<String>,
}

#[derive(Args)]
pub struct DelegateArgs {
    /// The principal acted for.
    principal: String,
    /// Who acts for it.
    delegate: String,
    /// Comma-separated: send-as, send-on-behalf, full-access; "none" takes every right back.
    #[arg(long)]
    rights: String,
}

fn level_or_rights(a: &ShareArgs) -> Result<Option<Rights>> {
    match (&a.level, &a.rights) {
        (Some(l), _) => match PermissionLevel::from_name(l) {
            Some(PermissionLevel::Custom) | None => bail!("unknown permission level {l:?}"),
            Some(level) => Ok(Some(level.rights())),
        },
        (None, Some(letters)) => match relais_imap::rights::parse(letters) {
            Ok(r) => Ok(Some(r)),
            Err(c) => bail!("{c:?} is not a right (lrswipkxtea)"),
        },
        (None, None) => Ok(None),
    }
}

pub async fn share(dir: &Directory, a: ShareArgs) -> Result<()> {
    let owner = dir.principal(&a.account).await?.with_context(|| format!("{} not found", a.account))?;
    let Some(c) = dir.collection_at(owner.id, &a.path).await? else {
        bail!("{} has no collection {:?} (mail/…, calendars/…, addressbooks/…)", owner.address(), a.path)
    };
    let actor = Actor { protocol: Protocol::Admin, ..Actor::system(owner.id) };
    let change = level_or_rights(&a)?;
    if let Some(grantee) = &a.grantee {
        let Some(rights) = change else { bail!("give --level or --rights") };
        let g = dir.principal(grantee).await?.with_context(|| format!("{grantee} not found"))?;
        dir.change_grant(&actor, c.id, g.id, GrantChange::Replace(rights)).await?;
    } else if change.is_some() {
        bail!("give the GRANTEE to share with");
    }
    let acl = dir.acl(&actor, c.id).await?;
    println!("{} {}: owner {}", owner.address(), a.path, acl.owner.address());
    for (p, rights) in acl.grants {
        let letters = relais_imap::rights::format(rights);
        println!("  {} {} ({letters})", p.address(), PermissionLevel::of(rights).name());
    }
    Ok(())
}

pub async fn delegate(dir: &Directory, a: DelegateArgs) -> Result<()> {
    let Some(rights) = Delegation::parse(&a.rights) else {
        bail!("unknown delegation {:?}: send-as, send-on-behalf, full-access or none", a.rights)
    };
    dir.grant(&a.principal, &a.delegate, rights).await?;
    if rights.is_empty() {
        println!("{} no longer acts for {}", a.delegate, a.principal);
    } else {
        println!("{} acts for {}: {}", a.delegate, a.principal, a.rights);
    }
    Ok(())
}
