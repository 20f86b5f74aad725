//! Ports: one trait per outside system, in domain terms. No ldap3, redb or lettre type
//! appears here; adapters (`crate::ldap`, `crate::audit`, `crate::mail`) implement them and
//! use cases depend only on these traits (held as `Arc<dyn …>`).

/// Declares a trait that is every one of its parts, implemented for anything that implements
/// them all (a trait alias, which stable Rust lacks): the parts are listed once, not once in
/// the trait and again in its blanket impl.
macro_rules! every_part {
    ($(#[$doc:meta])* $vis:vis trait $name:ident = $first:ident $(+ $part:ident)*;) => {
        $(#[$doc])*
        $vis trait $name: $first $(+ $part)* {}
        impl<T: $first $(+ $part)* + ?Sized> $name for T {}
    };
}

mod directory;
#[cfg(test)]
pub mod fakes;
mod sso;
pub mod state;

pub use crate::clock::Clock;
/// The parts of the `Directory` port, for `use …::directory_parts::*` where a concrete
/// adapter's methods are called (a trait's methods need the trait in scope).
pub use directory::parts as directory_parts;
pub use directory::*;
pub use sso::{NewSsoClient, SsoClient, SsoClients};
pub use state::{StoreError, StoreResult};

use crate::domain::audit::{AuditQuery, AuditRecord, NewAuditRecord, PruneReport};
use async_trait::async_trait;

/// Errors of the audit store.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("the audit store is unavailable: {0}")]
    Unavailable(String),
    #[error("the audit store is corrupt: {0}")]
    Corrupt(String),
    /// The file is of another release's format (or another store's file): never opened.
    #[error("{0}")]
    Incompatible(String),
}

#[async_trait]
pub trait AuditLog: Send + Sync {
    /// Appends durably (fsync before returning); returns the record's sequence number.
    async fn append(&self, record: NewAuditRecord) -> Result<u64, AuditError>;
    /// Newest first.
    async fn query(&self, query: AuditQuery) -> Result<Vec<AuditRecord>, AuditError>;
    /// Succeeds when a write transaction can commit (for `/readyz`).
    async fn check_writable(&self) -> Result<(), AuditError>;
    /// Whether the last commit failed and the store has not recovered yet: no directory
    /// write may start then (fail closed; issue 14). Cheap, no I/O.
    fn is_failing(&self) -> bool {
        false
    }
    /// Whether a write may start now (fail closed): the store is not failing, or a ping just
    /// committed (which reopens a store whose fault has cleared).
    async fn ready_for_writes(&self) -> bool {
        !self.is_failing() || self.check_writable().await.is_ok()
    }
    /// Retention: removes the oldest records written before `before` (at most `max`),
    /// keeping the rest verifiable (a signed checkpoint and an `audit.pruned` record).
    async fn prune_before(
        &self,
        before: time::OffsetDateTime,
        max: usize,
    ) -> Result<PruneReport, AuditError>;
    /// Online backup: a consistent copy of the store written to `file` (which must not
    /// exist), taken between two commits while the daemon keeps serving; returns the chain
    /// head of the copy (`SEQ:MAC`), `None` for an empty store.
    async fn copy_to(&self, file: std::path::PathBuf) -> Result<Option<String>, AuditError> {
        let _ = file;
        Err(AuditError::Unavailable(
            "this audit store cannot be copied online".into(),
        ))
    }
    /// At shutdown, after the last request: commit what is queued and stop writing. Later
    /// appends fail with `Unavailable`.
    async fn close(&self) {}
}

/// One message to send. Bodies are already rendered.
#[derive(Debug, Clone)]
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid message: {0}")]
    Invalid(String),
    /// The server is down or refused for now: retry later.
    #[error("mail transport unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError>;
}
