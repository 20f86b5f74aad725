//! The F-04 room lists, versioned: `(school code, version) → JSON RoomsVersion`. A change
//! is a new version (the previous number + 1); versions are never changed or removed.

use super::{StateStore, StoreError};
use crate::domain::forms::RoomsVersion;
use crate::domain::SchoolCode;
use crate::ports::state::RoomLists;
use async_trait::async_trait;
use redb::{ReadableTable, TableDefinition};

const VERSIONS: TableDefinition<(&str, u32), &[u8]> = TableDefinition::new("rooms_versions");

#[async_trait]
impl RoomLists for StateStore {
    /// Every version of the school's list, oldest first.
    async fn room_versions(&self, school: &SchoolCode) -> Result<Vec<RoomsVersion>, StoreError> {
        let school = school.as_str().to_owned();
        self.blocking(move |db| {
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
    async fn add_room_version(
        &self,
        school: &SchoolCode,
        next: RoomsVersion,
    ) -> Result<bool, StoreError> {
        let school = school.as_str().to_owned();
        self.blocking(move |db| {
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
                let bytes =
                    serde_json::to_vec(&next).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                table.insert((school.as_str(), next.version), bytes.as_slice())?;
            }
            txn.commit()?;
            Ok(true)
        })
        .await
    }
}
