//! A running SCIM server for tests: the real router on a free loopback port, over the real
//! LDAP adapter (test slapd) and a real audit store, with SCIM clients registered in a real
//! registry file: one per school, one city-wide, one read-only.

use crate::common::{self, unique_school_code};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;
use zszo_connector::app::{self, AppState};
use zszo_connector::audit::{HmacKey, RedbAuditLog};
use zszo_connector::bootstrap::{Bootstrap, Seed};
use zszo_connector::clients::{Access, ClientFile};
use zszo_connector::clock::SystemClock;
use zszo_connector::config::Config;
use zszo_connector::domain::audit::{AuditQuery, AuditRecord};
use zszo_connector::ldap::LdapDirectory;
use zszo_connector::ports::directory_parts::*;
use zszo_connector::ports::AuditLog;

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
    _dir: tempfile::TempDir,
}

/// Starts serving `AppState` on the given listener; returns the serving task.
pub type Serve = Box<
    dyn FnOnce(AppState, tokio::net::TcpListener) -> tokio::task::JoinHandle<std::io::Result<()>>,
>;

pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl ScimApp {
    pub async fn start() -> Self {
        Self::start_serving(Box::new(|state, listener| {
            tokio::spawn(app::serve(state, listener, std::future::pending()))
        }))
        .await
    }

    /// Like [`start`](Self::start), with `extra` TOML appended to the configuration.
    pub async fn start_configured(extra: &str) -> Self {
        Self::start_with(
            extra,
            Box::new(|state, listener| {
                tokio::spawn(app::serve(state, listener, std::future::pending()))
            }),
        )
        .await
    }

    /// Like [`start`](Self::start), with the test's own way of serving (shutdown, metrics).
    pub async fn start_serving(serve: Serve) -> Self {
        Self::start_with("", serve).await
    }

    async fn start_with(extra: &str, serve: Serve) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (unique_school_code(), unique_school_code());
        let clients = dir.path().join("scim-clients.toml");
        let config = Config::from_toml_str(&common::shared_config_toml(
            dir.path(),
            "http://127.0.0.1",
            extra,
        ))
        .unwrap();
        let key = HmacKey::generate_to(dir.path().join("key")).unwrap();
        let audit = Arc::new(
            RedbAuditLog::open(dir.path().join("audit.redb"), key, Arc::new(SystemClock)).unwrap(),
        );
        let directory = Arc::new(
            LdapDirectory::connect(zszo_connector::daemon::ldap_options(&config))
                .await
                .unwrap(),
        );
        let seed = Seed::parse(
            &format!(
                "[[school]]\ncode = \"{a}\"\nname = \"Szkoła {a}\"\n\
                 [[school]]\ncode = \"{b}\"\nname = \"Szkoła {b}\"\n"
            ),
            false,
        )
        .unwrap();
        Bootstrap {
            directory: directory.as_ref(),
            audit: audit.as_ref(),
            password_cost: config.passwords,
        }
        .run(&seed)
        .await
        .unwrap();

        let file = ClientFile::new(&clients);
        let now = time::OffsetDateTime::now_utc();
        let token = |name: &str, schools: Vec<String>, access| {
            use secrecy::ExposeSecret;
            let (_, t) = file
                .create(name, schools, access, time::Duration::days(1), now)
                .unwrap();
            t.expose_secret().to_owned()
        };
        let token_a = token("hr-a", vec![a.clone()], Access::ReadWrite);
        let token_b = token("hr-b", vec![b.clone()], Access::ReadWrite);
        let token_city = token("entra", vec!["*".into()], Access::ReadWrite);
        let token_ab = token("hr-ab", vec![a.clone(), b.clone()], Access::ReadWrite);
        let token_read_only = token("reader", vec![a.clone()], Access::ReadOnly);

        let store = zszo_connector::store::StateStore::open(&config.state.path).unwrap();
        let state = AppState::new(
            config,
            directory.clone(),
            audit.clone(),
            store.clone(),
            Arc::new(SystemClock),
        )
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = serve(state, listener);
        Self {
            base: format!("http://127.0.0.1:{port}/scim/v2"),
            http: reqwest::Client::new(),
            school_a: a,
            school_b: b,
            token_a,
            token_b,
            token_city,
            token_ab,
            token_read_only,
            audit,
            directory,
            state: store,
            server,
            _dir: dir,
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
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
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

    /// The folder holding this app's files (stores, key, operator socket).
    pub fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    pub async fn get(&self, token: &str, path: &str) -> Answer {
        self.call(token, Method::GET, path, None).await
    }

    /// Creates a user in school A through SCIM and returns its id.
    pub async fn create_user(&self, token: &str, body: Value) -> String {
        let a = self.call(token, Method::POST, "/Users", Some(body)).await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
        a.body["id"].as_str().unwrap().to_owned()
    }

    pub async fn audit_about(&self, id: &str) -> Vec<AuditRecord> {
        self.audit
            .query(AuditQuery {
                target_uuid: Some(id.to_owned()),
                ..Default::default()
            })
            .await
            .unwrap()
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

pub fn error_type(a: &Answer) -> Option<&str> {
    a.body["scimType"].as_str()
}

pub fn is_scim(a: &Answer) -> bool {
    a.headers
        .get("content-type")
        .is_some_and(|v| v.to_str().unwrap().starts_with("application/scim+json"))
}
