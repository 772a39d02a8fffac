//! `relais admin migrate …`: an organisation's data brought in from the server it leaves.
//!
//! - `imap`: one account's mail (`imap`, over the client in `imap_client`), or many from a CSV
//!   file with a concurrency limit and a report line per account.
//! - `dav`: one account's calendars, task lists and address books (`dav`, over `http_client`).
//!
//! Everything goes in through the domain (`Mailer::append_then`, `Groupware::put`), never by
//! raw store writes; runs are resumable and incremental (see `imap` and `dav`).

mod csv;
pub mod dav;
pub mod http_client;
pub mod imap;
pub mod imap_client;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use relais_directory::Directory;
use relais_mail::Mailer;

use imap::{FolderReport, Source};
use imap_client::Security;

#[derive(Subcommand)]
pub enum MigrateCommand {
    /// Mail from another IMAP server: every folder, flags, keywords and internal dates.
    /// Run it again to resume an interrupted migration or to fetch what arrived since.
    Imap(ImapArgs),
    /// Calendars, task lists and address books from a CalDAV/CardDAV server. Run it again to
    /// fetch what is new and what changed at the source; what is here already is skipped.
    Dav(DavArgs),
}

#[derive(Args)]
pub struct DavArgs {
    /// The source: its root, a principal, a calendar or address-book home, or one collection
    /// (`https://dav.example/`, `https://dav.example/calendars/alice/`).
    #[arg(long)]
    url: String,
    /// The login at the source server.
    #[arg(long)]
    user: String,
    /// Its password (or the environment variable, which other users cannot see).
    #[arg(long, env = "RELAIS_MIGRATE_PASSWORD", hide_env_values = true)]
    password: String,
    /// PEM trust anchors for the source's certificate (a private CA); else the system's.
    #[arg(long)]
    ca_file: Option<PathBuf>,
    /// The Relais account to fill.
    account: String,
}

#[derive(Args)]
pub struct ImapArgs {
    /// The source server (a CSV file's `host` column overrides it).
    #[arg(long)]
    host: Option<String>,
    /// Its port (default 993 with --tls, else 143).
    #[arg(long)]
    port: Option<u16>,
    /// Implicit TLS (the default).
    #[arg(long, conflicts_with_all = ["starttls", "plain"])]
    tls: bool,
    /// STARTTLS on the plain port.
    #[arg(long, conflicts_with = "plain")]
    starttls: bool,
    /// No TLS: the password crosses the network in clear; for a trusted network only.
    #[arg(long)]
    plain: bool,
    /// PEM trust anchors for the source's certificate (a private CA); else the system's.
    #[arg(long)]
    ca_file: Option<PathBuf>,
    /// The login at the source server.
    #[arg(long)]
    user: Option<String>,
    /// Its password (or the environment variable, which other users cannot see).
    #[arg(long, env = "RELAIS_MIGRATE_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// Many accounts: a CSV file with a header line naming its columns: account, user,
    /// password, and optionally host, port, security (tls, starttls, plain).
    #[arg(long, conflicts_with = "account")]
    csv: Option<PathBuf>,
    /// Accounts migrated at once from a CSV file.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// The Relais account to fill (a user's or shared mailbox's address).
    #[arg(required_unless_present = "csv")]
    account: Option<String>,
}

impl ImapArgs {
    fn security(&self) -> Option<Security> {
        match (self.tls, self.starttls, self.plain) {
            (_, true, _) => Some(Security::Starttls),
            (_, _, true) => Some(Security::Plain),
            (true, _, _) => Some(Security::Tls),
            _ => None,
        }
    }
}

/// One account to migrate.
#[derive(Debug, Clone)]
pub struct Job {
    pub account: String,
    pub source: Source,
}

pub async fn run(dir: &Directory, command: MigrateCommand) -> Result<()> {
    match command {
        MigrateCommand::Imap(args) => imap_command(dir, args).await,
        MigrateCommand::Dav(args) => dav_command(dir, args).await,
    }
}

