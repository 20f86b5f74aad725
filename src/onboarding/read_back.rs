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
use crate::domain::{AccountState, EmailAddress};
use crate::ports::{AccountAt, DirectoryError, PasswordHash, PersonEntry, SchoolScope};
use secrecy::SecretString;

impl Onboarding {
    /// Writes the person's own password (`hash` of `password`) while the account is in state
    /// `expect`; on a lost answer, whether `password` now opens the account.
    pub(super) async fn write_own_password(
        &self,
        person: &PersonEntry,
        hash: &PasswordHash,
        expect: AccountState,
        password: &SecretString,
    ) -> Result<PersonEntry, OnboardingError> {
        let written = self
            .directory
            .set_own_password(
                AccountAt {
                    id: &person.entry.id,
                    expect,
                    read: None,
                },
                hash,
            )
            .await;
        let check = async {
            match self.directory.check_password(&person.login, password).await {
                Ok(true) => self.reread(&person.entry.id).await,
                Ok(false) => Err(OnboardingError::Unavailable),
                Err(_) => Err(OnboardingError::OutcomeUnknown),
            }
        };
        checked_if_lost(
            written,
            "portal: a password write's outcome is unknown; checking it",
            check,
        )
        .await
    }

    /// A confirmed address's write; on a lost answer, whether the entry holds it, active.
    pub(super) async fn address_written(
        &self,
        written: Result<PersonEntry, DirectoryError>,
        id: &str,
        address: &EmailAddress,
    ) -> Result<PersonEntry, OnboardingError> {
        let check = async {
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
        };
        checked_if_lost(
            written,
            "portal: an address write's outcome is unknown; reading back",
            check,
        )
        .await
    }

    async fn reread(&self, id: &str) -> Result<PersonEntry, OnboardingError> {
        match self.directory.get_person(id, &SchoolScope::All).await {
            Ok(Some(p)) => Ok(p),
            Ok(None) => Err(OnboardingError::WrongState("the person is gone".into())),
            Err(_) => Err(OnboardingError::OutcomeUnknown),
        }
    }
}

/// A write's result; when its answer was lost (`OutcomeUnknown`, logged with `why`), what
/// `check` finds in the directory instead.
async fn checked_if_lost(
    written: Result<PersonEntry, DirectoryError>,
    why: &str,
    check: impl std::future::Future<Output = Result<PersonEntry, OnboardingError>>,
) -> Result<PersonEntry, OnboardingError> {
    match written {
        Err(DirectoryError::OutcomeUnknown(m)) => {
            tracing::warn!(error = %m, "{why}");
            check.await
        }
        other => Ok(other?),
    }
}
