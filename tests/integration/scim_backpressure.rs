//! Backpressure (issue 4, REL-01): with the directory down, SCIM writes answer 503 with
//! `Retry-After` from the adapter's own failure (not the request timeout), write nothing,
//! and leave a failure in the audit store; once slapd is back, the pool recovers and the
//! same request succeeds. Uses a private slapd that the test stops and restarts.

use crate::common;
use crate::common::app::{spawn_app, AppOptions, ClientSpec};
use reqwest::StatusCode;
use serde_json::Value;
use std::sync::Arc;
use zszo_connector::app::AppState;
use zszo_connector::audit::RedbAuditLog;
use zszo_connector::clients::Access;
use zszo_connector::domain::audit::Outcome;
use zszo_connector::ldap::LdapDirectory;
use zszo_connector::ports::directory_parts::*;
use zszo_connector::ports::SchoolScope;
use zszo_connector::slapd;

pub(crate) struct Daemon {
    pub(crate) base: String,
    pub(crate) token: String,
    pub(crate) audit: Arc<RedbAuditLog>,
    pub(crate) directory: Arc<LdapDirectory>,
    pub(crate) state: AppState,
}

/// The real router over a private slapd at `url`, with one client for `school`.
pub(crate) async fn daemon(
    dir: &std::path::Path,
    instance: &slapd::SlapdInstance,
    pw: &str,
    school: &str,
) -> Daemon {
    daemon_at(dir, &instance.url(), &instance.service_dn(), pw, school).await
}

/// [`daemon`] with the directory at `url` (e.g. a proxy in front of slapd).
pub(crate) async fn daemon_at(
    dir: &std::path::Path,
    url: &str,
    service_dn: &str,
    pw: &str,
    school: &str,
) -> Daemon {
    let toml = common::config_toml(dir, url, service_dn, pw, "http://127.0.0.1", "");
    daemon_from_toml(dir, &toml, school).await
}

/// [`daemon`] with the whole configuration given (e.g. `ldap.urls` of two providers).
pub(crate) async fn daemon_from_toml(dir: &std::path::Path, toml: &str, school: &str) -> Daemon {
    let t = spawn_app(AppOptions {
        toml: Some(toml.to_owned()),
        schools: vec![school.to_owned()],
        clients: Box::new(|s: &[String]| {
            vec![ClientSpec::new("hr", s.to_vec(), Access::ReadWrite)]
        }),
        ..AppOptions::in_dir(dir)
    })
    .await;
    Daemon {
        base: format!("{}/scim/v2", t.origin),
        token: t.tokens["hr"].clone(),
        audit: t.audit,
        directory: t.directory,
        state: t.state,
    }
}

async fn post_user(d: &Daemon, body: &Value) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let res = reqwest::Client::new()
        .post(format!("{}/Users", d.base))
        .bearer_auth(&d.token)
        .header("content-type", "application/scim+json")
        // A 503 is not kept under the key: the retry with the same key runs again.
        .header("idempotency-key", "retry-after-outage")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    (status, headers, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn with_the_directory_down_a_post_gets_503_with_retry_after_and_succeeds_once_it_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let (mut spec, instance, service_pw, _) = common::private_slapd(dir.path().join("slapd"));
    let school = common::unique_school_code();
    let d = daemon(dir.path(), &instance, &service_pw, &school).await;
    let body = crate::scim_support::okta_user(&school, "Tomasz", "Przerwa");

    // slapd goes away with connections open in the pool.
    spec.port = Some(instance.port());
    instance.stop().unwrap();
    let (status, headers, error) = post_user(&d, &body).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{error}");
    assert!(headers.contains_key("retry-after"));
    assert_eq!(error["status"], "503");
    // The adapter's own failure, not the request timeout: the request did not hang.
    assert!(
        error["detail"].as_str().unwrap().contains("directory"),
        "{error}"
    );
    let records = crate::common::app::records_of_school(&d.audit, &school).await;
    let failed = &records[0].record;
    assert_eq!(failed.action, "person.created");
    assert_eq!(
        failed.outcome,
        Outcome::Failure("directory_unavailable".into())
    );

    // slapd is back on the same port: nothing was written, and the same POST now succeeds.
    let _instance = slapd::start(&spec).unwrap();
    let scope = SchoolScope::All;
    let search = zszo_connector::ports::PersonSearch {
        filter: None,
        scope: scope.clone(),
        sort: None,
        start_index: 1,
        count: 10,
    };
    let page = d.directory.search_people(&search).await.unwrap();
    assert_eq!(page.total, 0, "nothing half written while slapd was down");
    let (status, created_headers, created) = post_user(&d, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert!(!headers_replayed(&created_headers));
    let id = created["id"].as_str().unwrap();
    assert!(d.directory.get_person(id, &scope).await.unwrap().is_some());
}

fn headers_replayed(h: &reqwest::header::HeaderMap) -> bool {
    h.contains_key("idempotency-replayed")
}
