//! An in-memory [`Directory`](crate::ports::Directory): every part of the port over maps
//! behind one mutex (one lock per call, so each call is atomic like an LDAP operation).
//!
//! It keeps the promises use cases rely on, as the LDAP adapter and slapd do: a taken login,
//! externalId or userName (case-insensitively), address or group name is
//! `AlreadyExists { taken }`; a write at a version is `VersionChanged` when the entry moved
//! on; every account change is a compare-and-set of the state (`StateChanged`); a password is
//! checked against its Argon2id hash (refused when locked, past `pwdEndTime`, or with
//! inactive employment) and a one-time password is `Right { must_change: true }`. Searches
//! evaluate no filter (a filter is refused with `Other`): scope and paging only.

use crate::clock::Clock;
use crate::domain::{AccountState, EmployeeNumber, LoginName, School, SchoolCode};
use crate::ports::*;
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

/// Roles, accounts (passwords, states) and second factors: the parts the sign-in and account
/// use cases use.
mod accounts;
/// Groups and their members (`GroupDirectory`).
mod groups;
/// People (`PeopleDirectory`): lookups, creation, searches, updates, deletion.
mod people;

/// A person as the fake keeps them: the entry plus what only the directory sees.
#[derive(Debug, Clone)]
struct Stored {
    person: PersonEntry,
    password: Option<PasswordHash>,
    /// `pwdReset`: the password only lets the person change it.
    must_change: bool,
    second_factor: Option<StoredSecondFactor>,
}

#[derive(Default)]
struct Tables {
    schools: BTreeMap<String, SchoolEntry>,
    people: BTreeMap<String, Stored>,
    groups: BTreeMap<String, GroupEntry>,
    roles: Vec<(String, AdminRole)>,
    next: u64,
    /// Another writer's change of a person's state, applied just before the next account
    /// write (the race a compare-and-set exists for).
    race: Option<(String, AccountState)>,
    /// Adds refused because the login was taken (a creation that lost a race).
    login_refusals: usize,
}

impl Tables {
    fn next_id(&mut self, kind: &str) -> String {
        self.next += 1;
        format!("{kind}-{:04}", self.next)
    }

    fn meta(&mut self, now: OffsetDateTime) -> EntryMeta {
        self.next += 1;
        EntryMeta {
            created: now,
            modified: now,
            version: format!("v{}", self.next),
        }
    }

    /// Marks the entry changed: a new version, as `entryCSN` would.
    fn touch(&mut self, id: &str, now: OffsetDateTime) {
        self.next += 1;
        let version = format!("v{}", self.next);
        if let Some(s) = self.people.get_mut(id) {
            s.person.meta.version = version;
            s.person.meta.modified = now;
        }
    }

    fn person_mut(&mut self, id: &str) -> DirectoryResult<&mut Stored> {
        self.people
            .get_mut(id)
            .ok_or_else(|| DirectoryError::NotFound(format!("person {id}")))
    }

    /// The uniqueness slapo-unique keeps (`skip`: the entry being replaced).
    fn check_unique(&self, profile: &PersonProfile, skip: Option<&str>) -> DirectoryResult<()> {
        let others = || {
            self.people
                .values()
                .filter(move |s| Some(s.person.entry.id.as_str()) != skip)
        };
        if let Some(ext) = &profile.external_id {
            let in_groups = self
                .groups
                .values()
                .any(|g| g.profile.external_id.as_ref() == Some(ext));
            if in_groups || others().any(|s| s.person.profile.external_id.as_ref() == Some(ext)) {
                return Err(DirectoryError::taken(Unique::ExternalId, ext.clone()));
            }
        }
        if let Some(name) = &profile.user_name {
            let taken = others().any(|s| {
                (s.person.profile.user_name.as_deref())
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            });
            if taken {
                return Err(DirectoryError::taken(Unique::UserName, name.clone()));
            }
        }
        Ok(())
    }

    /// Compare-and-set of the account state, as the adapter's Modify with an assertion.
    fn expect_state(&mut self, id: &str, expect: AccountState) -> DirectoryResult<&mut Stored> {
        if let Some((raced, state)) = self.race.take() {
            self.person_mut(&raced)?.person.account_state = state;
        }
        let stored = self.person_mut(id)?;
        if stored.person.account_state != expect {
            return Err(DirectoryError::StateChanged { expected: expect });
        }
        Ok(stored)
    }

    fn refs(&self, ids: &[String]) -> DirectoryResult<Vec<GroupRef>> {
        ids.iter()
            .map(|id| {
                let s = self
                    .people
                    .get(id)
                    .ok_or_else(|| DirectoryError::NotFound(format!("member {id}")))?;
                Ok(GroupRef {
                    id: id.clone(),
                    display_name: s.person.profile.name.full(),
                })
            })
            .collect()
    }
}

