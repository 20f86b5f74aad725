//! The SSO service accounts' port: where the schools' single sign-on reads from is the
//! directory, so these accounts live there (`ou=sso,ou=system`), scoped by slapd's ACL.

use super::DirectoryResult;
use crate::domain::{SsoClientName, SsoScope};
use crate::ports::PasswordHash;
use async_trait::async_trait;
use time::OffsetDateTime;

/// A new SSO service account: the hash of its secret (the secret itself is only printed).
#[derive(Debug, Clone)]
pub struct NewSsoClient {
    pub name: SsoClientName,
    pub scope: SsoScope,
    pub secret_hash: PasswordHash,
    /// Who created it (e.g. `system:sso-client (root)`), kept on the entry.
    pub created_by: String,
    pub created_at: OffsetDateTime,
}

/// An SSO service account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoClient {
    pub name: SsoClientName,
    /// What it binds as.
    pub dn: String,
    pub scope: SsoScope,
    pub created_by: Option<String>,
    pub created_at: Option<OffsetDateTime>,
}

#[async_trait]
pub trait SsoClients: Send + Sync {
    /// Adds the account (`AlreadyExists("SSO client …")` if the name is taken); the schools
    /// of its scope must exist (`NotFound("school …")`).
    async fn create_sso_client(&self, client: &NewSsoClient) -> DirectoryResult<SsoClient>;
    /// Every SSO service account, by name.
    async fn list_sso_clients(&self) -> DirectoryResult<Vec<SsoClient>>;
    /// Deletes the account: binding with its secret fails from then on. `Ok(false)` if there
    /// was none of that name.
    async fn revoke_sso_client(&self, name: &SsoClientName) -> DirectoryResult<bool>;
}
