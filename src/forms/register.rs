//! The F-03 register (and with it the F-02 authorizations) derived from the audit history.
//!
//! Which records count (successful ones of the school, in seq order):
//! * `account.activated` (the portal, when the employee confirmed their email): a grant, when
//!   the person has no open authorization; the grantor is whoever created the account
//!   (`account.created`'s actor), its date the activation's;
//! * `person.deactivated` (HR `active=false`), `person.deleted`, `account.locked`: the open
//!   authorization is revoked: a correction row with the date, pointing at the open row;
//! * `person.reactivated`, `account.unlocked` of a person whose authorization was revoked: a
//!   new grant by that actor (the account works again).
//!
//! Names, logins and positions come from the records' details (`display_name`, `login`,
//! `title`), so the register outlives the directory entry and, because the retention job
//! syncs every school before pruning, the audit records too.

use crate::domain::audit::{Actor, AuditRecord, Outcome};
use crate::domain::forms::RegisterRow;
use std::collections::BTreeMap;

pub const ACTIVATED: &str = "account.activated";
pub const CREATED: &str = "account.created";
const REVOKING: [&str; 3] = ["person.deactivated", "person.deleted", "account.locked"];
const RE_ENABLING: [&str; 2] = ["person.reactivated", "account.unlocked"];

/// Whether a record may change the register (so the sync needs to look at it).
pub fn is_relevant(record: &AuditRecord) -> bool {
    let a = record.record.action.as_str();
    matches!(record.record.outcome, Outcome::Success)
        && (a == ACTIVATED || REVOKING.contains(&a) || RE_ENABLING.contains(&a))
}

/// How a register names an actor.
pub fn actor_label(actor: &Actor) -> String {
    match actor {
        Actor::Person(login) => login.clone(),
        Actor::ScimClient(name) => format!("SCIM: {name}"),
        Actor::System(job) => format!("system: {job}"),
    }
}

fn person_id(record: &AuditRecord) -> Option<&str> {
    record
        .record
        .target
        .as_ref()
        .and_then(|t| t.entry_uuid.as_deref())
}

