//! The panel's second factor as use cases (issue 12 item 4): enrolment at the first panel
//! sign-in, the code after every password, a system administrator's reset. The pure parts
//! (TOTP, recovery codes, the key) are in `crate::second_factor`; what is stored is in the
//! directory (`Directory::second_factor` …), readable only by the service identity.
//!
//! A code is accepted once: a TOTP step must be newer than the last one accepted and moves
//! it in one compare-and-set; a recovery code's hash is deleted in one compare-and-set.
//! Each call writes one audit record (`panel.second_factor_enrolled`,
//! `panel.second_factor`, `panel.second_factor_reset`), never a code or a secret.

use super::Onboarding;
use crate::domain::audit::{Actor, NewAuditRecord, Outcome};
use crate::domain::LoginName;
use crate::ports::{AdminRole, StepSpend, StoredSecondFactor};
use crate::second_factor::{recovery_codes, recovery_hash, TotpSecret, DIGITS};

/// Why a second-factor step failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondFactorError {
    /// A wrong, expired or already used code (one answer for all; the audit tells apart).
    WrongCode,
    /// Enrolment is needed first (none stored), or the pending one does not open.
    NotEnrolled,
    /// Only a system administrator may do this.
    Forbidden,
    Unavailable,
}

impl SecondFactorError {
    fn reason(&self) -> &'static str {
        match self {
            SecondFactorError::WrongCode => "wrong_code",
            SecondFactorError::NotEnrolled => "not_enrolled",
            SecondFactorError::Forbidden => "forbidden",
            SecondFactorError::Unavailable => "unavailable",
        }
    }
}

impl From<crate::ports::DirectoryError> for SecondFactorError {
    fn from(e: crate::ports::DirectoryError) -> Self {
        tracing::warn!(error = %e, "second factor: directory error");
        SecondFactorError::Unavailable
    }
}

/// The administrator in the middle of signing in (after the password).
#[derive(Debug, Clone)]
pub struct SigningIn {
    pub person_id: String,
    pub login: LoginName,
    pub request_id: Option<String>,
}

impl SigningIn {
    fn record(&self, action: &str, outcome: Outcome) -> NewAuditRecord {
        NewAuditRecord::new(
            Actor::Person(self.login.as_str().to_owned()),
            action,
            outcome,
        )
        .request_id(self.request_id.clone())
        .detail("id", &self.person_id)
    }
}

/// How a code was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    Totp,
    Recovery { left: usize },
}

impl Onboarding {
    /// Whether the person has a second factor enrolled.
    pub async fn has_second_factor(&self, person_id: &str) -> Result<bool, SecondFactorError> {
        Ok(self.directory.second_factor(person_id).await?.is_some())
    }

    /// A new secret for an enrolment, sealed for the person (kept in the signing-in session
    /// until the first code confirms it; nothing is stored yet).
    pub fn new_enrolment(&self, person_id: &str) -> String {
        self.second_factor_key
            .seal(person_id, &TotpSecret::generate())
    }

    /// The secret of a pending enrolment, to show (QR code and text).
    pub fn pending_secret(&self, person_id: &str, sealed: &str) -> Option<TotpSecret> {
        self.second_factor_key.open(person_id, sealed)
    }

    /// Confirms an enrolment with its first code: stores the sealed secret, that step as
    /// spent and the hashes of 10 new recovery codes, which are returned to be shown once.
    pub async fn confirm_enrolment(
        &self,
        who: &SigningIn,
        sealed: &str,
        code: &str,
    ) -> Result<Vec<String>, SecondFactorError> {
        let result = self.try_confirm_enrolment(who, sealed, code).await;
        let outcome = match &result {
            Ok(_) => Outcome::Success,
            Err(e) => Outcome::Failure(e.reason().into()),
        };
        self.record(who.record("panel.second_factor_enrolled", outcome))
            .await
            .map_err(|_| SecondFactorError::Unavailable)?;
        result
    }

    async fn try_confirm_enrolment(
        &self,
        who: &SigningIn,
        sealed: &str,
        code: &str,
    ) -> Result<Vec<String>, SecondFactorError> {
        let secret = self
            .pending_secret(&who.person_id, sealed)
            .ok_or(SecondFactorError::NotEnrolled)?;
        let now = self.clock.now().unix_timestamp().max(0) as u64;
        let step = secret
            .matching_step(code, now)
            .ok_or(SecondFactorError::WrongCode)?;
        let (codes, hashes) = recovery_codes();
        let stored = StoredSecondFactor {
            secret: sealed.to_owned(),
            recovery: hashes,
            last_step: Some(step),
        };
        self.directory
            .set_second_factor(&who.person_id, Some(&stored))
            .await?;
        Ok(codes)
    }

