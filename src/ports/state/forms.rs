//! The school's records of procedure step 7 (`crate::forms`): the append-only F-03
//! register, the F-04 room lists (versions, never changed) and the to-dos' acknowledgements.

use super::StoreResult;
use crate::domain::forms::{RegisterRow, RoomsVersion};
use crate::domain::SchoolCode;
use crate::store::register::RegisterSnapshot;
use crate::store::todos::Acknowledgement;
use async_trait::async_trait;
use std::collections::BTreeMap;

/// Rows to append to a school's register, planned from the snapshot at `expected_cursor`:
/// the cursor moves to `new_cursor` in the same commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterAppend {
    pub expected_cursor: u64,
    pub new_cursor: u64,
    pub rows: Vec<RegisterRow>,
}

/// The F-03 register: rows are appended, never changed or removed.
#[async_trait]
pub trait RegisterRows: Send + Sync {
    /// The school's rows and the audit cursor they reach.
    async fn register_snapshot(&self, school: &SchoolCode) -> StoreResult<RegisterSnapshot>;
    /// Appends `append.rows` and moves the cursor from `append.expected_cursor` to
    /// `append.new_cursor` in one commit; `Ok(false)`, writing nothing, when someone else
    /// appended first.
    async fn append_register_rows(
        &self,
        school: &SchoolCode,
        append: RegisterAppend,
    ) -> StoreResult<bool>;
}

/// The F-04 room lists: a change is a new version.
#[async_trait]
pub trait RoomLists: Send + Sync {
    /// Every version of the school's list, oldest first.
    async fn room_versions(&self, school: &SchoolCode) -> StoreResult<Vec<RoomsVersion>>;
    /// Adds `next` if its number is the next one; `Ok(false)` when another version came first.
    async fn add_room_version(&self, school: &SchoolCode, next: RoomsVersion) -> StoreResult<bool>;
}

/// Acknowledgements of the step-7 to-dos, by the activation record's seq.
#[async_trait]
pub trait TodoAcknowledgements: Send + Sync {
    /// `Ok(false)` when it was acknowledged already (the first one stays).
    async fn acknowledge_todo(&self, seq: u64, ack: Acknowledgement) -> StoreResult<bool>;
    /// The acknowledgements of those of `seqs` that have one.
    async fn todo_acknowledgements(
        &self,
        seqs: Vec<u64>,
    ) -> StoreResult<BTreeMap<u64, Acknowledgement>>;
}

every_part! {
    /// What the forms use cases keep in the state store.
    pub trait FormsState = RegisterRows + RoomLists + TodoAcknowledgements;
}
