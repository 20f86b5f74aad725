//! The F-04 room lists, versioned: `(school code, version) → JSON RoomsVersion`. A change
//! is a new version (the previous number + 1); versions are never changed or removed.

use super::{StateStore, StoreError};
use crate::domain::forms::RoomsVersion;
use redb::{ReadableTable, TableDefinition};

const VERSIONS: TableDefinition<(&str, u32), &[u8]> = TableDefinition::new("rooms_versions");

#[derive(Clone)]
pub struct Rooms {
    store: StateStore,
}

impl Rooms {
    pub fn new(store: StateStore) -> Self {
        Self { store }
    }

    /// Every version of the school's list, oldest first.
    pub async fn versions(&self, school: &str) -> Result<Vec<RoomsVersion>, StoreError> {
        let school = school.to_owned();
        self.store
            .blocking(move |db| {
                let txn = db.begin_read()?;
                let table = match txn.open_table(VERSIONS) {
                    Ok(t) => t,
                    Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
                    Err(e) => return Err(e.into()),
                };
                let mut out = Vec::new();
                for entry in table.range((school.as_str(), 0)..=(school.as_str(), u32::MAX))? {
                    let (_, v) = entry?;
                    out.push(
                        serde_json::from_slice(v.value())
                            .map_err(|e| StoreError::Corrupt(format!("rooms of {school}: {e}")))?,
                    );
                }
                Ok(out)
            })
            .await
    }

    /// Stores `next` when it is exactly the version after the latest; `Ok(false)` (nothing
    /// written) when another change came first.
    pub async fn add_version(&self, school: &str, next: RoomsVersion) -> Result<bool, StoreError> {
        let school = school.to_owned();
        self.store
            .blocking(move |db| {
                let txn = db.begin_write()?;
                {
                    let mut table = txn.open_table(VERSIONS)?;
                    let latest = table
                        .range((school.as_str(), 0)..=(school.as_str(), u32::MAX))?
                        .next_back()
                        .transpose()?
                        .map_or(0, |(k, _)| k.value().1);
                    if next.version != latest + 1 {
                        return Ok(false);
                    }
                    let bytes = serde_json::to_vec(&next)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    table.insert((school.as_str(), next.version), bytes.as_slice())?;
                }
                txn.commit()?;
                Ok(true)
            })
            .await
    }
}