/// The in-memory directory. Seed it with [`FakeDirectory::add_school`] and the port's own
/// `create_person`; [`FakeDirectory::person`] reads an entry back without a scope.
pub struct FakeDirectory {
    tables: Mutex<Tables>,
    clock: Arc<dyn Clock>,
}

impl FakeDirectory {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            tables: Mutex::new(Tables::default()),
            clock,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tables> {
        self.tables.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn add_school(&self, code: &str, name: &str) -> SchoolEntry {
        let school = School {
            code: SchoolCode::parse(code).expect("a school code"),
            name: crate::domain::SchoolName::parse(name).expect("a school name"),
        };
        let mut t = self.lock();
        let id = t.next_id("school");
        let entry = SchoolEntry {
            entry: EntryRef {
                id,
                dn: format!("school:{code}"),
            },
            school,
        };
        t.schools.insert(code.to_owned(), entry.clone());
        entry
    }

    /// How many adds were refused because their login was taken.
    pub fn login_refusals(&self) -> usize {
        self.lock().login_refusals
    }

    /// The entry as stored, whatever the scope.
    pub fn person(&self, id: &str) -> Option<PersonEntry> {
        self.lock().people.get(id).map(|s| s.person.clone())
    }

    /// Sets the state behind the use case's back (another administrator, another LDAP client).
    pub fn force_state(&self, id: &str, state: AccountState) {
        let now = self.clock.now();
        let mut t = self.lock();
        if let Some(s) = t.people.get_mut(id) {
            s.person.account_state = state;
        }
        t.touch(id, now);
    }

    /// Another writer sets the person's state between the use case's read and its write.
    pub fn change_state_before_next_write(&self, id: &str, state: AccountState) {
        self.lock().race = Some((id.to_owned(), state));
    }

    fn visible(person: &PersonEntry, scope: &SchoolScope) -> bool {
        person.profile.employment.all().any(|c| scope.contains(c))
    }

    /// One write of the person `id`, as one LDAP Modify: `change` under the lock, then a new
    /// version of the entry; answers the entry as written.
    fn write_person(
        &self,
        id: &str,
        change: impl FnOnce(&mut Tables) -> DirectoryResult<()>,
    ) -> DirectoryResult<PersonEntry> {
        let now = self.clock.now();
        let mut t = self.lock();
        change(&mut t)?;
        t.touch(id, now);
        Ok(t.person_mut(id)?.person.clone())
    }

    /// An account change: [`Self::write_person`] after the compare-and-set of the state
    /// (`StateChanged` when it is not `expect`).
    fn change_account(
        &self,
        AccountAt { id, expect, .. }: AccountAt<'_>,
        change: impl FnOnce(&mut Stored),
    ) -> DirectoryResult<PersonEntry> {
        self.write_person(id, |t| {
            change(t.expect_state(id, expect)?);
            Ok(())
        })
    }

    /// A password change: [`Self::change_account`] writing `hash` and whether the directory
    /// allows only changing it (`pwdReset`), then `change`'s other writes.
    fn change_password(
        &self,
        account: AccountAt<'_>,
        hash: &PasswordHash,
        must_change: bool,
        change: impl FnOnce(&mut Stored),
    ) -> DirectoryResult<PersonEntry> {
        self.change_account(account, |s| {
            s.password = Some(hash.clone());
            s.must_change = must_change;
            change(s);
        })
    }

    /// `q`'s page of the entries `visible` picks: scope and paging only (a filter is refused).
    fn page<T, F, A>(
        &self,
        q: &Search<F, A>,
        visible: impl FnOnce(&Tables) -> Vec<T>,
    ) -> DirectoryResult<Page<T>> {
        if q.filter.is_some() {
            return Err(DirectoryError::Other(
                "the fake directory evaluates no filters".into(),
            ));
        }
        let all = visible(&self.lock());
        let total = all.len();
        let skip = q.start_index.max(1) - 1;
        let items = all.into_iter().skip(skip).take(q.count).collect();
        Ok(Page { total, items })
    }
}

#[async_trait]
impl DirectoryHealth for FakeDirectory {
    async fn ping(&self) -> DirectoryResult<()> {
        Ok(())
    }

    async fn ensure_layout(&self) -> DirectoryResult<Vec<String>> {
        Ok(Vec::new())
    }
}

#[async_trait]
impl SchoolDirectory for FakeDirectory {
    async fn find_school(&self, code: &SchoolCode) -> DirectoryResult<Option<SchoolEntry>> {
        Ok(self.lock().schools.get(code.as_str()).cloned())
    }

    async fn list_schools(&self) -> DirectoryResult<Vec<SchoolEntry>> {
        Ok(self.lock().schools.values().cloned().collect())
    }

    async fn create_school(&self, school: &School) -> DirectoryResult<SchoolEntry> {
        if self.lock().schools.contains_key(school.code.as_str()) {
            return Err(DirectoryError::taken(Unique::Entry, school.code.as_str()));
        }
        Ok(self.add_school(school.code.as_str(), school.name.as_str()))
    }
}
