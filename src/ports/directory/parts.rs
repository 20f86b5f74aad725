//! The `Directory` port in parts: a use case names the parts it uses (`PeopleDirectory`,
//! `AccountDirectory`, …); [`Directory`] combines them for wiring (one adapter,
//! `crate::ldap::LdapDirectory`, implements every part; `crate::ports::fakes` has the
//! in-memory double). The types they speak in are in the parent module.

use super::*;
use crate::domain::{EmployeeNumber, LoginName, School, SchoolCode};
use async_trait::async_trait;
use secrecy::SecretString;

/// Reaching the directory and its fixed layout.
#[async_trait]
pub trait DirectoryHealth: Send + Sync {
    /// Succeeds when the server answers a search under the base bound as the service identity.
    async fn ping(&self) -> DirectoryResult<()>;

    /// Which provider of a replicated directory is in use now (its URL), for `/readyz`;
    /// `None` for a directory that has no such notion (test doubles).
    fn active_provider(&self) -> Option<String> {
        None
    }

    /// Creates `ou=placowki` and `ou=sso,ou=system` (the SSO service accounts) when missing
    /// (`ou=system`, which holds the service identity, is the operator's to create).
    /// Returns the DNs it created; empty when the layout was complete.
    async fn ensure_layout(&self) -> DirectoryResult<Vec<String>>;
}

/// Schools: the OUs under `ou=placowki`.
#[async_trait]
pub trait SchoolDirectory: Send + Sync {
    async fn find_school(&self, code: &SchoolCode) -> DirectoryResult<Option<SchoolEntry>>;

    async fn list_schools(&self) -> DirectoryResult<Vec<SchoolEntry>>;

    /// Creates the school's OU with `ou=pracownicy`, `ou=grupy` and its local-administrators
    /// group. `AlreadyExists` when the school OU exists.
    async fn create_school(&self, school: &School) -> DirectoryResult<SchoolEntry>;
}

/// People: reading, searching and HR's writes (never credentials).
#[async_trait]
pub trait PeopleDirectory: Send + Sync {
    async fn find_person_by_login(&self, login: &LoginName)
        -> DirectoryResult<Option<PersonEntry>>;

    async fn find_person_by_employee_number(
        &self,
        number: &EmployeeNumber,
    ) -> DirectoryResult<Option<PersonEntry>>;

    /// The candidates of `base` (`jan.kowalski`, `jan.kowalski2` …, see
    /// `domain::login_candidates`) a new namesake skips: every one before the first found
    /// free city-wide, so a new person's login is chosen in a few searches (one for a family
    /// of up to seven) instead of one refused add per namesake. A candidate after it may
    /// still be taken: its add is refused and the next one tried.
    async fn logins_like(&self, base: &LoginName) -> DirectoryResult<Vec<String>>;

    /// Adds the person's entry in its primary school's `ou=pracownicy`. A taken login anywhere
    /// in the city gives `AlreadyExists` (the caller tries the next candidate).
    async fn create_person(&self, person: &NewPerson) -> DirectoryResult<PersonEntry>;

    /// The person with `id`; `None` when there is none or it is outside `scope`.
    async fn get_person(
        &self,
        id: &str,
        scope: &SchoolScope,
    ) -> DirectoryResult<Option<PersonEntry>>;

    /// The filter is evaluated by the directory. Paging: one search returns only the id and
    /// the sort attribute of every match; those are sorted (by id when no sort is asked),
    /// sliced to the page, and only the page's entries are read in full.
    async fn search_people(&self, q: &PersonSearch) -> DirectoryResult<Page<PersonEntry>>;

    /// Replaces the HR-owned attributes (absent values are deleted), moves the entry when the
    /// primary school changed (the id stays), locks or unlocks sign-in with
    /// `employment_active`. Never creates credentials. `AlreadyExists` for a taken userName.
    /// Whatever version the entry is at: [`Self::update_person_at`] without a version.
    async fn update_person(
        &self,
        id: &str,
        profile: &PersonProfile,
    ) -> DirectoryResult<PersonEntry> {
        let person = PersonAt {
            id,
            version: None,
            read: None,
        };
        self.update_person_at(person, profile).await
    }

