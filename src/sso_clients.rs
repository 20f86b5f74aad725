//! Use cases of `zszo-connector sso-client`: SSO service accounts for the schools' single
//! sign-on, created with a random secret that exists in clear only in the CLI's output (the
//! directory holds its `{ARGON2}` hash, verified by slapd at each bind), listed, revoked.
//!
//! Like SCIM tokens (`token create`), this works while the daemon runs: it needs only the
//! directory, as the service identity. Who created an account and when is kept on its entry.

use crate::clients::generate_token;
use crate::config::PasswordConfig;
use crate::credentials::hash_password_async;
use crate::domain::{SsoClientName, SsoScope};
use crate::ports::{DirectoryError, NewSsoClient, SsoClient, SsoClients};
use secrecy::SecretString;
use time::OffsetDateTime;

#[derive(Debug, thiserror::Error)]
pub enum SsoClientError {
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    #[error(transparent)]
    Hash(#[from] crate::credentials::HashError),
}

/// A created account and its secret (to print once).
pub struct CreatedSsoClient {
    pub client: SsoClient,
    pub secret: SecretString,
}

/// Creates the account `name` reading `scope`, on behalf of `created_by`.
pub async fn create(
    directory: &dyn SsoClients,
    name: SsoClientName,
    scope: SsoScope,
    created_by: String,
    cost: PasswordConfig,
    now: OffsetDateTime,
) -> Result<CreatedSsoClient, SsoClientError> {
    let secret = generate_token();
    let secret_hash = hash_password_async(secret.clone(), cost).await?;
    let client = directory
        .create_sso_client(&NewSsoClient {
            name,
            scope,
            secret_hash,
            created_by,
            created_at: now,
        })
        .await?;
    Ok(CreatedSsoClient { client, secret })
}

pub async fn list(directory: &dyn SsoClients) -> Result<Vec<SsoClient>, SsoClientError> {
    Ok(directory.list_sso_clients().await?)
}

/// `Ok(false)` when there is no account of that name.
pub async fn revoke(
    directory: &dyn SsoClients,
    name: &SsoClientName,
) -> Result<bool, SsoClientError> {
    Ok(directory.revoke_sso_client(name).await?)
}