async fn dav_command(dir: &Directory, args: DavArgs) -> Result<()> {
    let tls = relais_smtp::queue::client::verifying_config(args.ca_file.as_deref())?;
    let account = dir.principal(&args.account).await?.with_context(|| format!("{} not found", args.account))?.id;
    let groupware = relais_groupware::Groupware::new(dir.store().clone());
    let source = dav::DavSource { url: args.url, user: args.user, password: args.password };
    let reports = dav::migrate(&groupware, account, &source, tls, &mut |r: &dav::CollectionReport| {
        println!(
            "{:?} {} -> {}: {} new, {} changed at the source, {} already here, {} changed here and kept ({} read by GET)",
            r.kind,
            r.source,
            r.target,
            r.added,
            r.updated,
            r.skipped,
            r.kept_here.len(),
            r.by_get
        );
        for name in &r.kept_here {
            println!("  kept as it is here (changed here since the last run): {name}");
        }
        for why in &r.failed {
            println!("  not migrated: {why}");
        }
    })
    .await?;
    let added: usize = reports.iter().map(|r| r.added).sum();
    let skipped: usize = reports.iter().map(|r| r.skipped).sum();
    let updated: usize = reports.iter().map(|r| r.updated).sum();
    let kept: usize = reports.iter().map(|r| r.kept_here.len()).sum();
    let failed: usize = reports.iter().map(|r| r.failed.len()).sum();
    let by_get: usize = reports.iter().map(|r| r.by_get).sum();
    let by_multiget: usize = reports.iter().map(|r| r.by_multiget).sum();
    println!(
        "{}: {}, {added} objects migrated in {} collections ({skipped} already here, {failed} refused); {updated} changed at the source; {kept} changed here and kept; {by_multiget} read by multiget, {by_get} by GET",
        args.account,
        if failed == 0 { "ok" } else { "partly" },
        reports.len()
    );
    if failed > 0 {
        bail!("{failed} objects were not migrated (listed above)");
    }
    Ok(())
}

async fn imap_command(dir: &Directory, args: ImapArgs) -> Result<()> {
    let tls = relais_smtp::queue::client::verifying_config(args.ca_file.as_deref())?;
    let mailer = Mailer::new(dir.store().clone(), dir.clone(), "localhost", std::time::Duration::ZERO);
    if let Some(file) = &args.csv {
        let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
        let jobs = csv::jobs(&text, &args).with_context(|| format!("{}", file.display()))?;
        return bulk(dir, &mailer, tls, jobs, args.concurrency.max(1)).await;
    }
    let security = args.security().unwrap_or(Security::Tls);
    let source = Source {
        host: args.host.clone().context("--host is needed")?,
        port: args.port.unwrap_or(security.default_port()),
        security,
        user: args.user.clone().context("--user is needed")?,
        password: args.password.clone().context("--password (or RELAIS_MIGRATE_PASSWORD) is needed")?,
    };
    let job = Job { account: args.account.clone().unwrap_or_default(), source };
    let reports = one(dir, &mailer, tls, &job, &mut |r: &FolderReport| {
        println!(
            "{} -> {}: {} new, {} already here, {} with changed flags",
            r.folder, r.target, r.added, r.skipped, r.updated
        );
    })
    .await?;
    println!("{}", summary(&job.account, &reports));
    Ok(())
}

async fn one(
    dir: &Directory,
    mailer: &Mailer,
    tls: Arc<rustls::ClientConfig>,
    job: &Job,
    each: &mut (dyn FnMut(&FolderReport) + Send),
) -> Result<Vec<FolderReport>> {
    let account = dir.principal(&job.account).await?.with_context(|| format!("{} not found", job.account))?.id;
    imap::migrate(mailer, account, &job.source, tls, each).await
}

fn summary(account: &str, reports: &[FolderReport]) -> String {
    let added: usize = reports.iter().map(|r| r.added).sum();
    let skipped: usize = reports.iter().map(|r| r.skipped).sum();
    let updated: usize = reports.iter().map(|r| r.updated).sum();
    format!(
        "{account}: ok, {added} messages migrated in {} folders ({skipped} already here); {updated} with changed flags",
        reports.len()
    )
}

/// Every job, `concurrency` at a time; a line per account as each ends; fails if any did.
async fn bulk(
    dir: &Directory,
    mailer: &Mailer,
    tls: Arc<rustls::ClientConfig>,
    jobs: Vec<Job>,
    concurrency: usize,
) -> Result<()> {
    let gate = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut running = tokio::task::JoinSet::new();
    let total = jobs.len();
    for job in jobs {
        let (dir, mailer, tls, gate) = (dir.clone(), mailer.clone(), tls.clone(), gate.clone());
        running.spawn(async move {
            let _permit = gate.acquire_owned().await;
            let result = one(&dir, &mailer, tls, &job, &mut |_| {}).await;
            (job.account, result)
        });
    }
    let mut failed = 0;
    while let Some(done) = running.join_next().await {
        match done {
            Ok((account, Ok(reports))) => println!("{}", summary(&account, &reports)),
            Ok((account, Err(e))) => {
                failed += 1;
                println!("{account}: FAILED: {e:#}");
            }
            Err(e) => {
                failed += 1;
                println!("a migration task failed: {e}");
            }
        }
    }
    println!("{} of {total} accounts migrated", total - failed);
    if failed > 0 {
        bail!("{failed} of {total} accounts failed; run the same command again to resume them");
    }
    Ok(())
}
