//! The fake's people: lookups, creation with its uniqueness checks, scoped searches,
//! updates at a version and deletion ([`super::FakeDirectory`]).

use super::*;

#[async_trait]
impl PeopleDirectory for FakeDirectory {
    async fn find_person_by_login(
        &self,
        login: &LoginName,
    ) -> DirectoryResult<Option<PersonEntry>> {
        let t = self.lock();
        let found = t.people.values().find(|s| &s.person.login == login);
        Ok(found.map(|s| s.person.clone()))
    }

    async fn find_person_by_employee_number(
        &self,
        number: &EmployeeNumber,
    ) -> DirectoryResult<Option<PersonEntry>> {
        let t = self.lock();
        let found =
            (t.people.values()).find(|s| s.person.profile.employee_number.as_ref() == Some(number));
        Ok(found.map(|s| s.person.clone()))
    }

    async fn logins_like(&self, base: &LoginName) -> DirectoryResult<Vec<String>> {
        let t = self.lock();
        Ok((t.people.values())
            .map(|s| s.person.login.as_str().to_owned())
            .filter(|l| l.starts_with(base.as_str()))
            .collect())
    }

    async fn create_person(&self, person: &NewPerson) -> DirectoryResult<PersonEntry> {
        // A real add is a round trip: let other tasks run first, as they would meanwhile.
        tokio::task::yield_now().await;
        let now = self.clock.now();
        let mut t = self.lock();
        if t.people.values().any(|s| s.person.login == person.login) {
            t.login_refusals += 1;
            return Err(DirectoryError::taken(Unique::Login, person.login.as_str()));
        }
        let primary = &person.profile.employment.primary;
        if !t.schools.contains_key(primary.as_str()) {
            return Err(DirectoryError::NotFound(format!("school {primary}")));
        }
        t.check_unique(&person.profile, None)?;
        let id = t.next_id("person");
        let meta = t.meta(now);
        let credentials = person.credentials.as_ref();
        let entry = PersonEntry {
            entry: EntryRef {
                id: id.clone(),
                dn: format!("person:{}", person.login),
            },
            login: person.login.clone(),
            profile: person.profile.clone(),
            account_state: credentials.map_or(AccountState::None, |c| c.state),
            groups: Vec::new(),
            meta,
            account_request: None,
            initial_password_expires: credentials.and_then(|c| c.expires_at),
            activated_at: None,
            snapshot: Default::default(),
        };
        let stored = Stored {
            person: entry.clone(),
            password: credentials.map(|c| c.hash.clone()),
            must_change: credentials.is_some_and(|c| c.must_change),
            second_factor: None,
        };
        t.people.insert(id, stored);
        Ok(entry)
    }

    async fn get_person(
        &self,
        id: &str,
        scope: &SchoolScope,
    ) -> DirectoryResult<Option<PersonEntry>> {
        let t = self.lock();
        let found = t.people.get(id).map(|s| &s.person);
        Ok(found.filter(|p| Self::visible(p, scope)).cloned())
    }

    async fn search_people(&self, q: &PersonSearch) -> DirectoryResult<Page<PersonEntry>> {
        self.page(q, |t| {
            (t.people.values())
                .map(|s| s.person.clone())
                .filter(|p| Self::visible(p, &q.scope))
                .collect()
        })
    }

    async fn update_person_at(
        &self,
        PersonAt { id, version, .. }: PersonAt<'_>,
        profile: &PersonProfile,
    ) -> DirectoryResult<PersonEntry> {
        self.write_person(id, |t| {
            let s = t.person_mut(id)?;
            if version.is_some_and(|v| v != s.person.meta.version) {
                return Err(DirectoryError::VersionChanged(format!("person {id}")));
            }
            t.check_unique(profile, Some(id))?;
            t.person_mut(id)?.person.profile = profile.clone();
            Ok(())
        })
    }

    async fn delete_person(&self, id: &str) -> DirectoryResult<()> {
        let mut t = self.lock();
        t.people
            .remove(id)
            .ok_or_else(|| DirectoryError::NotFound(format!("person {id}")))?;
        t.roles.retain(|(p, _)| p != id);
        for g in t.groups.values_mut() {
            g.profile.members.retain(|m| m != id);
            g.members.retain(|m| m.id != id);
        }
        Ok(())
    }
}
