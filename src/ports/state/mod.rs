//! Ports of the state store (the daemon's working data, `crate::store` over redb), shaped
//! around what a use case needs in ONE transaction rather than one trait per table:
//!
//! - [`Confirmations`]: a pending email confirmation (or reset link) with the mail it needs,
//!   queued in the same commit; consuming it with the notices it causes.
//! - [`HeldOperations`]: the deprovisioning guard's window and held operations (deciding and
//!   recording in one transaction).
//! - [`Sessions`]: ending every session of a person (`crate::session_end`).
//! - [`RetiredLogins`], [`WriteIntents`]: what provisioning keeps beside a person's creation
//!   and deletion.
//! - [`IdempotencyRecords`]: the SCIM edge's Idempotency-Key claims.
//! - [`SignInFailures`]: the sign-in throttle's counters.
//! - [`FormsState`] ([`RegisterRows`], [`RoomLists`], [`TodoAcknowledgements`]): the
//!   school's step-7 records (`crate::forms`), keyed by `SchoolCode`.
//!
//! The redb implementation is in `crate::store` (only it and `crate::audit` import redb); the
//! in-memory doubles are in `crate::ports::fakes` (tests). The records these ports carry are
//! plain data defined beside their table in `crate::store` (no redb type among them).

mod confirmations;
mod forms;
mod held;
mod idempotency;
mod provisioning;
mod sessions;
mod sign_in;

pub use confirmations::Confirmations;
pub use forms::{FormsState, RegisterRows, RoomLists, TodoAcknowledgements};
pub use held::{HeldOperations, WindowRule};
pub use idempotency::IdempotencyRecords;
pub use provisioning::{RetiredLogins, WriteIntents};
pub use sessions::Sessions;
pub use sign_in::SignInFailures;

/// Errors of every state-store port: the store is one file, so its failures are the same
/// whichever port met them. Use cases map them to their own "unavailable" and log them once.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("the state store is unavailable: {0}")]
    Unavailable(String),
    #[error("the state store is corrupt: {0}")]
    Corrupt(String),
    /// The file is of another release's format (or another store's file): never opened.
    #[error("{0}")]
    Incompatible(String),
    /// Reading or writing the file failed (full disk, I/O error): redb refuses every later
    /// transaction until the file is reopened (`store/reopen.rs`).
    #[error("the state store cannot write its file: {0}")]
    Io(String),
}

/// What the portal's use cases (`crate::onboarding`) keep in the state store.
pub trait OnboardingState: Confirmations + Sessions {}
impl<T: Confirmations + Sessions + ?Sized> OnboardingState for T {}
