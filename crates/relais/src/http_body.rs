//! Reading a request body, once its sender is known (the router authenticates from the headers
//! first). A body is read against a clock — `http.body_idle_secs` without a byte, or
//! `http.body_secs` in all, ends it with 408 — so a half-sent body does not pin anything for
//! long. What a slow sender has sent so far costs disk, not memory: a body past
//! `http.spool_threshold` (or of unknown length past it) goes to an unlinked temporary file
//! as it arrives. A body is held in memory only while its request runs, under one budget of
//! `http.body_memory_budget` bytes for all requests together; a request that finds the budget
//! spent waits up to `http.body_budget_wait_ms`, then gets 503. The same reader serves hyper's
//! bodies and those of the requests the server frames itself (`http_longpoll`): both are a
//! [`Chunks`] source.

use std::io::{Read, Seek};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::BodyExt;
use hyper::body::{Bytes, Incoming};
use tokio::io::AsyncWriteExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, timeout_at};

/// Bounds on reading request bodies (`[http]` in the configuration).
#[derive(Debug, Clone)]
pub struct BodyLimits {
    /// Largest body accepted, octets.
    pub max: usize,
    /// Bodies larger than this are spooled to disk while they arrive.
    pub spool_threshold: usize,
    /// Longest wait for the next part of a body.
    pub idle: Duration,
    /// Longest time to read a whole body.
    pub total: Duration,
    /// Bytes of request bodies held in memory at once, over all requests.
    pub memory_budget: usize,
    /// Longest wait for room in that budget before answering 503.
    pub budget_wait: Duration,
}

/// Why a body was not read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("request body too large")]
    TooLarge,
    #[error("request body not received in time")]
    Timeout,
    #[error("too many request bodies in memory; try again")]
    Busy,
    #[error("request body could not be read: {0}")]
    Client(Box<dyn std::error::Error + Send + Sync>),
    #[error("request body could not be spooled: {0}")]
    Spool(std::io::Error),
}

impl BodyError {
    /// The status and text a request whose body was not read is answered with (503 wants a
    /// `Retry-After`); the cause goes to the log here, a spool failure as the server's.
    pub fn answer(&self) -> (hyper::StatusCode, &'static str) {
        use hyper::StatusCode;
        match self {
            BodyError::Spool(_) => tracing::warn!(error = %self, "http: body not read"),
            _ => tracing::debug!(error = %self, "http: body not read"),
        }
        match self {
            BodyError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "request body too large"),
            BodyError::Timeout => (StatusCode::REQUEST_TIMEOUT, "request body not received in time"),
            BodyError::Busy => (StatusCode::SERVICE_UNAVAILABLE, "busy; try again"),
            BodyError::Client(_) => (StatusCode::BAD_REQUEST, "request body could not be read"),
            BodyError::Spool(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal error; see the server log"),
        }
    }
}

/// A body in memory and its share of the budget, released when the request is done.
pub struct Body {
    pub bytes: Bytes,
    _share: Option<OwnedSemaphorePermit>,
}

/// The reader every HTTP connection shares.
pub struct Bodies {
    limits: BodyLimits,
    /// One permit per KiB of the memory budget.
    budget: Arc<Semaphore>,
    spool_dir: PathBuf,
}

fn kib(bytes: usize) -> u32 {
    u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX)
}

impl Bodies {
    pub fn new(limits: BodyLimits, spool_dir: PathBuf) -> Bodies {
        let budget = Arc::new(Semaphore::new(kib(limits.memory_budget) as usize));
        Bodies { limits, budget, spool_dir }
    }

    /// Room for `bytes` in the memory budget, waiting briefly for it. A body larger than the
    /// whole budget takes all of it.
    async fn share(&self, bytes: usize) -> Result<Option<OwnedSemaphorePermit>, BodyError> {
        if bytes == 0 {
            return Ok(None);
        }
        let want = kib(bytes).min(kib(self.limits.memory_budget)).max(1);
        match tokio::time::timeout(self.limits.budget_wait, self.budget.clone().acquire_many_owned(want)).await {
            Ok(Ok(permit)) => Ok(Some(permit)),
            _ => Err(BodyError::Busy),
        }
    }

    /// Whether a body of `announced` octets is past the size limit (refused unread, before a
    /// `100 Continue` asks the client to send it).
    pub fn too_large(&self, announced: u64) -> bool {
        announced > self.limits.max as u64
    }

