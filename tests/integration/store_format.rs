//! The redb files know their format version: a file written by the previous release opens,
//! every record is still there, and a file from a newer release is refused with a clear
//! message. The fixtures in `tests/fixtures/store-format/` were written by the generator at
//! the end of this file (run with `--ignored`) at the release whose format they carry.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use time::macros::datetime;
use zszo_connector::audit::{HmacKey, RedbAuditLog};
use zszo_connector::clock::ManualClock;
use zszo_connector::domain::audit::{Actor, NewAuditRecord, Outcome};
use zszo_connector::domain::LoginName;
use zszo_connector::ports::state::{RetiredLogins as _, TodoAcknowledgements};
use zszo_connector::ports::AuditLog;
use zszo_connector::store::format::{self, CURRENT_VERSION};
use zszo_connector::store::retired_logins::RetiredLogins;
use zszo_connector::store::sessions::{SessionLimits, SessionRecord};
use zszo_connector::store::todos::Acknowledgement;
use zszo_connector::store::StateStore;

const FIXTURE_KEY: [u8; 32] = [7; 32];
const AUDIT_RECORDS: u64 = 5;

fn fixtures(version: u32) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/store-format")
        .join(format!("v{version}"))
}

fn session() -> SessionRecord {
    SessionRecord {
        person_id: "5f0c3a2e-0000-4000-8000-000000000001".into(),
        login: "anna.kowalska".into(),
        name: "Anna Kowalska".into(),
        roles: vec!["local:SP1".into()],
        csrf: "csrf-fixture".into(),
        created: datetime!(2026-12-01 08:00 UTC).unix_timestamp(),
        last_seen: datetime!(2026-12-01 08:00 UTC).unix_timestamp(),
        first_login: None,
        limits_secs: Some((i64::MAX / 4, i64::MAX / 4)),
        first_login_expires: None,
        pending_second_factor: None,
    }
}

/// Writes the fixture files of the format this binary writes into `dir`.
async fn write_fixture(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let clock = Arc::new(ManualClock::new(datetime!(2026-12-01 08:00 UTC)));
    let audit = RedbAuditLog::open(
        dir.join("audit.redb"),
        HmacKey::from_bytes(FIXTURE_KEY.to_vec()),
        clock,
    )
    .unwrap();
    for n in 0..AUDIT_RECORDS {
        let record = NewAuditRecord::new(
            Actor::System("fixture".into()),
            "person.created",
            Outcome::Success,
        )
        .target(format!("uid=fixture{n},ou=pracownicy,ou=SP1"), None);
        audit.append(record).await.unwrap();
    }
    audit.shutdown();
    drop(audit);
    let state = StateStore::open(&dir.join("state.redb")).unwrap();
    let limits = SessionLimits {
        idle: time::Duration::days(1),
        absolute: time::Duration::days(1),
    };
    state
        .create_session("fixture-session".into(), session(), limits)
        .await
        .unwrap();
    RetiredLogins::new(state.clone())
        .retire(
            &LoginName::parse("jan.retired").unwrap(),
            "5f0c3a2e-0000-4000-8000-000000000002",
            datetime!(2026-12-01 08:00 UTC),
        )
        .await
        .unwrap();
    state
        .acknowledge_todo(
            3,
            Acknowledgement {
                by: "anna.kowalska".into(),
                at: datetime!(2026-12-01 08:00 UTC),
            },
        )
        .await
        .unwrap();
    drop(state);
    for file in ["audit.redb", "state.redb"] {
        // The files are committed: keep them small.
        let path = dir.join(file);
        redb::Database::open(&path).unwrap().compact().unwrap();
        let raw = std::fs::read(&path).unwrap();
        let packed = miniz_oxide::deflate::compress_to_vec_zlib(&raw, 10);
        std::fs::write(dir.join(format!("{file}.zlib")), packed).unwrap();
        std::fs::remove_file(&path).unwrap();
    }
}

/// Unpacks the fixture of `version` into a fresh temporary folder.
fn unpack(version: u32) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for file in ["audit.redb", "state.redb"] {
        let packed = std::fs::read(fixtures(version).join(format!("{file}.zlib"))).unwrap();
        let raw = miniz_oxide::inflate::decompress_to_vec_zlib(&packed).unwrap();
        std::fs::write(dir.path().join(file), raw).unwrap();
    }
    dir
}

fn limits() -> SessionLimits {
    SessionLimits {
        idle: time::Duration::days(1),
        absolute: time::Duration::days(1),
    }
}

