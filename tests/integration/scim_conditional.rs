//! Conditional requests (RFC 7644 §3.14) on Users and Groups against real slapd: `If-Match`
//! on PUT, PATCH and DELETE (412 on a stale version, `*` for any), `If-None-Match` on GET
//! (304), and the failed precondition audited.

use crate::scim_support::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use zszo_connector::domain::audit::Outcome;

async fn send(
    app: &ScimApp,
    method: Method,
    path: &str,
    header: (&str, &str),
    body: Option<&Value>,
) -> Answer {
    let mut req = app
        .http
        .request(method, format!("{}{path}", app.base))
        .bearer_auth(&app.token_a)
        .header(header.0, header.1);
    if let Some(b) = body {
        req = req
            .header("content-type", "application/scim+json")
            .body(b.to_string());
    }
    let res = req.send().await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    let text = res.text().await.unwrap();
    Answer {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
    }
}

fn etag(a: &Answer) -> String {
    a.headers["etag"].to_str().unwrap().to_owned()
}

fn rename(name: &str) -> Value {
    json!({
        "schemas": [PATCH],
        "Operations": [{ "op": "replace", "path": "displayName", "value": name }]
    })
}

#[tokio::test]
async fn etags_are_advertised_in_the_service_provider_config() {
    let app = ScimApp::start().await;
    let spc = app.get(&app.token_a, "/ServiceProviderConfig").await;
    assert_eq!(spc.body["etag"]["supported"], true);
}

#[tokio::test]
async fn a_get_with_the_current_etag_in_if_none_match_is_answered_304() {
    let app = ScimApp::start().await;
    let id = app
        .create_user(&app.token_a, okta_user(&app.school_a, "Ola", "Etagowa"))
        .await;
    let path = format!("/Users/{id}");
    let current = etag(&app.get(&app.token_a, &path).await);
    let same = send(&app, Method::GET, &path, ("if-none-match", &current), None).await;
    assert_eq!(same.status, StatusCode::NOT_MODIFIED);
    assert_eq!(etag(&same), current);
    assert_eq!(same.body, Value::String(String::new()));
    let any = send(&app, Method::GET, &path, ("if-none-match", "*"), None).await;
    assert_eq!(any.status, StatusCode::NOT_MODIFIED);
    let other = send(
        &app,
        Method::GET,
        &path,
        ("if-none-match", "W/\"old\""),
        None,
    )
    .await;
    assert_eq!(other.status, StatusCode::OK);
    assert_eq!(other.body["id"], id.as_str());
}

#[tokio::test]
async fn a_put_with_a_stale_if_match_is_refused_with_412_and_changes_nothing() {
    let app = ScimApp::start().await;
    let body = okta_user(&app.school_a, "Marek", "Wersja");
    let created = app
        .call(&app.token_a, Method::POST, "/Users", Some(body.clone()))
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let first = etag(&created);
    let path = format!("/Users/{id}");
    // Someone else changes the person: the client's ETag is now stale.
    let changed = send(
        &app,
        Method::PATCH,
        &path,
        ("if-match", &first),
        Some(&rename("M. W.")),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_ne!(etag(&changed), first);

    let mut put = body.clone();
    put["id"] = json!(id);
    put["displayName"] = json!("Stale write");
    let stale = send(&app, Method::PUT, &path, ("if-match", &first), Some(&put)).await;
    assert_eq!(
        stale.status,
        StatusCode::PRECONDITION_FAILED,
        "{}",
        stale.body
    );
    assert!(is_scim(&stale));
    assert_eq!(stale.body["status"], "412");
    let now = app.get(&app.token_a, &path).await;
    assert_eq!(now.body["displayName"], "M. W.");

    let records = app.audit_about(&id).await;
    let refused = &records[0].record;
    assert_eq!(refused.action, "person.updated");
    assert_eq!(
        refused.outcome,
        Outcome::Failure("precondition_failed".into())
    );

    let fresh = send(
        &app,
        Method::PUT,
        &path,
        ("if-match", &etag(&now)),
        Some(&put),
    )
    .await;
    assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.body);
    assert_eq!(fresh.body["displayName"], "Stale write");
}

#[tokio::test]
async fn if_match_star_accepts_any_version_and_a_stale_delete_keeps_the_person() {
    let app = ScimApp::start().await;
    let created = app
        .call(
            &app.token_a,
            Method::POST,
            "/Users",
            Some(okta_user(&app.school_a, "Kinga", "Gwiazdka")),
        )
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let path = format!("/Users/{id}");
    let star = send(
        &app,
        Method::PATCH,
        &path,
        ("if-match", "*"),
        Some(&rename("K. G.")),
    )
    .await;
    assert_eq!(star.status, StatusCode::OK, "{}", star.body);

    let stale = send(
        &app,
        Method::DELETE,
        &path,
        ("if-match", &etag(&created)),
        None,
    )
    .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert!(app.person_dn(&id).await.is_some());
    let gone = send(
        &app,
        Method::DELETE,
        &path,
        ("if-match", &etag(&star)),
        None,
    )
    .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    assert!(app.person_dn(&id).await.is_none());
}

#[tokio::test]
async fn group_changes_honour_if_match_and_group_reads_honour_if_none_match() {
    let app = ScimApp::start().await;
    let member = app
        .create_user(&app.token_a, okta_user(&app.school_a, "Igor", "Grupowy"))
        .await;
    let group = json!({ "schemas": [GROUP], "displayName": "Rada warunkowa", "members": [] });
    let created = app
        .call(&app.token_a, Method::POST, "/Groups", Some(group))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let path = format!("/Groups/{id}");
    let first = etag(&created);

    let add = json!({
        "schemas": [PATCH],
        "Operations": [{ "op": "add", "path": "members", "value": [{ "value": member }] }]
    });
    let added = send(&app, Method::PATCH, &path, ("if-match", &first), Some(&add)).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    let remove = json!({
        "schemas": [PATCH],
        "Operations": [{ "op": "remove", "path": format!("members[value eq \"{member}\"]") }]
    });
    let stale = send(
        &app,
        Method::PATCH,
        &path,
        ("if-match", &first),
        Some(&remove),
    )
    .await;
    assert_eq!(
        stale.status,
        StatusCode::PRECONDITION_FAILED,
        "{}",
        stale.body
    );
    let now = app.get(&app.token_a, &path).await;
    assert_eq!(now.body["members"].as_array().unwrap().len(), 1);

    let cached = send(
        &app,
        Method::GET,
        &path,
        ("if-none-match", &etag(&now)),
        None,
    )
    .await;
    assert_eq!(cached.status, StatusCode::NOT_MODIFIED);
    let stale_delete = send(&app, Method::DELETE, &path, ("if-match", &first), None).await;
    assert_eq!(stale_delete.status, StatusCode::PRECONDITION_FAILED);
    let deleted = send(&app, Method::DELETE, &path, ("if-match", &etag(&now)), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_malformed_if_match_is_a_400() {
    let app = ScimApp::start().await;
    let id = app
        .create_user(&app.token_a, okta_user(&app.school_a, "Lena", "Skladnia"))
        .await;
    let path = format!("/Users/{id}");
    let bad = send(&app, Method::DELETE, &path, ("if-match", "no-quotes"), None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(is_scim(&bad));
    assert!(app.person_dn(&id).await.is_some());
}
