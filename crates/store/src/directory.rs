//! The directory's rows: domains, principals, aliases, group members, app passwords and
//! delegates. Rules (who may do what, password hashing, address syntax) are the directory
//! crate's; this module only stores and finds. A principal's id is its account's id.

use crate::read::ReadTx;
use crate::sql::Row;
use crate::tx::WriteTx;
use crate::{AccountId, ChangeKind, DomainId, Error, Result, params};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrincipalKind {
    User = 1,
    Shared = 2,
    Group = 3,
    Room = 4,
    Equipment = 5,
}

impl PrincipalKind {
    pub const ALL: [PrincipalKind; 5] = [
        PrincipalKind::User,
        PrincipalKind::Shared,
        PrincipalKind::Group,
        PrincipalKind::Room,
        PrincipalKind::Equipment,
    ];

    pub fn from_i64(v: i64) -> Option<PrincipalKind> {
        PrincipalKind::ALL.into_iter().find(|k| *k as i64 == v)
    }

    pub fn name(self) -> &'static str {
        match self {
            PrincipalKind::User => "user",
            PrincipalKind::Shared => "shared",
            PrincipalKind::Group => "group",
            PrincipalKind::Room => "room",
            PrincipalKind::Equipment => "equipment",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User = 0,
    Admin = 1,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    pub id: DomainId,
    pub name: String,
    pub catchall: Option<AccountId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub id: AccountId,
    pub kind: PrincipalKind,
    pub local_part: String,
    pub domain: String,
    pub display_name: String,
    /// The password's PHC string (Argon2id), if the principal can log in.
    pub secret: Option<String>,
    pub role: Role,
    pub quota: Option<u64>,
}

impl Principal {
    pub fn address(&self) -> String {
        format!("{}@{}", self.local_part, self.domain)
    }
}

#[derive(Debug, Clone)]
pub struct NewPrincipal {
    pub kind: PrincipalKind,
    pub local_part: String,
    pub domain: DomainId,
    pub display_name: String,
    pub secret: Option<String>,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppPassword {
    pub name: String,
    pub secret: String,
    pub created: i64,
    pub last_used: Option<i64>,
}

const PRINCIPAL_COLUMNS: &str = "p.id, p.kind, p.local_part, d.name, p.display_name, p.secret, p.role, p.quota";

fn principal_of(r: &Row) -> Result<Principal> {
    Ok(Principal {
        id: AccountId(r.int(0)?),
        kind: PrincipalKind::from_i64(r.int(1)?).ok_or_else(|| Error::Corrupt("principal kind".into()))?,
        local_part: r.text(2)?,
        domain: r.text(3)?,
        display_name: r.text(4)?,
        secret: r.opt_text(5)?,
        role: if r.int(6)? == Role::Admin as i64 { Role::Admin } else { Role::User },
        quota: r.opt_int(7)?.and_then(|q| u64::try_from(q).ok()),
    })
}

fn domain_of(r: &Row) -> Result<Domain> {
    Ok(Domain { id: DomainId(r.int(0)?), name: r.text(1)?, catchall: r.opt_int(2)?.map(AccountId) })
}

impl ReadTx<'_> {
    pub fn domains(&mut self) -> Result<Vec<Domain>> {
        self.conn()
            .query("SELECT id, name, catchall_id FROM domains ORDER BY name", &[])?
            .iter()
            .map(domain_of)
            .collect()
    }

    pub fn domain(&mut self, name: &str) -> Result<Option<Domain>> {
        self.conn()
            .query_one("SELECT id, name, catchall_id FROM domains WHERE name = $1", params![name])?
            .as_ref()
            .map(domain_of)
            .transpose()
    }

    /// `OverQuota` when `adding` octets would take `owner` past its quota as this snapshot sees
    /// it: for refusing early, before content is written; the write decides again
    /// (`WriteTx::check_quota`). Adding nothing always passes, so an account over its quota
    /// can still replace something with what is no larger.
    pub fn check_quota(&mut self, owner: AccountId, adding: u64) -> Result<()> {
        if adding == 0 {
            return Ok(());
        }
        if let Some(limit) = self.principal(owner)?.and_then(|p| p.quota)
            && self.usage(owner)?.saturating_add(adding) > limit
        {
            return Err(Error::OverQuota);
        }
        Ok(())
    }

