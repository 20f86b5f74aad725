//! The SCIM groups' entries, below [`super::groups`]' `GroupDirectory`: which entries are SCIM
//! groups (not role groups), their names, reading one with its members resolved, the write
//! errors a group add or rename maps to, and the member Modify.

use super::directory::LdapDirectory;
use super::error::rc;
use super::mapping::{Reader, META_ATTRS};
use super::names::{dn_key, Filter};
use super::pool::WriteError;
use super::render::is_uuid;
use crate::domain::SchoolCode;
use crate::ports::{
    DirectoryError, DirectoryResult, GroupEntry, GroupProfile, GroupRef, SchoolScope, Unique,
};
use ldap3::{Mod, SearchEntry};
use std::collections::HashSet;

pub(super) const GROUP_ATTRS: &[&str] = &[
    META_ATTRS[0],
    META_ATTRS[1],
    META_ATTRS[2],
    META_ATTRS[3],
    "cn",
    "objectClass",
    "zszoSchoolCode",
    "zszoExternalId",
    "member",
];

/// The role group's name, which SCIM may not take.
const ROLE_GROUP: &str = "administratorzy-lokalni";

fn role_group_refused(what: &str) -> DirectoryError {
    DirectoryError::InsufficientAccess(format!(
        "{what} is a role group: roles are not managed through groups"
    ))
}

/// 1–200 characters, no control characters, not the role group's name.
pub(super) fn check_name(name: &str) -> DirectoryResult<String> {
    let name = crate::domain::parse_text("displayName", name, 200).map_err(|e| {
        DirectoryError::Constraint {
            code: 0,
            detail: e.to_string(),
        }
    })?;
    if name.eq_ignore_ascii_case(ROLE_GROUP) {
        return Err(role_group_refused(&name));
    }
    Ok(name)
}

pub(super) fn is_scim_group(e: &SearchEntry) -> bool {
    Reader(e)
        .values("objectClass")
        .iter()
        .any(|c| c.eq_ignore_ascii_case("zszoGroup"))
}

pub(super) fn group_scope_filter(scope: &SchoolScope) -> Option<Filter> {
    super::render::scope_filter(scope)
}

impl LdapDirectory {
    /// Any `groupOfNames` with this id under the schools (role groups included).
    pub(super) async fn group_entry(&self, id: &str) -> DirectoryResult<Option<SearchEntry>> {
        if !is_uuid(id) {
            return Ok(None);
        }
        let filter = Filter::and([
            Filter::object_class("groupOfNames"),
            Filter::eq("entryUUID", id),
        ]);
        Ok(self.search_schools(&filter, GROUP_ATTRS).await?.pop())
    }

    /// The SCIM group with this id, for a change: `NotFound`, or `InsufficientAccess` for a
    /// role group.
    pub(super) async fn group_for_change(&self, id: &str) -> DirectoryResult<SearchEntry> {
        let entry = self
            .group_entry(id)
            .await?
            .ok_or_else(|| DirectoryError::NotFound(format!("group {id}")))?;
        if !is_scim_group(&entry) {
            return Err(role_group_refused(&entry.dn));
        }
        Ok(entry)
    }

    /// Member DNs of these ids; `NotFound("member …")` for an unknown one.
    pub(super) async fn member_dns(&self, ids: &[String]) -> DirectoryResult<Vec<String>> {
        let dns = self.person_dns(ids).await?;
        ids.iter()
            .map(|id| {
                dns.get(id)
                    .cloned()
                    .ok_or_else(|| DirectoryError::NotFound(format!("member {id}")))
            })
            .collect()
    }

    /// Groups with their members resolved within `scope`: a member outside it is not
    /// listed (nor counted in `profile.members`).
    pub(super) async fn groups_from_entries(
        &self,
        entries: &[SearchEntry],
        scope: &SchoolScope,
    ) -> DirectoryResult<Vec<GroupEntry>> {
        let dns: Vec<String> = entries
            .iter()
            .flat_map(|e| Reader(e).values("member").to_vec())
            .collect();
        let refs = self.refs_by_dn(dns, scope).await?;
        entries
            .iter()
            .map(|e| {
                let r = Reader(e);
                let members: Vec<GroupRef> = r
                    .values("member")
                    .iter()
                    .filter_map(|dn| refs.get(&dn_key(dn)))
                    .filter(|i| !i.group)
                    .map(|i| GroupRef {
                        id: i.id.clone(),
                        display_name: i.name.clone(),
                    })
                    .collect();
                Ok(GroupEntry {
                    entry: r.entry_ref()?,
                    profile: GroupProfile {
                        display_name: r.values("cn").first().cloned().unwrap_or_default(),
                        external_id: r.optional("zszoExternalId")?.map(str::to_owned),
                        school: r.parse("zszoSchoolCode", SchoolCode::parse)?,
                        members: members.iter().map(|m| m.id.clone()).collect(),
                    },
                    members,
                    meta: r.meta()?,
                })
            })
            .collect()
    }

    pub(super) async fn group_by_dn_or_id(&self, id: &str) -> DirectoryResult<GroupEntry> {
        let entry = self.group_for_change(id).await?;
        self.groups_from_entries(&[entry], &SchoolScope::All)
            .await?
            .pop()
            .ok_or_else(|| DirectoryError::NotFound(format!("group {id}")))
    }

    pub(super) fn group_write_error(
        e: WriteError,
        dn: &str,
        name: &str,
        school: &SchoolCode,
    ) -> DirectoryError {
        match e {
            WriteError::Refused(r) if r.rc == rc::ENTRY_ALREADY_EXISTS => DirectoryError::taken(
                Unique::GroupName,
                format!("displayName {name:?} in school {school} ({dn})"),
            ),
            WriteError::Refused(r) if r.rc == rc::NO_SUCH_OBJECT => {
                DirectoryError::NotFound(format!("school {school}"))
            }
            other => other.into_directory(dn),
        }
    }
}

/// The Modify that turns `current` member values into current + `add` − `removed` (keys),
/// keeping the empty-DN placeholder so the group stays valid when its last member goes.
pub(super) fn member_mods(
    current: &[String],
    add: &[String],
    removed: &HashSet<String>,
) -> Vec<Mod<String>> {
    let present: HashSet<String> = current.iter().map(|dn| dn_key(dn)).collect();
    let adding: HashSet<String> = add
        .iter()
        .filter(|dn| !present.contains(&dn_key(dn)) && !removed.contains(&dn_key(dn)))
        .cloned()
        .collect();
    let deleting: HashSet<String> = current
        .iter()
        .filter(|dn| !dn.is_empty() && removed.contains(&dn_key(dn)))
        .cloned()
        .collect();
    let mut mods = Vec::new();
    if !current.iter().any(|v| v.is_empty()) {
        mods.push(Mod::Add(
            "member".to_owned(),
            HashSet::from([String::new()]),
        ));
    }
    if !adding.is_empty() {
        mods.push(Mod::Add("member".to_owned(), adding));
    }
    if !deleting.is_empty() {
        mods.push(Mod::Delete("member".to_owned(), deleting));
    }
    mods
}
