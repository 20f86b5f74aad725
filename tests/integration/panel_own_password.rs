//! Issue 12, item 1 and 7: only the administrator's own password opens the panel (the
//! password-policy control and the account state are both asked), and a failed sign-in's
//! audit actor is a login only when that account exists.

use crate::portal_support::{link_in, PortalApp};
use reqwest::StatusCode;
use zszo_connector::domain::audit::{Actor, Outcome};
use zszo_connector::domain::SchoolCode;
use zszo_connector::ports::directory_parts::*;
use zszo_connector::ports::AdminRole;

const SESSION: &str = "__Host-zszo-panel";
const OWN: &str = "kopiec krakusa lajkonik wisła";
const TOLD_TO_FINISH: &str = "dokończ pierwsze logowanie w Portalu Dostępowym";

#[tokio::test]
async fn a_one_time_password_never_opens_the_panel_until_the_first_sign_in_is_finished() {
    let p = PortalApp::start().await;
    let e = p.employee("Łukasz", "Nowak").await;
    let login = e.person.login.as_str().to_owned();
    let school = SchoolCode::parse(&p.app.school_a).unwrap();
    p.app
        .directory
        .grant_role(&e.person.entry, &AdminRole::LocalAdministrator(school))
        .await
        .unwrap();

    // The hand-over slip's password: the directory binds (result 0) but only for a change.
    let b = p.browser();
    let r = b.sign_in(&login, &e.otp).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains(TOLD_TO_FINISH), "{}", r.body);
    assert!(r.body.contains("href=\"/portal/logowanie\""), "{}", r.body);
    assert!(r.set_cookie(SESSION).is_none());
    assert_eq!(b.get("/panel").await.status, StatusCode::SEE_OTHER);
    let records = p.app.audit_of("panel.sign_in").await;
    assert_eq!(
        records[0].record.outcome,
        Outcome::Failure("first_sign_in_pending".into())
    );
    assert_eq!(records[0].record.details["forced_change"], "true");

    // The first sign-in in the portal: own password, address not yet confirmed.
    let email = "l.nowak.admin@example.pl";
    let _portal = p.set_up(&e, OWN, email).await;
    let r = b.sign_in(&login, OWN).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains(TOLD_TO_FINISH), "{}", r.body);
    assert!(r.set_cookie(SESSION).is_none());

    // The address confirmed: the account is active, the panel opens.
    let mails = p.mail_to(email, 1).await;
    let link = link_in(mails[0].text.as_deref().unwrap());
    let scanner = p.browser();
    let csrf = scanner.get(&link).await.csrf().unwrap();
    let r = scanner.post_form(&link, &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = b.sign_in(&login, OWN).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        r.location().unwrap().starts_with("/panel"),
        "{:?}",
        r.location()
    );
}

#[tokio::test]
async fn pwd_reset_on_an_active_system_administrator_refuses_the_panel() {
    let p = PortalApp::start().await;
    let admin = p.app.system_admin.clone();
    // What every one-time password carries, set on an otherwise active account.
    let mut ldap = crate::common::connect_admin().await;
    ldap.modify(
        &admin.dn,
        vec![ldap3::Mod::Replace(
            "pwdReset",
            std::collections::HashSet::from(["TRUE"]),
        )],
    )
    .await
    .unwrap()
    .success()
    .unwrap();
    let _ = ldap.unbind().await;
    let b = p.browser();
    let r = b.sign_in(&admin.login, &admin.password).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains(TOLD_TO_FINISH), "{}", r.body);
    assert!(b.cookie(SESSION).is_none());
}

#[tokio::test]
async fn a_failed_sign_in_names_a_login_as_actor_only_when_the_account_exists() {
    let p = PortalApp::start().await;
    let b = p.browser();
    // A password typed into the login field (it parses as a login, but nobody has it).
    let r = b.sign_in("tajne.haslo2024", "cokolwiek innego").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = b
        .sign_in(&p.app.local_admin.login, "to nie jest hasło")
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let records = p.app.audit_of("panel.sign_in").await;
    assert_eq!(records.len(), 2);
    assert_eq!(
        records[0].record.actor,
        Actor::Person(p.app.local_admin.login.clone())
    );
    assert_eq!(records[1].record.actor, Actor::System("unknown".into()));
    // Nor in the portal.
    let r = p.sign_in(&b, "tajne.haslo2024", "cokolwiek innego").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(!p.app.audit_text().await.contains("tajne.haslo2024"));
}

#[tokio::test]
async fn a_full_hashing_gate_answers_try_again_shortly_instead_of_queueing() {
    let p = PortalApp::start().await;
    let admin = p.app.local_admin.clone();
    // Every place taken (as by a flood of sign-ins in flight).
    let mut held = Vec::new();
    while let Some(permit) = p.app.hashing.try_admit() {
        held.push(permit);
    }
    assert!(!held.is_empty());
    let b = p.browser();
    for (path, r) in [
        ("panel", b.sign_in(&admin.login, &admin.password).await),
        ("portal", p.sign_in(&b, &admin.login, &admin.password).await),
    ] {
        assert_eq!(
            r.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{path}: {}",
            r.body
        );
        assert_eq!(r.headers["retry-after"], "5", "{path}");
        assert!(
            r.body.contains("Spróbuj ponownie za kilka sekund"),
            "{path}: {}",
            r.body
        );
        assert!(r.set_cookie(SESSION).is_none() && r.set_cookie("__Host-zszo-portal").is_none());
    }
    let records = p.app.audit_of("panel.sign_in").await;
    assert_eq!(records[0].record.outcome, Outcome::Failure("busy".into()));
    // Places free again: the same sign-in goes through.
    drop(held);
    let r = b.sign_in(&admin.login, &admin.password).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}
