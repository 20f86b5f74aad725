//! Use cases that change people and groups on behalf of a caller (a SCIM client or a panel
//! administrator). Each call checks the caller's school scope, changes the directory through
//! the `Directory` port and writes exactly one audit record, failures included.
//!
//! Scope rules (security.md AUTHZ-01): a caller sees a person when any of the person's
//! schools is in its scope; it may create people and groups only in its schools, change only
//! the schools it holds (the others are kept), and delete a person only when every school of
//! theirs is in its scope.

mod accounts;
mod groups;
mod guard;
mod intents;
pub mod logins_in_flight;
mod people;
mod people_create;
mod profile_change;
mod read_back;
pub mod refusals;
mod replay;

pub use accounts::IssuedAccount;
pub use groups::GroupChanges;
pub use guard::{decide, DeprovisioningGuard, HeldNotice, Operator, Population, Released};
pub use intents::ABANDONED_AFTER;
pub use people::login_taken;
pub use replay::Applied;

use crate::domain::audit::{Actor, AuditedError, NewAuditRecord};
use crate::ports::{AuditLog, Directory, DirectoryError, SchoolScope};
use std::sync::Arc;

/// Who asks, for which schools, under which request id.
#[derive(Debug, Clone)]
pub struct Caller {
    pub actor: Actor,
    pub scope: SchoolScope,
    pub request_id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProvisioningError {
    #[error("not found")]
    NotFound,
    /// The caller may not act on these schools.
    #[error("{0}")]
    OutOfScope(String),
    /// The caller's role does not allow this action on this person (e.g. a local
    /// administrator re-issuing another administrator's password, or locking themselves).
    #[error("{0}")]
    Forbidden(String),
    /// A uniqueness rule refused the change.
    #[error("{0}")]
    Conflict(String),
    /// The request is well-formed but cannot be applied as asked.
    #[error("{0}")]
    Invalid(String),
    /// The client's `If-Match` does not match the current version (RFC 7644 §3.14).
    #[error("the resource changed since the version given")]
    PreconditionFailed,
    /// The mass-deprovisioning guard held the operation for a system administrator.
    #[error("held for review as operation {}: {}", .0.id, .0.reason)]
    Held(HeldNotice),
    #[error("the directory is unavailable")]
    Unavailable,
    /// A write's connection broke after it was sent and it could not be read back: answered
    /// like `Unavailable`, but its audit record is owed by the reconciler (`intents.rs`).
    #[error("the directory is unavailable")]
    OutcomeUnknown,
    /// Logged where it happens; the caller sees no detail.
    #[error("internal error")]
    Internal,
}

impl AuditedError for ProvisioningError {
    fn outcome_unknown(&self) -> bool {
        matches!(self, ProvisioningError::OutcomeUnknown)
    }

    fn audit_reason(&self) -> String {
        match self {
            ProvisioningError::NotFound => "not_found".into(),
            ProvisioningError::OutOfScope(m) => format!("out_of_scope: {m}"),
            ProvisioningError::Forbidden(m) => format!("forbidden: {m}"),
            ProvisioningError::Conflict(m) => format!("conflict: {m}"),
            ProvisioningError::Invalid(m) => format!("invalid: {m}"),
            ProvisioningError::PreconditionFailed => "precondition_failed".into(),
            ProvisioningError::Held(h) => format!("held: {}", h.id),
            ProvisioningError::Unavailable => "directory_unavailable".into(),
            ProvisioningError::OutcomeUnknown => "outcome_unknown".into(),
            ProvisioningError::Internal => "internal_error".into(),
        }
    }
}

/// The directory's messages carry DNs and slapd's diagnostic text: they are logged here, once,
/// and the caller (a SCIM client, the panel) gets a fixed text naming at most which kind of
/// value clashed (`login`, `email`, `userName`, `externalId`, `displayName`).
impl From<DirectoryError> for ProvisioningError {
    fn from(e: DirectoryError) -> Self {
        match e {
            DirectoryError::NotFound(_) => ProvisioningError::NotFound,
            // The client reads a message built from the variant; the context (a DN, slapd's
            // text) goes to the log only.
            DirectoryError::AlreadyExists { .. } | DirectoryError::StateChanged { .. } => {
                tracing::info!(error = %e, "directory refused a change");
                ProvisioningError::Conflict(e.client_message())
            }
            DirectoryError::Constraint { .. } => {
                tracing::info!(error = %e, "directory refused a change");
                ProvisioningError::Invalid(e.client_message())
            }
            DirectoryError::InsufficientAccess(_) => {
                tracing::warn!(error = %e, "the directory denied the service identity");
                ProvisioningError::OutOfScope("not permitted".to_owned())
            }
            DirectoryError::VersionChanged(_) => ProvisioningError::PreconditionFailed,
            DirectoryError::Unavailable(m) | DirectoryError::OutcomeUnknown(m) => {
                tracing::warn!(error = %m, "directory unavailable");
                ProvisioningError::Unavailable
            }
            DirectoryError::InvalidCredentials | DirectoryError::Other(_) => {
                tracing::error!(error = %e, "unexpected directory error");
                ProvisioningError::Internal
            }
        }
    }
}

/// A client's condition on the version (`entryCSN`) of the resource it changes (RFC 7232
/// §3.1 `If-Match`). Checked against the version the use case reads; for a person's update
/// the directory checks it again in the write itself (RFC 4528 assertion,
/// [`crate::ports::Directory::update_person_at`]), so a change by another LDAP client
/// between that read and the write is a failed precondition too.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Precondition {
    /// No `If-Match`.
    #[default]
    None,
    /// `If-Match: *`: any existing resource.
    Exists,
    /// One of these versions (opaque ETag values).
    VersionIn(Vec<String>),
}

