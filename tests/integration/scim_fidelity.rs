//! SCIM behaviour beyond the vendors' documents: filters on the ZSZO `accountRequested`, and
//! `If-Match` made atomic by the LDAP assertion control.

use crate::scim_support::{okta_user, ScimApp, ZSZO};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn ids(list: &Value) -> Vec<String> {
    let mut ids: Vec<String> = list["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn account_requested_filters_find_pending_requests_only() {
    let app = ScimApp::start().await;
    let t = &app.token_a;
    let mut asked = okta_user(&app.school_a, "Anna", "Prosząca");
    asked[ZSZO]["accountRequested"] = json!(true);
    let asked = app.create_user(t, asked).await;
    let other = app
        .create_user(t, okta_user(&app.school_a, "Jan", "Czekający"))
        .await;
    let query = |f: &str| format!("/Users?filter={}", f.replace(' ', "%20"));
    for f in [
        "accountRequested eq true",
        "accountRequested pr",
        "urn:zszo:params:scim:schemas:extension:zszo:2.0:User:accountRequested ne false",
    ] {
        let a = app.get(t, &query(f)).await;
        assert_eq!(a.status, StatusCode::OK, "{f}: {}", a.body);
        assert_eq!(ids(&a.body), std::slice::from_ref(&asked), "{f}");
    }
    let a = app.get(t, &query("accountRequested eq false")).await;
    assert_eq!(ids(&a.body), std::slice::from_ref(&other), "{}", a.body);
    // Withdrawn: no longer pending.
    let a = app
        .call(
            t,
            Method::PATCH,
            &format!("/Users/{asked}"),
            Some(json!({"schemas": [crate::scim_support::PATCH],
                "Operations": [{"op": "replace", "path": format!("{ZSZO}:accountRequested"), "value": false}]})),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let a = app.get(t, &query("accountRequested eq true")).await;
    assert_eq!(a.body["totalResults"], 0, "{}", a.body);
}

#[tokio::test]
async fn if_match_with_a_version_another_ldap_client_replaced_answers_412() {
    let app = ScimApp::start().await;
    let t = &app.token_a;
    let id = app
        .create_user(t, okta_user(&app.school_a, "Ewa", "Wersja"))
        .await;
    let a = app.get(t, &format!("/Users/{id}")).await;
    let etag = a.headers["etag"].to_str().unwrap().to_owned();
    let mut body = a.body.clone();
    body["displayName"] = json!("Pani Ewa");

    let dn = app.person_dn(&id).await.unwrap();
    let mut admin = crate::common::connect_admin().await;
    admin
        .modify(
            &dn,
            vec![ldap3::Mod::Replace(
                "title",
                std::collections::HashSet::from(["pedagog"]),
            )],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    let _ = admin.unbind().await;

    let put = app
        .http
        .put(format!("{}/Users/{id}", app.base))
        .bearer_auth(t)
        .header("content-type", "application/scim+json")
        .header("if-match", &etag)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::PRECONDITION_FAILED);
    let now = app.get(t, &format!("/Users/{id}")).await;
    assert_eq!(
        now.body["title"], "pedagog",
        "the other client's change stays"
    );
    assert_ne!(now.body["displayName"], "Pani Ewa");
}

#[tokio::test]
async fn below_the_guards_floor_nothing_is_held_and_the_next_one_is() {
    // Shares so small that without the floor the second deactivation would be held.
    let app = ScimApp::start_configured(
        "[scim.deprovisioning_guard]\nmax_share_of_school = 0.001\nmax_share_of_city = 0.001\n\
         min_people = 1\nmin_operations = 3\n",
    )
    .await;
    let t = &app.token_a;
    let mut ids = Vec::new();
    for n in 0..4 {
        ids.push(
            app.create_user(t, okta_user(&app.school_a, "Piotr", &format!("Próbny{n}")))
                .await,
        );
    }
    let deactivate = json!({"schemas": [crate::scim_support::PATCH],
        "Operations": [{"op": "replace", "value": {"active": false}}]});
    for (n, id) in ids.iter().enumerate() {
        let a = app
            .patch(t, &format!("/Users/{id}"), deactivate.clone())
            .await;
        if n < 3 {
            assert_eq!(a.status, StatusCode::OK, "{n}: {}", a.body);
        } else {
            assert_eq!(a.status, StatusCode::CONFLICT, "{n}: {}", a.body);
            assert!(
                a.body["detail"]
                    .as_str()
                    .unwrap()
                    .contains("held for review"),
                "{}",
                a.body
            );
        }
    }
}
