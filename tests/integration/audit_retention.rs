//! Audit retention (AUD-06): records past the period go, `audit verify` still passes from the
//! signed checkpoint, the store reopens, a forged checkpoint is caught, and the F-03
//! register keeps the authorizations whose audit records were pruned.

use std::sync::Arc;
use time::macros::datetime;
use time::Duration;
use zszo_connector::audit::{verify, HmacKey, RedbAuditLog, VerifyFailure};
use zszo_connector::clock::{Clock as _, ManualClock};
use zszo_connector::domain::audit::{Actor, AuditQuery, NewAuditRecord, Outcome};
use zszo_connector::domain::SchoolCode;
use zszo_connector::forms::Forms;
use zszo_connector::ports::AuditLog;
use zszo_connector::store::StateStore;

const TWO_YEARS: Duration = Duration::days(730);

fn record(action: &str, n: usize) -> NewAuditRecord {
    NewAuditRecord::new(Actor::System("test".into()), action, Outcome::Success)
        .school(&SchoolCode::parse("261399").unwrap())
        .target(format!("uid=p{n},ou=pracownicy"), Some(format!("u-{n}")))
        .detail("login", format!("p{n}"))
        .detail("display_name", format!("Osoba Żółta {n}"))
}

#[tokio::test]
async fn pruning_removes_only_expired_records_and_verify_still_passes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.redb");
    let key = HmacKey::generate_to(dir.path().join("key")).unwrap();
    let clock = Arc::new(ManualClock::new(datetime!(2023-01-10 09:00 UTC)));
    let state = StateStore::open(&dir.path().join("state.redb")).unwrap();
    let log: Arc<RedbAuditLog> =
        Arc::new(RedbAuditLog::open(&path, key.clone(), clock.clone()).unwrap());
    let school = SchoolCode::parse("261399").unwrap();

    // Old: an activation and other records; two years and more later: three more.
    log.append(record("account.activated", 1)).await.unwrap();
    for n in 2..=5 {
        log.append(record("person.updated", n)).await.unwrap();
    }
    let forms = Forms::new(log.clone(), state.clone(), clock.clone());
    assert_eq!(forms.register(&school).await.unwrap().len(), 1);
    clock.advance(Duration::days(800));
    for n in 6..=8 {
        log.append(record("person.updated", n)).await.unwrap();
    }

    let before = clock.now() - TWO_YEARS;
    let report = log.prune_before(before, 10_000).await.unwrap();
    assert_eq!(report.removed, 5);
    assert_eq!(report.checkpoint_seq, Some(5));
    assert_eq!(report.record_seq, Some(9));
    // A second run finds nothing and writes nothing.
    let again = log.prune_before(before, 10_000).await.unwrap();
    assert_eq!((again.removed, again.record_seq), (0, None));

    let left = log.query(AuditQuery::default()).await.unwrap();
    let seqs: Vec<u64> = left.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, [9, 8, 7, 6]);
    assert_eq!(left[0].record.action, "audit.pruned");
    assert_eq!(left[0].record.details["removed"], "5");
    // The indexes lost the removed records too.
    let by_target = log
        .query(AuditQuery {
            target_uuid: Some("u-1".into()),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert!(by_target.is_empty());
    // The register keeps the authorization whose records are gone.
    let rows = forms.register(&school).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].name, "Osoba Żółta 1");

    // Prune everything (the newest record's predecessor is then the checkpoint) and reopen.
    clock.advance(Duration::days(800));
    let all = log
        .prune_before(clock.now() - TWO_YEARS, 10_000)
        .await
        .unwrap();
    assert_eq!(all.removed, 4);
    log.shutdown();
    drop(forms);
    drop(log);
    let report = verify(&path, &key, None).unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.checkpoint.map(|c| c.seq), Some(9));
    assert_eq!(report.verified, 1);
    assert!(
        report.to_string().contains("removed by retention"),
        "{report}"
    );
    let reopened = RedbAuditLog::open(&path, key.clone(), clock.clone()).unwrap();
    let seq = reopened.append(record("person.updated", 11)).await.unwrap();
    assert_eq!(seq, 11);
    reopened.shutdown();
    drop(reopened);
    let report = verify(&path, &key, None).unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.head.map(|h| h.seq), Some(11));
    // Another key cannot have made the checkpoint.
    let other = HmacKey::generate_to(dir.path().join("other-key")).unwrap();
    let report = verify(&path, &other, None).unwrap();
    assert_eq!(report.failure, Some(VerifyFailure::CheckpointInvalid));
}

#[tokio::test]
async fn records_cut_by_hand_without_a_checkpoint_are_reported_missing() {
    use redb::{ReadableTableMetadata as _, TableDefinition};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.redb");
    let key = HmacKey::generate_to(dir.path().join("key")).unwrap();
    let clock = Arc::new(ManualClock::new(datetime!(2023-01-10 09:00 UTC)));
    let log = RedbAuditLog::open(&path, key.clone(), clock.clone()).unwrap();
    for n in 1..=4 {
        log.append(record("person.updated", n)).await.unwrap();
    }
    log.shutdown();
    drop(log);
    // Someone without the key deletes the two oldest records.
    let db = redb::Database::open(&path).unwrap();
    let txn = db.begin_write().unwrap();
    {
        let table: TableDefinition<u64, &[u8]> = TableDefinition::new("audit_records");
        let mut t = txn.open_table(table).unwrap();
        t.remove(1).unwrap();
        t.remove(2).unwrap();
        assert_eq!(t.len().unwrap(), 2);
    }
    txn.commit().unwrap();
    drop(db);
    let report = verify(&path, &key, None).unwrap();
    assert_eq!(
        report.failure,
        Some(VerifyFailure::Missing {
            seq: 1,
            next_present: 3
        })
    );
}
