//! `LdapDirectory`: the `ports::Directory` implementation over slapd. Schools, roles and
//! password checks are here; people are in `people`, groups in `groups`, paging and link
//! resolution in `search`, filter rendering in `render`.
//!
//! Invariants: DNs and filters come only from `names`; entries are parsed only by `mapping`;
//! every LDAP error goes through `error`. Writes are never retried (see `pool`). A person's
//! password is checked by a bind on a fresh connection that is closed right after, and an
//! empty or blank password never reaches slapd (security.md LDAP-03, RFC 4513 §5.1.2).

use super::error::{from_ldap, rc};
use super::mapping::{empty_group_attrs, ou_attrs, school_attrs, school_from_entry, SCHOOL_ATTRS};
use super::names::{Filter, Layout};
use super::pool::{LdapOptions, LdapPool};
use crate::clock::{Clock, SystemClock};
use crate::domain::{AccountState, EmployeeNumber, LoginName, School, SchoolCode};
use crate::ports::{
    AdminRole, Directory, DirectoryError, EntryRef, GroupEntry, GroupProfile, GroupSearch,
    InitialCredentials, NewPerson, Page, PasswordCheck, PersonEntry, PersonProfile, PersonSearch,
    SchoolEntry, SchoolScope,
};
use async_trait::async_trait;
use ldap3::{Mod, Scope, SearchEntry};
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashSet;
use std::sync::Arc;

pub struct LdapDirectory {
    pool: LdapPool,
    layout: Layout,
    clock: Arc<dyn Clock>,
    /// Admits paging's first passes (every match of a filter, `search::page_ids`).
    pub(super) paging_passes: Arc<tokio::sync::Semaphore>,
}

/// How many paging first passes run at once. Each holds every match of its filter in flight
/// (ldap3 buffers the answers as they come), which at 100,000 people is thousands of entries
/// for a common name prefix: 64 at once took the daemon to 437 MiB (BENCHMARKS.md). They are
/// CPU-bound, so queueing them costs latency, not throughput.
const PAGING_PASSES: usize = 2;

