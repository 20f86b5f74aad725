//! Fault injection (issue 14): the promises that must hold on an operator's bad day, each
//! checked after the fault the same way — every person exactly once in the directory, exactly
//! one successful `person.created` per person, no success record for a write that did not
//! happen. Small counts here (CI).

use crate::common;
pub(crate) use crate::faults_support::*;
use crate::scim_backpressure::{daemon, Daemon};
use serde_json::{json, Value};
use zszo_connector::domain::audit::{AuditQuery, Outcome};
use zszo_connector::ports::directory_parts::*;
use zszo_connector::ports::{AuditLog, PersonSearch, SchoolScope};
use zszo_connector::slapd;

#[path = "faults_lost_answers.rs"]
mod lost_answers;

/// Issue 14 findings 2 and 3: a Bulk with the directory down leaves one failure record per
/// operation (the externalId lookup failing included), and its 503 operations are not kept
/// under the Idempotency-Key: the resend runs again and creates each person exactly once.
#[tokio::test]
async fn a_bulk_during_an_outage_records_every_operation_and_is_not_kept_under_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let (mut spec, instance, service_pw, _) = common::private_slapd(dir.path().join("slapd"));
    let school = common::unique_school_code();
    let d = daemon(dir.path(), &instance, &service_pw, &school).await;
    let n = 6;
    let body = bulk_of_people(&school, "outage", n);

    spec.port = Some(instance.port());
    instance.stop().unwrap();
    let (status, replayed, answer) = post_bulk(&d, &body, "bulk-during-outage").await;
    assert_eq!(status, 200, "{answer}");
    assert!(!replayed);
    assert_eq!(statuses(&answer), vec!["503"; n], "{answer}");
    let records = crate::common::app::records_of_school(&d.audit, &school).await;
    let failures = records
        .iter()
        .filter(|r| {
            r.record.action == "person.created" && matches!(r.record.outcome, Outcome::Failure(_))
        })
        .count();
    assert_eq!(failures, n, "one failure record per failed operation");

    let _instance = slapd::start(&spec).unwrap();
    let (status, replayed, answer) = post_bulk(&d, &body, "bulk-during-outage").await;
    assert_eq!(status, 200, "{answer}");
    assert!(
        !replayed,
        "a Bulk answer with 503 operations was kept under the key"
    );
    assert_eq!(statuses(&answer), vec!["201"; n], "{answer}");
    assert_each_person_once_with_one_creation_record(&d, &school, "outage", n).await;
}

/// A small tmpfs (the tests run as root, like CI) that a test fills to make its stores fail.
pub(crate) struct SmallDisk {
    pub(crate) path: std::path::PathBuf,
}

impl SmallDisk {
    pub(crate) fn mount(parent: &std::path::Path, megabytes: u32) -> Self {
        let path = parent.join("small-disk");
        std::fs::create_dir_all(&path).unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o"])
            .arg(format!("size={megabytes}m"))
            .arg("tmpfs")
            .arg(&path)
            .status()
            .unwrap();
        assert!(status.success(), "mounting a tmpfs needs root");
        Self { path }
    }

    /// Fills the disk to the last byte.
    pub(crate) fn fill(&self) {
        use std::io::Write;
        let mut f = std::fs::File::create(self.path.join("filler")).unwrap();
        let block = vec![0u8; 64 * 1024];
        while f.write_all(&block).is_ok() {}
        let one = [0u8; 1];
        while f.write_all(&one).is_ok() {}
        let _ = f.sync_all();
    }

    pub(crate) fn free(&self) {
        std::fs::remove_file(self.path.join("filler")).unwrap();
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.path)
            .status();
    }
}

