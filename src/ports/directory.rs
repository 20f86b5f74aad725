//! The `Directory` port: people, groups and schools in domain terms. The LDAP adapter
//! (`crate::ldap::LdapDirectory`) implements it; nothing here knows LDAP.
//!
//! Ids are `entryUUID`s (SCIM `id`): stable across renames and moves between schools.
//!
//! - Visibility: a person is visible to a [`SchoolScope`] when any of their schools is in it,
//!   a group when its school is; outside the scope `get_*` answers `None`.
//! - Searches are evaluated by the directory (filters rendered to LDAP, `ldap::render`
//!   documents the mapping); an ordering comparison on a text attribute without an ORDERING
//!   rule in the schema (names, mail, title …) matches nothing.
//! - Contacts: emails and phone numbers read back with the type, `primary` flag and order
//!   they were written with (the adapter keeps what LDAP's attributes cannot hold beside them);
//!   values another LDAP client added read as in [`ContactEmail`] and [`ContactPhone`].
//! - Role groups (`cn=administratorzy-lokalni`) are outside the group methods: never listed,
//!   never in `PersonEntry::groups`, and changing one is `InsufficientAccess`.

use crate::domain::query::{
    EmailKind, GroupAttr, GroupFilter, PersonAttr, PersonFilter, PhoneKind,
};
use crate::domain::{
    AccountState, EmailAddress, EmployeeNumber, LoginName, PersonName, Position, School, SchoolCode,
};
use async_trait::async_trait;
use secrecy::SecretString;
use time::OffsetDateTime;

/// What the directory said about a password (`Directory::verify_password`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordCheck {
    /// Wrong password, unknown login, or a locked account (one answer for all).
    Wrong,
    /// The bind succeeded; `must_change`: only to change the password (ppolicy's
    /// `changeAfterReset` or `passwordExpired`).
    Right { must_change: bool },
}

/// An administrator's second factor as the directory keeps it (readable only by the
/// daemon's service identity). The secret is encrypted by the daemon (`second_factor::SecretBox`).
#[derive(Clone, PartialEq, Eq)]
pub struct StoredSecondFactor {
    /// The TOTP secret, encrypted (base64url of nonce ‖ ciphertext).
    pub secret: String,
    /// Hex SHA-256 of each recovery code not yet used.
    pub recovery: Vec<String>,
    /// The last TOTP time step accepted (a code is accepted once).
    pub last_step: Option<u64>,
}

impl std::fmt::Debug for StoredSecondFactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredSecondFactor")
            .field("recovery_left", &self.recovery.len())
            .field("last_step", &self.last_step)
            .finish_non_exhaustive()
    }
}

/// An entry's stable identity: `entryUUID` (SCIM `id`) and where it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRef {
    pub id: String,
    pub dn: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolEntry {
    pub entry: EntryRef,
    pub school: School,
}

/// Where a person works: one primary school (whose OU holds the entry) and possibly others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Employment {
    pub primary: SchoolCode,
    pub others: Vec<SchoolCode>,
}

impl Employment {
    pub fn all(&self) -> impl Iterator<Item = &SchoolCode> {
        std::iter::once(&self.primary).chain(self.others.iter().filter(|c| **c != self.primary))
    }
}

/// An Argon2id PHC string (`$argon2id$v=19$…`). The directory stores it as `{ARGON2}` + this.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(pub String);

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(…)")
    }
}

/// Credentials written together with a new account.
#[derive(Debug, Clone)]
pub struct NewCredentials {
    pub hash: PasswordHash,
    pub state: AccountState,
    /// `pwdReset`: the directory allows only a password change until it is replaced.
    pub must_change: bool,
    /// `pwdEndTime`: after it the directory refuses the password.
    pub expires_at: Option<OffsetDateTime>,
}

/// A one-time password's hash and terms, written by [`Directory::set_initial_credentials`]
/// (security.md INIT-03, PPOL-02): `userPassword: {ARGON2}…`, `pwdReset: TRUE`, `pwdEndTime`
/// and `zszoInitialPasswordExpiry` = `expires_at`, state `awaiting-first-login`.
#[derive(Debug, Clone)]
pub struct InitialCredentials {
    pub hash: PasswordHash,
    pub expires_at: OffsetDateTime,
    /// `zszoAccountCreatedBy` (an actor, e.g. `person:jan.kowalski`); written on creation only.
    pub created_by: String,
    /// `zszoAccountCreatedAt`; written on creation only.
    pub created_at: OffsetDateTime,
}

