//! People: create, read, search, update (with moves and sign-in locks), delete.
//!
//! **update_person, step by step** (each step one LDAP operation; writes are not retried):
//! 1. read the entry by id (`NotFound` if gone); check the userName is free, resolve the
//!    manager id (`NotFound` if unknown) and, when the primary school changed, that its
//!    `ou=pracownicy` exists — all before any write;
//! 2. one Modify on the current DN (none when nothing differs): every HR-owned attribute
//!    whose values differ replaced (absent values deleted) — the schools and
//!    `eduPerson(Primary)OrgUnitDN` for the new primary school included — and the sign-in
//!    lock: `pwdAccountLockedTime: 000001010000Z` (ppolicy's permanent lock) set
//!    when employment is inactive and the person has credentials, removed when employment is
//!    active and the value is exactly that one — unless the account state is `locked` (an
//!    administrator's lock, which HR never lifts); a lockout after failed binds, with a real
//!    timestamp, is left alone;
//! 3. when the entry is not under its primary school's `ou=pracownicy`: Modify DN with
//!    `newSuperior` (the id stays; refint and memberof carry group memberships and `manager`
//!    links along);
//! 4. read the entry back.
//!
//! A failure in step 2 changes nothing (one Modify is atomic). A failure in step 3 leaves the
//! new attributes on an entry still in the old school's OU; the error is returned and the same
//! update, sent again, completes the move (step 3 compares the DN, not the stored attributes).
//! No step ever creates credentials.

use super::directory::LdapDirectory;
use super::error::{is_login_taken, rc};
use super::mapping::Reader;
use super::names::{dn_key, person_rdn, Filter};
use super::person_map::{
    hr_values, person_attrs, person_from_entry, replace_mods, PERMANENT_LOCK, PERSON_ATTRS,
};
use super::pool::WriteError;
use super::render::{is_uuid, person_filter, person_sort_attr, referenced_ids, scope_filter};
use super::search::PageWindow;
use crate::domain::query::PersonAttr;
use crate::domain::{numbered_login, AccountState, LoginName, SchoolCode, MAX_SUFFIX};
use crate::ports::{
    DirectoryError, NewPerson, Page, PersonEntry, PersonProfile, PersonSearch, SchoolDirectory,
    SchoolScope, Unique,
};
use ldap3::{Mod, Scope, SearchEntry};
use std::collections::HashSet;

/// How many login candidates one allocation search probes (`logins_like_impl`).
const LOGIN_PROBE_WINDOW: u32 = 16;

/// Attributes whose value order means something (the first one is the primary contact).
/// `facsimileTelephoneNumber` has no EQUALITY rule, so its values can only be replaced
/// together, in the directory's order (`person_map::replace_mods`).
const ORDERED: [&str; 5] = [
    "mail",
    "zszoHrMail",
    "telephoneNumber",
    "mobile",
    "homePhone",
];

