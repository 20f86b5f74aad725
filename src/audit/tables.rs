//! The redb layout of the audit store, and the mapping of redb errors to `AuditError`.
//!
//! Tables (names are part of the on-disk format; tests that tamper with the file use them):
//! * `audit_records`: `seq u64 → JSON bytes of AuditRecord` (the source of truth);
//! * `audit_by_target`: multimap `entryUUID → seq`;
//! * `audit_by_school`: multimap `school code → seq`;
//! * `audit_by_time`: `(unix milliseconds i64, seq u64) → ()`;
//! * `audit_meta`: `"head" → seq (8 bytes BE) || mac (32 bytes)`, `"ping" → last check time`,
//!   `"indexed_through"` → the last seq whose index entries are written (8 bytes BE; the
//!   newer records' entries wait for a batch, `index.rs`), the retention checkpoint;
//! * `audit_probe`: `"probe"` → 8 KiB the readiness check overwrites (a record-sized write
//!   must commit). Until 2026-12-05 it was kept in `audit_meta`, in the leaf every record's new
//!   head rewrites; opening the store removes it from there.
//!
//! The indexes are derived data: `verify` checks only `audit_records` and the head.

use super::chain::{ChainHead, MAC_LEN};
use crate::ports::AuditError;
use redb::{MultimapTableDefinition, TableDefinition};
use std::path::Path;

pub(crate) const RECORDS: TableDefinition<u64, &[u8]> = TableDefinition::new("audit_records");
pub(crate) const BY_TARGET: MultimapTableDefinition<&str, u64> =
    MultimapTableDefinition::new("audit_by_target");
pub(crate) const BY_SCHOOL: MultimapTableDefinition<&str, u64> =
    MultimapTableDefinition::new("audit_by_school");
pub(crate) const BY_TIME: TableDefinition<(i64, u64), ()> = TableDefinition::new("audit_by_time");
pub(crate) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("audit_meta");
/// The readiness check's 8 KiB write, in a table of its own: in `audit_meta` it sat in the
/// leaf that every record's new head rewrites (issue 17).
pub(crate) const PROBE: TableDefinition<&str, &[u8]> = TableDefinition::new("audit_probe");

pub(crate) const HEAD_KEY: &str = "head";
pub(crate) const PING_KEY: &str = "ping";

pub(crate) fn encode_head(head: &ChainHead) -> [u8; 8 + MAC_LEN] {
    let mut out = [0u8; 8 + MAC_LEN];
    out[..8].copy_from_slice(&head.seq.to_be_bytes());
    out[8..].copy_from_slice(&head.mac);
    out
}

pub(crate) fn decode_head(bytes: &[u8]) -> Option<ChainHead> {
    if bytes.len() != 8 + MAC_LEN {
        return None;
    }
    let seq = u64::from_be_bytes(bytes[..8].try_into().ok()?);
    let mac = bytes[8..].try_into().ok()?;
    Some(ChainHead { seq, mac })
}

/// Unix time in milliseconds, the time index's key.
pub(crate) fn unix_millis(time: time::OffsetDateTime) -> i64 {
    i64::try_from(time.unix_timestamp_nanos().div_euclid(1_000_000)).unwrap_or(i64::MAX)
}

/// Opens an existing store file for the offline tools (`verify`, `list`, `export`).
///
/// redb allows one process per file: a running daemon holds it, so these tools need the
/// daemon stopped or a copy of the file.
pub(crate) fn open_existing(path: &Path) -> Result<redb::Database, AuditError> {
    if !path.exists() {
        return Err(AuditError::Unavailable(format!(
            "no audit store at {}",
            path.display()
        )));
    }
    let db = redb::Database::open(path).map_err(|e| open_error(path, e))?;
    crate::store::format::check_readable(&db, path, crate::store::format::StoreKind::Audit)
        .map_err(format_error)?;
    Ok(db)
}

pub(crate) fn format_error(e: crate::store::format::FormatError) -> AuditError {
    match e {
        crate::store::format::FormatError::Storage { .. } => AuditError::Unavailable(e.to_string()),
        other => AuditError::Incompatible(other.to_string()),
    }
}

pub(crate) fn open_error(path: &Path, e: redb::DatabaseError) -> AuditError {
    match e {
        redb::DatabaseError::DatabaseAlreadyOpen => AuditError::Unavailable(format!(
            "audit store {} is in use by another process (stop the daemon or work on a copy of the file)",
            path.display()
        )),
        redb::DatabaseError::Storage(redb::StorageError::Corrupted(msg)) => {
            AuditError::Corrupt(format!("{}: {msg}", path.display()))
        }
        other => AuditError::Unavailable(format!("cannot open {}: {other}", path.display())),
    }
}

pub(crate) fn unavailable(e: impl std::fmt::Display) -> AuditError {
    AuditError::Unavailable(e.to_string())
}
