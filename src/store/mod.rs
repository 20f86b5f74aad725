//! The daemon's working state in an embedded redb file (`state.path`): what is not the
//! directory's (people, groups, accounts) and not the audit log's: idempotency records of
//! SCIM requests, deprovisioning operations held for review, sessions of the panel and the
//! portal, retired logins, the portal's pending email confirmations (`confirmations`) and the
//! mail outbox (`outbox`), so that state and the mail it needs commit in one transaction; the F-03
//! registers (`register.rs`), F-04 room lists (`rooms.rs`) and to-do acknowledgements
//! (`todos.rs`).
//!
//! Invariant: only `src/audit/` and `src/store/` import redb. Every write transaction here is
//! durable (fsync on commit) and runs off the async runtime (`spawn_blocking`), with one
//! exception: finishing a write intent (`intents.rs` says why a lost one is harmless).
//! Concurrent write intents share one commit (`group_commit.rs`).

pub mod confirmations;
pub mod format;
mod group_commit;
pub mod held;
pub mod idempotency;
pub mod intents;
pub mod outbox;
pub mod register;
pub(crate) mod reopen;
pub mod retired_logins;
pub mod rooms;
pub mod sessions;
pub mod sign_in_failures;
pub mod todos;
mod txn;

use std::io::Write as _;
use std::path::Path;
use std::sync::{Arc, RwLock};

/// The error of the state-store ports, defined with them (`crate::ports::state`).
pub use crate::ports::{StoreError, StoreResult};

impl From<format::FormatError> for StoreError {
    fn from(e: format::FormatError) -> Self {
        match e {
            format::FormatError::Storage { .. } => StoreError::Unavailable(e.to_string()),
            other => StoreError::Incompatible(other.to_string()),
        }
    }
}

/// `Io` for a storage I/O error (redb needs a reopen after one), else `Unavailable`.
fn classify(storage: Option<&redb::StorageError>, text: String) -> StoreError {
    match storage {
        Some(redb::StorageError::Io(_) | redb::StorageError::PreviousIo) => StoreError::Io(text),
        _ => StoreError::Unavailable(text),
    }
}

impl From<redb::Error> for StoreError {
    fn from(e: redb::Error) -> Self {
        match e {
            redb::Error::Io(_) | redb::Error::PreviousIo => StoreError::Io(e.to_string()),
            other => StoreError::Unavailable(other.to_string()),
        }
    }
}

impl From<redb::StorageError> for StoreError {
    fn from(e: redb::StorageError) -> Self {
        classify(Some(&e), e.to_string())
    }
}

/// `From` for redb's error types that carry a storage error (an I/O error among them) in
/// their `Storage` variant: classified by it, as [`classify`] says.
macro_rules! from_redb_error_with_storage {
    ($(redb::$error:ident),+) => {$(
        impl From<redb::$error> for StoreError {
            fn from(e: redb::$error) -> Self {
                let storage = match &e {
                    redb::$error::Storage(s) => Some(s),
                    _ => None,
                };
                classify(storage, e.to_string())
            }
        }
    )+};
}

from_redb_error_with_storage!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::CommitError
);

/// A one-row table the readiness check writes to.
const READINESS: redb::TableDefinition<&str, ()> = redb::TableDefinition::new("readiness");

/// The open state file, shared by the parts that keep state in it.
#[derive(Clone)]
pub struct StateStore {
    db: Arc<reopen::DbSlot>,
    path: Arc<Path>,
    /// Every transaction runs under the read side; an online copy takes the write side, so
    /// the file it copies is a committed state with no transaction half-written.
    gate: Arc<RwLock<()>>,
    /// Write intents waiting for their shared commit (`group_commit.rs`).
    intent_commits: Arc<group_commit::GroupCommit>,
}

impl StateStore {
    /// Opens or creates the file (and its folder). One process at a time: a second opener
    /// gets a clear "in use" error.
    pub fn open(path: &Path) -> StoreResult<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Unavailable(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let db = reopen::create_database(path).map_err(|e| match e {
            redb::DatabaseError::DatabaseAlreadyOpen => StoreError::Unavailable(format!(
                "{} is in use by another process (is the daemon running?)",
                path.display()
            )),
            other => StoreError::Unavailable(format!("{}: {other}", path.display())),
        })?;
        format::ensure(&db, path, format::StoreKind::State)?;
        match idempotency::release_unfinished(&db)? {
            0 => {}
            n => tracing::warn!(released = n, "unfinished Idempotency-Key claims released"),
        }
        Ok(Self {
            db: Arc::new(reopen::DbSlot::new(path, db)),
            path: Arc::from(path),
            gate: Arc::new(RwLock::new(())),
            intent_commits: Arc::new(group_commit::GroupCommit::new(intents::INTENTS)),
        })
    }

    /// Succeeds when a write transaction commits (for `/readyz`); reopens a failed store.
    pub async fn check_writable(&self) -> StoreResult<()> {
        self.blocking(|db| {
            let mut txn = db.begin_write()?;
            txn.set_durability(redb::Durability::Immediate);
            txn.open_table(READINESS)?.insert("ping", ())?;
            txn.commit()?;
            Ok(())
        })
        .await
    }

    /// Runs `f` on a blocking thread (redb transactions never run on async workers).
    pub(crate) async fn blocking<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&redb::Database) -> StoreResult<T> + Send + 'static,
    {
        let slot = self.db.clone();
        let gate = self.gate.clone();
        let result = tokio::task::spawn_blocking(move || {
            let _open = gate.read().unwrap_or_else(|e| e.into_inner());
            let db = slot.current()?;
            let result = f(&db);
            drop(db);
            if matches!(result, Err(StoreError::Io(_))) {
                // redb refuses every later transaction after an I/O error: reopen first.
                slot.mark_failing();
            }
            result
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("state task failed: {e}")))?;
        result
    }

    /// Online backup: copies the file to `file` (which must not exist) while no transaction
    /// runs; the daemon keeps serving (transactions wait for the copy, a few milliseconds
    /// per megabyte).
    pub async fn copy_to(&self, file: std::path::PathBuf) -> StoreResult<()> {
        let gate = self.gate.clone();
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let _quiet = gate.write().unwrap_or_else(|e| e.into_inner());
            copy_file_durably(&path, &file)
                .map_err(|e| StoreError::Unavailable(format!("backup copy: {e}")))
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("state task failed: {e}")))?
    }
}

/// Copies `from` to `to` (refusing an existing `to`): written as `to.partial`, fsynced, then
/// renamed, so a `to` that exists is always complete.
pub(crate) fn copy_file_durably(from: &Path, to: &Path) -> std::io::Result<()> {
    if to.exists() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!("{} exists", to.display()),
        ));
    }
    let mut partial = to.as_os_str().to_owned();
    partial.push(".partial");
    let partial = std::path::PathBuf::from(partial);
    {
        let mut source = std::fs::File::open(from)?;
        let mut target = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&partial)?;
        std::io::copy(&mut source, &mut target)?;
        target.flush()?;
        target.sync_all()?;
    }
    std::fs::rename(&partial, to)?;
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// A state store in a new temporary folder (removed when the `TempDir` is dropped), at
/// `state.redb` in it.
#[cfg(test)]
pub(crate) fn temp_store() -> (tempfile::TempDir, StateStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = StateStore::open(&dir.path().join("state.redb")).unwrap();
    (dir, store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_opener_is_told_the_file_is_in_use() {
        let (dir, _first) = temp_store();
        let err = StateStore::open(&dir.path().join("state.redb"));
        let err = err.err().unwrap().to_string();
        assert!(err.contains("in use"), "{err}");
    }
}
