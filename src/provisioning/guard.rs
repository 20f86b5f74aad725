//! The safeguard against mass deprovisioning: "a wrong HR export in September must not lock
//! 25,000 people out". Owns the rule, the admission of each deactivation (`active` true →
//! false) or deletion, and the use cases an operator runs on held operations (list, release,
//! discard).
//!
//! **Rule.** Per client (the audit actor, e.g. `scim:hr-system`), within a sliding window
//! (`scim.deprovisioning_guard`), an operation is *held, not applied* when applying it would
//! make the client's applied deprovisioning exceed `max_share_of_school` of the people of the
//! target's primary school (schools with fewer than `min_people` people are not limited by
//! their share) or `max_share_of_city` of the city's people — rounded down, but never below
//! the absolute floor `min_operations` per window (default 10: a school of 100's share), so a
//! small school or city is not frozen by a share of a few people. While a held operation of a
//! client waits for review, that client's further deprovisioning in the same school (or, for
//! a city-wide trip, anywhere) is held as well, so a retrying client cannot leak the excess
//! through the next window. A retry of a held operation finds the same held operation.
//! Released operations do not count towards the window (an operator approved them).
//!
//! **Answer.** `409 Conflict` without `scimType` (none of RFC 7644's keywords fits) and with
//! a detail naming the held id and the reason. Not 429 or 503: Entra and Okta retry those
//! soon and automatically, which changes nothing here; 409 is reported per object in the
//! client's provisioning log, where the HR team sees it, and retried only in later cycles.
//!
//! **Release** applies the stored intent, bypassing the guard, with one audit record
//! `deprovisioning.released` naming the operator. If the person changed since the hold (their
//! version differs), a deactivation is applied to the *current* entry (only `active` is set to
//! false; newer changes stay) and a deletion deletes the current entry; a person who no longer
//! exists is refused (discard the operation instead).
//!
//! Invariant: the window check and its record are one state-store transaction (the
//! `HeldOperations` port, `store::held` over redb);
//! the counting of people is cached briefly (one minute) because a city-wide count reads every
//! id in the directory.

use super::{Caller, Provisioning, ProvisioningError};
use crate::clock::Clock;
use crate::config::DeprovisioningGuardConfig;
use crate::domain::audit::{NewAuditRecord, Outcome};
use crate::domain::SchoolCode;
use crate::ports::state::{AdmissionWindow, HeldOperations};
use crate::ports::StoreError;
use crate::ports::{PersonEntry, PersonProfile, PersonSearch, SchoolScope};
use crate::store::held::{Admission, HeldIntent, HeldOperation, Recent, Ticket, Trip};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

mod held_review;
pub use held_review::{Operator, Released};

/// Why an operation was not applied, for the client's error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldNotice {
    pub id: u64,
    pub reason: String,
}

/// What a deprovisioning operation would do.
pub(super) enum Intent {
    Deactivate(Box<PersonProfile>),
    Delete,
}

pub struct DeprovisioningGuard {
    policy: DeprovisioningGuardConfig,
    held: Arc<dyn HeldOperations>,
    clock: Arc<dyn Clock>,
    /// School code (or "*" for the city) → (counted at, people).
    counts: Mutex<HashMap<String, (OffsetDateTime, usize)>>,
}

impl DeprovisioningGuard {
    pub fn new(
        policy: DeprovisioningGuardConfig,
        held: Arc<dyn HeldOperations>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            policy,
            held,
            clock,
            counts: Mutex::new(HashMap::new()),
        }
    }
}

/// The people a limit is a share of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Population {
    pub school: usize,
    pub city: usize,
}

/// The rule: `None` admits one more operation; otherwise which limit and why.
pub fn decide(
    policy: &DeprovisioningGuardConfig,
    recent: &Recent,
    people: Population,
    school: &str,
) -> Option<(Trip, String)> {
    let minutes = policy.window.as_secs() / 60;
    if recent.city_held {
        let why = "earlier deprovisioning by this client is held for review (city-wide limit)";
        return Some((Trip::City, why.to_owned()));
    }
    if recent.school_held {
        let why =
            format!("earlier deprovisioning by this client in school {school} is held for review");
        return Some((Trip::School, why));
    }
    // The share, but never fewer than `min_operations` per window: a share of a small school
    // or a small city is a handful of people, and ordinary changes must not wait for review.
    let over = |done: usize, of: usize, share: f64| {
        let allowed = ((share * of as f64).floor() as usize).max(policy.min_operations.max(1));
        of >= policy.min_people && done + 1 > allowed
    };
    if over(recent.in_school, people.school, policy.max_share_of_school) {
        let why = format!(
            "this would be deactivation or deletion number {} among the {} people of school {school} \
             within {minutes} minutes; the limit is {}%",
            recent.in_school + 1,
            people.school,
            policy.max_share_of_school * 100.0
        );
        return Some((Trip::School, why));
    }
    if over(recent.in_city, people.city, policy.max_share_of_city) {
        let why = format!(
            "this would be deactivation or deletion number {} among the {} people of the city \
             within {minutes} minutes; the limit is {}%",
            recent.in_city + 1,
            people.city,
            policy.max_share_of_city * 100.0
        );
        return Some((Trip::City, why));
    }
    None
}

