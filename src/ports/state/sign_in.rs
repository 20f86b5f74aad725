//! Failed sign-ins counted per key (a login at an address, an address), for the throttle of
//! the panel's and the portal's sign-in (`crate::web::throttle`).

use super::StoreResult;
use crate::store::sign_in_failures::Counted;
use async_trait::async_trait;

#[async_trait]
pub trait SignInFailures: Send + Sync {
    /// Whether any of `keys` is blocked at `now` (unix seconds).
    async fn sign_in_blocked(&self, keys: Vec<String>, now: i64) -> StoreResult<bool>;
    /// Counts a failure for each key (one commit); a key reaching its limit within `window`
    /// seconds is blocked for `block` seconds; a blocked key is not counted.
    async fn sign_in_failed(
        &self,
        keys: Vec<Counted>,
        now: i64,
        window: i64,
        block: i64,
    ) -> StoreResult<()>;
    /// Forgets `key`'s failures (a successful sign-in).
    async fn sign_in_succeeded(&self, key: String) -> StoreResult<()>;
}
