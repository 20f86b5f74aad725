//! Issue 12, items 2 and 3: roles are respected for re-issue, lock and unlock; sessions end
//! when their ground goes (re-issue, lock, a password change, the one-time password's
//! expiry), through `session_end::end_sessions_of` and the per-request backstop.

use crate::panel_support::PanelApp;
use crate::portal_support::{person_now, PortalApp};
use reqwest::StatusCode;
use time::Duration;
use zszo_connector::domain::audit::{Actor, Outcome};
use zszo_connector::domain::AccountState;
use zszo_connector::ports::directory_parts::*;
use zszo_connector::ports::{AdminRole, SchoolScope};
use zszo_connector::provisioning::{Caller, ProvisioningError};

const OWN: &str = "smok wawelski pije wisłę";
/// Any page in the panel's frame (its sign-out form carries the CSRF token).
const FRAME: &str = "/panel/nie-ma-takiej-strony";

#[tokio::test]
async fn a_local_administrator_cannot_reissue_lock_or_unlock_an_administrator_of_their_school() {
    let app = PanelApp::start().await;
    // A system administrator who also works at the local administrator's school.
    let pw = "Hasło-miejskie-testowe-42";
    let sys = app
        .add_person("Zofia", "Miejska", &app.school_a, None, Some(pw))
        .await;
    app.directory
        .grant_role(&sys.entry, &AdminRole::SystemAdministrator)
        .await
        .unwrap();
    let local = app.signed_in(&app.local_admin).await;
    let id = sys.entry.id.clone();
    for action in ["zablokuj", "odblokuj", "nowe-haslo"] {
        let r = local
            .submit(FRAME, &format!("/panel/pracownicy/{id}/{action}"), &[])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{action}: {}", r.body);
    }
    assert_eq!(
        person_now(&app, &id).await.account_state,
        AccountState::Active
    );
    for action in [
        "account.locked",
        "account.unlocked",
        "account.password_reissued",
    ] {
        let records = app.audit_of(action).await;
        assert_eq!(records.len(), 1, "{action}");
        let Outcome::Failure(why) = &records[0].record.outcome else {
            panic!("{action} succeeded");
        };
        assert!(why.starts_with("forbidden"), "{action}: {why}");
        assert_eq!(
            records[0].record.actor,
            Actor::Person(app.local_admin.login.clone())
        );
    }

    // Nobody locks themselves.
    let me = app.local_admin.id.clone();
    let r = local
        .submit(FRAME, &format!("/panel/pracownicy/{me}/zablokuj"), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    // An ordinary employee of the school: the local administrator may.
    let r = local
        .submit(
            FRAME,
            &format!("/panel/pracownicy/{}/zablokuj", app.employee.id),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // The system administrator may lock the other system administrator.
    let system = app.signed_in(&app.system_admin).await;
    let r = system
        .submit(FRAME, &format!("/panel/pracownicy/{id}/zablokuj"), &[])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        person_now(&app, &id).await.account_state,
        AccountState::Locked
    );
}

fn local_caller(p: &PortalApp) -> Caller {
    Caller {
        actor: Actor::Person(p.app.local_admin.login.clone()),
        scope: SchoolScope::Only(vec![zszo_connector::domain::SchoolCode::parse(
            &p.app.school_a,
        )
        .unwrap()]),
        request_id: None,
    }
}

#[tokio::test]
async fn reissue_ends_the_restricted_session_of_the_old_one_time_password() {
    let p = PortalApp::start().await;
    let e = p.employee("Teodor", "Złodziejski").await;
    let login = e.person.login.as_str().to_owned();
    // A thief signs in with a photographed slip: a restricted session.
    let thief = p.browser();
    let r = p.sign_in(&thief, &login, &e.otp).await;
    assert_eq!(r.location(), Some("/portal/pierwsze-logowanie"));
    let form = thief.get("/portal/pierwsze-logowanie").await;
    assert_eq!(form.status, StatusCode::OK);

    // The administrator re-issues the password.
    p.app.clock.advance(Duration::minutes(1));
    let issued = p
        .app
        .spawned
        .provisioning()
        .reissue_password(&local_caller(&p), &e.person.entry.id)
        .await
        .unwrap();
    let records = p.app.audit_of("account.password_reissued").await;
    assert_eq!(records[0].record.details["signed_out"], "1");

    // The thief's next POST fails and changes nothing.
    let csrf = form.csrf().unwrap();
    let r = thief
        .post_form(
            "/portal/pierwsze-logowanie",
            &[
                ("password", OWN),
                ("password_repeat", OWN),
                ("email", "zlodziej@example.pl"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert!(
        r.status == StatusCode::FORBIDDEN || r.location() == Some("/portal/logowanie"),
        "{} {:?} {}",
        r.status,
        r.location(),
        r.body
    );
    assert_eq!(
        person_now(&p.app, &e.person.entry.id).await.account_state,
        AccountState::AwaitingFirstLogin
    );

    // The new password's restricted session ends at that password's expiry.
    use secrecy::ExposeSecret;
    let owner = p.browser();
    let r = p
        .sign_in(&owner, &login, issued.password.expose_secret())
        .await;
    assert_eq!(r.location(), Some("/portal/pierwsze-logowanie"));
    assert_eq!(
        owner.get("/portal/pierwsze-logowanie").await.status,
        StatusCode::OK
    );
    use zszo_connector::clock::Clock;
    let left = issued.expires_at - p.app.clock.now();
    p.app.clock.advance(left + Duration::seconds(1));
    let r = owner.get("/portal/pierwsze-logowanie").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), Some("/portal/logowanie"));
}

#[tokio::test]
async fn a_restricted_session_is_bound_to_its_one_time_password_even_if_nothing_ended_it() {
    let p = PortalApp::start().await;
    let e = p.employee("Urszula", "Zapasowa").await;
    let b = p.browser();
    let r = p.sign_in(&b, e.person.login.as_str(), &e.otp).await;
    assert_eq!(r.location(), Some("/portal/pierwsze-logowanie"));
    // A re-issue by a use case that cannot reach the sessions (e.g. its store failed).
    p.app.clock.advance(Duration::minutes(1));
    p.app
        .spawned
        .provisioning_without_session_store()
        .reissue_password(&local_caller(&p), &e.person.entry.id)
        .await
        .unwrap();
    let r = b.get("/portal/pierwsze-logowanie").await;
    assert_eq!(r.location(), Some("/portal/logowanie"), "{}", r.body);
}

#[tokio::test]
async fn lock_and_a_password_change_end_the_other_sessions_of_the_person() {
    let p = PortalApp::start().await;
    let e = p.employee("Wiesław", "Dwuokienny").await;
    let login = e.person.login.as_str().to_owned();
    let first = p.set_up(&e, OWN, "w.dwuokienny@example.pl").await;
    let second = p.browser();
    let r = p.sign_in(&second, &login, OWN).await;
    assert_eq!(r.location(), Some("/portal"), "{}", r.body);
    let r = p.sign_in(&first, &login, OWN).await;
    assert_eq!(r.location(), Some("/portal"), "{}", r.body);

    // A password change in the first browser ends the second's session, not its own.
    let newer = "lajkonik tańczy na rynku";
    let r = first
        .submit(
            "/portal/haslo",
            "/portal/haslo",
            &[
                ("current_password", OWN),
                ("password", newer),
                ("password_repeat", newer),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(first.get("/portal").await.status, StatusCode::OK);
    assert_eq!(second.get("/portal").await.status, StatusCode::SEE_OTHER);
    let records = p.app.audit_of("account.password_changed").await;
    assert_eq!(records[0].record.details["signed_out"], "1");

    // A lock ends the rest, and says so in its record.
    let caller = local_caller(&p);
    let r = p
        .app
        .spawned
        .provisioning()
        .lock_account(&caller, &e.person.entry.id)
        .await;
    assert!(r.is_ok(), "{r:?}");
    let records = p.app.audit_of("account.locked").await;
    assert_eq!(records[0].record.details["signed_out"], "1");
    assert_eq!(first.get("/portal").await.status, StatusCode::SEE_OTHER);
    // And the local administrator may not lock themselves (the use case refuses too).
    let own = p.app.local_admin.id.clone();
    let refused = p
        .app
        .spawned
        .provisioning()
        .lock_account(&caller, &own)
        .await;
    assert!(matches!(refused, Err(ProvisioningError::Forbidden(_))));
}

#[tokio::test]
async fn hr_deactivation_ends_the_persons_sessions_through_the_one_place() {
    let p = PortalApp::start().await;
    let e = p.employee("Zenon", "Odchodzący").await;
    let b = p.set_up(&e, OWN, "z.odchodzacy@example.pl").await;
    let r = p.sign_in(&b, e.person.login.as_str(), OWN).await;
    assert_eq!(r.location(), Some("/portal"), "{}", r.body);
    let mut profile = person_now(&p.app, &e.person.entry.id).await.profile;
    profile.employment_active = false;
    p.app
        .spawned
        .provisioning()
        .update_person(&local_caller(&p), &e.person.entry.id, profile)
        .await
        .unwrap();
    let records = p.app.audit_of("person.deactivated").await;
    assert_eq!(records[0].record.details["signed_out"], "1");
    assert_eq!(b.get("/portal").await.status, StatusCode::SEE_OTHER);
}
