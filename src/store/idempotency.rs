//! Idempotency records of SCIM requests (draft-ietf-httpapi-idempotency-key-header §2,
//! security.md REL-04), keyed by (client, `Idempotency-Key`).
//!
//! A record is claimed durably *before* the request runs (state in progress, SHA-256
//! fingerprint of the request, start time, a random owner token) and completed with the
//! stored response afterwards. Invariants: claiming is one write transaction (check and insert
//! cannot interleave with another claim); a record expires `ttl` after it was claimed and is
//! then ignored and purged; an in-progress record older than `abandon_after` (a crashed or
//! cancelled request) may be taken over, so no key is blocked forever; only the owner that
//! claimed a record completes or releases it.

use super::txn::{decode, encode, get_decoded};
use super::{StateStore, StoreResult};
use crate::ports::state::IdempotencyRecords;
use async_trait::async_trait;
use base64::Engine;
use redb::TableDefinition;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

const RECORDS: TableDefinition<&str, &[u8]> = TableDefinition::new("idempotency");
/// What a record is called in an error.
const RECORD: &str = "idempotency record";

/// A response kept for replay: status, the headers worth replaying, the body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// Base64 of the body bytes.
    body: String,
}

impl StoredResponse {
    pub fn new(status: u16, headers: Vec<(String, String)>, body: &[u8]) -> Self {
        Self {
            status,
            headers,
            body: base64::engine::general_purpose::STANDARD.encode(body),
        }
    }

    pub fn body(&self) -> Vec<u8> {
        base64::engine::general_purpose::STANDARD
            .decode(&self.body)
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Record {
    fingerprint: String,
    /// Unix time (seconds) of the claim.
    claimed_at: i64,
    owner: String,
    response: Option<StoredResponse>,
}

/// How long records live and when an unfinished one counts as abandoned.
#[derive(Debug, Clone, Copy)]
pub struct IdempotencyPolicy {
    pub ttl: Duration,
    pub abandon_after: Duration,
}

/// Who claims which key: the composite lookup key is per client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyOf {
    pub client: String,
    pub key: String,
}

impl KeyOf {
    fn db_key(&self) -> String {
        // The key is printable ASCII (checked at the edge), so NUL cannot occur in it.
        format!("{}\u{0}{}", self.client, self.key)
    }
}

/// A request's claim of an Idempotency-Key: who claims which key, for a request with
/// `fingerprint` (hex SHA-256 of method, path and body), at `now`, under `policy`.
#[derive(Debug, Clone)]
pub struct IdempotencyClaim {
    pub key: KeyOf,
    pub fingerprint: String,
    pub now: OffsetDateTime,
    pub policy: IdempotencyPolicy,
}

/// The answer to a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The caller owns the record now (`owner` completes or releases it).
    Started { owner: String },
    /// The same request finished before: replay this.
    Replay(StoredResponse),
    /// The key was used for another request (422).
    Mismatch,
    /// The first request with this key is still running (409).
    InFlight,
}

impl StateStore {
    async fn update_owned(
        &self,
        key: KeyOf,
        owner: String,
        change: impl FnOnce(Record) -> Option<Record> + Send + 'static,
    ) -> StoreResult<()> {
        self.write(move |txn| {
            let mut table = txn.open_table(RECORDS)?;
            let db_key = key.db_key();
            let current: Option<Record> = get_decoded(&table, db_key.as_str(), RECORD)?;
            if let Some(record) = current.filter(|r| r.owner == owner) {
                match change(record) {
                    Some(r) => {
                        table.insert(db_key.as_str(), encode(&r)?.as_slice())?;
                    }
                    None => {
                        table.remove(db_key.as_str())?;
                    }
                }
            }
            Ok(())
        })
        .await
    }
}

