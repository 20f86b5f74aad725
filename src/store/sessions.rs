//! Sessions of the panel (security.md SESS-01..05): server-side records keyed by the SHA-256
//! of the session id, so the state file never holds a usable id.
//!
//! Invariants: a session is valid only while `now - last_seen < idle` and
//! `now - created < absolute`; an expired record found by a lookup is deleted in the same
//! transaction; creating a session purges every expired one; sign-out deletes the record.

use super::txn::{decode, encode, get_decoded, read_decoded};
use super::{StateStore, StoreError, StoreResult};
use crate::ports::state::Sessions;
use async_trait::async_trait;
use redb::TableDefinition;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

const SESSIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("panel_sessions");
/// What a record is called in an error.
const RECORD: &str = "session record";

/// Touching a session (a durable write) at most this often; idle time is counted from it.
const TOUCH_EVERY_SECS: i64 = 30;

/// What a session knows about its person: a snapshot taken at sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub person_id: String,
    pub login: String,
    pub name: String,
    /// `system` or `local:<school code>`, as at sign-in.
    pub roles: Vec<String>,
    /// The synchronizer CSRF token of this session (random, base64url).
    pub csrf: String,
    /// Unix seconds.
    pub created: i64,
    pub last_seen: i64,
    /// The portal's restricted first-login session: the hex digest of the one-time password
    /// signed in with (`domain::password::one_time_password_digest`), so the new password can
    /// be refused when equal to it without keeping the password. `None` elsewhere.
    #[serde(default)]
    pub first_login: Option<String>,
    /// This session's own limits in seconds (the portal's differ from the panel's, and one
    /// table holds both: portal keys are prefixed `portal:`). `None`: the caller's limits.
    #[serde(default)]
    pub limits_secs: Option<(i64, i64)>,
    /// The restricted first-login session: the expiry (unix seconds) of the one-time
    /// password it was opened with, so a re-issued password (a new expiry) or the expiry
    /// itself ends it. `None` elsewhere.
    #[serde(default)]
    pub first_login_expires: Option<i64>,
    /// A panel session between the password and the second factor: `verify`, or `enrol:`
    /// and the sealed new secret (`second_factor::SecretBox`). Such a session reaches only
    /// the second-factor page. `None`: a full session.
    #[serde(default)]
    pub pending_second_factor: Option<String>,
}

/// The session timeouts.
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    pub idle: Duration,
    pub absolute: Duration,
}

impl SessionRecord {
    fn is_live(&self, now: OffsetDateTime, limits: SessionLimits) -> bool {
        let now = now.unix_timestamp();
        let (idle, absolute) = self
            .limits_secs
            .unwrap_or((limits.idle.whole_seconds(), limits.absolute.whole_seconds()));
        now - self.last_seen < idle && now - self.created < absolute && now >= self.created
    }
}

impl StateStore {
    /// Stores a new session under `key` (hex SHA-256 of the id); purges expired sessions.
    pub async fn create_session(
        &self,
        key: String,
        record: SessionRecord,
        limits: SessionLimits,
    ) -> StoreResult<()> {
        let now = OffsetDateTime::from_unix_timestamp(record.created)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.write(move |txn| {
            let mut table = txn.open_table(SESSIONS)?;
            table.retain(|_, v| {
                decode::<SessionRecord>(v, RECORD).is_ok_and(|r| r.is_live(now, limits))
            })?;
            table.insert(key.as_str(), encode(&record)?.as_slice())?;
            Ok(())
        })
        .await
    }

    /// The live session under `key`, its last-seen time moved to `now` (at most every 30 s).
    /// An expired session is deleted and answers `None`.
    pub async fn touch_session(
        &self,
        key: String,
        now: OffsetDateTime,
        limits: SessionLimits,
    ) -> StoreResult<Option<SessionRecord>> {
        // Read first: most requests need no write.
        let found = self.read({
            let key = key.clone();
            move |txn| read_decoded(txn, SESSIONS, key.as_str(), RECORD)
        });
        let Some(record): Option<SessionRecord> = found.await? else {
            return Ok(None);
        };
        let live = record.is_live(now, limits);
        let stale = now.unix_timestamp() - record.last_seen >= TOUCH_EVERY_SECS;
        if live && !stale {
            return Ok(Some(record));
        }
        self.write(move |txn| {
            let mut table = txn.open_table(SESSIONS)?;
            let current: Option<SessionRecord> = get_decoded(&table, key.as_str(), RECORD)?;
            Ok(match current {
                Some(mut r) if r.is_live(now, limits) => {
                    r.last_seen = now.unix_timestamp();
                    table.insert(key.as_str(), encode(&r)?.as_slice())?;
                    Some(r)
                }
                Some(_) => {
                    table.remove(key.as_str())?;
                    None
                }
                None => None,
            })
        })
        .await
    }

