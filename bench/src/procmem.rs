//! A server process's resident memory, read from `/proc/PID/status`, for the benchmarks that
//! give a memory figure per connection (each benchmark binary uses the part it prints).
#![allow(dead_code)]

use anyhow::{Context, Result};

/// Resident memory in KiB: all of it (VmRSS) and its anonymous part (RssAnon: heap, stacks),
/// without pages of mapped files (RssFile, e.g. the store's database read through mmap, which
/// are the kernel's page cache, shared and given back under memory pressure).
#[derive(Clone, Copy)]
pub struct Rss {
    pub all: u64,
    pub anon: u64,
}

pub fn rss_kib(pid: u32) -> Result<Rss> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| -> Result<u64> {
        let line = status.lines().find(|l| l.starts_with(name)).with_context(|| format!("no {name}"))?;
        line.split_whitespace().nth(1).with_context(|| name.to_string())?.parse().context("a number of KiB")
    };
    Ok(Rss { all: field("VmRSS:")?, anon: field("RssAnon:")? })
}

impl Rss {
    /// Growth from `before` per item, in KiB: (all, anonymous).
    pub fn per(self, before: Rss, items: usize) -> (f64, f64) {
        let n = items.max(1) as f64;
        (self.all.saturating_sub(before.all) as f64 / n, self.anon.saturating_sub(before.anon) as f64 / n)
    }
}
