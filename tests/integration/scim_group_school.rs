//! The ZSZO Group extension (`urn:zszo:params:scim:schemas:extension:zszo:2.0:Group`) against
//! real slapd: a city-wide client must name the school of a new group, a single-school client
//! gets its own, nobody names a school outside their scope, and the school never changes.

use crate::common;
use crate::scim_support::*;
use ldap3::Scope;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use zszo_connector::ports::directory_parts::*;

const ZSZO_GROUP: &str = "urn:zszo:params:scim:schemas:extension:zszo:2.0:Group";

fn group_body(name: &str, school: Option<&str>) -> Value {
    match school {
        Some(s) => json!({
            "schemas": [GROUP, ZSZO_GROUP],
            "displayName": name,
            "members": [],
            ZSZO_GROUP: {"school": s}
        }),
        None => json!({"schemas": [GROUP], "displayName": name, "members": []}),
    }
}

/// The DNs of groups named `name` under the school's `ou=grupy`, read directly from LDAP.
async fn groups_in(school: &str, name: &str) -> Vec<String> {
    let mut ldap = common::connect_admin().await;
    let (entries, _) = ldap
        .search(
            &format!("ou=grupy,{}", common::school_dn(school)),
            Scope::OneLevel,
            &format!("(cn={})", ldap3::ldap_escape(name)),
            vec!["cn"],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    entries
        .into_iter()
        .map(|e| ldap3::SearchEntry::construct(e).dn)
        .collect()
}

#[tokio::test]
async fn scim_group_school_is_required_from_a_city_wide_client_and_shown_on_get() {
    let app = ScimApp::start().await;
    let missing = app
        .call(
            &app.token_city,
            Method::POST,
            "/Groups",
            Some(group_body("Kadra miejska", None)),
        )
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST, "{}", missing.body);
    assert_eq!(error_type(&missing), Some("invalidValue"));
    assert!(
        missing.body["detail"]
            .as_str()
            .unwrap()
            .contains(ZSZO_GROUP),
        "the error names the extension: {}",
        missing.body
    );

    let bad = app
        .call(
            &app.token_city,
            Method::POST,
            "/Groups",
            Some(group_body("Kadra miejska", Some("no such/code"))),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert_eq!(error_type(&bad), Some("invalidValue"));

    let created = app
        .call(
            &app.token_city,
            Method::POST,
            "/Groups",
            Some(group_body("Kadra miejska", Some(&app.school_b))),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body[ZSZO_GROUP]["school"], app.school_b.as_str());
    let id = created.body["id"].as_str().unwrap().to_owned();

    let got = app.get(&app.token_city, &format!("/Groups/{id}")).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    assert!(got.body["schemas"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s == ZSZO_GROUP));
    assert_eq!(got.body[ZSZO_GROUP]["school"], app.school_b.as_str());
    let got_b = app.get(&app.token_b, &format!("/Groups/{id}")).await;
    assert_eq!(got_b.status, StatusCode::OK, "school B's client sees it");

    let dns = groups_in(&app.school_b, "Kadra miejska").await;
    assert_eq!(dns.len(), 1, "{dns:?}");
    assert!(groups_in(&app.school_a, "Kadra miejska").await.is_empty());
    let entry = app
        .directory
        .get_group(&id, &zszo_connector::ports::SchoolScope::All)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entry.entry.dn, dns[0]);
    assert_eq!(entry.profile.school.as_str(), app.school_b);

    // Discovery describes the extension.
    let schema = app
        .get(&app.token_city, &format!("/Schemas/{ZSZO_GROUP}"))
        .await;
    assert_eq!(schema.status, StatusCode::OK, "{}", schema.body);
    assert_eq!(schema.body["attributes"][0]["name"], "school");
    assert_eq!(schema.body["attributes"][0]["mutability"], "immutable");
    let rt = app.get(&app.token_city, "/ResourceTypes/Group").await;
    assert_eq!(rt.body["schemaExtensions"][0]["schema"], ZSZO_GROUP);
    assert_eq!(rt.body["schemaExtensions"][0]["required"], false);
}

#[tokio::test]
async fn scim_group_school_defaults_to_a_single_school_clients_own_and_stays_in_scope() {
    let app = ScimApp::start().await;
    let implied = app
        .call(
            &app.token_a,
            Method::POST,
            "/Groups",
            Some(group_body("Nauczyciele", None)),
        )
        .await;
    assert_eq!(implied.status, StatusCode::CREATED, "{}", implied.body);
    assert_eq!(implied.body[ZSZO_GROUP]["school"], app.school_a.as_str());
    assert_eq!(groups_in(&app.school_a, "Nauczyciele").await.len(), 1);

    let named_own = app
        .call(
            &app.token_a,
            Method::POST,
            "/Groups",
            Some(group_body("Wychowawcy", Some(&app.school_a))),
        )
        .await;
    assert_eq!(named_own.status, StatusCode::CREATED, "{}", named_own.body);
    assert_eq!(groups_in(&app.school_a, "Wychowawcy").await.len(), 1);

    let foreign = app
        .call(
            &app.token_a,
            Method::POST,
            "/Groups",
            Some(group_body("Obca", Some(&app.school_b))),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN, "{}", foreign.body);
    assert!(is_scim(&foreign));
    assert!(groups_in(&app.school_b, "Obca").await.is_empty());
}

#[tokio::test]
async fn scim_group_school_cannot_be_changed_by_patch_or_put() {
    let app = ScimApp::start().await;
    let created = app
        .call(
            &app.token_city,
            Method::POST,
            "/Groups",
            Some(group_body("Rada pedagogiczna", Some(&app.school_a))),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let path = format!("/Groups/{id}");

    for op in [
        json!({"op": "replace", "path": format!("{ZSZO_GROUP}:school"), "value": app.school_b}),
        json!({"op": "replace", "value": {ZSZO_GROUP: {"school": app.school_b}}}),
        json!({"op": "remove", "path": format!("{ZSZO_GROUP}:school")}),
    ] {
        let res = app
            .call(
                &app.token_city,
                Method::PATCH,
                &path,
                Some(json!({"schemas": [PATCH], "Operations": [op.clone()]})),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{op}: {}", res.body);
        assert_eq!(error_type(&res), Some("mutability"), "{op}");
    }

    let mut put = created.body.clone();
    put[ZSZO_GROUP]["school"] = json!(app.school_b);
    let res = app
        .call(&app.token_city, Method::PUT, &path, Some(put))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert_eq!(error_type(&res), Some("mutability"));

    // Repeating the current school is not a change: a rename with it goes through.
    let res = app
        .call(
            &app.token_city,
            Method::PATCH,
            &path,
            Some(json!({"schemas": [PATCH], "Operations": [{
                "op": "replace",
                "value": {"displayName": "Rada", ZSZO_GROUP: {"school": app.school_a}}
            }]})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body["displayName"], "Rada");
    let mut put = res.body.clone();
    put["displayName"] = json!("Rada szkoły");
    let res = app
        .call(&app.token_city, Method::PUT, &path, Some(put))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    let got = app.get(&app.token_city, &path).await;
    assert_eq!(got.body[ZSZO_GROUP]["school"], app.school_a.as_str());
    assert_eq!(groups_in(&app.school_a, "Rada szkoły").await.len(), 1);
    assert!(groups_in(&app.school_b, "Rada szkoły").await.is_empty());
}
