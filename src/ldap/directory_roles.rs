//! `RoleDirectory` for [`LdapDirectory`]: the role groups (`cn=administratorzy-lokalni` of each
//! school, `cn=administratorzy-systemu`) a person is a member of, and granting one.

use super::directory::LdapDirectory;
use super::error::rc;
use super::names::Filter;
use crate::domain::SchoolCode;
use crate::ports::*;
use async_trait::async_trait;
use ldap3::{Mod, Scope};
use std::collections::HashSet;

#[async_trait]
impl RoleDirectory for LdapDirectory {
    async fn grant_role(&self, person: &EntryRef, role: &AdminRole) -> DirectoryResult<bool> {
        let exists = self
            .read(&person.dn, &Filter::object_class("zszoPerson"), &["1.1"])
            .await?;
        if exists.is_none() {
            return Err(DirectoryError::NotFound(person.dn.clone()));
        }
        let group = self.layout.role_group_dn(role);
        let add = Mod::Add("member".to_owned(), HashSet::from([person.dn.clone()]));
        match self.pool.modify(&group, vec![add]).await {
            Ok(()) => Ok(true),
            // RFC 4511 §4.6: adding a value that is already there answers 20.
            Err(e) if e.rc() == Some(rc::ATTRIBUTE_OR_VALUE_EXISTS) => Ok(false),
            Err(e) => Err(e.into_directory(&group)),
        }
    }

    async fn roles_of(&self, person: &EntryRef) -> DirectoryResult<Vec<AdminRole>> {
        // One search for both kinds of role group (issue 17: every panel request checks its
        // administrator's roles, and an account change by a school's administrator the
        // person's): the groups of those names that have the person as a member, anywhere
        // under the base; only a group at exactly a role group's DN counts.
        let filter = Filter::and([
            Filter::object_class("groupOfNames"),
            Filter::or([
                Filter::eq("cn", "administratorzy-lokalni"),
                Filter::eq("cn", "administratorzy-systemu"),
            ]),
            Filter::eq("member", person.dn.clone()),
        ]);
        let groups = self
            .pool
            .search(self.layout.base_dn(), Scope::Subtree, &filter, &["1.1"])
            .await?;
        let (system, mut roles): (Vec<_>, Vec<_>) = groups
            .iter()
            .filter_map(|group| self.layout.role_of_group(&group.dn))
            .partition(|role| *role == AdminRole::SystemAdministrator);
        // The schools' roles first, as the session lists them.
        roles.extend(system.into_iter().take(1));
        Ok(roles)
    }

    async fn local_administrators(&self, school: &SchoolCode) -> DirectoryResult<Vec<PersonEntry>> {
        self.local_administrators_impl(school).await
    }
}
