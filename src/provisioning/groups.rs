//! Groups of a school: create, replace, change members, delete. Members must be people the
//! caller can see. Role groups (local administrators) are refused by the directory adapter:
//! SCIM never grants an administrative role (security.md AUTHZ-03).

use super::read_back;
use super::{in_scope, Caller, Precondition, Provisioning, ProvisioningError};
use crate::domain::audit::NewAuditRecord;
use crate::ports::{DirectoryError, GroupEntry, GroupProfile, MemberChange, SchoolScope};

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
        let replace = async |current: &GroupEntry| {
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
                    self.after_unknown(id, &m, |g| read_back::group_holds(&to_write, g))
                        .await
                }
                other => Ok(other?),
            }
        };
        let describe = |mut r: NewAuditRecord, current: &GroupEntry| {
            if current.profile.display_name != profile.display_name {
                r = r.detail("renamed_to", profile.display_name.clone());
            }
            r.detail("members", profile.members.len().to_string())
        };
        self.change_group(caller, id, expected, "group.updated", replace, describe)
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
        let modify = async |_: &GroupEntry| {
            self.check_members_visible(caller, &changes.add).await?;
            match self
                .directory
                .modify_group_members(
                    id,
                    MemberChange {
                        add: &changes.add,
                        remove: &changes.remove,
                    },
                )
                .await
            {
                Err(DirectoryError::OutcomeUnknown(m)) => {
                    self.after_unknown(id, &m, |g| read_back::members_hold(&changes, g))
                        .await
                }
                other => Ok(other?),
            }
        };
        let describe = |r: NewAuditRecord, _: &GroupEntry| {
            r.detail("added", changes.add.join(","))
                .detail("removed", changes.remove.join(","))
        };
        let action = "group.members_changed";
        self.change_group(caller, id, expected, action, modify, describe)
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
        let delete = async |_: &GroupEntry| match self.directory.delete_group(id).await {
            Err(DirectoryError::OutcomeUnknown(m)) => {
                let now = self.directory.get_group(id, &SchoolScope::All).await;
                deleted_after_unknown(&m, now)
            }
            other => Ok(other?),
        };
        let describe = |r: NewAuditRecord, current: &GroupEntry| {
            r.detail("display_name", current.profile.display_name.clone())
        };
        self.change_group(caller, id, expected, "group.deleted", delete, describe)
            .await
    }

    /// The frame of every change to an existing group: `change` runs on the group as the
    /// caller sees it (`NotFound` when it does not), at a version `expected` accepts; then the
    /// one record of `action`, about the group found (its entry, school, and what `describe`
    /// adds) or the id asked for.
    async fn change_group<T>(
        &self,
        caller: &Caller,
        id: &str,
        expected: &Precondition,
        action: &str,
        change: impl AsyncFnOnce(&GroupEntry) -> Result<T, ProvisioningError>,
        describe: impl FnOnce(NewAuditRecord, &GroupEntry) -> NewAuditRecord,
    ) -> Result<T, ProvisioningError> {
        let current = self.directory.get_group(id, &caller.scope).await?;
        let result = match &current {
            None => Err(ProvisioningError::NotFound),
            Some(group) => match expected.check(&group.meta.version) {
                Ok(()) => change(group).await,
                Err(e) => Err(e),
            },
        };
        self.finish(caller, action, result, |r, _| match &current {
            Some(g) => describe(
                r.target(&g.entry.dn, Some(g.entry.id.clone()))
                    .school(&g.profile.school),
                g,
            ),
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
