//! `audit verify`: walks the chain of a store that no daemon holds open and names the first
//! record that was edited or deleted.
//!
//! Checks, in order: records are contiguous from seq 1 (a gap names the first missing seq);
//! each record parses, is stored under its own seq, and its MAC recomputes from the previous
//! MAC and its canonical bytes (a mismatch names the record as edited; at seq 1 it may also
//! mean the wrong key); the head kept in `audit_meta` equals the last record; and, when given,
//! an externally kept anchor `SEQ:MAC` is present in the chain. After retention removed old
//! records, the walk starts at the signed checkpoint (`retention.rs`) instead of record 1: a
//! checkpoint whose signature fails means records were cut without the key.
//!
//! Limits: deleting the *last* records and rewriting the stored head to the new last record
//! leaves a valid-looking chain. Only an anchor kept outside the store (the head printed by
//! `audit verify`, shipped to a SIEM or written down) detects such truncation: pass it as
//! `--expect-head SEQ:MAC`.
//!
//! redb allows one process per file, so verifying a running daemon's store needs the daemon
//! stopped or a copy of the file; a locked file gives a clear `Unavailable` error. Opening may
//! run redb's crash recovery on a file that was not closed cleanly (which writes to it).

use super::chain::{self, ChainHead, GENESIS_MAC};
use super::key::HmacKey;
use super::query::decode_record;
use super::retention::{Checkpoint, CHECKPOINT_KEY};
use super::tables::{self, unavailable, HEAD_KEY, META, RECORDS};
use crate::ports::AuditError;
use redb::ReadableTable as _;
use std::fmt;
use std::path::Path;

/// The first problem found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyFailure {
    /// Records `seq` up to `next_present - 1` are missing (deleted).
    Missing { seq: u64, next_present: u64 },
    /// The record's MAC does not match its content: it was edited (or the key is wrong).
    Edited { seq: u64 },
    /// The record's bytes no longer parse as a record: edited.
    Unreadable { seq: u64, reason: String },
    /// The head in `audit_meta` differs from the last record.
    HeadMismatch {
        stored: Option<ChainHead>,
        actual: Option<ChainHead>,
    },
    /// The expected head (stored head or anchor) is past the last record: the tail is gone.
    TailMissing { expected: ChainHead, last_seq: u64 },
    /// The anchor's record exists but has another MAC: the chain was rewritten.
    AnchorMismatch { expected: ChainHead },
    /// The retention checkpoint is malformed or its signature does not verify under the key:
    /// records were cut by someone without the key (or the key is wrong).
    CheckpointInvalid,
    /// A record at or before the retention checkpoint is still there.
    BeforeCheckpoint { seq: u64, checkpoint: u64 },
}

impl fmt::Display for VerifyFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyFailure::Missing { seq, next_present } if *next_present == seq + 1 => {
                write!(f, "record {seq} is missing (deleted)")
            }
            VerifyFailure::Missing { seq, next_present } => write!(
                f,
                "records {seq} to {} are missing (deleted)",
                next_present - 1
            ),
            VerifyFailure::Edited { seq: 1 } => write!(
                f,
                "record 1 was edited: its MAC does not match (or the audit key is wrong)"
            ),
            VerifyFailure::Edited { seq } => {
                write!(f, "record {seq} was edited: its MAC does not match")
            }
            VerifyFailure::Unreadable { seq, reason } => {
                write!(f, "record {seq} was edited: {reason}")
            }
            VerifyFailure::HeadMismatch { stored, actual } => write!(
                f,
                "the stored chain head ({}) does not match the last record ({})",
                show(stored),
                show(actual)
            ),
            VerifyFailure::TailMissing { expected, last_seq } => write!(
                f,
                "{} record(s) missing at the end: expected head {expected}, last record is {last_seq}",
                expected.seq - last_seq
            ),
            VerifyFailure::CheckpointInvalid => write!(
                f,
                "the retention checkpoint does not verify: old records were removed without the key (or the audit key is wrong)"
            ),
            VerifyFailure::BeforeCheckpoint { seq, checkpoint } => write!(
                f,
                "record {seq} is still stored but the retention checkpoint says records up to {checkpoint} were removed"
            ),
            VerifyFailure::AnchorMismatch { expected } => write!(
                f,
                "record {} does not match the anchored head {expected}: the chain was rewritten",
                expected.seq
            ),
        }
    }
}

fn show(head: &Option<ChainHead>) -> String {
    head.map_or_else(|| "none".to_owned(), |h| h.to_string())
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Records whose MAC verified (all of them when `failure` is `None`).
    pub verified: u64,
    /// The last verified link: anchor it outside the store.
    pub head: Option<ChainHead>,
    /// The retention checkpoint the walk started from (records up to it were pruned).
    pub checkpoint: Option<ChainHead>,
    pub failure: Option<VerifyFailure>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.failure.is_none()
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.failure {
            None => {
                write!(
                    f,
                    "audit chain OK: {} record(s), head {}",
                    self.verified,
                    show(&self.head)
                )?;
                match self.checkpoint {
                    Some(c) => write!(f, " (records up to {} removed by retention)", c.seq),
                    None => Ok(()),
                }
            }
            Some(failure) => write!(
                f,
                "audit chain FAILED: {failure} ({} record(s) verified before it)",
                self.verified
            ),
        }
    }
}

