//! The redb audit store end to end: appends and queries through the `AuditLog` port,
//! durability across reopen, group commit under concurrency, tamper detection by `verify`
//! on the raw redb file, and exports.

use std::path::PathBuf;
use std::sync::Arc;

use redb::{ReadableTable as _, TableDefinition};
use time::macros::datetime;
use time::Duration;
use zszo_connector::audit::{
    cli, export_csv, export_jsonl, verify, AuditFilter, ChainHead, ExportFormat, HmacKey,
    RedbAuditLog, VerifyFailure,
};
use zszo_connector::clock::ManualClock;
use zszo_connector::domain::audit::{Actor, AuditQuery, AuditRecord, NewAuditRecord, Outcome};
use zszo_connector::ports::{AuditError, AuditLog};

#[path = "audit_store_index.rs"]
mod index;

/// The store's record table, as named in `src/audit/tables.rs` (part of the file format).
const RECORDS: TableDefinition<u64, &[u8]> = TableDefinition::new("audit_records");
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("audit_meta");

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
    key: HmacKey,
    clock: Arc<ManualClock>,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/audit.redb");
        let key = HmacKey::generate_to(dir.path().join("keys/audit.key")).unwrap();
        let clock = Arc::new(ManualClock::new(datetime!(2024-09-01 08:00 UTC)));
        Self {
            _dir: dir,
            path,
            key,
            clock,
        }
    }

    fn open(&self) -> RedbAuditLog {
        RedbAuditLog::open(&self.path, self.key.clone(), self.clock.clone()).unwrap()
    }

    /// Appends `n` records through a fresh store and closes it.
    async fn filled(n: u64) -> Self {
        let f = Self::new();
        let log = f.open();
        for i in 1..=n {
            log.append(record(&format!("action.{i}"), "u-1", "SP1"))
                .await
                .unwrap();
        }
        log.shutdown();
        f
    }

    fn raw(&self) -> redb::Database {
        redb::Database::open(&self.path).unwrap()
    }
}

fn record(action: &str, uuid: &str, school: &str) -> NewAuditRecord {
    NewAuditRecord {
        school: Some(school.to_owned()),
        ..NewAuditRecord::new(Actor::ScimClient("hr".into()), action, Outcome::Success)
            .target(format!("uid={uuid},ou=pracownicy"), Some(uuid.to_owned()))
            .request_id(Some(format!("req-{action}")))
            .detail("attributes", "cn,mail")
    }
}

fn seqs(records: &[AuditRecord]) -> Vec<u64> {
    records.iter().map(|r| r.seq).collect()
}

#[tokio::test]
async fn audit_records_are_queried_by_target_school_and_time_newest_first() {
    let f = Fixture::new();
    let log = f.open();
    let plan = [
        ("u-1", "SP1"),
        ("u-2", "SP1"),
        ("u-1", "SP2"),
        ("u-3", "SP2"),
    ];
    for (i, (uuid, school)) in plan.iter().enumerate() {
        let seq = log
            .append(record("person.updated", uuid, school))
            .await
            .unwrap();
        assert_eq!(seq, i as u64 + 1);
        f.clock.advance(Duration::minutes(10));
    }

    let by_target = AuditQuery {
        target_uuid: Some("u-1".into()),
        ..Default::default()
    };
    assert_eq!(seqs(&log.query(by_target).await.unwrap()), [3, 1]);

    let by_school = AuditQuery {
        school: Some("SP2".into()),
        ..Default::default()
    };
    assert_eq!(seqs(&log.query(by_school).await.unwrap()), [4, 3]);

    // Records are at 08:00, 08:10, 08:20, 08:30; since inclusive, until exclusive.
    let by_time = AuditQuery {
        since: Some(datetime!(2024-09-01 08:10 UTC)),
        until: Some(datetime!(2024-09-01 08:30 UTC)),
        ..Default::default()
    };
    assert_eq!(seqs(&log.query(by_time).await.unwrap()), [3, 2]);

    let combined = AuditQuery {
        school: Some("SP1".into()),
        since: Some(datetime!(2024-09-01 08:05 UTC)),
        ..Default::default()
    };
    assert_eq!(seqs(&log.query(combined).await.unwrap()), [2]);

    let limited = AuditQuery {
        limit: Some(2),
        ..Default::default()
    };
    let newest = log.query(limited).await.unwrap();
    assert_eq!(seqs(&newest), [4, 3]);
    assert_eq!(newest[0].time, datetime!(2024-09-01 08:30 UTC));
    assert_eq!(newest[0].record, record("person.updated", "u-3", "SP2"));

    let none = AuditQuery {
        target_uuid: Some("nobody".into()),
        ..Default::default()
    };
    assert!(log.query(none).await.unwrap().is_empty());
}

