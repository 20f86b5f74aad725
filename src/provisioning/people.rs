//! People: replace (PUT and PATCH end here), delete; the creation is in `people_create.rs`.
//! No use case here creates credentials: HR's `active` is employment, not an account.

use super::guard::Intent;
use super::profile_change::{changed_attribute_names, profile_after_change};
use super::read_back;
use super::{in_scope, Caller, Precondition, Provisioning, ProvisioningError};
use crate::domain::AccountState;
use crate::ports::{
    AccountRequest, DirectoryError, PersonAt, PersonEntry, PersonProfile, SchoolScope,
};

impl Provisioning {
    /// Replaces what HR owns about the person. Schools outside the caller's scope are kept
    /// as they are; asking to add one is refused.
    pub async fn update_person(
        &self,
        caller: &Caller,
        id: &str,
        requested: PersonProfile,
    ) -> Result<PersonEntry, ProvisioningError> {
        self.update_person_if(caller, id, requested, &Precondition::None)
            .await
    }

    /// `update_person` when the person is still at a version `expected` accepts.
    pub async fn update_person_if(
        &self,
        caller: &Caller,
        id: &str,
        requested: PersonProfile,
        expected: &Precondition,
    ) -> Result<PersonEntry, ProvisioningError> {
        self.update_person_requesting_if(caller, id, requested, None, expected)
            .await
    }

    /// `update_person_if`, and `account_requested` (SCIM `accountRequested`; `None`: not
    /// given, left as it is): `true` asks for an account for a person who has none — who
    /// asked and when are stored for the panel's "to hand over" list, no credentials are
    /// created (only the school's administrator issues them); `false` withdraws a pending
    /// request. Asking for a person who already has an account is `Invalid`, before anything
    /// is written. One audit record, `accountRequested` among the changed names.
    pub async fn update_person_requesting_if(
        &self,
        caller: &Caller,
        id: &str,
        requested: PersonProfile,
        account_requested: Option<bool>,
        expected: &Precondition,
    ) -> Result<PersonEntry, ProvisioningError> {
        let current = match self.directory.get_person(id, &caller.scope).await {
            Ok(Some(p)) => p,
            Ok(None) => {
                let r = Err(ProvisioningError::NotFound);
                return self
                    .finish(caller, "person.updated", r, |r, _: Option<&PersonEntry>| {
                        r.detail("id", id)
                    })
                    .await;
            }
            Err(e) => return Err(e.into()),
        };
        self.update_read_person_requesting_if(
            caller,
            current,
            requested,
            account_requested,
            expected,
        )
        .await
    }

    /// `update_person_requesting_if` of a person the caller has just read through its scope
    /// (SCIM PATCH reads it to apply the operations): the same checks, write and audit
    /// record, without reading it a second time (issue 17). `expected` is checked against
    /// `current`'s version, and asserted by slapd in the write.
    pub async fn update_read_person_requesting_if(
        &self,
        caller: &Caller,
        current: PersonEntry,
        requested: PersonProfile,
        account_requested: Option<bool>,
        expected: &Precondition,
    ) -> Result<PersonEntry, ProvisioningError> {
        let id = current.entry.id.clone();
        let id = id.as_str();
        let before = current.profile.clone();
        let pending = current.account_request.is_some();
        let request_change = account_requested.filter(|wanted| *wanted != pending);
        let result = async {
            expected.check(&current.meta.version)?;
            if request_change == Some(true) && current.account_state != AccountState::None {
                return Err(ProvisioningError::Invalid(format!(
                    "accountRequested: the person already has an account (state {}); \
                     an account can be requested only for a person without one",
                    current.account_state
                )));
            }
            let mut profile = profile_after_change(&caller.scope, &before, requested)?;
            self.keep_hidden_manager(caller, id, &before, &mut profile)
                .await?;
            // `active` true → false: the mass-deprovisioning guard admits it or holds it.
            let ticket = match before.employment_active && !profile.employment_active {
                true => {
                    let intent = Intent::Deactivate(Box::new(profile.clone()));
                    self.admit_deprovisioning(caller, &current, intent).await?
                }
                false => None,
            };
            let version = expected.version_to_assert(&current.meta.version);
            let updated = (self.directory)
                .update_person_at(
                    PersonAt {
                        id,
                        version,
                        read: Some(&current.snapshot),
                    },
                    &profile,
                )
                .await;
            let updated = match updated {
                // The answer was lost: read back and compare (issue 14, `read_back.rs`).
                Err(DirectoryError::OutcomeUnknown(m)) => {
                    let version = &current.meta.version;
                    self.after_unknown(id, &m, |p| read_back::person_holds(&profile, p, version))
                        .await
                }
                other => other.map_err(ProvisioningError::from),
            };
            self.settle(ticket, updated.is_ok()).await;
            let updated = updated?;
            match request_change {
                Some(true) => self.request_account(caller, id).await,
                Some(false) => Ok(self.directory.set_account_request(id, None).await?),
                None => Ok(updated),
            }
        }
        .await;
        let after = result
            .as_ref()
            .ok()
            .map(|p: &PersonEntry| p.profile.clone());
        let action = match &after {
            Some(a) if before.employment_active && !a.employment_active => "person.deactivated",
            Some(a) if !before.employment_active && a.employment_active => "person.reactivated",
            Some(a) if a.employment.primary != before.employment.primary => "person.moved",
            _ => "person.updated",
        };
        let ended = match action {
            "person.deactivated" => Some(
                self.end_sessions(&current.entry.id, "employment ended")
                    .await,
            ),
            _ => None,
        };
        self.finish(caller, action, result, |r, entry| {
            let r = r
                .target(&current.entry.dn, Some(current.entry.id.clone()))
                .school(&before.employment.primary);
            let r = match ended {
                Some(n) => r.detail("signed_out", n),
                None => r,
            };
            match (entry, &after) {
                (Some(e), Some(a)) => {
                    let mut names = changed_attribute_names(&before, a);
                    if request_change.is_some() {
                        names.push("accountRequested");
                    }
                    let mut r = r.detail("changed", names.join(","));
                    if action != "person.updated" && action != "person.moved" {
                        // The F-03 register needs who it was, also after a later deletion.
                        r = r
                            .detail("login", e.login.as_str())
                            .detail("display_name", a.name.full());
                    }
                    if a.employment.primary != before.employment.primary {
                        r = r
                            .detail("moved_from", before.employment.primary.as_str())
                            .detail("moved_to", a.employment.primary.as_str())
                            .detail("new_dn", e.entry.dn.clone());
                    }
                    r
                }
                _ => r,
            }
        })
        .await
    }

