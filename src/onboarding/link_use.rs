//! What every portal link shares once it is opened, the address confirmation's and the
//! password reset's alike: whether it can still be used, who used it, how its audit record
//! names the person, and the portal's error for a link the store refused.

use super::OnboardingError;
use crate::domain::audit::{Actor, NewAuditRecord};
use crate::store::confirmations::{ConsumeOutcome, PendingConfirmation};

/// Whether a stored confirmation can still be used at `now` (unix seconds).
pub(super) fn usable(p: &PendingConfirmation, now: i64) -> Result<(), OnboardingError> {
    match p.refusal(now) {
        None => Ok(()),
        Some(refused) => Err(link_refused(refused)),
    }
}

/// Who used a link: the person it was sent to (an unknown link's actor has no name).
pub(super) fn link_user(pending: Option<&PendingConfirmation>) -> Actor {
    Actor::Person(pending.map(|p| p.login.clone()).unwrap_or_default())
}

/// A link's record names the person it was sent to, when the link is known.
pub(super) fn link_target(
    r: NewAuditRecord,
    pending: Option<&PendingConfirmation>,
) -> NewAuditRecord {
    match pending {
        Some(p) => r
            .target(&p.person_dn, Some(p.person_id.clone()))
            .detail("login", &p.login),
        None => r,
    }
}

/// The portal's error for a link the store refused.
pub(super) fn link_refused(outcome: ConsumeOutcome) -> OnboardingError {
    OnboardingError::LinkInvalid(match outcome {
        ConsumeOutcome::Used => "token_used",
        ConsumeOutcome::Superseded => "token_superseded",
        ConsumeOutcome::Expired => "token_expired",
        ConsumeOutcome::Unknown | ConsumeOutcome::Consumed(_) => "token_unknown",
    })
}
