//! Message content on its way in (DATA or BDAT), kept off the heap: up to `spool_threshold`
//! octets in memory, the rest in an unlinked temporary file under the spool directory, which
//! the kernel removes however the process ends. Content in memory is charged to one budget
//! shared by every connection (`body_memory_budget`): when it is spent, new content goes to
//! disk at once, and a finished message waits for its share before it is read back for
//! delivery. So a hundred half-sent 30 MB messages cost a hundred small buffers, not 3 GB, and
//! what is in memory for delivery at once is bounded too.
//!
//! The budget counts the content as received; delivery makes a few copies of a message as it
//! adds trace fields and writes the blob, so the memory it stands for is a small multiple.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Where and how content is kept; one per server.
#[derive(Debug)]

pub struct SpoolConfig {
    pub dir: PathBuf,
    pub threshold: usize,
    budget: Arc<Semaphore>,
    /// The budget in KiB (the semaphore's permits are KiB).
    budget_kib: u32,
    /// How long a finished message waits for its share of the budget before delivery.
    pub budget_wait: std::time::Duration,
}

impl SpoolConfig {
    pub fn new(dir: PathBuf, threshold: usize, budget: usize) -> SpoolConfig {
        let budget_kib = u32::try_from(kib(budget).max(1)).unwrap_or(u32::MAX);
        let permits = usize::try_from(budget_kib).unwrap_or(usize::MAX).min(Semaphore::MAX_PERMITS);
        let budget_wait = std::time::Duration::from_secs(30);
        SpoolConfig { dir, threshold, budget: Arc::new(Semaphore::new(permits)), budget_kib, budget_wait }
    }

    /// KiB of the budget not in use (for tests and metrics).
    pub fn available_kib(&self) -> usize {
        self.budget.available_permits()
    }
}

/// The write buffer of a spool file.
const FILE_BUFFER: usize = 64 * 1024;

fn kib(bytes: usize) -> usize {
    bytes.div_ceil(1024)
}

/// Content being received.
pub struct Spool {
    config: Arc<SpoolConfig>,
    memory: Vec<u8>,
    /// The budget held for `memory`.
    held: Option<OwnedSemaphorePermit>,
    file: Option<tokio::fs::File>,
    len: usize,
    /// The first write error: the content is lost and the message gets a 451.
    failed: Option<std::io::Error>,
}

impl std::fmt::Debug for Spool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spool").field("len", &self.len).field("on_disk", &self.file.is_some()).finish()
    }
}

/// A complete message in memory, with its share of the budget (given back when dropped).
pub struct Body {
    pub bytes: Vec<u8>,
    _held: Option<OwnedSemaphorePermit>,
}

impl Spool {
    pub fn new(config: Arc<SpoolConfig>) -> Spool {
        Spool { config, memory: Vec::new(), held: None, file: None, len: 0, failed: None }
    }

    /// Octets received so far.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends content. An I/O error is kept for [`Spool::into_body`]; later writes are dropped.
    pub async fn write(&mut self, bytes: &[u8]) {
        if self.failed.is_some() || bytes.is_empty() {
            return;
        }
        self.len += bytes.len();
        if self.file.is_none() {
            let wanted = self.memory.len() + bytes.len();
            if wanted <= self.config.threshold && self.reserve(wanted) {
                self.memory.extend_from_slice(bytes);
                return;
            }
            if let Err(e) = self.spill().await {
                self.failed = Some(e);
                return;
            }
        }
        if let Some(file) = self.file.as_mut()
            && let Err(e) = file.write_all(bytes).await
        {
            self.failed = Some(e);
        }
    }

    /// Takes budget for `bytes` of memory in all; false if the budget is spent.
    fn reserve(&mut self, bytes: usize) -> bool {
        let held = self.held.as_ref().map_or(0, |p| p.num_permits());
        let need = kib(bytes);
        if need <= held {
            return true;
        }
        let Ok(more) = u32::try_from(need - held) else { return false };
        match self.config.budget.clone().try_acquire_many_owned(more) {
            Ok(p) => {
                match self.held.as_mut() {
                    Some(h) => h.merge(p),
                    None => self.held = Some(p),
                }
                true
            }
            Err(_) => false,
        }
    }

