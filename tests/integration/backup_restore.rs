//! Online backup while the daemon serves SCIM creates, restore into a fresh daemon's files:
//! the copy verifies, holds a prefix of the live audit chain (every `person.created` in it names
//! a person that exists), and a restore refuses to run under a live daemon.

use crate::common;
use crate::scim_support::{okta_user, ScimApp};
use std::sync::Arc;
use zszo_connector::audit::{HmacKey, RedbAuditLog};
use zszo_connector::backup::{self, BackupError};
use zszo_connector::clock::SystemClock;
use zszo_connector::config::Config;
use zszo_connector::domain::audit::{AuditQuery, Outcome};
use zszo_connector::ports::AuditLog;

fn config_in(dir: &std::path::Path) -> Config {
    Config::from_toml_str(&common::shared_config_toml(dir, "http://127.0.0.1", "")).unwrap()
}

#[tokio::test]
async fn a_backup_taken_under_load_restores_into_a_fresh_daemon_and_verifies() {
    let app = ScimApp::start().await;
    let live_config = config_in(app.dir());
    let target = tempfile::tempdir().unwrap();
    let backup_dir = target.path().join("backup-1");

    // 24 creates, four at a time, with the backup taken while they run.
    let load = async {
        let mut ids = Vec::new();
        for round in 0..6 {
            let create = |i: u32| {
                app.create_user(
                    &app.token_a,
                    okta_user(&app.school_a, "Kopia", &format!("Zapasowa{round}x{i}")),
                )
            };
            let (a, b, c, d) = tokio::join!(create(0), create(1), create(2), create(3));
            ids.extend([a, b, c, d]);
        }
        ids
    };
    let take = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        backup::take_through_daemon(
            &live_config,
            &backup_dir,
            Some("test".into()),
            "2026-12-04T19:00:00Z".into(),
        )
        .await
    };
    let (ids, manifest) = tokio::join!(load, take);
    let manifest = manifest.unwrap();
    assert_eq!(ids.len(), 24);
    assert!(manifest.audit_records > 0);
    assert!(backup_dir.join("backup.json").is_file());

    // The backup is recorded in the live store.
    let live = app.audit.query(AuditQuery::default()).await.unwrap();
    assert!(live
        .iter()
        .any(|r| r.record.action == "store.backup" && r.record.outcome == Outcome::Success));

    // A second backup into the same folder is refused, nothing overwritten.
    let again = backup::take_through_daemon(&live_config, &backup_dir, None, "x".into()).await;
    assert!(
        matches!(&again, Err(BackupError::Store(m)) if m.contains("not empty")),
        "{again:?}"
    );

    // A restore while the daemon runs is refused.
    let refused = backup::restore(&live_config, &backup_dir, 1).await;
    assert!(
        matches!(refused, Err(BackupError::DaemonRunning(_))),
        "{refused:?}"
    );

    // Restore into a fresh daemon's files (the audit key lives outside backups: copied).
    let fresh = tempfile::tempdir().unwrap();
    std::fs::copy(app.dir().join("key"), fresh.path().join("key")).unwrap();
    let fresh_config = config_in(fresh.path());
    let restored = backup::restore(&fresh_config, &backup_dir, 1)
        .await
        .unwrap();
    assert_eq!(restored.audit_records, manifest.audit_records);
    assert!(restored.kept.is_empty());

    let key = HmacKey::load(fresh.path().join("key")).unwrap();
    let report =
        zszo_connector::audit::verify(fresh.path().join("audit.redb"), &key, None).unwrap();
    assert!(report.is_ok(), "{:?}", report.failure);
    assert_eq!(report.verified, manifest.audit_records);
    assert_eq!(report.head.map(|h| h.to_string()), manifest.audit_head);

    // The restored store opens as a daemon would, and continues the same chain: every record
    // of the copy is the live store's record with the same seq and MAC (a prefix).
    let restored_audit =
        RedbAuditLog::open(fresh.path().join("audit.redb"), key, Arc::new(SystemClock)).unwrap();
    let copy = restored_audit.query(AuditQuery::default()).await.unwrap();
    assert_eq!(copy.len() as u64, manifest.audit_records);
    for record in &copy {
        let twin = live.iter().find(|r| r.seq == record.seq).unwrap();
        assert_eq!(twin.mac, record.mac, "record {}", record.seq);
        if record.record.action == "person.created" {
            let uuid = record
                .record
                .target
                .as_ref()
                .unwrap()
                .entry_uuid
                .clone()
                .unwrap();
            assert!(app.person_dn(&uuid).await.is_some(), "{uuid}");
        }
    }
    zszo_connector::store::StateStore::open(&fresh.path().join("state.redb")).unwrap();

    // Restoring again over the restored files keeps them aside.
    drop(restored_audit);
    let second = backup::restore(&fresh_config, &backup_dir, 2)
        .await
        .unwrap();
    assert_eq!(second.kept.len(), 2);
    assert!(second.kept.iter().all(|p| p.exists()));
}