#[tokio::test]
async fn files_of_every_earlier_format_open_with_every_record() {
    for version in 1..=CURRENT_VERSION {
        if !fixtures(version).exists() {
            continue; // a version that changed neither file leaves no fixture of its own
        }
        let dir = unpack(version);
        let key = || HmacKey::from_bytes(FIXTURE_KEY.to_vec());

        // The audit store: the offline verifier reads it as it is, the daemon migrates it.
        let report =
            zszo_connector::audit::verify(dir.path().join("audit.redb"), &key(), None).unwrap();
        assert!(report.is_ok(), "v{version}: {:?}", report.failure);
        assert_eq!(report.verified, AUDIT_RECORDS, "v{version}");
        let clock = Arc::new(ManualClock::new(datetime!(2026-12-02 08:00 UTC)));
        let audit = RedbAuditLog::open(dir.path().join("audit.redb"), key(), clock).unwrap();
        let records = audit.query(Default::default()).await.unwrap();
        assert_eq!(records.len() as u64, AUDIT_RECORDS, "v{version}");
        assert!(records.iter().all(|r| r.record.action == "person.created"));
        // The chain goes on from the migrated file.
        audit
            .append(NewAuditRecord::new(
                Actor::System("upgrade-test".into()),
                "audit.viewed",
                Outcome::Success,
            ))
            .await
            .unwrap();
        audit.shutdown();
        drop(audit);
        let report =
            zszo_connector::audit::verify(dir.path().join("audit.redb"), &key(), None).unwrap();
        assert!(report.is_ok());
        assert_eq!(report.verified, AUDIT_RECORDS + 1);

        // The state store: every kind of record in the fixture is still found.
        let state = StateStore::open(&dir.path().join("state.redb")).unwrap();
        let found = state
            .touch_session(
                "fixture-session".into(),
                datetime!(2026-12-01 09:00 UTC),
                limits(),
            )
            .await
            .unwrap();
        assert_eq!(found.map(|s| s.login), Some(session().login), "v{version}");
        let retired = RetiredLogins::new(state.clone())
            .get(&LoginName::parse("jan.retired").unwrap())
            .await
            .unwrap();
        assert!(retired.is_some(), "v{version}");
        let acks = state.todo_acknowledgements(vec![3]).await.unwrap();
        assert_eq!(acks.get(&3).map(|a| a.by.as_str()), Some("anna.kowalska"));
        drop(state);

        // Both files now carry the current version.
        for file in ["audit.redb", "state.redb"] {
            let path = dir.path().join(file);
            let db = redb::Database::open(&path).unwrap();
            assert_eq!(
                format::version_of(&db, &path).unwrap(),
                Some(CURRENT_VERSION),
                "v{version} {file}"
            );
        }
    }
}

#[tokio::test]
async fn a_file_from_a_newer_release_is_refused_and_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let audit_path = dir.path().join("audit.redb");
    let state_path = dir.path().join("state.redb");
    format::stamp_for_tests(&audit_path, "audit", CURRENT_VERSION + 1).unwrap();
    format::stamp_for_tests(&state_path, "state", CURRENT_VERSION + 1).unwrap();
    let clock = Arc::new(ManualClock::new(datetime!(2026-12-02 08:00 UTC)));
    let err = RedbAuditLog::open(&audit_path, HmacKey::from_bytes(vec![1; 32]), clock)
        .unwrap_err()
        .to_string();
    assert!(err.contains("newer zszo-connector"), "{err}");
    let err = StateStore::open(&state_path).err().unwrap().to_string();
    assert!(err.contains("newer zszo-connector"), "{err}");
    let err = zszo_connector::audit::verify(&audit_path, &HmacKey::from_bytes(vec![1; 32]), None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("newer zszo-connector"), "{err}");
    for (path, kind) in [(&audit_path, "audit"), (&state_path, "state")] {
        let db = redb::Database::open(path).unwrap();
        assert_eq!(
            format::version_of(&db, path).unwrap(),
            Some(CURRENT_VERSION + 1),
            "{kind} was changed"
        );
    }
}

#[tokio::test]
async fn the_state_file_given_as_the_audit_store_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.redb");
    drop(StateStore::open(&path).unwrap());
    let clock = Arc::new(ManualClock::new(datetime!(2026-12-02 08:00 UTC)));
    let err = RedbAuditLog::open(&path, HmacKey::from_bytes(vec![1; 32]), clock)
        .unwrap_err()
        .to_string();
    assert!(err.contains("is not the audit store"), "{err}");
}

/// Regenerates the fixture of the current format: `cargo test --test integration
/// store_format::write_current_fixture -- --ignored`, then commit the folder.
#[tokio::test]
#[ignore = "writes the fixture files; run by hand when the format version changes"]
async fn write_current_fixture() {
    let dir = fixtures(CURRENT_VERSION);
    let _ = std::fs::remove_dir_all(&dir);
    write_fixture(&dir).await;
}
