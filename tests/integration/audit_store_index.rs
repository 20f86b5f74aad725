//! The index entries written in batches (`src/audit/index.rs`): queries find the newest
//! records before their index entries are written, a reopened store rebuilds what waited, a
//! store written before the batches is read as fully indexed, and a prune indexes what waits
//! before it removes anything.

use super::*;
use redb::MultimapTableDefinition;

const BY_TARGET: MultimapTableDefinition<&str, u64> =
    MultimapTableDefinition::new("audit_by_target");
/// `index::FLUSH_AT`: how many records may wait for their index entries.
const FLUSH_AT: u64 = 64;

/// What the raw file says: the `u-1` entries of the target index and `indexed_through`.
fn raw_index(f: &Fixture) -> (usize, Option<u64>) {
    let db = f.raw();
    let txn = db.begin_read().unwrap();
    let by_target = txn.open_multimap_table(BY_TARGET).unwrap();
    let entries = by_target.get("u-1").unwrap().count();
    let meta = txn.open_table(META).unwrap();
    let through = meta
        .get("indexed_through")
        .unwrap()
        .map(|v| u64::from_be_bytes(v.value().try_into().unwrap()));
    (entries, through)
}

/// Appends records `a.<i>` about `u-1` in `SP1` for each `i`, the clock moved on by `apart`
/// after each.
async fn append_about_u1(
    f: &Fixture,
    log: &RedbAuditLog,
    numbers: std::ops::RangeInclusive<u64>,
    apart: Duration,
) {
    for i in numbers {
        log.append(record(&format!("a.{i}"), "u-1", "SP1"))
            .await
            .unwrap();
        f.clock.advance(apart);
    }
}

fn by_target(uuid: &str) -> AuditQuery {
    AuditQuery {
        target_uuid: Some(uuid.into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn audit_index_entries_wait_for_a_batch_and_queries_find_the_records_meanwhile() {
    let f = Fixture::new();
    let log = f.open();
    append_about_u1(&f, &log, 1..=3, Duration::minutes(1)).await;
    assert_eq!(seqs(&log.query(by_target("u-1")).await.unwrap()), [3, 2, 1]);
    let by_school = AuditQuery {
        school: Some("SP1".into()),
        limit: Some(2),
        ..Default::default()
    };
    assert_eq!(seqs(&log.query(by_school).await.unwrap()), [3, 2]);
    let by_time = AuditQuery {
        since: Some(datetime!(2024-09-01 08:01 UTC)),
        ..Default::default()
    };
    assert_eq!(seqs(&log.query(by_time).await.unwrap()), [3, 2]);
    log.shutdown();
    drop(log);
    // Committed, not indexed yet: the records are the truth, the index entries wait.
    assert_eq!(raw_index(&f), (0, Some(0)));

    // Reopened, the store knows what waits, and the batch that fills up writes it all.
    let log = f.open();
    assert_eq!(seqs(&log.query(by_target("u-1")).await.unwrap()), [3, 2, 1]);
    append_about_u1(&f, &log, 4..=FLUSH_AT, Duration::ZERO).await;
    let all = log.query(by_target("u-1")).await.unwrap();
    assert_eq!(all.len() as u64, FLUSH_AT);
    log.shutdown();
    drop(log);
    assert_eq!(raw_index(&f), (FLUSH_AT as usize, Some(FLUSH_AT)));
}

#[tokio::test]
async fn audit_a_store_from_before_the_batches_is_read_as_fully_indexed() {
    let f = Fixture::filled(FLUSH_AT).await;
    // As an older version left it: every record indexed, no watermark.
    {
        let db = f.raw();
        let txn = db.begin_write().unwrap();
        txn.open_table(META)
            .unwrap()
            .remove("indexed_through")
            .unwrap();
        txn.commit().unwrap();
    }
    let log = f.open();
    let found = log.query(by_target("u-1")).await.unwrap();
    assert_eq!(found.len() as u64, FLUSH_AT);
    log.shutdown();
    drop(log);
    assert_eq!(raw_index(&f), (FLUSH_AT as usize, Some(FLUSH_AT)));
}

#[tokio::test]
async fn audit_a_prune_indexes_what_waits_before_it_removes_records() {
    let f = Fixture::new();
    let log = f.open();
    append_about_u1(&f, &log, 1..=3, Duration::ZERO).await;
    f.clock.advance(Duration::days(1));
    log.append(record("a.4", "u-2", "SP1")).await.unwrap();
    let report = log
        .prune_before(datetime!(2024-09-01 12:00 UTC), 100)
        .await
        .unwrap();
    assert_eq!(report.removed, 3);
    // No index entry names a removed record (a query would call that corruption), and what
    // stays is found.
    assert!(log.query(by_target("u-1")).await.unwrap().is_empty());
    assert_eq!(seqs(&log.query(by_target("u-2")).await.unwrap()), [4]);
    let school = AuditQuery {
        school: Some("SP1".into()),
        ..Default::default()
    };
    assert_eq!(seqs(&log.query(school).await.unwrap()), [4]);
    log.shutdown();
    drop(log);
    assert_eq!(raw_index(&f), (0, Some(5)));
    let log = f.open();
    log.append(record("a.6", "u-1", "SP1")).await.unwrap();
    assert_eq!(seqs(&log.query(by_target("u-1")).await.unwrap()), [6]);
}

/// The readiness check's 8 KiB probe lives in a table of its own (in `audit_meta` it sat in
/// the leaf every record's new head rewrites); a store that still has it there loses it on
/// open, and the check still writes a record-sized value.
#[tokio::test]
async fn audit_the_readiness_probe_leaves_the_meta_table() {
    let f = Fixture::filled(2).await;
    {
        let db = f.raw();
        let txn = db.begin_write().unwrap();
        txn.open_table(META)
            .unwrap()
            .insert("probe", [0u8; 8192].as_slice())
            .unwrap();
        txn.commit().unwrap();
    }
    let log = f.open();
    log.check_writable().await.unwrap();
    log.shutdown();
    drop(log);
    let db = f.raw();
    let txn = db.begin_read().unwrap();
    assert!(txn
        .open_table(META)
        .unwrap()
        .get("probe")
        .unwrap()
        .is_none());
    let probe: TableDefinition<&str, &[u8]> = TableDefinition::new("audit_probe");
    let stored = txn.open_table(probe).unwrap();
    assert_eq!(stored.get("probe").unwrap().unwrap().value().len(), 8192);
}
