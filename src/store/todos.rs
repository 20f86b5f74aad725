//! The step-7 reminders' acknowledgements: a to-do ("update F-02/F-03/F-04") is an
//! `account.activated` audit record of the school; the local administrator closes it by
//! confirming, which is kept here as `activation seq → who and when` (and audited by the
//! caller). The first acknowledgement stays.

use super::txn::{decode, insert_first, open_existing};
use super::{StateStore, StoreResult};
use crate::ports::state::TodoAcknowledgements;
use async_trait::async_trait;
use redb::TableDefinition;
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
    async fn acknowledge_todo(&self, seq: u64, ack: Acknowledgement) -> StoreResult<bool> {
        self.write_or_refuse(move |txn| insert_first(txn, ACKS, &seq, &ack))
            .await
    }

    /// The acknowledgements of those of `seqs` that have one.
    async fn todo_acknowledgements(
        &self,
        seqs: Vec<u64>,
    ) -> StoreResult<BTreeMap<u64, Acknowledgement>> {
        self.read(move |txn| {
            let Some(table) = open_existing(txn, ACKS)? else {
                return Ok(BTreeMap::new());
            };
            let mut out = BTreeMap::new();
            for seq in seqs {
                if let Some(v) = table.get(seq)? {
                    out.insert(seq, decode(v.value(), format_args!("to-do {seq}"))?);
                }
            }
            Ok(out)
        })
        .await
    }
}