/// A contact email, read back as written. An address nobody described (added to `mail` by
/// another LDAP client) reads as type `work`, not primary (the first one primary when no
/// address is described).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactEmail {
    pub value: String,
    pub kind: Option<EmailKind>,
    pub primary: bool,
}

/// A phone number, stored by type: work, other and untyped → `telephoneNumber`, mobile →
/// `mobile`, home → `homePhone`, fax → `facsimileTelephoneNumber`; read back as written. A
/// number nobody described reads with the type of its attribute (`telephoneNumber` → work).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactPhone {
    pub value: String,
    pub kind: Option<PhoneKind>,
    pub primary: bool,
}

/// Everything HR (SCIM) may set about a person. An absent optional value is absent in the
/// directory: an update deletes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonProfile {
    /// `givenName`, `sn`; `cn` is derived ("Given Family").
    pub name: PersonName,
    /// SCIM `name.formatted` as the client sent it (`zszoFormattedName`); `None`: not given.
    pub formatted_name: Option<String>,
    /// `displayName`.
    pub display_name: Option<String>,
    /// SCIM `userName` (`zszoExternalUserName`): unique city-wide, compared case-insensitively.
    pub user_name: Option<String>,
    /// SCIM `externalId` (`zszoExternalId`): unique city-wide (slapo-unique).
    pub external_id: Option<String>,
    pub employee_number: Option<EmployeeNumber>,
    /// `title`.
    pub position: Option<Position>,
    /// `mail`.
    pub emails: Vec<ContactEmail>,
    pub phones: Vec<ContactPhone>,
    /// `departmentNumber`.
    pub department: Option<String>,
    /// `o`.
    pub organization: Option<String>,
    /// The manager's id; stored as the manager's DN in `manager`. Unknown → `NotFound`.
    pub manager: Option<String>,
    pub employment: Employment,
    /// `zszoEmploymentActive`: employment as HR sees it (not the account state).
    pub employment_active: bool,
}

impl PersonProfile {
    /// A profile with only a name and schools, active, everything else absent.
    pub fn new(name: PersonName, employment: Employment) -> Self {
        Self {
            name,
            formatted_name: None,
            display_name: None,
            user_name: None,
            external_id: None,
            employee_number: None,
            position: None,
            emails: Vec::new(),
            phones: Vec::new(),
            department: None,
            organization: None,
            manager: None,
            employment,
            employment_active: true,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewPerson {
    pub login: LoginName,
    pub profile: PersonProfile,
    pub credentials: Option<NewCredentials>,
    /// Who created it, for `zszoAccountCreatedBy` when credentials are set.
    pub created_by: String,
}

/// A group or a person as a reference: its id and display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRef {
    pub id: String,
    pub display_name: String,
}

/// Operational data of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryMeta {
    /// `createTimestamp`.
    pub created: OffsetDateTime,
    /// `modifyTimestamp`.
    pub modified: OffsetDateTime,
    /// From `entryCSN`: changes on every write; opaque (a weak ETag).
    pub version: String,
}

/// An account asked for through SCIM (`accountRequested`) and not issued yet:
/// `zszoAccountRequestedBy` and `zszoAccountRequestedAt`. The panel's "to hand over" list shows
/// it; issuing the account (`set_initial_credentials` from `none`) removes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRequest {
    /// The requester's actor (e.g. `client:hr`).
    pub by: String,
    pub at: OffsetDateTime,
}

/// A person as read from the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonEntry {
    pub entry: EntryRef,
    pub login: LoginName,
    pub profile: PersonProfile,
    pub account_state: AccountState,
    /// The groups the person is a member of (from `memberOf`): only SCIM-manageable groups,
    /// never role groups such as `cn=administratorzy-lokalni`.
    pub groups: Vec<GroupRef>,
    pub meta: EntryMeta,
    /// A pending request for an account; only while `account_state` is `none`.
    pub account_request: Option<AccountRequest>,
    /// When the pending one-time password stops working (`zszoInitialPasswordExpiry`, the
    /// mirror of `pwdEndTime`); only while the account awaits its first login.
    pub initial_password_expires: Option<OffsetDateTime>,
    /// When the person first confirmed their email and the account became active
    /// (`zszoAccountActivatedAt`).
    pub activated_at: Option<OffsetDateTime>,
}

/// Which schools a caller may see. A person is visible if ANY of their schools is in it; a
/// group if its school is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchoolScope {
    All,
    Only(Vec<SchoolCode>),
}

