//! The mass-deprovisioning guard's durable state (`crate::provisioning::guard`).

use super::StoreResult;
use crate::store::held::{Admission, HeldOperation, Recent, Ticket, Trip};
use async_trait::async_trait;
use time::OffsetDateTime;

/// The guard's rule, asked inside the admitting transaction: `None` admits, else which limit
/// tripped and why.
pub type WindowRule = Box<dyn FnOnce(&Recent) -> Option<(Trip, String)> + Send>;

/// The window one admission is decided in: the client's operations since `since` count, and
/// `rule` decides on them.
pub struct AdmissionWindow {
    pub since: OffsetDateTime,
    pub rule: WindowRule,
}

#[async_trait]
pub trait HeldOperations: Send + Sync {
    /// Counts the client's operations in `window` and asks its rule, then — in the same
    /// transaction, so concurrent requests can never together exceed the limit — stores
    /// `candidate` as held (new id) or reserves a place in the window. A candidate already
    /// held for the same client and target is found again (`Held(_, false)`).
    async fn admit(
        &self,
        candidate: HeldOperation,
        window: AdmissionWindow,
    ) -> StoreResult<Admission>;
    /// Frees the place of an operation that was not applied after all.
    async fn cancel(&self, ticket: Ticket) -> StoreResult<()>;
    /// Every held operation, oldest first.
    async fn list(&self) -> StoreResult<Vec<HeldOperation>>;
    /// The held operation with `id`, if any.
    async fn get(&self, id: u64) -> StoreResult<Option<HeldOperation>> {
        Ok(self.list().await?.into_iter().find(|op| op.id == id))
    }
    /// Removes a held operation (released or discarded); `None` if there is none with `id`.
    async fn remove(&self, id: u64) -> StoreResult<Option<HeldOperation>>;
}
