//! The Access Portal end to end over HTTP, against a real slapd and a real SMTP server:
//! first sign-in with the one-time password (a restricted session), the first-login form and
//! every password rule, the confirmation mail and link (scanner pre-open, reuse, the link of
//! another person), activation and the administrators' notice (issue 6).

use crate::panel_support::{Browser, PanelPage};
use crate::portal_support::{bind_and_search, link_in, person_now, PortalApp};
use reqwest::StatusCode;
use zszo_connector::domain::AccountState;

#[path = "portal_flow_changes.rs"]
mod changes;
#[path = "portal_flow_links.rs"]
mod links;

const GOOD: &str = "tramwaj smok obwarzanek wawel";

/// Presses the link's button: a POST to it with the browser's CSRF token (taken from the
/// sign-in page, so it works whether or not the link is still good).
async fn confirm(b: &Browser, link: &str) -> PanelPage {
    let csrf = b.get("/portal/logowanie").await.csrf().unwrap();
    b.post_form(link, &[("csrf", &csrf)]).await
}

/// Waits for the audit record of `action` (the mail sender writes it after the server
/// accepted the message).
async fn audited(p: &PortalApp, action: &str) -> Vec<zszo_connector::domain::audit::AuditRecord> {
    for _ in 0..100 {
        let found = p.app.audit_of(action).await;
        if !found.is_empty() {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no {action} record");
}

#[tokio::test]
async fn portal_first_login_sets_password_and_email_and_confirmation_activates_the_account() {
    let p = PortalApp::start().await;
    let e = p.employee("Małgorzata", "Żółkiewska").await;
    let login = e.person.login.as_str().to_owned();
    let b = p.browser();

    // A wrong password: one answer, no session.
    let r = p.sign_in(&b, &login, "not the one-time password").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.set_cookie("__Host-zszo-portal").is_none());

    // The one-time password: a restricted session, the form only.
    let r = p.sign_in(&b, &login, &e.otp).await;
    assert_eq!(r.location(), Some("/portal/pierwsze-logowanie"));
    let first_cookie = b.cookie("__Host-zszo-portal").expect("a portal session");
    for path in ["/portal", "/portal/haslo", "/portal/email"] {
        let r = b.get(path).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(r.location(), Some("/portal/pierwsze-logowanie"), "{path}");
    }
    let form = b.get("/portal/pierwsze-logowanie").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("autocomplete=\"new-password\""));
    assert!(!form.body.contains("onpaste"));
    let csrf = form.csrf().unwrap();
    for (path, fields) in [
        (
            "/portal/haslo",
            vec![
                ("current_password", e.otp.as_str()),
                ("password", GOOD),
                ("password_repeat", GOOD),
            ],
        ),
        (
            "/portal/email",
            vec![
                ("current_password", e.otp.as_str()),
                ("email", "x@example.pl"),
            ],
        ),
        ("/portal/wyslij-ponownie", vec![("email", "x@example.pl")]),
    ] {
        let mut all = fields.clone();
        all.push(("csrf", &csrf));
        let r = b.post_form(path, &all).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.body);
    }

    // Every rule of the policy, each with its reason.
    let cases: Vec<(String, &str)> = vec![
        ("krótkie hasło".into(), "za krótkie"),
        ("x7".repeat(65), "za długie"),
        ("Password123456789".into(), "zbyt popularne"),
        // A common password typed twice is common, not "easy words" (issue 16).
        ("haslo123haslo123".into(), "zbyt popularne"),
        (format!("moje {login} hasło"), "loginu"),
        ("pani Małgorzata z Krakowa".into(), "imienia"),
        ("KrakowZSZO2025!!".into(), "tylko z łatwych"),
        (e.otp.clone(), "inne niż hasło jednorazowe"),
        (
            e.otp.to_uppercase().replace('-', ""),
            "inne niż hasło jednorazowe",
        ),
    ];
    for (password, reason) in &cases {
        let r = p
            .first_login_form(&b, password, password, "m.z@example.pl")
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{password}");
        assert!(
            r.body.contains(reason),
            "{password}: {reason} not in {}",
            r.body
        );
        assert!(
            !r.body.contains(password.as_str()) || password.len() < 15,
            "echoed"
        );
    }
    let r = p
        .first_login_form(&b, GOOD, "something else entirely", "m.z@example.pl")
        .await;
    assert!(r.body.contains("różni się"), "{}", r.body);
    let r = p
        .first_login_form(&b, GOOD, GOOD, "m.z@example.pl\r\nBcc: x@y.pl")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let weak = p
        .first_login_form(&b, "qwertyuiopasdfgh", "qwertyuiopasdfgh", "m.z@example.pl")
        .await;
    // A refused password is never rated: "very good" beside "refused" contradicts itself.
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    for rating in ["Ocena siły", "bardzo dobre", "bardzo słabe"] {
        assert!(!weak.body.contains(rating), "{rating}: {}", weak.body);
    }
    // Nothing changed meanwhile.
    assert_eq!(
        person_now(&p.app, &e.person.entry.id).await.account_state,
        AccountState::AwaitingFirstLogin
    );

    // The good password: a new session (new id), the account awaits the confirmation.
    let r = p
        .first_login_form(&b, GOOD, GOOD, "M.Zolkiewska@Example.PL")
        .await;
    assert_eq!(r.location(), Some("/portal?zapisano=1"), "{}", r.body);
    assert_ne!(
        b.cookie("__Host-zszo-portal").unwrap(),
        first_cookie,
        "SESS-02"
    );
    let home = b.get("/portal?zapisano=1").await;
    assert!(
        home.body.contains("M.Zolkiewska@example.pl"),
        "{}",
        home.body
    );
    let now = person_now(&p.app, &e.person.entry.id).await;
    assert_eq!(now.account_state, AccountState::AwaitingEmailConfirmation);
    assert!(
        now.profile.emails.is_empty(),
        "mail is written only when confirmed"
    );
    assert_eq!(bind_and_search(&e.person.entry.dn, GOOD).await, (0, true));
    assert_eq!(bind_and_search(&e.person.entry.dn, &e.otp).await.0, 49);

    // The mail: the link from the configured base URL, a 256-bit token.
    let mails = p.mail_to("M.Zolkiewska@example.pl", 1).await;
    assert_eq!(mails.len(), 1);
    let link = link_in(mails[0].text.as_deref().unwrap());
    let token = link.trim_start_matches("/portal/confirm/").to_owned();
    assert_eq!(token.len(), 43);
    assert!(mails[0].html.as_deref().unwrap().contains(&token));

    // A scanner (or the person) opens the link: nothing happens until the button.
    let scanner = p.browser();
    for _ in 0..2 {
        let page = scanner.get(&link).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("id=\"confirm\""), "{}", page.body);
        assert_eq!(page.headers["referrer-policy"], "no-referrer");
    }
    assert_eq!(
        person_now(&p.app, &e.person.entry.id).await.account_state,
        AccountState::AwaitingEmailConfirmation
    );

    // The button confirms (in a browser without a session: the mail may be read anywhere).
    let csrf = scanner.get(&link).await.csrf().unwrap();
    let r = scanner.post_form(&link, &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("id=\"confirmed\""));
    // The administrator has an address: the page may say a notice is on its way.
    assert!(
        r.body
            .contains("wysyłamy administratorowi lokalnemu placówki powiadomienie"),
        "{}",
        r.body
    );
    let now = person_now(&p.app, &e.person.entry.id).await;
    assert_eq!(now.account_state, AccountState::Active);
    assert_eq!(now.profile.emails[0].value, "M.Zolkiewska@example.pl");
    assert!(now.activated_at.is_some());

    // Used once.
    let again = scanner.post_form(&link, &[("csrf", &csrf)]).await;
    assert_eq!(again.status, StatusCode::GONE);

    // The local administrator is told, with the forms to update.
    let notices = p.mail_to(&p.admin_email, 2).await;
    assert_eq!(notices.len(), 1);
    assert!(
        notices[0].subject.contains(&login),
        "{}",
        notices[0].subject
    );
    assert!(notices[0]
        .text
        .as_deref()
        .unwrap()
        .contains("F-02, F-03 i F-04"));

    // One record per step, none with the token or the passwords.
    for action in [
        "account.first_login",
        "account.password_set",
        "account.activated",
        "mail.sent",
        "administrators.notified",
    ] {
        audited(&p, action).await;
    }
    let activated = &p.app.audit_of("account.activated").await[0];
    assert_eq!(activated.record.details["login"], login);
    assert!(activated.record.details.contains_key("display_name"));
    let failures = p.app.audit_of("email.confirmed").await;
    assert_eq!(
        failures[0].record.outcome,
        zszo_connector::domain::audit::Outcome::Failure("token_used".into())
    );
    let audit = p.app.audit_text().await;
    for secret in [token.as_str(), GOOD, e.otp.as_str()] {
        assert!(!audit.contains(secret), "audit holds a secret");
    }
    let state_bytes = std::fs::read(&p.app.config.state.path).unwrap();
    assert!(
        !state_bytes
            .windows(token.len())
            .any(|w| w == token.as_bytes()),
        "the state file holds the token"
    );

    // The person signs in with the new password: the account page.
    let b2 = p.browser();
    let r = p.sign_in(&b2, &login, GOOD).await;
    assert_eq!(r.location(), Some("/portal"));
    let home = b2.get("/portal").await;
    assert!(home.body.contains("aktywne"), "{}", home.body);
    assert_eq!(
        p.sign_in(&p.browser(), &login, &e.otp).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn every_portal_page_has_language_headings_labels_and_a_keyboard_order() {
    let p = PortalApp::start().await;
    let e = p.employee("Ola", "Dostępna").await;
    let b = p.browser();
    let mut pages = vec![(
        "/portal/logowanie".to_owned(),
        b.get("/portal/logowanie").await,
    )];
    p.sign_in(&b, e.person.login.as_str(), &e.otp).await;
    pages.push((
        "first login".into(),
        b.get("/portal/pierwsze-logowanie").await,
    ));
    pages.push((
        "refused".into(),
        p.first_login_form(&b, "krótkie", "krótkie", "ola@example.pl")
            .await,
    ));
    p.first_login_form(&b, GOOD, GOOD, "ola@example.pl").await;
    pages.push(("awaiting".into(), b.get("/portal?zapisano=1").await));
    let link = p.link_for("ola@example.pl", 1).await;
    pages.push(("link".into(), p.browser().get(&link).await));
    pages.push(("confirmed".into(), confirm(&p.browser(), &link).await));
    pages.push(("used link".into(), p.browser().get(&link).await));
    pages.push(("account".into(), b.get("/portal").await));
    pages.push(("password".into(), b.get("/portal/haslo").await));
    pages.push(("email".into(), b.get("/portal/email").await));
    // Issue 16: the forgotten-password pages.
    let forgot = "/portal/nie-pamietam-hasla";
    pages.push(("forgot".into(), p.browser().get(forgot).await));
    p.app.clock.advance(time::Duration::minutes(5));
    let login = e.person.login.as_str();
    let asked = p
        .browser()
        .submit(forgot, forgot, &[("login", login)])
        .await;
    pages.push(("forgot answered".into(), asked));
    let mails = p.mail_to("ola@example.pl", 3).await;
    let reset = crate::portal_reset::reset_link_in(mails.last().unwrap().text.as_deref().unwrap());
    pages.push(("reset form".into(), p.browser().get(&reset).await));
    pages.push((
        "reset link invalid".into(),
        p.browser().get("/portal/nowe-haslo/nie-ma-takiego").await,
    ));
    let en = p.browser();
    en.get("/portal/jezyk?lang=en&wroc=/portal/logowanie").await;
    let english = en.get("/portal/logowanie").await;
    assert!(english.body.contains("<html lang=\"en\"") && english.body.contains("Sign in"));
    pages.push(("english".into(), english));
    let mut all = Vec::new();
    for (path, page) in &pages {
        assert!(
            page.status.is_success()
                || page.status == StatusCode::GONE
                || page.status == StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {} {}",
            page.status,
            page.body
        );
        all.extend(crate::panel_accessibility::problems(path, &page.body));
    }
    assert!(all.is_empty(), "{all:#?}");
}

#[tokio::test]
async fn portal_sign_in_is_throttled_per_login_with_the_same_answer() {
    let p = PortalApp::start().await;
    let e = p.employee("Rafał", "Zgadywacz").await;
    let login = e.person.login.as_str().to_owned();
    let wrong = p
        .sign_in(&p.browser(), &login, "wrong wrong wrong wrong")
        .await;
    for _ in 0..5 {
        p.sign_in(&p.browser(), &login, "wrong wrong wrong wrong")
            .await;
    }
    // Blocked now: the right one-time password gets the failure answer too.
    let blocked = p.sign_in(&p.browser(), &login, &e.otp).await;
    assert_eq!(blocked.status, StatusCode::UNAUTHORIZED);
    assert_eq!(blocked.status, wrong.status);
    assert!(blocked.set_cookie("__Host-zszo-portal").is_none());
    let records = p.app.audit_of("portal.sign_in").await;
    assert!(records
        .iter()
        .any(|r| r.record.details.get("why").map(String::as_str) == Some("throttled")));
    // After the block the one-time password works.
    p.app.clock.advance(time::Duration::minutes(16));
    let r = p.sign_in(&p.browser(), &login, &e.otp).await;
    assert_eq!(r.location(), Some("/portal/pierwsze-logowanie"));
}