impl Precondition {
    /// `current`: the version just read.
    pub fn check(&self, current: &str) -> Result<(), ProvisioningError> {
        // As the ETag shows it (`crate::scim::render`): without quotes or backslashes.
        let current = current.replace(['"', '\\'], "");
        match self {
            Precondition::VersionIn(v) if !v.contains(&current) => {
                Err(ProvisioningError::PreconditionFailed)
            }
            _ => Ok(()),
        }
    }

    /// The version a write must still find (`current`, after [`Self::check`] passed) when the
    /// client named versions; `None` for no condition or `*`.
    pub fn version_to_assert<'a>(&self, current: &'a str) -> Option<&'a str> {
        match self {
            Precondition::VersionIn(_) => Some(current),
            _ => None,
        }
    }
}

/// The ports a use case needs.
#[derive(Clone)]
pub struct Provisioning {
    pub directory: Arc<dyn Directory>,
    pub audit: Arc<dyn AuditLog>,
    /// The mass-deprovisioning guard (`guard.rs`); `None`: not limited (bootstrap, tests).
    pub guard: Option<Arc<DeprovisioningGuard>>,
    /// "Now" for one-time password expiry and account timestamps (`accounts.rs`).
    pub clock: Arc<dyn crate::clock::Clock>,
    /// Argon2id cost and the one-time password's lifetime.
    pub password_cost: crate::config::PasswordConfig,
    /// Logins of deleted people, never given again; `None`: not kept (tests).
    pub retired_logins: Option<Arc<dyn crate::ports::state::RetiredLogins>>,
    /// Write intents before directory adds (`intents.rs`); `None`: not kept (bootstrap, tests).
    pub intents: Option<Arc<dyn crate::ports::state::WriteIntents>>,
    /// Where panel and portal sessions live, so re-issue, lock, unlock, deactivation and
    /// deletion end them (`crate::session_end`); `None`: no sessions (bootstrap, tests).
    pub sessions: Option<Arc<dyn crate::ports::state::Sessions>>,
    /// The logins being added right now (`logins_in_flight.rs`): one set per daemon, shared
    /// by every `Provisioning` it makes.
    pub logins_in_flight: Arc<logins_in_flight::LoginsInFlight>,
}

impl Provisioning {
    /// Ends every session of `person_id` (see `crate::session_end`); the audit detail.
    pub(crate) async fn end_sessions(&self, person_id: &str, why: &'static str) -> String {
        let ended = match &self.sessions {
            Some(state) => {
                crate::session_end::end_sessions_of(state.as_ref(), person_id, None, why).await
            }
            None => Some(0),
        };
        crate::session_end::ended_detail(ended)
    }
}

impl Provisioning {
    /// Fail closed (the edges check it too): no directory write starts while the audit
    /// store cannot append; the caller gets 503 and nothing is written or recorded.
    async fn audit_ready(&self) -> Result<(), ProvisioningError> {
        match self.audit.ready_for_writes().await {
            true => Ok(()),
            false => Err(ProvisioningError::Unavailable),
        }
    }

    /// Writes the one audit record of a use case. If the audit store fails, the caller gets
    /// 503 (`Unavailable`, retry later): the edges refuse further writes until the store
    /// recovers (fail closed); the directory change, if any, stays and is logged.
    async fn record(
        &self,
        caller: &Caller,
        record: NewAuditRecord,
    ) -> Result<(), ProvisioningError> {
        let record = record.request_id(caller.request_id.clone());
        self.audit.append(record).await.map(|_| ()).map_err(|e| {
            tracing::error!(error = %e, "audit record not written");
            ProvisioningError::Unavailable
        })
    }

    /// Records the outcome of `result` under `action` and passes the result on.
    async fn finish<T>(
        &self,
        caller: &Caller,
        action: &str,
        result: Result<T, ProvisioningError>,
        describe: impl FnOnce(NewAuditRecord, Option<&T>) -> NewAuditRecord,
    ) -> Result<T, ProvisioningError> {
        // An unknown outcome has no record yet: the reconciler writes the one that is owed
        // (`intents.rs`), or the read-back does (`read_back.rs`).
        let Some(mut record) =
            NewAuditRecord::of_result(caller.actor.clone(), action, &result, describe)
        else {
            return result;
        };
        if let Err(ProvisioningError::Held(notice)) = &result {
            record = guard::describe_hold(record, notice);
        }
        self.record(caller, record).await?;
        result
    }
}

/// Whether the scope holds the school.
pub fn in_scope(scope: &SchoolScope, code: &crate::domain::SchoolCode) -> bool {
    match scope {
        SchoolScope::All => true,
        SchoolScope::Only(codes) => codes.contains(code),
    }
}

#[cfg(test)]
mod use_case_tests;
