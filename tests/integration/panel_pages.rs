//! The panel pages over HTTP against the real slapd (issue 5): staff search (folded names,
//! namesakes, paging), the row menu, create account → the slip, re-issue, lock/unlock,
//! history, another school's person refused on every page and action, CSRF.

use crate::panel_support::{csrf_in, Browser, PanelApp, PanelPage};
use reqwest::StatusCode;
use secrecy::SecretString;
use zszo_connector::domain::{AccountState, LoginName};
use zszo_connector::ports::directory_parts::*;
use zszo_connector::ports::SchoolScope;

#[path = "panel_pages_refusals.rs"]
mod refusals;

fn staff(school: &str, q: &str) -> String {
    format!(
        "/panel/pracownicy?szkola={school}&q={}",
        q.replace(' ', "+")
    )
}

/// The text between `<… id="<id>">` and the next `<`.
fn element_text(html: &str, id: &str) -> Option<String> {
    let marker = format!("id=\"{id}\">");
    let at = html.find(&marker)? + marker.len();
    let end = html[at..].find("</")?;
    // A long login may wrap only after its dots (`<wbr>`).
    Some(html[at..at + end].replace("<wbr>", ""))
}

/// Posts a row action with the CSRF token of the staff page of `school`.
async fn post_action(b: &Browser, school: &str, path: &str) -> PanelPage {
    let page = b.get(&staff(school, "")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = page.csrf().expect("a CSRF field on the staff page");
    b.post_form(path, &[("csrf", &csrf)]).await
}

async fn state_of(app: &PanelApp, id: &str) -> AccountState {
    app.directory
        .get_person(id, &SchoolScope::All)
        .await
        .unwrap()
        .unwrap()
        .account_state
}

async fn binds(app: &PanelApp, login: &str, password: &str) -> bool {
    app.directory
        .check_password(
            &LoginName::parse(login).unwrap(),
            &SecretString::from(password.to_owned()),
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn search_folds_diacritics_tells_namesakes_apart_and_stays_in_the_school() {
    let app = PanelApp::start().await;
    let (a, b) = (app.school_a.clone(), app.school_b.clone());
    let first = app
        .add_person("Łukasz", "Nowak", &a, Some("SP-7001"), None)
        .await;
    let second = app
        .add_person(
            "Łukasz",
            "Nowak",
            &a,
            Some("SP-7002"),
            Some("Hasło-aktywne-123456"),
        )
        .await;
    let elsewhere = app
        .add_person("Łukasz", "Nowak", &b, Some("SP-7003"), None)
        .await;
    let browser = app.signed_in(&app.local_admin).await;

    for q in ["lukasz nowak", "NOWAK łukasz", "nowak", "ukasz"] {
        let page = browser.get(&staff(&a, q)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("SP-7001"), "{q}: {}", page.body);
        assert!(page.body.contains("SP-7002"), "{q}");
        assert!(
            !page.body.contains("SP-7003"),
            "{q}: another school's person"
        );
        assert!(page.body.contains("Znaleziono: 2"), "{q}: {}", page.body);
    }
    // Namesakes: each row shows the employee number, position, schools and account state.
    let page = browser.get(&staff(&a, "lukasz nowak")).await;
    assert!(page.body.contains("nauczyciel"));
    assert!(page.body.contains("brak konta") && page.body.contains("aktywne"));
    // "Utwórz konto" only for the one without an account.
    assert!(page.body.contains(&format!(
        "/panel/pracownicy/{}/utworz-konto",
        first.entry.id
    )));
    assert!(!page.body.contains(&format!(
        "/panel/pracownicy/{}/utworz-konto",
        second.entry.id
    )));
    assert_eq!(
        page.body.matches("Utwórz konto").count(),
        1,
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains(&format!("/panel/pracownicy/{}/historia", second.entry.id)));
    // Nobody by that name.
    let none = browser.get(&staff(&a, "żaden taki")).await;
    assert!(none.body.contains("Nie znaleziono pracowników"));
    // Another school in the query string: 404, nothing listed.
    let other = browser.get(&staff(&b, "lukasz")).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert!(!other.body.contains("SP-7003"));
    // The system administrator picks any school.
    let sys = app.signed_in(&app.system_admin).await;
    let page = sys.get(&staff(&b, "lukasz nowak")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("SP-7003") && !page.body.contains("SP-7001"));
    assert!(page.body.contains(&format!("<option value=\"{a}\"")));
    assert!(page
        .body
        .contains(&format!("<option value=\"{b}\" selected")));
    let _ = elsewhere;
    // Without a session: to the sign-in page.
    let anonymous = app.browser().get(&staff(&a, "")).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(anonymous.location(), Some("/panel/logowanie"));
    // /panel is the start page (issue 16), with the way to the staff search.
    let home = browser.get("/panel").await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.body);
    assert!(home.body.contains("Twoje zadania"), "{}", home.body);
    assert!(home
        .body
        .contains(&format!("href=\"/panel/pracownicy?szkola={a}\"")));
    let default = browser.get("/panel/pracownicy").await;
    assert!(default
        .body
        .contains(&format!("name=\"szkola\" value=\"{a}\"")));
}

#[tokio::test]
async fn search_results_are_paged_by_twenty() {
    let app = PanelApp::start().await;
    let a = app.school_a.clone();
    for i in 0..23 {
        app.add_person(
            "Stefan",
            "Stronicowy",
            &a,
            Some(&format!("PG-{i:03}")),
            None,
        )
        .await;
    }
    let browser = app.signed_in(&app.local_admin).await;
    let one = browser.get(&staff(&a, "stronicowy")).await;
    assert!(one.body.contains("Znaleziono: 23"), "{}", one.body);
    assert_eq!(one.body.matches("<td>PG-0").count(), 20);
    assert!(one.body.contains("Strona 1 z 2"));
    assert!(one.body.contains("rel=\"next\""));
    let two = browser
        .get(&format!("{}&strona=2", staff(&a, "stronicowy")))
        .await;
    assert_eq!(two.body.matches("<td>PG-0").count(), 3, "{}", two.body);
    assert!(two.body.contains("Strona 2 z 2") && two.body.contains("rel=\"prev\""));
    let seen = |p: &PanelPage| {
        (0..23)
            .filter(|i| p.body.contains(&format!("PG-{i:03}")))
            .collect::<Vec<_>>()
    };
    let mut all = seen(&one);
    all.extend(seen(&two));
    all.sort();
    assert_eq!(
        all,
        (0..23).collect::<Vec<_>>(),
        "every person exactly once"
    );
}

#[tokio::test]
async fn create_account_gives_the_slip_once_then_reissue_lock_unlock_and_history() {
    let app = PanelApp::start().await;
    let a = app.school_a.clone();
    let person = app
        .add_person("Żaneta", "Kęsik", &a, Some("SP-8001"), None)
        .await;
    let id = person.entry.id.clone();
    let browser = app.signed_in(&app.local_admin).await;
    let confirm_path = format!("/panel/pracownicy/{id}/utworz-konto");

    let confirm = browser.get(&confirm_path).await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.body);
    assert!(confirm.body.contains("SP-8001") && confirm.body.contains("Żaneta Kęsik"));
    let csrf = confirm.csrf().unwrap();
    let slip = browser.post_form(&confirm_path, &[("csrf", &csrf)]).await;
    assert_eq!(slip.status, StatusCode::OK, "{}", slip.body);
    let cache = slip.headers.get("cache-control").unwrap().to_str().unwrap();
    assert!(cache.contains("no-store"), "{cache}");
    let login = element_text(&slip.body, "login").expect("a login on the slip");
    let password = element_text(&slip.body, "haslo").expect("a password on the slip");
    assert_eq!(login, person.login.as_str(), "the person's login");
    assert!(password.len() >= 20, "{password}");
    for s in [
        "Karta przekazania konta ZSZO",
        "https://zszo.example/portal",
        "Hasło ważne do",
        "Ustaw własne, nowe hasło",
        "Podaj swój adres e-mail",
        "Żaneta Kęsik",
    ] {
        assert!(slip.body.contains(s), "{s} missing on the slip");
    }
    assert_eq!(state_of(&app, &id).await, AccountState::AwaitingFirstLogin);
    assert!(
        binds(&app, &login, &password).await,
        "the one-time password binds"
    );
    assert!(
        !app.audit_text().await.contains(&password),
        "the password is in no audit record"
    );

    // A second submit of the same form creates nothing and shows no password.
    // Reload or Back on the slip (issue 16): the page says the account exists already and
    // leads to "issue a new one-time password", not "someone changed this".
    let again = browser.post_form(&confirm_path, &[("csrf", &csrf)]).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(element_text(&again.body, "haslo").is_none());
    assert!(
        again.body.contains("To konto zostało już utworzone"),
        "{}",
        again.body
    );
    assert!(again
        .body
        .contains(&format!("href=\"/panel/pracownicy/{id}/nowe-haslo\"")));
    assert!(!again.body.contains("Ktoś właśnie"), "{}", again.body);
    // The slip names the school and has the employee's receipt line.
    assert!(
        slip.body.contains(&format!("Szkoła {a} ({a})")),
        "{}",
        slip.body
    );
    assert!(slip.body.contains("(data i podpis pracownika)"));
    assert!(binds(&app, &login, &password).await);
    // The row now offers re-issue, not create; the confirm page refuses.
    let row = browser.get(&staff(&a, "zaneta kesik")).await;
    assert!(row.body.contains("czeka na pierwsze logowanie"));
    assert!(!row.body.contains("Utwórz konto"));
    assert!(row.body.contains("Wydaj nowe hasło jednorazowe"));
    let stale = browser.get(&confirm_path).await;
    assert_eq!(stale.status, StatusCode::OK);
    assert!(
        stale.body.contains("To konto zostało już utworzone"),
        "{}",
        stale.body
    );
    assert!(
        !stale.body.contains(r#"<form class="confirm""#),
        "no button: {}",
        stale.body
    );

    // Re-issue: a new password, the old one stops working.
    let reissue_path = format!("/panel/pracownicy/{id}/nowe-haslo");
    let confirm = browser.get(&reissue_path).await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.body);
    let slip2 = browser
        .post_form(&reissue_path, &[("csrf", &confirm.csrf().unwrap())])
        .await;
    assert_eq!(slip2.status, StatusCode::OK, "{}", slip2.body);
    assert!(slip2
        .headers
        .get("cache-control")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("no-store"));
    let password2 = element_text(&slip2.body, "haslo").unwrap();
    assert_ne!(password, password2);
    assert_eq!(element_text(&slip2.body, "login").unwrap(), login);
    assert!(
        !binds(&app, &login, &password).await,
        "the old one stops working"
    );
    assert!(binds(&app, &login, &password2).await);

    // Lock, then unlock.
    let locked = post_action(&browser, &a, &format!("/panel/pracownicy/{id}/zablokuj")).await;
    assert_eq!(locked.status, StatusCode::OK, "{}", locked.body);
    assert!(locked.body.contains("Konto zostało zablokowane"));
    assert_eq!(state_of(&app, &id).await, AccountState::Locked);
    assert!(
        !binds(&app, &login, &password2).await,
        "a locked account cannot bind"
    );
    let row = browser.get(&staff(&a, "kesik")).await;
    assert!(row.body.contains("Odblokuj") && row.body.contains("zablokowane"));
    let unlocked = post_action(&browser, &a, &format!("/panel/pracownicy/{id}/odblokuj")).await;
    assert_eq!(unlocked.status, StatusCode::OK, "{}", unlocked.body);
    assert!(unlocked.body.contains("Konto zostało odblokowane"));
    assert_ne!(state_of(&app, &id).await, AccountState::Locked);

    // History: every action, newest first, in words.
    let history = browser
        .get(&format!("/panel/pracownicy/{id}/historia"))
        .await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.body);
    let at = |s: &str| {
        history
            .body
            .find(s)
            .unwrap_or_else(|| panic!("{s} missing: {}", history.body))
    };
    assert!(at("odblokowano konto") < at("zablokowano konto"));
    assert!(at("zablokowano konto") < at("wydano nowe hasło jednorazowe"));
    assert!(at("wydano nowe hasło jednorazowe") < at("utworzono konto"));
    assert!(history
        .body
        .contains(&format!("<td>{}</td>", app.local_admin.login)));
    assert!(!history.body.contains(&password) && !history.body.contains(&password2));
}

#[tokio::test]
async fn the_pages_speak_english_when_chosen() {
    let app = PanelApp::start().await;
    let a = app.school_a.clone();
    app.add_person("Ewa", "Językowa", &a, Some("L-1"), None)
        .await;
    let browser = app.signed_in(&app.local_admin).await;
    let back = format!("/panel/pracownicy?szkola={a}");
    let switch = browser
        .get(&format!(
            "/panel/jezyk?lang=en&wroc={}",
            back.replace('?', "%3F").replace('=', "%3D")
        ))
        .await;
    assert!(switch.status.is_redirection(), "{}", switch.status);
    let page = browser.get(&staff(&a, "ewa")).await;
    assert!(page.body.contains("School staff"), "{}", page.body);
    assert!(page.body.contains("Create account") && page.body.contains("no account"));
    assert!(page.body.contains("<html lang=\"en\""));
}