/// AUD-04: a store whose tail was cut (here: an older copy put back) still verifies on its
/// own; the anchor file the daemon wrote shows the cut.
#[tokio::test]
async fn an_anchor_file_shows_a_cut_off_tail_that_the_chain_alone_cannot() {
    use zszo_connector::domain::audit::{Actor, NewAuditRecord};
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("zszo.toml");
    std::fs::write(
        &config_path,
        common::shared_config_toml(dir.path(), "http://127.0.0.1", ""),
    )
    .unwrap();
    let key = HmacKey::generate_to(dir.path().join("key")).unwrap();
    let audit =
        RedbAuditLog::open(dir.path().join("audit.redb"), key, Arc::new(SystemClock)).unwrap();
    let record = || {
        NewAuditRecord::new(
            Actor::System("test".into()),
            "person.created",
            Outcome::Success,
        )
    };
    for _ in 0..3 {
        audit.append(record()).await.unwrap();
    }
    let old_copy = dir.path().join("old-copy.redb");
    audit.copy_to(old_copy.clone()).await.unwrap();
    for _ in 0..2 {
        audit.append(record()).await.unwrap();
    }
    let anchors = dir.path().join("anchors.log");
    let now = time::OffsetDateTime::now_utc();
    let head = zszo_connector::audit::anchor::write_anchor(&audit, Some(&anchors), now)
        .await
        .unwrap();
    assert!(
        head.as_deref().is_some_and(|h| h.starts_with("5:")),
        "{head:?}"
    );
    audit.shutdown();
    drop(audit);

    let verify = |store: &std::path::Path, with_anchors: bool| {
        let mut cmd = std::process::Command::new(crate::common::daemon::BIN);
        cmd.args(["audit", "verify", "--config"])
            .arg(&config_path)
            .arg("--store")
            .arg(store);
        if with_anchors {
            cmd.arg("--anchors").arg(&anchors);
        }
        cmd.output().unwrap()
    };
    // The whole store and the anchor agree.
    assert!(verify(&dir.path().join("audit.redb"), true)
        .status
        .success());
    // The cut store verifies on its own (that is the gap)…
    assert!(verify(&old_copy, false).status.success());
    // …and fails against the anchor.
    let out = verify(&old_copy, true);
    assert!(
        !out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// A measurement for BENCHMARKS.md and the runbook, not a check: how long an online backup,
/// its verification and a restore take for an audit store of 100,000 records.
/// `cargo test --release --test integration backup_restore::backup_timing -- --ignored --nocapture`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement for BENCHMARKS.md, not a check"]
async fn backup_timing() {
    use zszo_connector::domain::audit::{Actor, NewAuditRecord};
    let dir = tempfile::tempdir().unwrap();
    let key = HmacKey::generate_to(dir.path().join("key")).unwrap();
    let audit = Arc::new(
        RedbAuditLog::open(dir.path().join("audit.redb"), key, Arc::new(SystemClock)).unwrap(),
    );
    let records = 100_000;
    let start = std::time::Instant::now();
    let mut tasks = Vec::new();
    for w in 0..64 {
        let audit = audit.clone();
        tasks.push(tokio::spawn(async move {
            for i in (w..records).step_by(64) {
                let r = NewAuditRecord::new(
                    Actor::ScimClient("bench".into()),
                    "person.created",
                    Outcome::Success,
                )
                .target(format!("uid=p{i},ou=pracownicy,ou=SP1"), None)
                .detail("attributes", "name,emails,active");
                audit.append(r).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    eprintln!("{records} records appended in {:.1?}", start.elapsed());
    let state = zszo_connector::store::StateStore::open(&dir.path().join("state.redb")).unwrap();
    let config = config_in(dir.path());
    let to = dir.path().join("backup");
    let t = std::time::Instant::now();
    let copied = backup::take_online(audit.as_ref(), &state, Actor::System("bench".into()), &to)
        .await
        .unwrap();
    let copy = t.elapsed();
    let t = std::time::Instant::now();
    let key = HmacKey::load(dir.path().join("key")).unwrap();
    let (verified, _) = backup::check_backup(&to, &key, copied.audit_head.as_deref()).unwrap();
    let check = t.elapsed();
    let size = std::fs::metadata(to.join("audit.redb")).unwrap().len();
    audit.shutdown();
    drop((audit, state));
    let fresh = tempfile::tempdir().unwrap();
    std::fs::copy(dir.path().join("key"), fresh.path().join("key")).unwrap();
    let mut fresh_config = config_in(fresh.path());
    fresh_config.server.operator_socket = fresh.path().join("none.sock");
    let t = std::time::Instant::now();
    backup::restore(&fresh_config, &to, 1).await.unwrap();
    let restore = t.elapsed();
    let _ = config;
    eprintln!(
        "backup of {verified} records ({:.1} MiB): copy {copy:.1?}, verify {check:.1?}, \
         restore (verify + copy) {restore:.1?}",
        size as f64 / 1048576.0
    );
}
