//! The step-7 reminders' acknowledgements: a to-do ("update F-02/F-03/F-04") is an
//! `account.activated` audit record of the school; the local administrator closes it by
//! confirming, which is kept here as `activation seq → who and when` (and audited by the
//! caller). The first acknowledgement stays.

use super::{StateStore, StoreError};
use crate::ports::state::TodoAcknowledgements;
use async_trait::async_trait;
use redb::{ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

const ACKS: TableDefinition<u64, &[u8]> = TableDefinition::new("todo_acknowledgements");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    pub by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[async_trait]
impl TodoAcknowledgements for StateStore {
    /// Records the acknowledgement of the activation record `seq`. `Ok(false)` when it was
    /// acknowledged already (the first one stays).
    async fn acknowledge_todo(&self, seq: u64, ack: Acknowledgement) -> Result<bool, StoreError> {
        self.blocking(move |db| {
            let txn = db.begin_write()?;
            let inserted = {
                let mut table = txn.open_table(ACKS)?;
                if table.get(seq)?.is_some() {
                    false
                } else {
                    let bytes =
                        serde_json::to_vec(&ack).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    table.insert(seq, bytes.as_slice())?;
                    true
                }
            };
            txn.commit()?;
            Ok(inserted)
        })
        .await
    }

    /// The acknowledgements of those of `seqs` that have one.
    async fn todo_acknowledgements(
        &self,
        seqs: Vec<u64>,
    ) -> Result<BTreeMap<u64, Acknowledgement>, StoreError> {
        self.blocking(move |db| {
            let txn = db.begin_read()?;
            let table = match txn.open_table(ACKS) {
                Ok(t) => t,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(BTreeMap::new()),
                Err(e) => return Err(e.into()),
            };
            let mut out = BTreeMap::new();
            for seq in seqs {
                if let Some(v) = table.get(seq)? {
                    let ack = serde_json::from_slice(v.value())
                        .map_err(|e| StoreError::Corrupt(format!("to-do {seq}: {e}")))?;
                    out.insert(seq, ack);
                }
            }
            Ok(out)
        })
        .await
    }
}