    pub fn principal(&mut self, id: AccountId) -> Result<Option<Principal>> {
        let sql = format!(
            "SELECT {PRINCIPAL_COLUMNS} FROM principals p JOIN domains d ON d.id = p.domain_id WHERE p.id = $1"
        );
        self.conn().query_one(&sql, params![id.0])?.as_ref().map(principal_of).transpose()
    }

    /// The principal whose own address is `local@domain` (not an alias).
    pub fn principal_by_address(&mut self, local: &str, domain: &str) -> Result<Option<Principal>> {
        let sql = format!(
            "SELECT {PRINCIPAL_COLUMNS} FROM principals p JOIN domains d ON d.id = p.domain_id \
             WHERE d.name = $1 AND p.local_part = $2"
        );
        self.conn().query_one(&sql, params![domain, local])?.as_ref().map(principal_of).transpose()
    }

    /// The principal an alias points to.
    pub fn alias_target(&mut self, local: &str, domain: &str) -> Result<Option<AccountId>> {
        self.conn()
            .query_one(
                "SELECT a.principal_id FROM aliases a JOIN domains d ON d.id = a.domain_id WHERE d.name = $1 AND a.local_part = $2",
                params![domain, local],
            )?
            .map(|r| r.int(0).map(AccountId))
            .transpose()
    }

    /// Principals, optionally of one kind and one domain, ordered by address.
    pub fn principals(&mut self, kind: Option<PrincipalKind>, domain: Option<&str>) -> Result<Vec<Principal>> {
        let sql = format!(
            "SELECT {PRINCIPAL_COLUMNS} FROM principals p JOIN domains d ON d.id = p.domain_id \
             WHERE ($1 = 0 OR p.kind = $1) AND ($2 = '' OR d.name = $2) ORDER BY d.name, p.local_part"
        );
        self.conn()
            .query(&sql, params![kind.map_or(0, |k| k as i64), domain.unwrap_or("")])?
            .iter()
            .map(principal_of)
            .collect()
    }

    /// At most `limit` principals, of one domain or (`None`) every domain, ordered by address:
    /// for listings that must stay bounded however large the directory is (JMAP Principal).
    pub fn principals_at_most(&mut self, domain: Option<&str>, limit: usize) -> Result<Vec<Principal>> {
        let sql = format!(
            "SELECT {PRINCIPAL_COLUMNS} FROM principals p JOIN domains d ON d.id = p.domain_id \
             WHERE ($1 = '' OR d.name = $1) ORDER BY d.name, p.local_part LIMIT $2"
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.conn().query(&sql, params![domain.unwrap_or(""), limit])?.iter().map(principal_of).collect()
    }

    /// Aliases as (alias address, target address).
    pub fn aliases(&mut self) -> Result<Vec<(String, String)>> {
        let rows = self.conn().query(
            "SELECT a.local_part, ad.name, p.local_part, pd.name FROM aliases a \
             JOIN domains ad ON ad.id = a.domain_id JOIN principals p ON p.id = a.principal_id \
             JOIN domains pd ON pd.id = p.domain_id ORDER BY ad.name, a.local_part",
            &[],
        )?;
        rows.iter()
            .map(|r| Ok((format!("{}@{}", r.text(0)?, r.text(1)?), format!("{}@{}", r.text(2)?, r.text(3)?))))
            .collect()
    }

    pub fn group_members(&mut self, group: AccountId) -> Result<Vec<Principal>> {
        let sql = format!(
            "SELECT {PRINCIPAL_COLUMNS} FROM group_members g JOIN principals p ON p.id = g.member_id \
             JOIN domains d ON d.id = p.domain_id WHERE g.group_id = $1 ORDER BY d.name, p.local_part"
        );
        self.conn().query(&sql, params![group.0])?.iter().map(principal_of).collect()
    }

    pub fn app_passwords(&mut self, principal: AccountId) -> Result<Vec<AppPassword>> {
        let rows = self.conn().query(
            "SELECT name, secret, created, last_used FROM app_passwords WHERE principal_id = $1 ORDER BY name",
            params![principal.0],
        )?;
        rows.iter()
            .map(|r| {
                Ok(AppPassword { name: r.text(0)?, secret: r.text(1)?, created: r.int(2)?, last_used: r.opt_int(3)? })
            })
            .collect()
    }

    /// Rights bit set `delegate` holds on `principal` (0 if none).
    pub fn delegate_rights(&mut self, principal: AccountId, delegate: AccountId) -> Result<i64> {
        Ok(self
            .conn()
            .query_one(
                "SELECT rights FROM delegates WHERE principal_id = $1 AND delegate_id = $2",
                params![principal.0, delegate.0],
            )?
            .map(|r| r.int(0))
            .transpose()?
            .unwrap_or(0))
    }
}

impl WriteTx<'_> {
    /// Serialises directory writes (PostgreSQL row lock on the directory's account), so two
    /// writers cannot both pass a uniqueness check; taken before any other account.
    pub(crate) fn lock_directory(&mut self) -> Result<()> {
        self.modseq(AccountId::DIRECTORY).map(|_| ())
    }

