//! Accounts against the real slapd (issue 5, security.md INIT-*, PPOL-*): the use cases
//! `create_account`, `reissue_password`, `lock_account`, `unlock_account` driven through the
//! real LDAP adapter, audit store and state store, and checked independently by binding as
//! the person with ldap3.

use crate::common;
use crate::common::app::{spawn_app, AppOptions, TestApp};
use crate::ldap_directory::{admin_read, person_name};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use std::sync::Mutex;
use time::OffsetDateTime;
use zszo_connector::audit::RedbAuditLog;
use zszo_connector::clock::{Clock, ManualClock};
use zszo_connector::config::PasswordConfig;
use zszo_connector::domain::audit::{Actor, AuditQuery, AuditRecord, Outcome};
use zszo_connector::domain::{AccountState, School, SchoolCode, SchoolName};
use zszo_connector::ldap::LdapDirectory;
use zszo_connector::ports::directory_parts::*;
use zszo_connector::ports::{AccountAt, AuditLog, Employment, PersonEntry, PersonProfile};
use zszo_connector::provisioning::{Caller, IssuedAccount, Provisioning, ProvisioningError};

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
}

/// A subtree search on the school as the bound identity: its result code.
async fn search_rc(ldap: &mut ldap3::Ldap, base: &str) -> u32 {
    let res = ldap
        .search(base, ldap3::Scope::Subtree, "(objectClass=*)", vec!["1.1"])
        .await
        .unwrap();
    res.1.rc
}

async fn password_modify(ldap: &mut ldap3::Ldap, old: &str, new: &str) -> u32 {
    let pm = ldap3::exop::PasswordModify {
        user_id: None,
        old_pass: Some(old),
        new_pass: Some(new),
    };
    ldap.extended(pm).await.unwrap().1.rc
}

fn conflict(e: &ProvisioningError) -> bool {
    matches!(e, ProvisioningError::Conflict(_))
}

#[tokio::test]
async fn account_create_gives_a_one_time_password_good_only_for_changing_it_once() {
    let env = Env::new().await;
    let p = env.person("Łukasz", "Wiśniewski", true).await;
    let issued = env.create(&p.entry.id).await;
    assert_eq!(issued.login, p.login);
    assert_eq!(
        issued.person.account_state,
        AccountState::AwaitingFirstLogin
    );
    let dn = &p.entry.dn;
    // What the directory holds: the hash only, forced change, expiry in both places.
    let e = admin_read(
        dn,
        &[
            "userPassword",
            "pwdReset",
            "pwdEndTime",
            "zszoInitialPasswordExpiry",
            "zszoAccountState",
            "zszoAccountCreatedBy",
            "zszoAccountCreatedAt",
            "pwdAccountLockedTime",
        ],
    )
    .await
    .unwrap();
    assert!(e["userPassword"][0].starts_with("{ARGON2}$argon2id$v=19$m=19456,t=2,p=1$"));
    assert!(!e["userPassword"][0].contains(issued.password.expose_secret()));
    assert_eq!(e["pwdReset"], ["TRUE"]);
    assert_eq!(e["pwdEndTime"], e["zszoInitialPasswordExpiry"]);
    assert_eq!(e["zszoAccountState"], ["awaiting-first-login"]);
    assert_eq!(e["zszoAccountCreatedBy"], ["person:dyrektor.test"]);
    assert!(!e.contains_key("pwdAccountLockedTime"));
    let expected_end = issued.expires_at;
    assert!(
        (expected_end - OffsetDateTime::now_utc() - time::Duration::days(TTL_DAYS)).abs()
            < time::Duration::minutes(1)
    );

    // The bind succeeds, but only a password change is allowed (ppolicy pwdReset).
    let otp = issued.password.expose_secret().to_owned();
    let (rc, mut ldap) = common::bind(dn, &otp).await;
    assert_eq!(rc, 0, "bind with the one-time password");
    let school_dn = common::school_dn(env.school.code.as_str());
    assert_eq!(search_rc(&mut ldap, &school_dn).await, 50, "restricted");
    // The person cannot change it at the directory (only the daemon writes passwords, after
    // its policy: issue 13); the portal's path is the service's one Modify, which ends the
    // restriction and the one-time password's expiry.
    let chosen = "a chosen passphrase of mine 42";
    assert_ne!(password_modify(&mut ldap, &otp, chosen).await, 0);
    let _ = ldap.unbind().await;
    assert_eq!(common::bind_rc(dn, &otp).await, 0);
    let hash =
        zszo_connector::credentials::hash_password(&SecretString::from(chosen.to_owned()), &cost())
            .unwrap();
    env.directory
        .set_own_password(
            AccountAt {
                id: &p.entry.id,
                expect: AccountState::AwaitingFirstLogin,
                read: None,
            },
            &hash,
        )
        .await
        .unwrap();
    assert_eq!(common::bind_rc(dn, &otp).await, 49);
    let (rc, mut ldap) = common::bind(dn, chosen).await;
    assert_eq!(rc, 0);
    assert_eq!(search_rc(&mut ldap, dn).await, 0, "no longer restricted");
    let _ = ldap.unbind().await;
    let e = admin_read(dn, &["pwdEndTime", "pwdReset"]).await.unwrap();
    assert!(
        !e.contains_key("pwdEndTime"),
        "no pwdEndTime left behind: {e:?}"
    );

    // One audit record, about the person, without the password.
    let created = env.records("account.created").await;
    assert_eq!(created.len(), 1);
    let r = &created[0].record;
    assert_eq!(r.outcome, Outcome::Success);
    assert_eq!(
        r.target.as_ref().unwrap().entry_uuid.as_deref(),
        Some(p.entry.id.as_str())
    );
    assert_eq!(r.school.as_deref(), Some(env.school.code.as_str()));
    assert_eq!(r.details["login"], p.login.as_str());
    let json = serde_json::to_string(&created[0]).unwrap();
    assert!(!json.contains(&otp), "{json}");
}

