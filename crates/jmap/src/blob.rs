//! Uploads and downloads (RFC 8620 §6) on the store's content-addressed blobs.
//!
//! - `POST /jmap/upload/{accountId}/`: the body written durably (`Store::put_blob_now`), its
//!   blob id the SHA-256 of the content. Only the account's owner (or a full-access delegate)
//!   uploads into an account. Which account uploaded which blob is remembered in memory for
//!   `UPLOAD_TTL` (so an upload is only usable by the account it was made in); the store
//!   collects a blob nothing references after its grace.
//! - `GET /jmap/download/{accountId}/{blobId}/{name}?type=`: a blob the actor may read in that
//!   account — one of its uploads, or the content (or a part, `b<hash>_1_2`) of a message in
//!   a mailbox it reads there. Anything else is 404, whether it exists or not.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use relais_mail::summary::forms;
use relais_store::{AccountId, BlobHash, Principal};
use serde_json::json;

use crate::account::{self, Account};
use crate::{Jmap, Reply, ids};

/// How long an upload is usable by its account.
const UPLOAD_TTL: Duration = Duration::from_secs(24 * 3600);
/// Most uploads remembered per account (the oldest forgotten first).
const MAX_UPLOADS_PER_ACCOUNT: usize = 1000;
/// Most accounts with uploads remembered (the map of a process stays bounded).
const MAX_ACCOUNTS: usize = 100_000;

/// An account's uploads, oldest first, with when each was made.
type Made = VecDeque<(BlobHash, Instant)>;

/// Blobs uploaded per account.
#[derive(Clone, Default)]
pub(crate) struct Uploads(Arc<Mutex<HashMap<AccountId, Made>>>);

impl Uploads {
    pub(crate) fn record(&self, account: AccountId, hash: BlobHash) {
        let Ok(mut map) = self.0.lock() else { return };
        if map.len() >= MAX_ACCOUNTS && !map.contains_key(&account) {
            let now = Instant::now();
            map.retain(|_, list| list.back().is_some_and(|(_, at)| now.duration_since(*at) < UPLOAD_TTL));
            if map.len() >= MAX_ACCOUNTS {
                return;
            }
        }
        let list = map.entry(account).or_default();
        list.retain(|(h, _)| *h != hash);
        list.push_back((hash, Instant::now()));
        while list.len() > MAX_UPLOADS_PER_ACCOUNT {
            list.pop_front();
        }
    }

    pub(crate) fn holds(&self, account: AccountId, hash: &BlobHash) -> bool {
        let Ok(map) = self.0.lock() else { return false };
        map.get(&account).is_some_and(|l| l.iter().any(|(h, at)| h == hash && at.elapsed() < UPLOAD_TTL))
    }
}

