//! `relais admin …`: the directory's administration from the command line. It opens the store
//! itself (SQLite lets the CLI and a running server share the file; PostgreSQL is shared by
//! nature), so it works with or without a server, and the server sees each change at once.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use relais_directory::{Credentials, Directory};
use relais_store::{PrincipalKind, Role, Store};

use crate::config::Config;

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Mail domains served here.
    #[command(subcommand)]
    Domain(DomainCommand),
    /// People who log in.
    #[command(subcommand)]
    User(UserCommand),
    /// Extra addresses for a principal, and per-domain catch-alls.
    #[command(subcommand)]
    Alias(AliasCommand),
    /// Distribution groups.
    #[command(subcommand)]
    Group(GroupCommand),
    /// Shared mailboxes.
    #[command(subcommand)]
    Shared(ResourceCommand),
    /// Rooms (bookable, with a calendar).
    #[command(subcommand)]
    Room(ResourceCommand),
    /// Equipment (bookable, with a calendar).
    #[command(subcommand)]
    Equipment(ResourceCommand),
    /// Named, revocable passwords for devices and apps.
    #[command(subcommand, name = "app-password")]
    AppPassword(AppPasswordCommand),
    /// Bearer tokens (`Authorization: Bearer`) for scripts and API clients.
    #[command(subcommand, name = "api-token")]
    ApiToken(ApiTokenCommand),
    /// Check credentials as a client would (throttling included).
    #[command(subcommand)]
    Auth(AuthCommand),
    /// The outbound mail queue.
    #[command(subcommand)]
    Queue(QueueCommand),
    /// Messages in a principal's mailboxes.
    #[command(subcommand)]
    Mail(MailCommand),
    /// DKIM signing keys.
    #[command(subcommand)]
    Dkim(DkimCommand),
    /// Write an account's mail (Maildir, or mbox with --format mbox), calendars and tasks
    /// (iCalendar) and contacts (vCard) to a new directory.
    Export(crate::admin_export::ExportArgs),
    /// Read such a directory (Maildir folders, mbox files) into an account; what is there
    /// already is skipped.
    Import(crate::admin_export::ImportArgs),
    /// Share a collection (mailbox, calendar, address book) with a permission level or rights,
    /// or show its sharing.
    Share(crate::admin_access::ShareArgs),
    /// Let a principal act for another: send as, send on behalf, full access.
    Delegate(crate::admin_access::DelegateArgs),
    /// Bring an account's data in from another server (resumable, incremental).
    #[command(subcommand)]
    Migrate(crate::migrate::MigrateCommand),
    /// The devices (ActiveSync phones) that sync an account: list, show, wipe, remove.
    #[command(subcommand)]
    Device(crate::admin_device::DeviceCommand),
    /// The mobile device policy (ActiveSync) of a domain or of one account: set, show.
    #[command(subcommand)]
    Policy(crate::admin_policy::PolicyCommand),
    /// The server's scheduled backups (`[backup]` in the config).
    #[command(subcommand)]
    Backup(BackupCommand),
}

#[derive(Subcommand)]
pub enum BackupCommand {
    /// The last scheduled runs: time, kind, size, duration, outcome and error.
    Status {
        /// The backup directory (default: `backup.path` of the config).
        #[arg(long)]
        path: Option<std::path::PathBuf>,
        /// How many runs to show.
        #[arg(long, default_value_t = 10)]
        last: usize,
    },
}

#[derive(Subcommand)]
pub enum DkimCommand {
    /// Make an RSA-2048 key for DOMAIN and print the DNS TXT record to publish.
    Generate {
        domain: String,
        #[arg(long, default_value = "relais")]
        selector: String,
    },
}

#[derive(Subcommand)]
pub enum MailCommand {
    /// Messages of a mailbox (default INBOX), one a line: UID, size, subject.
    List {
        address: String,
        #[arg(default_value = "INBOX")]
        mailbox: String,
    },
    /// How many messages a mailbox (default INBOX) holds.
    Count {
        address: String,
        #[arg(default_value = "INBOX")]
        mailbox: String,
    },
    /// The raw message with this UID, to stdout.
    Get {
        address: String,
        uid: u32,
        #[arg(long, default_value = "INBOX")]
        mailbox: String,
    },
}

#[derive(Subcommand)]
pub enum QueueCommand {
    /// Queued messages, one a line: id, age, sender, recipients waiting.
    List,
    /// One message with each recipient's state and last error.
    Show { id: i64 },
    /// Try the message's waiting recipients again now.
    Retry { id: i64 },
    /// Drop the message from the queue (no bounce is sent).
    Delete { id: i64 },
}

