//! The provisioning use cases on the in-memory fakes (`crate::ports::fakes`): creating an
//! account and the mass-deprovisioning guard. No slapd, no redb: run them with
//! `cargo test --lib use_case`.

use super::*;
use crate::clock::Clock;
use crate::config::DeprovisioningGuardConfig;
use crate::domain::audit::{Actor, Outcome};
use crate::domain::{AccountState, SchoolCode};
use crate::ports::fakes::World;
use crate::ports::{AccountDirectory, AdminRole, PasswordCheck, RoleDirectory};
use secrecy::ExposeSecret;

fn local_admin_of_sp1() -> Caller {
    Caller {
        actor: Actor::Person("dyrektor.sp1".into()),
        scope: SchoolScope::Only(vec![SchoolCode::parse("SP1").unwrap()]),
        request_id: Some("req-1".into()),
    }
}

#[tokio::test]
async fn use_case_create_account_gives_the_login_a_one_time_password_and_one_record() {
    let w = World::new();
    let person = w.person("SP1", "Jan", "Kowalski").await;
    let issued = w
        .provisioning(None)
        .create_account(&local_admin_of_sp1(), &person.entry.id)
        .await
        .unwrap();

    assert_eq!(issued.login.as_str(), "jan.kowalski");
    assert_eq!(
        issued.person.account_state,
        AccountState::AwaitingFirstLogin
    );
    assert_eq!(issued.expires_at, w.clock.now() + time::Duration::days(7));
    // The password opens the account, but only to change it (pwdReset).
    let check = w
        .directory
        .verify_password(&issued.login, &issued.password)
        .await
        .unwrap();
    assert_eq!(check, PasswordCheck::Right { must_change: true });

    let records = w.audit.records();
    assert_eq!(w.audit.actions(), ["account.created"]);
    let record = &records[0];
    assert_eq!(record.outcome, Outcome::Success);
    assert_eq!(record.details["login"], "jan.kowalski");
    assert_eq!(record.details["previous_state"], "none");
    let shown = format!("{record:?}");
    assert!(!shown.contains(issued.password.expose_secret()), "{shown}");
}

/// How a refused creation is set up, what the caller gets, and the reason recorded.
enum Refusal {
    /// Another administrator created the account between our read and our write: the
    /// directory's compare-and-set refuses it.
    StateChangedMeanwhile,
    /// The account exists already (a resent form).
    AccountExists,
    /// The person is in another school.
    OutOfScope,
    /// The person holds an administrator role: a local administrator may not.
    AdministratorsAccount,
}

#[tokio::test]
async fn use_case_create_account_refusals_write_nothing_and_one_failure_record() {
    let cases = [
        (Refusal::StateChangedMeanwhile, "conflict"),
        (Refusal::AccountExists, "conflict"),
        (Refusal::OutOfScope, "not_found"),
        (Refusal::AdministratorsAccount, "forbidden"),
    ];
    for (case, reason) in cases {
        let w = World::new();
        let school = match case {
            Refusal::OutOfScope => "SP2",
            _ => "SP1",
        };
        let person = w.person(school, "Anna", "Nowak").await;
        let id = &person.entry.id;
        let expected_state = match case {
            Refusal::StateChangedMeanwhile => {
                w.directory
                    .change_state_before_next_write(id, AccountState::Locked);
                AccountState::Locked
            }
            Refusal::AccountExists => {
                w.directory.force_state(id, AccountState::Active);
                AccountState::Active
            }
            Refusal::OutOfScope => AccountState::None,
            Refusal::AdministratorsAccount => {
                let sp1 = SchoolCode::parse("SP1").unwrap();
                let role = AdminRole::LocalAdministrator(sp1);
                w.directory.grant_role(&person.entry, &role).await.unwrap();
                AccountState::None
            }
        };
        let result = w
            .provisioning(None)
            .create_account(&local_admin_of_sp1(), id)
            .await;

        let err = result.expect_err(reason);
        let matches = match case {
            Refusal::StateChangedMeanwhile | Refusal::AccountExists => {
                matches!(err, ProvisioningError::Conflict(_))
            }
            Refusal::OutOfScope => matches!(err, ProvisioningError::NotFound),
            Refusal::AdministratorsAccount => matches!(err, ProvisioningError::Forbidden(_)),
        };
        assert!(matches, "{reason}: {err:?}");
        let now = w.directory.person(id).unwrap();
        assert_eq!(now.account_state, expected_state, "{reason}");
        assert!(now.initial_password_expires.is_none(), "{reason}");
        let records = w.audit.records();
        assert_eq!(w.audit.actions(), ["account.created"], "{reason}");
        match &records[0].outcome {
            Outcome::Failure(why) => assert!(why.starts_with(reason), "{reason}: {why}"),
            Outcome::Success => panic!("{reason}: recorded as a success"),
        }
    }
}

#[tokio::test]
async fn use_case_create_account_without_an_audit_log_writes_nothing() {
    let w = World::new();
    let person = w.person("SP1", "Jan", "Kowalski").await;
    w.audit.fail(true);
    let result = w
        .provisioning(None)
        .create_account(&local_admin_of_sp1(), &person.entry.id)
        .await;
    assert!(
        matches!(result, Err(ProvisioningError::Unavailable)),
        "{result:?}"
    );
    let now = w.directory.person(&person.entry.id).unwrap();
    assert_eq!(now.account_state, AccountState::None);
    assert!(w.audit.records().is_empty());
}

