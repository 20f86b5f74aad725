//! Onboarding: the employee's side of the procedure (steps 5–7) in the Access Portal.
//!
//! - `first_login`: sign-in with the one-time password (or, afterwards, the own password);
//!   the first-login form: a new password and an email address in one step.
//! - `email`: a confirmation mail for an address (first, again, or a change), and the
//!   confirmation itself, which activates the account and tells the school's local
//!   administrators.
//! - `password`: a later change of the own password (the current one required).
//!
//! Each call writes exactly one audit record (failures included, never a password, token or
//! full address: addresses are masked). State lives in the directory (password, state, `mail`)
//! and, for what is pending, in the state store with the mail it needs (one transaction).
//! Directory first, then the state store: a directory write that succeeded is found again by
//! the retry (the state compare-and-set says where the account is), so a failure between the
//! two is repaired by trying again, and a link is never spent on a write that failed.

pub mod account_view;
pub mod admin_sign_in;
pub mod email;
pub mod first_login;
mod link_use;
pub mod links;
pub mod mails;
pub mod password;
mod read_back;
pub mod reset;
pub mod second_factor;

use crate::clock::Clock;
use crate::config::{PasswordConfig, PortalConfig};
use crate::domain::audit::{Actor, AuditedError, NewAuditRecord};
use crate::domain::{LoginName, PasswordPolicy, PolicyContext, PolicyViolation, Strength};
use crate::ports::state::OnboardingState;
use crate::ports::StoreError;
use crate::ports::{AuditLog, Directory, DirectoryError, Unique};
use links::LinkKey;
use std::sync::Arc;
use tokio::sync::Notify;

/// The use cases of the portal.
#[derive(Clone)]
pub struct Onboarding {
    pub directory: Arc<dyn Directory>,
    pub audit: Arc<dyn AuditLog>,
    pub clock: Arc<dyn Clock>,
    /// Pending confirmations with their mail, and sessions (`ports::state`).
    pub state: Arc<dyn OnboardingState>,
    /// Wakes the mail sender after something was queued.
    pub outbox: Arc<Notify>,
    pub link_key: Arc<LinkKey>,
    /// Encrypts administrators' TOTP secrets (`crate::second_factor`).
    pub second_factor_key: Arc<crate::second_factor::SecretBox>,
    /// Admits password checks and hashes; full → "try again shortly".
    pub hashing: Arc<crate::credentials::HashingGate>,
    pub portal: PortalConfig,
    pub password_cost: PasswordConfig,
    /// `server.public_base_url`: links in mail are built from it, never from a request.
    pub public_base_url: String,
}

/// The person acting in the portal (from their session).
#[derive(Debug, Clone)]
pub struct PortalCaller {
    pub person_id: String,
    pub login: LoginName,
    pub request_id: Option<String>,
    /// The store key of the caller's own session: kept when their own change ends the
    /// person's other sessions.
    pub session_key: Option<String>,
}

impl PortalCaller {
    fn actor(&self) -> Actor {
        Actor::Person(self.login.as_str().to_owned())
    }

