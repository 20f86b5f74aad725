//! `Idempotency-Key` on SCIM POST and PATCH against real slapd (REL-04): replay, reuse with
//! another payload, a key still in progress, key syntax, per-client scope.

use crate::common;
use crate::scim_support::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use zszo_connector::ports::state::IdempotencyRecords;
use zszo_connector::scim::http::idempotency::fingerprint;
use zszo_connector::store::idempotency::{Claim, IdempotencyClaim, IdempotencyPolicy, KeyOf};

async fn send(
    app: &ScimApp,
    token: &str,
    method: Method,
    path: &str,
    key: &str,
    body: &Value,
) -> Answer {
    let res = app
        .http
        .request(method, format!("{}{path}", app.base))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .header("content-type", "application/scim+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    let text = res.text().await.unwrap();
    Answer {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}

fn replayed(a: &Answer) -> bool {
    a.headers
        .get("idempotency-replayed")
        .is_some_and(|v| v == "true")
}

async fn people_named(school: &str, family: &str) -> usize {
    let filter = format!("(&(objectClass=inetOrgPerson)(sn={family}))");
    common::count_in_school(school, &filter).await
}

#[tokio::test]
async fn a_post_retried_with_the_same_key_replays_the_first_answer_and_creates_one_person() {
    let app = ScimApp::start().await;
    let body = okta_user(&app.school_a, "Zofia", "Idempotentna");
    let first = send(&app, &app.token_a, Method::POST, "/Users", "klucz-1", &body).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert!(!replayed(&first));
    let again = send(&app, &app.token_a, Method::POST, "/Users", "klucz-1", &body).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
    assert!(replayed(&again));
    assert_eq!(again.body, first.body);
    for h in ["etag", "location"] {
        assert_eq!(again.headers.get(h), first.headers.get(h), "{h}");
    }
    assert!(is_scim(&again));
    assert_eq!(people_named(&app.school_a, "Idempotentna").await, 1);
    let id = first.body["id"].as_str().unwrap();
    let created = app.audit_about(id).await;
    assert_eq!(
        created
            .iter()
            .filter(|r| r.record.action == "person.created")
            .count(),
        1
    );
}

#[tokio::test]
async fn the_same_key_with_another_payload_is_refused_with_422() {
    let app = ScimApp::start().await;
    let one = okta_user(&app.school_a, "Jan", "Pierwszy");
    let other = okta_user(&app.school_a, "Jan", "Drugi");
    let first = send(&app, &app.token_a, Method::POST, "/Users", "k-422", &one).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let reuse = send(&app, &app.token_a, Method::POST, "/Users", "k-422", &other).await;
    assert_eq!(reuse.status.as_u16(), 422, "{}", reuse.body);
    assert!(is_scim(&reuse));
    assert_eq!(reuse.body["status"], "422");
    assert_eq!(people_named(&app.school_a, "Drugi").await, 0);
}

#[tokio::test]
async fn a_key_whose_first_request_is_still_running_gets_409() {
    let app = ScimApp::start().await;
    let body = okta_user(&app.school_a, "Ewa", "Wtoku");
    // The first request with this key is in progress (claimed just now, not finished).
    let print = fingerprint(
        &Method::POST,
        &"/Users".parse().unwrap(),
        body.to_string().as_bytes(),
    );
    let policy = IdempotencyPolicy {
        ttl: time::Duration::hours(24),
        abandon_after: time::Duration::minutes(5),
    };
    let key = KeyOf {
        client: "hr-a".into(),
        key: "k-409".into(),
    };
    let claim = app
        .state
        .claim_idempotency(IdempotencyClaim {
            key,
            fingerprint: print,
            now: time::OffsetDateTime::now_utc(),
            policy,
        })
        .await
        .unwrap();
    assert!(matches!(claim, Claim::Started { .. }));
    let second = send(&app, &app.token_a, Method::POST, "/Users", "k-409", &body).await;
    assert_eq!(second.status, StatusCode::CONFLICT, "{}", second.body);
    assert!(is_scim(&second));
    assert_eq!(people_named(&app.school_a, "Wtoku").await, 0);
    // Another client's key of the same name is its own.
    let b = okta_user(&app.school_b, "Ewa", "Wtoku");
    let other = send(&app, &app.token_b, Method::POST, "/Users", "k-409", &b).await;
    assert_eq!(other.status, StatusCode::CREATED, "{}", other.body);
}

#[tokio::test]
async fn a_patch_with_a_key_is_applied_once_and_replayed() {
    let app = ScimApp::start().await;
    let id = app
        .create_user(&app.token_a, okta_user(&app.school_a, "Piotr", "Patchowy"))
        .await;
    let patch = json!({
        "schemas": [PATCH],
        "Operations": [{ "op": "replace", "path": "displayName", "value": "Piotr P." }]
    });
    let path = format!("/Users/{id}");
    let first = send(&app, &app.token_a, Method::PATCH, &path, "p-1", &patch).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let again = send(&app, &app.token_a, Method::PATCH, &path, "p-1", &patch).await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(replayed(&again));
    assert_eq!(again.body, first.body);
    let updates = app.audit_about(&id).await;
    assert_eq!(
        updates
            .iter()
            .filter(|r| r.record.action == "person.updated")
            .count(),
        1
    );
}

#[tokio::test]
async fn a_refused_request_is_replayed_as_refused_and_a_malformed_key_is_a_400() {
    let app = ScimApp::start().await;
    let outside = okta_user(&app.school_b, "Anna", "Obca");
    let first = send(
        &app,
        &app.token_a,
        Method::POST,
        "/Users",
        "k-403",
        &outside,
    )
    .await;
    assert_eq!(first.status, StatusCode::FORBIDDEN);
    let again = send(
        &app,
        &app.token_a,
        Method::POST,
        "/Users",
        "k-403",
        &outside,
    )
    .await;
    assert_eq!(again.status, StatusCode::FORBIDDEN);
    assert!(replayed(&again));

    let body = okta_user(&app.school_a, "Anna", "Zlyklucz");
    let long = "k".repeat(256);
    let bad = send(&app, &app.token_a, Method::POST, "/Users", &long, &body).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(is_scim(&bad));
    assert_eq!(people_named(&app.school_a, "Zlyklucz").await, 0);
    let ok = send(
        &app,
        &app.token_a,
        Method::POST,
        "/Users",
        &"k".repeat(255),
        &body,
    )
    .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
}
