//! Scheduled backups made by the server itself (`[backup]` in the config):
//!
//! ```toml
//! [backup]
//! schedule = "daily 02:30"   # UTC; or "every 6h" (s, m, h or d); unset: none
//! path = "/var/backups/relais"
//! keep = 7                   # the newest backups kept, with every base they need
//! full_every = 7             # a full backup, then incrementals on the one before, 7 in a chain
//! ```
//!
//! Layout of `path`: one backup directory per run, named by its start time
//! (`relais-20261205T023000Z`, see `backup`), and `backup-status.jsonl`, one line per run
//! (time, kind, size, duration, outcome, error; the last `STATUS_LINES` kept) that
//! `relais admin backup status` prints. One task runs them, one at a time; a backup is a read
//! transaction, so writers go on meanwhile. After each run the backups beyond `keep` are
//! removed, except a base that a kept incremental backup needs, and so are the `.partial`
//! directories an interrupted run left.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use relais_store::Store;
use serde::{Deserialize, Deserializer, Serialize};

use crate::backup_chain;
use crate::serve::Shutdown;

const STATUS_FILE: &str = "backup-status.jsonl";
const STATUS_LINES: usize = 100;
const PREFIX: &str = "relais-";

/// `[backup]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    #[serde(deserialize_with = "schedule")]
    pub schedule: Option<Schedule>,
    pub path: Option<PathBuf>,
    pub keep: usize,
    pub full_every: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { schedule: None, path: None, keep: 7, full_every: 7 }
    }
}

impl Settings {
    pub fn validate(&self) -> Result<(), String> {
        if self.schedule.is_some() && self.path.is_none() {
            return Err("config key `backup.path`: required when backup.schedule is set".into());
        }
        if self.keep == 0 {
            return Err("config key `backup.keep`: at least 1".into());
        }
        if self.full_every == 0 {
            return Err("config key `backup.full_every`: at least 1".into());
        }
        Ok(())
    }
}

/// When backups run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    /// Every so long after the last run: at start, the last successful one that
    /// `backup-status.jsonl` records (none: that long after start). Counting from each start
    /// instead would never back up a server restarted more often than that.
    Every(Duration),
    /// Each day at this second of the day, UTC.
    Daily(u32),
}

impl Schedule {
    pub fn parse(s: &str) -> Option<Schedule> {
        let s = s.trim();
        if let Some(rest) = s.strip_prefix("every ") {
            let rest = rest.trim();
            let unit = rest.chars().last()?;
            let n: u64 = rest[..rest.len() - unit.len_utf8()].trim().parse().ok().filter(|n| *n > 0)?;
            let secs = match unit {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86400,
                _ => return None,
            };
            return Some(Schedule::Every(Duration::from_secs(n.checked_mul(secs)?)));
        }
        let (h, m) = s.strip_prefix("daily ")?.trim().split_once(':')?;
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (h < 24 && m < 60).then_some(Schedule::Daily(h * 3600 + m * 60))
    }

    /// How long from `now` (Unix seconds) to the next run, the last having started at `last`.
    /// A last run in the future (the clock was set back) counts as just now.
    fn wait(self, now: i64, last: Option<i64>) -> Duration {
        match self {
            Schedule::Every(d) => {
                let Some(last) = last else { return d };
                let since = u64::try_from(now.saturating_sub(last)).unwrap_or(0);
                d.saturating_sub(Duration::from_secs(since))
            }
            Schedule::Daily(at) => {
                let today = now.rem_euclid(86400);
                let ahead = (i64::from(at) - today).rem_euclid(86400);
                Duration::from_secs(if ahead == 0 { 86400 } else { ahead as u64 })
            }
        }
    }
}

fn schedule<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Schedule>, D::Error> {
    let Some(s) = Option::<String>::deserialize(d)? else { return Ok(None) };
    Schedule::parse(&s).map(Some).ok_or_else(|| {
        serde::de::Error::custom(format!("{s:?}: expected \"daily HH:MM\" (UTC) or \"every N\" with s, m, h or d"))
    })
}

