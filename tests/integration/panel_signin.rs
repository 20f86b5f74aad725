//! The panel's sign-in, sessions, CSRF, throttling, headers and language, over HTTP against
//! the real router and a real slapd (see `panel_support`).

use crate::panel_support::{PanelApp, PanelPage};
use reqwest::StatusCode;
use time::Duration;
use zszo_connector::domain::audit::Outcome;

#[path = "panel_signin_refusals.rs"]
mod refusals;

const SESSION: &str = "__Host-zszo-panel";
const PRE: &str = "__Host-zszo-pre";
const SIGN_IN: &str = "/panel/logowanie";
/// A page only the panel's fallback answers: 404 in the frame (with sign-out when signed in).
const SOME_PAGE: &str = "/panel/nie-ma-takiej-strony";
const BAD_CREDENTIALS_PL: &str = "Nieprawidłowy login lub hasło";
const THROTTLED_PL: &str = "Zbyt wiele nieudanych prób logowania";

fn assert_strict_cookie(line: &str) {
    let attrs: Vec<String> = line
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    for needed in ["path=/", "secure", "httponly", "samesite=strict"] {
        assert!(
            attrs.iter().any(|a| a == needed),
            "{needed} missing: {line}"
        );
    }
    assert!(
        !attrs
            .iter()
            .any(|a| a.starts_with("domain") || a.starts_with("expires")),
        "{line}"
    );
}

fn assert_security_headers(page: &PanelPage) {
    let h = |n: &str| {
        page.headers
            .get(n)
            .unwrap_or_else(|| panic!("{n} missing ({})", page.status))
            .to_str()
            .unwrap()
            .to_owned()
    };
    let csp = h("content-security-policy");
    for d in [
        "default-src 'none'",
        "style-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ] {
        assert!(csp.contains(d), "{d} missing from {csp}");
    }
    assert_eq!(
        h("strict-transport-security"),
        "max-age=31536000; includeSubDomains"
    );
    assert_eq!(h("x-content-type-options"), "nosniff");
    assert_eq!(h("referrer-policy"), "no-referrer");
    assert_eq!(h("cross-origin-opener-policy"), "same-origin");
    assert!(page.headers.get("cache-control").is_some());
}

/// Signed in means: the sign-in page sends you on to the panel.
async fn signed_in(b: &crate::panel_support::Browser) -> bool {
    let page = b.get(SIGN_IN).await;
    match page.status {
        StatusCode::SEE_OTHER => true,
        StatusCode::OK => false,
        other => panic!("unexpected {other}: {}", page.body),
    }
}

#[tokio::test]
async fn panel_sign_in_gives_a_new_strict_host_cookie_and_is_audited_without_the_password() {
    let app = PanelApp::start().await;
    let b = app.browser();
    let form = b.get(SIGN_IN).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("<html lang=\"pl\">"), "{}", form.body);
    assert!(form.body.contains("name=\"csrf\""));
    assert_strict_cookie(&form.set_cookie(PRE).expect("a pre-session cookie"));
    assert_security_headers(&form);

    let answer = b
        .sign_in(&app.local_admin.login, &app.local_admin.password)
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(answer.location(), Some("/panel"));
    let line = answer.set_cookie(SESSION).expect("a session cookie");
    assert_strict_cookie(&line);
    assert!(!line.to_ascii_lowercase().contains("max-age"), "{line}");
    let first = b.cookie(SESSION).unwrap();
    assert!(first.len() >= 43, "at least 256 bits: {first}");
    assert!(b.cookie(PRE).is_none(), "the pre-session cookie is dropped");
    assert!(signed_in(&b).await);
    // The name and the sign-out form are in the frame.
    let page = b.get(SOME_PAGE).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("Alicja Źródłowska"), "{}", page.body);
    assert!(page.body.contains("action=\"/panel/wyloguj\""));

    // Signing in again (same browser) rotates the id; the old one is dead.
    let again = b
        .submit(
            SOME_PAGE,
            SIGN_IN,
            &[
                ("login", &app.local_admin.login),
                ("password", &app.local_admin.password),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    let second = b.cookie(SESSION).unwrap();
    assert_ne!(first, second);
    let old = app.browser();
    old.set_cookie(SESSION, Some(&first));
    assert!(
        !signed_in(&old).await,
        "the previous session id still works"
    );

    let records = app.audit_of("panel.sign_in").await;
    assert_eq!(records.len(), 2);
    assert!(records.iter().all(|r| r.record.outcome == Outcome::Success));
    assert_eq!(
        records[0]
            .record
            .target
            .as_ref()
            .unwrap()
            .entry_uuid
            .as_deref(),
        Some(app.local_admin.id.as_str())
    );
    assert_eq!(records[0].record.details["address"], "127.0.0.1");
    assert!(records[0].record.details["roles"].contains(&format!("local:{}", app.school_a)));
    let text = app.audit_text().await;
    assert!(!text.contains(&app.local_admin.password));
}

#[tokio::test]
async fn panel_unknown_login_and_wrong_password_get_the_same_answer() {
    let app = PanelApp::start().await;
    let b = app.browser();
    let wrong = b
        .sign_in(&app.local_admin.login, "Nie-to-hasło-123456")
        .await;
    let unknown = b.sign_in("nikt.taki", "Nie-to-hasło-123456").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, wrong.status);
    assert!(wrong.body.contains(BAD_CREDENTIALS_PL), "{}", wrong.body);
    // The same page but for the login typed back into the field.
    assert_eq!(
        wrong.body.replace(&app.local_admin.login, "X"),
        unknown.body.replace("nikt.taki", "X")
    );
    assert!(wrong.set_cookie(SESSION).is_none() && unknown.set_cookie(SESSION).is_none());
    assert!(
        !wrong.body.contains("Nie-to-hasło-123456"),
        "the password is echoed"
    );
    assert_security_headers(&wrong);

    let records = app.audit_of("panel.sign_in").await;
    assert_eq!(records.len(), 2);
    for r in &records {
        assert_eq!(
            r.record.outcome,
            Outcome::Failure("invalid_credentials".into())
        );
    }
    assert!(!app.audit_text().await.contains("Nie-to-hasło-123456"));
}