impl SchoolScope {
    pub fn contains(&self, code: &SchoolCode) -> bool {
        match self {
            SchoolScope::All => true,
            SchoolScope::Only(codes) => codes.contains(code),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    #[default]
    Ascending,
    Descending,
}

/// A search for people; the filter is evaluated by the directory, never in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonSearch {
    pub filter: Option<PersonFilter>,
    pub scope: SchoolScope,
    /// `None`: a stable order by id.
    pub sort: Option<(PersonAttr, SortOrder)>,
    /// 1-based (SCIM `startIndex`); 0 counts as 1.
    pub start_index: usize,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSearch {
    pub filter: Option<GroupFilter>,
    pub scope: SchoolScope,
    pub sort: Option<(GroupAttr, SortOrder)>,
    pub start_index: usize,
    pub count: usize,
}

/// One page of results; `total` counts every match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub total: usize,
    pub items: Vec<T>,
}

/// What SCIM may set about a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupProfile {
    /// The group's `cn` (its RDN): 1–200 characters, no control characters, unique within
    /// the school (case-insensitively).
    pub display_name: String,
    /// `zszoExternalId`: unique city-wide (one domain with people's external ids).
    pub external_id: Option<String>,
    /// The school whose `ou=grupy` holds the group.
    pub school: SchoolCode,
    /// Person ids. A person of another school may be a member (e.g. of a project group).
    pub members: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupEntry {
    pub entry: EntryRef,
    pub profile: GroupProfile,
    /// The members with their display names, in the order of `profile.members`.
    pub members: Vec<GroupRef>,
    pub meta: EntryMeta,
}

/// Which role group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminRole {
    /// Member of `cn=administratorzy-lokalni,ou=grupy,ou=<school>,…`.
    LocalAdministrator(SchoolCode),
    /// Member of `cn=administratorzy-systemu,ou=system,…`.
    SystemAdministrator,
}

/// A value the directory keeps unique, named by what a client calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unique {
    /// `uid`, unique across the city: the caller tries the next login candidate.
    Login,
    UserName,
    ExternalId,
    Email,
    /// A group's `displayName` in its school.
    GroupName,
    /// An entry at that DN (LDAP 68) whose value was not named (a school, a layout OU).
    Entry,
}

impl Unique {
    /// The attribute as the SCIM schema and the audit records name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Unique::Login => "login",
            Unique::UserName => "userName",
            Unique::ExternalId => "externalId",
            Unique::Email => "email",
            Unique::GroupName => "displayName",
            Unique::Entry => "entry",
        }
    }
}

impl std::fmt::Display for Unique {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Errors of the directory in domain terms, decided by the adapter (`ldap/error.rs` reads
/// result codes and slapd's text; nothing else does). Callers decide by variant, never by
/// message. `context`/`detail` fields are for the log only: they may hold a DN or slapd's
/// diagnostic text and never reach a client; [`Self::client_message`] is what a client sees.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("not found: {0}")]
    NotFound(String),
    /// A unique value is taken (slapo-unique, LDAP 68, or the adapter's own check).
    #[error("already exists: {taken} ({context})")]
    AlreadyExists { taken: Unique, context: String },
    /// A compare-and-write found another state than `expected` (the account state changed).
    #[error("the account state changed: it is no longer {expected}")]
    StateChanged { expected: AccountState },
    /// A schema or value constraint refused the change (LDAP 19, 20, 21, 64, 65, 67), or a
    /// value the adapter refused before writing (`code` 0; `detail` is then client-safe).
    #[error("refused by the directory: {detail}")]
    Constraint { code: u32, detail: String },
    #[error("the directory refused the credentials")]
    InvalidCredentials,
    #[error("the directory denied access: {0}")]
    InsufficientAccess(String),
    /// The server is down, unreachable or timed out before a write was sent: nothing
    /// happened, retryable later.
    #[error("the directory is unavailable: {0}")]
    Unavailable(String),
    /// The connection failed after a write was sent: it may or may not have happened. The
    /// use case reads back before answering (issue 14).
    #[error("the outcome of a directory write is unknown: {0}")]
    OutcomeUnknown(String),
    #[error("unexpected directory error: {0}")]
    Other(String),
    /// The entry is no longer at the version the write was conditional on (another writer
    /// changed it in between; RFC 4528 assertion failed).
    #[error("the entry changed in the meantime: {0}")]
    VersionChanged(String),
}

impl DirectoryError {
    /// `AlreadyExists` for `taken`, with a context for the log.
    pub fn taken(taken: Unique, context: impl Into<String>) -> Self {
        DirectoryError::AlreadyExists {
            taken,
            context: context.into(),
        }
    }

