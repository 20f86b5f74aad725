//! `AccountDirectory` and `SecondFactorDirectory` for [`LdapDirectory`]: a person's password
//! checked by a bind on a fresh connection closed right after (an empty or blank password
//! never reaches slapd, RFC 4513 §5.1.2); the state changes are in `accounts`, second
//! factors in `second_factor`.

use super::directory::LdapDirectory;
use super::error::from_ldap;
use crate::domain::LoginName;
use crate::ports::*;
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};

#[async_trait]
impl AccountDirectory for LdapDirectory {
    async fn verify_password(
        &self,
        login: &LoginName,
        password: &SecretString,
    ) -> DirectoryResult<PasswordCheck> {
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
        account: AccountAt<'_>,
        credentials: &InitialCredentials,
    ) -> DirectoryResult<PersonEntry> {
        self.set_initial_credentials_impl(account, credentials)
            .await
    }

    async fn lock_account(&self, account: AccountAt<'_>) -> DirectoryResult<PersonEntry> {
        self.lock_account_impl(account).await
    }

    async fn unlock_account(&self, id: &str) -> DirectoryResult<PersonEntry> {
        self.unlock_account_impl(id).await
    }

    async fn set_own_password(
        &self,
        account: AccountAt<'_>,
        hash: &crate::ports::PasswordHash,
    ) -> DirectoryResult<PersonEntry> {
        self.set_own_password_impl(account, hash).await
    }

    async fn set_confirmed_email(
        &self,
        account: AccountAt<'_>,
        email: ConfirmedEmail<'_>,
    ) -> DirectoryResult<PersonEntry> {
        self.set_confirmed_email_impl(account, email).await
    }

    async fn set_account_request(
        &self,
        id: &str,
        request: Option<&crate::ports::AccountRequest>,
    ) -> DirectoryResult<PersonEntry> {
        self.set_account_request_impl(id, request).await
    }
}

#[async_trait]
impl SecondFactorDirectory for LdapDirectory {
    async fn second_factor(
        &self,
        id: &str,
    ) -> DirectoryResult<Option<crate::ports::StoredSecondFactor>> {
        self.second_factor_impl(id).await
    }

    async fn set_second_factor(
        &self,
        id: &str,
        factor: Option<&crate::ports::StoredSecondFactor>,
    ) -> DirectoryResult<()> {
        self.set_second_factor_impl(id, factor).await
    }

    async fn spend_totp_step(&self, id: &str, spend: StepSpend) -> DirectoryResult<bool> {
        self.spend_totp_step_impl(id, spend).await
    }

    async fn spend_recovery_code(&self, id: &str, hash: &str) -> DirectoryResult<bool> {
        self.spend_recovery_code_impl(id, hash).await
    }
}
