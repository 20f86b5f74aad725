//! The fake's groups: creation with its uniqueness checks (name within a school,
//! externalId), scoped reads, updates and membership changes ([`super::FakeDirectory`]).

use super::*;

#[async_trait]
impl GroupDirectory for FakeDirectory {
    async fn create_group(&self, profile: &GroupProfile) -> DirectoryResult<GroupEntry> {
        let now = self.clock.now();
        let mut t = self.lock();
        if !t.schools.contains_key(profile.school.as_str()) {
            return Err(DirectoryError::NotFound(format!(
                "school {}",
                profile.school
            )));
        }
        let same_name = t.groups.values().any(|g| {
            g.profile.school == profile.school
                && g.profile
                    .display_name
                    .eq_ignore_ascii_case(&profile.display_name)
        });
        if same_name {
            return Err(DirectoryError::taken(
                Unique::GroupName,
                &profile.display_name,
            ));
        }
        if let Some(ext) = &profile.external_id {
            let taken = t
                .groups
                .values()
                .any(|g| g.profile.external_id.as_ref() == Some(ext))
                || (t.people.values()).any(|s| s.person.profile.external_id.as_ref() == Some(ext));
            if taken {
                return Err(DirectoryError::taken(Unique::ExternalId, ext.clone()));
            }
        }
        let members = t.refs(&profile.members)?;
        let id = t.next_id("group");
        let meta = t.meta(now);
        let group = GroupEntry {
            entry: EntryRef {
                id: id.clone(),
                dn: format!("group:{}", profile.display_name),
            },
            profile: profile.clone(),
            members,
            meta,
        };
        t.groups.insert(id, group.clone());
        Ok(group)
    }

    async fn get_group(
        &self,
        id: &str,
        scope: &SchoolScope,
    ) -> DirectoryResult<Option<GroupEntry>> {
        let t = self.lock();
        let found = t
            .groups
            .get(id)
            .filter(|g| scope.contains(&g.profile.school));
        Ok(found.cloned())
    }

    async fn search_groups(&self, q: &GroupSearch) -> DirectoryResult<Page<GroupEntry>> {
        self.page(q, |t| {
            (t.groups.values())
                .filter(|g| q.scope.contains(&g.profile.school))
                .cloned()
                .collect()
        })
    }

    async fn update_group(&self, id: &str, profile: &GroupProfile) -> DirectoryResult<GroupEntry> {
        let mut t = self.lock();
        let members = t.refs(&profile.members)?;
        let group = t
            .groups
            .get_mut(id)
            .ok_or_else(|| DirectoryError::NotFound(format!("group {id}")))?;
        group.profile = profile.clone();
        group.members = members;
        Ok(group.clone())
    }

    async fn modify_group_members(
        &self,
        id: &str,
        MemberChange { add, remove }: MemberChange<'_>,
    ) -> DirectoryResult<GroupEntry> {
        let current = self
            .lock()
            .groups
            .get(id)
            .cloned()
            .ok_or_else(|| DirectoryError::NotFound(format!("group {id}")))?;
        let mut profile = current.profile;
        profile.members.retain(|m| !remove.contains(m));
        for m in add {
            if !profile.members.contains(m) {
                profile.members.push(m.clone());
            }
        }
        self.update_group(id, &profile).await
    }

    async fn delete_group(&self, id: &str) -> DirectoryResult<()> {
        self.lock()
            .groups
            .remove(id)
            .map(|_| ())
            .ok_or_else(|| DirectoryError::NotFound(format!("group {id}")))
    }
}
