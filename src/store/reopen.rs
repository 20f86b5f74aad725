//! Recovery of a redb file after an I/O error (issue 14 findings 4 and 5). redb refuses every
//! transaction after a failed one ("Previous I/O error occurred. Please close and re-open
//! the database"), so a full or unwritable disk would break the store until a restart.
//! [`ReopenableDb`] is what both stores share: the open handle, replaceable; the "failing"
//! mark, logged once; and the reopen itself. When each reopens differs:
//!
//! - the state store ([`DbSlot`]): the next transaction (or the `/readyz` check) first
//!   closes the file and opens it again; if the fault persists, that transaction fails too
//!   and the next one tries again;
//! - the audit store (`audit/reopen.rs`): its writer reopens at its next request, reloading
//!   and checking the chain head; meanwhile no directory write starts.
//!
//! Kept apart from the open paths on purpose: their format-version check does not change
//! recovery.

use super::{StoreError, StoreResult};
use redb::Database;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

/// redb's own page cache for each store file. redb's default is 1 GiB, and it keeps what it
/// wrote: over a 25,000-person Bulk the audit log's pages alone lifted the daemon's peak
/// resident memory past 64 MiB (issue 17, BENCHMARKS.md). The kernel's page cache still holds
/// the file, so a page that left this cache costs a read from memory, not from disk.
pub(crate) const CACHE_BYTES: usize = 4 * 1024 * 1024;

/// Opens (or creates) a store's redb file with [`CACHE_BYTES`] of cache: every open and reopen
/// of the audit and the state store goes through here.
pub(crate) fn create_database(path: &Path) -> Result<Database, redb::DatabaseError> {
    redb::Builder::new()
        .set_cache_size(CACHE_BYTES)
        .create(path)
}

/// An open redb file that can be closed and opened again after an I/O error.
pub(crate) struct ReopenableDb {
    path: PathBuf,
    db: RwLock<Option<Arc<Database>>>,
    failing: AtomicBool,
}

impl ReopenableDb {
    pub(crate) fn new(path: &Path, db: Database) -> Self {
        Self {
            path: path.to_owned(),
            db: RwLock::new(Some(Arc::new(db))),
            failing: AtomicBool::new(false),
        }
    }

    /// The database for one transaction; `None` while it is being reopened.
    pub(crate) fn handle(&self) -> Option<Arc<Database>> {
        self.db.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(crate) fn is_failing(&self) -> bool {
        self.failing.load(Ordering::SeqCst)
    }

    /// Marks the file failing after a failed transaction; logs `consequence` the first time.
    pub(crate) fn mark_failing(&self, consequence: &str) {
        if !self.failing.swap(true, Ordering::SeqCst) {
            tracing::error!(path = %self.path.display(), "{consequence}");
        }
    }

    /// Closes the file and opens it again, then runs `reload` on it (before anyone else
    /// can use it); `Ok(None)` when it is not failing (reopened by another caller
    /// meanwhile). The caller must hold no `Arc<Database>` of its own: a transaction still
    /// holding the old handle makes this fail ("in use"); the next call tries again.
    pub(crate) fn reopen<T, E>(
        &self,
        open_error: impl FnOnce(&Path, redb::DatabaseError) -> E,
        reload: impl FnOnce(&Database) -> Result<T, E>,
        reopened: &str,
    ) -> Result<Option<T>, E> {
        let mut slot = self.db.write().unwrap_or_else(|p| p.into_inner());
        if !self.is_failing() {
            return Ok(None);
        }
        *slot = None;
        let db = create_database(&self.path).map_err(|e| open_error(&self.path, e))?;
        let reloaded = reload(&db)?;
        *slot = Some(Arc::new(db));
        self.failing.store(false, Ordering::SeqCst);
        tracing::warn!(path = %self.path.display(), "{reopened}");
        Ok(Some(reloaded))
    }
}

/// The state store's file: reopened before the next transaction after a failed one.
pub(super) struct DbSlot(ReopenableDb);

impl DbSlot {
    pub(super) fn new(path: &Path, db: Database) -> Self {
        Self(ReopenableDb::new(path, db))
    }

    /// The database for one transaction, reopened first when the last one failed.
    pub(super) fn current(&self) -> StoreResult<Arc<Database>> {
        if self.0.is_failing() {
            self.0.reopen(
                |path, e| StoreError::Unavailable(format!("{}: {e}", path.display())),
                |_| Ok(()),
                "the state store was reopened",
            )?;
        }
        self.0
            .handle()
            .ok_or_else(|| StoreError::Unavailable("the state store is reopening".into()))
    }

    pub(super) fn mark_failing(&self) {
        self.0.mark_failing(
            "a state store transaction failed: the file is reopened before the next one",
        );
    }
}
