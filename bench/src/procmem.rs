//! A server process's resident memory, read from `/proc/PID/smaps_rollup` and `/proc/PID/status`,
//! for the benchmarks that give a memory figure per connection (each benchmark binary uses the
//! part it prints).
#![allow(dead_code)]

use anyhow::{Context, Result};

/// Resident memory in KiB: all of it and its anonymous part (RssAnon: heap, stacks).
///
/// `all` is the proportional set size (PSS), not VmRSS: every store connection maps the
/// SQLite file on its own (`mmap_size`), and VmRSS counts a page of it once per mapping that
/// touched it — with 16 connections, a 17 MiB store read once showed as 270 MiB, growing as
/// clients made the connections read their accounts. PSS counts each page once. VmRSS where
/// smaps_rollup cannot be read.
#[derive(Clone, Copy)]
pub struct Rss {
    pub all: u64,
    pub anon: u64,
}

pub fn rss_kib(pid: u32) -> Result<Rss> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    let field = |text: &str, name: &str| -> Option<u64> {
        text.lines().find(|l| l.starts_with(name))?.split_whitespace().nth(1)?.parse().ok()
    };
    let all = field(&rollup, "Pss:").or_else(|| field(&status, "VmRSS:")).context("no Pss or VmRSS")?;
    Ok(Rss { all, anon: field(&status, "RssAnon:").context("no RssAnon")? })
}

impl Rss {
    /// Growth from `before` per item, in KiB: (all, anonymous).
    pub fn per(self, before: Rss, items: usize) -> (f64, f64) {
        let n = items.max(1) as f64;
        (self.all.saturating_sub(before.all) as f64 / n, self.anon.saturating_sub(before.anon) as f64 / n)
    }
}