/// Forgets every claim without a response; run by [`StateStore::open`], when no request can
/// still finish one: redb admits one process per file, so they are a previous, killed
/// process's, whose client's resend would otherwise answer 409 "still being processed" until
/// `abandon_after` passed (issue 14). Not on a reopen after an I/O error (requests of this
/// process may be in flight then). Returns how many.
pub(super) fn release_unfinished(db: &redb::Database) -> StoreResult<usize> {
    let txn = db.begin_write()?;
    let mut removed = 0;
    {
        let mut table = txn.open_table(RECORDS)?;
        table.retain(|_, v| {
            let unfinished = decode::<Record>(v, RECORD).is_ok_and(|r| r.response.is_none());
            removed += usize::from(unfinished);
            !unfinished
        })?;
    }
    txn.commit()?;
    Ok(removed)
}

#[async_trait]
impl IdempotencyRecords for StateStore {
    /// Claims `claim.key` for a request with `claim.fingerprint` at `claim.now`.
    async fn claim_idempotency(&self, claim: IdempotencyClaim) -> StoreResult<Claim> {
        let IdempotencyClaim {
            key,
            fingerprint,
            now,
            policy,
        } = claim;
        let started = |claim: &Claim| matches!(claim, Claim::Started { .. });
        self.write_if(started, move |txn| {
            let mut table = txn.open_table(RECORDS)?;
            let db_key = key.db_key();
            let existing: Option<Record> = get_decoded(&table, db_key.as_str(), RECORD)?;
            let age = |r: &Record| now.unix_timestamp() - r.claimed_at;
            let live = existing.filter(|r| age(r) < policy.ttl.whole_seconds());
            Ok(match live {
                Some(r) if r.fingerprint != fingerprint => Claim::Mismatch,
                Some(Record {
                    response: Some(response),
                    ..
                }) => Claim::Replay(response),
                Some(r) if age(&r) < policy.abandon_after.whole_seconds() => Claim::InFlight,
                _ => {
                    let owner = uuid::Uuid::new_v4().to_string();
                    let record = Record {
                        fingerprint,
                        claimed_at: now.unix_timestamp(),
                        owner: owner.clone(),
                        response: None,
                    };
                    table.insert(db_key.as_str(), encode(&record)?.as_slice())?;
                    Claim::Started { owner }
                }
            })
        })
        .await
    }

    /// Stores the response of the request that owns `key`. Does nothing when the record was
    /// taken over meanwhile.
    async fn complete_idempotency(
        &self,
        key: KeyOf,
        owner: String,
        response: StoredResponse,
    ) -> StoreResult<()> {
        self.update_owned(key, owner, move |mut r| {
            r.response = Some(response);
            Some(r)
        })
        .await
    }

    /// Forgets the in-progress record of `owner` (the request failed in a way worth retrying,
    /// or was cancelled), so the key can be used again at once.
    async fn release_idempotency(&self, key: KeyOf, owner: String) -> StoreResult<()> {
        self.update_owned(key, owner, |_| None).await
    }

