//! Groups of a school: create, replace, change members, delete. Members must be people the
//! caller can see. Role groups (local administrators) are refused by the directory adapter:
//! SCIM never grants an administrative role (security.md AUTHZ-03).

use super::{in_scope, Caller, Precondition, Provisioning, ProvisioningError};
use crate::ports::{DirectoryError, GroupEntry, GroupProfile, SchoolScope};

/// A membership change (PATCH): ids to add and to remove.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupChanges {
    pub add: Vec<String>,
    pub remove: Vec<String>,
}

impl Provisioning {
    pub async fn create_group(
        &self,
        caller: &Caller,
        profile: GroupProfile,
    ) -> Result<GroupEntry, ProvisioningError> {
        let result = async {
            self.check_group_scope(caller, &profile).await?;
            match self.directory.create_group(&profile).await {
                Ok(g) => Ok(g),
                // The answer was lost: the group of that name and externalId is the one
                // this add made (issue 14).
                Err(DirectoryError::OutcomeUnknown(m)) => {
                    tracing::warn!(error = %m, "the outcome of a group add is unknown; reading back");
                    match self.same_group(caller, &profile).await {
                        Ok(Some(g))
                            if g.profile.display_name == profile.display_name
                                && g.profile.external_id == profile.external_id =>
                        {
                            Ok(g)
                        }
                        _ => Err(ProvisioningError::Unavailable),
                    }
                }
                Err(e) => Err(e.into()),
            }
        }
        .await;
        self.finish(caller, "group.created", result, |r, g| {
            let r = r
                .school(&profile.school)
                .detail("display_name", profile.display_name.clone())
                .detail("members", profile.members.len().to_string());
            match g {
                Some(g) => r.target(&g.entry.dn, Some(g.entry.id.clone())),
                None => r,
            }
        })
        .await
    }

    /// Replaces the group when it is still at a version `expected` accepts
    /// (`Precondition::None`: any version).
    pub async fn update_group_if(
        &self,
        caller: &Caller,
        id: &str,
        profile: GroupProfile,
        expected: &Precondition,
    ) -> Result<GroupEntry, ProvisioningError> {
        let current = self.directory.get_group(id, &caller.scope).await?;
        let result = async {
            let current = current.as_ref().ok_or(ProvisioningError::NotFound)?;
            expected.check(&current.meta.version)?;
            if profile.school != current.profile.school {
                return Err(ProvisioningError::Invalid(
                    "a group cannot move to another school".into(),
                ));
            }
            self.check_group_scope(caller, &profile).await?;
            // Members the caller cannot see (people of other schools) are not in its view of
            // the group, so its replacement list keeps them rather than removing them unseen.
            let mut to_write = profile.clone();
            if caller.scope != SchoolScope::All {
                if let Some(all) = self.directory.get_group(id, &SchoolScope::All).await? {
                    let seen = &current.profile.members;
                    to_write.members.extend(
                        all.profile
                            .members
                            .into_iter()
                            .filter(|m| !seen.contains(m) && !profile.members.contains(m)),
                    );
                }
            }
            match self.directory.update_group(id, &to_write).await {
                // The answer was lost: read back and compare (issue 14, `read_back.rs`).
                Err(DirectoryError::OutcomeUnknown(m)) => {
                    self.group_after_unknown(id, &to_write, &m).await
                }
                other => Ok(other?),
            }
        }
        .await;
        self.finish(caller, "group.updated", result, |r, _| match &current {
            Some(g) => {
                let mut r = r
                    .target(&g.entry.dn, Some(g.entry.id.clone()))
                    .school(&g.profile.school);
                if g.profile.display_name != profile.display_name {
                    r = r.detail("renamed_to", profile.display_name.clone());
                }
                r.detail("members", profile.members.len().to_string())
            }
            None => r.detail("id", id),
        })
        .await
    }