    /// Deletes the session under `key`; `Ok(false)` when there was none.
    pub async fn delete_session(&self, key: String) -> StoreResult<bool> {
        self.write(move |txn| Ok(txn.open_table(SESSIONS)?.remove(key.as_str())?.is_some()))
            .await
    }
}

#[async_trait]
impl Sessions for StateStore {
    /// Deletes every session of the person with `person_id` but the one under `keep`
    /// (through `crate::session_end`); returns how many there were.
    async fn delete_sessions_of(
        &self,
        person_id: String,
        keep: Option<String>,
    ) -> StoreResult<usize> {
        self.write(move |txn| {
            let mut table = txn.open_table(SESSIONS)?;
            let mut removed = 0;
            table.retain(|k, v| {
                let kept = keep.as_deref() == Some(k);
                let theirs =
                    decode::<SessionRecord>(v, RECORD).is_ok_and(|r| r.person_id == person_id);
                removed += usize::from(theirs && !kept);
                kept || !theirs
            })?;
            Ok(removed)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> SessionLimits {
        SessionLimits {
            idle: Duration::minutes(15),
            absolute: Duration::hours(8),
        }
    }

    fn record(at: OffsetDateTime, person: &str) -> SessionRecord {
        SessionRecord {
            person_id: person.into(),
            login: "jan.kowalski".into(),
            name: "Jan Kowalski".into(),
            roles: vec!["system".into()],
            csrf: "c".into(),
            created: at.unix_timestamp(),
            last_seen: at.unix_timestamp(),
            first_login: None,
            limits_secs: None,
            first_login_expires: None,
            pending_second_factor: None,
        }
    }

    fn t0() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap()
    }

    /// A store with a session created at `t0()` under each (key, person) of `sessions`.
    async fn store_with(sessions: &[(&str, &str)]) -> (tempfile::TempDir, StateStore) {
        let (dir, store) = crate::store::temp_store();
        for (key, person) in sessions {
            let created = store.create_session((*key).into(), record(t0(), person), limits());
            created.await.unwrap();
        }
        (dir, store)
    }

    /// The live session under `key` at `now`, touched.
    async fn touch(store: &StateStore, key: &str, now: OffsetDateTime) -> Option<SessionRecord> {
        let touched = store.touch_session(key.into(), now, limits());
        touched.await.unwrap()
    }

    #[tokio::test]
    async fn idle_and_absolute_timeouts_end_a_session() {
        let (_dir, store) = store_with(&[("k", "p")]).await;
        // Activity every 14 minutes keeps it alive …
        let mut now = t0();
        for _ in 0..40 {
            now += Duration::minutes(14);
            let live = touch(&store, "k", now).await;
            if now - t0() >= Duration::hours(8) {
                assert!(live.is_none(), "past the absolute timeout at {now}");
                return;
            }
            assert!(live.is_some(), "alive at {now}");
        }
        panic!("the absolute timeout never ended the session");
    }

    #[tokio::test]
    async fn an_idle_session_is_deleted_and_sign_out_deletes() {
        let (_dir, store) = store_with(&[("a", "p"), ("b", "q")]).await;
        let later = t0() + Duration::minutes(15);
        assert!(touch(&store, "a", later).await.is_none());
        // Deleted, not just refused: even an earlier clock finds nothing.
        assert!(touch(&store, "a", t0()).await.is_none());
        assert!(store.delete_session("b".into()).await.unwrap());
        assert!(touch(&store, "b", t0()).await.is_none());
        assert_eq!(store.delete_sessions_of("q".into(), None).await.unwrap(), 0);
    }
}
