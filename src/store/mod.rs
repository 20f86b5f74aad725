//! The daemon's working state in an embedded redb file (`state.path`): what is not the
//! directory's (people, groups, accounts) and not the audit log's: idempotency records of
//! SCIM requests, deprovisioning operations held for review, sessions of the panel and the
//! portal, retired logins, the portal's pending email confirmations (`confirmations`) and the
//! mail outbox (`outbox`), so that state and the mail it needs commit in one transaction; the F-03
//! registers (`register.rs`), F-04 room lists (`rooms.rs`) and to-do acknowledgements
//! (`todos.rs`).
//!
//! Invariant: only `src/audit/` and `src/store/` import redb. Every write transaction here is
//! durable (fsync on commit) and runs off the async runtime (`spawn_blocking`).

pub mod confirmations;
pub mod held;
pub mod idempotency;
pub mod outbox;
pub mod register;
pub mod retired_logins;
pub mod rooms;
pub mod sessions;
pub mod sign_in_failures;
pub mod todos;

use std::path::Path;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the state store is unavailable: {0}")]
    Unavailable(String),
    #[error("the state store is corrupt: {0}")]
    Corrupt(String),
}

impl From<redb::Error> for StoreError {
    fn from(e: redb::Error) -> Self {
        StoreError::Unavailable(e.to_string())
    }
}

macro_rules! from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                StoreError::Unavailable(e.to_string())
            }
        }
    )*};
}
from_redb!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

/// The open state file, shared by the parts that keep state in it.
#[derive(Clone)]
pub struct StateStore {
    db: Arc<redb::Database>,
}

impl StateStore {
    /// Opens or creates the file (and its folder). One process at a time: a second opener
    /// gets a clear "in use" error.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Unavailable(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let db = redb::Database::create(path).map_err(|e| match e {
            redb::DatabaseError::DatabaseAlreadyOpen => StoreError::Unavailable(format!(
                "{} is in use by another process (is the daemon running?)",
                path.display()
            )),
            other => StoreError::Unavailable(format!("{}: {other}", path.display())),
        })?;
        Ok(Self { db: Arc::new(db) })
    }

    #[allow(dead_code)] // for parts that need a transaction outside `blocking` (held operations)
    pub(crate) fn db(&self) -> &redb::Database {
        &self.db
    }

    /// Runs `f` on a blocking thread (redb transactions never run on async workers).
    pub(crate) async fn blocking<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&redb::Database) -> Result<T, StoreError> + Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || f(&db))
            .await
            .map_err(|e| StoreError::Unavailable(format!("state task failed: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_opener_is_told_the_file_is_in_use() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.redb");
        let _first = StateStore::open(&path).unwrap();
        let err = StateStore::open(&path).err().unwrap().to_string();
        assert!(err.contains("in use"), "{err}");
    }
}