    /// A record about the caller's own entry: their login, and the entry and school when the
    /// step got that far (else the id from the session).
    fn about(
        &self,
        r: NewAuditRecord,
        person: Option<&crate::ports::PersonEntry>,
    ) -> NewAuditRecord {
        let r = r.detail("login", self.login.as_str());
        match person {
            Some(p) => r
                .target(&p.entry.dn, Some(p.entry.id.clone()))
                .school(&p.profile.employment.primary),
            None => r.detail("id", &self.person_id),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OnboardingError {
    /// Wrong login or password, or an account that cannot sign in: one answer for all.
    #[error("wrong login or password")]
    InvalidCredentials,
    /// The current password given to confirm a change is wrong.
    #[error("the current password is wrong")]
    WrongCurrentPassword,
    #[error("the password is refused: {}", .0.as_str())]
    Policy(PolicyViolation, Strength),
    /// The account is not in the state this step needs (e.g. already set up).
    #[error("the account is not in a state for this step: {0}")]
    WrongState(String),
    /// The address belongs to another person.
    #[error("the address is used by another account")]
    AddressTaken,
    /// The link cannot be used; the reason is for the audit (the person sees one message).
    #[error("the link cannot be used: {0}")]
    LinkInvalid(&'static str),
    #[error("too many requests; try again in {0} s")]
    Throttled(i64),
    /// Too many password checks and hashes at once: try again in a few seconds.
    #[error("busy; try again shortly")]
    Busy,
    #[error("the directory is unavailable")]
    Unavailable,
    /// A write was sent and its answer lost, and the directory cannot be read to learn
    /// whether it happened: answered like `Unavailable`, but no audit record yet
    /// (`read_back.rs`).
    #[error("the outcome of a directory write is unknown")]
    OutcomeUnknown,
    #[error("internal error")]
    Internal,
}

impl AuditedError for OnboardingError {
    fn outcome_unknown(&self) -> bool {
        matches!(self, OnboardingError::OutcomeUnknown)
    }

    fn audit_reason(&self) -> String {
        match self {
            OnboardingError::InvalidCredentials => "invalid_credentials".into(),
            OnboardingError::WrongCurrentPassword => "wrong_current_password".into(),
            OnboardingError::Policy(v, _) => format!("policy:{}", v.as_str()),
            OnboardingError::WrongState(_) => "wrong_state".into(),
            OnboardingError::AddressTaken => "address_taken".into(),
            OnboardingError::LinkInvalid(why) => (*why).into(),
            OnboardingError::Throttled(_) => "rate_limit_exceeded".into(),
            OnboardingError::Busy => "busy".into(),
            OnboardingError::Unavailable => "unavailable".into(),
            OnboardingError::OutcomeUnknown => "outcome_unknown".into(),
            OnboardingError::Internal => "internal".into(),
        }
    }
}

impl From<DirectoryError> for OnboardingError {
    fn from(e: DirectoryError) -> Self {
        match e {
            DirectoryError::StateChanged { .. } => OnboardingError::WrongState(e.client_message()),
            DirectoryError::AlreadyExists {
                taken: Unique::Email,
                ..
            } => OnboardingError::AddressTaken,
            DirectoryError::Unavailable(m) | DirectoryError::OutcomeUnknown(m) => {
                tracing::warn!(error = %m, "portal: directory unavailable");
                OnboardingError::Unavailable
            }
            other => {
                tracing::error!(error = %other, "portal: directory error");
                OnboardingError::Internal
            }
        }
    }
}

impl From<StoreError> for OnboardingError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "portal: state store error");
        OnboardingError::Unavailable
    }
}

impl Onboarding {
    /// Appends `record`; a failing audit store fails the call (the audit must not miss a step).
    async fn record(&self, record: NewAuditRecord) -> Result<(), OnboardingError> {
        self.audit.append(record).await.map_err(|e| {
            tracing::error!(error = %e, "portal: cannot write the audit record");
            OnboardingError::Unavailable
        })?;
        Ok(())
    }

    /// Records the outcome of `result` under `action` and passes the result on.
    async fn finish<T>(
        &self,
        actor: Actor,
        request_id: Option<String>,
        action: &str,
        result: Result<T, OnboardingError>,
        describe: impl FnOnce(NewAuditRecord, Option<&T>) -> NewAuditRecord,
    ) -> Result<T, OnboardingError> {
        // Whether the write happened is unknown: no record now (`read_back.rs`).
        let describe =
            |r: NewAuditRecord, value: Option<&T>| describe(r.request_id(request_id), value);
        let Some(record) = NewAuditRecord::of_result(actor, action, &result, describe) else {
            return result;
        };
        self.record(record).await?;
        result
    }

    /// Hashes on the hashing threads (Argon2id takes tens of milliseconds), if the gate
    /// admits it (else `Busy`).
    async fn hash(
        &self,
        password: &secrecy::SecretString,
    ) -> Result<crate::ports::PasswordHash, OnboardingError> {
        let _permit = self.hashing.try_admit().ok_or(OnboardingError::Busy)?;
        crate::credentials::hash_password_async(password.clone(), self.password_cost)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "portal: cannot hash a password");
                OnboardingError::Internal
            })
    }

    /// A new password for `person`: normalised, checked against the policy in the person's
    /// context (refused with its strength), and hashed; the normalised text is what was hashed
    /// (a read-back binds with it).
    async fn new_password(
        &self,
        person: &crate::ports::PersonEntry,
        new: &secrecy::SecretString,
        one_time_password: Option<&[u8; 32]>,
    ) -> Result<(secrecy::SecretString, crate::ports::PasswordHash), OnboardingError> {
        let new = crate::domain::password::normalize(new);
        let school = self.school_name(&person.profile.employment.primary).await;
        let context = PolicyContext {
            login: Some(&person.login),
            name: Some(&person.profile.name),
            school_name: school.as_deref(),
            one_time_password,
        };
        if let Err(v) = PasswordPolicy::check(&new, &context) {
            return Err(OnboardingError::Policy(
                v,
                PasswordPolicy::strength(&new, &context),
            ));
        }
        let hash = self.hash(&new).await?;
        Ok((new, hash))
    }

    /// The school's name for the policy's context words (best effort).
    async fn school_name(&self, code: &crate::domain::SchoolCode) -> Option<String> {
        match self.directory.find_school(code).await {
            Ok(Some(s)) => Some(s.school.name.as_str().to_owned()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod use_case_tests;
