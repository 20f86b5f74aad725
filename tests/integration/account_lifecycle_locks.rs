//! Locking and unlocking accounts against the real slapd, HR's employment lock beside the
//! administrator's, and account actions outside the caller's schools (not found).

use super::*;
use crate::ldap_directory::admin_read;
use zszo_connector::domain::audit::Outcome;
use zszo_connector::ports::directory_parts::*;

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
    env.set_employment(&p, true).await;
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
    env.set_employment(&p, false).await;
    let unlocked = env.unlock(&p.entry.id).await;
    assert_eq!(unlocked.account_state, AccountState::AwaitingFirstLogin);
    // HR's reason remains: still no sign-in.
    assert_eq!(
        common::bind_rc(&p.entry.dn, issued.password.expose_secret()).await,
        49
    );
    env.set_employment(&p, true).await;
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
    let (prov, id) = (&env.prov, &p.entry.id);
    let refusals = [
        prov.create_account(&stranger, id).await.map(drop),
        prov.reissue_password(&stranger, id).await.map(drop),
        prov.lock_account(&stranger, id).await.map(drop),
        prov.unlock_account(&stranger, id).await.map(drop),
    ];
    for refused in refusals {
        let e = refused.unwrap_err();
        assert!(matches!(e, ProvisioningError::NotFound), "{e:?}");
    }
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
