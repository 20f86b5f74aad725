//! The audit store's index entries, written in batches (issue 17).
//!
//! Why: every redb insert rebuilds its leaf page, and a record's four index entries (target,
//! school, time, in three trees) cost about 200,000 instructions when each record commits
//! alone: a fifth of a SCIM PATCH's whole work in the daemon (BENCHMARKS, "Instructions per
//! request"). Inserted many at a time, in one transaction, they cost a fraction of that.
//!
//! How: `audit_meta` `"indexed_through"` says up to which seq every record has its index
//! entries. A record is committed with the chain head as before; its index entries wait in
//! the writer's [`Pending`] list and are written, with the new `indexed_through`, in the
//! commit that takes the list past [`FLUSH_AT`], or before a prune. So at most `FLUSH_AT`
//! records lack index entries, all of them newer than any indexed one; a query reads those
//! few directly (`query.rs`), and opening the store rebuilds the list from them (a crash loses
//! nothing: the records are the source of truth, the index entries are derived).
//!
//! A store written before this has no `"indexed_through"`: every record in it is indexed, so
//! `create_tables` sets it to the last record's seq the first time the store is opened.

use super::query::decode_record;
use super::tables::{self, unavailable, BY_SCHOOL, BY_TARGET, BY_TIME, META, RECORDS};
use crate::domain::audit::AuditRecord;
use crate::ports::AuditError;
use redb::ReadableTable as _;

/// The meta key of the last seq whose index entries are written (8 bytes, big-endian).
pub(crate) const INDEXED_KEY: &str = "indexed_through";

/// How many records may wait for their index entries.
pub(super) const FLUSH_AT: usize = 64;

/// One record's index entries, not yet written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Pending {
    pub(super) seq: u64,
    time_ms: i64,
    target: Option<String>,
    school: Option<String>,
}

impl Pending {
    pub(super) fn of(record: &AuditRecord) -> Self {
        Self {
            seq: record.seq,
            time_ms: tables::unix_millis(record.time),
            target: record
                .record
                .target
                .as_ref()
                .and_then(|t| t.entry_uuid.clone()),
            school: record.record.school.clone(),
        }
    }
}

/// The index tables of one write transaction.
pub(super) struct IndexTables<'t> {
    pub(super) by_target: redb::MultimapTable<'t, &'static str, u64>,
    pub(super) by_school: redb::MultimapTable<'t, &'static str, u64>,
    pub(super) by_time: redb::Table<'t, (i64, u64), ()>,
}

impl IndexTables<'_> {
    pub(super) fn insert(&mut self, p: &Pending) -> Result<(), redb::StorageError> {
        if let Some(uuid) = p.target.as_deref() {
            self.by_target.insert(uuid, p.seq)?;
        }
        if let Some(school) = p.school.as_deref() {
            self.by_school.insert(school, p.seq)?;
        }
        self.by_time.insert((p.time_ms, p.seq), ())?;
        Ok(())
    }
}

pub(crate) fn encode_seq(seq: u64) -> [u8; 8] {
    seq.to_be_bytes()
}

pub(crate) fn decode_seq(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.try_into().ok()?))
}

/// `indexed_through` as stored; `None` in a store no writer of this version has opened (then
/// every record is indexed).
pub(crate) fn indexed_through(
    meta: &impl redb::ReadableTable<&'static str, &'static [u8]>,
) -> Result<Option<u64>, AuditError> {
    match meta.get(INDEXED_KEY).map_err(unavailable)? {
        None => Ok(None),
        Some(v) => decode_seq(v.value()).map(Some).ok_or_else(|| {
            AuditError::Corrupt("the index watermark is malformed; run `audit verify`".into())
        }),
    }
}

/// In `create_tables`' transaction: a store without `indexed_through` gets its last seq (every
/// record of it was indexed when written).
pub(super) fn init_watermark(txn: &redb::WriteTransaction) -> Result<(), AuditError> {
    let mut meta = txn.open_table(META).map_err(unavailable)?;
    if indexed_through(&meta)?.is_some() {
        return Ok(());
    }
    let records = txn.open_table(RECORDS).map_err(unavailable)?;
    let last = match records.last().map_err(unavailable)? {
        Some((k, _)) => k.value(),
        None => 0,
    };
    meta.insert(INDEXED_KEY, encode_seq(last).as_slice())
        .map_err(unavailable)?;
    Ok(())
}

/// The records after `indexed_through`, whose index entries wait: the writer's list when the
/// store is opened.
pub(super) fn load_pending(db: &redb::Database) -> Result<Vec<Pending>, AuditError> {
    let txn = db.begin_read().map_err(unavailable)?;
    let meta = txn.open_table(META).map_err(unavailable)?;
    let Some(through) = indexed_through(&meta)? else {
        return Ok(Vec::new());
    };
    let records = txn.open_table(RECORDS).map_err(unavailable)?;
    let mut pending = Vec::new();
    for entry in records
        .range(through.saturating_add(1)..)
        .map_err(unavailable)?
    {
        let (k, v) = entry.map_err(unavailable)?;
        let record = decode_record(k.value(), v.value())
            .map_err(|e| AuditError::Corrupt(format!("record {}: {e}", k.value())))?;
        pending.push(Pending::of(&record));
    }
    Ok(pending)
}

/// Opens the index tables in `txn` (the writer's).
pub(super) fn open(txn: &redb::WriteTransaction) -> Result<IndexTables<'_>, redb::TableError> {
    Ok(IndexTables {
        by_target: txn.open_multimap_table(BY_TARGET)?,
        by_school: txn.open_multimap_table(BY_SCHOOL)?,
        by_time: txn.open_table(BY_TIME)?,
    })
}
