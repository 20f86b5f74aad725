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
use zszo_connector::ports::AuditLog;
use zszo_connector::store::retired_logins::RetiredLogins;
use zszo_connector::store::sessions::{SessionLimits, SessionRecord};
use zszo_connector::store::todos::{Acknowledgement, Todos};
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
    Todos::new(state.clone())
        .acknowledge(
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

/// Regenerates the fixture of the current format: `cargo test --test integration
/// store_format::write_current_fixture -- --ignored`, then commit the folder.
#[tokio::test]
#[ignore = "writes the fixture files; run by hand when the format version changes"]
async fn write_current_fixture() {
    let dir = fixtures(1);
    let _ = std::fs::remove_dir_all(&dir);
    write_fixture(&dir).await;
}
