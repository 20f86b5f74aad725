//! Audit of refusals that change nothing: a request with a missing, bad, revoked or expired
//! SCIM token, and a caller asking for a person or group that exists outside its scope (a SCIM
//! read of another school's id, a panel page of another school's person). Writes to such ids
//! are audited by their use case already (outcome `not_found`).
//!
//! Rate-limited, so a flood (a misconfigured client retrying, someone trying tokens or ids)
//! does not fill the audit store: at most [`PER_WINDOW`] records per kind per minute; the next
//! record written says how many were left out (`suppressed`). The answer to the caller is the
//! same whether or not the refusal was recorded (401 or 404, never a hint).

use super::Caller;
use crate::clock::Clock;
use crate::domain::audit::{Actor, NewAuditRecord, Outcome};
use crate::ports::{AuditLog, Directory, SchoolScope};
use std::sync::{Arc, Mutex};
use time::{Duration, OffsetDateTime};

/// Records per kind and window.
pub const PER_WINDOW: u32 = 10;
const WINDOW: Duration = Duration::minutes(1);

/// Counts refusals of one kind per window: pure, so the limit is testable without a store.
#[derive(Default, Clone, Copy)]
struct Throttle {
    started: Option<OffsetDateTime>,
    written: u32,
    suppressed: u64,
}

impl Throttle {
    /// `Some(suppressed)` when a record may be written now (with the number of refusals left
    /// out since the last one), `None` when this one is only counted.
    fn admit(&mut self, now: OffsetDateTime) -> Option<u64> {
        if self.started.is_none_or(|s| now - s >= WINDOW) {
            self.started = Some(now);
            self.written = 0;
        }
        if self.written >= PER_WINDOW {
            self.suppressed += 1;
            return None;
        }
        self.written += 1;
        Some(std::mem::take(&mut self.suppressed))
    }
}

pub struct RefusalAudit {
    audit: Arc<dyn AuditLog>,
    directory: Arc<dyn Directory>,
    clock: Arc<dyn Clock>,
    /// Bad tokens; out-of-scope attempts.
    throttles: Mutex<[Throttle; 2]>,
}

const TOKEN: usize = 0;
const OUT_OF_SCOPE: usize = 1;

/// Which kind of entry a refused read asked for.
#[derive(Debug, Clone, Copy)]
pub enum Wanted {
    Person,
    Group,
}

impl RefusalAudit {
    pub fn new(
        audit: Arc<dyn AuditLog>,
        directory: Arc<dyn Directory>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            audit,
            directory,
            clock,
            throttles: Mutex::new([Throttle::default(); 2]),
        }
    }

    fn admit(&self, kind: usize) -> Option<u64> {
        let now = self.clock.now();
        let mut throttles = self.throttles.lock().unwrap_or_else(|e| e.into_inner());
        throttles[kind].admit(now)
    }

    async fn write(&self, record: NewAuditRecord) {
        if let Err(e) = self.audit.append(record).await {
            tracing::error!(error = %e, "audit record of a refusal not written");
        }
    }

    /// A SCIM request without a usable token. `reason`: `missing`, `malformed` or
    /// `invalid_token` (unknown, revoked or expired: not told apart, as for the client).
    pub async fn token_refused(&self, reason: &'static str, request_id: Option<String>) {
        let Some(suppressed) = self.admit(TOKEN) else {
            return;
        };
        let record = NewAuditRecord::new(
            Actor::System("scim-auth".into()),
            "scim.token_refused",
            Outcome::Failure(reason.into()),
        )
        .request_id(request_id)
        .detail("suppressed", suppressed.to_string());
        self.write(record).await;
    }

    /// The caller found nothing at `id` within its scope: if the entry exists outside it,
    /// that was an attempt across schools, recorded with what it asked for.
    pub async fn not_in_scope(&self, caller: &Caller, wanted: Wanted, id: &str, via: &str) {
        if caller.scope == SchoolScope::All {
            return;
        }
        let found = match wanted {
            Wanted::Person => self
                .directory
                .get_person(id, &SchoolScope::All)
                .await
                .map(|p| p.map(|p| (p.entry, p.profile.employment.primary))),
            Wanted::Group => self
                .directory
                .get_group(id, &SchoolScope::All)
                .await
                .map(|g| g.map(|g| (g.entry, g.profile.school))),
        };
        let Ok(Some((entry, school))) = found else {
            return;
        };
        let Some(suppressed) = self.admit(OUT_OF_SCOPE) else {
            return;
        };
        let action = match wanted {
            Wanted::Person => "person.read_refused",
            Wanted::Group => "group.read_refused",
        };
        let record = NewAuditRecord::new(
            caller.actor.clone(),
            action,
            Outcome::Failure("out_of_scope".into()),
        )
        .target(&entry.dn, Some(entry.id.clone()))
        .school(&school)
        .request_id(caller.request_id.clone())
        .detail("via", via)
        .detail("suppressed", suppressed.to_string());
        self.write(record).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_is_recorded_ten_times_a_minute_then_counted() {
        let mut t = Throttle::default();
        let t0 = OffsetDateTime::UNIX_EPOCH;
        let admitted: Vec<Option<u64>> = (0..12).map(|_| t.admit(t0)).collect();
        assert!(admitted[..10].iter().all(|a| *a == Some(0)));
        assert_eq!(admitted[10..], [None, None]);
        // The next minute: written again, saying how many were left out.
        assert_eq!(t.admit(t0 + WINDOW), Some(2));
        assert_eq!(t.admit(t0 + WINDOW), Some(0));
    }
}