fn detail<'a>(record: &'a AuditRecord, key: &str) -> Option<&'a str> {
    record
        .record
        .details
        .get(key)
        .map(String::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// The rows to append for `records` (ascending seq, all after the register's cursor),
/// given the register's rows so far. `grantors` maps an activation's seq to the label of
/// whoever created the account. Pure: the caller appends the result in one transaction.
pub fn plan(
    existing: &[RegisterRow],
    records: &[AuditRecord],
    grantors: &BTreeMap<u64, String>,
) -> Vec<RegisterRow> {
    // The latest row of each person, as the register stands (including planned rows).
    let mut latest: BTreeMap<String, RegisterRow> = BTreeMap::new();
    for row in existing {
        latest.insert(row.person_id.clone(), row.clone());
    }
    let mut next_no = existing.last().map_or(1, |r| r.no + 1);
    let mut out = Vec::new();
    for record in records.iter().filter(|r| is_relevant(r)) {
        let Some(id) = person_id(record) else {
            continue;
        };
        let action = record.record.action.as_str();
        let by = actor_label(&record.record.actor);
        let previous = latest.get(id);
        let row = if action == ACTIVATED {
            if previous.is_some_and(RegisterRow::is_open) {
                continue;
            }
            let Some(login) = detail(record, "login") else {
                tracing::warn!(
                    seq = record.seq,
                    "account.activated without a login: skipped"
                );
                continue;
            };
            RegisterRow {
                no: next_no,
                grant_no: next_no,
                corrects: None,
                person_id: id.to_owned(),
                name: detail(record, "display_name").unwrap_or(login).to_owned(),
                login: login.to_owned(),
                position: detail(record, "title").map(str::to_owned),
                granted_at: record.time,
                granted_by: grantors.get(&record.seq).cloned().unwrap_or(by),
                revoked_at: None,
                revoked_by: None,
                revocation: None,
                source_seq: record.seq,
            }
        } else if REVOKING.contains(&action) {
            let Some(open) = previous.filter(|r| r.is_open()) else {
                continue;
            };
            match open.revoked(next_no, record.time, by, action.to_owned(), record.seq) {
                Ok(row) => row,
                Err(e) => {
                    tracing::warn!(seq = record.seq, error = %e, "revocation skipped");
                    continue;
                }
            }
        } else {
            // Re-enabled: a new grant only after a revocation.
            let Some(closed) = previous.filter(|r| !r.is_open()) else {
                continue;
            };
            RegisterRow {
                no: next_no,
                grant_no: next_no,
                corrects: None,
                login: detail(record, "login").unwrap_or(&closed.login).to_owned(),
                name: detail(record, "display_name")
                    .unwrap_or(&closed.name)
                    .to_owned(),
                granted_at: record.time,
                granted_by: by,
                revoked_at: None,
                revoked_by: None,
                revocation: None,
                source_seq: record.seq,
                ..closed.clone()
            }
        };
        next_no += 1;
        latest.insert(id.to_owned(), row.clone());
        out.push(row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::NewAuditRecord;
    use time::macros::datetime;
    use time::Duration;

    fn rec(seq: u64, action: &str, actor: Actor) -> AuditRecord {
        AuditRecord {
            seq,
            time: datetime!(2025-09-01 10:00 UTC) + Duration::days(seq as i64),
            record: NewAuditRecord::new(actor, action, Outcome::Success)
                .target("uid=zofia.zolkiewska,ou=pracownicy", Some("u-1".into()))
                .detail("login", "zofia.zolkiewska")
                .detail("display_name", "Zofia Żółkiewska")
                .detail("title", "nauczycielka"),
            mac: String::new(),
        }
    }

    #[test]
    fn activation_grants_deactivation_corrects_and_reactivation_grants_again() {
        let person = || Actor::Person("zofia.zolkiewska".into());
        let records = vec![
            rec(1, ACTIVATED, person()),
            rec(2, ACTIVATED, person()), // repeated: ignored while open
            rec(3, "person.deactivated", Actor::ScimClient("hr".into())),
            rec(4, "account.locked", Actor::Person("lukasz.nowak".into())), // nothing open
            rec(5, "person.reactivated", Actor::ScimClient("hr".into())),
        ];
        let grantors = BTreeMap::from([(1, "lukasz.nowak".to_owned())]);
        let rows = plan(&[], &records, &grantors);
        assert_eq!(rows.len(), 3);
        assert_eq!(
            (rows[0].no, rows[0].granted_by.as_str()),
            (1, "lukasz.nowak")
        );
        assert_eq!(rows[0].position.as_deref(), Some("nauczycielka"));
        assert_eq!(
            (rows[1].no, rows[1].corrects, rows[1].grant_no),
            (2, Some(1), 1)
        );
        assert_eq!(rows[1].revoked_by.as_deref(), Some("SCIM: hr"));
        assert_eq!(rows[1].revocation.as_deref(), Some("person.deactivated"));
        assert_eq!(
            (rows[2].no, rows[2].grant_no, rows[2].corrects),
            (3, 3, None)
        );
        assert!(rows[2].is_open());
        // Planning again from the appended rows adds nothing for the same records.
        assert!(plan(&rows, &records[..1], &grantors).is_empty());
    }

    #[test]
    fn failures_and_other_schools_events_without_a_grant_change_nothing() {
        let mut failed = rec(1, ACTIVATED, Actor::Person("x".into()));
        failed.record.outcome = Outcome::Failure("conflict".into());
        let revoke = rec(2, "person.deleted", Actor::ScimClient("hr".into()));
        assert!(plan(&[], &[failed, revoke], &BTreeMap::new()).is_empty());
    }
}