/// A school of ten, the share 10 % and a floor of one: one deprovisioning per hour passes.
fn tight_guard() -> DeprovisioningGuardConfig {
    DeprovisioningGuardConfig {
        window: std::time::Duration::from_secs(3600),
        max_share_of_school: 0.10,
        max_share_of_city: 0.10,
        min_people: 10,
        min_operations: 1,
    }
}

fn hr() -> Caller {
    Caller {
        actor: Actor::ScimClient("hr".into()),
        scope: SchoolScope::All,
        request_id: None,
    }
}

fn operator() -> Operator {
    Operator {
        os_user: "root".into(),
        uid: Some(0),
        stated: Some("admin".into()),
    }
}

const NAMES: [&str; 10] = [
    "Adam", "Beata", "Cezary", "Dorota", "Edward", "Felicja", "Grzegorz", "Halina", "Igor",
    "Jolanta",
];

/// A school of ten people under the tight guard, the first of them deleted: the guard holds
/// the next deletion within the hour.
async fn guarded_school_after_one_deletion() -> (World, Vec<String>, Provisioning) {
    let w = World::new();
    let mut ids = Vec::new();
    for given in NAMES {
        ids.push(w.person("SP1", given, "Zielinski").await.entry.id);
    }
    let p = w.provisioning(Some(tight_guard()));
    p.delete_person(&hr(), &ids[0]).await.unwrap();
    (w, ids, p)
}

#[tokio::test]
async fn use_case_guard_holds_mass_deletion_and_a_retry_finds_the_same_hold() {
    let (w, ids, p) = guarded_school_after_one_deletion().await;
    let held = p.delete_person(&hr(), &ids[1]).await;
    let Err(ProvisioningError::Held(notice)) = held else {
        panic!("the second deletion within the hour must be held: {held:?}");
    };
    assert!(
        w.directory.person(&ids[1]).is_some(),
        "a held deletion is not applied"
    );
    let again = p.delete_person(&hr(), &ids[1]).await;
    assert!(
        matches!(&again, Err(ProvisioningError::Held(n)) if n.id == notice.id),
        "{again:?}"
    );
    assert_eq!(p.held_operations().await.unwrap().len(), 1);
    // One record per request: the deletion, then the hold (twice: the retry is a request).
    assert_eq!(
        w.audit.actions(),
        [
            "person.deleted",
            "deprovisioning.held",
            "deprovisioning.held"
        ]
    );
}

#[tokio::test]
async fn use_case_guard_release_applies_the_operation_and_a_vanished_target_is_refused() {
    let (w, ids, p) = guarded_school_after_one_deletion().await;
    let Err(ProvisioningError::Held(first)) = p.delete_person(&hr(), &ids[1]).await else {
        panic!("not held");
    };
    let Err(ProvisioningError::Held(second)) = p.delete_person(&hr(), &ids[2]).await else {
        panic!("not held");
    };

    // Released: applied, no longer listed, one success record naming the operator.
    let released = p.release_held(&operator(), first.id).await.unwrap();
    assert_eq!(released.applied_to, "the entry as held");
    assert!(w.directory.person(&ids[1]).is_none());

    // Refused: the second target was deleted by someone else meanwhile; it stays listed.
    use crate::ports::PeopleDirectory;
    w.directory.delete_person(&ids[2]).await.unwrap();
    let refused = p.release_held(&operator(), second.id).await;
    assert!(
        matches!(refused, Err(ProvisioningError::Conflict(_))),
        "{refused:?}"
    );
    let listed: Vec<u64> = (p.held_operations().await.unwrap().iter())
        .map(|op| op.id)
        .collect();
    assert_eq!(listed, [second.id]);
    let records = w.audit.records();
    let released_ok: Vec<bool> = (records.iter())
        .filter(|r| r.action == "deprovisioning.released")
        .map(|r| r.outcome == Outcome::Success)
        .collect();
    assert_eq!(released_ok, [true, false]);
    // Discarding it ends the hold without applying anything.
    p.discard_held(&operator(), second.id).await.unwrap();
    assert!(p.held_operations().await.unwrap().is_empty());
}

/// Namesakes created at the same time (a Bulk's concurrent operations, two HR clients) do
/// not race for one login: each skips the logins the others are adding, so no add is refused
/// and retried.
#[tokio::test]
async fn use_case_concurrent_namesakes_take_different_logins_without_a_refused_add() {
    let w = World::new();
    let prov = w.provisioning(None);
    let hr = Caller {
        actor: Actor::ScimClient("hr".into()),
        scope: SchoolScope::All,
        request_id: None,
    };
    let namesake = |user_name: &str| crate::ports::PersonProfile {
        user_name: Some(user_name.into()),
        ..crate::ports::PersonProfile::new(
            crate::domain::PersonName {
                given: crate::domain::GivenName::parse("Anna").unwrap(),
                family: crate::domain::FamilyName::parse("Nowak").unwrap(),
            },
            crate::ports::Employment {
                primary: SchoolCode::parse("SP1").unwrap(),
                others: Vec::new(),
            },
        )
    };
    let (a, b, c) = tokio::join!(
        prov.create_person(&hr, namesake("a@hr")),
        prov.create_person(&hr, namesake("b@hr")),
        prov.create_person(&hr, namesake("c@hr")),
    );
    let mut logins: Vec<String> = [a, b, c]
        .into_iter()
        .map(|p| p.unwrap().login.as_str().to_owned())
        .collect();
    logins.sort();
    assert_eq!(logins, ["anna.nowak", "anna.nowak2", "anna.nowak3"]);
    assert_eq!(w.directory.login_refusals(), 0);
    assert_eq!(w.audit.actions(), ["person.created"; 3]);
}
