//! The mass-deprovisioning guard end to end: SCIM deactivations and deletions against real
//! slapd, held operations in the real state store, and the real `zszo-connector held` CLI
//! talking to the daemon's operator socket. Small thresholds: a school of 10 people, a share of
//! 0.2, so each client may deprovision 2 of them per window.

use crate::common::{self, unique_school_code};
use crate::scim_support::{okta_user, scim_call, PATCH};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;
use zszo_connector::app;
use zszo_connector::audit::RedbAuditLog;
use zszo_connector::clients::{Access, ClientFile};
use zszo_connector::clock::ManualClock;
use zszo_connector::config::Config;
use zszo_connector::domain::audit::AuditQuery;
use zszo_connector::ldap::LdapDirectory;
use zszo_connector::ports::directory_parts::*;
use zszo_connector::ports::{AuditLog, SchoolScope};

use crate::common::daemon::BIN;

struct GuardApp {
    dir: tempfile::TempDir,
    config_path: PathBuf,
    school: String,
    token: String,
    other_token: String,
    clock: Arc<ManualClock>,
    /// `None` only while restarting (the closed store released, the new one not yet open).
    audit: Option<Arc<RedbAuditLog>>,
    directory: Arc<LdapDirectory>,
    base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl GuardApp {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let school = unique_school_code();
        let config_path = dir.path().join("zszo.toml");
        std::fs::write(
            &config_path,
            common::shared_config_toml(
                dir.path(),
                "http://127.0.0.1",
                "[scim.deprovisioning_guard]\nwindow_minutes = 60\nmax_share_of_school = 0.2\n\
                 max_share_of_city = 1.0\nmin_people = 5\nmin_operations = 1\n",
            ),
        )
        .unwrap();
        let config = Config::load(&config_path).unwrap();
        let audit = common::app::open_audit(&config);
        let directory = common::app::connect_directory(&config).await;
        let codes = [school.clone()];
        common::app::seed_schools(&directory, &audit, &config, &codes).await;
        let file = ClientFile::new(&config.scim.clients_file);
        let token = |name: &str| {
            use secrecy::ExposeSecret;
            let now = time::OffsetDateTime::now_utc();
            let days = time::Duration::days(1);
            let (_, t) =
                (file.create(name, vec![school.clone()], Access::ReadWrite, days, now)).unwrap();
            t.expose_secret().to_owned()
        };
        let (token, other_token) = (token("hr-guarded"), token("okta-guarded"));
        let mut app = Self {
            dir,
            config_path,
            school,
            token,
            other_token,
            clock: Arc::new(ManualClock::new(time::OffsetDateTime::now_utc())),
            audit: Some(audit),
            directory,
            base: String::new(),
            stop: None,
            server: None,
        };
        app.serve().await;
        app
    }

