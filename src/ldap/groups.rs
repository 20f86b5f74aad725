//! SCIM groups: `groupOfNames` + `zszoGroup` entries `cn=<display name>,ou=grupy,ou=<school>`.
//!
//! - `zszoGroup` (AUXILIARY, schemas/ldap/zszo.ldif) carries the group's school
//!   (`zszoSchoolCode`, for scope filters) and `zszoExternalId`. Only groups with that class
//!   are SCIM groups: role groups (`cn=administratorzy-lokalni`) and groups made by hand are
//!   never listed, and changing one through these methods is `InsufficientAccess` — SCIM never
//!   grants an administrator role (security.md AUTHZ-03).
//! - Members are person ids resolved to DNs; a person of another school may be a member.
//!   Every group keeps the zero-length DN placeholder as a `member` value (the layout's
//!   convention), so removing the last real member leaves a valid, empty group.
//! - Renames and moves are Modify DN (the id stays); refint and memberof keep `memberOf` right.
//!
//! `GroupDirectory` for [`LdapDirectory`] is implemented here, over the helpers in
//! [`super::group_entries`].

use super::directory::LdapDirectory;
use super::error::rc;
use super::group_entries::{
    check_name, group_scope_filter, is_scim_group, member_mods, GROUP_ATTRS,
};
use super::mapping::{attr, AddAttr, Reader};
use super::names::{dn_key, group_rdn, Filter};
use super::render::{group_filter, group_sort_attr, referenced_ids, IdDns};
use super::search::PageWindow;
use crate::domain::query::GroupAttr;
use crate::ports::{
    DirectoryError, DirectoryResult, GroupDirectory, GroupEntry, GroupProfile, GroupSearch,
    MemberChange, Page, SchoolScope,
};
use async_trait::async_trait;
use ldap3::Mod;
use std::collections::HashSet;

