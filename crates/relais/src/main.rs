//! The `relais` binary: `serve` runs the server; `admin` manages the directory, on the same
//! data (it works whether or not a server is running, and a running server sees the change at
//! once because both read the one store).

mod admin;
mod admin_access;
mod admin_device;
mod admin_dns;
mod admin_export;
mod admin_mail;
mod admin_policy;
mod admin_users_csv;
mod admin_vacation;
mod backup;
mod backup_archive;
mod backup_chain;
mod backup_pack;
mod backup_schedule;
mod backup_sink;
mod backup_table;
mod config;
mod connections;
mod csv;
mod http;
mod http_autodiscover;
mod http_body;
mod http_eas;
mod http_jmap;
mod http_jmap_ws;
mod http_longpoll;
mod http_web;
mod migrate;
mod percent;
mod push_out;
mod serve;
mod tls;
mod webpush;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

/// mimalloc instead of glibc's malloc, for Rust and (with its `override` feature) SQLite alike:
/// requests hand buffers between the async workers and the store's blocking threads, and
/// glibc's arena locks made that a point of contention. Measured with `bench/dav` (week REPORT
/// on 12,000 events): 368–474/s with glibc, 576–661/s with mimalloc.
/// The `system-allocator` feature keeps glibc's, for heap profilers that hook malloc (heaptrack).
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "relais", version, about = "Relais groupware server: mail, calendars, contacts, one binary")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
pub struct Common {
    /// Data directory (database, blobs, TLS certificate).
    #[arg(long, global = true, default_value = "relais-data")]
    data: PathBuf,
    /// Configuration file (TOML); every key is optional.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        #[command(flatten)]
        common: Common,
    },
    /// Manage domains, users, aliases, groups, shared mailboxes, rooms and equipment.
    Admin {
        #[command(flatten)]
        common: Common,
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
    /// Write a consistent snapshot of the store (while the server runs) to a new directory.
    Backup {
        #[command(flatten)]
        common: Common,
        /// The backup directory to make (it must not exist), or an archive file `NAME.tar.gz`.
        path: PathBuf,
        /// Make an incremental backup: only the blobs this earlier backup directory (and the
        /// backups it was made from) does not hold, with the full metadata snapshot.
        #[arg(long, value_name = "PREVIOUS")]
        incremental_from: Option<PathBuf>,
    },
    /// Restore a backup into an empty data directory or an empty PostgreSQL database.
    Restore {
        #[command(flatten)]
        common: Common,
        /// The backup directory, or an archive file `NAME.tar.gz`.
        path: PathBuf,
    },
}

/// The store configuration for a data directory and a config.
pub fn store_config(data: &Path, config: &config::Config) -> relais_store::StoreConfig {
    let backend = match (config.store.backend, &config.store.url) {
        (config::Backend::Postgres, Some(url)) => relais_store::Backend::Postgres { url: url.clone() },
        _ => relais_store::Backend::Sqlite { dir: data.to_owned() },
    };
    let mut sc = relais_store::StoreConfig::new(backend);
    sc.change_window = Duration::from_secs(config.store.change_window_days.saturating_mul(24 * 3600));
    sc.max_connections = config.store.max_connections;
    sc.sqlite_memory = relais_store::SqliteMemory {
        cache_kib: config.store.cache_mib.saturating_mul(1024).max(64),
        mmap_mib: config.store.mmap_mib,
    };
    sc.limits = relais_store::CollectionLimits {
        max_collections: config.store.max_collections.max(1),
        max_file_folders: config.store.max_file_folders.max(1),
        max_depth: config.store.max_collection_depth.max(1),
    };
    sc
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(filter))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
}

/// glibc's malloc raises its mmap threshold after a large block is freed, and then keeps later
/// large blocks (Argon2id's 19 MiB) in per-thread arenas for good: hundreds of MiB held for
/// nothing on a busy server. A fixed threshold and few arenas give it back.
///
/// Transparent huge pages are turned off for the process: mimalloc asks for them on its arenas
/// (`MADV_HUGEPAGE`), and then every fresh region a growing buffer lands in costs a 2 MiB page
/// fault that the kernel zeroes — a fifth of APPEND's CPU in `clear_page_erms`. Measured with
/// `imap-load append` (20 clients, 2–200 KiB mix), server CPU per APPEND: 0.73–0.81 ms with
/// huge pages, 0.585–0.59 ms without.
fn tune_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
        libc::mallopt(libc::M_ARENA_MAX, 4);
    }
    #[cfg(target_os = "linux")]
    // SAFETY: prctl(PR_SET_THP_DISABLE) only sets a flag of this process's memory map.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

fn main() -> ExitCode {
    tune_malloc();
    let cli = Cli::parse();
    let (Command::Serve { common }
    | Command::Admin { common, .. }
    | Command::Backup { common, .. }
    | Command::Restore { common, .. }) = &cli.command;
    let config = match config::Config::load(common.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("relais: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("relais: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Command::Serve { common } => {
            init_logging(&config.server.log);
            runtime.block_on(serve::run(common.data, config))
        }
        Command::Admin { common, command } => {
            init_logging("warn");
            runtime.block_on(admin::run(&common.data, &config, command))
        }
        Command::Backup { common, path, incremental_from } => {
            init_logging("warn");
            match (backup_archive::is_archive(&path), &incremental_from) {
                (true, None) => runtime.block_on(backup_archive::backup(&common.data, &config, &path)),
                (true, Some(_)) => {
                    Err(anyhow::anyhow!("an incremental backup is a directory, not an archive: give a directory path"))
                }
                (false, base) => runtime.block_on(backup::backup(&common.data, &config, &path, base.as_deref())),
            }
        }
        Command::Restore { common, path } => {
            init_logging("warn");
            if backup_archive::is_archive(&path) {
                runtime.block_on(backup_archive::restore(&common.data, &config, &path))
            } else {
                runtime.block_on(backup::restore(&common.data, &config, &path))
            }
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("relais: {e:#}");
            ExitCode::FAILURE
        }
    }
}
