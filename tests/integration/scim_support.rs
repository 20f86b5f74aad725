//! A running SCIM server for tests: the real router on a free loopback port, over the real
//! LDAP adapter (test slapd) and a real audit store, with SCIM clients registered in a real
//! registry file: one per school, one city-wide, one read-only.

use crate::common::app::{spawn_app, AppOptions, ClientSpec, Serve};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;
use zszo_connector::audit::RedbAuditLog;
use zszo_connector::clients::Access;
use zszo_connector::domain::audit::AuditRecord;
use zszo_connector::ldap::LdapDirectory;
use zszo_connector::ports::directory_parts::*;

pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const ZSZO: &str = "urn:zszo:params:scim:schemas:extension:zszo:2.0:User";
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

pub struct ScimApp {
    pub base: String,
    pub http: reqwest::Client,
    /// Schools of this test, created in the directory.
    pub school_a: String,
    pub school_b: String,
    pub token_a: String,
    pub token_b: String,
    pub token_city: String,
    /// A client holding both schools (so it must name the school, as a city-wide one does).
    pub token_ab: String,
    pub token_read_only: String,
    pub audit: Arc<RedbAuditLog>,
    pub directory: Arc<LdapDirectory>,
    /// The daemon's state store (idempotency records).
    pub state: zszo_connector::store::StateStore,
    /// The serving task (`app::serve` unless the test chose otherwise).
    pub server: tokio::task::JoinHandle<std::io::Result<()>>,
    /// The app's folder (stores, key, operator socket).
    path: std::path::PathBuf,
    _tempdir: Option<tempfile::TempDir>,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl ScimApp {
    pub async fn start() -> Self {
        Self::start_with("", AppOptions::default().serve).await
    }

    /// Like [`start`](Self::start), with `extra` TOML appended to the configuration.
    pub async fn start_configured(extra: &str) -> Self {
        Self::start_with(extra, AppOptions::default().serve).await
    }

    /// Like [`start`](Self::start), with the test's own way of serving (shutdown, metrics).
    pub async fn start_serving(serve: Serve) -> Self {
        Self::start_with("", serve).await
    }

    async fn start_with(extra: &str, serve: Serve) -> Self {
        let t = spawn_app(AppOptions {
            extra_toml: extra.to_owned(),
            serve,
            clients: Box::new(|s: &[String]| {
                let (a, b) = (s[0].clone(), s[1].clone());
                vec![
                    ClientSpec::new("hr-a", vec![a.clone()], Access::ReadWrite),
                    ClientSpec::new("hr-b", vec![b.clone()], Access::ReadWrite),
                    ClientSpec::new("entra", vec!["*".into()], Access::ReadWrite),
                    ClientSpec::new("hr-ab", vec![a.clone(), b], Access::ReadWrite),
                    ClientSpec::new("reader", vec![a], Access::ReadOnly),
                ]
            }),
            ..AppOptions::default()
        })
        .await;
        let token = |name: &str| t.tokens[name].clone();
        Self {
            base: format!("{}/scim/v2", t.origin),
            http: reqwest::Client::new(),
            school_a: t.schools[0].clone(),
            school_b: t.schools[1].clone(),
            token_a: token("hr-a"),
            token_b: token("hr-b"),
            token_city: token("entra"),
            token_ab: token("hr-ab"),
            token_read_only: token("reader"),
            audit: t.audit,
            directory: t.directory,
            state: t.store,
            server: t.server,
            path: t.path,
            _tempdir: t.tempdir,
        }
    }

    /// A request with `token` and a JSON body sent as application/scim+json.
    pub async fn call(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Answer {
        scim_call(
            &self.http,
            &format!("{}{path}", self.base),
            token,
            method,
            body,
        )
        .await
    }

    /// The folder holding this app's files (stores, key, operator socket).
    pub fn dir(&self) -> &std::path::Path {
        &self.path
    }

    pub async fn get(&self, token: &str, path: &str) -> Answer {
        self.call(token, Method::GET, path, None).await
    }

    /// `PATCH path` with `body` (a PatchOp).
    pub async fn patch(&self, token: &str, path: &str, body: Value) -> Answer {
        self.call(token, Method::PATCH, path, Some(body)).await
    }

    /// Creates a user in school A through SCIM and returns its id.
    pub async fn create_user(&self, token: &str, body: Value) -> String {
        let a = self.call(token, Method::POST, "/Users", Some(body)).await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
        a.body["id"].as_str().unwrap().to_owned()
    }

    /// People of school A (given, family) created through SCIM by its client; their ids.
    pub async fn people_in_a(&self, names: &[(&str, &str)]) -> Vec<String> {
        let mut ids = Vec::new();
        for (given, family) in names {
            let user = okta_user(&self.school_a, given, family);
            ids.push(self.create_user(&self.token_a, user).await);
        }
        ids
    }

    pub async fn audit_about(&self, id: &str) -> Vec<AuditRecord> {
        crate::common::app::records_about(&self.audit, id).await
    }

    /// The actions of the audit records about `id`, newest first.
    pub async fn actions_about(&self, id: &str) -> Vec<String> {
        let records = self.audit_about(id).await;
        records.into_iter().map(|r| r.record.action).collect()
    }

    pub async fn person_dn(&self, id: &str) -> Option<String> {
        self.directory
            .get_person(id, &zszo_connector::ports::SchoolScope::All)
            .await
            .unwrap()
            .map(|p| p.entry.dn)
    }
}

/// An Okta-style user for school `school`, with a unique userName.
pub fn okta_user(school: &str, given: &str, family: &str) -> Value {
    let user_name = format!(
        "{}.{}.{}@szkola.example",
        given,
        family,
        uuid::Uuid::new_v4().simple()
    );
    json!({
        "schemas": [USER, ZSZO],
        "userName": user_name,
        "name": { "givenName": given, "familyName": family },
        "emails": [{ "value": format!("{}@szkola.example", uuid::Uuid::new_v4().simple()), "type": "work", "primary": true }],
        "active": true,
        "groups": [],
        ZSZO: { "schools": [school] }
    })
}

/// `method url` with a bearer `token` and a JSON body sent as application/scim+json; the
/// answer's body parsed as JSON (a text that is not JSON as a string, none as null).
pub async fn scim_call(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    method: Method,
    body: Option<Value>,
) -> Answer {
    let mut req = http.request(method, url).bearer_auth(token);
    if let Some(b) = body {
        req = req
            .header("content-type", "application/scim+json")
            .body(b.to_string());
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Answer {
        status,
        headers,
        body,
    }
}

/// The `value`s of a group's `members`, sorted (none when it has no members).
pub fn member_ids(group: &Value) -> Vec<String> {
    let mut v: Vec<String> = group["members"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|m| m["value"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

pub fn error_type(a: &Answer) -> Option<&str> {
    a.body["scimType"].as_str()
}

pub fn is_scim(a: &Answer) -> bool {
    a.headers
        .get("content-type")
        .is_some_and(|v| v.to_str().unwrap().starts_with("application/scim+json"))
}

/// What a [`Step`] checks in the answer's body, at a JSON pointer (RFC 6901).
pub enum Check {
    /// The value there equals this one (placeholders filled in).
    Is(String, Value),
    /// Nothing there (the attribute is not returned).
    Absent(String),
    /// The array there has this many items (none there counts as none).
    Count(String, usize),
    /// The string there contains this text.
    Contains(String, &'static str),
}

impl Check {
    pub fn is(at: &str, value: Value) -> Self {
        Self::Is(at.to_owned(), value)
    }
    pub fn absent(at: &str) -> Self {
        Self::Absent(at.to_owned())
    }
    pub fn count(at: &str, n: usize) -> Self {
        Self::Count(at.to_owned(), n)
    }
    pub fn contains(at: &str, text: &'static str) -> Self {
        Self::Contains(at.to_owned(), text)
    }
}

/// One request of a scenario table and the answer it must get. Path, body and checks may
/// name an id kept by an earlier step as `{name}` ([`Step::keep_id`]).
pub struct Step {
    /// Names the step in a failure message.
    pub what: &'static str,
    pub method: Method,
    pub path: String,
    pub body: Option<Value>,
    pub status: StatusCode,
    /// The SCIM error type (`scimType`) an error answer must carry.
    pub error: Option<&'static str>,
    pub checks: Vec<Check>,
    pub keep_id: Option<&'static str>,
}

impl Step {
    pub fn new(what: &'static str, method: Method, path: impl Into<String>) -> Self {
        Self {
            what,
            method,
            path: path.into(),
            body: None,
            status: StatusCode::OK,
            error: None,
            checks: Vec::new(),
            keep_id: None,
        }
    }

    pub fn body(self, body: Value) -> Self {
        Self {
            body: Some(body),
            ..self
        }
    }

    pub fn status(self, status: StatusCode) -> Self {
        Self { status, ..self }
    }

    /// An error answer: `status` with the SCIM error type `scim_type`.
    pub fn refused(self, status: StatusCode, scim_type: &'static str) -> Self {
        Self {
            status,
            error: Some(scim_type),
            ..self
        }
    }

    pub fn check(mut self, check: Check) -> Self {
        self.checks.push(check);
        self
    }

    /// Keeps the answer's `id` as `{name}` for the steps after it.
    pub fn keep_id(self, name: &'static str) -> Self {
        Self {
            keep_id: Some(name),
            ..self
        }
    }
}

/// `text` with every `{name}` of `kept` replaced by its value.
fn fill(text: &str, kept: &std::collections::BTreeMap<&'static str, String>) -> String {
    kept.iter().fold(text.to_owned(), |t, (name, value)| {
        t.replace(&format!("{{{name}}}"), value)
    })
}

impl ScimApp {
    /// Sends each step with `token`, in order, and asserts its answer; returns the ids kept.
    pub async fn run_steps(
        &self,
        token: &str,
        steps: Vec<Step>,
    ) -> std::collections::BTreeMap<&'static str, String> {
        let mut kept = std::collections::BTreeMap::new();
        let filled = |v: &Value, kept: &_| serde_json::from_str(&fill(&v.to_string(), kept));
        for step in steps {
            let body = step.body.as_ref().map(|b| filled(b, &kept).unwrap());
            let path = fill(&step.path, &kept);
            let a = self.call(token, step.method.clone(), &path, body).await;
            let what = format!("{} ({} {path}): {}", step.what, step.method, a.body);
            assert_eq!(a.status, step.status, "{what}");
            assert_eq!(error_type(&a), step.error, "{what}");
            for check in &step.checks {
                match check {
                    Check::Is(at, want) => {
                        let want: Value = filled(want, &kept).unwrap();
                        assert_eq!(a.body.pointer(at), Some(&want), "{at} of {what}");
                    }
                    Check::Absent(at) => assert_eq!(a.body.pointer(at), None, "{at} of {what}"),
                    Check::Count(at, n) => {
                        let items = a.body.pointer(at).and_then(Value::as_array);
                        assert_eq!(items.map_or(0, Vec::len), *n, "{at} of {what}");
                    }
                    Check::Contains(at, text) => {
                        let found = a.body.pointer(at).and_then(Value::as_str);
                        assert!(found.is_some_and(|s| s.contains(text)), "{at} of {what}");
                    }
                }
            }
            if let Some(name) = step.keep_id {
                let id = a.body["id"]
                    .as_str()
                    .unwrap_or_else(|| panic!("no id: {what}"));
                kept.insert(name, id.to_owned());
            }
        }
        kept
    }
}