    /// Whether this refusal means "this login is taken" (try the next candidate) rather than
    /// another uniqueness clash, which no other login would cure.
    pub fn is_login_taken(&self) -> bool {
        matches!(
            self,
            DirectoryError::AlreadyExists {
                taken: Unique::Login,
                ..
            }
        )
    }

    /// What a client may read: built from the variant, never from a DN or slapd's text
    /// (except a `Constraint` the adapter raised itself, `code` 0, whose detail is its own).
    pub fn client_message(&self) -> String {
        match self {
            DirectoryError::NotFound(_) => "not found".into(),
            DirectoryError::AlreadyExists { taken, .. } => match taken {
                Unique::Entry => "the entry exists already".into(),
                Unique::GroupName => "the school has a group of that name".into(),
                other => format!("{other} is taken"),
            },
            DirectoryError::StateChanged { expected } => {
                format!("the account state changed: it is no longer {expected}")
            }
            DirectoryError::Constraint { code: 0, detail } => detail.clone(),
            DirectoryError::Constraint { code, .. } => {
                format!("the directory refused a value ({})", result_name(*code))
            }
            DirectoryError::InvalidCredentials => "invalid credentials".into(),
            DirectoryError::InsufficientAccess(_) => "not allowed".into(),
            DirectoryError::Unavailable(_) | DirectoryError::OutcomeUnknown(_) => {
                "the directory is unavailable".into()
            }
            DirectoryError::VersionChanged(_) => "the resource changed in the meantime".into(),
            DirectoryError::Other(_) => "internal error".into(),
        }
    }
}

/// RFC 4511 Appendix A names of the constraint codes a client may be told about.
pub fn result_name(code: u32) -> &'static str {
    match code {
        19 => "constraintViolation",
        20 => "attributeOrValueExists",
        21 => "invalidAttributeSyntax",
        64 => "namingViolation",
        65 => "objectClassViolation",
        67 => "notAllowedOnRDN",
        _ => "constraint",
    }
}

#[async_trait]
pub trait Directory: Send + Sync {
    /// Succeeds when the server answers a search under the base bound as the service identity.
    async fn ping(&self) -> Result<(), DirectoryError>;

    /// Which provider of a replicated directory is in use now (its URL), for `/readyz`;
    /// `None` for a directory that has no such notion (test doubles).
    fn active_provider(&self) -> Option<String> {
        None
    }

    /// Creates `ou=placowki` and `ou=sso,ou=system` (the SSO service accounts) when missing
    /// (`ou=system`, which holds the service identity, is the operator's to create).
    /// Returns the DNs it created; empty when the layout was complete.
    async fn ensure_layout(&self) -> Result<Vec<String>, DirectoryError>;

    async fn find_school(&self, code: &SchoolCode) -> Result<Option<SchoolEntry>, DirectoryError>;
    async fn list_schools(&self) -> Result<Vec<SchoolEntry>, DirectoryError>;

    /// Creates the school's OU with `ou=pracownicy`, `ou=grupy` and its local-administrators
    /// group. `AlreadyExists` when the school OU exists.
    async fn create_school(&self, school: &School) -> Result<SchoolEntry, DirectoryError>;

    async fn find_person_by_login(
        &self,
        login: &LoginName,
    ) -> Result<Option<PersonEntry>, DirectoryError>;
    async fn find_person_by_employee_number(
        &self,
        number: &EmployeeNumber,
    ) -> Result<Option<PersonEntry>, DirectoryError>;

    /// Adds the person's entry in its primary school's `ou=pracownicy`. A taken login anywhere
    /// in the city gives `AlreadyExists` (the caller tries the next candidate).
    async fn create_person(&self, person: &NewPerson) -> Result<PersonEntry, DirectoryError>;

    /// Adds the person to the role's group; `Ok(false)` when already a member.
    async fn grant_role(&self, person: &EntryRef, role: &AdminRole)
        -> Result<bool, DirectoryError>;

    /// The role groups `person` is a member of: each school's `cn=administratorzy-lokalni`
    /// under `ou=placowki` and the city-wide `cn=administratorzy-systemu`. Empty for an
    /// ordinary employee.
    async fn roles_of(&self, person: &EntryRef) -> Result<Vec<AdminRole>, DirectoryError>;

