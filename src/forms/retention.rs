//! The retention job (AUD-06, GDPR-08): every hour, take every school's new audit records
//! into its F-03 register (so no authorization is lost with its records), then remove the
//! audit records older than `audit.retention_days` (`AuditLog::prune_before`: a signed
//! checkpoint and an `audit.pruned` record keep the chain verifiable).

use super::Forms;
use crate::app::AppState;
use crate::ports::{AuditLog, SchoolDirectory};
use std::time::Duration;

/// How often the job runs.
const EVERY: Duration = Duration::from_secs(3600);
/// Records removed per transaction.
const BATCH: usize = 10_000;

/// One run: sync the registers, then prune. Returns how many records went.
pub async fn run_once(
    forms: &Forms,
    audit: &dyn AuditLog,
    directory: &dyn SchoolDirectory,
    before: time::OffsetDateTime,
) -> Result<u64, String> {
    let schools: Vec<_> = directory
        .list_schools()
        .await
        .map_err(|e| format!("listing schools: {e}"))?
        .into_iter()
        .map(|s| s.school.code)
        .collect();
    forms
        .sync_all(&schools)
        .await
        .map_err(|e| format!("syncing the F-03 registers: {e}"))?;
    let mut removed = 0;
    loop {
        let report = audit
            .prune_before(before, BATCH)
            .await
            .map_err(|e| format!("pruning: {e}"))?;
        removed += report.removed;
        if report.removed < BATCH as u64 {
            return Ok(removed);
        }
    }
}

/// Runs forever (spawned by the daemon); a failed run is logged and retried next hour.
pub async fn job(state: AppState) {
    let forms = Forms::new(
        state.audit.clone(),
        state.state.clone(),
        state.clock.clone(),
    );
    let mut tick = tokio::time::interval(EVERY);
    loop {
        tick.tick().await;
        let before = state.clock.now() - state.config.audit.retention;
        match run_once(
            &forms,
            state.audit.as_ref(),
            state.directory.as_ref(),
            before,
        )
        .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(removed = n, "audit retention: old records removed"),
            Err(e) => tracing::error!(error = %e, "audit retention failed; retrying in an hour"),
        }
    }
}