    pub fn add_domain(&mut self, name: &str) -> Result<DomainId> {
        self.lock_directory()?;
        if self.read().domain(name)?.is_some() {
            return Err(Error::AlreadyExists(format!("domain {name}")));
        }
        let now = self.now();
        let row = self
            .conn()
            .query_one("INSERT INTO domains (name, created) VALUES ($1, $2) RETURNING id", params![name, now])?
            .ok_or_else(|| Error::Corrupt("no id returned".into()))?;
        let id = DomainId(row.int(0)?);
        self.log_directory(-id.0, ChangeKind::Created)?;
        Ok(id)
    }

    /// Removes an empty domain (no principals, no aliases).
    pub fn remove_domain(&mut self, name: &str) -> Result<()> {
        self.lock_directory()?;
        let d = self.read().domain(name)?.ok_or_else(|| Error::NotFound(format!("domain {name}")))?;
        let used = self.conn().query_one(
            "SELECT (SELECT count(*) FROM principals WHERE domain_id = $1) + (SELECT count(*) FROM aliases WHERE domain_id = $1)",
            params![d.id.0],
        )?;
        if used.map_or(Ok(0), |r| r.int(0))? > 0 {
            return Err(Error::Invalid(format!("domain {name} still has principals or aliases; remove them first")));
        }
        self.conn().execute("DELETE FROM domains WHERE id = $1", params![d.id.0])?;
        self.log_directory(-d.id.0, ChangeKind::Destroyed)?;
        Ok(())
    }

    pub fn set_catchall(&mut self, domain: DomainId, target: Option<AccountId>) -> Result<()> {
        self.conn()
            .execute("UPDATE domains SET catchall_id = $1 WHERE id = $2", params![target.map(|t| t.0), domain.0])?;
        self.log_directory(-domain.0, ChangeKind::Updated)?;
        Ok(())
    }

    /// Creates the principal and its (empty) account; the caller provisions default collections.
    pub fn create_principal(&mut self, new: NewPrincipal) -> Result<AccountId> {
        self.lock_directory()?;
        let taken = self.conn().query_one(
            "SELECT 1 FROM principals WHERE domain_id = $1 AND local_part = $2 \
             UNION ALL SELECT 1 FROM aliases WHERE domain_id = $1 AND local_part = $2",
            params![new.domain.0, new.local_part.as_str()],
        )?;
        if taken.is_some() {
            return Err(Error::AlreadyExists(format!("address {}", new.local_part)));
        }
        let id = self.create_account()?;
        let now = self.now();
        self.conn().execute(
            "INSERT INTO principals (id, kind, local_part, domain_id, display_name, secret, role, created) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            params![
                id.0,
                new.kind as i64,
                new.local_part,
                new.domain.0,
                new.display_name,
                new.secret,
                new.role as i64,
                now
            ],
        )?;
        self.log_directory(id.0, ChangeKind::Created)?;
        Ok(id)
    }

