//! In-memory doubles of the ports, for the use-case unit tests (`cargo test --lib use_case`):
//! no slapd, no redb, no SMTP, milliseconds per test. They keep the promises of the real
//! adapters that use cases rely on (uniqueness → `AlreadyExists`, a write at a version →
//! `VersionChanged`, the account state's compare-and-set → `StateChanged`, a confirmation
//! and its mail in one commit, the guard's decision and its record in one commit), or a test
//! on them would prove nothing. Integration tests keep using the real adapters.
//!
//! - [`FakeDirectory`]: every part of `Directory`.
//! - [`FakeState`]: the state-store ports (`ports::state`).
//! - [`FakeAudit`]: `AuditLog`, the records in order; can be made to fail.
//! - [`FakeMailer`]: `Mailer`, the messages "sent".
//! - `Clock`: [`crate::clock::ManualClock`].

mod directory;
mod state;
mod world;

pub use crate::clock::ManualClock;
pub use directory::FakeDirectory;
pub use state::FakeState;
pub use world::World;

use crate::domain::audit::{AuditQuery, AuditRecord, NewAuditRecord, PruneReport};
use crate::ports::{AuditError, AuditLog, MailError, Mailer, OutgoingMail};
use async_trait::async_trait;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// The audit log as a list. While [`FakeAudit::fail`] is on, appends fail and
/// `is_failing` says so (the store's state after a failed commit).
#[derive(Default)]
pub struct FakeAudit {
    records: Mutex<Vec<NewAuditRecord>>,
    failing: AtomicBool,
}

impl FakeAudit {
    pub fn fail(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    /// Every record appended, oldest first.
    pub fn records(&self) -> Vec<NewAuditRecord> {
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The actions of the records, oldest first.
    pub fn actions(&self) -> Vec<String> {
        self.records().into_iter().map(|r| r.action).collect()
    }
}

#[async_trait]
impl AuditLog for FakeAudit {
    async fn append(&self, record: NewAuditRecord) -> Result<u64, AuditError> {
        if self.is_failing() {
            return Err(AuditError::Unavailable("the fake audit log fails".into()));
        }
        let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        records.push(record);
        Ok(records.len() as u64)
    }

    async fn query(&self, _query: AuditQuery) -> Result<Vec<AuditRecord>, AuditError> {
        Err(AuditError::Unavailable(
            "the fake audit log answers no queries; read FakeAudit::records".into(),
        ))
    }

    async fn check_writable(&self) -> Result<(), AuditError> {
        match self.is_failing() {
            true => Err(AuditError::Unavailable("the fake audit log fails".into())),
            false => Ok(()),
        }
    }

    fn is_failing(&self) -> bool {
        self.failing.load(Ordering::SeqCst)
    }

    async fn prune_before(
        &self,
        _before: time::OffsetDateTime,
        _max: usize,
    ) -> Result<PruneReport, AuditError> {
        Ok(PruneReport {
            removed: 0,
            checkpoint_seq: None,
            record_seq: None,
        })
    }
}

/// The mailer as a list of what was sent.
#[derive(Default)]
pub struct FakeMailer {
    sent: Mutex<Vec<OutgoingMail>>,
}

impl FakeMailer {
    pub fn sent(&self) -> Vec<OutgoingMail> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

#[async_trait]
impl Mailer for FakeMailer {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError> {
        self.sent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(mail.clone());
        Ok(())
    }
}