#[tokio::test]
async fn account_one_time_password_is_refused_by_the_directory_after_its_expiry() {
    // The use case's clock is a TTL and a second behind: pwdEndTime is already past.
    let now = OffsetDateTime::now_utc();
    let ttl = time::Duration::days(TTL_DAYS);
    let env = Env::at(now - ttl - time::Duration::seconds(1)).await;
    let p = env.person("Anna", "Przeterminowana", true).await;
    let issued = env.create(&p.entry.id).await;
    assert!(issued.expires_at < OffsetDateTime::now_utc());
    assert_eq!(
        common::bind_rc(&p.entry.dn, issued.password.expose_secret()).await,
        49
    );

    // Just before the expiry (TTL − 1 min) the same kind of password still works.
    let env = Env::at(now - ttl + time::Duration::minutes(1)).await;
    let p = env.person("Anna", "Jeszczeważna", true).await;
    let issued = env.create(&p.entry.id).await;
    assert!(issued.expires_at > OffsetDateTime::now_utc());
    assert_eq!(
        common::bind_rc(&p.entry.dn, issued.password.expose_secret()).await,
        0
    );
    // …and once the clock passes it, a re-issue is still allowed (expired one-time password).
    env.clock.advance(time::Duration::minutes(2));
    let again = env.reissue(&p.entry.id).await;
    assert!(again.expires_at > issued.expires_at);
    assert_eq!(
        common::bind_rc(&p.entry.dn, again.password.expose_secret()).await,
        0
    );
}

#[tokio::test]
async fn account_double_create_makes_one_account_and_keeps_the_first_password() {
    let env = Env::new().await;
    let p = env.person("Jan", "Dwukrotny", true).await;
    // Two submissions at once: exactly one wins.
    let (a, b) = tokio::join!(
        env.prov.create_account(&env.admin, &p.entry.id),
        env.prov.create_account(&env.admin, &p.entry.id)
    );
    let (won, lost): (Vec<_>, Vec<_>) = [a, b].into_iter().partition(Result::is_ok);
    assert_eq!(won.len(), 1, "one account");
    let lost = lost.into_iter().next().unwrap().unwrap_err();
    assert!(conflict(&lost), "{lost:?}");
    let first: IssuedAccount = won.into_iter().next().unwrap().unwrap();
    // A third, later submission is refused too, and changes nothing.
    env.refused(Action::Create, &p.entry.id).await;
    assert_eq!(
        common::bind_rc(&p.entry.dn, first.password.expose_secret()).await,
        0
    );
    let records = env.records("account.created").await;
    assert_eq!(records.len(), 3, "one record per submission");
    let failures = records
        .iter()
        .filter(|r| matches!(r.record.outcome, Outcome::Failure(_)))
        .count();
    assert_eq!(failures, 2);
}

