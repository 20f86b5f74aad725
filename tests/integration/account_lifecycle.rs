//! Accounts against the real slapd (issue 5, security.md INIT-*, PPOL-*): the use cases
//! `create_account`, `reissue_password`, `lock_account`, `unlock_account` driven through the
//! real LDAP adapter, audit store and state store, and checked independently by binding as
//! the person with ldap3.

use crate::common;
use crate::common::app::{spawn_app, AppOptions, TestApp};
use crate::ldap_directory::person_name;
use secrecy::ExposeSecret;
use std::sync::Arc;
use std::sync::Mutex;
use time::OffsetDateTime;
use zszo_connector::audit::RedbAuditLog;
use zszo_connector::clock::{Clock, ManualClock};
use zszo_connector::config::PasswordConfig;
use zszo_connector::domain::audit::{Actor, AuditQuery, AuditRecord};
use zszo_connector::domain::{AccountState, School, SchoolCode, SchoolName};
use zszo_connector::ldap::LdapDirectory;
use zszo_connector::ports::{AuditLog, Employment, PersonEntry, PersonProfile};
use zszo_connector::provisioning::{Caller, IssuedAccount, Provisioning, ProvisioningError};

#[path = "account_lifecycle_locks.rs"]
mod locks;
#[path = "account_lifecycle_passwords.rs"]
mod passwords;

const TTL_DAYS: i64 = 7;

/// The account actions an administrator takes.
#[derive(Debug, Clone, Copy)]
enum Action {
    Create,
    Reissue,
    Lock,
    Unlock,
}

struct Env {
    prov: Provisioning,
    directory: Arc<LdapDirectory>,
    audit: Arc<RedbAuditLog>,
    clock: Arc<ManualClock>,
    school: School,
    /// A local administrator of `school`.
    admin: Caller,
    /// The app the use cases belong to (its folder holds every file the daemon writes).
    app: TestApp,
}

fn cost() -> PasswordConfig {
    PasswordConfig {
        argon2_memory_kib: 19_456,
        argon2_iterations: 2,
        argon2_parallelism: 1,
        initial_password_ttl: time::Duration::days(TTL_DAYS),
        max_hashing_in_flight: 32,
    }
}

impl Env {
    /// `start`: the use cases' "now" (the directory's own clock stays real).
    async fn at(start: OffsetDateTime) -> Self {
        let clock = Arc::new(ManualClock::new(start));
        let app = spawn_app(AppOptions {
            schools: vec![common::unique_school_code()],
            clock: clock.clone(),
            edit: Box::new(|c| c.passwords = cost()),
            ..AppOptions::default()
        })
        .await;
        let code = SchoolCode::parse(&app.schools[0]).unwrap();
        let school = School {
            name: SchoolName::parse(&format!("Szkoła {}", code.as_str())).unwrap(),
            code,
        };
        let admin = Caller {
            actor: Actor::Person("dyrektor.test".into()),
            scope: zszo_connector::ports::SchoolScope::Only(vec![school.code.clone()]),
            request_id: None,
        };
        Self {
            prov: app.provisioning(),
            directory: app.directory.clone(),
            audit: app.audit.clone(),
            clock,
            school,
            admin,
            app,
        }
    }

    async fn new() -> Self {
        Self::at(OffsetDateTime::now_utc()).await
    }

    /// A person (from HR) in the test's school, without an account.
    async fn person(&self, given: &str, family: &str, active: bool) -> PersonEntry {
        let employment = Employment {
            primary: self.school.code.clone(),
            others: Vec::new(),
        };
        let profile = PersonProfile {
            employment_active: active,
            ..PersonProfile::new(person_name(given, family), employment)
        };
        let p = self.prov.create_person(&self.admin, profile).await.unwrap();
        assert_eq!(p.account_state, AccountState::None);
        p
    }

    /// The school's administrator creates `id`'s account.
    async fn create(&self, id: &str) -> IssuedAccount {
        self.prov.create_account(&self.admin, id).await.unwrap()
    }

    async fn reissue(&self, id: &str) -> IssuedAccount {
        self.prov.reissue_password(&self.admin, id).await.unwrap()
    }

    async fn lock(&self, id: &str) -> PersonEntry {
        self.prov.lock_account(&self.admin, id).await.unwrap()
    }

    async fn unlock(&self, id: &str) -> PersonEntry {
        self.prov.unlock_account(&self.admin, id).await.unwrap()
    }

    /// Asserts that `action` on `id` is refused as a conflict with the account's state.
    async fn refused(&self, action: Action, id: &str) {
        let (p, a) = (&self.prov, &self.admin);
        let answer = match action {
            Action::Create => p.create_account(a, id).await.map(|i| i.person),
            Action::Reissue => p.reissue_password(a, id).await.map(|i| i.person),
            Action::Lock => p.lock_account(a, id).await,
            Action::Unlock => p.unlock_account(a, id).await,
        };
        match answer {
            Err(ProvisioningError::Conflict(_)) => {}
            other => panic!("{action:?} of {id}: a conflict expected, got {other:?}"),
        }
    }

