//! What SCIM answers leak (issue 13): every answer is `Cache-Control: no-store`, and error
//! details never carry a DN or slapd's diagnostic text.

use crate::scim_support::{okta_user, ScimApp};
use reqwest::{Method, StatusCode};

fn no_store(a: &crate::scim_support::Answer) -> bool {
    a.headers
        .get("cache-control")
        .is_some_and(|v| v.to_str().unwrap() == "no-store")
}

/// Whether a client-facing text carries something of the directory's.
fn leaks_directory_text(detail: &str) -> bool {
    let lower = detail.to_ascii_lowercase();
    ["dc=", "ou=", "uid=", "cn=", "non-unique", "slapd", "ldap"]
        .iter()
        .any(|needle| lower.contains(needle))
}

#[tokio::test]
async fn scim_answers_are_not_stored_by_caches_and_errors_name_no_dn_or_slapd_text() {
    let app = ScimApp::start().await;
    let first = okta_user(&app.school_a, "Anna", "Mazur");
    let id = app.create_user(&app.token_a, first.clone()).await;

    let read = app.get(&app.token_a, &format!("/Users/{id}")).await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(no_store(&read), "{:?}", read.headers);
    let list = app.get(&app.token_a, "/Users?count=1").await;
    assert!(no_store(&list), "{:?}", list.headers);
    let refused = app.get("zszo_not-a-token", "/Users").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(no_store(&refused), "{:?}", refused.headers);

    // Another person with the same address: the directory (slapo-unique) refuses it; the
    // client learns which value clashed, not where or in slapd's words.
    let mut second = okta_user(&app.school_a, "Anna", "Mazur");
    second["emails"] = first["emails"].clone();
    let clash = app
        .call(&app.token_a, Method::POST, "/Users", Some(second))
        .await;
    assert_eq!(clash.status, StatusCode::CONFLICT, "{}", clash.body);
    assert!(no_store(&clash), "{:?}", clash.headers);
    let detail = clash.body["detail"].as_str().unwrap();
    assert!(detail.contains("email"), "{detail}");
    assert!(!leaks_directory_text(detail), "{detail}");
}
