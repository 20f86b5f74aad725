//! Chain-head anchors that leave the machine (security.md AUD-04).
//!
//! An HMAC chain shows an edited or removed record, but not a tail cut off the end: the store
//! still verifies up to its new last record. Every `audit.anchor_interval_secs` the daemon
//! writes the current head (`SEQ:MAC`) as a log line (target `zszo_connector::audit::anchor`,
//! so journald or syslog ship it off the machine) and, when `audit.anchor_file` is set,
//! appends `<RFC 3339 time> <SEQ:MAC>` to that file (fsynced) for an operator's shipper.
//! `audit verify --anchors FILE` then checks that the store still holds the last anchored
//! record with the same MAC: a store cut below it fails.

use crate::domain::audit::AuditQuery;
use crate::ports::AuditLog;
use std::io::Write as _;
use std::path::Path;

/// The newest record's head, `SEQ:MAC`; `None` for an empty store.
pub async fn current_head(audit: &dyn AuditLog) -> Option<String> {
    let newest = audit
        .query(AuditQuery {
            limit: Some(1),
            ..Default::default()
        })
        .await
        .ok()?;
    newest.first().map(|r| format!("{}:{}", r.seq, r.mac))
}

/// Writes one anchor: the log line, and the file line when a file is configured.
pub async fn write_anchor(
    audit: &dyn AuditLog,
    file: Option<&Path>,
    now: time::OffsetDateTime,
) -> std::io::Result<Option<String>> {
    let Some(head) = current_head(audit).await else {
        return Ok(None);
    };
    tracing::info!(target: "zszo_connector::audit::anchor", head = %head, "audit chain head");
    if let Some(path) = file {
        let time = now
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        writeln!(f, "{time} {head}")?;
        f.sync_all()?;
    }
    Ok(Some(head))
}

/// The last anchor in an anchor file (`SEQ:MAC`), for `audit verify --anchors`.
pub fn last_anchor(file: &Path) -> std::io::Result<Option<String>> {
    let text = std::fs::read_to_string(file)?;
    Ok(text
        .lines()
        .rev()
        .find_map(|l| l.split_whitespace().nth(1))
        .map(str::to_owned))
}

/// The daemon's job: an anchor every `interval`, and one at start; ends with the runtime.
pub async fn job(
    audit: std::sync::Arc<dyn AuditLog>,
    file: Option<std::path::PathBuf>,
    interval: std::time::Duration,
    clock: std::sync::Arc<dyn crate::clock::Clock>,
) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last = None;
    loop {
        ticker.tick().await;
        let head = current_head(audit.as_ref()).await;
        if head.is_none() || head == last {
            continue; // nothing new to anchor
        }
        match write_anchor(audit.as_ref(), file.as_deref(), clock.now()).await {
            Ok(h) => last = h,
            Err(e) => tracing::error!(error = %e, "cannot write the audit anchor file"),
        }
    }
}
