//! Idempotent replays of creations (security.md REL-03): the city re-sends a whole Bulk after
//! a dropped connection or a crash of the daemon, and nothing may exist twice.
//!
//! Rule: a creation whose `externalId` (people) — or `externalId` or `displayName` in the
//! school (groups) — matches a resource the caller can see is applied as a replace of that
//! resource, reported as [`Applied::Replayed`] (SCIM answers 200 with its real state).
//! Only Bulk uses these use cases: a single `POST /Users` keeps RFC 7644 §3.3's 409
//! `uniqueness` for a duplicate, which Okta and Entra expect.
//!
//! Invariant: one `person.created` record per person, even when the daemon died between the
//! LDAP add and the audit append. A replay of a person with no successful `person.created`
//! record (queried by target uuid) writes that record, with `recovered=true`, as its one
//! audit record instead of `person.updated`.

use super::people_create::{Creation, Replayable};
use super::{Caller, Precondition, Provisioning, ProvisioningError};
use crate::domain::audit::{AuditQuery, NewAuditRecord, Outcome};
use crate::domain::query::{CompareOp, Filter, GroupAttr, PersonAttr, Value};
use crate::ports::{GroupEntry, GroupProfile, GroupSearch, PersonEntry, PersonProfile};
use crate::ports::{PersonSearch, SchoolScope};

/// Whether a creation made a new resource or replayed an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Created,
    Replayed,
}

impl Provisioning {
    /// Creates the person, or replaces the visible person with the same `externalId`.
    ///
    /// The add comes first (issue 17): a first load, the common case, then costs no search for
    /// the `externalId`, since slapo-unique refuses a taken one in the add itself. Only an add
    /// refused for a taken unique value looks the holder up; the replay, or the refusal when
    /// the caller sees no holder, writes the operation's one record.
    pub async fn create_or_replay_person(
        &self,
        caller: &Caller,
        profile: PersonProfile,
    ) -> Result<(Applied, PersonEntry), ProvisioningError> {
        let creation = self
            .create_person_unless(caller, profile.clone(), false, Replayable::Yes)
            .await?;
        let refusal = match creation {
            Creation::Created(entry) => return Ok((Applied::Created, *entry)),
            Creation::Refused(refusal) => refusal,
        };
        // The refusal, or a failed lookup, is this operation's failure: it gets its one audit
        // record (issue 14 finding 3), like a failure of the create itself.
        let describe = |r: NewAuditRecord| {
            let r = r.school(&profile.employment.primary);
            match &profile.external_id {
                Some(x) => r.detail("external_id", x),
                None => r,
            }
        };
        let failure = match self.person_by_external_id(caller, &profile).await {
            Ok(Some(existing)) => return self.replay_person(caller, existing, profile).await,
            // Nobody the caller sees holds the externalId: the add's refusal stands.
            Ok(None) => refusal.into(),
            Err(e) => e,
        };
        Err(self
            .lookup_failed(caller, "person.created", failure, describe)
            .await)
    }

    /// The one audit record of a creation that failed before any write (the lookup of what
    /// it may replay): `action`, failure. Returns the error to answer with.
    async fn lookup_failed(
        &self,
        caller: &Caller,
        action: &str,
        error: ProvisioningError,
        describe: impl FnOnce(NewAuditRecord) -> NewAuditRecord,
    ) -> ProvisioningError {
        let result: Result<(), _> = Err(error);
        match self
            .finish(caller, action, result, |r, _| describe(r))
            .await
        {
            Err(e) => e,
            Ok(()) => ProvisioningError::Internal,
        }
    }

    async fn person_by_external_id(
        &self,
        caller: &Caller,
        profile: &PersonProfile,
    ) -> Result<Option<PersonEntry>, ProvisioningError> {
        let Some(external_id) = &profile.external_id else {
            return Ok(None);
        };
        let page = self
            .directory
            .search_people(&PersonSearch {
                filter: Some(Filter::Compare(
                    PersonAttr::ExternalId,
                    CompareOp::Eq,
                    Value::Str(external_id.clone()),
                )),
                scope: caller.scope.clone(),
                sort: None,
                start_index: 1,
                count: 1,
            })
            .await?;
        Ok(page.items.into_iter().next())
    }

