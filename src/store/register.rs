//! The F-03 registers of authorized persons, one per school, append-only (GDPR-03).
//!
//! Tables: `register_rows`: `(school code, no) → JSON RegisterRow`; `register_cursor`:
//! `school code → the last audit seq taken in`. There is no update or remove: `append`
//! inserts new numbers only, and refuses (without writing) when another append moved the
//! cursor since the caller read it, or when a number is not the next one, so two
//! concurrent syncs cannot both add the same rows.

use super::txn::{decode, encode, open_existing};
use super::{StateStore, StoreError, StoreResult};
use crate::domain::forms::RegisterRow;
use crate::domain::SchoolCode;
use crate::ports::state::{RegisterAppend, RegisterRows};
use async_trait::async_trait;
use redb::{ReadableTable, TableDefinition};

const ROWS: TableDefinition<(&str, u64), &[u8]> = TableDefinition::new("register_rows");
const CURSOR: TableDefinition<&str, u64> = TableDefinition::new("register_cursor");

/// A school's register as read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegisterSnapshot {
    /// The last audit seq taken in (0: none yet).
    pub cursor: u64,
    /// Every row, by number.
    pub rows: Vec<RegisterRow>,
}

#[async_trait]
impl RegisterRows for StateStore {
    /// The school's rows and cursor.
    async fn register_snapshot(&self, school: &SchoolCode) -> StoreResult<RegisterSnapshot> {
        let school = school.as_str().to_owned();
        self.read(move |txn| {
            let Some(cursors) = open_existing(txn, CURSOR)? else {
                return Ok(RegisterSnapshot::default());
            };
            let cursor = cursors.get(school.as_str())?.map_or(0, |v| v.value());
            let Some(table) = open_existing(txn, ROWS)? else {
                return Ok(RegisterSnapshot {
                    cursor,
                    rows: Vec::new(),
                });
            };
            let mut rows = Vec::new();
            for entry in table.range((school.as_str(), 0)..=(school.as_str(), u64::MAX))? {
                let (_, v) = entry?;
                rows.push(decode(v.value(), format_args!("register row of {school}"))?);
            }
            Ok(RegisterSnapshot { cursor, rows })
        })
        .await
    }

    /// Appends `rows` (numbered from the register's next number on) and moves the cursor
    /// from `expected_cursor` to `new_cursor`. `Ok(false)`, writing nothing, when the cursor
    /// is no longer `expected_cursor` (someone else appended first).
    async fn append_register_rows(
        &self,
        school: &SchoolCode,
        append: RegisterAppend,
    ) -> StoreResult<bool> {
        let school = school.as_str().to_owned();
        let RegisterAppend {
            expected_cursor,
            new_cursor,
            rows,
        } = append;
        self.write_or_refuse(move |txn| {
            let mut cursor = txn.open_table(CURSOR)?;
            let current = cursor.get(school.as_str())?.map_or(0, |v| v.value());
            if current != expected_cursor {
                return Ok(false);
            }
            let mut table = txn.open_table(ROWS)?;
            let first = table
                .range((school.as_str(), 0)..=(school.as_str(), u64::MAX))?
                .next_back()
                .transpose()?
                .map_or(1, |(k, _)| k.value().1 + 1);
            for (next, row) in (first..).zip(&rows) {
                if row.no != next {
                    return Err(StoreError::Corrupt(format!(
                        "register of {school}: row {} appended where {next} is next",
                        row.no
                    )));
                }
                table.insert((school.as_str(), row.no), encode(row)?.as_slice())?;
            }
            cursor.insert(school.as_str(), new_cursor.max(current))?;
            Ok(true)
        })
        .await
    }
}
