//! Reading records: `AuditQuery` → the narrowest index → records, newest (highest seq) first.
//!
//! Semantics: all given conditions must hold; `since` is inclusive and `until` exclusive
//! (`since <= time < until`); `limit` caps the number returned. The index used is, in order
//! of preference, target entryUUID, school, time range, else a reverse scan of all records;
//! the other conditions are checked on each record read. The newest records may not be in
//! the indexes yet (`index.rs`: at most `FLUSH_AT` of them, all after `indexed_through`):
//! an indexed query reads those first, directly. Read-only: nothing here writes.

use super::index::indexed_through;
use super::tables::{self, unavailable, BY_SCHOOL, BY_TARGET, BY_TIME, META, RECORDS};
use crate::domain::audit::{AuditQuery, AuditRecord};
use crate::ports::AuditError;
use redb::{ReadableTable as _, StorageError};

type SeqIter<'a> = Box<dyn Iterator<Item = Result<u64, StorageError>> + 'a>;

/// Whether a record satisfies every condition of the query (ignoring `limit`).
pub fn matches(query: &AuditQuery, record: &AuditRecord) -> bool {
    let target_uuid = record
        .record
        .target
        .as_ref()
        .and_then(|t| t.entry_uuid.as_deref());
    query
        .target_uuid
        .as_deref()
        .is_none_or(|want| target_uuid == Some(want))
        && query
            .school
            .as_deref()
            .is_none_or(|want| record.record.school.as_deref() == Some(want))
        && query.since.is_none_or(|since| record.time >= since)
        && query.until.is_none_or(|until| record.time < until)
}

/// Parses a stored record, checking it is stored under its own seq.
pub(crate) fn decode_record(seq: u64, bytes: &[u8]) -> Result<AuditRecord, String> {
    let record: AuditRecord =
        serde_json::from_slice(bytes).map_err(|e| format!("unreadable: {e}"))?;
    if record.seq != seq {
        return Err(format!(
            "stored under seq {seq} but says seq {}",
            record.seq
        ));
    }
    Ok(record)
}

/// Runs a query in one read transaction.
pub(crate) fn run_query(
    db: &redb::Database,
    query: &AuditQuery,
) -> Result<Vec<AuditRecord>, AuditError> {
    let limit = query.limit.unwrap_or(usize::MAX);
    if limit == 0 {
        return Ok(Vec::new());
    }
    if let (Some(since), Some(until)) = (query.since, query.until) {
        if since >= until {
            return Ok(Vec::new());
        }
    }
    let txn = db.begin_read().map_err(unavailable)?;
    let records = match txn.open_table(RECORDS) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
        Err(e) => return Err(unavailable(e)),
    };
    let by_target;
    let by_school;
    let indexed: Option<SeqIter<'_>> = if let Some(uuid) = query.target_uuid.as_deref() {
        by_target = txn.open_multimap_table(BY_TARGET).map_err(unavailable)?;
        let values = by_target.get(uuid).map_err(unavailable)?;
        Some(Box::new(values.rev().map(|r| r.map(|g| g.value()))))
    } else if let Some(school) = query.school.as_deref() {
        by_school = txn.open_multimap_table(BY_SCHOOL).map_err(unavailable)?;
        let values = by_school.get(school).map_err(unavailable)?;
        Some(Box::new(values.rev().map(|r| r.map(|g| g.value()))))
    } else if query.since.is_some() || query.until.is_some() {
        let by_time = txn.open_table(BY_TIME).map_err(unavailable)?;
        let start = query.since.map_or(i64::MIN, tables::unix_millis);
        // Exclusive end one millisecond past `until`'s millisecond; `matches` is exact.
        let end = query
            .until
            .map_or(i64::MAX, |u| tables::unix_millis(u).saturating_add(1));
        let mut found = by_time
            .range((start, 0)..(end, 0))
            .map_err(unavailable)?
            .map(|r| r.map(|(k, _)| k.value().1))
            .collect::<Result<Vec<u64>, _>>()
            .map_err(unavailable)?;
        found.sort_unstable_by(|a, b| b.cmp(a));
        Some(Box::new(found.into_iter().map(Ok)))
    } else {
        None
    };
    let seqs: SeqIter<'_> = match indexed {
        // Newest first: every record not indexed yet is newer than every indexed one.
        Some(indexed) => {
            let waiting = not_indexed_yet(&txn, &records)?;
            Box::new(waiting.into_iter().map(Ok).chain(indexed))
        }
        // A scan of every record, the ones not indexed yet among them.
        None => {
            let all = records.iter().map_err(unavailable)?;
            Box::new(all.rev().map(|r| r.map(|(k, _)| k.value())))
        }
    };

    let mut out = Vec::new();
    for seq in seqs {
        let seq = seq.map_err(unavailable)?;
        let Some(bytes) = records.get(seq).map_err(unavailable)? else {
            return Err(AuditError::Corrupt(format!(
                "an index names record {seq}, which is missing"
            )));
        };
        let record = decode_record(seq, bytes.value())
            .map_err(|e| AuditError::Corrupt(format!("record {seq}: {e}")))?;
        if matches(query, &record) {
            out.push(record);
            if out.len() >= limit {
                break;
            }
        }
    }
    Ok(out)
}

/// The seqs of the records whose index entries wait for a batch, newest first (none in a
/// store no writer of this version has opened).
fn not_indexed_yet(
    txn: &redb::ReadTransaction,
    records: &redb::ReadOnlyTable<u64, &[u8]>,
) -> Result<Vec<u64>, AuditError> {
    let through = match txn.open_table(META) {
        Ok(meta) => indexed_through(&meta)?,
        Err(redb::TableError::TableDoesNotExist(_)) => None,
        Err(e) => return Err(unavailable(e)),
    };
    let Some(through) = through else {
        return Ok(Vec::new());
    };
    records
        .range(through.saturating_add(1)..)
        .map_err(unavailable)?
        .rev()
        .map(|r| r.map(|(k, _)| k.value()))
        .collect::<Result<_, _>>()
        .map_err(unavailable)
}
