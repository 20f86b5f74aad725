//! The format version of each redb file the daemon keeps (the audit store, the state store).
//!
//! Every file carries a `zszo_format` table: `"kind"` (which store it is) and `"version"`. A
//! binary opens a file of its own kind whose version it knows, migrating an older one forward
//! in one write transaction, and refuses a file written by a newer release (or of the other
//! kind) with a message that says what to do, before it touches anything else in the file.
//!
//! What counts as a format change: a table's key or value type, or the encoding of its records.
//! Adding a table is not one (tables are created when first written).
//!
//! Versions:
//! * 1: the files before they carried a version (no `zszo_format` table; up to 2026-12-04).
//! * 2: the same tables, plus `zszo_format`.
//! * 3: the audit store's index entries may lag its newest records (up to 64 of them,
//!   `audit_meta` `"indexed_through"`, `src/audit/index.rs`) and its readiness probe has a
//!   table of its own. A release that knows only 2 would miss those records in its indexed
//!   queries, so it must refuse the file. The state store is unchanged.

use redb::{Database, TableDefinition};
use std::fmt;
use std::path::Path;

const FORMAT: TableDefinition<&str, &str> = TableDefinition::new("zszo_format");
const KIND_KEY: &str = "kind";
const VERSION_KEY: &str = "version";

/// The version this binary writes.
pub const CURRENT_VERSION: u32 = 3;
/// The oldest version this binary can migrate from.
pub const OLDEST_READABLE: u32 = 1;

/// Which store a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    Audit,
    State,
}

impl StoreKind {
    fn as_str(self) -> &'static str {
        match self {
            StoreKind::Audit => "audit",
            StoreKind::State => "state",
        }
    }
}

impl fmt::Display for StoreKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StoreKind::Audit => "audit store",
            StoreKind::State => "state store",
        })
    }
}

/// What opening found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatCheck {
    /// A new, empty file: stamped with the current version.
    Created,
    /// A file of the current version.
    Current,
    /// An older file, migrated to the current version.
    Migrated { from: u32 },
}

#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error(
        "{path} was written by a newer zszo-connector ({kind} format {found}; this binary knows \
         formats {OLDEST_READABLE} to {CURRENT_VERSION}): run that release or a later one, or \
         restore a backup taken with this release"
    )]
    Newer {
        path: String,
        kind: StoreKind,
        found: u32,
    },
    #[error(
        "{path} is not the {expected} (it is a {found} file): check the `path` keys of [audit] \
         and [state] in the configuration"
    )]
    WrongKind {
        path: String,
        expected: StoreKind,
        found: String,
    },
    #[error("{path}: the format stamp is unreadable ({detail}); restore a backup")]
    Malformed { path: String, detail: String },
    #[error("{path}: {detail}")]
    Storage { path: String, detail: String },
}

/// Checks (and stamps, or migrates) the format of an open file. Call before any other access.
pub fn ensure(db: &Database, path: &Path, kind: StoreKind) -> Result<FormatCheck, FormatError> {
    let storage = |e: &dyn fmt::Display| FormatError::Storage {
        path: path.display().to_string(),
        detail: e.to_string(),
    };
    let found = read_stamp(db, path)?;
    let check = match found {
        Some(stamp) => {
            check_stamp(&stamp, path, kind)?;
            if stamp.version == CURRENT_VERSION {
                return Ok(FormatCheck::Current);
            }
            FormatCheck::Migrated {
                from: stamp.version,
            }
        }
        None if is_empty(db).map_err(|e| storage(&e))? => FormatCheck::Created,
        None => FormatCheck::Migrated { from: 1 },
    };
    let mut txn = db.begin_write().map_err(|e| storage(&e))?;
    txn.set_durability(redb::Durability::Immediate);
    {
        // Migrations from version n to n + 1 go here, each in this transaction. 1 → 2 only
        // adds the stamp.
        let mut table = txn.open_table(FORMAT).map_err(|e| storage(&e))?;
        table
            .insert(KIND_KEY, kind.as_str())
            .map_err(|e| storage(&e))?;
        let version = CURRENT_VERSION.to_string();
        table
            .insert(VERSION_KEY, version.as_str())
            .map_err(|e| storage(&e))?;
    }
    txn.commit().map_err(|e| storage(&e))?;
    if let FormatCheck::Migrated { from } = check {
        tracing::info!(store = %kind, from, to = CURRENT_VERSION, path = %path.display(), "store format migrated");
    }
    Ok(check)
}

/// For read-only tools (verify, list, export of a copy): refuses a newer or foreign file,
/// changes nothing.
pub fn check_readable(db: &Database, path: &Path, kind: StoreKind) -> Result<u32, FormatError> {
    match read_stamp(db, path)? {
        Some(stamp) => {
            check_stamp(&stamp, path, kind)?;
            Ok(stamp.version)
        }
        None => Ok(1),
    }
}

/// Opens a file that no process holds (a backup copy) and checks it like `check_readable`.
pub fn check_file(path: &Path, kind: StoreKind) -> Result<u32, FormatError> {
    let db = Database::open(path).map_err(|e| FormatError::Storage {
        path: path.display().to_string(),
        detail: e.to_string(),
    })?;
    check_readable(&db, path, kind)
}

/// The version stamped in a file, if any (for `check-config` and operators).
pub fn version_of(db: &Database, path: &Path) -> Result<Option<u32>, FormatError> {
    Ok(read_stamp(db, path)?.map(|s| s.version))
}

