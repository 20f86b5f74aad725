//! Recovery of the audit store after an I/O error (issue 14 finding 4). After a failed
//! commit redb refuses every later transaction ("Previous I/O error occurred. Please close
//! and re-open the database"), so the store would stay broken until a restart. Instead the
//! writer marks the store failing; while it is failing no directory write starts (the edges
//! answer 503 with `Retry-After`, `AuditLog::is_failing`), and at its next request (an append,
//! or the periodic ping of `/readyz` and the reconciler) the writer closes the file and opens
//! it again, reloading and checking the chain head like `open` does. If the fault persists
//! (the disk is still full), the reopen or the next commit fails and it tries again later.
//!
//! Kept apart from `store.rs`'s open path on purpose: the format-version check of the open
//! path does not change recovery.

use super::chain::ChainHead;
use super::key::HmacKey;
use crate::ports::AuditError;
use redb::Database;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

/// The open database, shared by the writer and the readers, replaceable after an I/O error.
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

    /// The database for one transaction; `Unavailable` while it is being reopened.
    pub(super) fn current(&self) -> Result<Arc<Database>, AuditError> {
        self.db
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| {
                AuditError::Unavailable("the audit store is reopening after an I/O error".into())
            })
    }

    pub(super) fn is_failing(&self) -> bool {
        self.failing.load(Ordering::SeqCst)
    }

    pub(super) fn mark_failing(&self) {
        if !self.failing.swap(true, Ordering::SeqCst) {
            tracing::error!(path = %self.path.display(),
                "the audit store failed to commit: directory writes are refused until it recovers");
        }
    }

    /// Closes the file and opens it again; returns the reloaded chain head. The caller must
    /// hold no `Arc<Database>` of its own (a reader still holding one makes this fail with
    /// "in use"; the next attempt succeeds).
    pub(super) fn reopen_after_io_error(
        &self,
        key: &HmacKey,
    ) -> Result<Option<ChainHead>, AuditError> {
        let mut slot = self.db.write().unwrap_or_else(|p| p.into_inner());
        *slot = None;
        let db =
            Database::create(&self.path).map_err(|e| super::tables::open_error(&self.path, e))?;
        super::store::create_tables(&db)?;
        let head = super::store::load_head(&db, key)?;
        *slot = Some(Arc::new(db));
        self.failing.store(false, Ordering::SeqCst);
        tracing::warn!(path = %self.path.display(), "the audit store was reopened and takes writes again");
        Ok(head)
    }
}