impl LdapDirectory {
    /// Finds at most one person under the schools; more than one is a broken invariant.
    pub(super) async fn find_person_entry(
        &self,
        filter: Filter,
        attrs: &[&str],
    ) -> Result<Option<SearchEntry>, DirectoryError> {
        let filter = Filter::and([Filter::object_class("zszoPerson"), filter]);
        let mut entries = self.search_schools(&filter, attrs).await?;
        match entries.len() {
            0 | 1 => Ok(entries.pop()),
            n => Err(DirectoryError::Other(format!(
                "{n} entries match {filter}: {}",
                entries
                    .iter()
                    .map(|e| e.dn.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ))),
        }
    }

    /// The entry of the person whose `entryUUID` is `id`; `NotFound` when there is none (an
    /// `id` that is not a UUID names no one).
    pub(super) async fn person_entry_by_id(
        &self,
        id: &str,
        attrs: &[&str],
    ) -> Result<SearchEntry, DirectoryError> {
        if !is_uuid(id) {
            return Err(person_not_found(id));
        }
        self.find_person_entry(Filter::eq("entryUUID", id), attrs)
            .await?
            .ok_or_else(|| person_not_found(id))
    }

    /// The person whose `entryUUID` is `id`, links resolved city-wide; `NotFound` when there
    /// is none.
    pub(super) async fn person_by_id(&self, id: &str) -> Result<PersonEntry, DirectoryError> {
        self.find_person(Filter::eq("entryUUID", id), &SchoolScope::All)
            .await?
            .ok_or_else(|| person_not_found(id))
    }

    /// The person matching `filter`, with links (manager, groups) resolved within `scope`.
    pub(super) async fn find_person(
        &self,
        filter: Filter,
        scope: &SchoolScope,
    ) -> Result<Option<PersonEntry>, DirectoryError> {
        let Some(entry) = self.find_person_entry(filter, PERSON_ATTRS).await? else {
            return Ok(None);
        };
        let raw = person_from_entry(&entry)?;
        Ok(self.complete_people(vec![raw], scope).await?.pop())
    }

    /// The people who are members of the school's local-administrators group (`memberOf`,
    /// kept by slapo-memberof), read in one search.
    pub(super) async fn local_administrators_impl(
        &self,
        school: &SchoolCode,
    ) -> Result<Vec<PersonEntry>, DirectoryError> {
        let filter = Filter::and([
            Filter::object_class("zszoPerson"),
            Filter::eq("memberOf", self.layout().local_admins_dn(school)),
        ]);
        let entries = self.search_schools(&filter, PERSON_ATTRS).await?;
        let raws = entries
            .iter()
            .map(person_from_entry)
            .collect::<Result<Vec<_>, _>>()?;
        self.complete_people(raws, &SchoolScope::All).await
    }

    /// The logins among `base`'s candidates (`base`, `base2`, `base3` …) that are in use,
    /// probed by equality in windows of [`LOGIN_PROBE_WINDOW`] (`(|(uid=base)(uid=base2)…)`,
    /// served by the `uid` equality index): the next window only when every candidate of
    /// this one is taken. So the first free candidate is known after one search in all but
    /// the largest families of namesakes, and no `uid` substring index is needed
    /// (schemas/ldap/README.md). A login taken in between is refused by slapo-unique on the
    /// add, and the use case moves on.
    pub(super) async fn logins_like_impl(
        &self,
        base: &LoginName,
    ) -> Result<Vec<String>, DirectoryError> {
        let mut taken = Vec::new();
        let mut first = 1;
        while first <= MAX_SUFFIX {
            let last = (first + LOGIN_PROBE_WINDOW - 1).min(MAX_SUFFIX);
            let probes: Vec<LoginName> = (first..=last)
                .filter_map(|n| numbered_login(base.as_str(), n))
                .collect();
            if probes.is_empty() {
                break;
            }
            let filter = Filter::and([
                Filter::object_class("zszoPerson"),
                Filter::or(probes.iter().map(|l| Filter::eq("uid", l.as_str()))),
            ]);
            let found: Vec<String> = self
                .search_schools(&filter, &["uid"])
                .await?
                .into_iter()
                .flat_map(|e| e.attrs.get("uid").cloned().unwrap_or_default())
                .map(|uid| uid.to_ascii_lowercase())
                .collect();
            let all_taken = probes.iter().all(|p| found.iter().any(|f| f == p.as_str()));
            taken.extend(found);
            if !all_taken {
                break;
            }
            first = last + 1;
        }
        Ok(taken)
    }

    /// The DN of the person with `login`, for binding as them.
    pub(super) async fn login_dn(
        &self,
        login: &LoginName,
    ) -> Result<Option<String>, DirectoryError> {
        let filter = Filter::eq("uid", login.as_str());
        match self.find_person_entry(filter, &["1.1"]).await {
            Ok(entry) => Ok(entry.map(|e| e.dn)),
            // Several entries with one uid: a broken invariant; bind as nobody.
            Err(DirectoryError::Other(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `AlreadyExists { taken: UserName }` when another person (not `except_id`) has this userName,
    /// compared case-insensitively (the attribute's caseIgnoreMatch).
    async fn check_user_name(
        &self,
        user_name: Option<&str>,
        except_id: Option<&str>,
    ) -> Result<(), DirectoryError> {
        let Some(name) = user_name.map(str::trim).filter(|n| !n.is_empty()) else {
            return Ok(());
        };
        let filter = Filter::and([
            Filter::object_class("zszoPerson"),
            Filter::eq("zszoExternalUserName", name),
        ]);
        let taken = self
            .search_schools(&filter, &["entryUUID"])
            .await?
            .iter()
            .filter_map(|e| Reader(e).values("entryUUID").first().cloned())
            .any(|id| except_id.is_none_or(|me| !me.eq_ignore_ascii_case(&id)));
        if taken {
            return Err(DirectoryError::taken(
                Unique::UserName,
                format!("userName {name:?}"),
            ));
        }
        Ok(())
    }

    /// The manager's DN; `NotFound("manager …")` for an unknown id.
    async fn manager_dn(&self, manager: Option<&str>) -> Result<Option<String>, DirectoryError> {
        let Some(id) = manager else {
            return Ok(None);
        };
        let ids = [id.to_owned()];
        match self.person_dns(&ids).await?.into_values().next() {
            Some(dn) => Ok(Some(dn)),
            None => Err(DirectoryError::NotFound(format!("manager {id}"))),
        }
    }

    /// Maps a refused write of a person: uniqueness clashes are `AlreadyExists` naming the
    /// value (`ldap/error.rs` reads slapo-unique's refusal).
    fn person_write_error(e: WriteError, dn: &str) -> DirectoryError {
        e.into_directory(dn)
    }

    pub(super) async fn create_person_impl(
        &self,
        person: &NewPerson,
    ) -> Result<PersonEntry, DirectoryError> {
        let profile = &person.profile;
        let primary = &profile.employment.primary;
        // No userName search first (issue 17): slapo-unique refuses a taken userName
        // (caseIgnoreMatch, across all schools) in the add itself, and `ldap/error.rs` reads
        // its refusal as `AlreadyExists { taken: UserName }`, as the search did.
        let manager = self.manager_dn(profile.manager.as_deref()).await?;
        let dn = self.layout().person_dn(primary, &person.login);
        let attrs = person_attrs(
            person,
            self.layout(),
            &self.pool().options().eppn_scope,
            manager.as_deref(),
            self.now(),
        );
        let stored = match self.pool().add_read_back(&dn, attrs, PERSON_ATTRS).await {
            Ok(stored) => stored,
            Err(WriteError::Refused(result)) if is_login_taken(&result) => {
                return Err(DirectoryError::taken(
                    Unique::Login,
                    format!("login {}", person.login),
                ));
            }
            Err(e) if e.rc() == Some(rc::NO_SUCH_OBJECT) => {
                return Err(DirectoryError::NotFound(format!(
                    "school {primary} ({})",
                    self.layout().people_dn(primary)
                )));
            }
            Err(e) => return Err(Self::person_write_error(e, &dn)),
        };
        // An Add cannot order values (a set per attribute): when a contact attribute has
        // several, put the primary first with a second write (best effort: the values are
        // all there already, only their order may differ).
        let ordered: Vec<_> = hr_values(profile, self.layout(), manager.as_deref())
            .into_iter()
            .filter(|(name, v)| ORDERED.contains(name) && v.len() > 1)
            .collect();
        let reordered = !ordered.is_empty();
        if reordered {
            if let Err(e) = self.pool().modify(&dn, replace_mods(ordered)).await {
                tracing::warn!(dn = %dn, error = ?e, "cannot order multi-valued attributes");
            }
        }
        // The add's answer carries the entry (Post-Read), unless a second write changed it;
        // whatever goes wrong with it, the entry is read back as below.
        if let Some(Ok(raw)) = stored.filter(|_| !reordered).map(|e| person_from_entry(&e)) {
            if let Ok(Some(person)) = self
                .complete_people(vec![raw], &SchoolScope::All)
                .await
                .map(|mut people| people.pop())
            {
                return Ok(person);
            }
        }
        // The add happened: a failure to read it back now is not a failed creation but one
        // whose outcome the caller must still learn (it reads back later; issue 14). Missing
        // means the pool moved to another provider between the add and the read and the
        // entry has not replicated there yet: wait for it briefly, then the outcome is unknown.
        for wait in super::providers::replication_waits() {
            tokio::time::sleep(wait).await;
            match self.read_person(&dn).await {
                Ok(Some(entry)) => return Ok(entry),
                Ok(None) => {}
                Err(e) => {
                    return Err(DirectoryError::OutcomeUnknown(format!(
                        "{dn} was added but cannot be read back: {e}"
                    )))
                }
            }
        }
        Err(DirectoryError::OutcomeUnknown(format!(
            "{dn} was added but is not on the provider now in use ({})",
            self.pool().active_url()
        )))
    }

    /// The person at `dn`, complete; `None` when there is no such entry.
    async fn read_person(&self, dn: &str) -> Result<Option<PersonEntry>, DirectoryError> {
        let filter = Filter::object_class("zszoPerson");
        let entries = match self
            .pool()
            .search(dn, Scope::Base, &filter, PERSON_ATTRS)
            .await
        {
            Ok(entries) => entries,
            Err(DirectoryError::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let raws = entries
            .iter()
            .map(person_from_entry)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self.complete_people(raws, &SchoolScope::All).await?.pop())
    }

    pub(super) async fn get_person_impl(
        &self,
        id: &str,
        scope: &SchoolScope,
    ) -> Result<Option<PersonEntry>, DirectoryError> {
        if !is_uuid(id) {
            return Ok(None);
        }
        let mut parts = vec![Filter::eq("entryUUID", id)];
        parts.extend(scope_filter(scope));
        self.find_person(Filter::and(parts), scope).await
    }

    pub(super) async fn search_people_impl(
        &self,
        q: &PersonSearch,
    ) -> Result<Page<PersonEntry>, DirectoryError> {
        let mut parts = vec![Filter::object_class("zszoPerson")];
        parts.extend(scope_filter(&q.scope));
        if let Some(f) = &q.filter {
            let ids = referenced_ids(f, |a| a == PersonAttr::Manager);
            let dns = self.person_dns_in(&ids, &q.scope).await?;
            parts.push(person_filter(f, &dns)?);
        }
        let filter = Filter::and(parts);
        let window = PageWindow {
            start_index: q.start_index,
            count: q.count,
        };
        if q.filter.as_ref().is_some_and(|f| f.matches_at_most_one()) {
            // `userName eq "…"`, the lookup SCIM clients make before every create: one search
            // for the full entry instead of the paging passes (ids, then entries).
            let entries = self.search_schools(&filter, PERSON_ATTRS).await?;
            let total = entries.len();
            let raws = window
                .cut(&entries)
                .map(person_from_entry)
                .collect::<Result<Vec<_>, _>>()?;
            let items = self.complete_people(raws, &q.scope).await?;
            return Ok(Page { total, items });
        }
        let sort = q.sort.map(|(a, o)| (person_sort_attr(a), o));
        let page = self
            .read_page("zszoPerson", &filter, sort, window, PERSON_ATTRS)
            .await?;
        let raws = page
            .entries
            .iter()
            .map(person_from_entry)
            .collect::<Result<Vec<_>, _>>()?;
        let people = self.complete_people(raws, &q.scope).await?;
        Ok(page.into_page(people, |p| p.entry.id.as_str()))
    }

    /// `version`: write only while the entry's `entryCSN` is this (checked on the entry read
    /// here, and by slapd in the first write through the RFC 4528 assertion control).
    pub(super) async fn update_person_impl(
        &self,
        id: &str,
        profile: &PersonProfile,
        version: Option<&str>,
    ) -> Result<PersonEntry, DirectoryError> {
        let mut attrs = PERSON_ATTRS.to_vec();
        attrs.extend([
            "pwdAccountLockedTime",
            "zszoSearchName",
            "eduPersonOrgUnitDN",
            "eduPersonPrimaryOrgUnitDN",
            "zszoHrMail",
        ]);
        let entry = self.person_entry_by_id(id, &attrs).await?;
        let current = person_from_entry(&entry)?.person;
        let assertion = version.map(|v| Filter::eq("entryCSN", v));
        // Step 1: checks before any write. An unchanged userName is not written, so it
        // needs no uniqueness search (issue 17: most PATCHes change something else).
        let user_name = profile.user_name.as_deref();
        let current_user_name = Reader(&entry)
            .values("zszoExternalUserName")
            .first()
            .cloned();
        if user_name != current_user_name.as_deref() {
            self.check_user_name(user_name, Some(id)).await?;
        }
        let manager = self.manager_dn(profile.manager.as_deref()).await?;
        let primary = &profile.employment.primary;
        let target_dn = self.layout().person_dn(primary, &current.login);
        let must_move = dn_key(&target_dn) != dn_key(&entry.dn);
        if must_move && self.find_school(primary).await?.is_none() {
            return Err(DirectoryError::NotFound(format!("school {primary}")));
        }
        // Step 2: one atomic Modify.
        // Only what differs is written: an unchanged profile (a client re-sending it) changes
        // nothing, not even the version.
        // The address the person confirmed in the portal (an activated account) is theirs:
        // HR's addresses then go to zszoHrMail only, never over `mail`.
        let confirmed = !Reader(&entry).values("zszoAccountActivatedAt").is_empty();
        let changed = hr_values(profile, self.layout(), manager.as_deref())
            .into_iter()
            .filter(|(name, _)| !(confirmed && *name == "mail"))
            .filter(|(name, values)| !same_values(name, Reader(&entry).values(name), values))
            .collect();
        let mut mods = replace_mods(changed);
        let lock = Reader(&entry)
            .values("pwdAccountLockedTime")
            .first()
            .cloned();
        let locked = lock.as_deref() == Some(PERMANENT_LOCK);
        let has_credentials = current.account_state != AccountState::None;
        if !profile.employment_active && has_credentials && !locked {
            mods.push(Mod::Replace(
                "pwdAccountLockedTime".to_owned(),
                HashSet::from([PERMANENT_LOCK.to_owned()]),
            ));
        } else if profile.employment_active
            && locked
            && current.account_state != AccountState::Locked
        {
            // An account an administrator locked (state `locked`) stays locked: HR's
            // employment never lifts an administrator's decision.
            mods.push(Mod::Delete(
                "pwdAccountLockedTime".to_owned(),
                HashSet::from([PERMANENT_LOCK.to_owned()]),
            ));
        }
        // slapo-unique runs its own search inside a Modify of a unique attribute, and slapd
        // applies the request's assertion control to that search too, so it would always
        // fail: the version is asserted by a first Modify without them (or, when only they
        // change, one that rewrites `zszoSearchName` as it is), and they follow unasserted.
        let (unique, asserted): (Vec<_>, Vec<_>) = match &assertion {
            Some(_) => mods.into_iter().partition(is_unique_mod),
            None => (Vec::new(), mods),
        };
        let asserted = match (&assertion, asserted.is_empty(), unique.is_empty()) {
            (Some(_), true, false) => {
                let names = Reader(&entry).values("zszoSearchName");
                if names.is_empty() {
                    Vec::new()
                } else {
                    vec![Mod::Replace(
                        "zszoSearchName".to_owned(),
                        names.iter().cloned().collect(),
                    )]
                }
            }
            _ => asserted,
        };
        // Nothing asserted in a write: compare with what was just read instead.
        if asserted.is_empty() && version.is_some_and(|v| v != current.meta.version) {
            return Err(DirectoryError::VersionChanged(entry.dn.clone()));
        }
        // The last Modify answers with the entry it left (Post-Read) unless a move follows.
        let read_back: &[&str] = if must_move { &[] } else { PERSON_ATTRS };
        let mut written = None;
        for (mods, assertion) in [(asserted, assertion.as_ref()), (unique, None)] {
            if !mods.is_empty() {
                written = self
                    .pool()
                    .modify_read_back(&entry.dn, mods, assertion, read_back)
                    .await
                    .map_err(|e| Self::person_write_error(e, &entry.dn))?;
            }
        }
        // Step 3: the move.
        if must_move {
            let superior = self.layout().people_dn(primary);
            self.pool()
                .modify_dn(&entry.dn, &person_rdn(&current.login), Some(&superior))
                .await
                .map_err(|e| e.into_directory(&entry.dn))?;
        }
        // Step 4: the entry as written, from the last Modify's answer or read again.
        if let Some(Ok(raw)) = written.map(|e| person_from_entry(&e)) {
            if let Some(person) = self
                .complete_people(vec![raw], &SchoolScope::All)
                .await?
                .pop()
            {
                return Ok(person);
            }
        }
        self.person_by_id(id).await
    }

    pub(super) async fn delete_person_impl(&self, id: &str) -> Result<(), DirectoryError> {
        let entry = self.person_entry_by_id(id, &["1.1"]).await?;
        match self.pool().delete(&entry.dn).await {
            Ok(()) => Ok(()),
            Err(e) if e.rc() == Some(rc::NO_SUCH_OBJECT) => Err(person_not_found(id)),
            Err(e) => Err(e.into_directory(&entry.dn)),
        }
    }
}

/// No person has the id asked for (or no longer has: deleted in between).
pub(super) fn person_not_found(id: &str) -> DirectoryError {
    DirectoryError::NotFound(format!("person {id}"))
}

/// The attributes slapo-unique keeps unique city-wide (`crate::slapd::config::UNIQUE_ATTRIBUTES`
/// configures the same list; `schemas/ldap/README.md`).
pub(super) const UNIQUE_ATTRIBUTES: [&str; 4] =
    ["uid", "mail", "zszoExternalId", "zszoExternalUserName"];

fn is_unique_mod(m: &Mod<String>) -> bool {
    let name = match m {
        Mod::Add(n, _) | Mod::Delete(n, _) | Mod::Replace(n, _) | Mod::Increment(n, _) => n,
    };
    UNIQUE_ATTRIBUTES
        .iter()
        .any(|u| u.eq_ignore_ascii_case(name))
}

/// Whether stored values equal wanted ones: in order for contact attributes (the first is the
/// primary), as sets otherwise; case-sensitively, so a change of case is written.
fn same_values(name: &str, stored: &[String], wanted: &[String]) -> bool {
    if ORDERED.contains(&name) {
        return stored == wanted;
    }
    let mut a = stored.to_vec();
    let mut b = wanted.to_vec();
    a.sort();
    b.sort();
    a == b
}
