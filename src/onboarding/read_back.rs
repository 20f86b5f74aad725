//! Unknown outcomes of the portal's directory writes (issue 14): first-login password,
//! email confirmation, password change, password reset. When the connection breaks after the
//! Modify was sent (`DirectoryError::OutcomeUnknown`), the entry is read back before the
//! person is answered: a password is checked by a bind with the new password (the directory
//! alone can verify it), an address by the entry's `mail` and state.
//! - it happened: the step succeeds with its one success record;
//! - it did not: `Unavailable` and a failure record (true: nothing changed);
//! - the directory cannot be read either: `OutcomeUnknown`, 503 with no record (`finish`
//!   skips it), so no failure record stands for a write that may have happened. The person's
//!   retry (the same form) writes or finds it and records once.

use super::{Onboarding, OnboardingError};
use crate::domain::{AccountState, EmailAddress, LoginName};
use crate::ports::{DirectoryError, PersonEntry, SchoolScope};
use secrecy::SecretString;

impl Onboarding {
    /// A password write's result; on a lost answer, whether `password` now opens the account.
    pub(super) async fn password_written(
        &self,
        written: Result<PersonEntry, DirectoryError>,
        id: &str,
        login: &LoginName,
        password: &SecretString,
    ) -> Result<PersonEntry, OnboardingError> {
        let m = match written {
            Err(DirectoryError::OutcomeUnknown(m)) => m,
            other => return Ok(other?),
        };
        tracing::warn!(error = %m, "portal: a password write's outcome is unknown; checking it");
        match self.directory.check_password(login, password).await {
            Ok(true) => self.reread(id).await,
            Ok(false) => Err(OnboardingError::Unavailable),
            Err(_) => Err(OnboardingError::OutcomeUnknown),
        }
    }

    /// A confirmed address's write; on a lost answer, whether the entry holds it, active.
    pub(super) async fn address_written(
        &self,
        written: Result<PersonEntry, DirectoryError>,
        id: &str,
        address: &EmailAddress,
    ) -> Result<PersonEntry, OnboardingError> {
        let m = match written {
            Err(DirectoryError::OutcomeUnknown(m)) => m,
            other => return Ok(other?),
        };
        tracing::warn!(error = %m, "portal: an address write's outcome is unknown; reading back");
        match self.directory.get_person(id, &SchoolScope::All).await {
            Ok(Some(p))
                if p.account_state == AccountState::Active
                    && p.profile
                        .emails
                        .first()
                        .is_some_and(|e| e.value == address.as_str()) =>
            {
                Ok(p)
            }
            Ok(_) => Err(OnboardingError::Unavailable),
            Err(_) => Err(OnboardingError::OutcomeUnknown),
        }
    }

    async fn reread(&self, id: &str) -> Result<PersonEntry, OnboardingError> {
        match self.directory.get_person(id, &SchoolScope::All).await {
            Ok(Some(p)) => Ok(p),
            Ok(None) => Err(OnboardingError::WrongState("the person is gone".into())),
            Err(_) => Err(OnboardingError::OutcomeUnknown),
        }
    }
}