    /// Moves the content to a new unlinked file and gives the memory (and its budget) back.
    async fn spill(&mut self) -> std::io::Result<()> {
        tokio::fs::create_dir_all(&self.config.dir).await?;
        let name = format!("smtp-{}.tmp", relais_mail::headers::new_queue_id());
        let path = self.config.dir.join(name);
        let mut file = tokio::fs::OpenOptions::new().read(true).write(true).create_new(true).open(&path).await?;
        // Unlinked at once: nothing to clean up after a crash; the open handle keeps the data.
        tokio::fs::remove_file(&path).await?;
        // tokio keeps a buffer per file as large as the largest write (2 MiB by default): a
        // small one keeps an idle spooled connection small.
        file.set_max_buf_size(FILE_BUFFER);
        file.write_all(&self.memory).await?;
        self.memory = Vec::new();
        self.held = None;
        self.file = Some(file);
        Ok(())
    }

    /// The whole content in memory for delivery; waits for its share of the budget first (a
    /// message larger than the whole budget takes all of it).
    pub async fn into_body(mut self) -> std::io::Result<Body> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let Some(mut file) = self.file.take() else {
            return Ok(Body { bytes: std::mem::take(&mut self.memory), _held: self.held.take() });
        };
        let need = u32::try_from(kib(self.len)).unwrap_or(u32::MAX).min(self.config.budget_kib);
        // Bounded: messages held half-received by slow or hostile clients may keep the budget
        // spent; a finished message then gets a temporary failure (451, the client retries)
        // instead of waiting for ever.
        let wait = self.config.budget.clone().acquire_many_owned(need);
        let held = match tokio::time::timeout(self.config.budget_wait, wait).await {
            Ok(permit) => permit.ok(),
            Err(_) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the message memory budget stayed spent",
                ));
            }
        };
        file.flush().await?;
        file.seek(std::io::SeekFrom::Start(0)).await?;
        let mut bytes = Vec::with_capacity(self.len);
        file.read_to_end(&mut bytes).await?;
        Ok(Body { bytes, _held: held })
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Body {
        Body { bytes, _held: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(threshold: usize, budget: usize) -> Arc<SpoolConfig> {
        let dir = std::env::temp_dir().join(format!("relais-spool-test-{}", std::process::id()));
        Arc::new(SpoolConfig::new(dir, threshold, budget))
    }

    #[tokio::test]
    async fn small_in_memory_large_on_disk_and_the_budget_comes_back() {
        let c = config(4096, 8192);
        let mut small = Spool::new(c.clone());
        small.write(b"hello ").await;
        small.write(b"world").await;
        assert!(small.file.is_none());
        assert_eq!(c.available_kib(), 7);

        let mut large = Spool::new(c.clone());
        for _ in 0..10 {
            large.write(&[b'x'; 1000]).await;
        }
        assert!(large.file.is_some(), "past the threshold: on disk");
        assert_eq!(c.available_kib(), 7, "on disk costs no budget");
        let small = small.into_body().await.unwrap();
        assert_eq!(small.bytes, b"hello world");
        drop(small);
        assert_eq!(c.available_kib(), 8);
        let body = large.into_body().await.unwrap();
        assert_eq!(body.bytes, vec![b'x'; 10_000]);
        assert_eq!(c.available_kib(), 0, "read back: charged (capped at the whole budget)");
        drop(body);
        assert_eq!(c.available_kib(), 8);
    }

    #[tokio::test]
    async fn a_spent_budget_sends_content_to_disk() {
        let c = config(1 << 20, 2048);
        let mut a = Spool::new(c.clone());
        a.write(&[b'a'; 2048]).await;
        assert!(a.file.is_none());
        let mut b = Spool::new(c.clone());
        b.write(b"b").await;
        assert!(b.file.is_some(), "no budget left: straight to disk");
        assert_eq!(a.into_body().await.unwrap().bytes, vec![b'a'; 2048]);
        // `a`'s body was dropped: its budget is back for `b`'s read.
        assert_eq!(b.into_body().await.unwrap().bytes, b"b");
    }

    /// A budget kept spent (by clients that never finish their messages) makes a finished
    /// message fail for now (the client gets 451) instead of waiting for ever.
    #[tokio::test]
    async fn a_budget_kept_spent_fails_a_finished_message_in_time() {
        let dir = std::env::temp_dir().join(format!("relais-spool-test-{}", std::process::id()));
        let mut config = SpoolConfig::new(dir, 1 << 20, 2048);
        config.budget_wait = std::time::Duration::from_millis(100);
        let c = Arc::new(config);
        let mut stalled = Spool::new(c.clone());
        stalled.write(&[b'a'; 2048]).await; // holds the whole budget, never finished
        let mut done = Spool::new(c.clone());
        done.write(b"b").await;
        let started = std::time::Instant::now();
        let err = done.into_body().await.err().expect("the budget never came back");
        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        drop(stalled);
    }
}
