//! `RedbAuditLog`: the `AuditLog` port on an embedded redb file.
//!
//! Invariants:
//! * **Append-only.** The write paths are `append`, `check_writable` (which touches
//!   `audit_meta` only) and `prune_before` (retention: removes the oldest prefix, writes a
//!   signed checkpoint and an `audit.pruned` record; `retention.rs`). No record is updated.
//! * **One writer.** A dedicated thread owns every write transaction. `append` sends the
//!   record over a channel with a oneshot for the answer; the thread takes everything queued
//!   (group commit), assigns `seq` (last + 1) and `time` (the injected clock, UTC,
//!   milliseconds), chains each MAC (`chain.rs`), writes the record and its index entries and
//!   the new head, commits once with `Durability::Immediate` (fsync), then answers all. A
//!   failed commit answers every request in the batch with the error and writes nothing.
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
use super::retention::{Checkpoint, PruneReport, CHECKPOINT_KEY, PRUNED_ACTION};
use super::tables::{
    self, unavailable, BY_SCHOOL, BY_TARGET, BY_TIME, HEAD_KEY, META, PING_KEY, RECORDS,
};
use crate::clock::Clock;
use crate::domain::audit::{Actor, AuditQuery, AuditRecord, NewAuditRecord, Outcome};
use crate::ports::{AuditError, AuditLog};
use async_trait::async_trait;
use redb::{Database, Durability, ReadableTable as _};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use tokio::sync::oneshot;

/// The size of the readiness probe: a generous audit record.
const PROBE_BYTES: usize = 8 * 1024;
const PROBE_KEY: &str = "probe";

/// Most requests committed in one transaction.
const MAX_BATCH: usize = 512;

type Reply = oneshot::Sender<Result<u64, AuditError>>;

enum Request {
    Append(Box<NewAuditRecord>, Reply),
    Ping(Reply),
    Prune(Prune),
    /// Copy the file between two commits (an online backup).
    Copy(
        PathBuf,
        oneshot::Sender<Result<Option<ChainHead>, AuditError>>,
    ),
}

/// Remove records older than `before`, at most `max` of them (see `retention.rs`).
struct Prune {
    before: time::OffsetDateTime,
    max: usize,
    reply: oneshot::Sender<Result<PruneReport, AuditError>>,
}

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
        let slot = Arc::new(DbSlot::new(&path, db));
        let (sender, receiver) = mpsc::channel();
        let writer = Writer {
            path: path.clone(),
            slot: Arc::clone(&slot),
            key,
            clock,
            head,
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
    txn.open_table(META).map_err(unavailable)?;
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

struct Writer {
    path: PathBuf,
    slot: Arc<DbSlot>,
    key: HmacKey,
    clock: Arc<dyn Clock>,
    head: Option<ChainHead>,
}

/// The tables one write transaction touches.
struct Tables<'t> {
    records: redb::Table<'t, u64, &'static [u8]>,
    by_target: redb::MultimapTable<'t, &'static str, u64>,
    by_school: redb::MultimapTable<'t, &'static str, u64>,
    by_time: redb::Table<'t, (i64, u64), ()>,
    meta: redb::Table<'t, &'static str, &'static [u8]>,
}

fn open_tables(txn: &redb::WriteTransaction) -> Result<Tables<'_>, redb::TableError> {
    Ok(Tables {
        records: txn.open_table(RECORDS)?,
        by_target: txn.open_multimap_table(BY_TARGET)?,
        by_school: txn.open_multimap_table(BY_SCHOOL)?,
        by_time: txn.open_table(BY_TIME)?,
        meta: txn.open_table(META)?,
    })
}

fn write_error(e: &dyn std::fmt::Display) -> String {
    format!("audit write failed: {e}")
}