/// Verifies the store at `path` with `key`, optionally against an anchored head.
/// `Err` only when the store cannot be read at all.
pub fn verify(
    path: impl AsRef<Path>,
    key: &HmacKey,
    expect_head: Option<ChainHead>,
) -> Result<VerifyReport, AuditError> {
    let db = tables::open_existing(path.as_ref())?;
    let txn = db.begin_read().map_err(unavailable)?;
    let records = match txn.open_table(RECORDS) {
        Ok(t) => Some(t),
        Err(redb::TableError::TableDoesNotExist(_)) => None,
        Err(e) => return Err(unavailable(e)),
    };
    let (stored, checkpoint) = match txn.open_table(META) {
        Ok(meta) => {
            let head = match meta.get(HEAD_KEY).map_err(unavailable)? {
                Some(v) => Some(tables::decode_head(v.value()).ok_or_else(|| {
                    AuditError::Corrupt("the stored chain head is malformed".into())
                })?),
                None => None,
            };
            let checkpoint = meta
                .get(CHECKPOINT_KEY)
                .map_err(unavailable)?
                .map(|v| Checkpoint::decode(v.value()));
            (head, checkpoint)
        }
        Err(redb::TableError::TableDoesNotExist(_)) => (None, None),
        Err(e) => return Err(unavailable(e)),
    };

    let mut report = VerifyReport {
        verified: 0,
        head: None,
        checkpoint: None,
        failure: None,
    };
    let mut prev = GENESIS_MAC;
    let mut expected_seq = 1u64;
    match checkpoint {
        None => {}
        Some(Some(cp)) if cp.is_valid(key) => {
            prev = cp.head.mac;
            expected_seq = cp.head.seq + 1;
            report.checkpoint = Some(cp.head);
        }
        Some(_) => {
            report.failure = Some(VerifyFailure::CheckpointInvalid);
            return Ok(report);
        }
    }
    // An anchor at or before the checkpoint names a record retention removed: only its
    // exact match with the checkpoint can still be checked.
    let mut anchor_seen = expect_head.is_none_or(|a| a.seq == 0);
    if let (Some(anchor), Some(cp)) = (expect_head, report.checkpoint) {
        if anchor.seq < cp.seq || (anchor.seq == cp.seq && chain::mac_eq(&anchor.mac, &cp.mac)) {
            anchor_seen = true;
        } else if anchor.seq == cp.seq {
            report.failure = Some(VerifyFailure::AnchorMismatch { expected: anchor });
            return Ok(report);
        }
    }
    let iter = match &records {
        Some(t) => Some(t.iter().map_err(unavailable)?),
        None => None,
    };
    for entry in iter.into_iter().flatten() {
        let (k, v) = entry.map_err(unavailable)?;
        let seq = k.value();
        if let Some(cp) = report.checkpoint.filter(|c| seq <= c.seq) {
            report.failure = Some(VerifyFailure::BeforeCheckpoint {
                seq,
                checkpoint: cp.seq,
            });
            return Ok(report);
        }
        if seq != expected_seq {
            report.failure = Some(VerifyFailure::Missing {
                seq: expected_seq,
                next_present: seq,
            });
            return Ok(report);
        }
        let record = match decode_record(seq, v.value()) {
            Ok(r) => r,
            Err(reason) => {
                report.failure = Some(VerifyFailure::Unreadable { seq, reason });
                return Ok(report);
            }
        };
        let mac = match chain::parse_mac(&record.mac) {
            Some(mac) if chain::record_mac_ok(key, &prev, &record) => mac,
            _ => {
                report.failure = Some(VerifyFailure::Edited { seq });
                return Ok(report);
            }
        };
        if let Some(anchor) = expect_head.filter(|a| a.seq == seq) {
            if !chain::mac_eq(&anchor.mac, &mac) {
                report.failure = Some(VerifyFailure::AnchorMismatch { expected: anchor });
                return Ok(report);
            }
            anchor_seen = true;
        }
        report.verified += 1;
        report.head = Some(ChainHead { seq, mac });
        prev = mac;
        expected_seq = seq + 1;
    }

    let last_seq = report.head.or(report.checkpoint).map_or(0, |h| h.seq);
    if stored != report.head {
        report.failure = Some(match stored {
            Some(s) if s.seq > last_seq => VerifyFailure::TailMissing {
                expected: s,
                last_seq,
            },
            _ => VerifyFailure::HeadMismatch {
                stored,
                actual: report.head,
            },
        });
    } else if let Some(anchor) = expect_head.filter(|_| !anchor_seen) {
        report.failure = Some(VerifyFailure::TailMissing {
            expected: anchor,
            last_seq,
        });
    }
    Ok(report)
}