#[derive(Subcommand)]
pub enum DomainCommand {
    Add {
        name: String,
    },
    List,
    Remove {
        name: String,
    },
    /// Print every DNS record to publish for the domain (MX, SPF, DKIM, DMARC, the
    /// autodiscover/autoconfig names, RFC 6186 and RFC 6764 SRV records), zone-file syntax.
    Dns {
        name: String,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a user; the password comes from --password, else a prompt (or a line on stdin).
    Add {
        address: String,
        #[arg(long)]
        password: Option<String>,
        #[arg(long, default_value = "")]
        name: String,
        /// Make the user an administrator.
        #[arg(long)]
        admin: bool,
    },
    /// Add users in bulk from a CSV file with a header line: address, and optionally name and
    /// password or password_hash (an Argon2id PHC string). Existing addresses are skipped.
    Import {
        file: std::path::PathBuf,
    },
    List {
        domain: Option<String>,
    },
    Show {
        address: String,
    },
    Passwd {
        address: String,
        #[arg(long)]
        password: Option<String>,
    },
    Remove {
        address: String,
    },
    /// Set the storage quota (e.g. 500M, 2G, or "none").
    Quota {
        address: String,
        size: String,
    },
    /// Show or change the out-of-office reply (the one JMAP, ActiveSync and EWS clients see).
    Vacation(crate::admin_vacation::VacationArgs),
}

#[derive(Subcommand)]
pub enum AliasCommand {
    Add {
        alias: String,
        target: String,
    },
    Remove {
        alias: String,
    },
    List,
    /// Send mail for unknown addresses of DOMAIN to TARGET (or stop with --clear).
    Catchall {
        domain: String,
        target: Option<String>,
        #[arg(long, conflicts_with = "target")]
        clear: bool,
    },
}

#[derive(Subcommand)]
pub enum GroupCommand {
    Add {
        address: String,
        #[arg(long, default_value = "")]
        name: String,
    },
    Remove {
        address: String,
    },
    List,
    #[command(subcommand)]
    Member(MemberCommand),
}

#[derive(Subcommand)]
pub enum MemberCommand {
    Add { group: String, member: String },
    Remove { group: String, member: String },
    List { group: String },
}

#[derive(Subcommand)]
pub enum ResourceCommand {
    Add {
        address: String,
        #[arg(long, default_value = "")]
        name: String,
    },
    List,
    Remove {
        address: String,
    },
    /// Let USER send as this address (shared mailboxes and resources).
    Grant {
        address: String,
        user: String,
    },
    /// Take the right back.
    Revoke {
        address: String,
        user: String,
    },
    /// Who may book this room or equipment: "organisation" (organizers in a hosted domain, the
    /// default) or "anyone" (any organizer whose invitation is otherwise acceptable).
    Booking {
        address: String,
        policy: String,
    },
}

#[derive(Subcommand)]
pub enum AppPasswordCommand {
    /// Create one; the password is printed once, on the last line.
    Add {
        address: String,
        name: String,
    },
    List {
        address: String,
    },
    Revoke {
        address: String,
        name: String,
    },
}

#[derive(Subcommand)]
pub enum ApiTokenCommand {
    /// Create one; the token is printed once, on the last line.
    Add {
        address: String,
        name: String,
        /// Days until it expires (1 to 3650); without it, it lasts until revoked.
        #[arg(long)]
        days: Option<u32>,
    },
    List {
        address: String,
    },
    /// Revoke one by the id `list` shows.
    Revoke {
        address: String,
        id: String,
    },
}

#[derive(Subcommand)]
pub enum AuthCommand {
    Check {
        address: String,
        #[arg(long)]
        password: Option<String>,
    },
}

pub async fn run(data: &Path, config: &Config, command: AdminCommand) -> Result<()> {
    // Reads the backup directory only: no store needed.
    if let AdminCommand::Backup(BackupCommand::Status { path, last }) = &command {
        let dir = path.as_ref().or(config.backup.path.as_ref()).context("no backup.path in the config; give --path")?;
        return crate::backup_schedule::print_status(dir, *last);
    }
    if config.store.backend == crate::config::Backend::Sqlite && !data.join("relais.db").exists() {
        std::fs::create_dir_all(data).with_context(|| format!("cannot create data directory {}", data.display()))?;
    }
    let store = Store::open(crate::store_config(data, config)).await.context("cannot open the store")?;
    let dir = Directory::new(store, config.auth.to_directory());
    match command {
        AdminCommand::Domain(c) => domain(&dir, config, c).await,
        AdminCommand::User(c) => user(&dir, c).await,
        AdminCommand::Alias(c) => alias(&dir, c).await,
        AdminCommand::Group(c) => group(&dir, c).await,
        AdminCommand::Shared(c) => resource(&dir, PrincipalKind::Shared, c).await,
        AdminCommand::Room(c) => resource(&dir, PrincipalKind::Room, c).await,
        AdminCommand::Equipment(c) => resource(&dir, PrincipalKind::Equipment, c).await,
        AdminCommand::AppPassword(c) => app_password(&dir, c).await,
        AdminCommand::ApiToken(c) => api_token(&dir, c).await,
        AdminCommand::Queue(c) => crate::admin_mail::run(dir.store(), c).await,
        AdminCommand::Mail(c) => crate::admin_mail::mail(&dir, c).await,
        AdminCommand::Export(a) => crate::admin_export::export(&dir, a).await,
        AdminCommand::Import(a) => crate::admin_export::import(&dir, a).await,
        AdminCommand::Share(a) => crate::admin_access::share(&dir, a).await,
        AdminCommand::Delegate(a) => crate::admin_access::delegate(&dir, a).await,
        AdminCommand::Migrate(c) => crate::migrate::run(&dir, c).await,
        AdminCommand::Device(c) => crate::admin_device::run(&dir, c).await,
        AdminCommand::Backup(_) => Ok(()), // answered above
        AdminCommand::Policy(c) => crate::admin_policy::run(&dir, c).await,
        AdminCommand::Dkim(DkimCommand::Generate { domain, selector }) => {
            let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
            if !dir.is_local_domain(&domain).await? {
                bail!("unknown domain {domain}: add it first");
            }
            let (key, txt) =
                tokio::task::spawn_blocking(relais_smtp::mailauth::generate_key).await?.map_err(anyhow::Error::msg)?;
            let (d, s) = (domain.clone(), selector.clone());
            dir.store().write(move |tx| tx.put_dkim_key(&d, &s, key)).await?;
            println!("DKIM key {selector} made for {domain}; outgoing mail from {domain} is signed from now on.");
            println!("Publish this DNS record:");
            // A TXT character-string holds at most 255 octets (RFC 1035 §3.3): split the value.
            let parts: Vec<String> =
                txt.as_bytes().chunks(250).map(|c| format!("\"{}\"", String::from_utf8_lossy(c))).collect();
            println!("{selector}._domainkey.{domain}. IN TXT ( {} )", parts.join(" "));
            Ok(())
        }
        AdminCommand::Auth(AuthCommand::Check { address, password }) => {
            let password = password_or_prompt(password)?;
            match dir.authenticate(&Credentials { username: address, password, remote: None }).await {
                Ok(_) => {
                    println!("ok");
                    Ok(())
                }
                Err(e) => bail!("{e}"),
            }
        }
    }
}

async fn domain(dir: &Directory, config: &Config, c: DomainCommand) -> Result<()> {
    match c {
        DomainCommand::Add { name } => {
            let d = dir.add_domain(&name).await?;
            println!("added domain {}", d.name);
        }
        DomainCommand::List => {
            for d in dir.domains().await? {
                println!("{}", d.name);
            }
        }
        DomainCommand::Remove { name } => {
            dir.remove_domain(&name).await?;
            println!("removed domain {name}");
        }
        DomainCommand::Dns { name } => crate::admin_dns::run(dir, config, &name).await?,
    }
    Ok(())
}

async fn user(dir: &Directory, c: UserCommand) -> Result<()> {
    match c {
        UserCommand::Add { address, password, name, admin } => {
            let password = password_or_prompt(password)?;
            let role = if admin { Role::Admin } else { Role::User };
            let p = dir.add_principal(PrincipalKind::User, &address, &name, Some(&password), role).await?;
            println!("added user {}", p.address());
        }
        UserCommand::Import { file } => crate::admin_users_csv::run(dir, &file).await?,
        UserCommand::List { domain } => list(dir, PrincipalKind::User, domain.as_deref()).await?,
        UserCommand::Show { address } => {
            let p = dir.principal(&address).await?.with_context(|| format!("{address} not found"))?;
            println!("{}", p.address());
            println!("name: {}", p.display_name);
            println!("kind: {}", p.kind.name());
            println!("role: {}", if p.role == Role::Admin { "admin" } else { "user" });
            let aliases: Vec<String> =
                dir.aliases().await?.into_iter().filter(|(_, t)| *t == p.address()).map(|(a, _)| a).collect();
            println!("aliases: {}", aliases.join(", "));
            let apps: Vec<String> = dir.app_passwords(&p.address()).await?.into_iter().map(|a| a.name).collect();
            println!("app passwords: {}", apps.join(", "));
        }
        UserCommand::Passwd { address, password } => {
            let password = password_or_prompt(password)?;
            dir.set_password(&address, &password).await?;
            println!("password changed for {address}");
        }
        UserCommand::Remove { address } => remove(dir, PrincipalKind::User, &address).await?,
        UserCommand::Vacation(args) => crate::admin_vacation::run(dir, args).await?,
        UserCommand::Quota { address, size } => {
            let quota = parse_size(&size)?;
            dir.set_quota(&address, quota).await?;
            match quota {
                Some(q) => println!("quota of {address}: {q} octets"),
                None => println!("{address} has no quota"),
            }
        }
    }
    Ok(())
}

async fn alias(dir: &Directory, c: AliasCommand) -> Result<()> {
    match c {
        AliasCommand::Add { alias, target } => {
            dir.add_alias(&alias, &target).await?;
            println!("{alias} -> {target}");
        }
        AliasCommand::Remove { alias } => {
            dir.remove_alias(&alias).await?;
            println!("removed alias {alias}");
        }
        AliasCommand::List => {
            for (alias, target) in dir.aliases().await? {
                println!("{alias} -> {target}");
            }
            for d in dir.domains().await? {
                if let Some(id) = d.catchall
                    && let Some(p) = dir.principal_by_id(id).await?
                {
                    println!("*@{} -> {}", d.name, p.address());
                }
            }
        }
        AliasCommand::Catchall { domain, target, clear } => {
            if !clear && target.is_none() {
                bail!("give a TARGET address, or --clear");
            }
            dir.set_catchall(&domain, target.as_deref()).await?;
            match target {
                Some(t) => println!("*@{domain} -> {t}"),
                None => println!("catch-all cleared for {domain}"),
            }
        }
    }
    Ok(())
}

async fn group(dir: &Directory, c: GroupCommand) -> Result<()> {
    match c {
        GroupCommand::Add { address, name } => {
            let p = dir.add_principal(PrincipalKind::Group, &address, &name, None, Role::User).await?;
            println!("added group {}", p.address());
        }
        GroupCommand::Remove { address } => remove(dir, PrincipalKind::Group, &address).await?,
        GroupCommand::List => list(dir, PrincipalKind::Group, None).await?,
        GroupCommand::Member(MemberCommand::Add { group, member }) => {
            dir.add_member(&group, &member).await?;
            println!("{member} added to {group}");
        }
        GroupCommand::Member(MemberCommand::Remove { group, member }) => {
            dir.remove_member(&group, &member).await?;
            println!("{member} removed from {group}");
        }
        GroupCommand::Member(MemberCommand::List { group }) => {
            for m in dir.members(&group).await? {
                println!("{}", m.address());
            }
        }
    }
    Ok(())
}

async fn resource(dir: &Directory, kind: PrincipalKind, c: ResourceCommand) -> Result<()> {
    match c {
        ResourceCommand::Add { address, name } => {
            let p = dir.add_principal(kind, &address, &name, None, Role::User).await?;
            println!("added {} {}", kind.name(), p.address());
        }
        ResourceCommand::List => list(dir, kind, None).await?,
        ResourceCommand::Remove { address } => remove(dir, kind, &address).await?,
        ResourceCommand::Grant { address, user } => {
            dir.grant(&address, &user, relais_directory::Delegation::SEND_AS).await?;
            println!("{user} may send as {address}");
        }
        ResourceCommand::Revoke { address, user } => {
            dir.grant(&address, &user, relais_directory::Delegation::NONE).await?;
            println!("{user} may no longer send as {address}");
        }
        ResourceCommand::Booking { address, policy } => booking(dir, kind, &address, &policy).await?,
    }
    Ok(())
}

/// Sets a room's or equipment's booking policy (issue 10, item 12).
async fn booking(dir: &Directory, kind: PrincipalKind, address: &str, policy: &str) -> Result<()> {
    use relais_groupware::booking::BookingPolicy;
    let Some(policy) = BookingPolicy::parse(policy) else {
        bail!("unknown booking policy {policy:?}: organisation or anyone");
    };
    let p = dir.principal(address).await?.filter(|p| p.kind == kind && kind != PrincipalKind::Shared);
    let Some(p) = p else { bail!("no room or equipment {address}") };
    relais_groupware::Groupware::new(dir.store().clone()).set_booking_policy(p.id, policy).await?;
    println!("{} {} takes bookings from {}", kind.name(), p.address(), policy.name());
    Ok(())
}

async fn app_password(dir: &Directory, c: AppPasswordCommand) -> Result<()> {
    match c {
        AppPasswordCommand::Add { address, name } => {
            let secret = dir.add_app_password(&address, &name).await?;
            println!("app password {name:?} for {address} (shown once):");
            println!("{secret}");
        }
        AppPasswordCommand::List { address } => {
            for a in dir.app_passwords(&address).await? {
                println!("{}  created {}", a.name, a.created);
            }
        }
        AppPasswordCommand::Revoke { address, name } => {
            dir.revoke_app_password(&address, &name).await?;
            println!("revoked app password {name:?} of {address}");
        }
    }
    Ok(())
}

async fn api_token(dir: &Directory, c: ApiTokenCommand) -> Result<()> {
    match c {
        ApiTokenCommand::Add { address, name, days } => {
            let (token, t) = dir.add_api_token(&address, &name, days).await?;
            let until =
                t.expires.map_or("never expires".to_owned(), |e| format!("expires {}", relais_civil::rfc3339_utc(e)));
            println!("API token {:?} ({}) for {address}, {until} (shown once):", t.name, t.id);
            println!("{token}");
        }
        ApiTokenCommand::List { address } => {
            for t in dir.api_tokens(&address).await? {
                let until = t
                    .expires
                    .map_or("never expires".to_owned(), |e| format!("expires {}", relais_civil::rfc3339_utc(e)));
                let used = t
                    .last_used
                    .map_or("never used".to_owned(), |u| format!("last used {}", relais_civil::rfc3339_utc(u)));
                println!("{}  {:?}  created {}, {until}, {used}", t.id, t.name, relais_civil::rfc3339_utc(t.created));
            }
        }
        ApiTokenCommand::Revoke { address, id } => {
            dir.revoke_api_token(&address, &id).await?;
            println!("revoked API token {id} of {address}");
        }
    }
    Ok(())
}

async fn list(dir: &Directory, kind: PrincipalKind, domain: Option<&str>) -> Result<()> {
    for p in dir.principals(Some(kind), domain).await? {
        if p.display_name.is_empty() {
            println!("{}", p.address());
        } else {
            println!("{}  {}", p.address(), p.display_name);
        }
    }
    Ok(())
}

/// Removes a principal after checking it is of the kind the command names.
async fn remove(dir: &Directory, kind: PrincipalKind, address: &str) -> Result<()> {
    match dir.principal(address).await? {
        Some(p) if p.kind == kind && p.address() == address.trim().to_ascii_lowercase() => {
            dir.remove_principal(address).await?;
            println!("removed {} {}", kind.name(), p.address());
            Ok(())
        }
        Some(p) if p.kind != kind => {
            bail!("{address} is a {}, not a {}", p.kind.name(), kind.name())
        }
        _ => bail!("{address} not found"),
    }
}

/// `500M`, `2G`, `1048576` or `none`.
fn parse_size(s: &str) -> Result<Option<u64>> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    let (digits, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = digits.parse().with_context(|| format!("{s:?} is not a size (like 500M or 2G)"))?;
    let factor: u64 = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        "T" | "TB" | "TIB" => 1 << 40,
        _ => bail!("{s:?}: unknown unit (use K, M, G or T)"),
    };
    Ok(Some(n.saturating_mul(factor)))
}

