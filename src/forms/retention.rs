//! The retention job (AUD-06, GDPR-08): every hour, take every school's new audit records
//! into its F-03 register (so no authorization is lost with its records), then remove the
//! audit records older than `audit.retention_days` (`AuditLog::prune_before`: a signed
//! checkpoint and an `audit.pruned` record keep the chain verifiable).

use super::Forms;
use crate::clock::Clock;
use crate::ports::{AuditLog, Directory, SchoolDirectory};
use std::sync::Arc;
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

/// What the hourly job works with.
pub struct RetentionJob {
    pub forms: Forms,
    pub audit: Arc<dyn AuditLog>,
    pub directory: Arc<dyn Directory>,
    pub clock: Arc<dyn Clock>,
    /// How long audit records are kept (`audit.retention_days`).
    pub keep: time::Duration,
}

impl RetentionJob {
    /// One run now (`audit prune`, and each hour's): how many records went, and the cut-off.
    pub async fn once(&self) -> Result<(u64, time::OffsetDateTime), String> {
        let before = self.clock.now() - self.keep;
        let removed = run_once(
            &self.forms,
            self.audit.as_ref(),
            self.directory.as_ref(),
            before,
        )
        .await?;
        Ok((removed, before))
    }

    /// Runs forever (spawned by the daemon); a failed run is logged and retried next hour.
    pub async fn run_forever(self) {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            match self.once().await.map(|(removed, _)| removed) {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "audit retention: old records removed"),
                Err(e) => {
                    tracing::error!(error = %e, "audit retention failed; retrying in an hour")
                }
            }
        }
    }
}
