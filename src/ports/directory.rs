//! The `Directory` port: people, groups and schools in domain terms. The LDAP adapter
//! (`crate::ldap::LdapDirectory`) implements it; nothing here knows LDAP.
//!
//! Ids are `entryUUID`s (SCIM `id`): stable across renames and moves between schools.

use crate::domain::{
    AccountState, EmployeeNumber, LoginName, PersonName, Position, School, SchoolCode,
};
use async_trait::async_trait;
use secrecy::SecretString;
use time::OffsetDateTime;

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

#[derive(Debug, Clone)]
pub struct NewPerson {
    pub login: LoginName,
    pub name: PersonName,
    pub employee_number: Option<EmployeeNumber>,
    pub position: Option<Position>,
    pub employment: Employment,
    pub credentials: Option<NewCredentials>,
    /// Who created it, for `zszoAccountCreatedBy` when credentials are set.
    pub created_by: String,
}

/// A person as read from the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonEntry {
    pub entry: EntryRef,
    pub login: LoginName,
    pub name: PersonName,
    pub employee_number: Option<EmployeeNumber>,
    pub position: Option<Position>,
    pub employment: Employment,
    pub account_state: AccountState,
}

/// Which role group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminRole {
    /// Member of `cn=administratorzy-lokalni,ou=grupy,ou=<school>,…`.
    LocalAdministrator(SchoolCode),
    /// Member of `cn=administratorzy-systemu,ou=system,…`.
    SystemAdministrator,
}

/// Errors of the directory in domain terms. Messages never carry secrets.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("already exists: {0}")]
    AlreadyExists(String),
    /// A uniqueness or schema constraint refused the change (LDAP 19, 65, 21 …).
    #[error("refused by the directory: {0}")]
    Constraint(String),
    #[error("the directory refused the credentials")]
    InvalidCredentials,
    #[error("the directory denied access: {0}")]
    InsufficientAccess(String),
    /// The server is down, unreachable or timed out: retryable later.
    #[error("the directory is unavailable: {0}")]
    Unavailable(String),
    #[error("unexpected directory error: {0}")]
    Other(String),
}

#[async_trait]
pub trait Directory: Send + Sync {
    /// Succeeds when the server answers a search under the base bound as the service identity.
    async fn ping(&self) -> Result<(), DirectoryError>;

    /// Creates `ou=placowki` when it is missing (`ou=system`, which holds the service identity,
    /// is the operator's to create).
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

    /// Binds as the person (a separate connection); `Ok(false)` on wrong credentials.
    async fn check_password(
        &self,
        login: &LoginName,
        password: &SecretString,
    ) -> Result<bool, DirectoryError>;
}