    /// The person with `id`; `None` when there is none or it is outside `scope`.
    async fn get_person(
        &self,
        id: &str,
        scope: &SchoolScope,
    ) -> Result<Option<PersonEntry>, DirectoryError>;

    /// The filter is evaluated by the directory. Paging: one search returns only the id and
    /// the sort attribute of every match; those are sorted (by id when no sort is asked),
    /// sliced to the page, and only the page's entries are read in full.
    async fn search_people(&self, q: &PersonSearch) -> Result<Page<PersonEntry>, DirectoryError>;

    /// Replaces the HR-owned attributes (absent values are deleted), moves the entry when the
    /// primary school changed (the id stays), locks or unlocks sign-in with
    /// `employment_active`. Never creates credentials. `AlreadyExists` for a taken userName.
    async fn update_person(
        &self,
        id: &str,
        profile: &PersonProfile,
    ) -> Result<PersonEntry, DirectoryError>;

    /// [`Self::update_person`], applied only while the entry is still at `version` (its
    /// `entryCSN`, as in [`EntryMeta::version`]): the directory checks it in the same
    /// operation that writes (RFC 4528 assertion control), so a change by any other writer
    /// after the caller read the version is `VersionChanged`, never overwritten.
    async fn update_person_at_version(
        &self,
        id: &str,
        profile: &PersonProfile,
        version: &str,
    ) -> Result<PersonEntry, DirectoryError>;

    /// Deletes the person; their group memberships go with them (refint).
    async fn delete_person(&self, id: &str) -> Result<(), DirectoryError>;

    /// `AlreadyExists` when the school has a group of that name; `NotFound` for an unknown
    /// school or member id. Role groups (`cn=administratorzy-lokalni`) are never created,
    /// listed or changed by the group methods (`InsufficientAccess`, security.md AUTHZ-03).
    async fn create_group(&self, profile: &GroupProfile) -> Result<GroupEntry, DirectoryError>;
    async fn get_group(
        &self,
        id: &str,
        scope: &SchoolScope,
    ) -> Result<Option<GroupEntry>, DirectoryError>;
    async fn search_groups(&self, q: &GroupSearch) -> Result<Page<GroupEntry>, DirectoryError>;
    /// Renames (the id stays), moves to `profile.school` when it changed, replaces members.
    async fn update_group(
        &self,
        id: &str,
        profile: &GroupProfile,
    ) -> Result<GroupEntry, DirectoryError>;
    /// Adds and removes members by person id; idempotent. An unknown id to add is `NotFound`.
    async fn modify_group_members(
        &self,
        id: &str,
        add: &[String],
        remove: &[String],
    ) -> Result<GroupEntry, DirectoryError>;
    async fn delete_group(&self, id: &str) -> Result<(), DirectoryError>;

    /// The local administrators of `school` (members of its `cn=administratorzy-lokalni`),
    /// whoever their own school is: the people told that an account there became active.
    async fn local_administrators(
        &self,
        school: &SchoolCode,
    ) -> Result<Vec<PersonEntry>, DirectoryError>;

    /// The logins among `base`'s candidates (`jan.kowalski`, `jan.kowalski2` …, see
    /// `domain::login_candidates`) in use city-wide, at least up to the first free one, so a
    /// new person's login is chosen in one search instead of one refused add per namesake.
    async fn logins_like(&self, base: &LoginName) -> Result<Vec<String>, DirectoryError>;

    /// Binds as the person (a separate connection); `Ok(false)` on wrong credentials. A
    /// password the directory accepts only for a forced change (a one-time password) is
    /// `true` here: use [`Directory::verify_password`] where that matters.
    async fn check_password(
        &self,
        login: &LoginName,
        password: &SecretString,
    ) -> Result<bool, DirectoryError> {
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
    ) -> Result<PasswordCheck, DirectoryError>;

    /// Gives the person a one-time password ([`InitialCredentials`]) in one Modify, only if
    /// their account state is still `expect` (compared and changed atomically by the
    /// directory); otherwise `StateChanged` and nothing changes. The new
    /// state is `awaiting-first-login`; with inactive employment the account is also locked
    /// (`pwdAccountLockedTime`), so the password cannot be used until HR reactivates them.
    /// `zszoAccountCreatedBy/At` are written only when `expect` is `None` (a new account),
    /// and a pending [`AccountRequest`] is removed in the same Modify.
    async fn set_initial_credentials(
        &self,
        id: &str,
        credentials: &InitialCredentials,
        expect: AccountState,
    ) -> Result<PersonEntry, DirectoryError>;

