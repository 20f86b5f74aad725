//! The audit store alone: appends per second with fsync on every commit, 1, 16 and 64
//! appenders at once (its group commit), in process.

use super::{load, Limits, CONCURRENCY};
use load::Stats;
use std::sync::Arc;

/// Audit appends per second with fsync on commit, `c` appenders at once (group commit).
pub async fn audit_appends(root: &std::path::Path, limits: Limits) -> Vec<Stats> {
    use zszo_connector::audit::{HmacKey, RedbAuditLog};
    use zszo_connector::domain::audit::{Actor, NewAuditRecord, Outcome};
    use zszo_connector::ports::AuditLog;
    let mut out = Vec::new();
    for c in CONCURRENCY {
        let dir = root.join(format!("audit{c}"));
        std::fs::create_dir_all(&dir).unwrap();
        let key = HmacKey::generate_to(dir.join("key")).unwrap();
        let log = Arc::new(
            RedbAuditLog::open(
                dir.join("audit.redb"),
                key,
                Arc::new(zszo_connector::clock::SystemClock),
            )
            .unwrap(),
        );
        let stats = load::run(c, limits.reads, limits.seconds, move |_, i| {
            let log = log.clone();
            async move {
                let record = NewAuditRecord::new(
                    Actor::System("bench".into()),
                    "bench.append",
                    Outcome::Success,
                )
                .detail("i", i.to_string());
                log.append(record).await.is_ok()
            }
        })
        .await;
        out.push(stats);
    }
    out
}