#[tokio::test]
async fn account_reissue_replaces_the_one_time_password_and_is_refused_once_active() {
    let env = Env::new().await;
    let p = env.person("Ewa", "Ponowna", true).await;
    let first = env.create(&p.entry.id).await;
    let second = env.reissue(&p.entry.id).await;
    assert_ne!(
        first.password.expose_secret(),
        second.password.expose_secret()
    );
    assert_eq!(
        common::bind_rc(&p.entry.dn, first.password.expose_secret()).await,
        49,
        "old one stops"
    );
    assert_eq!(
        common::bind_rc(&p.entry.dn, second.password.expose_secret()).await,
        0,
        "new one works"
    );
    let e = admin_read(&p.entry.dn, &["pwdReset", "zszoAccountCreatedBy"])
        .await
        .unwrap();
    assert_eq!(e["pwdReset"], ["TRUE"]);
    let reissued = env.records("account.password_reissued").await;
    assert_eq!(reissued.len(), 1);
    assert_eq!(
        reissued[0].record.details["previous_state"],
        "awaiting-first-login"
    );

    // The person chose their own password (the portal's path): no re-issue any more.
    let mine = "my very own passphrase 2024";
    let hash =
        zszo_connector::credentials::hash_password(&SecretString::from(mine.to_owned()), &cost())
            .unwrap();
    env.directory
        .set_own_password(
            AccountAt {
                id: &p.entry.id,
                expect: AccountState::AwaitingFirstLogin,
                read: None,
            },
            &hash,
        )
        .await
        .unwrap();
    env.refused(Action::Reissue, &p.entry.id).await;
    assert_eq!(common::bind_rc(&p.entry.dn, mine).await, 0);

    // An active account (as the portal leaves it) is refused plainly.
    let q = env.person("Olga", "Aktywna", true).await;
    env.create(&q.entry.id).await;
    set_state(&q.entry.dn, "active").await;
    env.refused(Action::Reissue, &q.entry.id).await;
    // A person without an account cannot be re-issued a password either.
    let r = env.person("Piotr", "Bezkonta", true).await;
    env.refused(Action::Reissue, &r.entry.id).await;
    assert_eq!(env.records("account.password_reissued").await.len(), 4);
}

/// Sets `zszoAccountState` as the directory administrator (what the portal's use cases do).
async fn set_state(dn: &str, state: &str) {
    let mut ldap = common::connect_admin().await;
    ldap.modify(
        dn,
        vec![ldap3::Mod::Replace(
            "zszoAccountState",
            std::collections::HashSet::from([state]),
        )],
    )
    .await
    .unwrap()
    .success()
    .unwrap();
    let _ = ldap.unbind().await;
}

#[tokio::test]
async fn account_lock_refuses_the_bind_and_unlock_restores_it() {
    let env = Env::new().await;
    let p = env.person("Marek", "Blokowany", true).await;
    let issued = env.create(&p.entry.id).await;
    let locked = env.lock(&p.entry.id).await;
    assert_eq!(locked.account_state, AccountState::Locked);
    assert_eq!(
        common::bind_rc(&p.entry.dn, issued.password.expose_secret()).await,
        49
    );
    // Locked twice.
    env.refused(Action::Lock, &p.entry.id).await;
    // A re-issue is refused while locked.
    env.refused(Action::Reissue, &p.entry.id).await;

    let unlocked = env.unlock(&p.entry.id).await;
    assert_eq!(unlocked.account_state, AccountState::AwaitingFirstLogin);
    assert_eq!(
        common::bind_rc(&p.entry.dn, issued.password.expose_secret()).await,
        0
    );
    // Unlocked twice.
    env.refused(Action::Unlock, &p.entry.id).await;
    let gone = admin_read(&p.entry.dn, &["pwdAccountLockedTime"])
        .await
        .unwrap();
    assert!(!gone.contains_key("pwdAccountLockedTime"));

    // No account, nothing to lock.
    let q = env.person("Nina", "Bezkonta", true).await;
    env.refused(Action::Lock, &q.entry.id).await;

    assert_eq!(env.records("account.locked").await.len(), 3);
    assert_eq!(env.records("account.unlocked").await.len(), 2);
    let ok = env.records("account.locked").await;
    let success = ok
        .iter()
        .find(|r| r.record.outcome == Outcome::Success)
        .unwrap();
    assert_eq!(success.record.details["state"], "locked");
    assert_eq!(
        success.record.details["previous_state"],
        "awaiting-first-login"
    );
}

