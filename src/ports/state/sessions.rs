//! Panel and portal sessions, as the use cases that end them see them.

use super::StoreResult;
use async_trait::async_trait;

#[async_trait]
pub trait Sessions: Send + Sync {
    /// Deletes every session of the person with `person_id` (panel and portal) but the one
    /// stored under `keep`; returns how many there were.
    async fn delete_sessions_of(
        &self,
        person_id: String,
        keep: Option<String>,
    ) -> StoreResult<usize>;
}