struct Stamp {
    kind: String,
    version: u32,
}

fn read_stamp(db: &Database, path: &Path) -> Result<Option<Stamp>, FormatError> {
    let malformed = |detail: String| FormatError::Malformed {
        path: path.display().to_string(),
        detail,
    };
    let txn = db.begin_read().map_err(|e| FormatError::Storage {
        path: path.display().to_string(),
        detail: e.to_string(),
    })?;
    let table = match txn.open_table(FORMAT) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(malformed(e.to_string())),
    };
    let get = |key: &str| -> Result<Option<String>, FormatError> {
        Ok(table
            .get(key)
            .map_err(|e| malformed(e.to_string()))?
            .map(|v| v.value().to_owned()))
    };
    let kind = get(KIND_KEY)?.ok_or_else(|| malformed("no kind".into()))?;
    let version = get(VERSION_KEY)?
        .ok_or_else(|| malformed("no version".into()))?
        .parse::<u32>()
        .map_err(|e| malformed(format!("version: {e}")))?;
    Ok(Some(Stamp { kind, version }))
}

fn check_stamp(stamp: &Stamp, path: &Path, kind: StoreKind) -> Result<(), FormatError> {
    if stamp.kind != kind.as_str() {
        return Err(FormatError::WrongKind {
            path: path.display().to_string(),
            expected: kind,
            found: stamp.kind.clone(),
        });
    }
    if stamp.version > CURRENT_VERSION {
        return Err(FormatError::Newer {
            path: path.display().to_string(),
            kind,
            found: stamp.version,
        });
    }
    if stamp.version < OLDEST_READABLE {
        return Err(FormatError::Malformed {
            path: path.display().to_string(),
            detail: format!("format {} is not a known version", stamp.version),
        });
    }
    Ok(())
}

fn is_empty(db: &Database) -> Result<bool, Box<redb::Error>> {
    let txn = db.begin_read().map_err(|e| Box::new(e.into()))?;
    let tables = txn.list_tables().map_err(|e| Box::new(e.into()))?;
    let multimaps = txn.list_multimap_tables().map_err(|e| Box::new(e.into()))?;
    Ok(tables.count() == 0 && multimaps.count() == 0)
}

/// Stamps `path` with a chosen version: for tests that need a file from another release.
#[doc(hidden)]
pub fn stamp_for_tests(path: &Path, kind: &str, version: u32) -> Result<(), Box<redb::Error>> {
    let boxed = |e: redb::Error| Box::new(e);
    let db = Database::create(path).map_err(|e| boxed(e.into()))?;
    let txn = db.begin_write().map_err(|e| boxed(e.into()))?;
    {
        let mut table = txn.open_table(FORMAT).map_err(|e| boxed(e.into()))?;
        table.insert(KIND_KEY, kind).map_err(|e| boxed(e.into()))?;
        let version = version.to_string();
        table
            .insert(VERSION_KEY, version.as_str())
            .map_err(|e| boxed(e.into()))?;
    }
    txn.commit().map_err(|e| boxed(e.into()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.redb");
        (dir, path)
    }

    #[test]
    fn a_new_file_is_stamped_then_current() {
        let (_d, path) = file();
        let db = Database::create(&path).unwrap();
        assert_eq!(
            ensure(&db, &path, StoreKind::State).unwrap(),
            FormatCheck::Created
        );
        assert_eq!(
            ensure(&db, &path, StoreKind::State).unwrap(),
            FormatCheck::Current
        );
        assert_eq!(version_of(&db, &path).unwrap(), Some(CURRENT_VERSION));
    }

    #[test]
    fn an_unstamped_file_with_tables_is_version_one_and_migrated() {
        let (_d, path) = file();
        let db = Database::create(&path).unwrap();
        let txn = db.begin_write().unwrap();
        txn.open_table(TableDefinition::<&str, &[u8]>::new("panel_sessions"))
            .unwrap();
        txn.commit().unwrap();
        assert_eq!(check_readable(&db, &path, StoreKind::State).unwrap(), 1);
        assert_eq!(
            ensure(&db, &path, StoreKind::State).unwrap(),
            FormatCheck::Migrated { from: 1 }
        );
        assert_eq!(version_of(&db, &path).unwrap(), Some(CURRENT_VERSION));
    }

    #[test]
    fn a_newer_file_is_refused_with_what_to_do() {
        let (_d, path) = file();
        stamp_for_tests(&path, "audit", CURRENT_VERSION + 1).unwrap();
        let db = Database::open(&path).unwrap();
        let err = ensure(&db, &path, StoreKind::Audit).unwrap_err();
        assert!(matches!(err, FormatError::Newer { found, .. } if found == CURRENT_VERSION + 1));
        assert!(err.to_string().contains("newer zszo-connector"), "{err}");
        // Nothing was written: the stamp is still the newer one.
        assert_eq!(version_of(&db, &path).unwrap(), Some(CURRENT_VERSION + 1));
    }

    #[test]
    fn the_other_stores_file_is_refused() {
        let (_d, path) = file();
        stamp_for_tests(&path, "audit", CURRENT_VERSION).unwrap();
        let db = Database::open(&path).unwrap();
        let err = ensure(&db, &path, StoreKind::State).unwrap_err();
        assert!(matches!(err, FormatError::WrongKind { .. }), "{err}");
    }
}