    async fn replay_person(
        &self,
        caller: &Caller,
        existing: PersonEntry,
        profile: PersonProfile,
    ) -> Result<(Applied, PersonEntry), ProvisioningError> {
        let id = existing.entry.id.clone();
        let deactivates = existing.profile.employment_active && !profile.employment_active;
        let recorded = self.has_creation_record(&id).await?;
        if recorded || deactivates {
            // The ordinary replace, guard included, with its own audit record.
            let e = self.update_person(caller, &id, profile).await?;
            return Ok((Applied::Replayed, e));
        }
        let result = async {
            // The same rules as any change: a secondary school's client changes only its
            // membership, links hidden from the caller are kept.
            let mut profile = super::profile_change::profile_after_change(
                &caller.scope,
                &existing.profile,
                profile,
            )?;
            self.keep_hidden_manager(caller, &id, &existing.profile, &mut profile)
                .await?;
            Ok(self.directory.update_person(&id, &profile).await?)
        }
        .await;
        let entry = self
            .finish(caller, "person.created", result, |r, e| {
                let r = r
                    .target(&existing.entry.dn, Some(id.clone()))
                    .school(&existing.profile.employment.primary)
                    .detail("recovered", "true");
                match e {
                    Some(e) => r.detail("login", e.login.as_str()),
                    None => r,
                }
            })
            .await?;
        tracing::info!(id = %id, "replay recovered a missing person.created record");
        Ok((Applied::Replayed, entry))
    }

    /// Whether the audit store holds a successful `person.created` for this entry.
    pub(super) async fn has_creation_record(&self, id: &str) -> Result<bool, ProvisioningError> {
        let records = self
            .audit
            .query(AuditQuery {
                target_uuid: Some(id.to_owned()),
                ..AuditQuery::default()
            })
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "audit query failed");
                ProvisioningError::Internal
            })?;
        Ok(records.iter().any(|r| {
            r.record.action == "person.created" && matches!(r.record.outcome, Outcome::Success)
        }))
    }

    /// Creates the group, or replaces the visible group of the school with the same
    /// `externalId` or `displayName`.
    pub async fn create_or_replay_group(
        &self,
        caller: &Caller,
        profile: GroupProfile,
    ) -> Result<(Applied, GroupEntry), ProvisioningError> {
        let same = match self.same_group(caller, &profile).await {
            Ok(same) => same,
            Err(e) => {
                let failed = self.lookup_failed(caller, "group.created", e, |r| {
                    r.school(&profile.school)
                        .detail("display_name", &profile.display_name)
                });
                return Err(failed.await);
            }
        };
        if let Some(existing) = same {
            let g = self
                .update_group_if(caller, &existing.entry.id, profile, &Precondition::None)
                .await?;
            return Ok((Applied::Replayed, g));
        }
        let g = self.create_group(caller, profile).await?;
        Ok((Applied::Created, g))
    }

    pub(super) async fn same_group(
        &self,
        caller: &Caller,
        profile: &GroupProfile,
    ) -> Result<Option<GroupEntry>, ProvisioningError> {
        if !caller.scope.contains(&profile.school) {
            return Ok(None);
        }
        let eq = |attr, v: &str| Filter::Compare(attr, CompareOp::Eq, Value::Str(v.to_owned()));
        let mut any = vec![eq(GroupAttr::DisplayName, &profile.display_name)];
        if let Some(x) = &profile.external_id {
            any.push(eq(GroupAttr::ExternalId, x));
        }
        let page = self
            .directory
            .search_groups(&GroupSearch {
                filter: Some(Filter::Or(any)),
                scope: SchoolScope::Only(vec![profile.school.clone()]),
                sort: None,
                start_index: 1,
                count: 2,
            })
            .await?;
        // Prefer the externalId match when a rename left two candidates.
        let mut items = page.items;
        items.sort_by_key(|g| g.profile.external_id != profile.external_id);
        Ok(items.into_iter().next())
    }
}