fn store_error(e: StoreError) -> ProvisioningError {
    tracing::error!(error = %e, "deprovisioning guard: state store failed");
    ProvisioningError::Unavailable
}

impl Provisioning {
    /// How many people the scope has, cached for a minute.
    async fn people_in(
        &self,
        guard: &DeprovisioningGuard,
        school: Option<&SchoolCode>,
    ) -> Result<usize, ProvisioningError> {
        let key = school.map_or("*", |s| s.as_str()).to_owned();
        let now = guard.clock.now();
        let cached = guard
            .counts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .copied();
        if let Some((at, n)) = cached.filter(|(at, _)| now - *at < time::Duration::minutes(1)) {
            let _ = at;
            return Ok(n);
        }
        let scope = match school {
            Some(s) => SchoolScope::Only(vec![s.clone()]),
            None => SchoolScope::All,
        };
        let search = PersonSearch {
            filter: None,
            scope,
            sort: None,
            start_index: 1,
            count: 1,
        };
        let n = self.directory.search_people(&search).await?.total;
        guard
            .counts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, (now, n));
        Ok(n)
    }

    /// Admits one deactivation or deletion of `person` by `caller`, or holds it (then the
    /// error is `Held`). The ticket must be settled once the operation is applied or not.
    pub(super) async fn admit_deprovisioning(
        &self,
        caller: &Caller,
        person: &PersonEntry,
        intent: Intent,
    ) -> Result<Option<Ticket>, ProvisioningError> {
        let Some(guard) = self.guard.clone() else {
            return Ok(None);
        };
        let school = person.profile.employment.primary.clone();
        let people = Population {
            school: self.people_in(&guard, Some(&school)).await?,
            city: self.people_in(&guard, None).await?,
        };
        let now = guard.clock.now();
        let candidate = HeldOperation {
            id: 0,
            client: caller.actor.to_string(),
            target_id: person.entry.id.clone(),
            target_dn: person.entry.dn.clone(),
            login: person.login.as_str().to_owned(),
            school: school.as_str().to_owned(),
            version: person.meta.version.clone(),
            held_at: now,
            reason: String::new(),
            trip: Trip::School,
            request_id: caller.request_id.clone(),
            intent: match intent {
                Intent::Deactivate(p) => HeldIntent::Deactivate {
                    profile: Box::new(p.as_ref().into()),
                },
                Intent::Delete => HeldIntent::Delete,
            },
        };
        let policy = guard.policy;
        let code = school.as_str().to_owned();
        let window = AdmissionWindow {
            since: now - policy.window,
            rule: Box::new(move |recent| decide(&policy, recent, people, &code)),
        };
        let admission = guard
            .held
            .admit(candidate, window)
            .await
            .map_err(store_error)?;
        match admission {
            Admission::Admitted(ticket) => Ok(Some(ticket)),
            Admission::Held(op, new) => {
                if new {
                    tracing::warn!(held = op.id, client = %op.client, school = %op.school,
                        "deprovisioning held for review");
                }
                Err(ProvisioningError::Held(HeldNotice {
                    id: op.id,
                    reason: op.reason,
                }))
            }
        }
    }

    /// Keeps the ticket's place in the window when the operation was applied, frees it if not.
    pub(super) async fn settle(&self, ticket: Option<Ticket>, applied: bool) {
        if let (Some(guard), Some(ticket), false) = (&self.guard, ticket, applied) {
            if let Err(e) = guard.held.cancel(ticket).await {
                // Conservative: the unapplied operation keeps counting until the window ends.
                tracing::warn!(error = %e, "deprovisioning guard: reservation not freed");
            }
        }
    }

    fn held_store(&self) -> Result<&dyn HeldOperations, ProvisioningError> {
        match &self.guard {
            Some(g) => Ok(g.held.as_ref()),
            None => Err(ProvisioningError::Invalid(
                "the deprovisioning guard is not enabled".into(),
            )),
        }
    }
}

/// The record of a held operation (the one record of that request).
pub(super) fn describe_hold(record: NewAuditRecord, notice: &HeldNotice) -> NewAuditRecord {
    NewAuditRecord {
        action: "deprovisioning.held".into(),
        outcome: Outcome::Success,
        ..record
    }
    .detail("held_id", notice.id.to_string())
    .detail("reason", notice.reason.clone())
}

#[cfg(test)]
#[path = "guard_tests.rs"]
mod tests;