/// One run, as `backup-status.jsonl` keeps it.
#[derive(Serialize, Deserialize, Debug)]
pub struct Run {
    /// Start, Unix seconds.
    pub started: i64,
    pub kind: String,
    pub name: String,
    /// Octets on disk.
    pub bytes: u64,
    pub millis: u64,
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The task: one backup at each due time until shutdown.
pub async fn run(store: Store, backend: &'static str, settings: &Settings, mut shutdown: Shutdown) {
    let (Some(schedule), Some(dir)) = (settings.schedule, settings.path.clone()) else { return };
    tracing::info!(path = %dir.display(), ?schedule, keep = settings.keep, "scheduled backups");
    // After a run, failed or not, the next is a whole period later; a failure is not retried
    // at once, over and over.
    let mut last = {
        let dir = dir.clone();
        tokio::task::spawn_blocking(move || last_success(&dir)).await.ok().flatten()
    };
    loop {
        let wait = schedule.wait(relais_store::now(), last);
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = shutdown.wait() => return,
        }
        let run = tokio::select! {
            run = once(&store, backend, &dir, settings.full_every) => run,
            // The backup under way stays `.partial`: never taken for a complete one.
            () = shutdown.wait() => return,
        };
        last = Some(run.started);
        match &run.error {
            None => {
                tracing::info!(name = %run.name, kind = %run.kind, bytes = run.bytes, millis = run.millis, "backup done")
            }
            Some(e) => tracing::warn!(name = %run.name, kind = %run.kind, error = %e, "backup failed"),
        }
        let (dir2, keep) = (dir.clone(), settings.keep);
        let kept = tokio::task::spawn_blocking(move || record(&dir2, &run).and_then(|()| prune(&dir2, keep))).await;
        match kept {
            Ok(Ok(removed)) if !removed.is_empty() => tracing::info!(?removed, "old backups removed"),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %format!("{e:#}"), "backup bookkeeping failed"),
            Err(e) => tracing::warn!(error = %e, "backup bookkeeping failed"),
        }
    }
}

/// One backup into `dir`: incremental on the newest complete one while its chain is shorter
/// than `full_every`, else full.
pub async fn once(store: &Store, backend: &str, dir: &Path, full_every: usize) -> Run {
    let started = relais_store::now();
    let clock = Instant::now();
    let name = name_for(dir, started);
    let path = dir.join(&name);
    let base = fs::create_dir_all(dir)
        .ok()
        .and_then(|()| newest(dir))
        .filter(|b| backup_chain::chain(b).map(|links| links.len() < full_every).unwrap_or(false));
    let kind = if base.is_some() { "incremental" } else { "full" };
    let result = crate::backup::write(store, backend, &path, base.as_deref()).await;
    let millis = u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
    match result {
        Ok(_) => Run { started, kind: kind.into(), name, bytes: size_of(&path), millis, ok: true, error: None },
        Err(e) => Run { started, kind: kind.into(), name, bytes: 0, millis, ok: false, error: Some(format!("{e:#}")) },
    }
}

/// `relais-YYYYMMDDTHHMMSSZ`, with `-2`, `-3`… when a run in the same second made one.
fn name_for(dir: &Path, t: i64) -> String {
    let d = relais_civil::DateTime::from_unix(t);
    let stem = format!("{PREFIX}{:04}{:02}{:02}T{:02}{:02}{:02}Z", d.year, d.month, d.day, d.hour, d.minute, d.second);
    let mut name = stem.clone();
    let mut n = 1;
    while dir.join(&name).exists() {
        n += 1;
        name = format!("{stem}-{n}");
    }
    name
}

/// The complete backups in `dir`, oldest first (names sort by time).
fn complete(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> =
        fs::read_dir(dir).map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    out.retain(|p| is_ours(p) && !p.to_string_lossy().ends_with(".partial") && p.join("manifest.json").is_file());
    out.sort_by_key(|p| sort_key(p));
    out
}