#[tokio::test]
async fn audit_records_survive_closing_and_reopening_and_the_chain_continues() {
    let f = Fixture::filled(3).await;
    let log = f.open();
    assert_eq!(log.query(AuditQuery::default()).await.unwrap().len(), 3);
    assert_eq!(log.append(record("after", "u-9", "SP9")).await.unwrap(), 4);
    log.check_writable().await.unwrap();
    drop(log);

    let report = verify(&f.path, &f.key, None).unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.verified, 4);
    assert_eq!(report.head.unwrap().seq, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn audit_concurrent_appends_get_contiguous_seqs_and_verify() {
    let f = Fixture::new();
    let log = Arc::new(f.open());
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let log = Arc::clone(&log);
            tokio::spawn(async move {
                log.append(record(&format!("bulk.{i}"), &format!("u-{i}"), "SP1"))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut got = Vec::new();
    for task in tasks {
        got.push(task.await.unwrap());
    }
    got.sort_unstable();
    assert_eq!(got, (1..=200).collect::<Vec<u64>>());
    Arc::into_inner(log).unwrap().shutdown();

    let report = verify(&f.path, &f.key, None).unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.verified, 200);
}

#[tokio::test]
async fn audit_verify_names_an_edited_record() {
    let f = Fixture::filled(5).await;
    {
        let db = f.raw();
        let txn = db.begin_write().unwrap();
        {
            let mut records = txn.open_table(RECORDS).unwrap();
            let bytes = records.get(3).unwrap().unwrap().value().to_vec();
            let text = String::from_utf8(bytes).unwrap();
            let edited = text.replace("action.3", "action.X");
            assert_ne!(text, edited);
            records.insert(3, edited.as_bytes()).unwrap();
        }
        txn.commit().unwrap();
    }
    let report = verify(&f.path, &f.key, None).unwrap();
    assert_eq!(report.failure, Some(VerifyFailure::Edited { seq: 3 }));
    assert_eq!(report.verified, 2);
    let mut out = Vec::new();
    assert!(!cli::verify(&f.path, &f.key, None, &mut out).unwrap());
    let verdict = String::from_utf8(out).unwrap();
    assert!(
        verdict.contains("FAILED") && verdict.contains("record 3 was edited"),
        "{verdict}"
    );

    // `open` checks only the tail (cheap); an edit in the middle is for `verify` to find.
    assert!(RedbAuditLog::open(&f.path, f.key.clone(), f.clock.clone()).is_ok());
}

#[tokio::test]
async fn audit_verify_names_a_deleted_record() {
    let f = Fixture::filled(5).await;
    {
        let db = f.raw();
        let txn = db.begin_write().unwrap();
        txn.open_table(RECORDS).unwrap().remove(2).unwrap();
        txn.commit().unwrap();
    }
    let report = verify(&f.path, &f.key, None).unwrap();
    assert_eq!(
        report.failure,
        Some(VerifyFailure::Missing {
            seq: 2,
            next_present: 3
        })
    );
    assert!(
        report.to_string().contains("record 2 is missing"),
        "{report}"
    );
}

#[tokio::test]
async fn audit_verify_detects_a_truncated_tail_by_stored_head_and_by_anchor() {
    let f = Fixture::filled(5).await;
    let anchor = verify(&f.path, &f.key, None).unwrap().head.unwrap();
    assert_eq!(anchor.seq, 5);
    let four = {
        let db = f.raw();
        let txn = db.begin_write().unwrap();
        txn.open_table(RECORDS).unwrap().remove(5).unwrap();
        txn.commit().unwrap();
        drop(db);
        let report = verify(&f.path, &f.key, None).unwrap();
        assert!(
            matches!(
                report.failure,
                Some(VerifyFailure::TailMissing { last_seq: 4, .. })
            ),
            "{report}"
        );
        report.head.unwrap()
    };
    // A careful attacker also rewinds the stored head: only the anchor catches that.
    {
        let db = f.raw();
        let txn = db.begin_write().unwrap();
        {
            let mut meta = txn.open_table(META).unwrap();
            let mut head = four.seq.to_be_bytes().to_vec();
            head.extend_from_slice(&four.mac);
            meta.insert("head", head.as_slice()).unwrap();
        }
        txn.commit().unwrap();
    }
    assert!(verify(&f.path, &f.key, None).unwrap().is_ok());
    let report = verify(&f.path, &f.key, Some(anchor)).unwrap();
    assert_eq!(
        report.failure,
        Some(VerifyFailure::TailMissing {
            expected: anchor,
            last_seq: 4
        })
    );
    // An older anchor still in the chain passes.
    assert!(verify(&f.path, &f.key, Some(four)).unwrap().is_ok());
    let forged: ChainHead = format!("4:{}", "00".repeat(32)).parse().unwrap();
    assert!(matches!(
        verify(&f.path, &f.key, Some(forged)).unwrap().failure,
        Some(VerifyFailure::AnchorMismatch { .. })
    ));
}

#[tokio::test]
async fn audit_verify_with_the_wrong_key_fails_and_the_store_refuses_to_open() {
    let f = Fixture::filled(2).await;
    let wrong = HmacKey::from_bytes(vec![9; 32]);
    let report = verify(&f.path, &wrong, None).unwrap();
    assert_eq!(report.failure, Some(VerifyFailure::Edited { seq: 1 }));
    assert!(report.to_string().contains("key is wrong"), "{report}");
    let refused = RedbAuditLog::open(&f.path, wrong, f.clock.clone());
    assert!(
        matches!(refused, Err(AuditError::Corrupt(_))),
        "{refused:?}"
    );
}

#[tokio::test]
async fn audit_verify_of_a_store_held_by_the_daemon_says_it_is_in_use() {
    let f = Fixture::filled(1).await;
    let log = f.open();
    let err = verify(&f.path, &f.key, None).unwrap_err();
    assert!(err.to_string().contains("in use"), "{err}");
    drop(log);
    let missing = verify(f.path.with_file_name("nope.redb"), &f.key, None).unwrap_err();
    assert!(missing.to_string().contains("no audit store"), "{missing}");
}

#[tokio::test]
async fn audit_jsonl_export_round_trips() {
    let f = Fixture::filled(3).await;
    let mut out = Vec::new();
    let query = AuditFilter::default().to_query().unwrap();
    cli::export(&f.path, &query, ExportFormat::Jsonl, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let parsed: Vec<AuditRecord> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(seqs(&parsed), [1, 2, 3], "exports are oldest first");

    let log = f.open();
    let mut stored = log.query(AuditQuery::default()).await.unwrap();
    stored.reverse();
    assert_eq!(parsed, stored);
    let mut direct = Vec::new();
    export_jsonl(&stored, &mut direct).unwrap();
    assert_eq!(String::from_utf8(direct).unwrap(), text);
}

#[tokio::test]
async fn audit_csv_export_neutralises_formula_injection() {
    let f = Fixture::new();
    let log = f.open();
    let evil = NewAuditRecord::new(
        Actor::Person("=cmd|' /C calc'!A0".into()),
        "person.created",
        Outcome::Failure("@SUM(1+1)".into()),
    )
    .target("uid=x", Some("u-1".into()))
    .detail("note", "=cmd|' /C calc'!A0")
    .detail("line", "a\nb");
    log.append(evil).await.unwrap();
    let records = log.query(AuditQuery::default()).await.unwrap();
    let mut out = Vec::new();
    export_csv(&records, &mut out).unwrap();

    let mut reader = csv::Reader::from_reader(out.as_slice());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(&row[3], "'=cmd|' /C calc'!A0");
    assert_eq!(&row[9], "'@SUM(1+1)");
    assert!(row[11].starts_with('{') && row[11].contains("=cmd|"));
    for cell in row.iter() {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "unsafe cell {cell:?}"
        );
    }
}

#[tokio::test]
async fn audit_list_prints_a_table_newest_first() {
    let f = Fixture::filled(3).await;
    let mut out = Vec::new();
    let query = AuditFilter {
        limit: Some(2),
        ..Default::default()
    }
    .to_query()
    .unwrap();
    cli::list(&f.path, &query, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines[1].contains("action.3") && lines[2].contains("action.2"),
        "{text}"
    );
    assert!(lines[3].contains("2 record(s)"));
}

#[tokio::test]
async fn audit_details_that_look_secret_are_redacted() {
    let f = Fixture::new();
    let log = f.open();
    let seq = log
        .append(
            NewAuditRecord::new(Actor::System("t".into()), "x", Outcome::Success)
                .detail("initial_password", "Sekret!123"),
        )
        .await
        .unwrap();
    let stored = log.query(AuditQuery::default()).await.unwrap();
    assert_eq!(stored[0].seq, seq);
    assert_eq!(stored[0].record.details["initial_password"], "[redacted]");
    drop(log);
    let bytes = std::fs::read(&f.path).unwrap();
    assert!(!contains(&bytes, b"Sekret!123"));
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