impl Jmap {
    /// An upload of `body` (already bounded by `max_size_upload` by the HTTP layer).
    pub async fn upload(&self, principal: &Principal, account_id: &str, content_type: &str, body: Vec<u8>) -> Reply {
        if body.len() as u64 > self.config.max_size_upload {
            return Reply::status(413, "the upload is larger than maxSizeUpload");
        }
        let Some(_slot) = self.slot(principal.id, true) else {
            return Reply::status(429, "too many concurrent uploads");
        };
        let Some(account) = self.account_for(principal, account_id).await else {
            return Reply::status(404, "no such account");
        };
        // Uploading is writing into the account: its owner or a full-access delegate.
        let actor = Jmap::actor(principal);
        let owner = account.id;
        let writes = self.store().read(move |r| relais_directory::access::acts_for(r, &actor, owner)).await;
        if !writes.unwrap_or(false) {
            return Reply::status(403, "the account is read-only for this user");
        }
        let size = body.len();
        let blob = match self.store().put_blob_now(body).await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "jmap: upload not stored");
                return Reply::status(500, "the upload could not be stored; see the server log");
            }
        };
        self.uploads.record(account.id, blob.hash.clone());
        let kind = if content_type.is_empty() { "application/octet-stream" } else { content_type };
        Reply::json(
            201,
            &json!({
                "accountId": ids::account(account.id),
                "blobId": ids::blob(&blob.hash),
                "type": kind,
                "size": size,
            }),
        )
    }

    /// A download; `kind` is the `type` query parameter, `name` the file name in the URL.
    pub async fn download(
        &self,
        principal: &Principal,
        account_id: &str,
        blob_id: &str,
        name: &str,
        kind: &str,
    ) -> Reply {
        let not_found = || Reply::status(404, "no such blob");
        let Some(account) = self.account_for(principal, account_id).await else { return not_found() };
        let Some((hash, path)) = ids::parse_blob(blob_id) else { return not_found() };
        if !self.may_read_blob(&account, &hash).await {
            return not_found();
        }
        let data = match self.store().blob(hash).await {
            Ok(d) => d,
            Err(relais_store::Error::NotFound(_)) => return not_found(),
            Err(e) => {
                tracing::warn!(error = %e, "jmap: blob not read");
                return Reply::status(500, "the blob could not be read; see the server log");
            }
        };
        let body = if path.is_empty() {
            data
        } else {
            // A part of a message: its decoded body, found by the section path (parsed off
            // the executor, as every MIME parse of untrusted content).
            let part = tokio::task::spawn_blocking(move || {
                let s = relais_mail::summary::summarize(&data);
                let leaves = forms::leaves(&s.structure, 10_000);
                leaves.iter().find(|(p, _)| *p == path).map(|(_, part)| part.decoded_body(&data))
            })
            .await;
            match part {
                Ok(Some(b)) => b,
                _ => return not_found(),
            }
        };
        let kind = if kind.is_empty() || !kind.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
            "application/octet-stream".to_owned()
        } else {
            kind.to_owned()
        };
        Reply {
            status: 200,
            content_type: "application/octet-stream",
            headers: vec![
                ("Content-Type", kind),
                ("Content-Disposition", content_disposition(name)),
                ("Cache-Control", "private, immutable, max-age=31536000".into()),
                // Content from mail, served under the server's origin: never run or sniffed.
                ("X-Content-Type-Options", "nosniff".into()),
                ("Content-Security-Policy", "sandbox; default-src 'none'".into()),
            ],
            body,
        }
    }

    /// The account `id` names, if the principal reaches it.
    pub(crate) async fn account_for(&self, principal: &Principal, id: &str) -> Option<Account> {
        let id = ids::parse_account(id)?;
        let actor = Jmap::actor(principal);
        self.store().read(move |r| account::account(r, &actor, id)).await.ok().flatten()
    }

    /// Whether the actor may read `hash` in `account`: an upload of the account, or the content
    /// of a message in a mailbox it reads there.
    pub(crate) async fn may_read_blob(&self, account: &Account, hash: &BlobHash) -> bool {
        if self.uploads.holds(account.id, hash) {
            return true;
        }
        let readable: Vec<_> = account.readable().map(|c| c.id).collect();
        let hash = hash.clone();
        let found = self
            .store()
            .read(move |r| {
                for m in readable {
                    if r.mailbox_holds_blob(m, &hash)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            })
            .await;
        found.unwrap_or(false)
    }
}

/// `attachment` with the file name (RFC 6266 §4.1): an ASCII `filename` (other characters as
/// `_`) and, when the name is not plain ASCII, `filename*` in UTF-8 (RFC 8187 §3.2) — always a
/// valid header value, so the header is never dropped and a download never shown inline.
fn content_disposition(name: &str) -> String {
    let name: String = name.chars().filter(|c| !c.is_control() && *c != '"' && *c != '\\').take(200).collect();
    let ascii: String = name.chars().map(|c| if c.is_ascii() { c } else { '_' }).collect();
    if ascii == name {
        return format!("attachment; filename=\"{name}\"");
    }
    let mut encoded = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            let _ = write!(encoded, "%{b:02X}");
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn file_names_in_content_disposition() {
        let table = [
            ("r.pdf", "attachment; filename=\"r.pdf\""),
            ("a \"b\"\\c\r\n.txt", "attachment; filename=\"a bc.txt\""),
            ("März 1.pdf", "attachment; filename=\"M_rz 1.pdf\"; filename*=UTF-8''M%C3%A4rz%201.pdf"),
            ("日本.html", "attachment; filename=\"__.html\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.html"),
            ("", "attachment; filename=\"\""),
        ];
        for (name, want) in table {
            let got = content_disposition(name);
            assert_eq!(got, want, "{name:?}");
            assert!(got.bytes().all(|b| (0x20..0x7f).contains(&b)), "a valid header value: {got}");
        }
    }
}