impl Writer {
    fn run(mut self, receiver: mpsc::Receiver<Request>) {
        let mut next = None;
        loop {
            let first = match next.take() {
                Some(r) => r,
                None => match receiver.recv() {
                    Ok(r) => r,
                    Err(_) => return,
                },
            };
            let first = match first {
                Request::Prune(prune) => {
                    self.run_prune(prune);
                    continue;
                }
                Request::Copy(to, reply) => {
                    // No transaction is open here: the file on disk is the last commit.
                    let result = crate::store::copy_file_durably(&self.path, &to)
                        .map(|()| self.head)
                        .map_err(|e| AuditError::Unavailable(format!("backup copy: {e}")));
                    let _ = reply.send(result);
                    continue;
                }
                other => other,
            };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match receiver.try_recv() {
                    // A prune or a copy waits for the appends queued before it.
                    Ok(r @ (Request::Prune(_) | Request::Copy(..))) => {
                        next = Some(r);
                        break;
                    }
                    Ok(r) => batch.push(r),
                    Err(_) => break,
                }
            }
            self.run_batch(batch);
        }
    }

    fn run_batch(&mut self, batch: Vec<Request>) {
        metrics::histogram!(crate::metric_names::AUDIT_COMMIT_BATCH).record(batch.len() as f64);
        let before = self.head;
        let result = self.recover_if_failing().and_then(|()| self.commit(&batch));
        if let Err(message) = &result {
            self.head = before;
            self.slot.mark_failing();
            tracing::error!(error = %message, "audit commit failed");
        }
        for (i, request) in batch.into_iter().enumerate() {
            let answer = match &result {
                Ok(seqs) => Ok(seqs[i]),
                Err(m) => Err(AuditError::Unavailable(m.clone())),
            };
            if let Request::Append(_, reply) | Request::Ping(reply) = request {
                let _ = reply.send(answer);
            }
        }
    }

    /// After a failed commit: reopen the file first (`reopen.rs`), reloading the head.
    fn recover_if_failing(&mut self) -> Result<(), String> {
        if !self.slot.is_failing() {
            return Ok(());
        }
        let head = self
            .slot
            .reopen_after_io_error(&self.key, self.head)
            .map_err(|e| write_error(&e))?;
        self.head = head;
        Ok(())
    }

    fn run_prune(&mut self, prune: Prune) {
        let before = self.head;
        let result = self
            .recover_if_failing()
            .and_then(|()| self.prune(prune.before, prune.max));
        if let Err(message) = &result {
            self.head = before;
            self.slot.mark_failing();
            tracing::error!(error = %message, "audit prune failed");
        }
        let _ = prune.reply.send(result.map_err(AuditError::Unavailable));
    }

    /// Writes the batch in one durable transaction; returns each request's seq (0 for a ping).
    fn commit(&mut self, batch: &[Request]) -> Result<Vec<u64>, String> {
        let e = write_error;
        let db = self.slot.current().map_err(|x| e(&x))?;
        let mut txn = db.begin_write().map_err(|x| e(&x))?;
        txn.set_durability(Durability::Immediate);
        let mut seqs = Vec::with_capacity(batch.len());
        {
            let mut t = open_tables(&txn).map_err(|x| e(&x))?;
            for request in batch {
                match request {
                    Request::Append(new, _) => seqs.push(self.write(&mut t, new)?),
                    _ => {
                        let now = chain::format_time(self.clock.now());
                        t.meta.insert(PING_KEY, now.as_bytes()).map_err(|x| e(&x))?;
                        // "Writable" means a record of ordinary size commits, not only a few
                        // bytes: free pages left inside a full file can hold a tiny ping
                        // while every append fails. The probe is overwritten each time.
                        t.meta
                            .insert(PROBE_KEY, [0u8; PROBE_BYTES].as_slice())
                            .map_err(|x| e(&x))?;
                        seqs.push(0);
                    }
                }
            }
        }
        txn.commit().map_err(|x| e(&x))?;
        Ok(seqs)
    }

    /// Chains `new` after the head, writes it, its index entries and the new head.
    fn write(&mut self, t: &mut Tables<'_>, new: &NewAuditRecord) -> Result<u64, String> {
        let e = write_error;
        let (seq, prev) = match self.head {
            None => (1, GENESIS_MAC),
            Some(h) => (h.seq + 1, h.mac),
        };
        let time = chain::normalise_time(self.clock.now());
        let mac = chain::compute_mac(&self.key, &prev, seq, time, new);
        let record = AuditRecord {
            seq,
            time,
            record: new.clone(),
            mac: hex::encode(mac),
        };
        let bytes = serde_json::to_vec(&record).map_err(|x| e(&x))?;
        t.records.insert(seq, bytes.as_slice()).map_err(|x| e(&x))?;
        if let Some(uuid) = new.target.as_ref().and_then(|t| t.entry_uuid.as_deref()) {
            t.by_target.insert(uuid, seq).map_err(|x| e(&x))?;
        }
        if let Some(school) = new.school.as_deref() {
            t.by_school.insert(school, seq).map_err(|x| e(&x))?;
        }
        t.by_time
            .insert((tables::unix_millis(time), seq), ())
            .map_err(|x| e(&x))?;
        let head = ChainHead { seq, mac };
        t.meta
            .insert(HEAD_KEY, tables::encode_head(&head).as_slice())
            .map_err(|x| e(&x))?;
        self.head = Some(head);
        Ok(seq)
    }

    /// Removes the oldest records written before `before` (at most `max`), signs the new
    /// checkpoint and appends the `audit.pruned` record, in one durable transaction.
    fn prune(&mut self, before: time::OffsetDateTime, max: usize) -> Result<PruneReport, String> {
        let e = write_error;
        let db = self.slot.current().map_err(|x| e(&x))?;
        let mut txn = db.begin_write().map_err(|x| e(&x))?;
        txn.set_durability(Durability::Immediate);
        let report = {
            let mut t = open_tables(&txn).map_err(|x| e(&x))?;
            let current = match t.meta.get(CHECKPOINT_KEY).map_err(|x| e(&x))? {
                None => None,
                Some(v) => Some(
                    Checkpoint::decode(v.value())
                        .ok_or_else(|| "the stored checkpoint is malformed".to_owned())?,
                ),
            };
            let start = current.map_or(1, |c| c.head.seq + 1);
            let mut old = Vec::new();
            for entry in t.records.range(start..).map_err(|x| e(&x))? {
                let (k, v) = entry.map_err(|x| e(&x))?;
                let record = decode_record(k.value(), v.value())?;
                // Stop at the first young record: only a prefix goes, so no gap opens.
                if record.time >= before || old.len() >= max {
                    break;
                }
                old.push(record);
            }
            let Some(last) = old.last() else {
                return Ok(PruneReport {
                    removed: 0,
                    checkpoint_seq: current.map(|c| c.head.seq),
                    record_seq: None,
                });
            };
            let mac = chain::parse_mac(&last.mac)
                .ok_or_else(|| format!("record {} has a malformed MAC", last.seq))?;
            let checkpoint = Checkpoint::sign(&self.key, ChainHead { seq: last.seq, mac });
            for record in &old {
                t.records.remove(record.seq).map_err(|x| e(&x))?;
                let r = &record.record;
                if let Some(uuid) = r.target.as_ref().and_then(|t| t.entry_uuid.as_deref()) {
                    t.by_target.remove(uuid, record.seq).map_err(|x| e(&x))?;
                }
                if let Some(school) = r.school.as_deref() {
                    t.by_school.remove(school, record.seq).map_err(|x| e(&x))?;
                }
                t.by_time
                    .remove((tables::unix_millis(record.time), record.seq))
                    .map_err(|x| e(&x))?;
            }
            t.meta
                .insert(CHECKPOINT_KEY, checkpoint.encode().as_slice())
                .map_err(|x| e(&x))?;
            let note = NewAuditRecord::new(
                Actor::System("retention".into()),
                PRUNED_ACTION,
                Outcome::Success,
            )
            .detail("removed", old.len().to_string())
            .detail("first_seq", old[0].seq.to_string())
            .detail("through_seq", last.seq.to_string())
            .detail("before", chain::format_time(before))
            .detail("checkpoint", checkpoint.head.to_string());
            let seq = self.write(&mut t, &note)?;
            PruneReport {
                removed: old.len() as u64,
                checkpoint_seq: Some(checkpoint.head.seq),
                record_seq: Some(seq),
            }
        };
        txn.commit().map_err(|x| e(&x))?;
        Ok(report)
    }
}