    /// The manager link seen through the caller's scope: a manager outside it reads as none
    /// (`get_person` resolves links within the scope). So a client that sends back what it
    /// sees keeps the real manager; a new manager must be a person it can see (else
    /// `NotFound`, as for an unknown id: nothing leaks about other schools).
    pub(super) async fn keep_hidden_manager(
        &self,
        caller: &Caller,
        id: &str,
        seen: &PersonProfile,
        profile: &mut PersonProfile,
    ) -> Result<(), ProvisioningError> {
        if caller.scope == SchoolScope::All {
            return Ok(());
        }
        if profile.manager == seen.manager {
            if let Some(real) = self.directory.get_person(id, &SchoolScope::All).await? {
                profile.manager = real.profile.manager;
            }
            return Ok(());
        }
        self.check_manager_visible(caller, profile.manager.as_deref())
            .await
    }

    pub(super) async fn check_manager_visible(
        &self,
        caller: &Caller,
        manager: Option<&str>,
    ) -> Result<(), ProvisioningError> {
        let Some(manager) = manager else {
            return Ok(());
        };
        match self.directory.get_person(manager, &caller.scope).await? {
            Some(_) => Ok(()),
            None => Err(ProvisioningError::NotFound),
        }
    }

    /// Records the caller's request for the person's account (state `none` only).
    pub(super) async fn request_account(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<PersonEntry, ProvisioningError> {
        let request = AccountRequest {
            by: caller.actor.to_string(),
            at: self.clock.now(),
        };
        match self.directory.set_account_request(id, Some(&request)).await {
            Ok(entry) => Ok(entry),
            Err(DirectoryError::StateChanged { .. }) => Err(ProvisioningError::Invalid(
                "accountRequested: the person got an account in the meantime".into(),
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes the entry. Refused when the person also works at a school outside the scope.
    pub async fn delete_person(&self, caller: &Caller, id: &str) -> Result<(), ProvisioningError> {
        self.delete_person_if(caller, id, &Precondition::None).await
    }

    /// `delete_person` when the person is still at a version `expected` accepts.
    pub async fn delete_person_if(
        &self,
        caller: &Caller,
        id: &str,
        expected: &Precondition,
    ) -> Result<(), ProvisioningError> {
        let current = self.directory.get_person(id, &caller.scope).await?;
        let result = async {
            let person = current.as_ref().ok_or(ProvisioningError::NotFound)?;
            expected.check(&person.meta.version)?;
            if let Some(outside) = person
                .profile
                .employment
                .all()
                .find(|c| !in_scope(&caller.scope, c))
            {
                return Err(ProvisioningError::OutOfScope(format!(
                    "the person also works at school {outside}, outside this client's scope; \
                     remove your school from their schools instead"
                )));
            }
            let ticket = self
                .admit_deprovisioning(caller, person, Intent::Delete)
                .await?;
            let deleted = match self.directory.delete_person(id).await {
                // The answer was lost: gone means deleted (issue 14).
                Err(DirectoryError::OutcomeUnknown(m)) => {
                    let now = self.directory.get_person(id, &SchoolScope::All).await;
                    super::groups::deleted_after_unknown(&m, now)
                }
                other => other.map_err(ProvisioningError::from),
            };
            self.settle(ticket, deleted.is_ok()).await;
            deleted?;
            self.retire_login(person).await;
            self.end_sessions(&person.entry.id, "person deleted").await;
            Ok(())
        }
        .await;
        self.finish(caller, "person.deleted", result, |r, _| match &current {
            Some(p) => r
                .target(&p.entry.dn, Some(p.entry.id.clone()))
                .school(&p.profile.employment.primary)
                .detail("login", p.login.as_str())
                .detail("display_name", p.profile.name.full()),
            None => r.detail("id", id),
        })
        .await
    }
}

/// Whether a refused create means "this login is taken" (try the next candidate) rather than
/// another uniqueness clash (userName, externalId, email), which no other login would cure.
pub fn login_taken(e: &DirectoryError) -> bool {
    e.is_login_taken()
}