/// Names sort by time; `-N` suffixes after the plain name of the same second.
fn sort_key(p: &Path) -> (String, u32) {
    let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    match name.split_once("Z-") {
        Some((stem, n)) => (format!("{stem}Z"), n.parse().unwrap_or(0)),
        None => (name, 1),
    }
}

fn is_ours(p: &Path) -> bool {
    p.is_dir() && p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(PREFIX))
}

fn newest(dir: &Path) -> Option<PathBuf> {
    complete(dir).pop()
}

/// Removes what is beyond the newest `keep` backups and the bases they need, and stale
/// `.partial` directories. Returns the names removed.
pub fn prune(dir: &Path, keep: usize) -> Result<Vec<String>> {
    let all = complete(dir);
    let mut needed = std::collections::HashSet::new();
    for kept in all.iter().rev().take(keep) {
        // A kept backup whose chain cannot be read keeps everything older: nothing is guessed away.
        let links = backup_chain::chain(kept).with_context(|| format!("{}: its chain", kept.display()))?;
        for link in links {
            needed.insert(fs::canonicalize(&link.dir)?);
        }
    }
    let mut removed = Vec::new();
    for backup in &all {
        if !needed.contains(&fs::canonicalize(backup)?) {
            fs::remove_dir_all(backup).with_context(|| format!("cannot remove {}", backup.display()))?;
            removed.push(file_name(backup));
        }
    }
    for entry in fs::read_dir(dir)? {
        let p = entry?.path();
        if is_ours(&p) && p.to_string_lossy().ends_with(".partial") {
            fs::remove_dir_all(&p).with_context(|| format!("cannot remove {}", p.display()))?;
            removed.push(file_name(&p));
        }
    }
    Ok(removed)
}