    async fn records(&self, action: &str) -> Vec<AuditRecord> {
        crate::common::app::records_of(&self.audit, action).await
    }

    /// HR sets `p`'s employment active or not (the rest of the profile as `p` has it).
    async fn set_employment(&self, p: &PersonEntry, active: bool) {
        let profile = PersonProfile {
            employment_active: active,
            ..p.profile.clone()
        };
        self.prov
            .update_person(&self.admin, &p.entry.id, profile)
            .await
            .unwrap();
    }

    /// `p`, awaiting a first login, chooses `password` (the portal's path: the service's one
    /// Modify, at the configured cost).
    async fn choose_own_password(&self, p: &PersonEntry, password: &str) {
        let hash = zszo_connector::credentials::hash_password(
            &secrecy::SecretString::from(password.to_owned()),
            &cost(),
        )
        .unwrap();
        let at = zszo_connector::ports::AccountAt {
            id: &p.entry.id,
            expect: AccountState::AwaitingFirstLogin,
            read: None,
        };
        use zszo_connector::ports::directory_parts::AccountDirectory as _;
        self.directory.set_own_password(at, &hash).await.unwrap();
    }
}

#[tokio::test]
async fn account_retired_logins_are_not_given_to_a_namesake() {
    let env = Env::new().await;
    let first = env.person("Helena", "Powtórka", true).await;
    env.prov
        .delete_person(&env.admin, &first.entry.id)
        .await
        .unwrap();
    let second = env.person("Helena", "Powtórka", true).await;
    assert_ne!(second.login, first.login);
    // Neither is the login of the next namesake: both are taken (one in the directory, one
    // retired).
    let third = env.person("Helena", "Powtórka", true).await;
    assert!(third.login != first.login && third.login != second.login);
}

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Every file under `dir`, recursively.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else if path.is_file() {
            // Files only: the app's operator socket holds nothing to read.
            out.push(path);
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// security.md INIT-05 (a): the one-time password appears nowhere but in the returned value.
#[tokio::test]
async fn account_canary_password_is_nowhere_but_in_the_answer() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    let dispatch = tracing::Dispatch::new(subscriber);
    // For this test's thread and every thread (the audit writer, blocking hashing): global
    // when no other test installed one first, else at least this thread.
    let _global = tracing::dispatcher::set_global_default(dispatch.clone());
    let _guard = tracing::dispatcher::set_default(&dispatch);
    tracing::info!("canary capture check");

    let env = Env::new().await;
    let p = env.person("Kanarek", "Hasłowy", false).await;
    let created = env.create(&p.entry.id).await;
    let reissued = env.reissue(&p.entry.id).await;
    env.lock(&p.entry.id).await;
    env.unlock(&p.entry.id).await;
    // A failure path too (a second create), so that error logging is exercised.
    let _ = env.prov.create_account(&env.admin, &p.entry.id).await;
    let passwords = [
        created.password.expose_secret().to_owned(),
        reissued.password.expose_secret().to_owned(),
    ];
    // The value's own Debug hides it.
    let debug = format!("{created:?} {reissued:?}");

    // The audit export (JSONL and CSV).
    let records = env.audit.query(AuditQuery::default()).await.unwrap();
    // The app's bootstrap wrote the school's records first.
    let about_the_person = records.iter().filter(|r| {
        let action = &r.record.action;
        action.starts_with("person.") || action.starts_with("account.")
    });
    assert_eq!(
        about_the_person.count(),
        6,
        "person.created + 5 account actions"
    );
    let mut export = Vec::new();
    zszo_connector::audit::export::export_jsonl(&records, &mut export).unwrap();
    zszo_connector::audit::export::export_csv(&records, &mut export).unwrap();
    // The redb files (audit, state) and the mail folder, raw bytes.
    let files = files_under(&env.app.path);
    assert!(files.iter().any(|f| f.ends_with("audit.redb")));
    assert!(files.iter().any(|f| f.ends_with("state.redb")));
    let log = captured.0.lock().unwrap().clone();
    assert!(contains(&log, b"canary capture check"), "the capture works");
    for pw in &passwords {
        // The dashes are part of the password; the bare symbols are searched too.
        let bare: String = pw.chars().filter(|c| *c != '-').collect();
        for needle in [pw.as_bytes(), bare.as_bytes()] {
            assert!(!contains(&export, needle), "audit export");
            assert!(!contains(&log, needle), "tracing output");
            assert!(!contains(debug.as_bytes(), needle), "Debug output");
            for f in &files {
                let bytes = std::fs::read(f).unwrap();
                assert!(!contains(&bytes, needle), "{}", f.display());
            }
        }
    }
    let _ = env.clock.now();
}