    /// Sets (or with `None` removes, so it can no longer log in) a principal's password; its
    /// web sessions end in the same transaction.
    pub fn set_secret(&mut self, id: AccountId, secret: Option<&str>) -> Result<()> {
        self.update_principal("UPDATE principals SET secret = $1 WHERE id = $2", params![secret, id.0], id)?;
        self.close_web_sessions(id)?;
        Ok(())
    }

    pub fn set_display_name(&mut self, id: AccountId, name: &str) -> Result<()> {
        self.update_principal("UPDATE principals SET display_name = $1 WHERE id = $2", params![name, id.0], id)
    }

    /// Sets (or with `None` removes) a principal's storage quota in octets.
    pub fn set_quota(&mut self, id: AccountId, quota: Option<u64>) -> Result<()> {
        let q = quota.map(|q| i64::try_from(q).unwrap_or(i64::MAX));
        self.update_principal("UPDATE principals SET quota = $1 WHERE id = $2", params![q, id.0], id)
    }

    /// `OverQuota` when `adding` octets would take `owner` past its quota, read in this
    /// transaction with the account's row locked (PostgreSQL; SQLite has one writer), so that
    /// two writers racing cannot both pass it: the second reads the usage the first committed.
    /// Every domain that adds to an account (mail, calendars, contacts, files) asks here.
    pub fn check_quota(&mut self, owner: AccountId, adding: u64) -> Result<()> {
        if adding == 0 {
            return Ok(());
        }
        self.lock_account(owner)?;
        self.read().check_quota(owner, adding)
    }

    pub fn set_role(&mut self, id: AccountId, role: Role) -> Result<()> {
        self.update_principal("UPDATE principals SET role = $1 WHERE id = $2", params![role as i64, id.0], id)
    }

    fn update_principal(&mut self, sql: &str, params: &[crate::sql::Value], id: AccountId) -> Result<()> {
        if self.conn().execute(sql, params)? == 0 {
            return Err(Error::NotFound(format!("principal {id}")));
        }
        self.log_directory(id.0, ChangeKind::Updated)?;
        Ok(())
    }

    /// Removes a principal, its aliases, memberships, credentials, web sessions, push subscriptions
    /// and all its data.
    pub fn remove_principal(&mut self, id: AccountId) -> Result<()> {
        self.lock_directory()?;
        for sql in [
            "DELETE FROM aliases WHERE principal_id = $1",
            "DELETE FROM group_members WHERE group_id = $1 OR member_id = $1",
            "DELETE FROM app_passwords WHERE principal_id = $1",
            "DELETE FROM api_tokens WHERE principal_id = $1",
            "DELETE FROM web_sessions WHERE account_id = $1",
            "DELETE FROM push_subscriptions WHERE account_id = $1",
            "DELETE FROM delegates WHERE principal_id = $1 OR delegate_id = $1",
            "UPDATE domains SET catchall_id = NULL WHERE catchall_id = $1",
        ] {
            self.conn().execute(sql, params![id.0])?;
        }
        if self.conn().execute("DELETE FROM principals WHERE id = $1", params![id.0])? == 0 {
            return Err(Error::NotFound(format!("principal {id}")));
        }
        self.delete_account(id)?;
        self.log_directory(id.0, ChangeKind::Destroyed)?;
        Ok(())
    }

    pub fn add_alias(&mut self, domain: DomainId, local: &str, target: AccountId) -> Result<()> {
        self.lock_directory()?;
        let taken = self.conn().query_one(
            "SELECT 1 FROM principals WHERE domain_id = $1 AND local_part = $2 \
             UNION ALL SELECT 1 FROM aliases WHERE domain_id = $1 AND local_part = $2",
            params![domain.0, local],
        )?;
        if taken.is_some() {
            return Err(Error::AlreadyExists(format!("address {local}")));
        }
        self.conn().execute(
            "INSERT INTO aliases (domain_id, local_part, principal_id) VALUES ($1, $2, $3)",
            params![domain.0, local, target.0],
        )?;
        self.log_directory(target.0, ChangeKind::Updated)?;
        Ok(())
    }

