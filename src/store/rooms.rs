//! The F-04 room lists, versioned: `(school code, version) → JSON RoomsVersion`. A change
//! is a new version (the previous number + 1); versions are never changed or removed.

use super::txn::{decode, encode, open_existing};
use super::{StateStore, StoreResult};
use crate::domain::forms::RoomsVersion;
use crate::domain::SchoolCode;
use crate::ports::state::RoomLists;
use async_trait::async_trait;
use redb::{ReadableTable, TableDefinition};

const VERSIONS: TableDefinition<(&str, u32), &[u8]> = TableDefinition::new("rooms_versions");

#[async_trait]
impl RoomLists for StateStore {
    /// Every version of the school's list, oldest first.
    async fn room_versions(&self, school: &SchoolCode) -> StoreResult<Vec<RoomsVersion>> {
        let school = school.as_str().to_owned();
        self.read(move |txn| {
            let Some(table) = open_existing(txn, VERSIONS)? else {
                return Ok(Vec::new());
            };
            let mut out = Vec::new();
            for entry in table.range((school.as_str(), 0)..=(school.as_str(), u32::MAX))? {
                let (_, v) = entry?;
                out.push(decode(v.value(), format_args!("rooms of {school}"))?);
            }
            Ok(out)
        })
        .await
    }

    /// Stores `next` when it is exactly the version after the latest; `Ok(false)` (nothing
    /// written) when another change came first.
    async fn add_room_version(&self, school: &SchoolCode, next: RoomsVersion) -> StoreResult<bool> {
        let school = school.as_str().to_owned();
        self.write_or_refuse(move |txn| {
            let mut table = txn.open_table(VERSIONS)?;
            let latest = table
                .range((school.as_str(), 0)..=(school.as_str(), u32::MAX))?
                .next_back()
                .transpose()?
                .map_or(0, |(k, _)| k.value().1);
            if next.version != latest + 1 {
                return Ok(false);
            }
            table.insert((school.as_str(), next.version), encode(&next)?.as_slice())?;
            Ok(true)
        })
        .await
    }
}