/// The password from the flag, else asked on the terminal without echo, else a line of stdin.
fn password_or_prompt(flag: Option<String>) -> Result<String> {
    if let Some(p) = flag {
        return Ok(p);
    }
    let stdin = std::io::stdin();
    let mut line = String::new();
    if stdin.is_terminal() {
        eprint!("Password: ");
        std::io::stderr().flush()?;
        let _echo = EchoOff::new();
        stdin.lock().read_line(&mut line)?;
        eprintln!();
    } else {
        stdin.lock().read_line(&mut line)?;
    }
    let p = line.trim_end_matches(['\r', '\n']).to_owned();
    if p.is_empty() {
        bail!("no password given (use --password or type one)");
    }
    Ok(p)
}

/// Turns terminal echo off for its lifetime.
struct EchoOff(Option<libc::termios>);

impl EchoOff {
    fn new() -> EchoOff {
        // SAFETY: termios calls on fd 0 with a zeroed struct the kernel fills in.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(0, &mut t) != 0 {
                return EchoOff(None);
            }
            let saved = t;
            t.c_lflag &= !libc::ECHO;
            libc::tcsetattr(0, libc::TCSANOW, &t);
            EchoOff(Some(saved))
        }
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        if let Some(t) = self.0 {
            // SAFETY: restores the attributes read in `new`.
            unsafe { libc::tcsetattr(0, libc::TCSANOW, &t) };
        }
    }
}