    pub fn remove_alias(&mut self, domain: DomainId, local: &str) -> Result<()> {
        let row = self.conn().query_one(
            "DELETE FROM aliases WHERE domain_id = $1 AND local_part = $2 RETURNING principal_id",
            params![domain.0, local],
        )?;
        let target = row.ok_or_else(|| Error::NotFound(format!("alias {local}")))?.int(0)?;
        self.log_directory(target, ChangeKind::Updated)?;
        Ok(())
    }

    pub fn add_group_member(&mut self, group: AccountId, member: AccountId) -> Result<()> {
        self.conn().execute(
            "INSERT INTO group_members (group_id, member_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            params![group.0, member.0],
        )?;
        self.log_directory(group.0, ChangeKind::Updated)?;
        Ok(())
    }

    pub fn remove_group_member(&mut self, group: AccountId, member: AccountId) -> Result<()> {
        if self
            .conn()
            .execute("DELETE FROM group_members WHERE group_id = $1 AND member_id = $2", params![group.0, member.0])?
            == 0
        {
            return Err(Error::NotFound("group member".into()));
        }
        self.log_directory(group.0, ChangeKind::Updated)?;
        Ok(())
    }

    pub fn add_app_password(&mut self, principal: AccountId, name: &str, secret: &str) -> Result<()> {
        let exists = self.conn().query_one(
            "SELECT 1 FROM app_passwords WHERE principal_id = $1 AND name = $2",
            params![principal.0, name],
        )?;
        if exists.is_some() {
            return Err(Error::AlreadyExists(format!("app password {name:?}")));
        }
        let now = self.now();
        self.conn().execute(
            "INSERT INTO app_passwords (principal_id, name, secret, created) VALUES ($1, $2, $3, $4)",
            params![principal.0, name, secret, now],
        )?;
        self.log_directory(principal.0, ChangeKind::Updated)?;
        Ok(())
    }

    /// Replaces an app password's hash by another of the same password (re-hashed with new
    /// parameters): not a change anyone syncs, so nothing is logged.
    pub fn rehash_app_password(&mut self, principal: AccountId, name: &str, secret: &str) -> Result<()> {
        self.conn().execute(
            "UPDATE app_passwords SET secret = $1 WHERE principal_id = $2 AND name = $3",
            params![secret, principal.0, name],
        )?;
        Ok(())
    }

    /// Revokes an app password; the account's web sessions end with it.
    pub fn revoke_app_password(&mut self, principal: AccountId, name: &str) -> Result<()> {
        if self
            .conn()
            .execute("DELETE FROM app_passwords WHERE principal_id = $1 AND name = $2", params![principal.0, name])?
            == 0
        {
            return Err(Error::NotFound(format!("app password {name:?}")));
        }
        // Every other protocol's sessions that used it end (`relais_directory::CredentialWatch`);
        // the web client's do not: its sign-in takes the account's password alone.
        self.log_directory(principal.0, ChangeKind::Updated)?;
        Ok(())
    }

    /// Grants (rights > 0) or removes (0) what `delegate` may do for `principal`.
    pub fn set_delegate(&mut self, principal: AccountId, delegate: AccountId, rights: i64) -> Result<()> {
        self.conn().execute(
            "DELETE FROM delegates WHERE principal_id = $1 AND delegate_id = $2",
            params![principal.0, delegate.0],
        )?;
        if rights > 0 {
            self.conn().execute(
                "INSERT INTO delegates (principal_id, delegate_id, rights) VALUES ($1, $2, $3)",
                params![principal.0, delegate.0, rights],
            )?;
        }
        self.log_directory(principal.0, ChangeKind::Updated)?;
        Ok(())
    }
}