fn file_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Octets of the files under `p`.
fn size_of(p: &Path) -> u64 {
    let mut total = 0;
    let mut todo = vec![p.to_owned()];
    while let Some(dir) = todo.pop() {
        for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
            match entry.metadata() {
                Ok(m) if m.is_dir() => todo.push(entry.path()),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}

/// Appends `run` to the status file, keeping the last `STATUS_LINES` (written aside, renamed).
fn record(dir: &Path, run: &Run) -> Result<()> {
    let file = dir.join(STATUS_FILE);
    let mut lines: Vec<String> = fs::read_to_string(&file).unwrap_or_default().lines().map(str::to_owned).collect();
    lines.push(serde_json::to_string(run)?);
    let from = lines.len().saturating_sub(STATUS_LINES);
    let tmp = dir.join(format!("{STATUS_FILE}.tmp"));
    fs::write(&tmp, lines[from..].join("\n") + "\n").with_context(|| format!("cannot write {}", tmp.display()))?;
    fs::rename(&tmp, &file).with_context(|| format!("cannot write {}", file.display()))?;
    Ok(())
}

/// The runs recorded in `dir`, oldest first.
pub fn runs(dir: &Path) -> Result<Vec<Run>> {
    let file = dir.join(STATUS_FILE);
    if !file.exists() {
        bail!("{}: no scheduled backup has run yet", dir.display());
    }
    let text = fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
    Ok(text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect())
}

/// When the last successful run recorded in `dir` started, if any.
fn last_success(dir: &Path) -> Option<i64> {
    runs(dir).ok()?.iter().filter(|r| r.ok).map(|r| r.started).max()
}

/// `relais admin backup status`: the last runs, newest last.
pub fn print_status(dir: &Path, last: usize) -> Result<()> {
    let runs = runs(dir)?;
    println!("{:<20} {:<11} {:>12} {:>9}  {:<7} backup", "started (UTC)", "kind", "size", "duration", "outcome");
    for r in &runs[runs.len().saturating_sub(last)..] {
        let d = relais_civil::DateTime::from_unix(r.started);
        let when = format!("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", d.year, d.month, d.day, d.hour, d.minute, d.second);
        let outcome = if r.ok { "ok".to_owned() } else { "FAILED".to_owned() };
        let secs = r.millis as f64 / 1000.0;
        println!("{when:<20} {:<11} {:>12} {:>8.1}s  {outcome:<7} {}", r.kind, r.bytes, secs, r.name);
        if let Some(e) = &r.error {
            println!("    error: {e}");
        }
    }
    let kept = complete(dir);
    println!("{} backups in {}", kept.len(), dir.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules() {
        let table: &[(&str, Option<Schedule>)] = &[
            ("every 30s", Some(Schedule::Every(Duration::from_secs(30)))),
            ("every 6h", Some(Schedule::Every(Duration::from_secs(6 * 3600)))),
            (" every 2 d ", Some(Schedule::Every(Duration::from_secs(2 * 86400)))),
            ("daily 02:30", Some(Schedule::Daily(2 * 3600 + 30 * 60))),
            ("daily 24:00", None),
            ("daily 2", None),
            ("every 0s", None),
            ("every 5w", None),
            ("every h", None),
            ("hourly", None),
        ];
        for (text, expected) in table {
            assert_eq!(Schedule::parse(text), *expected, "{text}");
        }
        let at = Schedule::Daily(3600);
        assert_eq!(at.wait(0, None), Duration::from_secs(3600));
        assert_eq!(at.wait(3600, None), Duration::from_secs(86400), "just ran: tomorrow");
        assert_eq!(at.wait(7200, Some(0)), Duration::from_secs(86400 - 3600), "a time of day, whatever ran");
    }

    #[test]
    fn every_counts_from_the_last_run() {
        let every = Schedule::Every(Duration::from_secs(3600));
        let now = 1_000_000;
        let table: &[(Option<i64>, u64)] = &[
            (None, 3600),               // nothing ran yet: a whole period after start
            (Some(now - 600), 3000),    // ran ten minutes ago (a restart since): in fifty
            (Some(now - 3600), 0),      // due now
            (Some(now - 7 * 86400), 0), // long overdue: now, once
            (Some(now + 600), 3600),    // the clock went back: a whole period
        ];
        for (last, secs) in table {
            assert_eq!(every.wait(now, *last), Duration::from_secs(*secs), "{last:?}");
        }
    }

    #[test]
    fn the_last_success_comes_from_the_status_file() {
        let dir = std::env::temp_dir().join(format!("relais-schedule-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        assert_eq!(last_success(&dir), None, "no status file");
        let run = |started, ok| Run {
            started,
            kind: "full".into(),
            name: format!("{PREFIX}{started}"),
            bytes: 1,
            millis: 1,
            ok,
            error: (!ok).then(|| "disk full".into()),
        };
        record(&dir, &run(100, true)).unwrap();
        record(&dir, &run(200, true)).unwrap();
        record(&dir, &run(300, false)).unwrap();
        assert_eq!(last_success(&dir), Some(200), "the failed run does not count");
        // A server started at 250 with "every 100s" runs at 300, not at 350.
        assert_eq!(Schedule::Every(Duration::from_secs(100)).wait(250, last_success(&dir)), Duration::from_secs(50));
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn names_sort_by_time() {
        let mut v = [
            PathBuf::from("relais-20261205T120001Z"),
            PathBuf::from("relais-20261205T120000Z-2"),
            PathBuf::from("relais-20261205T120000Z"),
            PathBuf::from("relais-20261205T120000Z-10"),
        ];
        v.sort_by_key(|p| sort_key(p));
        let names: Vec<_> = v.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        assert_eq!(
            names,
            [
                "relais-20261205T120000Z",
                "relais-20261205T120000Z-2",
                "relais-20261205T120000Z-10",
                "relais-20261205T120001Z"
            ]
        );
    }
}
