//! `PeopleDirectory` for [`LdapDirectory`]: the bodies are in `people` and `search`; this is
//! where the port's methods meet them. (`GroupDirectory` is implemented in `groups` itself.)

use super::directory::LdapDirectory;
use super::names::Filter;
use crate::domain::{EmployeeNumber, LoginName};
use crate::ports::*;
use async_trait::async_trait;

#[async_trait]
impl PeopleDirectory for LdapDirectory {
    async fn find_person_by_login(
        &self,
        login: &LoginName,
    ) -> DirectoryResult<Option<PersonEntry>> {
        self.find_person(Filter::eq("uid", login.as_str()), &SchoolScope::All)
            .await
    }

    async fn find_person_by_employee_number(
        &self,
        number: &EmployeeNumber,
    ) -> DirectoryResult<Option<PersonEntry>> {
        self.find_person(
            Filter::eq("employeeNumber", number.as_str()),
            &SchoolScope::All,
        )
        .await
    }

    async fn logins_like(&self, base: &LoginName) -> DirectoryResult<Vec<String>> {
        self.logins_like_impl(base).await
    }

    async fn create_person(&self, person: &NewPerson) -> DirectoryResult<PersonEntry> {
        self.create_person_impl(person).await
    }

    async fn get_person(
        &self,
        id: &str,
        scope: &SchoolScope,
    ) -> DirectoryResult<Option<PersonEntry>> {
        self.get_person_impl(id, scope).await
    }

    async fn search_people(&self, q: &PersonSearch) -> DirectoryResult<Page<PersonEntry>> {
        self.search_people_impl(q).await
    }

    async fn update_person_at(
        &self,
        at: PersonAt<'_>,
        profile: &PersonProfile,
    ) -> DirectoryResult<PersonEntry> {
        self.update_person_impl(at, profile).await
    }

    async fn delete_person(&self, id: &str) -> DirectoryResult<()> {
        self.delete_person_impl(id).await
    }
}
