//! Issue 12, item 4: the panel's second factor over HTTP against a real slapd. Enrolment at
//! the first panel sign-in (QR code and key on the page, first code confirms, 10 recovery
//! codes shown once), a code accepted once, a recovery code accepted once, a system
//! administrator's reset forcing a new enrolment, and the secrets readable only by the
//! daemon's service identity (slapd's ACL) and encrypted there.

use crate::panel_support::{Browser, PanelApp, TestPerson};
use reqwest::StatusCode;
use time::Duration;
use zszo_connector::clock::Clock;
use zszo_connector::domain::audit::Outcome;
use zszo_connector::second_factor::TotpSecret;

const PAGE: &str = "/panel/drugi-skladnik";
const SESSION: &str = "__Host-zszo-panel";

async fn app() -> PanelApp {
    PanelApp::start_with("[panel]\nrequire_second_factor = true\n").await
}

fn now_secs(app: &PanelApp) -> u64 {
    app.clock.now().unix_timestamp() as u64
}

/// The key shown on the enrolment page.
fn key_on(body: &str) -> TotpSecret {
    let start = body.find("id=\"sekret\">").expect("the key as text") + "id=\"sekret\">".len();
    let end = body[start..].find('<').unwrap();
    TotpSecret::from_base32(&body[start..start + end]).expect("a base32 key")
}

/// The recovery codes on the page after enrolment.
fn codes_on(body: &str) -> Vec<String> {
    body.split("<li><code>")
        .skip(1)
        .map(|s| s[..s.find('<').unwrap()].to_owned())
        .collect()
}

async fn code(b: &Browser, code: &str) -> crate::panel_support::PanelPage {
    b.submit(PAGE, PAGE, &[("kod", code)]).await
}

/// Signs in and enrols; the browser, the key and the recovery codes.
async fn enrolled(app: &PanelApp, who: &TestPerson) -> (Browser, TotpSecret, Vec<String>) {
    let b = app.browser();
    let r = b.sign_in(&who.login, &who.password).await;
    assert_eq!(r.location(), Some(PAGE), "{}", r.body);
    let page = b.get(PAGE).await;
    let key = key_on(&page.body);
    let r = code(&b, &key.code_at(now_secs(app))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let codes = codes_on(&r.body);
    (b, key, codes)
}

async fn panel_open(b: &Browser) -> bool {
    b.get("/panel/logowanie").await.status == StatusCode::SEE_OTHER
}

#[tokio::test]
async fn enrolment_at_the_first_panel_sign_in_then_a_code_each_time_used_once() {
    let app = app().await;
    let who = app.local_admin.clone();
    let b = app.browser();
    let r = b.sign_in(&who.login, &who.password).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some(PAGE));
    // The password alone opens nothing but this page.
    for path in ["/panel/pracownicy", "/panel/historia"] {
        let r = b.get(path).await;
        assert_eq!(r.location(), Some(PAGE), "{path}");
    }
    let page = b.get(PAGE).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<svg role=\"img\""), "{}", page.body);
    assert!(!page.body.contains("<script"));
    let key = key_on(&page.body);
    // A wrong code: refused, nothing stored.
    let wrong = code(&b, "000000").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("Nieprawidłowy lub już użyty kod"));
    let pending_cookie = b.cookie(SESSION).unwrap();
    let first = key.code_at(now_secs(&app));
    let r = code(&b, &first).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let codes = codes_on(&r.body);
    assert_eq!(codes.len(), 10, "{}", r.body);
    assert_eq!(r.headers["cache-control"], "no-store");
    assert_ne!(
        b.cookie(SESSION).unwrap(),
        pending_cookie,
        "a new session id"
    );
    assert!(panel_open(&b).await);
    assert_eq!(b.get("/panel/pracownicy").await.status, StatusCode::OK);

    // Next sign-in: the code, not the enrolment. The enrolment's code, replayed, is refused.
    let c = app.browser();
    let r = c.sign_in(&who.login, &who.password).await;
    assert_eq!(r.location(), Some(PAGE));
    assert!(!c.get(PAGE).await.body.contains("id=\"sekret\""));
    let replay = code(&c, &first).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED, "{}", replay.body);
    assert!(!panel_open(&c).await);
    app.clock.advance(Duration::seconds(30));
    let fresh = key.code_at(now_secs(&app));
    let r = code(&c, &fresh).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(panel_open(&c).await);
    // The same fresh code in a third browser: used already.
    let d = app.browser();
    d.sign_in(&who.login, &who.password).await;
    assert_eq!(code(&d, &fresh).await.status, StatusCode::UNAUTHORIZED);

    // A recovery code works once.
    let r = code(&d, &codes[0].to_uppercase()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Pozostało kodów: 9"), "{}", r.body);
    assert!(panel_open(&d).await);
    let e = app.browser();
    e.sign_in(&who.login, &who.password).await;
    assert_eq!(code(&e, &codes[0]).await.status, StatusCode::UNAUTHORIZED);
    assert!(!panel_open(&e).await);

    let records = app.audit_of("panel.second_factor").await;
    let failures = records
        .iter()
        .filter(|r| r.record.outcome == Outcome::Failure("wrong_code".into()))
        .count();
    assert_eq!(failures, 3);
    let text = app.audit_text().await;
    assert!(!text.contains(&first) && !text.contains(&codes[0]));
    assert!(!text.contains(&key.base32()));
}

