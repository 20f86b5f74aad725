//! `RoleDirectory` for [`LdapDirectory`]: the role groups (`cn=administratorzy-lokalni` of each
//! school, `cn=administratorzy-systemu`) a person is a member of, and granting one.

use super::directory::LdapDirectory;
use super::error::rc;
use super::names::Filter;
use crate::domain::SchoolCode;
use crate::ports::*;
use async_trait::async_trait;
use ldap3::Mod;
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
        let member = Filter::eq("member", person.dn.clone());
        let mut roles = Vec::new();
        let local = Filter::and([
            Filter::object_class("groupOfNames"),
            Filter::eq("cn", "administratorzy-lokalni"),
            member.clone(),
        ]);
        let groups = self.search_schools(&local, &["1.1"]).await?;
        for group in groups {
            // Only a group that is exactly a school's local-administrators group counts.
            if let Some(role @ AdminRole::LocalAdministrator(_)) =
                self.layout.role_of_group(&group.dn)
            {
                roles.push(role);
            }
        }
        if self
            .read(&self.layout.system_admins_dn(), &member, &["1.1"])
            .await?
            .is_some()
        {
            roles.push(AdminRole::SystemAdministrator);
        }
        Ok(roles)
    }

    async fn local_administrators(&self, school: &SchoolCode) -> DirectoryResult<Vec<PersonEntry>> {
        self.local_administrators_impl(school).await
    }
}