    /// Starts the daemon's HTTP server and operator socket on the state in `dir`.
    async fn serve(&mut self) {
        let config = Config::load(&self.config_path).unwrap();
        let operator_socket = config.server.operator_socket.clone();
        let store = zszo_connector::store::StateStore::open(&config.state.path).unwrap();
        let (directory, audit) = (self.directory.clone(), self.audit().clone());
        let state = common::app::assemble(config, directory, audit, store, self.clock.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        self.base = format!("http://{}/scim/v2", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        self.stop = Some(tx);
        self.server = Some(tokio::spawn(app::serve(state, listener, async {
            let _ = rx.await;
        })));
        // `app::serve` binds the operator socket in the task just spawned: `held` must not
        // run before it listens (under the whole suite's load it did, and was refused).
        for _ in 0..500 {
            if std::os::unix::net::UnixStream::connect(&operator_socket).is_ok() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("the operator socket {operator_socket:?} does not listen");
    }

    fn audit(&self) -> &Arc<RedbAuditLog> {
        self.audit.as_ref().expect("the audit store is open")
    }

    /// Stops the daemon (which closes the state and audit stores) and starts it again,
    /// reopening the audit store as a new process would.
    async fn restart(&mut self) {
        self.stop.take().unwrap().send(()).unwrap();
        self.server.take().unwrap().await.unwrap().unwrap();
        drop(self.audit.take());
        let config = Config::load(&self.config_path).unwrap();
        self.audit = Some(common::app::open_audit(&config));
        self.serve().await;
    }

    async fn call(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let url = format!("{}{path}", self.base);
        let a = scim_call(&reqwest::Client::new(), &url, token, method, body).await;
        (a.status, a.body)
    }

    async fn deactivate(&self, token: &str, id: &str) -> (StatusCode, Value) {
        let body = json!({"schemas":[PATCH],"Operations":[{"op":"Replace","path":"active","value":"False"}]});
        self.call(token, Method::PATCH, &format!("/Users/{id}"), Some(body))
            .await
    }

    async fn delete(&self, id: &str) -> (StatusCode, Value) {
        self.call(&self.token, Method::DELETE, &format!("/Users/{id}"), None)
            .await
    }

    /// Ten people in the school.
    async fn people(&self) -> Vec<String> {
        let mut ids = Vec::new();
        for i in 0..10 {
            let body = okta_user(&self.school, "Zdzisław", &format!("Źdźbło-{i}"));
            let (status, created) = self
                .call(&self.token, Method::POST, "/Users", Some(body))
                .await;
            assert_eq!(status, StatusCode::CREATED, "{created}");
            ids.push(created["id"].as_str().unwrap().to_owned());
        }
        ids
    }

    async fn active(&self, id: &str) -> Option<bool> {
        let p = self
            .directory
            .get_person(id, &SchoolScope::All)
            .await
            .unwrap();
        p.map(|p| p.profile.employment_active)
    }

    async fn actions_about(
        &self,
        id: &str,
    ) -> Vec<(String, std::collections::BTreeMap<String, String>)> {
        let q = AuditQuery {
            target_uuid: Some(id.to_owned()),
            ..Default::default()
        };
        let records = self.audit().query(q).await.unwrap();
        records
            .into_iter()
            .map(|r| (r.record.action, r.record.details))
            .collect()
    }

    /// `zszo-connector held ARGS --config FILE`: (success, stdout + stderr).
    async fn held(&self, args: &[&str]) -> (bool, String) {
        let mut cmd = tokio::process::Command::new(BIN);
        cmd.arg("held")
            .args(args)
            .arg("--config")
            .arg(&self.config_path);
        cmd.env_remove("SUDO_USER");
        let out = cmd.output().await.unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }
}

fn held_id(body: &Value) -> String {
    let detail = body["detail"].as_str().unwrap();
    let rest = detail.split("held operation ").nth(1).unwrap();
    rest.split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_run_of_deactivations_applies_the_allowed_share_and_holds_the_rest_for_an_administrator()
{
    let app = GuardApp::start().await;
    let ids = app.people().await;

    let mut held = Vec::new();
    for (n, id) in ids.iter().take(5).enumerate() {
        let (status, body) = app.deactivate(&app.token, id).await;
        if n < 2 {
            assert_eq!(status, StatusCode::OK, "{body}");
            assert_eq!(app.active(id).await, Some(false));
        } else {
            assert_eq!(status, StatusCode::CONFLICT, "{body}");
            assert!(body["scimType"].is_null(), "{body}");
            assert!(
                body["detail"].as_str().unwrap().contains("held for review"),
                "{body}"
            );
            assert_eq!(
                app.active(id).await,
                Some(true),
                "a held deactivation is not applied"
            );
            held.push(held_id(&body));
        }
    }
    let (_, first_held) = &app.actions_about(&ids[2]).await[0];
    assert_eq!(first_held["held_id"], held[0]);
    assert_eq!(app.actions_about(&ids[2]).await[0].0, "deprovisioning.held");

    // A retry finds the same held operation instead of a new one.
    let (status, body) = app.deactivate(&app.token, &ids[2]).await;
    assert_eq!(
        (status, held_id(&body)),
        (StatusCode::CONFLICT, held[0].clone())
    );

    let (ok, list) = app.held(&["list"]).await;
    assert!(ok, "{list}");
    for id in &ids[2..5] {
        assert!(list.contains(id.as_str()), "{id} missing in {list}");
    }
    assert!(!list.contains(ids[0].as_str()), "{list}");

    let (ok, out) = app
        .held(&["release", &held[0], "--operator", "Jan Kowalski"])
        .await;
    assert!(ok, "{out}");
    assert_eq!(app.active(&ids[2]).await, Some(false), "released: applied");
    let (action, details) = app.actions_about(&ids[2]).await.remove(0);
    assert_eq!(action, "deprovisioning.released");
    assert_eq!(details["operator_stated"], "Jan Kowalski");
    assert!(details.contains_key("operator_uid"), "{details:?}");

    let (ok, out) = app.held(&["discard", &held[1]]).await;
    assert!(ok, "{out}");
    assert_eq!(
        app.active(&ids[3]).await,
        Some(true),
        "discarded: never applied"
    );
    assert_eq!(
        app.actions_about(&ids[3]).await[0].0,
        "deprovisioning.discarded"
    );
    let (ok, out) = app.held(&["release", &held[1]]).await;
    assert!(
        !ok && out.contains(&format!("no held operation {}", held[1])),
        "{out}"
    );

    let (_, list) = app.held(&["list"]).await;
    assert!(
        list.contains(ids[4].as_str()) && !list.contains(ids[2].as_str()),
        "{list}"
    );

    // Another client's quota is its own: it may still deactivate two of the school.
    for id in &ids[5..7] {
        let (status, body) = app.deactivate(&app.other_token, id).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, _) = app.deactivate(&app.other_token, &ids[7]).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn deletions_are_held_across_a_restart_until_the_window_has_passed() {
    let mut app = GuardApp::start().await;
    let ids = app.people().await;

    assert_eq!(app.delete(&ids[0]).await.0, StatusCode::NO_CONTENT);
    assert_eq!(app.delete(&ids[1]).await.0, StatusCode::NO_CONTENT);
    let (status, body) = app.delete(&ids[2]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let first = held_id(&body);
    assert!(
        app.active(&ids[2]).await.is_some(),
        "a held deletion is not applied"
    );

    app.restart().await;
    let (ok, list) = app.held(&["list"]).await;
    assert!(
        ok && list.contains(ids[2].as_str()) && list.contains("delete"),
        "{list}"
    );
    assert!(app.held(&["discard", &first]).await.0);

    // The two applied deletions still count after the restart.
    let (status, body) = app.delete(&ids[3]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let second = held_id(&body);
    // While it is held, even a later window does not let this client delete in the school.
    app.clock.advance(time::Duration::minutes(61));
    assert_eq!(app.delete(&ids[4]).await.0, StatusCode::CONFLICT);

    let (ok, out) = app.held(&["release", &second]).await;
    assert!(ok, "{out}");
    assert!(app.active(&ids[3]).await.is_none(), "released: deleted");
    let (_, list) = app.held(&["list"]).await;
    let third = list.split_whitespace().next().unwrap().to_owned();
    assert!(app.held(&["discard", &third]).await.0, "{list}");

    // Nothing held, a new window: the client deletes again.
    assert_eq!(app.delete(&ids[5]).await.0, StatusCode::NO_CONTENT);
    let _ = &app.dir;
}
