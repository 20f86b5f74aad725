//! The audit store's writer thread: the one owner of every write transaction, which takes
//! the queued appends as one group commit, chains and indexes each record, and runs prunes
//! and online copies between batches. Apart from `store.rs` so the port's face stays short.

use super::chain::{self, ChainHead, GENESIS_MAC};
use super::index::{self, IndexTables, Pending, FLUSH_AT, INDEXED_KEY};
use super::key::HmacKey;
use super::query::decode_record;
use super::reopen::DbSlot;
use super::retention::{Checkpoint, PruneReport, CHECKPOINT_KEY, PRUNED_ACTION};
use super::tables::{self, HEAD_KEY, META, PING_KEY, RECORDS};
use crate::clock::Clock;
use crate::domain::audit::{Actor, AuditRecord, NewAuditRecord, Outcome};
use crate::ports::AuditError;
use redb::{Durability, ReadableTable as _};
use std::path::PathBuf;
use std::sync::{mpsc, Arc};
use tokio::sync::oneshot;

/// The size of the readiness probe: a generous audit record.
const PROBE_BYTES: usize = 8 * 1024;
const PROBE_KEY: &str = "probe";

/// Most requests committed in one transaction.
const MAX_BATCH: usize = 512;

type Reply = oneshot::Sender<Result<u64, AuditError>>;

pub(super) enum Request {
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
pub(super) struct Prune {
    pub(super) before: time::OffsetDateTime,
    pub(super) max: usize,
    pub(super) reply: oneshot::Sender<Result<PruneReport, AuditError>>,
}

pub(super) struct Writer {
    pub(super) path: PathBuf,
    pub(super) slot: Arc<DbSlot>,
    pub(super) key: HmacKey,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) head: Option<ChainHead>,
    /// Committed records whose index entries are not written yet (`index.rs`), oldest first.
    pub(super) pending: Vec<Pending>,
}

/// The tables every write transaction touches; the index tables are opened only by the
/// commits that write index entries (`index.rs`).
struct Tables<'t> {
    records: redb::Table<'t, u64, &'static [u8]>,
    meta: redb::Table<'t, &'static str, &'static [u8]>,
}

fn open_tables(txn: &redb::WriteTransaction) -> Result<Tables<'_>, redb::TableError> {
    Ok(Tables {
        records: txn.open_table(RECORDS)?,
        meta: txn.open_table(META)?,
    })
}

fn write_error(e: &dyn std::fmt::Display) -> String {
    format!("audit write failed: {e}")
}

impl Writer {
    pub(super) fn run(mut self, receiver: mpsc::Receiver<Request>) {
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
        let db = self.slot.current().map_err(|e| write_error(&e))?;
        self.pending = index::load_pending(&db).map_err(|e| write_error(&e))?;
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
        let mut fresh = Vec::new();
        let flushed;
        {
            let mut t = open_tables(&txn).map_err(|x| e(&x))?;
            for request in batch {
                match request {
                    Request::Append(new, _) => {
                        let written = self.write(&mut t, new)?;
                        seqs.push(written.seq);
                        fresh.push(written);
                    }
                    _ => {
                        let now = chain::format_time(self.clock.now());
                        t.meta.insert(PING_KEY, now.as_bytes()).map_err(|x| e(&x))?;
                        // "Writable" means a record of ordinary size commits, not only a few
                        // bytes: free pages left inside a full file can hold a tiny ping
                        // while every append fails. The probe is overwritten each time.
                        txn.open_table(tables::PROBE)
                            .and_then(|mut probe| {
                                probe.insert(PROBE_KEY, [0u8; PROBE_BYTES].as_slice())?;
                                Ok(())
                            })
                            .map_err(|x| e(&x))?;
                        seqs.push(0);
                    }
                }
            }
            flushed = self.pending.len() + fresh.len() >= FLUSH_AT;
            if flushed {
                self.flush_into(&txn, &mut t, &fresh)?;
            }
        }
        txn.commit().map_err(|x| e(&x))?;
        if flushed {
            self.pending.clear();
        } else {
            self.pending.extend(fresh);
        }
        Ok(seqs)
    }

    /// Writes the index entries of the pending records and of `fresh` (committed in this
    /// transaction), and the new `indexed_through`. The caller clears `pending` once the
    /// transaction has committed.
    fn flush_into(
        &self,
        txn: &redb::WriteTransaction,
        t: &mut Tables<'_>,
        fresh: &[Pending],
    ) -> Result<(), String> {
        let e = write_error;
        let all = self.pending.iter().chain(fresh);
        let mut indexes = index::open(txn).map_err(|x| e(&x))?;
        for p in all.clone() {
            indexes.insert(p).map_err(|x| e(&x))?;
        }
        if let Some(last) = all.last() {
            t.meta
                .insert(INDEXED_KEY, index::encode_seq(last.seq).as_slice())
                .map_err(|x| e(&x))?;
        }
        Ok(())
    }

    /// Chains `new` after the head, writes it and the new head; its index entries are
    /// returned, for the caller to write now or later (`index.rs`).
    fn write(&mut self, t: &mut Tables<'_>, new: &NewAuditRecord) -> Result<Pending, String> {
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
        let head = ChainHead { seq, mac };
        t.meta
            .insert(HEAD_KEY, tables::encode_head(&head).as_slice())
            .map_err(|x| e(&x))?;
        self.head = Some(head);
        Ok(Pending::of(&record))
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
            // Every record gets its index entries before any is removed, so none is left
            // pending for a record that is gone.
            self.flush_into(&txn, &mut t, &[])?;
            let mut indexes: IndexTables<'_> = index::open(&txn).map_err(|x| e(&x))?;
            let mac = chain::parse_mac(&last.mac)
                .ok_or_else(|| format!("record {} has a malformed MAC", last.seq))?;
            let checkpoint = Checkpoint::sign(&self.key, ChainHead { seq: last.seq, mac });
            for record in &old {
                t.records.remove(record.seq).map_err(|x| e(&x))?;
                let r = &record.record;
                if let Some(uuid) = r.target.as_ref().and_then(|t| t.entry_uuid.as_deref()) {
                    indexes
                        .by_target
                        .remove(uuid, record.seq)
                        .map_err(|x| e(&x))?;
                }
                if let Some(school) = r.school.as_deref() {
                    indexes
                        .by_school
                        .remove(school, record.seq)
                        .map_err(|x| e(&x))?;
                }
                indexes
                    .by_time
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
            let written = self.write(&mut t, &note)?;
            indexes.insert(&written).map_err(|x| e(&x))?;
            t.meta
                .insert(INDEXED_KEY, index::encode_seq(written.seq).as_slice())
                .map_err(|x| e(&x))?;
            let seq = written.seq;
            PruneReport {
                removed: old.len() as u64,
                checkpoint_seq: Some(checkpoint.head.seq),
                record_seq: Some(seq),
            }
        };
        txn.commit().map_err(|x| e(&x))?;
        self.pending.clear();
        Ok(report)
    }
}
