//! The SCIM edge's Idempotency-Key records (`crate::scim::http::idempotency`).

use super::StoreResult;
use crate::store::idempotency::{Claim, IdempotencyClaim, KeyOf, StoredResponse};
use async_trait::async_trait;
use time::{Duration, OffsetDateTime};

#[async_trait]
pub trait IdempotencyRecords: Send + Sync {
    /// Claims `claim.key` for a request with `claim.fingerprint` at `claim.now`: started (the caller owns it),
    /// a replay of the finished answer, a mismatch, or still in flight — decided and written
    /// in one transaction.
    async fn claim_idempotency(&self, claim: IdempotencyClaim) -> StoreResult<Claim>;
    /// Stores the answer of the request that owns `key` (nothing when taken over meanwhile).
    async fn complete_idempotency(
        &self,
        key: KeyOf,
        owner: String,
        response: StoredResponse,
    ) -> StoreResult<()>;
    /// Forgets `owner`'s unfinished claim, so the key can be used again at once.
    async fn release_idempotency(&self, key: KeyOf, owner: String) -> StoreResult<()>;
    /// Removes every record claimed `ttl` or longer before `now`; returns how many.
    async fn purge_idempotency(&self, now: OffsetDateTime, ttl: Duration) -> StoreResult<usize>;
}