    /// An administrator's lock: state `locked` and ppolicy's permanent lock, only if the state
    /// is still `expect` (else `StateChanged`).
    async fn lock_account(
        &self,
        id: &str,
        expect: AccountState,
    ) -> Result<PersonEntry, DirectoryError>;

    /// Lifts an administrator's lock (state must still be `locked`, else
    /// `StateChanged`). The state returns to where the account was: a
    /// pending one-time password (`pwdReset`) → `awaiting-first-login`, an activated account
    /// (`zszoAccountActivatedAt`) → `active`, else `awaiting-email-confirmation`. The ppolicy
    /// lock is removed only while employment is active (HR's lock stays).
    async fn unlock_account(&self, id: &str) -> Result<PersonEntry, DirectoryError>;

    /// The person's own password (already hashed, [`PasswordHash`]) replaces the current one
    /// in one Modify, only while the state is still `expect` (else
    /// `StateChanged`). From `awaiting-first-login` it also ends the one-time password's regime:
    /// `pwdReset: FALSE`, `pwdEndTime` and `zszoInitialPasswordExpiry` removed, state
    /// `awaiting-email-confirmation` (security.md INIT-04). From `awaiting-email-confirmation`
    /// or `active` the state stays. `pwdReset: FALSE` is written every time because ppolicy
    /// (`pwdMustChange`) would otherwise mark a password set by the service as to be changed.
    async fn set_own_password(
        &self,
        id: &str,
        hash: &PasswordHash,
        expect: AccountState,
    ) -> Result<PersonEntry, DirectoryError>;

    /// A confirmed address becomes the person's `mail` (replacing any other), only while the
    /// state is still `expect`: from `awaiting-email-confirmation` the account becomes
    /// `active` and `zszoAccountActivatedAt` = `at`; from `active` only `mail` changes. An
    /// address another person has is `AlreadyExists { taken: Email }` (slapo-unique).
    async fn set_confirmed_email(
        &self,
        id: &str,
        email: &EmailAddress,
        expect: AccountState,
        at: OffsetDateTime,
    ) -> Result<PersonEntry, DirectoryError>;

    /// The person's second factor, `None` when not enrolled.
    async fn second_factor(&self, id: &str) -> Result<Option<StoredSecondFactor>, DirectoryError>;

    /// Enrols (`Some`, replacing any earlier one) or removes (`None`) the second factor.
    async fn set_second_factor(
        &self,
        id: &str,
        factor: Option<&StoredSecondFactor>,
    ) -> Result<(), DirectoryError>;

    /// Moves the last accepted TOTP step from `previous` to `step` in one compare-and-set;
    /// `Ok(false)` when it was not `previous` any more (the code was used meanwhile).
    async fn spend_totp_step(
        &self,
        id: &str,
        previous: Option<u64>,
        step: u64,
    ) -> Result<bool, DirectoryError>;

    /// Removes one recovery code's hash; `Ok(false)` when it was not there (used already).
    async fn spend_recovery_code(&self, id: &str, hash: &str) -> Result<bool, DirectoryError>;

    /// Records a request for an account (`Some`), only if the account state is still `none`
    /// (compared and written in one Modify, else `StateChanged`), or
    /// withdraws a pending one (`None`, whatever the state). Never creates credentials.
    async fn set_account_request(
        &self,
        id: &str,
        request: Option<&AccountRequest>,
    ) -> Result<PersonEntry, DirectoryError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_messages_come_from_the_variant_not_the_context() {
        let e = DirectoryError::taken(Unique::UserName, "uid=x,ou=pracownicy,dc=y");
        assert_eq!(e.client_message(), "userName is taken");
        assert!(!e.client_message().contains("uid="));
        let c = DirectoryError::Constraint {
            code: 65,
            detail: "uid=x: object class 'zszoPerson' requires attribute 'sn'".into(),
        };
        assert_eq!(
            c.client_message(),
            "the directory refused a value (objectClassViolation)"
        );
        assert!(DirectoryError::taken(Unique::Login, "x").is_login_taken());
        assert!(!DirectoryError::taken(Unique::Email, "x").is_login_taken());
        assert_eq!(
            DirectoryError::OutcomeUnknown("uid=x".into()).client_message(),
            "the directory is unavailable"
        );
    }
}