#[tokio::test]
async fn panel_refuses_an_ordinary_employee_clearly() {
    let app = PanelApp::start().await;
    let b = app.browser();
    let answer = b.sign_in(&app.employee.login, &app.employee.password).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
    assert!(
        answer
            .body
            .contains("Nie masz uprawnień do Centralnego Panelu"),
        "{}",
        answer.body
    );
    assert!(answer.set_cookie(SESSION).is_none());
    assert!(!signed_in(&b).await);
    let records = app.audit_of("panel.sign_in").await;
    assert_eq!(
        records[0].record.outcome,
        Outcome::Failure("not_an_administrator".into())
    );
    assert_eq!(
        records[0]
            .record
            .target
            .as_ref()
            .unwrap()
            .entry_uuid
            .as_deref(),
        Some(app.employee.id.as_str())
    );
    // A system administrator and the other school's administrator get in.
    app.signed_in(&app.system_admin).await;
    app.signed_in(&app.other_admin).await;
}

#[tokio::test]
async fn panel_sign_out_ends_the_session_on_the_server() {
    let app = PanelApp::start().await;
    let b = app.signed_in(&app.local_admin).await;
    let id = b.cookie(SESSION).unwrap();
    let out = b.submit(SOME_PAGE, "/panel/wyloguj", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.body);
    assert!(out.location().unwrap().starts_with(SIGN_IN));
    assert!(b.cookie(SESSION).is_none(), "the cookie is deleted");
    let page = b.follow(&out).await;
    assert!(page.body.contains("Wylogowano"), "{}", page.body);
    // The id itself is dead on the server, not only forgotten by the browser.
    let replay = app.browser();
    replay.set_cookie(SESSION, Some(&id));
    assert!(!signed_in(&replay).await);
    let key = zszo_connector::web::session::key_of(&id);
    let limits = zszo_connector::store::sessions::SessionLimits {
        idle: Duration::hours(1),
        absolute: Duration::hours(24),
    };
    let now = time::OffsetDateTime::now_utc();
    assert!(app
        .state
        .touch_session(key, now, limits)
        .await
        .unwrap()
        .is_none());
    assert_eq!(app.audit_of("panel.sign_out").await.len(), 1);
}

#[tokio::test]
async fn panel_sessions_end_after_15_idle_minutes_and_8_hours_in_all() {
    let app = PanelApp::start().await;
    let b = app.signed_in(&app.local_admin).await;
    app.clock.advance(Duration::minutes(14));
    assert!(signed_in(&b).await, "14 idle minutes end nothing");
    app.clock.advance(Duration::minutes(15));
    assert!(!signed_in(&b).await, "15 idle minutes end the session");

    // Activity keeps it alive, but never past 8 hours.
    let b = app.signed_in(&app.local_admin).await;
    let mut elapsed = Duration::ZERO;
    while elapsed < Duration::hours(8) - Duration::minutes(10) {
        app.clock.advance(Duration::minutes(10));
        elapsed += Duration::minutes(10);
        assert!(signed_in(&b).await, "active session ended after {elapsed}");
    }
    app.clock.advance(Duration::minutes(10));
    assert!(!signed_in(&b).await, "alive after 8 hours");
}