    /// Checks the code typed after the password: a TOTP code (6 digits) or a recovery code.
    pub async fn verify_second_factor(
        &self,
        who: &SigningIn,
        code: &str,
    ) -> Result<CodeKind, SecondFactorError> {
        let result = self.try_verify(who, code).await;
        let outcome = match &result {
            Ok(_) => Outcome::Success,
            Err(e) => Outcome::Failure(e.reason().into()),
        };
        let mut r = who.record("panel.second_factor", outcome);
        r = match &result {
            Ok(CodeKind::Totp) => r.detail("method", "totp"),
            Ok(CodeKind::Recovery { left }) => r
                .detail("method", "recovery_code")
                .detail("recovery_codes_left", left.to_string()),
            Err(_) => r,
        };
        self.record(r)
            .await
            .map_err(|_| SecondFactorError::Unavailable)?;
        result
    }

    async fn try_verify(&self, who: &SigningIn, code: &str) -> Result<CodeKind, SecondFactorError> {
        let stored = self
            .directory
            .second_factor(&who.person_id)
            .await?
            .ok_or(SecondFactorError::NotEnrolled)?;
        let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() == DIGITS && digits.chars().all(|c| c.is_ascii_digit()) {
            let secret = self
                .second_factor_key
                .open(&who.person_id, &stored.secret)
                .ok_or_else(|| {
                    tracing::error!("second factor: the stored secret does not open with this key");
                    SecondFactorError::Unavailable
                })?;
            let now = self.clock.now().unix_timestamp().max(0) as u64;
            let step = secret
                .matching_step(&digits, now)
                .ok_or(SecondFactorError::WrongCode)?;
            // A code is used once: its step must be newer than the last one accepted.
            if stored.last_step.is_some_and(|last| step <= last) {
                return Err(SecondFactorError::WrongCode);
            }
            let moved = self
                .directory
                .spend_totp_step(
                    &who.person_id,
                    StepSpend {
                        previous: stored.last_step,
                        step,
                    },
                )
                .await?;
            return if moved {
                Ok(CodeKind::Totp)
            } else {
                Err(SecondFactorError::WrongCode)
            };
        }
        let hash = recovery_hash(code);
        if !stored.recovery.contains(&hash) {
            return Err(SecondFactorError::WrongCode);
        }
        if !self
            .directory
            .spend_recovery_code(&who.person_id, &hash)
            .await?
        {
            return Err(SecondFactorError::WrongCode);
        }
        Ok(CodeKind::Recovery {
            left: stored.recovery.len() - 1,
        })
    }

    /// A system administrator removes another administrator's second factor (lost phone):
    /// they enrol again at their next sign-in; every session of theirs ends.
    pub async fn reset_second_factor(
        &self,
        caller: &crate::provisioning::Caller,
        caller_roles: &[AdminRole],
        person_id: &str,
    ) -> Result<(), SecondFactorError> {
        let result = async {
            if !caller_roles.contains(&AdminRole::SystemAdministrator) {
                return Err(SecondFactorError::Forbidden);
            }
            let person = self
                .directory
                .get_person(person_id, &crate::ports::SchoolScope::All)
                .await?
                .ok_or(SecondFactorError::NotEnrolled)?;
            self.directory.set_second_factor(person_id, None).await?;
            let ended = crate::session_end::end_sessions_of(
                self.state.as_ref(),
                person_id,
                None,
                "second factor reset",
            )
            .await;
            Ok((person, ended))
        }
        .await;
        let outcome = match &result {
            Ok(_) => Outcome::Success,
            Err(e) => Outcome::Failure(e.reason().into()),
        };
        let mut r = NewAuditRecord::new(caller.actor.clone(), "panel.second_factor_reset", outcome)
            .request_id(caller.request_id.clone())
            .detail("id", person_id);
        if let Ok((p, ended)) = &result {
            r = r
                .target(&p.entry.dn, Some(p.entry.id.clone()))
                .school(&p.profile.employment.primary)
                .detail("login", p.login.as_str())
                .detail("signed_out", crate::session_end::ended_detail(*ended));
        }
        self.record(r)
            .await
            .map_err(|_| SecondFactorError::Unavailable)?;
        result.map(|_| ())
    }
}