impl LdapDirectory {
    /// Connects and binds as the service identity once, so an unreachable server
    /// (`Unavailable("cannot connect to ldap://…: …")`) or a refused bind
    /// (`InvalidCredentials`) is reported at start-up.
    pub async fn connect(options: LdapOptions) -> Result<Self, DirectoryError> {
        let layout = Layout::new(&options.base_dn).map_err(DirectoryError::Other)?;
        let pool = LdapPool::connect(options).await?;
        Ok(Self {
            pool,
            layout,
            clock: Arc::new(SystemClock),
            paging_passes: Arc::new(tokio::sync::Semaphore::new(PAGING_PASSES)),
        })
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// A base-scope read of one entry; `None` when it does not exist.
    async fn read(
        &self,
        dn: &str,
        filter: &Filter,
        attrs: &[&str],
    ) -> Result<Option<SearchEntry>, DirectoryError> {
        match self.pool.search(dn, Scope::Base, filter, attrs).await {
            Ok(mut entries) => Ok(entries.pop()),
            Err(DirectoryError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Adds, treating "already there" as success (for idempotent containers).
    pub(super) async fn add_if_missing(
        &self,
        dn: &str,
        attrs: Vec<(String, HashSet<String>)>,
    ) -> Result<bool, DirectoryError> {
        match self.pool.add(dn, attrs).await {
            Ok(()) => Ok(true),
            Err(e) if e.rc() == Some(rc::ENTRY_ALREADY_EXISTS) => Ok(false),
            Err(e) => Err(e.into_directory(dn)),
        }
    }

    pub(super) fn pool(&self) -> &LdapPool {
        &self.pool
    }

    pub(super) fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }
}

#[async_trait]
impl Directory for LdapDirectory {
    fn active_provider(&self) -> Option<String> {
        Some(self.pool.active_url().to_owned())
    }

    async fn ping(&self) -> Result<(), DirectoryError> {
        let base = self.layout.base_dn();
        let found = self
            .pool
            .search(base, Scope::Base, &Filter::present("objectClass"), &["1.1"])
            .await?;
        if found.is_empty() {
            return Err(DirectoryError::NotFound(base.to_owned()));
        }
        Ok(())
    }

    /// Creates `ou=placowki` when missing. `ou=system` (the service identity and the
    /// system administrators' group) belongs to the operator: we are bound through it.
    async fn ensure_layout(&self) -> Result<Vec<String>, DirectoryError> {
        let mut created = Vec::new();
        // ou=sso holds the SSO service accounts (`sso-client`); the ACL lets the service
        // create exactly that under ou=system.
        for (dn, ou) in [
            (self.layout.schools_dn(), "placowki"),
            (self.layout.sso_dn(), "sso"),
        ] {
            if self.add_if_missing(&dn, ou_attrs(ou)).await? {
                tracing::info!(dn = %dn, "created a container");
                created.push(dn);
            }
        }
        Ok(created)
    }

    async fn find_school(&self, code: &SchoolCode) -> Result<Option<SchoolEntry>, DirectoryError> {
        let dn = self.layout.school_dn(code);
        self.read(&dn, &Filter::object_class("zszoSchool"), SCHOOL_ATTRS)
            .await?
            .as_ref()
            .map(school_from_entry)
            .transpose()
    }

    async fn list_schools(&self) -> Result<Vec<SchoolEntry>, DirectoryError> {
        let base = self.layout.schools_dn();
        let filter = Filter::object_class("zszoSchool");
        let entries = match self
            .pool
            .search(&base, Scope::OneLevel, &filter, SCHOOL_ATTRS)
            .await
        {
            Ok(entries) => entries,
            Err(DirectoryError::NotFound(_)) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut schools = entries
            .iter()
            .map(school_from_entry)
            .collect::<Result<Vec<_>, _>>()?;
        schools.sort_by(|a, b| a.school.code.cmp(&b.school.code));
        Ok(schools)
    }

    async fn create_school(&self, school: &School) -> Result<SchoolEntry, DirectoryError> {
        let code = &school.code;
        let school_dn = self.layout.school_dn(code);
        self.pool
            .add(&school_dn, school_attrs(school))
            .await
            .map_err(|e| e.into_directory(&school_dn))?;
        let children = [
            (self.layout.people_dn(code), ou_attrs("pracownicy")),
            (self.layout.groups_dn(code), ou_attrs("grupy")),
            (
                self.layout.local_admins_dn(code),
                empty_group_attrs("administratorzy-lokalni"),
            ),
        ];
        let mut created = Vec::new();
        for (dn, attrs) in children {
            if let Err(e) = self.pool.add(&dn, attrs).await {
                let err = e.into_directory(&dn);
                // Best effort: leave no half-built school behind (deepest entry first).
                for dn in created.iter().rev().chain(std::iter::once(&school_dn)) {
                    if let Err(undo) = self.pool.delete(dn).await {
                        tracing::error!(dn = %dn, error = ?undo, "cannot undo a partial school");
                    }
                }
                return Err(err);
            }
            created.push(dn);
        }
        self.find_school(code).await?.ok_or_else(|| {
            DirectoryError::Other(format!("{school_dn} vanished right after it was created"))
        })
    }

    async fn find_person_by_login(
        &self,
        login: &LoginName,
    ) -> Result<Option<PersonEntry>, DirectoryError> {
        self.find_person(Filter::eq("uid", login.as_str()), &SchoolScope::All)
            .await
    }

    async fn logins_like(&self, base: &LoginName) -> Result<Vec<String>, DirectoryError> {
        self.logins_like_impl(base).await
    }

    async fn find_person_by_employee_number(
        &self,
        number: &EmployeeNumber,
    ) -> Result<Option<PersonEntry>, DirectoryError> {
        self.find_person(
            Filter::eq("employeeNumber", number.as_str()),
            &SchoolScope::All,
        )
        .await
    }

    async fn create_person(&self, person: &NewPerson) -> Result<PersonEntry, DirectoryError> {
        self.create_person_impl(person).await
    }

    async fn get_person(
        &self,
        id: &str,
        scope: &SchoolScope,
    ) -> Result<Option<PersonEntry>, DirectoryError> {
        self.get_person_impl(id, scope).await
    }

    async fn search_people(&self, q: &PersonSearch) -> Result<Page<PersonEntry>, DirectoryError> {
        self.search_people_impl(q).await
    }

    async fn update_person(
        &self,
        id: &str,
        profile: &PersonProfile,
    ) -> Result<PersonEntry, DirectoryError> {
        self.update_person_impl(id, profile, None).await
    }

    async fn update_person_at_version(
        &self,
        id: &str,
        profile: &PersonProfile,
        version: &str,
    ) -> Result<PersonEntry, DirectoryError> {
        self.update_person_impl(id, profile, Some(version)).await
    }

    async fn delete_person(&self, id: &str) -> Result<(), DirectoryError> {
        self.delete_person_impl(id).await
    }

    async fn create_group(&self, profile: &GroupProfile) -> Result<GroupEntry, DirectoryError> {
        self.create_group_impl(profile).await
    }

    async fn get_group(
        &self,
        id: &str,
        scope: &SchoolScope,
    ) -> Result<Option<GroupEntry>, DirectoryError> {
        self.get_group_impl(id, scope).await
    }

    async fn search_groups(&self, q: &GroupSearch) -> Result<Page<GroupEntry>, DirectoryError> {
        self.search_groups_impl(q).await
    }

    async fn update_group(
        &self,
        id: &str,
        profile: &GroupProfile,
    ) -> Result<GroupEntry, DirectoryError> {
        self.update_group_impl(id, profile).await
    }

    async fn modify_group_members(
        &self,
        id: &str,
        add: &[String],
        remove: &[String],
    ) -> Result<GroupEntry, DirectoryError> {
        self.modify_group_members_impl(id, add, remove).await
    }

    async fn delete_group(&self, id: &str) -> Result<(), DirectoryError> {
        self.delete_group_impl(id).await
    }

    async fn grant_role(
        &self,
        person: &EntryRef,
        role: &AdminRole,
    ) -> Result<bool, DirectoryError> {
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

    async fn roles_of(&self, person: &EntryRef) -> Result<Vec<AdminRole>, DirectoryError> {
        let member = Filter::eq("member", person.dn.clone());
        let mut roles = Vec::new();
        let local = Filter::and([
            Filter::object_class("groupOfNames"),
            Filter::eq("cn", "administratorzy-lokalni"),
            member.clone(),
        ]);
        let groups = match self
            .pool
            .search(&self.layout.schools_dn(), Scope::Subtree, &local, &["1.1"])
            .await
        {
            Ok(entries) => entries,
            Err(DirectoryError::NotFound(_)) => Vec::new(),
            Err(e) => return Err(e),
        };
        let schools = self.layout.schools_dn();
        for group in groups {
            // Only a group that is exactly a school's local-administrators group counts.
            let school = group
                .dn
                .strip_prefix("cn=administratorzy-lokalni,ou=grupy,ou=")
                .and_then(|rest| rest.split_once(','))
                .filter(|(_, parent)| parent.eq_ignore_ascii_case(&schools))
                .and_then(|(code, _)| SchoolCode::parse(code).ok());
            if let Some(school) = school {
                if self
                    .layout
                    .local_admins_dn(&school)
                    .eq_ignore_ascii_case(&group.dn)
                {
                    roles.push(AdminRole::LocalAdministrator(school));
                }
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

    async fn verify_password(
        &self,
        login: &LoginName,
        password: &SecretString,
    ) -> Result<PasswordCheck, DirectoryError> {
        // RFC 4513 §5.1.2: an empty password is an unauthenticated bind, which may "succeed".
        if password.expose_secret().trim().is_empty() {
            return Ok(PasswordCheck::Wrong);
        }
        let Some(dn) = self.login_dn(login).await? else {
            return Ok(PasswordCheck::Wrong);
        };
        let mut ldap = self.pool.open_unpooled().await?;
        let timeout = self.pool.options().operation_timeout;
        let outcome = super::password_policy::bind_with_policy(
            &mut ldap,
            &dn,
            password.expose_secret(),
            timeout,
        )
        .await;
        // Close the person's connection right away, whatever the outcome.
        let _ = ldap.unbind().await.map_err(|e| from_ldap(&dn, e));
        outcome
    }

    async fn set_initial_credentials(
        &self,
        id: &str,
        credentials: &InitialCredentials,
        expect: AccountState,
    ) -> Result<PersonEntry, DirectoryError> {
        self.set_initial_credentials_impl(id, credentials, expect)
            .await
    }

    async fn lock_account(
        &self,
        id: &str,
        expect: AccountState,
    ) -> Result<PersonEntry, DirectoryError> {
        self.lock_account_impl(id, expect).await
    }

    async fn unlock_account(&self, id: &str) -> Result<PersonEntry, DirectoryError> {
        self.unlock_account_impl(id).await
    }

    async fn set_account_request(
        &self,
        id: &str,
        request: Option<&crate::ports::AccountRequest>,
    ) -> Result<PersonEntry, DirectoryError> {
        self.set_account_request_impl(id, request).await
    }

    async fn local_administrators(
        &self,
        school: &SchoolCode,
    ) -> Result<Vec<PersonEntry>, DirectoryError> {
        self.local_administrators_impl(school).await
    }

    async fn set_own_password(
        &self,
        id: &str,
        hash: &crate::ports::PasswordHash,
        expect: AccountState,
    ) -> Result<PersonEntry, DirectoryError> {
        self.set_own_password_impl(id, hash, expect).await
    }

    async fn set_confirmed_email(
        &self,
        id: &str,
        email: &crate::domain::EmailAddress,
        expect: AccountState,
        at: time::OffsetDateTime,
    ) -> Result<PersonEntry, DirectoryError> {
        self.set_confirmed_email_impl(id, email, expect, at).await
    }

    async fn second_factor(
        &self,
        id: &str,
    ) -> Result<Option<crate::ports::StoredSecondFactor>, DirectoryError> {
        self.second_factor_impl(id).await
    }

    async fn set_second_factor(
        &self,
        id: &str,
        factor: Option<&crate::ports::StoredSecondFactor>,
    ) -> Result<(), DirectoryError> {
        self.set_second_factor_impl(id, factor).await
    }

    async fn spend_totp_step(
        &self,
        id: &str,
        previous: Option<u64>,
        step: u64,
    ) -> Result<bool, DirectoryError> {
        self.spend_totp_step_impl(id, previous, step).await
    }

    async fn spend_recovery_code(&self, id: &str, hash: &str) -> Result<bool, DirectoryError> {
        self.spend_recovery_code_impl(id, hash).await
    }
}
