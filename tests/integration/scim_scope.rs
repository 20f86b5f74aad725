//! Scope everywhere (issue 13): a SCIM client learns nothing of people outside its schools
//! through links — group members, `User.groups`, `manager` and ids in filters resolve only
//! within its scope — and its changes keep the links it cannot see.

use crate::common;
use crate::scim_support::{member_ids, okta_user, ScimApp, GROUP, PATCH};
use ldap3::{Scope, SearchEntry};
use reqwest::{Method, StatusCode};
use serde_json::json;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

async fn ldap_values(dn: &str, attr: &str) -> Vec<String> {
    let mut ldap = common::connect_admin().await;
    let (entries, _) = ldap
        .search(dn, Scope::Base, "(objectClass=*)", vec![attr])
        .await
        .unwrap()
        .success()
        .unwrap();
    let e = SearchEntry::construct(entries.into_iter().next().unwrap());
    let mut v: Vec<String> = e
        .attrs
        .get(attr)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| !m.is_empty())
        .map(|m| m.to_lowercase())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn links_resolve_only_within_the_clients_schools_and_hidden_links_are_kept() {
    let app = ScimApp::start().await;
    let in_a = app
        .create_user(&app.token_a, okta_user(&app.school_a, "Anna", "Lis"))
        .await;
    let in_b = app
        .create_user(&app.token_b, okta_user(&app.school_b, "Bartosz", "Wilk"))
        .await;
    let (dn_a, dn_b) = (
        app.person_dn(&in_a).await.unwrap(),
        app.person_dn(&in_b).await.unwrap(),
    );

    // A group of school A; the city-wide client adds B's person to it and makes B's person
    // the manager of A's person.
    let created = app
        .call(
            &app.token_a,
            Method::POST,
            "/Groups",
            Some(
                json!({"schemas": [GROUP], "displayName": "Zespół", "members": [{"value": in_a}]}),
            ),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let group = created.body["id"].as_str().unwrap().to_owned();
    let group_dn = {
        let mut ldap = common::connect_admin().await;
        let (e, _) = ldap
            .search(
                &common::school_dn(&app.school_a),
                Scope::Subtree,
                &format!("(entryUUID={group})"),
                vec!["1.1"],
            )
            .await
            .unwrap()
            .success()
            .unwrap();
        SearchEntry::construct(e[0].clone()).dn
    };
    let add = json!({"schemas": [PATCH], "Operations": [
        {"op": "add", "path": "members", "value": [{"value": in_b}]}]});
    let a = app
        .patch(&app.token_city, &format!("/Groups/{group}"), add)
        .await;
    assert!(a.status.is_success(), "{} {}", a.status, a.body);
    let manager = json!({"schemas": [PATCH], "Operations": [
        {"op": "replace", "path": format!("{ENTERPRISE}:manager"), "value": {"value": in_b}}]});
    let a = app
        .patch(&app.token_city, &format!("/Users/{in_a}"), manager)
        .await;
    assert!(a.status.is_success(), "{} {}", a.status, a.body);

    // The city sees both members; school A's client only its own person.
    let city = app.get(&app.token_city, &format!("/Groups/{group}")).await;
    let mut both = vec![in_a.clone(), in_b.clone()];
    both.sort();
    assert_eq!(member_ids(&city.body), both);
    let seen = app.get(&app.token_a, &format!("/Groups/{group}")).await;
    assert_eq!(member_ids(&seen.body), vec![in_a.clone()], "{}", seen.body);
    assert!(!seen.body.to_string().contains(&in_b));
    // …nor B's person as A's person's manager, nor through a filter.
    let user = app.get(&app.token_a, &format!("/Users/{in_a}")).await;
    assert!(!user.body.to_string().contains(&in_b), "{}", user.body);
    let filter = format!("/Groups?filter=members.value%20eq%20%22{in_b}%22");
    let found = app.get(&app.token_a, &filter).await;
    assert_eq!(found.body["totalResults"], 0, "{}", found.body);
    let filter = format!("/Users?filter={ENTERPRISE}:manager.value%20eq%20%22{in_b}%22");
    let found = app.get(&app.token_a, &filter).await;
    assert_eq!(found.body["totalResults"], 0, "{}", found.body);
    // B's client does not see A's group in its person's groups.
    let b_user = app.get(&app.token_b, &format!("/Users/{in_b}")).await;
    assert!(!b_user.body.to_string().contains(&group), "{}", b_user.body);
    // An id outside the scope cannot be linked: like an unknown id.
    let manager = json!({"schemas": [PATCH], "Operations": [
        {"op": "replace", "path": format!("{ENTERPRISE}:manager"), "value": {"value": in_b}}]});
    let a = app
        .patch(&app.token_a, &format!("/Users/{in_a}"), manager.clone())
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.body);

    // What A's client sends back (PUT of the group as it sees it, a change of the person)
    // keeps the links it cannot see.
    let put = json!({"schemas": [GROUP], "displayName": "Zespół 2", "members": [{"value": in_a}]});
    let a = app
        .call(
            &app.token_a,
            Method::PUT,
            &format!("/Groups/{group}"),
            Some(put),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let group_dn = group_dn.replace("cn=Zespół", "cn=Zespół 2");
    let mut expected = vec![dn_a.to_lowercase(), dn_b.to_lowercase()];
    expected.sort();
    assert_eq!(ldap_values(&group_dn, "member").await, expected);
    let rename = json!({"schemas": [PATCH], "Operations": [
        {"op": "replace", "path": "title", "value": "nauczycielka"}]});
    let a = app
        .patch(&app.token_a, &format!("/Users/{in_a}"), rename)
        .await;
    assert!(a.status.is_success(), "{} {}", a.status, a.body);
    assert_eq!(
        ldap_values(&dn_a, "manager").await,
        vec![dn_b.to_lowercase()]
    );
}