    /// Adds and removes members (PATCH) when the group is still at a version `expected`
    /// accepts (`Precondition::None`: any version).
    pub async fn change_group_members_if(
        &self,
        caller: &Caller,
        id: &str,
        changes: GroupChanges,
        expected: &Precondition,
    ) -> Result<GroupEntry, ProvisioningError> {
        let current = self.directory.get_group(id, &caller.scope).await?;
        let result = async {
            let group = current.as_ref().ok_or(ProvisioningError::NotFound)?;
            expected.check(&group.meta.version)?;
            self.check_members_visible(caller, &changes.add).await?;
            match self
                .directory
                .modify_group_members(id, &changes.add, &changes.remove)
                .await
            {
                Err(DirectoryError::OutcomeUnknown(m)) => {
                    self.members_after_unknown(id, &changes.add, &changes.remove, &m)
                        .await
                }
                other => Ok(other?),
            }
        }
        .await;
        self.finish(
            caller,
            "group.members_changed",
            result,
            |r, _| match &current {
                Some(g) => r
                    .target(&g.entry.dn, Some(g.entry.id.clone()))
                    .school(&g.profile.school)
                    .detail("added", changes.add.join(","))
                    .detail("removed", changes.remove.join(",")),
                None => r.detail("id", id),
            },
        )
        .await
    }

    pub async fn delete_group(&self, caller: &Caller, id: &str) -> Result<(), ProvisioningError> {
        self.delete_group_if(caller, id, &Precondition::None).await
    }

    /// `delete_group` when the group is still at a version `expected` accepts.
    pub async fn delete_group_if(
        &self,
        caller: &Caller,
        id: &str,
        expected: &Precondition,
    ) -> Result<(), ProvisioningError> {
        let current = self.directory.get_group(id, &caller.scope).await?;
        let result = async {
            let group = current.as_ref().ok_or(ProvisioningError::NotFound)?;
            expected.check(&group.meta.version)?;
            match self.directory.delete_group(id).await {
                Err(DirectoryError::OutcomeUnknown(m)) => {
                    let now = self.directory.get_group(id, &SchoolScope::All).await;
                    deleted_after_unknown(&m, now)
                }
                other => Ok(other?),
            }
        }
        .await;
        self.finish(caller, "group.deleted", result, |r, _| match &current {
            Some(g) => r
                .target(&g.entry.dn, Some(g.entry.id.clone()))
                .school(&g.profile.school)
                .detail("display_name", g.profile.display_name.clone()),
            None => r.detail("id", id),
        })
        .await
    }

    async fn check_group_scope(
        &self,
        caller: &Caller,
        profile: &GroupProfile,
    ) -> Result<(), ProvisioningError> {
        if !in_scope(&caller.scope, &profile.school) {
            return Err(ProvisioningError::OutOfScope(format!(
                "school {} is outside this client's scope",
                profile.school
            )));
        }
        self.check_members_visible(caller, &profile.members).await
    }

    /// Every member must be a person the caller can see; an invisible one is reported as
    /// unknown, exactly like a missing one, so nothing leaks about other schools.
    async fn check_members_visible(
        &self,
        caller: &Caller,
        ids: &[String],
    ) -> Result<(), ProvisioningError> {
        for id in ids {
            if self
                .directory
                .get_person(id, &caller.scope)
                .await?
                .is_none()
            {
                return Err(ProvisioningError::Invalid(format!("no user with id {id}")));
            }
        }
        Ok(())
    }
}

/// After a delete whose answer was lost (issue 14): the entry gone means the delete
/// happened; still there, or unreadable, is reported as unavailable (retry).
pub(super) fn deleted_after_unknown<T>(
    context: &str,
    now: Result<Option<T>, DirectoryError>,
) -> Result<(), ProvisioningError> {
    match now {
        Ok(None) => Ok(()),
        Ok(Some(_)) | Err(_) => {
            tracing::warn!(error = %context, "a delete's outcome is unknown or it did not happen");
            Err(ProvisioningError::Unavailable)
        }
    }
}
