//! Ending every session of a person when the ground it stood on goes (security.md SESS-05;
//! issue 12 item 3): the one place that does it, called by each use case that takes that
//! ground away: re-issue of a one-time password, lock, unlock, HR deactivation or deletion,
//! a reset second factor, a password change.
//!
//! Panel and portal sessions live in one table of the state store (portal keys prefixed
//! `portal:`), so one call ends both. The change that called it has already happened in the
//! directory, so a failure here is logged and reported as `None`, never undone; the request
//! middleware checks every session against the directory anyway (a locked account, ended
//! employment, a withdrawn role, a one-time password other than the one a restricted session
//! was opened with), which is the fail-closed backstop.

use crate::ports::state::Sessions;

/// Ends every panel and portal session of the person with `person_id`, except the session
/// stored under `keep` (the caller's own, after changing their own password). Returns how
/// many ended, or `None` when the state store failed (logged).
pub async fn end_sessions_of<S: Sessions + ?Sized>(
    state: &S,
    person_id: &str,
    keep: Option<&str>,
    why: &'static str,
) -> Option<usize> {
    match state
        .delete_sessions_of(person_id.to_owned(), keep.map(str::to_owned))
        .await
    {
        Ok(n) => {
            if n > 0 {
                tracing::info!(sessions = n, why, "sessions of a person ended");
            }
            Some(n)
        }
        Err(e) => {
            tracing::error!(error = %e, why, "cannot end the sessions of a person");
            None
        }
    }
}

/// The audit detail for [`end_sessions_of`]'s answer.
pub fn ended_detail(ended: Option<usize>) -> String {
    ended.map_or_else(|| "failed".to_owned(), |n| n.to_string())
}