async fn readyz(d: &Daemon) -> (u16, Value) {
    let root = d.base.trim_end_matches("/scim/v2");
    let res = reqwest::get(format!("{root}/readyz")).await.unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

pub(crate) async fn post_user(d: &Daemon, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/Users", d.base))
        .bearer_auth(&d.token)
        .header("content-type", "application/scim+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

/// Appends records, big then ever smaller, until even a small one fails: the file system is
/// full and so are the free pages inside the store's file (how many of those there are
/// depends on the file's history, e.g. its format stamp).
async fn exhaust_audit(d: &Daemon) {
    use zszo_connector::domain::audit::{Actor, NewAuditRecord};
    for size in [200 * 1024, 20 * 1024, 2 * 1024, 200] {
        let filler = "x".repeat(size);
        let mut failed = false;
        for _ in 0..400 {
            let record = NewAuditRecord::new(
                Actor::System("test".into()),
                "test.filler",
                Outcome::Success,
            )
            .detail("filler", filler.clone());
            if d.audit.append(record).await.is_err() {
                failed = true;
                break;
            }
        }
        assert!(
            failed,
            "the audit store never failed on a full disk ({size} bytes)"
        );
    }
}

/// Issue 14 findings 4 and 5: with the audit store's disk full, no directory write starts
/// (503 + Retry-After, not 500), `/readyz` says so for the audit and the state store, and
/// once space is freed both stores recover by themselves (no restart).
#[tokio::test]
async fn a_full_disk_stops_writes_with_503_and_the_stores_recover_when_space_is_freed() {
    let dir = tempfile::tempdir().unwrap();
    let disk = SmallDisk::mount(dir.path(), 8);
    let (_, instance, service_pw, _) = common::private_slapd(dir.path().join("slapd"));
    let school = common::unique_school_code();
    let d = daemon(&disk.path, &instance, &service_pw, &school).await;
    assert_eq!(readyz(&d).await.0, 200);

    disk.fill();
    exhaust_audit(&d).await;
    let (status, ready) = readyz(&d).await;
    assert_eq!(status, 503, "{ready}");
    assert_eq!(ready["checks"]["audit"]["status"], "failing", "{ready}");
    assert_eq!(ready["checks"]["state"]["status"], "failing", "{ready}");

    for i in 0..3 {
        let user = crate::scim_support::okta_user(&school, "Pełny", &format!("Dysk{i}"));
        let res = post_user(&d, &user).await;
        assert_eq!(res.status().as_u16(), 503, "not 500: {i}");
        assert!(res.headers().contains_key("retry-after"));
    }
    let page = d
        .directory
        .search_people(&PersonSearch {
            filter: None,
            scope: SchoolScope::Only(vec![
                zszo_connector::domain::SchoolCode::parse(&school).unwrap()
            ]),
            sort: None,
            start_index: 1,
            count: 10,
        })
        .await
        .unwrap();
    assert_eq!(
        page.total, 0,
        "a directory write started while the audit store could not append"
    );

    disk.free();
    let (status, ready) = readyz(&d).await;
    assert_eq!(status, 200, "the stores did not recover: {ready}");
    let user = crate::scim_support::okta_user(&school, "Wolne", "Miejsce");
    let res = post_user(&d, &user).await;
    assert_eq!(res.status().as_u16(), 201);
    let created: Value = res.json().await.unwrap();
    let records = d
        .audit
        .query(AuditQuery {
            target_uuid: created["id"].as_str().map(str::to_owned),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(records.len(), 1, "the creation after recovery is recorded");
}

async fn creation_records(d: &Daemon, id: &str) -> Vec<Outcome> {
    outcomes(d, id, "person.created").await
}

pub(crate) async fn proxied_daemon(
    dir: &std::path::Path,
) -> (
    Daemon,
    crate::cutting_proxy::CuttingProxy,
    slapd::SlapdInstance,
    String,
) {
    let (_, instance, service_pw, _) = common::private_slapd(dir.join("slapd"));
    let proxy = crate::cutting_proxy::CuttingProxy::start(instance.port()).await;
    let school = common::unique_school_code();
    let url = format!("ldap://127.0.0.1:{}/", proxy.port);
    let d = crate::scim_backpressure::daemon_at(
        dir,
        &url,
        &instance.service_dn(),
        &service_pw,
        &school,
    )
    .await;
    (d, proxy, instance, school)
}

async fn post_user_keyed(d: &Daemon, body: &Value, key: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{}/Users", d.base))
        .bearer_auth(&d.token)
        .header("content-type", "application/scim+json")
        .header("idempotency-key", key)
        .body(body.to_string())
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

/// `n` creations at concurrency 8, each with its Idempotency-Key; slapd is SIGKILLed once a
/// fifth have been answered, then restarted on the same port. Every request that did not get
/// 201 is retried with its key until it does. Returns (answers before the retries by status,
/// retries needed).
async fn slapd_killed_mid_load(n: usize) -> (std::collections::BTreeMap<u16, usize>, usize) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let (mut spec, instance, service_pw, _) = common::private_slapd(dir.path().join("slapd"));
    spec.port = Some(instance.port());
    let school = common::unique_school_code();
    let d = Arc::new(daemon(dir.path(), &instance, &service_pw, &school).await);
    let users: Vec<Value> = (0..n)
        .map(|i| {
            let mut u = crate::scim_support::okta_user(&school, "Obciążenie", &format!("Nr{i}"));
            u["externalId"] = json!(format!("load-{i}"));
            u
        })
        .collect();
    let answered = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(tokio::sync::Semaphore::new(8));
    let mut tasks = Vec::new();
    for (i, user) in users.iter().cloned().enumerate() {
        let (d, answered, gate) = (d.clone(), answered.clone(), gate.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await.unwrap();
            let status = post_user_keyed(&d, &user, &format!("load-key-{i}")).await;
            answered.fetch_add(1, Ordering::SeqCst);
            status
        }));
    }
    while answered.load(Ordering::SeqCst) < n / 5 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let pid = instance.pid().expect("slapd runs") as i32;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    drop(instance);
    let _restarted = slapd::start(&spec).unwrap();
    let mut tally = std::collections::BTreeMap::new();
    for s in &statuses {
        *tally.entry(*s).or_insert(0) += 1;
    }
    let mut retries = 0;
    for (i, status) in statuses.iter().enumerate() {
        let mut status = *status;
        let mut tries = 0;
        while status != 201 {
            assert_ne!(
                status, 409,
                "load-{i}: a bare 409 for a creation that happened"
            );
            assert!(tries < 40, "load-{i} never succeeded (last {status})");
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            status = post_user_keyed(&d, &users[i], &format!("load-key-{i}")).await;
            tries += 1;
            retries += 1;
        }
    }
    let later = time::OffsetDateTime::now_utc() + time::Duration::seconds(1);
    d.state.provisioning().reconcile_intents(later).await;
    assert_each_person_once_with_one_creation_record(&d, &school, "load", n).await;
    (tally, retries)
}

/// Issue 14 finding 1 as found: slapd SIGKILLed under load, then restarted.
#[tokio::test(flavor = "multi_thread")]
async fn slapd_killed_under_load_leaves_each_person_once_with_one_creation_record() {
    let (tally, retries) = slapd_killed_mid_load(40).await;
    eprintln!("slapd SIGKILL under load, 40 creations: first answers {tally:?}, {retries} retries");
}

/// The larger run (figures in BENCHMARKS.md): `cargo test --test integration -- --ignored
/// faults::slapd_killed_under_a_larger_load`.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "larger fault run; figures in BENCHMARKS.md"]
async fn slapd_killed_under_a_larger_load_leaves_each_person_once() {
    let (tally, retries) = slapd_killed_mid_load(300).await;
    eprintln!(
        "slapd SIGKILL under load, 300 creations: first answers {tally:?}, {retries} retries"
    );
}
