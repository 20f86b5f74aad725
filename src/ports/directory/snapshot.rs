//! [`ReadSnapshot`]: an adapter's read, carried with the domain value made from it.

use std::any::Any;
use std::sync::Arc;

/// What the directory adapter read for an entry, kept with the domain value made from it so
/// that a write right after the read need not read the entry again (issue 17: a SCIM PATCH
/// read the person twice). Opaque outside the adapter that made it, which is the only one
/// able to look inside ([`ReadSnapshot::get`]); empty for entries read any other way. It
/// is a cache of what the other fields say, never part of the person: every snapshot equals
/// every other, and an adapter that writes from one asserts its version, so a stale snapshot
/// costs a refused write, never a lost update.
#[derive(Clone, Default)]
pub struct ReadSnapshot(Option<Arc<dyn Any + Send + Sync>>);

impl ReadSnapshot {
    pub fn of<T: Any + Send + Sync>(read: T) -> Self {
        Self(Some(Arc::new(read)))
    }

    /// The adapter's own read, if this snapshot holds one of its type.
    pub fn get<T: Any>(&self) -> Option<&T> {
        self.0.as_deref().and_then(|r| r.downcast_ref())
    }
}

impl std::fmt::Debug for ReadSnapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.0 {
            Some(_) => "ReadSnapshot(..)",
            None => "ReadSnapshot(none)",
        })
    }
}

impl PartialEq for ReadSnapshot {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for ReadSnapshot {}
