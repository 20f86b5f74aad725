//! Write intents (security.md REL-02, issue 14): what a use case is about to write to the
//! directory, recorded durably before the write, so that a crash of the daemon or a lost
//! connection between the directory write and its audit record ends with exactly one record.
//!
//! One redb table, intent id → the intent. A use case records the intent, writes, appends its
//! audit record, then finishes the intent. An intent left open (the daemon died, the audit
//! store failed, or the outcome of the write is unknown) is resolved by the reconciler
//! (`provisioning/intents.rs`) at start and periodically. A resolved intent whose write had
//! happened is kept (state `Happened`, with the entry's id) for a day, so that the client's
//! retry of that creation gets the existing resource instead of a bare 409.

use super::{StateStore, StoreError, StoreResult};
use crate::domain::audit::Actor;
use crate::ports::state::WriteIntents;
use async_trait::async_trait;
use redb::{ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub(super) const INTENTS: TableDefinition<&str, &[u8]> = TableDefinition::new("write_intents");

/// How long a resolved intent is kept for the client's retry.
pub const KEEP_RESOLVED: time::Duration = time::Duration::hours(24);

/// Where an intent stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum IntentState {
    /// Recorded before the write; no answer given yet (or the daemon died).
    Open,
    /// The outcome was unknown when the client was answered (503); the record is owed.
    Answered,
    /// The write had happened and its record is written: `entry_id` for the client's retry.
    Happened { entry_id: String },
}

/// A person's creation about to be written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreationIntent {
    pub actor: Actor,
    pub request_id: Option<String>,
    pub school: String,
    /// The login candidate being added: its entry is what the reconciler reads back.
    pub login: String,
    pub external_id: Option<String>,
    pub user_name: Option<String>,
    /// The audit record's `attributes` detail.
    pub attributes: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub state: IntentState,
}

fn corrupt(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("write intent: {e}"))
}

#[async_trait]
impl WriteIntents for StateStore {
    /// Records `intent` durably; returns its id.
    /// Concurrent callers share one commit (`store/group_commit.rs`).
    async fn record_intent(&self, intent: CreationIntent) -> StoreResult<String> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let bytes = serde_json::to_vec(&intent).map_err(corrupt)?;
        self.intent_commits.insert(self, id.clone(), bytes).await?;
        Ok(id)
    }

    /// Sets the intent's state (`Answered`, `Happened`).
    async fn set_intent_state(&self, id: &str, state: IntentState) -> StoreResult<()> {
        let key = id.to_owned();
        self.blocking(move |db| {
            let txn = db.begin_write()?;
            {
                let mut table = txn.open_table(INTENTS)?;
                let current = table.get(key.as_str())?.map(|v| v.value().to_vec());
                if let Some(bytes) = current {
                    let mut intent: CreationIntent =
                        serde_json::from_slice(&bytes).map_err(corrupt)?;
                    intent.state = state;
                    let bytes = serde_json::to_vec(&intent).map_err(corrupt)?;
                    table.insert(key.as_str(), bytes.as_slice())?;
                }
            }
            txn.commit()?;
            Ok(())
        })
        .await
    }

    /// Removes the intent: its write and its record are both done (or it never wrote).
    ///
    /// Not fsynced (issue 17: a third fsync per create): the removal becomes durable with the
    /// next durable commit of the store. Lost in a crash, it only leaves an intent the
    /// reconciler settles at start without a second record: it finds the entry and its
    /// `person.created` record, or no entry of this creation, and drops the intent.
    async fn finish_intent(&self, id: &str) -> StoreResult<()> {
        let key = id.to_owned();
        self.blocking(move |db| {
            let mut txn = db.begin_write()?;
            txn.set_durability(redb::Durability::None);
            txn.open_table(INTENTS)?.remove(key.as_str())?;
            txn.commit()?;
            Ok(())
        })
        .await
    }

    /// Every intent, oldest first; resolved ones older than [`KEEP_RESOLVED`] are removed.
    async fn intents(&self, now: OffsetDateTime) -> StoreResult<Vec<(String, CreationIntent)>> {
        self.blocking(move |db| {
            let txn = db.begin_write()?;
            let mut kept = Vec::new();
            {
                let mut table = txn.open_table(INTENTS)?;
                let mut expired = Vec::new();
                for row in table.iter()? {
                    let (k, v) = row?;
                    let intent: CreationIntent =
                        serde_json::from_slice(v.value()).map_err(corrupt)?;
                    let resolved = matches!(intent.state, IntentState::Happened { .. });
                    if resolved && intent.at + KEEP_RESOLVED < now {
                        expired.push(k.value().to_owned());
                    } else {
                        kept.push((k.value().to_owned(), intent));
                    }
                }
                for k in expired {
                    table.remove(k.as_str())?;
                }
            }
            txn.commit()?;
            kept.sort_by_key(|(_, i)| i.at);
            Ok(kept)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intent(login: &str, at: OffsetDateTime) -> CreationIntent {
        CreationIntent {
            actor: Actor::ScimClient("hr".into()),
            request_id: None,
            school: "SP1".into(),
            login: login.into(),
            external_id: Some("7".into()),
            user_name: None,
            attributes: "name".into(),
            at,
            state: IntentState::Open,
        }
    }

    #[tokio::test]
    async fn intents_are_recorded_changed_finished_and_resolved_ones_expire() {
        let (_dir, store) = crate::store::temp_store();
        let now = OffsetDateTime::now_utc();
        let a = store.record_intent(intent("a", now)).await.unwrap();
        let b = store.record_intent(intent("b", now)).await.unwrap();
        store
            .set_intent_state(
                &b,
                IntentState::Happened {
                    entry_id: "id-b".into(),
                },
            )
            .await
            .unwrap();
        let all = store.intents(now).await.unwrap();
        assert_eq!(all.len(), 2);
        store.finish_intent(&a).await.unwrap();
        let later = now + KEEP_RESOLVED + time::Duration::minutes(1);
        assert!(store.intents(later).await.unwrap().is_empty());
    }
}
