//! The state-store ports (`crate::ports::state`) over the redb file: each method is the
//! store's own transaction of the same name (the inherent methods, which the daemon's other
//! parts still call directly).

use super::confirmations::{ConsumeOutcome, IssueLimits, IssueOutcome, PendingConfirmation};
use super::held::{Admission, HeldOperation, HeldStore, Ticket};
use super::idempotency::{Claim, IdempotencyPolicy, KeyOf, StoredResponse};
use super::intents::{CreationIntent, IntentState};
use super::outbox::QueuedMail;
use super::retired_logins::RetiredLogins;
use super::{StateStore, StoreError};
use crate::domain::LoginName;
use crate::ports::state;
use async_trait::async_trait;
use time::{Duration, OffsetDateTime};

#[async_trait]
impl state::Confirmations for StateStore {
    async fn issue_confirmation(
        &self,
        key: String,
        confirmation: PendingConfirmation,
        limits: IssueLimits,
        now: OffsetDateTime,
        with: Vec<QueuedMail>,
    ) -> Result<IssueOutcome, StoreError> {
        StateStore::issue_confirmation(self, key, confirmation, limits, now, with).await
    }

    async fn confirmation(&self, key: String) -> Result<Option<PendingConfirmation>, StoreError> {
        StateStore::confirmation(self, key).await
    }

    async fn consume_confirmation(
        &self,
        key: String,
        now: OffsetDateTime,
        with: Vec<QueuedMail>,
    ) -> Result<ConsumeOutcome, StoreError> {
        StateStore::consume_confirmation(self, key, now, with).await
    }

    async fn enqueue_mail(&self, mail: QueuedMail) -> Result<u64, StoreError> {
        StateStore::enqueue_mail(self, mail).await
    }
}

#[async_trait]
impl state::Sessions for StateStore {
    async fn delete_sessions_of(
        &self,
        person_id: String,
        keep: Option<String>,
    ) -> Result<usize, StoreError> {
        StateStore::delete_sessions_of(self, person_id, keep).await
    }
}

#[async_trait]
impl state::HeldOperations for HeldStore {
    async fn admit(
        &self,
        candidate: HeldOperation,
        since: OffsetDateTime,
        rule: state::WindowRule,
    ) -> Result<Admission, StoreError> {
        HeldStore::admit(self, candidate, since, rule).await
    }

    async fn cancel(&self, ticket: Ticket) -> Result<(), StoreError> {
        HeldStore::cancel(self, ticket).await
    }

    async fn list(&self) -> Result<Vec<HeldOperation>, StoreError> {
        HeldStore::list(self).await
    }

    async fn remove(&self, id: u64) -> Result<Option<HeldOperation>, StoreError> {
        HeldStore::remove(self, id).await
    }
}

#[async_trait]
impl state::RetiredLogins for RetiredLogins {
    async fn retire(
        &self,
        login: &LoginName,
        entry_id: &str,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        RetiredLogins::retire(self, login, entry_id, at).await
    }

    async fn is_retired(&self, login: &LoginName) -> Result<bool, StoreError> {
        RetiredLogins::is_retired(self, login).await
    }
}

#[async_trait]
impl state::WriteIntents for StateStore {
    async fn record_intent(&self, intent: CreationIntent) -> Result<String, StoreError> {
        StateStore::record_intent(self, intent).await
    }

    async fn set_intent_state(&self, id: &str, state: IntentState) -> Result<(), StoreError> {
        StateStore::set_intent_state(self, id, state).await
    }

    async fn finish_intent(&self, id: &str) -> Result<(), StoreError> {
        StateStore::finish_intent(self, id).await
    }

    async fn intents(
        &self,
        now: OffsetDateTime,
    ) -> Result<Vec<(String, CreationIntent)>, StoreError> {
        StateStore::intents(self, now).await
    }
}

#[async_trait]
impl state::IdempotencyRecords for StateStore {
    async fn claim_idempotency(
        &self,
        key: KeyOf,
        fingerprint: String,
        now: OffsetDateTime,
        policy: IdempotencyPolicy,
    ) -> Result<Claim, StoreError> {
        StateStore::claim_idempotency(self, key, fingerprint, now, policy).await
    }

    async fn complete_idempotency(
        &self,
        key: KeyOf,
        owner: String,
        response: StoredResponse,
    ) -> Result<(), StoreError> {
        StateStore::complete_idempotency(self, key, owner, response).await
    }

    async fn release_idempotency(&self, key: KeyOf, owner: String) -> Result<(), StoreError> {
        StateStore::release_idempotency(self, key, owner).await
    }

    async fn purge_idempotency(
        &self,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Result<usize, StoreError> {
        StateStore::purge_idempotency(self, now, ttl).await
    }
}
