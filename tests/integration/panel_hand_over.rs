//! Accounts requested through SCIM (`accountRequested`, issue 5): a SCIM client asks, the
//! directory keeps who and when, the school's administrator sees the person in "Do wydania"
//! (an administrator of another school does not), creates the account from there and prints
//! the slip; the request is then gone. SCIM never creates credentials.

use crate::common;
use crate::panel_support::PanelApp;
use crate::scim_support::{okta_user, scim_call, PATCH, ZSZO};
use ldap3::{Scope, SearchEntry};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use zszo_connector::clients::{Access, ClientFile};
use zszo_connector::domain::AccountState;
use zszo_connector::ports::directory_parts::*;
use zszo_connector::ports::SchoolScope;

const HAND_OVER: &str = "/panel/do-wydania";

/// The panel's app with SCIM clients registered after start (the registry is re-read).
struct Scim {
    base: String,
    http: reqwest::Client,
    token_a: String,
    token_read_only: String,
}

impl Scim {
    /// Registers the clients and waits until the daemon has re-read the registry (≤ 1 s).
    async fn register(app: &PanelApp) -> Self {
        let scim = Self::write_registry(app);
        for _ in 0..40 {
            let (status, _) = scim
                .call(&scim.token_a, Method::GET, "/Users?count=0", None)
                .await;
            if status == StatusCode::OK {
                return scim;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the SCIM client registry was not re-read");
    }

    fn write_registry(app: &PanelApp) -> Self {
        let file = ClientFile::new(app.spawned.path.join("scim-clients.toml"));
        let now = time::OffsetDateTime::now_utc();
        let token = |name: &str, access| {
            use secrecy::ExposeSecret;
            let (_, t) = file
                .create(
                    name,
                    vec![app.school_a.clone()],
                    access,
                    time::Duration::days(1),
                    now,
                )
                .unwrap();
            t.expose_secret().to_owned()
        };
        Self {
            base: format!("{}/scim/v2", app.origin),
            http: reqwest::Client::new(),
            token_a: token("kadry-a", Access::ReadWrite),
            token_read_only: token("czytnik-a", Access::ReadOnly),
        }
    }

    async fn call(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let url = format!("{}{path}", self.base);
        let a = scim_call(&self.http, &url, token, method, body).await;
        (a.status, a.body)
    }

    async fn patch(&self, token: &str, id: &str, ops: Value) -> (StatusCode, Value) {
        let body = json!({ "schemas": [PATCH], "Operations": ops });
        self.call(token, Method::PATCH, &format!("/Users/{id}"), Some(body))
            .await
    }
}

/// `zszoAccountRequestedBy` and `zszoAccountRequestedAt` as slapd has them.
async fn request_attributes(dn: &str) -> (Vec<String>, Vec<String>) {
    let mut ldap = common::connect_service().await;
    let (entries, _) = ldap
        .search(
            dn,
            Scope::Base,
            "(objectClass=*)",
            vec!["zszoAccountRequestedBy", "zszoAccountRequestedAt"],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    let e = SearchEntry::construct(entries.into_iter().next().unwrap());
    let get = |n: &str| e.attrs.get(n).cloned().unwrap_or_default();
    (get("zszoAccountRequestedBy"), get("zszoAccountRequestedAt"))
}

#[tokio::test]
async fn panel_hand_over_scim_request_listed_for_the_school_created_there_then_cleared() {
    let app = PanelApp::start().await;
    let scim = Scim::register(&app).await;
    let (a, b) = (app.school_a.clone(), app.school_b.clone());
    let (status, user) = scim
        .call(
            &scim.token_a,
            Method::POST,
            "/Users",
            Some(okta_user(&a, "Żaneta", "Wróblewska")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let id = user["id"].as_str().unwrap().to_owned();
    assert_eq!(user[ZSZO]["accountRequested"], json!(false));

    // A read-only client cannot ask.
    let ask = json!([{ "op": "Replace", "value": { format!("{ZSZO}:accountRequested"): "True" } }]);
    let (status, _) = scim.patch(&scim.token_read_only, &id, ask.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Entra's path-less replace with the URN-qualified key.
    let (status, body) = scim.patch(&scim.token_a, &id, ask).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body[ZSZO]["accountRequested"], json!(true));
    assert_eq!(body[ZSZO]["accountState"], json!("none"));
    let person = app
        .directory
        .get_person(&id, &SchoolScope::All)
        .await
        .unwrap()
        .unwrap();
    let (by, at) = request_attributes(&person.entry.dn).await;
    assert_eq!(by, vec!["scim:kadry-a".to_owned()]);
    assert_eq!(at.len(), 1, "one GeneralizedTime");
    assert_eq!(person.account_state, AccountState::None, "no credentials");
    let updates = app.audit_of("person.updated").await;
    assert_eq!(updates.len(), 1, "one record for the call");
    assert_eq!(
        updates[0].record.details.get("changed").map(String::as_str),
        Some("accountRequested")
    );

    // Asking again keeps the first request (who and when).
    let again =
        json!([{ "op": "replace", "path": format!("{ZSZO}:accountRequested"), "value": true }]);
    let (status, _) = scim.patch(&scim.token_a, &id, again).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(request_attributes(&person.entry.dn).await.1, at);

    // The school's administrator sees the person, with who asked; a link from the staff page.
    let admin = app.signed_in(&app.local_admin).await;
    let staff = admin.get(&format!("/panel/pracownicy?szkola={a}")).await;
    assert!(
        staff.body.contains(&format!("{HAND_OVER}?szkola={a}")),
        "{}",
        staff.body
    );
    let list = admin.get(&format!("{HAND_OVER}?szkola={a}")).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(list.body.contains("Żaneta Wróblewska"), "{}", list.body);
    assert!(list.body.contains("kadry-a"), "who asked: {}", list.body);
    let create = format!("/panel/pracownicy/{id}/utworz-konto");
    assert!(list.body.contains(&create));
    let default_school = admin.get(HAND_OVER).await;
    assert!(default_school.body.contains("Żaneta Wróblewska"));

    // An administrator of another school: not in their list, and school A is 404.
    let other = app.signed_in(&app.other_admin).await;
    let theirs = other.get(&format!("{HAND_OVER}?szkola={b}")).await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(!theirs.body.contains("Wróblewska"), "{}", theirs.body);
    let foreign = other.get(&format!("{HAND_OVER}?szkola={a}")).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);

    // A system administrator sees it per school.
    let sys = app.signed_in(&app.system_admin).await;
    let city = sys.get(&format!("{HAND_OVER}?szkola={a}")).await;
    assert!(city.body.contains("Żaneta Wróblewska"), "{}", city.body);
    assert!(!sys
        .get(&format!("{HAND_OVER}?szkola={b}"))
        .await
        .body
        .contains("Wróblewska"));

    // From the list: confirm, create, the slip.
    let confirm = admin.get(&create).await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.body);
    let csrf = confirm.csrf().unwrap();
    let slip = admin.post_form(&create, &[("csrf", &csrf)]).await;
    assert_eq!(slip.status, StatusCode::OK, "{}", slip.body);
    assert!(
        slip.body.contains("id=\"haslo\""),
        "the slip: {}",
        slip.body
    );

    // The request is done.
    let (by, at) = request_attributes(&person.entry.dn).await;
    assert!(by.is_empty() && at.is_empty(), "{by:?} {at:?}");
    let list = admin.get(&format!("{HAND_OVER}?szkola={a}")).await;
    assert!(!list.body.contains("Wróblewska"), "{}", list.body);
    assert!(
        list.body.contains("Nie ma kont do wydania"),
        "{}",
        list.body
    );
    let (_, user) = scim
        .call(&scim.token_a, Method::GET, &format!("/Users/{id}"), None)
        .await;
    assert_eq!(user[ZSZO]["accountRequested"], json!(false));
    assert_eq!(user[ZSZO]["accountState"], json!("awaiting-first-login"));

    // Asking for someone who has an account is a clear 400; nothing is written.
    let ask = json!([{ "op": "replace", "value": { format!("{ZSZO}:accountRequested"): true, "displayName": "Ż. W." } }]);
    let (status, body) = scim.patch(&scim.token_a, &id, ask).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["scimType"], json!("invalidValue"));
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("already has an account"),
        "{body}"
    );
    let (_, user) = scim
        .call(&scim.token_a, Method::GET, &format!("/Users/{id}"), None)
        .await;
    assert_ne!(user["displayName"], json!("Ż. W."), "nothing written");
}

#[tokio::test]
async fn panel_hand_over_request_on_create_and_withdrawn_by_remove() {
    let app = PanelApp::start().await;
    let scim = Scim::register(&app).await;
    let a = app.school_a.clone();
    let mut body = okta_user(&a, "Gerwazy", "Kłębek");
    body[ZSZO]["accountRequested"] = json!(true);
    let (status, user) = scim
        .call(&scim.token_a, Method::POST, "/Users", Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    assert_eq!(user[ZSZO]["accountRequested"], json!(true));
    let id = user["id"].as_str().unwrap().to_owned();
    let created = app.audit_of("person.created").await;
    assert_eq!(created.len(), 1);
    assert!(created[0].record.details["attributes"].contains("accountRequested"));

    let admin = app.signed_in(&app.local_admin).await;
    let list = admin.get(&format!("{HAND_OVER}?szkola={a}")).await;
    assert!(list.body.contains("Gerwazy Kłębek"), "{}", list.body);

    // HR withdraws it.
    let remove = json!([{ "op": "remove", "path": format!("{ZSZO}:accountRequested") }]);
    let (status, user) = scim.patch(&scim.token_a, &id, remove).await;
    assert_eq!(status, StatusCode::OK, "{user}");
    assert_eq!(user[ZSZO]["accountRequested"], json!(false));
    let list = admin.get(&format!("{HAND_OVER}?szkola={a}")).await;
    assert!(!list.body.contains("Kłębek"), "{}", list.body);
    let person = app
        .directory
        .get_person(&id, &SchoolScope::All)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(person.account_request, None);
    assert_eq!(person.account_state, AccountState::None);
}
