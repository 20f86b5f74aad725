//! Recovery of the state store after an I/O error (issue 14 finding 5). redb refuses every
//! transaction after a failed one ("Previous I/O error occurred. Please close and re-open
//! the database"), so a full or unwritable disk would break sessions, idempotency and the
//! outbox until a restart. After a failed transaction the store is marked failing; the next
//! transaction (or the `/readyz` check) first closes the file and opens it again. If the
//! fault persists, that transaction fails too and the next one tries again.
//!
//! Kept apart from `StateStore::open` on purpose: the open path's format-version check does
//! not change recovery.

use super::StoreError;
use redb::Database;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

pub(super) struct DbSlot {
    path: PathBuf,
    db: RwLock<Option<Arc<Database>>>,
    failing: AtomicBool,
}

impl DbSlot {
    pub(super) fn new(path: &Path, db: Database) -> Self {
        Self {
            path: path.to_owned(),
            db: RwLock::new(Some(Arc::new(db))),
            failing: AtomicBool::new(false),
        }
    }

    /// The database for one transaction, reopened first when the last one failed.
    pub(super) fn current(&self) -> Result<Arc<Database>, StoreError> {
        if self.failing.load(Ordering::SeqCst) {
            self.reopen_after_io_error()?;
        }
        self.db
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| StoreError::Unavailable("the state store is reopening".into()))
    }

    pub(super) fn mark_failing(&self) {
        if !self.failing.swap(true, Ordering::SeqCst) {
            tracing::error!(path = %self.path.display(),
                "a state store transaction failed: the file is reopened before the next one");
        }
    }

    /// Closes the file and opens it again. Fails ("in use") while another transaction still
    /// holds the old handle; the next call tries again.
    fn reopen_after_io_error(&self) -> Result<(), StoreError> {
        let mut slot = self.db.write().unwrap_or_else(|p| p.into_inner());
        if !self.failing.load(Ordering::SeqCst) {
            return Ok(()); // reopened by another caller meanwhile
        }
        *slot = None;
        let db = Database::create(&self.path)
            .map_err(|e| StoreError::Unavailable(format!("{}: {e}", self.path.display())))?;
        *slot = Some(Arc::new(db));
        self.failing.store(false, Ordering::SeqCst);
        tracing::warn!(path = %self.path.display(), "the state store was reopened");
        Ok(())
    }
}