    /// Removes every record claimed `ttl` or longer before `now`; returns how many.
    async fn purge_idempotency(&self, now: OffsetDateTime, ttl: Duration) -> StoreResult<usize> {
        self.write(move |txn| {
            let mut removed = 0;
            txn.open_table(RECORDS)?.retain(|_, v| {
                // An unreadable record is kept: `claim` reports it as corrupt.
                let expired = decode::<Record>(v, RECORD)
                    .is_ok_and(|r| now.unix_timestamp() - r.claimed_at >= ttl.whole_seconds());
                removed += usize::from(expired);
                !expired
            })?;
            Ok(removed)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::temp_store as store;

    const POLICY: IdempotencyPolicy = IdempotencyPolicy {
        ttl: Duration::hours(24),
        abandon_after: Duration::seconds(30),
    };

    fn key(client: &str) -> KeyOf {
        KeyOf {
            client: client.into(),
            key: "k-1".into(),
        }
    }

    fn t0() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap()
    }

    fn claim_of(key: KeyOf, fingerprint: &str, now: OffsetDateTime) -> IdempotencyClaim {
        IdempotencyClaim {
            key,
            fingerprint: fingerprint.into(),
            now,
            policy: POLICY,
        }
    }

    async fn start(s: &StateStore, k: KeyOf, fp: &str, now: OffsetDateTime) -> String {
        match s.claim_idempotency(claim_of(k, fp, now)).await.unwrap() {
            Claim::Started { owner } => owner,
            other => panic!("expected a start, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn opening_the_store_forgets_unfinished_claims_and_keeps_answers() {
        let (dir, s) = store();
        start(&s, key("cut"), "aa", t0()).await;
        let done = start(&s, key("done"), "aa", t0()).await;
        let response = StoredResponse::new(200, vec![], b"{}");
        s.complete_idempotency(key("done"), done, response.clone())
            .await
            .unwrap();
        // Still this process's: in flight.
        let claim = s.claim_idempotency(claim_of(key("cut"), "aa", t0()));
        assert_eq!(claim.await.unwrap(), Claim::InFlight);
        drop(s);
        // The next process's open: the unfinished claim is gone, the answer stays.
        let s = StateStore::open(&dir.path().join("state.redb")).unwrap();
        let claim = s.claim_idempotency(claim_of(key("cut"), "aa", t0()));
        assert!(matches!(claim.await.unwrap(), Claim::Started { .. }));
        let claim = s.claim_idempotency(claim_of(key("done"), "aa", t0()));
        assert_eq!(claim.await.unwrap(), Claim::Replay(response));
    }

    #[tokio::test]
    async fn a_completed_key_replays_its_response_and_refuses_another_payload() {
        let (_d, s) = store();
        let owner = start(&s, key("hr"), "aa", t0()).await;
        let claim = s.claim_idempotency(claim_of(key("hr"), "aa", t0()));
        assert_eq!(claim.await.unwrap(), Claim::InFlight);
        let response = StoredResponse::new(201, vec![("etag".into(), "W/\"1\"".into())], b"{}");
        s.complete_idempotency(key("hr"), owner, response.clone())
            .await
            .unwrap();
        let claim = s.claim_idempotency(claim_of(key("hr"), "aa", t0()));
        assert_eq!(claim.await.unwrap(), Claim::Replay(response));
        let claim = s.claim_idempotency(claim_of(key("hr"), "bb", t0()));
        assert_eq!(claim.await.unwrap(), Claim::Mismatch);
    }

    #[tokio::test]
    async fn keys_are_scoped_per_client() {
        let (_d, s) = store();
        start(&s, key("hr-a"), "aa", t0()).await;
        start(&s, key("hr-b"), "bb", t0()).await;
    }

    #[tokio::test]
    async fn an_abandoned_claim_can_be_taken_over_and_its_owner_no_longer_completes_it() {
        let (_d, s) = store();
        let first = start(&s, key("hr"), "aa", t0()).await;
        let later = t0() + Duration::seconds(31);
        let second = start(&s, key("hr"), "aa", later).await;
        let stale = StoredResponse::new(500, vec![], b"stale");
        s.complete_idempotency(key("hr"), first, stale)
            .await
            .unwrap();
        let claim = s.claim_idempotency(claim_of(key("hr"), "aa", later));
        assert_eq!(claim.await.unwrap(), Claim::InFlight);
        s.release_idempotency(key("hr"), second).await.unwrap();
        start(&s, key("hr"), "aa", later).await;
    }

    #[tokio::test]
    async fn expired_records_are_ignored_and_purged() {
        let (_d, s) = store();
        let owner = start(&s, key("hr"), "aa", t0()).await;
        s.complete_idempotency(key("hr"), owner, StoredResponse::new(201, vec![], b""))
            .await
            .unwrap();
        let next_day = t0() + Duration::hours(24);
        start(&s, key("hr"), "bb", next_day).await;
        start(&s, key("other"), "cc", t0()).await;
        assert_eq!(s.purge_idempotency(next_day, POLICY.ttl).await.unwrap(), 1);
        let claim = s.claim_idempotency(claim_of(key("hr"), "bb", next_day));
        assert_eq!(claim.await.unwrap(), Claim::InFlight);
    }
}
