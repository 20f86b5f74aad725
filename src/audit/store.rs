//! `RedbAuditLog`: the `AuditLog` port on an embedded redb file.
//!
//! Invariants:
//! * **Append-only.** The write paths are `append`, `check_writable` (which touches
//!   `audit_meta` only) and `prune_before` (retention: removes the oldest prefix, writes a
//!   signed checkpoint and an `audit.pruned` record; `retention.rs`). No record is updated.
//! * **One writer.** A dedicated thread (`writer.rs`) owns every write transaction. `append`
//!   sends the record over a channel with a oneshot for the answer; the thread takes
//!   everything queued (group commit), assigns `seq` (last + 1) and `time` (the injected
//!   clock, UTC, milliseconds), chains each MAC (`chain.rs`), writes the record and the new
//!   head, commits once with `Durability::Immediate` (fsync), then answers all. Index entries
//!   are written in batches of up to `index::FLUSH_AT` records (`index.rs`). A failed commit answers every request in the batch with the error and writes
//!   nothing.
//! * Reads run in `spawn_blocking` on their own read transaction.
//! * No secret in details: values under secret-looking keys are redacted before writing
//!   (`redact.rs`), as defence in depth behind the callers' own duty.
//!
//! `open` refuses a store whose stored head does not match its last record, or whose last
//! record's MAC does not verify under the given key (wrong key, or an edited tail), so the
//! daemon never extends a chain it cannot vouch for.

use super::chain::{self, ChainHead, GENESIS_MAC};
use super::key::HmacKey;
use super::query::{decode_record, run_query};
use super::redact::redact_secrets;
use super::reopen::DbSlot;
use super::retention::{Checkpoint, PruneReport, CHECKPOINT_KEY};
use super::tables::{self, unavailable, BY_SCHOOL, BY_TARGET, BY_TIME, HEAD_KEY, META, RECORDS};
use super::writer::{Prune, Request, Writer};
use crate::clock::Clock;
use crate::domain::audit::{AuditQuery, AuditRecord, NewAuditRecord};
use crate::ports::{AuditError, AuditLog};
use async_trait::async_trait;
use redb::{Database, Durability, ReadableTable as _};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use tokio::sync::oneshot;

/// The audit store. Cheap to share behind an `Arc`; dropping it (or `shutdown`) lets the
/// writer finish what is queued and joins it.
pub struct RedbAuditLog {
    slot: Arc<DbSlot>,
    path: PathBuf,
    sender: Mutex<Option<mpsc::Sender<Request>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for RedbAuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedbAuditLog")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl RedbAuditLog {
    /// Opens or creates the store at `path` (creating parent directories) and starts the
    /// writer thread. `key` must be the key the existing records were chained with.
    pub fn open(
        path: impl AsRef<Path>,
        key: HmacKey,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, AuditError> {
        let path = path.as_ref().to_owned();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| {
                AuditError::Unavailable(format!("cannot create {}: {e}", parent.display()))
            })?;
        }
        let db = crate::store::reopen::create_database(&path)
            .map_err(|e| tables::open_error(&path, e))?;
        crate::store::format::ensure(&db, &path, crate::store::format::StoreKind::Audit)
            .map_err(tables::format_error)?;
        create_tables(&db)?;
        let head = load_head(&db, &key)?;
        let pending = super::index::load_pending(&db)?;
        let slot = Arc::new(DbSlot::new(&path, db));
        let (sender, receiver) = mpsc::channel();
        let writer = Writer {
            path: path.clone(),
            slot: Arc::clone(&slot),
            key,
            clock,
            head,
            pending,
        };
        let handle = std::thread::Builder::new()
            .name("audit-writer".into())
            .spawn(move || writer.run(receiver))
            .map_err(|e| AuditError::Unavailable(format!("cannot start the audit writer: {e}")))?;
        Ok(Self {
            slot,
            path,
            sender: Mutex::new(Some(sender)),
            writer: Mutex::new(Some(handle)),
        })
    }

    /// The store's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stops accepting writes, lets the writer commit what is queued, and joins it.
    /// Idempotent; later `append`s fail with `Unavailable`.
    pub fn shutdown(&self) {
        drop(lock(&self.sender).take());
        if let Some(handle) = lock(&self.writer).take() {
            if handle.join().is_err() {
                tracing::error!("the audit writer thread panicked");
            }
        }
    }

    /// Queues one request for the writer thread and waits for its answer.
    async fn send<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<T, AuditError>>) -> Request,
    ) -> Result<T, AuditError> {
        let (reply, answer) = oneshot::channel();
        {
            let sender = lock(&self.sender);
            let sender = sender
                .as_ref()
                .ok_or_else(|| AuditError::Unavailable("the audit store is closed".into()))?;
            sender
                .send(make(reply))
                .map_err(|_| AuditError::Unavailable("the audit writer has stopped".into()))?;
        }
        answer
            .await
            .map_err(|_| AuditError::Unavailable("the audit writer has stopped".into()))?
    }
}

impl Drop for RedbAuditLog {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[async_trait]
impl AuditLog for RedbAuditLog {
    async fn append(&self, mut record: NewAuditRecord) -> Result<u64, AuditError> {
        let redacted = redact_secrets(&mut record);
        if !redacted.is_empty() {
            tracing::warn!(action = %record.action, keys = ?redacted,
                "audit details looked secret and were redacted");
        }
        let start = std::time::Instant::now();
        let result = self
            .send(|reply| Request::Append(Box::new(record), reply))
            .await;
        metrics::histogram!(crate::metric_names::AUDIT_APPEND_DURATION)
            .record(start.elapsed().as_secs_f64());
        if result.is_err() {
            metrics::counter!(crate::metric_names::AUDIT_APPEND_FAILURES).increment(1);
        }
        result
    }

