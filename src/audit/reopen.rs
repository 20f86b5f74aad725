//! Recovery of the audit store after an I/O error (issue 14 finding 4). After a failed
//! commit redb refuses every later transaction ("Previous I/O error occurred. Please close
//! and re-open the database"), so the store would stay broken until a restart. Instead the
//! writer marks the store failing; while it is failing no directory write starts (the edges
//! answer 503 with `Retry-After`, `AuditLog::is_failing`), and at its next request (an append,
//! or the periodic ping of `/readyz` and the reconciler) the writer closes the file and opens
//! it again, reloading and checking the chain head like `open` does. If the fault persists
//! (the disk is still full), the reopen or the next commit fails and it tries again later.
//!
//! The file handle, the failing mark and the reopen are the state store's too
//! (`store::reopen::ReopenableDb`); what is the audit store's own is when it reopens and that
//! it reloads the chain head.

use super::chain::ChainHead;
use super::key::HmacKey;
use crate::ports::AuditError;
use crate::store::reopen::ReopenableDb;
use redb::Database;
use std::path::Path;
use std::sync::Arc;

/// The open database, shared by the writer and the readers, replaceable after an I/O error.
pub(super) struct DbSlot(ReopenableDb);

impl DbSlot {
    pub(super) fn new(path: &Path, db: Database) -> Self {
        Self(ReopenableDb::new(path, db))
    }

    /// The database for one transaction; `Unavailable` while it is being reopened.
    pub(super) fn current(&self) -> Result<Arc<Database>, AuditError> {
        self.0.handle().ok_or_else(|| {
            AuditError::Unavailable("the audit store is reopening after an I/O error".into())
        })
    }

    pub(super) fn is_failing(&self) -> bool {
        self.0.is_failing()
    }

    pub(super) fn mark_failing(&self) {
        self.0.mark_failing(
            "the audit store failed to commit: directory writes are refused until it recovers",
        );
    }

    /// Closes the file and opens it again; returns the reloaded chain head (`head` as it
    /// was when the store is not failing). The caller must hold no `Arc<Database>` of its
    /// own (a reader still holding one makes this fail with "in use"; the next attempt
    /// succeeds).
    pub(super) fn reopen_after_io_error(
        &self,
        key: &HmacKey,
        head: Option<ChainHead>,
    ) -> Result<Option<ChainHead>, AuditError> {
        let reloaded = self.0.reopen(
            super::tables::open_error,
            |db| {
                super::store::create_tables(db)?;
                super::store::load_head(db, key)
            },
            "the audit store was reopened and takes writes again",
        )?;
        Ok(reloaded.unwrap_or(head))
    }
}