#[tokio::test]
async fn account_of_a_person_with_inactive_employment_is_locked_at_the_directory() {
    let env = Env::new().await;
    let p = env.person("Zofia", "Nieaktywna", false).await;
    let issued = env.create(&p.entry.id).await;
    assert!(issued.locked_by_employment());
    let e = admin_read(&p.entry.dn, &["pwdAccountLockedTime"])
        .await
        .unwrap();
    assert_eq!(e["pwdAccountLockedTime"], ["000001010000Z"]);
    assert_eq!(
        common::bind_rc(&p.entry.dn, issued.password.expose_secret()).await,
        49
    );
    let r = &env.records("account.created").await[0].record;
    assert_eq!(r.details["locked_by_employment"], "true");

    // HR reactivates: the password works (HR's lock was not an administrator's lock).
    let mut profile = p.profile.clone();
    profile.employment_active = true;
    env.prov
        .update_person(&env.admin, &p.entry.id, profile)
        .await
        .unwrap();
    assert_eq!(
        common::bind_rc(&p.entry.dn, issued.password.expose_secret()).await,
        0
    );
}

#[tokio::test]
async fn account_unlock_keeps_the_lock_of_an_inactive_employee_until_hr_reactivates() {
    let env = Env::new().await;
    let p = env.person("Teresa", "Urlopowa", true).await;
    let issued = env.create(&p.entry.id).await;
    env.lock(&p.entry.id).await;
    // HR deactivates the employment while the administrator's lock is on.
    let mut profile = p.profile.clone();
    profile.employment_active = false;
    env.prov
        .update_person(&env.admin, &p.entry.id, profile.clone())
        .await
        .unwrap();
    let unlocked = env.unlock(&p.entry.id).await;
    assert_eq!(unlocked.account_state, AccountState::AwaitingFirstLogin);
    // HR's reason remains: still no sign-in.
    assert_eq!(
        common::bind_rc(&p.entry.dn, issued.password.expose_secret()).await,
        49
    );
    profile.employment_active = true;
    env.prov
        .update_person(&env.admin, &p.entry.id, profile)
        .await
        .unwrap();
    assert_eq!(
        common::bind_rc(&p.entry.dn, issued.password.expose_secret()).await,
        0
    );
}

#[tokio::test]
async fn account_actions_outside_the_callers_schools_are_not_found() {
    let env = Env::new().await;
    let p = env.person("Adam", "Cudzy", true).await;
    let stranger = Caller {
        actor: Actor::Person("obcy.dyrektor".into()),
        scope: zszo_connector::ports::SchoolScope::Only(vec![SchoolCode::parse(
            &common::unique_school_code(),
        )
        .unwrap()]),
        request_id: Some("req-1".into()),
    };
    let e = env
        .prov
        .create_account(&stranger, &p.entry.id)
        .await
        .unwrap_err();
    assert!(matches!(e, ProvisioningError::NotFound), "{e:?}");
    let e = env
        .prov
        .reissue_password(&stranger, &p.entry.id)
        .await
        .unwrap_err();
    assert!(matches!(e, ProvisioningError::NotFound), "{e:?}");
    let e = env
        .prov
        .lock_account(&stranger, &p.entry.id)
        .await
        .unwrap_err();
    assert!(matches!(e, ProvisioningError::NotFound), "{e:?}");
    let e = env
        .prov
        .unlock_account(&stranger, &p.entry.id)
        .await
        .unwrap_err();
    assert!(matches!(e, ProvisioningError::NotFound), "{e:?}");
    // Nothing changed; every attempt is one failure record naming only the id asked for.
    let fresh = env
        .directory
        .get_person(&p.entry.id, &zszo_connector::ports::SchoolScope::All)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(fresh.account_state, AccountState::None);
    for action in [
        "account.created",
        "account.password_reissued",
        "account.locked",
        "account.unlocked",
    ] {
        let r = env.records(action).await;
        assert_eq!(r.len(), 1, "{action}");
        let r = &r[0].record;
        assert_eq!(r.outcome, Outcome::Failure("not_found".into()));
        assert_eq!(r.actor, Actor::Person("obcy.dyrektor".into()));
        assert_eq!(r.request_id.as_deref(), Some("req-1"));
        assert!(r.target.is_none());
        assert_eq!(r.details["id"], p.entry.id);
    }
    // An unknown id is the same answer.
    let e = env
        .prov
        .create_account(&env.admin, "00000000-0000-0000-0000-000000000000")
        .await
        .unwrap_err();
    assert!(matches!(e, ProvisioningError::NotFound), "{e:?}");
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
