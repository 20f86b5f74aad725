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
pub use forms::{FormsState, RegisterAppend, RegisterRows, RoomLists, TodoAcknowledgements};
pub use held::{AdmissionWindow, HeldOperations, WindowRule};
pub use idempotency::IdempotencyRecords;
pub use provisioning::{RetiredLogins, WriteIntents};
pub use sessions::Sessions;
pub use sign_in::SignInFailures;

/// What every state-store port method returns.
pub type StoreResult<T> = Result<T, StoreError>;

/// Errors of every state-store port: the store is one file, so its failures are the same
/// whichever port met them. Use cases map them to their own "unavailable" and log them once.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
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

every_part! {
    /// What the portal's use cases (`crate::onboarding`) keep in the state store.
    pub trait OnboardingState = Confirmations + Sessions;
}

#[cfg(test)]
mod tests {
    /// Every `.rs` file under `dir` (recursively), with its text.
    fn sources(dir: &std::path::Path, out: &mut Vec<(std::path::PathBuf, String)>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }

    #[test]
    fn only_wiring_and_web_name_the_state_store() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        for part in ["provisioning", "onboarding", "forms", "scim"] {
            sources(&src.join(part), &mut files);
        }
        let end = src.join("session_end.rs");
        files.push((end.clone(), std::fs::read_to_string(&end).unwrap()));
        let offenders: Vec<String> = (files.iter())
            .filter(|(_, text)| {
                ["StateStore", "HeldStore"]
                    .iter()
                    .any(|name| text.contains(name))
            })
            .map(|(path, _)| path.display().to_string())
            .collect();
        assert!(
            files.len() > 20,
            "the use cases were not found under {}",
            src.display()
        );
        assert!(
            offenders.is_empty(),
            "use cases naming the store: {offenders:?}"
        );
    }
}
