//! The audit store: append-only, HMAC-chained records of every provisioning action, kept in
//! an embedded redb file (AUD-01..05). The only module that imports `redb`.
//!
//! Invariants: records are only ever appended; the one delete path is retention, which
//! removes only the oldest prefix past the retention period and leaves a signed checkpoint
//! and an `audit.pruned` record (`retention.rs`); `seq` runs without gaps from 1 (or from
//! the checkpoint); each record's MAC chains it to its predecessor under a key kept
//! outside the redb file, so `verify` names any edited or deleted record; `details` never
//! hold a secret (callers' duty, with a redaction backstop); commits are fsynced.
//!
//! Files, by concern:
//! * `key.rs`: the HMAC key file (load, generate, permissions);
//! * `chain.rs`: canonical bytes, MAC computation, `ChainHead`;
//! * `tables.rs`: the redb layout and error mapping;
//! * `store.rs`: `RedbAuditLog` (the `AuditLog` port), opening and checking the head;
//! * `writer.rs`: its writer thread (group commit, chaining, prune, online copy);
//! * `query.rs`: queries through the indexes, newest first;
//! * `redact.rs`: the secret-redaction backstop;
//! * `retention.rs`: the signed checkpoint that lets old records go (AUD-06);
//! * `verify.rs`: offline chain verification (from the checkpoint, when records were pruned);
//! * `export.rs`: JSON lines and CSV (formula-injection safe);
//! * `cli.rs`: the `audit list|export|verify|init-key` commands.

pub mod anchor;
pub mod chain;
pub mod cli;
pub mod export;
mod index;
pub mod key;
mod query;
pub mod redact;
mod reopen;
pub mod retention;
mod store;
mod tables;
pub mod verify;
mod writer;

pub use chain::ChainHead;
pub use cli::{AuditFilter, CliError, ExportFormat};
pub use export::{export_csv, export_jsonl};
pub use key::{HmacKey, KeyError};
pub use query::matches;
pub use store::RedbAuditLog;
pub use verify::{verify, VerifyFailure, VerifyReport};
