//! What provisioning keeps beside the directory: retired logins and write intents.

use super::StoreResult;
use crate::domain::LoginName;
use crate::store::intents::{CreationIntent, IntentState};
use async_trait::async_trait;
use time::OffsetDateTime;

/// Logins of deleted people, never given again.
#[async_trait]
pub trait RetiredLogins: Send + Sync {
    /// Records that `login` belonged to the deleted entry `entry_id`; `Ok(false)` when it was
    /// retired already (the first record stays).
    async fn retire(
        &self,
        login: &LoginName,
        entry_id: &str,
        at: OffsetDateTime,
    ) -> StoreResult<bool>;
    async fn is_retired(&self, login: &LoginName) -> StoreResult<bool>;
}

/// Write intents recorded durably before a person is added to the directory (REL-02).
#[async_trait]
pub trait WriteIntents: Send + Sync {
    /// Records `intent`; returns its id.
    async fn record_intent(&self, intent: CreationIntent) -> StoreResult<String>;
    async fn set_intent_state(&self, id: &str, state: IntentState) -> StoreResult<()>;
    /// Removes the intent (its record is written).
    async fn finish_intent(&self, id: &str) -> StoreResult<()>;
    /// Every intent, with resolved ones older than their keeping time at `now` purged.
    async fn intents(&self, now: OffsetDateTime) -> StoreResult<Vec<(String, CreationIntent)>>;
}