#[async_trait]
impl GroupDirectory for LdapDirectory {
    async fn create_group(&self, p: &GroupProfile) -> DirectoryResult<GroupEntry> {
        let name = check_name(&p.display_name)?;
        let members = self.member_dns(&p.members).await?;
        let dn = self.layout().group_dn(&p.school, &name);
        let mut attrs: Vec<AddAttr> = vec![
            attr("objectClass", ["top", "groupOfNames", "zszoGroup"]),
            attr("cn", [name.as_str()]),
            attr("zszoSchoolCode", [p.school.as_str()]),
            attr("member", std::iter::once(String::new()).chain(members)),
        ];
        if let Some(ext) = p
            .external_id
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            attrs.push(attr("zszoExternalId", [ext]));
        }
        self.pool()
            .add(&dn, attrs)
            .await
            .map_err(|e| Self::group_write_error(e, &dn, &name, &p.school))?;
        let filter = Filter::and([
            Filter::object_class("zszoGroup"),
            Filter::eq("entryDN", dn.as_str()),
        ]);
        // The add happened: failing to read it now leaves the outcome for the caller to learn.
        let unknown =
            |e: DirectoryError| DirectoryError::OutcomeUnknown(format!("{dn} was added: {e}"));
        // Missing: the pool moved to another provider that has not received it yet (see
        // `create_person_impl`): wait briefly, then the outcome is unknown.
        for wait in super::providers::replication_waits() {
            tokio::time::sleep(wait).await;
            let entries = self
                .search_schools(&filter, GROUP_ATTRS)
                .await
                .map_err(unknown)?;
            let found = self
                .groups_from_entries(&entries, &SchoolScope::All)
                .await
                .map_err(unknown)?
                .pop();
            if let Some(group) = found {
                return Ok(group);
            }
        }
        Err(DirectoryError::OutcomeUnknown(format!(
            "{dn} was added but is not on the provider now in use ({})",
            self.pool().active_url()
        )))
    }

    async fn get_group(
        &self,
        id: &str,
        scope: &SchoolScope,
    ) -> DirectoryResult<Option<GroupEntry>> {
        let Some(entry) = self.group_entry(id).await? else {
            return Ok(None);
        };
        if !is_scim_group(&entry) {
            return Ok(None);
        }
        let group = self.groups_from_entries(&[entry], scope).await?.pop();
        Ok(group.filter(|g| scope.contains(&g.profile.school)))
    }

    async fn search_groups(&self, q: &GroupSearch) -> DirectoryResult<Page<GroupEntry>> {
        let mut parts = vec![Filter::object_class("zszoGroup")];
        parts.extend(group_scope_filter(&q.scope));
        if let Some(f) = &q.filter {
            let ids = referenced_ids(f, |a| a == GroupAttr::Member);
            let dns: IdDns = self.person_dns_in(&ids, &q.scope).await?;
            parts.push(group_filter(f, &dns)?);
        }
        let window = PageWindow {
            start_index: q.start_index,
            count: q.count,
            sort: q.sort.map(|(a, o)| (group_sort_attr(a), o)),
        };
        let page = self
            .read_page("zszoGroup", &Filter::and(parts), window, GROUP_ATTRS)
            .await?;
        let groups = self.groups_from_entries(&page.entries, &q.scope).await?;
        Ok(page.into_page(groups, |g| g.entry.id.as_str()))
    }

    /// Renames/moves first (a name clash is the likely failure, and then nothing changed),
    /// then one Modify for external id, school and members. If that Modify fails the group
    /// keeps its new name; sending the same update again completes it.
    async fn update_group(&self, id: &str, p: &GroupProfile) -> DirectoryResult<GroupEntry> {
        let entry = self.group_for_change(id).await?;
        let name = check_name(&p.display_name)?;
        let members = self.member_dns(&p.members).await?;
        let target = self.layout().group_dn(&p.school, &name);
        let mut dn = entry.dn.clone();
        let current_name = Reader(&entry).values("cn").first().cloned();
        if dn_key(&target) != dn_key(&entry.dn) {
            let superior = self.layout().groups_dn(&p.school);
            self.pool()
                .modify_dn(&entry.dn, &group_rdn(&name), Some(&superior))
                .await
                .map_err(|e| Self::group_write_error(e, &entry.dn, &name, &p.school))?;
            dn = target;
        }
        let r = Reader(&entry);
        let keys = |values: &[String]| values.iter().map(|v| dn_key(v)).collect::<HashSet<_>>();
        let wanted_members: HashSet<String> =
            std::iter::once(String::new()).chain(members).collect();
        let external: HashSet<String> = p
            .external_id
            .iter()
            .map(|e| e.trim().to_owned())
            .filter(|e| !e.is_empty())
            .collect();
        // Only what differs is written: a re-sent group keeps its version.
        let mut mods = Vec::new();
        if r.values("zszoExternalId")
            .iter()
            .cloned()
            .collect::<HashSet<_>>()
            != external
        {
            mods.push(Mod::Replace("zszoExternalId".to_owned(), external));
        }
        if r.values("zszoSchoolCode") != [p.school.as_str().to_owned()] {
            let school = HashSet::from([p.school.as_str().to_owned()]);
            mods.push(Mod::Replace("zszoSchoolCode".to_owned(), school));
        }
        let wanted_keys: HashSet<String> = wanted_members.iter().map(|v| dn_key(v)).collect();
        if keys(r.values("member")) != wanted_keys {
            mods.push(Mod::Replace("member".to_owned(), wanted_members));
        }
        if dn == entry.dn && current_name.as_deref() != Some(name.as_str()) {
            // Only the case changed: the RDN matches (caseIgnoreMatch), so `cn` is replaced.
            mods.push(Mod::Replace("cn".to_owned(), HashSet::from([name.clone()])));
        }
        if !mods.is_empty() {
            self.pool()
                .modify(&dn, mods)
                .await
                .map_err(|e| Self::group_write_error(e, &dn, &name, &p.school))?;
        }
        self.group_by_dn_or_id(id).await
    }

    /// Adds and removes members (by id) in one Modify computed from the current values, so
    /// adding a member twice or removing a non-member is not an error. When a concurrent
    /// change makes that Modify stale (a value already there, 20, or already gone, 16), the
    /// values are read again and the Modify recomputed (at most three times).
    async fn modify_group_members(
        &self,
        id: &str,
        MemberChange { add, remove }: MemberChange<'_>,
    ) -> DirectoryResult<GroupEntry> {
        let to_add = self.member_dns(add).await?;
        let removed = self.person_dns(remove).await?;
        let removed: HashSet<String> = removed.values().map(|dn| dn_key(dn)).collect();
        let mut attempt = 0;
        loop {
            let entry = self.group_for_change(id).await?;
            let mods = member_mods(Reader(&entry).values("member"), &to_add, &removed);
            if mods.is_empty() {
                break;
            }
            match self.pool().modify(&entry.dn, mods).await {
                Ok(()) => break,
                Err(e)
                    if attempt < 2
                        && matches!(
                            e.rc(),
                            Some(rc::ATTRIBUTE_OR_VALUE_EXISTS | NO_SUCH_ATTRIBUTE)
                        ) =>
                {
                    attempt += 1;
                }
                Err(e) => return Err(e.into_directory(&entry.dn)),
            }
        }
        self.group_by_dn_or_id(id).await
    }

    async fn delete_group(&self, id: &str) -> DirectoryResult<()> {
        let entry = self.group_for_change(id).await?;
        self.pool()
            .delete(&entry.dn)
            .await
            .map_err(|e| e.into_directory(&entry.dn))
    }
}

/// RFC 4511 Appendix A: deleting a value that is not there.
const NO_SUCH_ATTRIBUTE: u32 = 16;
