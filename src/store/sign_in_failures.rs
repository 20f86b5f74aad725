//! Failed sign-ins per key (a login at an address, an address), kept in the state store so a
//! restart does not forget them (issue 12 item 5); the policy is in `web::throttle`.
//!
//! Each key holds the times of its recent failures and, once it reached its limit, when its
//! block ends. Counting and deciding happen in one write transaction. The table is bounded:
//! past `MAX_KEYS` keys, those with no recent failure and no running block are dropped.

use super::txn::{decode, encode, open_existing};
use super::{StateStore, StoreResult};
use crate::ports::state::SignInFailures;
use async_trait::async_trait;
use redb::{ReadableTable, ReadableTableMetadata, TableDefinition};
use serde::{Deserialize, Serialize};

const FAILURES: TableDefinition<&str, &[u8]> = TableDefinition::new("sign_in_failures");
/// What a record is called in an error.
const RECORD: &str = "sign-in failures";

/// At most this many keys are kept; beyond it, idle ones are dropped first.
const MAX_KEYS: u64 = 100_000;

#[derive(Debug, Default, Serialize, Deserialize)]
struct Counter {
    /// Unix seconds of the failures within the window.
    failures: Vec<i64>,
    blocked_until: Option<i64>,
}

/// One key with its limit.
#[derive(Debug, Clone)]
pub struct Counted {
    pub key: String,
    pub limit: usize,
}

/// One failed sign-in: the keys it counts against (a login at an address, the address), at
/// `now` (unix seconds).
#[derive(Debug, Clone)]
pub struct FailedSignIn {
    pub keys: Vec<Counted>,
    pub now: i64,
}

/// When failures block: a key reaching its limit within `window` seconds is blocked for
/// `block` seconds.
#[derive(Debug, Clone, Copy)]
pub struct BlockRule {
    pub window: i64,
    pub block: i64,
}

#[async_trait]
impl SignInFailures for StateStore {
    /// Whether any of `keys` is blocked at `now` (unix seconds).
    async fn sign_in_blocked(&self, keys: Vec<String>, now: i64) -> StoreResult<bool> {
        self.read(move |txn| {
            let Some(table) = open_existing(txn, FAILURES)? else {
                return Ok(false);
            };
            for key in &keys {
                if let Some(v) = table.get(key.as_str())? {
                    let c: Counter = decode(v.value(), RECORD)?;
                    if c.blocked_until.is_some_and(|u| now < u) {
                        return Ok(true);
                    }
                }
            }
            Ok(false)
        })
        .await
    }

    /// Counts a failure for each key; a key that reaches its limit within `window` seconds is
    /// blocked for `block` seconds from now. A key blocked already is not counted (so a
    /// blocked attacker cannot extend the block).
    async fn sign_in_failed(&self, failed: FailedSignIn, rule: BlockRule) -> StoreResult<()> {
        let (FailedSignIn { keys, now }, BlockRule { window, block }) = (failed, rule);
        self.write(move |txn| {
            let mut table = txn.open_table(FAILURES)?;
            if table.len()? >= MAX_KEYS {
                table.retain(|_, v| {
                    let c: Counter = decode(v, RECORD).unwrap_or_default();
                    c.blocked_until.is_some_and(|u| now < u)
                        || c.failures.last().is_some_and(|t| now - t < window)
                })?;
            }
            for Counted { key, limit } in keys {
                let mut c = match table.get(key.as_str())? {
                    Some(v) => decode(v.value(), RECORD).unwrap_or_default(),
                    None => Counter::default(),
                };
                if c.blocked_until.is_some_and(|u| now < u) {
                    continue;
                }
                c.failures.retain(|t| now - t < window && *t <= now);
                c.failures.push(now);
                if c.failures.len() >= limit {
                    c.blocked_until = Some(now + block);
                    c.failures.clear();
                }
                table.insert(key.as_str(), encode(&c)?.as_slice())?;
            }
            Ok(())
        })
        .await
    }

    /// Forgets `key`'s failures (a successful sign-in).
    async fn sign_in_succeeded(&self, key: String) -> StoreResult<()> {
        self.write(move |txn| {
            txn.open_table(FAILURES)?.remove(key.as_str())?;
            Ok(())
        })
        .await
    }
}