    /// [`Self::update_person`], applied only while the entry is still at `person.version`
    /// when one is given: the directory checks it in the same operation that writes (RFC 4528
    /// assertion control), so a change by any other writer after the caller read the version
    /// is `VersionChanged`, never overwritten.
    async fn update_person_at(
        &self,
        person: PersonAt<'_>,
        profile: &PersonProfile,
    ) -> DirectoryResult<PersonEntry>;

    /// Deletes the person; their group memberships go with them (refint).
    async fn delete_person(&self, id: &str) -> DirectoryResult<()>;
}

/// Groups (never role groups: `InsufficientAccess`).
#[async_trait]
pub trait GroupDirectory: Send + Sync {
    /// `AlreadyExists` when the school has a group of that name; `NotFound` for an unknown
    /// school or member id. Role groups (`cn=administratorzy-lokalni`) are never created,
    /// listed or changed by the group methods (`InsufficientAccess`, security.md AUTHZ-03).
    async fn create_group(&self, profile: &GroupProfile) -> DirectoryResult<GroupEntry>;

    async fn get_group(&self, id: &str, scope: &SchoolScope)
        -> DirectoryResult<Option<GroupEntry>>;

    async fn search_groups(&self, q: &GroupSearch) -> DirectoryResult<Page<GroupEntry>>;

    /// Renames (the id stays), moves to `profile.school` when it changed, replaces members.
    async fn update_group(&self, id: &str, profile: &GroupProfile) -> DirectoryResult<GroupEntry>;

    /// Adds and removes members by person id; idempotent. An unknown id to add is `NotFound`.
    async fn modify_group_members(
        &self,
        id: &str,
        change: MemberChange<'_>,
    ) -> DirectoryResult<GroupEntry>;

    async fn delete_group(&self, id: &str) -> DirectoryResult<()>;
}

/// Administrator roles: the role groups a person is a member of.
#[async_trait]
pub trait RoleDirectory: Send + Sync {
    /// Adds the person to the role's group; `Ok(false)` when already a member.
    async fn grant_role(&self, person: &EntryRef, role: &AdminRole) -> DirectoryResult<bool>;

    /// The role groups `person` is a member of: each school's `cn=administratorzy-lokalni`
    /// under `ou=placowki` and the city-wide `cn=administratorzy-systemu`. Empty for an
    /// ordinary employee.
    async fn roles_of(&self, person: &EntryRef) -> DirectoryResult<Vec<AdminRole>>;

    /// The local administrators of `school` (members of its `cn=administratorzy-lokalni`),
    /// whoever their own school is: the people told that an account there became active.
    async fn local_administrators(&self, school: &SchoolCode) -> DirectoryResult<Vec<PersonEntry>>;
}

/// Accounts: password checks by a bind, and the state changes of an account, each a compare-and-set on the account state (`StateChanged` when it moved).
#[async_trait]
pub trait AccountDirectory: Send + Sync {
    /// Binds as the person (a separate connection); `Ok(false)` on wrong credentials. A
    /// password the directory accepts only for a forced change (a one-time password) is
    /// `true` here: use [`Directory::verify_password`] where that matters.
    async fn check_password(
        &self,
        login: &LoginName,
        password: &SecretString,
    ) -> DirectoryResult<bool> {
        Ok(matches!(
            self.verify_password(login, password).await?,
            PasswordCheck::Right { .. }
        ))
    }

    /// Binds as the person with the password-policy request control: whether the password
    /// is right, and whether the directory accepted it only to have it changed (`pwdReset`,
    /// an expired password), which never counts as signing in with one's own password.
    async fn verify_password(
        &self,
        login: &LoginName,
        password: &SecretString,
    ) -> DirectoryResult<PasswordCheck>;

    /// Gives the person a one-time password ([`InitialCredentials`]) in one Modify, only if
    /// their account state is still `expect` (compared and changed atomically by the
    /// directory); otherwise `StateChanged` and nothing changes. The new
    /// state is `awaiting-first-login`; with inactive employment the account is also locked
    /// (`pwdAccountLockedTime`), so the password cannot be used until HR reactivates them.
    /// `zszoAccountCreatedBy/At` are written only when `expect` is `None` (a new account),
    /// and a pending [`AccountRequest`] is removed in the same Modify.
    async fn set_initial_credentials(
        &self,
        account: AccountAt<'_>,
        credentials: &InitialCredentials,
    ) -> DirectoryResult<PersonEntry>;