#[tokio::test]
async fn panel_security_headers_are_on_every_answer() {
    let app = PanelApp::start().await;
    let b = app.browser();
    assert_security_headers(&b.get(SIGN_IN).await);
    assert_security_headers(&b.get(SOME_PAGE).await);
    let css = b.get("/panel/assets/zszo.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    assert_security_headers(&css);
    let bad = b.post_form(SIGN_IN, &[]).await;
    assert_security_headers(&bad);
    let signed = app.signed_in(&app.local_admin).await;
    let page = signed.get(SOME_PAGE).await;
    assert_security_headers(&page);
    assert_eq!(page.headers["cache-control"], "no-store");
    assert_security_headers(&signed.get("/panel/jezyk?lang=en&wroc=/panel").await);
}

#[tokio::test]
async fn panel_pages_are_in_english_after_switching_language() {
    let app = PanelApp::start().await;
    let b = app.browser();
    let switch = b.get("/panel/jezyk?lang=en&wroc=/panel/logowanie").await;
    assert_eq!(switch.status, StatusCode::SEE_OTHER);
    assert_eq!(switch.location(), Some("/panel/logowanie"));
    assert_strict_cookie(&switch.set_cookie("__Host-zszo-lang").unwrap());
    let page = b.follow(&switch).await;
    assert!(page.body.contains("<html lang=\"en\">"), "{}", page.body);
    assert!(page.body.contains(">Sign in<"), "{}", page.body);
    assert!(page.body.contains("hreflang=\"pl\""));
    // Errors too.
    let failed = b
        .sign_in(&app.local_admin.login, "Wrong-password-123")
        .await;
    assert!(
        failed.body.contains("Wrong login or password"),
        "{}",
        failed.body
    );
    let csrf = b.post_form(SIGN_IN, &[("login", "x")]).await;
    assert!(csrf.body.contains("nothing was changed"), "{}", csrf.body);
    // No open redirect.
    let away = b
        .get("/panel/jezyk?lang=pl&wroc=https://evil.example/")
        .await;
    assert_eq!(away.location(), Some("/panel"));
    assert!(b.get(SIGN_IN).await.body.contains("<html lang=\"pl\">"));
}

#[tokio::test]
async fn a_locked_account_or_a_withdrawn_role_ends_the_panel_session_at_once() {
    use zszo_connector::domain::audit::Actor;
    use zszo_connector::ports::directory_parts::*;
    use zszo_connector::ports::SchoolScope;
    use zszo_connector::provisioning::Caller;

    let app = PanelApp::start().await;
    let b = app.signed_in(&app.local_admin).await;
    assert!(signed_in(&b).await);

    // The system administrator locks the local administrator's account.
    let system = Caller {
        actor: Actor::Person(app.system_admin.login.clone()),
        scope: SchoolScope::All,
        request_id: None,
    };
    // Without the session store: the lock does not end sessions itself, so the panel must
    // see it in the directory.
    let provisioning = app.spawned.provisioning_without_session_store();
    provisioning
        .lock_account(&system, &app.local_admin.id)
        .await
        .unwrap();
    assert!(!signed_in(&b).await, "the session outlived the lock");
    let page = b.get("/panel").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);

    // The other administrator loses the role while signed in.
    let other = app.signed_in(&app.other_admin).await;
    assert!(signed_in(&other).await);
    let person = app
        .directory
        .get_person(&app.other_admin.id, &SchoolScope::All)
        .await
        .unwrap()
        .unwrap();
    let group = format!(
        "cn=administratorzy-lokalni,ou=grupy,ou={},ou=placowki,{}",
        app.school_b,
        crate::common::ldap().base_dn
    );
    let mut ldap = crate::common::connect_admin().await;
    ldap.modify(
        &group,
        vec![ldap3::Mod::Delete(
            "member".to_owned(),
            std::collections::HashSet::from([person.entry.dn.clone()]),
        )],
    )
    .await
    .unwrap()
    .success()
    .unwrap();
    assert!(!signed_in(&other).await, "the session outlived the role");
}
