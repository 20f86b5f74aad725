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
    AccountState, EmployeeNumber, LoginName, PersonName, Position, School, SchoolCode,
};
use time::OffsetDateTime;

mod error;
pub mod parts;
mod snapshot;
pub use error::*;
pub use parts::*;
pub use snapshot::ReadSnapshot;

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

/// A person's account, to be changed only while its state is still `expect`: every account
/// change compares the state and writes in one directory operation, else `StateChanged`.
/// `read`: the caller's read of the person ([`PersonEntry::snapshot`]), which the adapter may
/// plan the change from instead of reading the entry again (its version then asserted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountAt<'a> {
    pub id: &'a str,
    pub expect: AccountState,
    pub read: Option<&'a ReadSnapshot>,
}

/// An address the person proved they receive mail at, and when
/// ([`Directory::set_confirmed_email`]).
#[derive(Debug, Clone, Copy)]
pub struct ConfirmedEmail<'a> {
    pub address: &'a crate::domain::EmailAddress,
    pub at: OffsetDateTime,
}

/// A person's entry, to be changed only while it is still at `version` (its `entryCSN`, as
/// in [`EntryMeta::version`]); `None`: whatever version it is at. `read`: the caller's read of
/// the entry ([`PersonEntry::snapshot`]), which the adapter may write from instead of reading
/// the entry again; it then asserts that read's version in the write (issue 17).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonAt<'a> {
    pub id: &'a str,
    pub version: Option<&'a str>,
    pub read: Option<&'a ReadSnapshot>,
}

/// A group's membership change: the person ids to add and to remove, in one directory
/// change ([`Directory::modify_group_members`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberChange<'a> {
    pub add: &'a [String],
    pub remove: &'a [String],
}

/// A TOTP step to record as the last one accepted, only while the last one is still
/// `previous` ([`Directory::spend_totp_step`]): a code is spent once, even by two sign-ins at
/// the same time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepSpend {
    pub previous: Option<u64>,
    pub step: u64,
}

/// An email address or a phone number with its SCIM type (`K`) and `primary` flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact<K> {
    pub value: String,
    pub kind: Option<K>,
    pub primary: bool,
}

/// A contact email, read back as written. An address nobody described (added to `mail` by
/// another LDAP client) reads as type `work`, not primary (the first one primary when no
/// address is described).
pub type ContactEmail = Contact<EmailKind>;

/// A phone number, stored by type: work, other and untyped → `telephoneNumber`, mobile →
/// `mobile`, home → `homePhone`, fax → `facsimileTelephoneNumber`; read back as written. A
/// number nobody described reads with the type of its attribute (`telephoneNumber` → work).
pub type ContactPhone = Contact<PhoneKind>;

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
    /// The adapter's read this value was made from, for a write that follows it
    /// ([`PersonAt::read`]); empty unless the read was `Directory::get_person`.
    pub snapshot: ReadSnapshot,
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

/// A search for entries matching `filter` (a [`PersonFilter`] or a [`GroupFilter`]), sorted by
/// an attribute `A`; the filter is evaluated by the directory, never in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search<F, A> {
    pub filter: Option<F>,
    pub scope: SchoolScope,
    /// `None`: a stable order by id.
    pub sort: Option<(A, SortOrder)>,
    /// 1-based (SCIM `startIndex`); 0 counts as 1.
    pub start_index: usize,
    pub count: usize,
}

/// A search for people.
pub type PersonSearch = Search<PersonFilter, PersonAttr>;

/// A search for groups.
pub type GroupSearch = Search<GroupFilter, GroupAttr>;

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