    async fn query(&self, query: AuditQuery) -> Result<Vec<AuditRecord>, AuditError> {
        let db = self.slot.current()?;
        tokio::task::spawn_blocking(move || run_query(&db, &query))
            .await
            .map_err(|e| AuditError::Unavailable(format!("audit query task failed: {e}")))?
    }

    async fn check_writable(&self) -> Result<(), AuditError> {
        self.send(Request::Ping).await.map(drop)
    }

    fn is_failing(&self) -> bool {
        self.slot.is_failing()
    }

    async fn prune_before(
        &self,
        before: time::OffsetDateTime,
        max: usize,
    ) -> Result<PruneReport, AuditError> {
        self.send(|reply| Request::Prune(Prune { before, max, reply }))
            .await
    }

    async fn copy_to(&self, file: PathBuf) -> Result<Option<String>, AuditError> {
        let head = self.send(|reply| Request::Copy(file, reply)).await?;
        Ok(head.map(|h| h.to_string()))
    }

    async fn close(&self) {
        // Joining waits for the writer's last commit (one fsync at most): brief.
        self.shutdown();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub(super) fn create_tables(db: &Database) -> Result<(), AuditError> {
    let mut txn = db.begin_write().map_err(unavailable)?;
    txn.set_durability(Durability::Immediate);
    txn.open_table(RECORDS).map_err(unavailable)?;
    txn.open_multimap_table(BY_TARGET).map_err(unavailable)?;
    txn.open_multimap_table(BY_SCHOOL).map_err(unavailable)?;
    txn.open_table(BY_TIME).map_err(unavailable)?;
    {
        let mut meta = txn.open_table(META).map_err(unavailable)?;
        // Where the readiness probe was kept before it had a table of its own.
        meta.remove("probe").map_err(unavailable)?;
    }
    txn.open_table(tables::PROBE).map_err(unavailable)?;
    super::index::init_watermark(&txn)?;
    txn.commit().map_err(unavailable)
}

/// Reads the head and checks it against the last record(s) and the key.
pub(super) fn load_head(db: &Database, key: &HmacKey) -> Result<Option<ChainHead>, AuditError> {
    let txn = db.begin_read().map_err(unavailable)?;
    let records = txn.open_table(RECORDS).map_err(unavailable)?;
    let meta = txn.open_table(META).map_err(unavailable)?;
    let stored = match meta.get(HEAD_KEY).map_err(unavailable)? {
        None => None,
        Some(v) => Some(tables::decode_head(v.value()).ok_or_else(|| {
            AuditError::Corrupt("the stored chain head is malformed; run `audit verify`".into())
        })?),
    };
    let mut tail = records.iter().map_err(unavailable)?.rev();
    let last = match tail.next() {
        None => None,
        Some(entry) => {
            let (k, v) = entry.map_err(unavailable)?;
            Some(decode_record(k.value(), v.value()).map_err(|e| {
                AuditError::Corrupt(format!("record {}: {e}; run `audit verify`", k.value()))
            })?)
        }
    };
    let Some(last) = last else {
        return match stored {
            None => Ok(None),
            Some(h) => Err(AuditError::Corrupt(format!(
                "the chain head names record {} but the store has no records; run `audit verify`",
                h.seq
            ))),
        };
    };
    let checkpoint = match meta.get(CHECKPOINT_KEY).map_err(unavailable)? {
        None => None,
        Some(v) => Some(Checkpoint::decode(v.value()).ok_or_else(|| {
            AuditError::Corrupt("the retention checkpoint is malformed; run `audit verify`".into())
        })?),
    };
    let prev = if last.seq == 1 {
        GENESIS_MAC
    } else if let Some(cp) = checkpoint.filter(|c| c.head.seq + 1 == last.seq) {
        if !cp.is_valid(key) {
            return Err(AuditError::Corrupt(
                "the retention checkpoint's signature does not verify; run `audit verify`".into(),
            ));
        }
        cp.head.mac
    } else {
        let entry = records.get(last.seq - 1).map_err(unavailable)?;
        let prev = entry
            .map(|v| decode_record(last.seq - 1, v.value()))
            .transpose()
            .map_err(AuditError::Corrupt)?
            .and_then(|r| chain::parse_mac(&r.mac));
        prev.ok_or_else(|| {
            AuditError::Corrupt(format!(
                "record {} is missing or malformed; run `audit verify`",
                last.seq - 1
            ))
        })?
    };
    if !chain::record_mac_ok(key, &prev, &last) {
        return Err(AuditError::Corrupt(format!(
            "the MAC of the last record ({}) does not verify: wrong audit key, or the record was edited; run `audit verify`",
            last.seq
        )));
    }
    let mac = chain::parse_mac(&last.mac).unwrap_or(GENESIS_MAC);
    let actual = ChainHead { seq: last.seq, mac };
    if stored != Some(actual) {
        return Err(AuditError::Corrupt(format!(
            "the stored chain head ({}) does not match the last record ({actual}); run `audit verify`",
            stored.map_or_else(|| "none".to_owned(), |h| h.to_string())
        )));
    }
    Ok(Some(actual))
}
