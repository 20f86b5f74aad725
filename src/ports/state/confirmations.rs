//! Pending email confirmations and password-reset links, with the mail they need.

use super::StoreResult;
use crate::store::confirmations::{
    ConfirmationIssue, ConfirmationUse, ConsumeOutcome, IssueOutcome, PendingConfirmation,
};
use crate::store::outbox::QueuedMail;
use async_trait::async_trait;

/// Confirmations stored under the SHA-256 of their token (never the token), one live per
/// person, throttled per person; every mail that goes with a change is queued in the same
/// commit as the change.
#[async_trait]
pub trait Confirmations: Send + Sync {
    /// Stores `issue.confirmation` under `issue.key` as the person's live one, supersedes the
    /// previous one, and queues its mail plus `issue.with` — one commit — unless
    /// `issue.limits` throttle it (then nothing is written).
    async fn issue_confirmation(&self, issue: ConfirmationIssue) -> StoreResult<IssueOutcome>;

    /// The person's live (unused, not superseded) confirmation, if any.
    async fn live_confirmation_of(
        &self,
        person_id: String,
    ) -> StoreResult<Option<PendingConfirmation>>;

    /// The confirmation under `key`, whatever its state.
    async fn confirmation(&self, key: String) -> StoreResult<Option<PendingConfirmation>>;

    /// Marks the confirmation under `using.key` used if it can still be used at `using.now`
    /// (single use, not superseded, not expired) and queues `using.with` in the same commit.
    async fn consume_confirmation(&self, using: ConfirmationUse) -> StoreResult<ConsumeOutcome>;

    /// Queues one message on its own (a notice that goes with no other state).
    async fn enqueue_mail(&self, mail: QueuedMail) -> StoreResult<u64>;
}
