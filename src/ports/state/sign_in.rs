//! Failed sign-ins counted per key (a login at an address, an address), for the throttle of
//! the panel's and the portal's sign-in (`crate::web::throttle`).

use super::StoreResult;
use crate::store::sign_in_failures::{BlockRule, FailedSignIn};
use async_trait::async_trait;

#[async_trait]
pub trait SignInFailures: Send + Sync {
    /// Whether any of `keys` is blocked at `now` (unix seconds).
    async fn sign_in_blocked(&self, keys: Vec<String>, now: i64) -> StoreResult<bool>;
    /// Counts a failure for each of `failed.keys` (one commit); a key reaching its limit within
    /// `rule.window` seconds is blocked for `rule.block` seconds; a blocked key is not counted.
    async fn sign_in_failed(&self, failed: FailedSignIn, rule: BlockRule) -> StoreResult<()>;
    /// Forgets `key`'s failures (a successful sign-in).
    async fn sign_in_succeeded(&self, key: String) -> StoreResult<()>;
}
