//! The panel pages refused: another school's person gets 404 on every page and action (and
//! the attempt is audited), and forms without this session's CSRF token change nothing.

use super::*;

#[tokio::test]
async fn a_local_administrator_gets_404_for_another_schools_person_everywhere() {
    let app = PanelApp::start().await;
    let (a, b) = (app.school_a.clone(), app.school_b.clone());
    let without = app
        .add_person("Obcy", "Bezkonta", &b, Some("B-1"), None)
        .await;
    let with = app
        .add_person(
            "Obca",
            "Zkontem",
            &b,
            Some("B-2"),
            Some("Hasło-aktywne-654321"),
        )
        .await;
    let browser = app.signed_in(&app.local_admin).await;
    let csrf = browser.get(&staff(&a, "")).await.csrf().unwrap();

    for id in [&without.entry.id, &with.entry.id] {
        for what in ["utworz-konto", "nowe-haslo", "historia"] {
            let page = browser.get(&format!("/panel/pracownicy/{id}/{what}")).await;
            assert_eq!(
                page.status,
                StatusCode::NOT_FOUND,
                "GET {what}: {}",
                page.body
            );
            assert!(!page.body.contains("Obc"), "nothing about the person");
        }
        for what in ["utworz-konto", "nowe-haslo", "zablokuj", "odblokuj"] {
            let page = browser
                .post_form(
                    &format!("/panel/pracownicy/{id}/{what}"),
                    &[("csrf", &csrf)],
                )
                .await;
            assert_eq!(
                page.status,
                StatusCode::NOT_FOUND,
                "POST {what}: {}",
                page.body
            );
            assert!(element_text(&page.body, "haslo").is_none());
        }
    }
    assert_eq!(state_of(&app, &without.entry.id).await, AccountState::None);
    assert_eq!(state_of(&app, &with.entry.id).await, AccountState::Active);
    // The attempts are in the audit store, naming who tried and whom (issue 13).
    let refused = app.audit_of("person.read_refused").await;
    for id in [&without.entry.id, &with.entry.id] {
        assert!(
            refused.iter().any(|r| {
                r.record
                    .target
                    .as_ref()
                    .and_then(|t| t.entry_uuid.as_deref())
                    == Some(id)
                    && r.record.details.get("via").map(String::as_str) == Some("panel")
                    && r.record.actor.to_string().starts_with("person:")
            }),
            "{refused:#?}"
        );
    }
    assert_eq!(
        browser.get(&staff(&b, "")).await.status,
        StatusCode::NOT_FOUND
    );
    // An id that is not a person at all: 404 too.
    let page = browser
        .get("/panel/pracownicy/00000000-0000-4000-8000-000000000000/historia")
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    // The other school's own administrator may.
    let theirs = app.signed_in(&app.other_admin).await;
    let page = theirs
        .get(&format!(
            "/panel/pracownicy/{}/utworz-konto",
            without.entry.id
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
}

#[tokio::test]
async fn forms_without_the_csrf_token_change_nothing() {
    let app = PanelApp::start().await;
    let a = app.school_a.clone();
    let person = app
        .add_person("Celina", "Tokenowa", &a, Some("C-1"), None)
        .await;
    let active = app
        .add_person(
            "Cyryl",
            "Tokenowy",
            &a,
            Some("C-2"),
            Some("Hasło-aktywne-111222"),
        )
        .await;
    let browser = app.signed_in(&app.local_admin).await;
    let create = format!("/panel/pracownicy/{}/utworz-konto", person.entry.id);
    let lock = format!("/panel/pracownicy/{}/zablokuj", active.entry.id);
    for path in [&create, &lock] {
        let none = browser.post_form(path, &[]).await;
        assert_eq!(none.status, StatusCode::FORBIDDEN, "{}", none.body);
        let wrong = browser.post_form(path, &[("csrf", "nie-ten-token")]).await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN);
        assert!(element_text(&wrong.body, "haslo").is_none());
    }
    // Another browser's valid token is not this session's.
    let other = app.signed_in(&app.other_admin).await;
    let foreign = csrf_in(&other.get(&staff(&app.school_b, "")).await.body).unwrap();
    let page = browser.post_form(&create, &[("csrf", &foreign)]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(state_of(&app, &person.entry.id).await, AccountState::None);
    assert_eq!(state_of(&app, &active.entry.id).await, AccountState::Active);
    assert!(app.audit_of("account.created").await.is_empty());
    assert!(app.audit_of("account.locked").await.is_empty());
}
