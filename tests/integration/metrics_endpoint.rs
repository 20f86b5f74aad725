//! `GET /metrics` on its own listener: after real SCIM traffic the scrape holds the request,
//! LDAP, pool, audit, mail and held-operation series, labelled by route template (never by
//! raw URI); the public listener does not serve it.

use crate::scim_support::{okta_user, ScimApp};
use reqwest::{Method, StatusCode};
use std::sync::{Arc, OnceLock};
use zszo_connector::app;

#[tokio::test]
async fn metrics_after_traffic_hold_every_documented_series() {
    let metrics_port = Arc::new(OnceLock::new());
    let port = metrics_port.clone();
    let app = ScimApp::start_serving(Box::new(move |state, listener| {
        let metrics = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        metrics.set_nonblocking(true).unwrap();
        port.set(metrics.local_addr().unwrap().port()).unwrap();
        let metrics = tokio::net::TcpListener::from_std(metrics).unwrap();
        zszo_connector::monitoring::install();
        tokio::spawn(app::serve_with_metrics(
            state,
            listener,
            Some(metrics),
            std::future::pending(),
        ))
    }))
    .await;

    let token = app.token_a.clone();
    let user = okta_user(&app.school_a, "Metryka", "Licznikowa");
    let id = app.create_user(&token, user.clone()).await;
    let name = user["userName"].as_str().unwrap();
    let filter = format!("/Users?filter=userName%20eq%20%22{name}%22");
    assert_eq!(app.get(&token, &filter).await.status, StatusCode::OK);
    assert_eq!(
        app.get(&token, &format!("/Users/{id}")).await.status,
        StatusCode::OK
    );
    let missing = app
        .get(&token, "/Users/00000000-0000-0000-0000-000000000000")
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    // The same e-mail on a second person: slapo-unique refuses the add in slapd.
    let mut twin = okta_user(&app.school_a, "Metryka", "Bliźniacza");
    twin["emails"] = user["emails"].clone();
    let refused = app.call(&token, Method::POST, "/Users", Some(twin)).await;
    assert!(refused.status.is_client_error(), "{}", refused.body);

    let origin = app.base.trim_end_matches("/scim/v2").to_owned();
    let public = app
        .http
        .get(format!("{origin}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        public.status(),
        StatusCode::NOT_FOUND,
        "the public listener hides /metrics"
    );

    let port = metrics_port.get().unwrap();
    let scrape = app
        .http
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(scrape.status(), StatusCode::OK);
    assert!(scrape.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = scrape.text().await.unwrap();
    for series in [
        r#"zszo_http_requests_total{method="POST",route="/scim/v2/Users",status="201"}"#,
        r#"zszo_http_requests_total{method="GET",route="/scim/v2/Users",status="200"}"#,
        r#"zszo_http_request_duration_seconds_bucket{method="GET",route="/scim/v2/Users/{id}",status="404","#,
        r#"zszo_http_request_duration_seconds_count{method="GET",route="/scim/v2/Users/{id}",status="200"}"#,
        r#"zszo_ldap_operation_duration_seconds_bucket{operation="add","#,
        r#"zszo_ldap_operation_duration_seconds_bucket{operation="search","#,
        r#"zszo_ldap_operation_errors_total{operation="add",kind="refused"}"#,
        "zszo_ldap_pool_wait_seconds_bucket{",
        "zszo_ldap_write_wait_seconds_bucket{",
        "zszo_ldap_pool_connections ",
        "zszo_ldap_operations_in_flight ",
        "zszo_ldap_pool_max_connections ",
        "zszo_audit_append_duration_seconds_bucket{",
        "zszo_audit_commit_batch_size_bucket{",
        "zszo_mail_outbox_depth ",
        "zszo_mail_sent_total ",
        "zszo_mail_failures_total ",
        "zszo_deprovisioning_held_operations ",
        "# TYPE zszo_http_request_duration_seconds histogram",
    ] {
        assert!(text.contains(series), "missing {series} in:\n{text}");
    }
    // Route templates only: no identifier, userName or filter from the URIs.
    for leak in [id.as_str(), name, "filter"] {
        assert!(!text.contains(leak), "{leak} leaked into /metrics");
    }
}
