//! People: create, read, search, delete; the update (with moves and sign-in locks) is in
//! `people_update.rs`.

use super::directory::LdapDirectory;
use super::error::{is_login_taken, rc};
use super::login_probe::LoginProbe;
use super::names::Filter;
use super::people_update::{UpdateRead, UPDATE_ATTRS};
use super::person_map::{hr_values, person_attrs, person_from_entry, replace_mods, PERSON_ATTRS};
use super::pool::WriteError;
use super::render::{is_uuid, person_filter, person_sort_attr, referenced_ids, scope_filter};
use super::search::PageWindow;
use crate::domain::query::PersonAttr;
use crate::domain::{numbered_login, LoginName, SchoolCode, MAX_SUFFIX};
use crate::ports::{
    DirectoryError, DirectoryResult, NewPerson, Page, PersonEntry, PersonSearch, ReadSnapshot,
    SchoolScope, Unique,
};
use ldap3::{Scope, SearchEntry};
use std::collections::HashSet;

/// Attributes whose value order means something (the first one is the primary contact).
/// `facsimileTelephoneNumber` has no EQUALITY rule, so its values can only be replaced
/// together, in the directory's order (`person_map::replace_mods`).
pub(super) const ORDERED: [&str; 5] = [
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
    ) -> DirectoryResult<Option<SearchEntry>> {
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
    ) -> DirectoryResult<SearchEntry> {
        if !is_uuid(id) {
            return Err(person_not_found(id));
        }
        self.find_person_entry(Filter::eq("entryUUID", id), attrs)
            .await?
            .ok_or_else(|| person_not_found(id))
    }

    /// The person whose `entryUUID` is `id`, links resolved city-wide; `NotFound` when there
    /// is none.
    pub(super) async fn person_by_id(&self, id: &str) -> DirectoryResult<PersonEntry> {
        self.find_person(Filter::eq("entryUUID", id), &SchoolScope::All)
            .await?
            .ok_or_else(|| person_not_found(id))
    }

    /// The person matching `filter`, with links (manager, groups) resolved within `scope`.
    pub(super) async fn find_person(
        &self,
        filter: Filter,
        scope: &SchoolScope,
    ) -> DirectoryResult<Option<PersonEntry>> {
        let found = self.find_person_read(filter, scope, PERSON_ATTRS).await?;
        Ok(found.map(|(person, _)| person))
    }

    /// [`Self::find_person`] reading `attrs`, with the entry it was made from.
    async fn find_person_read(
        &self,
        filter: Filter,
        scope: &SchoolScope,
        attrs: &[&str],
    ) -> DirectoryResult<Option<(PersonEntry, SearchEntry)>> {
        let Some(entry) = self.find_person_entry(filter, attrs).await? else {
            return Ok(None);
        };
        let raw = person_from_entry(&entry)?;
        let person = self.complete_people(vec![raw], scope).await?.pop();
        Ok(person.map(|p| (p, entry)))
    }

    /// The people who are members of the school's local-administrators group (`memberOf`,
    /// kept by slapo-memberof), read in one search.
    pub(super) async fn local_administrators_impl(
        &self,
        school: &SchoolCode,
    ) -> DirectoryResult<Vec<PersonEntry>> {
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

    /// The candidates of `base` (`base`, `base2` …) a new namesake skips: every one before
    /// the first free number, found by a few equality probes (`login_probe.rs`: one search for
    /// a family of up to 7, four for one of 3,344), never a `uid` substring search.
    pub(super) async fn logins_like_impl(&self, base: &LoginName) -> DirectoryResult<Vec<String>> {
        let mut probe = LoginProbe::default();
        while let Some(numbers) = probe.next_probe() {
            let candidates: Vec<(u32, LoginName)> = numbers
                .into_iter()
                .filter_map(|n| numbered_login(base.as_str(), n).map(|l| (n, l)))
                .collect();
            if candidates.is_empty() {
                break;
            }
            let filter = Filter::and([
                Filter::object_class("zszoPerson"),
                Filter::or(
                    candidates
                        .iter()
                        .map(|(_, l)| Filter::eq("uid", l.as_str())),
                ),
            ]);
            let found: HashSet<String> = self
                .search_schools(&filter, &["uid"])
                .await?
                .into_iter()
                .flat_map(|e| e.attrs.get("uid").cloned().unwrap_or_default())
                .map(|uid| uid.to_ascii_lowercase())
                .collect();
            let numbers: Vec<u32> = candidates.iter().map(|(n, _)| *n).collect();
            let taken: Vec<u32> = candidates
                .iter()
                .filter(|(_, l)| found.contains(l.as_str()))
                .map(|(n, _)| *n)
                .collect();
            probe.observe(&numbers, &taken);
        }
        let skip_below = probe.first_free().unwrap_or(MAX_SUFFIX + 1);
        Ok((1..skip_below)
            .filter_map(|n| numbered_login(base.as_str(), n))
            .map(|l| l.to_string())
            .collect())
    }

    /// The DN of the person with `login`, for binding as them.
    pub(super) async fn login_dn(&self, login: &LoginName) -> DirectoryResult<Option<String>> {
        let filter = Filter::eq("uid", login.as_str());
        match self.find_person_entry(filter, &["1.1"]).await {
            Ok(entry) => Ok(entry.map(|e| e.dn)),
            // Several entries with one uid: a broken invariant; bind as nobody.
            Err(DirectoryError::Other(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The manager's DN; `NotFound("manager …")` for an unknown id.
    pub(super) async fn manager_dn(
        &self,
        manager: Option<&str>,
    ) -> DirectoryResult<Option<String>> {
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
    pub(super) fn person_write_error(e: WriteError, dn: &str) -> DirectoryError {
        e.into_directory(dn)
    }

    pub(super) async fn create_person_impl(
        &self,
        person: &NewPerson,
    ) -> DirectoryResult<PersonEntry> {
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
        if let Some(person) = self.person_as_written(stored.filter(|_| !reordered)).await {
            return Ok(person);
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
    async fn read_person(&self, dn: &str) -> DirectoryResult<Option<PersonEntry>> {
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
    ) -> DirectoryResult<Option<PersonEntry>> {
        if !is_uuid(id) {
            return Ok(None);
        }
        let mut parts = vec![Filter::eq("entryUUID", id)];
        parts.extend(scope_filter(scope));
        // Read with what an update compares, and kept as the person's snapshot: a SCIM PATCH
        // writes from this read instead of reading the entry again (`people_update.rs`).
        let found = self
            .find_person_read(Filter::and(parts), scope, UPDATE_ATTRS.as_slice())
            .await?;
        Ok(found.map(|(mut person, entry)| {
            person.snapshot = ReadSnapshot::of(UpdateRead(entry));
            person
        }))
    }

    pub(super) async fn search_people_impl(
        &self,
        q: &PersonSearch,
    ) -> DirectoryResult<Page<PersonEntry>> {
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
            sort: q.sort.map(|(a, o)| (person_sort_attr(a), o)),
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
        let page = self
            .read_page("zszoPerson", &filter, window, PERSON_ATTRS)
            .await?;
        let raws = page
            .entries
            .iter()
            .map(person_from_entry)
            .collect::<Result<Vec<_>, _>>()?;
        let people = self.complete_people(raws, &q.scope).await?;
        Ok(page.into_page(people, |p| p.entry.id.as_str()))
    }

    /// The person in a write's Post-Read answer, links resolved city-wide; `None` when there
    /// was no answer or it cannot be used (the caller reads the entry instead).
    pub(super) async fn person_as_written(
        &self,
        entry: Option<SearchEntry>,
    ) -> Option<PersonEntry> {
        let raw = person_from_entry(&entry?).ok()?;
        let completed = self.complete_people(vec![raw], &SchoolScope::All).await;
        completed.ok()?.pop()
    }

    pub(super) async fn delete_person_impl(&self, id: &str) -> DirectoryResult<()> {
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