    /// An administrator's lock: state `locked` and ppolicy's permanent lock, only if the state
    /// is still `expect` (else `StateChanged`).
    async fn lock_account(&self, account: AccountAt<'_>) -> DirectoryResult<PersonEntry>;

    /// Lifts an administrator's lock (state must still be `locked`, else
    /// `StateChanged`). The state returns to where the account was: a
    /// pending one-time password (`pwdReset`) → `awaiting-first-login`, an activated account
    /// (`zszoAccountActivatedAt`) → `active`, else `awaiting-email-confirmation`. The ppolicy
    /// lock is removed only while employment is active (HR's lock stays).
    async fn unlock_account(&self, id: &str) -> DirectoryResult<PersonEntry>;

    /// The person's own password (already hashed, [`PasswordHash`]) replaces the current one
    /// in one Modify, only while the state is still `expect` (else
    /// `StateChanged`). From `awaiting-first-login` it also ends the one-time password's regime:
    /// `pwdReset: FALSE`, `pwdEndTime` and `zszoInitialPasswordExpiry` removed, state
    /// `awaiting-email-confirmation` (security.md INIT-04). From `awaiting-email-confirmation`
    /// or `active` the state stays. `pwdReset: FALSE` is written every time because ppolicy
    /// (`pwdMustChange`) would otherwise mark a password set by the service as to be changed.
    async fn set_own_password(
        &self,
        account: AccountAt<'_>,
        hash: &PasswordHash,
    ) -> DirectoryResult<PersonEntry>;

    /// A confirmed address becomes the person's `mail` (replacing any other), only while the
    /// state is still `expect`: from `awaiting-email-confirmation` the account becomes
    /// `active` and `zszoAccountActivatedAt` = `email.at`; from `active` only `mail` changes.
    /// An address another person has is `AlreadyExists { taken: Email }` (slapo-unique).
    async fn set_confirmed_email(
        &self,
        account: AccountAt<'_>,
        email: ConfirmedEmail<'_>,
    ) -> DirectoryResult<PersonEntry>;

    /// Records a request for an account (`Some`), only if the account state is still `none`
    /// (compared and written in one Modify, else `StateChanged`), or
    /// withdraws a pending one (`None`, whatever the state). Never creates credentials.
    async fn set_account_request(
        &self,
        id: &str,
        request: Option<&AccountRequest>,
    ) -> DirectoryResult<PersonEntry>;
}

/// Administrators' second factors, kept in their entries (service identity only).
#[async_trait]
pub trait SecondFactorDirectory: Send + Sync {
    /// The person's second factor, `None` when not enrolled.
    async fn second_factor(&self, id: &str) -> DirectoryResult<Option<StoredSecondFactor>>;

    /// Enrols (`Some`, replacing any earlier one) or removes (`None`) the second factor.
    async fn set_second_factor(
        &self,
        id: &str,
        factor: Option<&StoredSecondFactor>,
    ) -> DirectoryResult<()>;

    /// Moves the last accepted TOTP step from `spend.previous` to `spend.step` in one compare-and-set;
    /// `Ok(false)` when it was not `previous` any more (the code was used meanwhile).
    async fn spend_totp_step(&self, id: &str, spend: StepSpend) -> DirectoryResult<bool>;

    /// Removes one recovery code's hash; `Ok(false)` when it was not there (used already).
    async fn spend_recovery_code(&self, id: &str, hash: &str) -> DirectoryResult<bool>;
}

every_part! {
    /// Every part of the directory: what the wiring holds (`Arc<dyn Directory>`) and hands to
    /// use cases; implemented by anything that implements all the parts.
    pub trait Directory = DirectoryHealth
        + SchoolDirectory
        + PeopleDirectory
        + GroupDirectory
        + RoleDirectory
        + AccountDirectory
        + SecondFactorDirectory;
}
