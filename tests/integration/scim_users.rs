//! SCIM Users against real slapd: every operation checked through SCIM and directly in LDAP,
//! with the request shapes Entra ID and Okta really send (shared/docs/scim-clients.md).

use crate::common;
use crate::scim_support::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[path = "scim_users_refusals.rs"]
mod refusals;
#[path = "scim_users_writes.rs"]
mod writes;

#[tokio::test]
async fn scim_discovery_documents_are_complete_and_typed() {
    let app = ScimApp::start().await;
    let spc = app.get(&app.token_a, "/ServiceProviderConfig").await;
    assert_eq!(spc.status, StatusCode::OK);
    assert!(is_scim(&spc));
    for key in [
        "patch",
        "bulk",
        "filter",
        "changePassword",
        "sort",
        "etag",
        "authenticationSchemes",
    ] {
        assert!(!spc.body[key].is_null(), "{key} missing in {}", spc.body);
    }
    assert!(spc.body["bulk"]["maxOperations"].is_number());
    assert!(spc.body["filter"]["maxResults"].is_number());
    let schemas = app.get(&app.token_a, "/Schemas").await;
    assert!(schemas.body["totalResults"].as_u64().unwrap() >= 4);
    let rt = app.get(&app.token_a, "/ResourceTypes/User").await;
    assert_eq!(rt.status, StatusCode::OK, "{}", rt.body);
}

#[tokio::test]
async fn scim_requires_a_valid_bearer_token() {
    let app = ScimApp::start().await;
    let res = app
        .http
        .get(format!("{}/Users", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Bearer"));
    let bad = app.get("zszo_not-a-real-token", "/Users").await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert!(is_scim(&bad));
    assert!(bad.headers["www-authenticate"]
        .to_str()
        .unwrap()
        .contains("invalid_token"));
}

#[tokio::test]
async fn okta_creates_a_user_with_a_generated_login_and_the_entry_lands_in_its_school() {
    let app = ScimApp::start().await;
    let body = okta_user(&app.school_a, "Łucja", "Żądło-Wąs");
    let created = app
        .call(&app.token_a, Method::POST, "/Users", Some(body.clone()))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert!(is_scim(&created));
    let id = created.body["id"].as_str().unwrap();
    assert!(created.headers["location"]
        .to_str()
        .unwrap()
        .ends_with(&format!("/Users/{id}")));
    assert!(created.headers["etag"]
        .to_str()
        .unwrap()
        .starts_with("W/\""));
    assert_eq!(created.body["meta"]["resourceType"], "User");
    assert!(created.body.get("password").is_none());

    // In LDAP: the id is the entryUUID, the login is generated from the name, not userName.
    let dn = app.person_dn(id).await.unwrap();
    assert!(
        dn.contains(&format!("ou=pracownicy,ou={},ou=placowki", app.school_a)),
        "{dn}"
    );
    let entry = common::admin_entry(&dn).await;
    assert_eq!(entry.attrs["entryUUID"], vec![id.to_owned()]);
    assert!(
        entry.attrs["uid"][0].starts_with("lucja.zadlo-was"),
        "{:?}",
        entry.attrs["uid"]
    );
    assert_eq!(
        entry.attrs["zszoExternalUserName"][0],
        body["userName"].as_str().unwrap()
    );
    assert_eq!(
        entry.attrs["mail"][0],
        body["emails"][0]["value"].as_str().unwrap()
    );
    assert_eq!(entry.attrs["zszoAccountState"], vec!["none"]);
    assert!(
        !entry.attrs.contains_key("userPassword"),
        "SCIM never creates credentials"
    );

    // One audit record for the creation.
    let records = app.audit_about(id).await;
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].record.action, "person.created");
}

#[tokio::test]
async fn user_name_is_unique_case_insensitively() {
    let app = ScimApp::start().await;
    let body = okta_user(&app.school_a, "Jan", "Nowak");
    app.create_user(&app.token_a, body.clone()).await;
    let mut again = body.clone();
    again["userName"] = json!(body["userName"].as_str().unwrap().to_uppercase());
    let dup = app
        .call(&app.token_a, Method::POST, "/Users", Some(again))
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT, "{}", dup.body);
    assert_eq!(error_type(&dup), Some("uniqueness"));
}

#[tokio::test]
async fn okta_existence_check_and_entra_test_connection_get_lists() {
    let app = ScimApp::start().await;
    let body = okta_user(&app.school_a, "Anna", "Kowalska");
    let id = app.create_user(&app.token_a, body.clone()).await;
    let user_name = body["userName"].as_str().unwrap().to_uppercase();
    let found = app
        .get(
            &app.token_a,
            &format!("/Users?filter=userName%20eq%20%22{user_name}%22&startIndex=1&count=100"),
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    assert_eq!(found.body["totalResults"], 1);
    assert_eq!(found.body["Resources"][0]["id"], id.as_str());
    assert_eq!(found.body["startIndex"], 1);
    assert_eq!(found.body["itemsPerPage"], 1);

    let random = app
        .get(
            &app.token_a,
            "/Users?filter=userName%20eq%20%22a1b2c3d4-nobody%22",
        )
        .await;
    assert_eq!(random.status, StatusCode::OK);
    assert_eq!(random.body["totalResults"], 0);
    assert_eq!(random.body["Resources"], json!([]));
}

#[tokio::test]
async fn lists_page_with_a_stable_order_and_post_search_works() {
    let app = ScimApp::start().await;
    for i in 0..5 {
        app.create_user(
            &app.token_a,
            okta_user(&app.school_a, "Paged", &format!("Person{i}")),
        )
        .await;
    }
    let filter = "name.givenName%20eq%20%22Paged%22";
    let p1 = app
        .get(
            &app.token_a,
            &format!("/Users?filter={filter}&startIndex=1&count=2"),
        )
        .await;
    let p2 = app
        .get(
            &app.token_a,
            &format!("/Users?filter={filter}&startIndex=3&count=2"),
        )
        .await;
    let p3 = app
        .get(
            &app.token_a,
            &format!("/Users?filter={filter}&startIndex=5&count=2"),
        )
        .await;
    assert_eq!(p1.body["totalResults"], 5);
    let ids: Vec<String> = [&p1, &p2, &p3]
        .iter()
        .flat_map(|p| p.body["Resources"].as_array().unwrap().clone())
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 5, "{ids:?}");

    let search = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": "name.givenName eq \"Paged\" and name.familyName sw \"person\"",
        "sortBy": "name.familyName", "sortOrder": "descending",
        "attributes": ["userName"], "count": 2
    });
    let res = app
        .call(&app.token_a, Method::POST, "/Users/.search", Some(search))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body["totalResults"], 5);
    let first = &res.body["Resources"][0];
    assert!(
        first.get("userName").is_some() && first.get("emails").is_none(),
        "{first}"
    );
}

#[tokio::test]
async fn namesakes_get_the_next_free_login_in_order() {
    let app = ScimApp::start().await;
    let family = format!(
        "Nazwisko{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let mut logins = Vec::new();
    for _ in 0..3 {
        let id = app
            .create_user(&app.token_a, okta_user(&app.school_a, "Jan", &family))
            .await;
        let entry = common::admin_entry(&app.person_dn(&id).await.unwrap()).await;
        logins.push(entry.attrs["uid"][0].clone());
    }
    let base = format!("jan.{}", family.to_lowercase());
    assert_eq!(
        logins,
        [base.clone(), format!("{base}2"), format!("{base}3")]
    );
}