    /// Reads `body`, of `announced` length if the client said so, within the limits: in
    /// memory up to the spool threshold, then on disk; in memory again, under the budget,
    /// once it is complete. No budget is held while a body arrives, so slow senders cannot
    /// starve the others of it: what they have sent is on disk, or a threshold's worth each.
    pub async fn read<C: Chunks>(&self, body: C, announced: Option<u64>) -> Result<Body, BodyError> {
        if announced.is_some_and(|n| self.too_large(n)) {
            return Err(BodyError::TooLarge);
        }
        let max = self.limits.max;
        let threshold = self.limits.spool_threshold;
        let mut reader = Frames { body, deadline: Instant::now() + self.limits.total, idle: self.limits.idle };
        let mut head: Vec<u8> = Vec::with_capacity(announced.map_or(0, |n| n.min(threshold as u64) as usize));
        let mut spool: Option<tokio::io::BufWriter<tokio::fs::File>> = None;
        let mut len = 0usize;
        while let Some(data) = reader.next().await? {
            len += data.len();
            if len > max {
                return Err(BodyError::TooLarge);
            }
            match spool.as_mut() {
                Some(file) => file.write_all(&data).await.map_err(BodyError::Spool)?,
                None if len <= threshold => head.extend_from_slice(&data),
                None => {
                    let mut file = tokio::io::BufWriter::with_capacity(64 * 1024, self.spool_file().await?);
                    file.write_all(&head).await.map_err(BodyError::Spool)?;
                    file.write_all(&data).await.map_err(BodyError::Spool)?;
                    head = Vec::new();
                    spool = Some(file);
                }
            }
        }
        let share = self.share(len).await?;
        let bytes = match spool {
            None => head,
            Some(mut file) => {
                file.flush().await.map_err(BodyError::Spool)?;
                let file = file.into_inner().into_std().await;
                tokio::task::spawn_blocking(move || read_back(file, len))
                    .await
                    .map_err(|e| BodyError::Spool(std::io::Error::other(e)))??
            }
        };
        Ok(Body { bytes: Bytes::from(bytes), _share: share })
    }

    /// A temporary file nobody else can open: created private, unlinked at once, so nothing
    /// is left behind by a crash and the space returns when the request ends.
    async fn spool_file(&self) -> Result<tokio::fs::File, BodyError> {
        tokio::fs::create_dir_all(&self.spool_dir).await.map_err(BodyError::Spool)?;
        let name = self.spool_dir.join(format!("body-{}-{}", std::process::id(), unique()));
        let file = tokio::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&name)
            .await
            .map_err(BodyError::Spool)?;
        tokio::fs::remove_file(&name).await.map_err(BodyError::Spool)?;
        Ok(file)
    }
}

fn unique() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

fn read_back(mut file: std::fs::File, len: usize) -> Result<Vec<u8>, BodyError> {
    file.rewind().map_err(BodyError::Spool)?;
    let mut out = Vec::with_capacity(len);
    file.read_to_end(&mut out).map_err(BodyError::Spool)?;
    Ok(out)
}

/// Where a body's octets come from, a part at a time; `None` once it is complete.
pub trait Chunks {
    fn next_chunk(&mut self) -> impl Future<Output = Result<Option<Bytes>, BodyError>> + Send;
}

impl Chunks for Incoming {
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, BodyError> {
        loop {
            let Some(frame) = self.frame().await else { return Ok(None) };
            // Trailers carry nothing a handler reads.
            if let Ok(data) = frame.map_err(|e| BodyError::Client(e.into()))?.into_data() {
                return Ok(Some(data));
            }
        }
    }
}

/// A body's parts, each awaited within the idle time and the overall deadline.
struct Frames<C> {
    body: C,
    deadline: Instant,
    idle: Duration,
}

impl<C: Chunks> Frames<C> {
    async fn next(&mut self) -> Result<Option<Bytes>, BodyError> {
        let by = self.deadline.min(Instant::now() + self.idle);
        timeout_at(by, self.body.next_chunk()).await.map_err(|_| BodyError::Timeout)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_memory_budget_is_shared_and_waited_for() {
        let limits = BodyLimits {
            max: 4 << 20,
            spool_threshold: 64 << 10,
            idle: Duration::from_secs(1),
            total: Duration::from_secs(1),
            memory_budget: 1 << 20,
            budget_wait: Duration::from_millis(100),
        };
        let bodies = Bodies::new(limits, std::env::temp_dir());
        let held = bodies.share(600 << 10).await.expect("room");
        assert!(matches!(bodies.share(600 << 10).await, Err(BodyError::Busy)));
        // A body larger than the whole budget waits for all of it, and gets it.
        drop(held);
        let all = bodies.share(4 << 20).await.expect("the whole budget");
        assert!(matches!(bodies.share(1).await, Err(BodyError::Busy)));
        drop(all);
        assert!(bodies.share(0).await.expect("nothing to hold").is_none());
        assert!(bodies.share(1).await.is_ok());
    }
}