#[tokio::test]
async fn a_system_administrator_resets_a_second_factor_and_the_person_enrols_again() {
    let app = app().await;
    let (local, _, _) = enrolled(&app, &app.local_admin).await;
    let (system, _, _) = enrolled(&app, &app.system_admin).await;
    let target = app.local_admin.id.clone();
    let path = format!("/panel/pracownicy/{target}/drugi-skladnik-reset");

    // A local administrator may not reset anyone's.
    let other = app.other_admin.id.clone();
    let r = local
        .submit(
            "/panel/pracownicy",
            &format!("/panel/pracownicy/{other}/drugi-skladnik-reset"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    let r = system.submit("/panel/pracownicy", &path, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        !panel_open(&local).await,
        "the reset ends the person's sessions"
    );
    let records = app.audit_of("panel.second_factor_reset").await;
    assert_eq!(records[0].record.outcome, Outcome::Success);
    assert_eq!(
        records[1].record.outcome,
        Outcome::Failure("forbidden".into())
    );

    // The next sign-in is an enrolment again.
    let b = app.browser();
    b.sign_in(&app.local_admin.login, &app.local_admin.password)
        .await;
    assert!(b.get(PAGE).await.body.contains("id=\"sekret\""));
}

#[tokio::test]
async fn second_factor_secrets_are_readable_only_by_the_service_and_encrypted() {
    let app = app().await;
    let (_, key, _) = enrolled(&app, &app.local_admin).await;
    let attrs = vec!["zszoSecondFactorSecret", "zszoSecondFactorRecovery"];
    let read_as = |dn: String, pw: String| {
        let attrs = attrs.clone();
        let target = app.local_admin.dn.clone();
        async move {
            let mut ldap = crate::common::connect_as(&dn, &pw).await;
            let result = ldap
                .search(&target, ldap3::Scope::Base, "(objectClass=*)", attrs)
                .await
                .unwrap();
            let _ = ldap.unbind().await;
            // Another person's entry does not even exist for them (the least-privilege ACLs
            // answer noSuchObject, 32): they see nothing of it either way.
            if result.1.rc == 32 {
                return std::collections::HashMap::new();
            }
            let (entries, _) = result.success().unwrap();
            ldap3::SearchEntry::construct(entries.into_iter().next().unwrap()).attrs
        }
    };
    let t = crate::common::ldap();
    let by_service = read_as(t.service_dn.clone(), t.service_password.clone()).await;
    let sealed = &by_service["zszoSecondFactorSecret"][0];
    assert!(!sealed.contains(&key.base32()));
    assert_eq!(by_service["zszoSecondFactorRecovery"].len(), 10);
    // The person themselves and another administrator see nothing of it.
    let own = read_as(app.local_admin.dn.clone(), app.local_admin.password.clone()).await;
    assert!(own.is_empty(), "{own:?}");
    let other = read_as(app.other_admin.dn.clone(), app.other_admin.password.clone()).await;
    assert!(other.is_empty(), "{other:?}");
}
