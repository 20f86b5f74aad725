//! SCIM Groups against real slapd, with the shapes Entra ID and Okta send: empty groups,
//! membership PATCH by value list and by value filter, rename by path-less replace,
//! membership visible on the User, and the role groups out of reach.

use crate::common;
use crate::scim_support::*;
use ldap3::{Scope, SearchEntry};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn members_in_ldap(app: &ScimApp, group_id: &str) -> Vec<String> {
    let mut ldap = common::connect_admin().await;
    let (entries, _) = ldap
        .search(
            &common::dn("ou=placowki"),
            Scope::Subtree,
            &format!("(entryUUID={group_id})"),
            vec!["member"],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    let _ = app;
    let e = SearchEntry::construct(entries.into_iter().next().unwrap());
    e.attrs
        .get("member")
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| !m.is_empty())
        .collect()
}

async fn group(app: &ScimApp, name: &str, members: Value) -> String {
    let res = app
        .call(
            &app.token_a,
            Method::POST,
            "/Groups",
            Some(json!({"schemas": [GROUP], "displayName": name, "members": members})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.body["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn entra_creates_an_empty_group_then_adds_and_removes_members() {
    let app = ScimApp::start().await;
    let [u1, u2, u3] = app
        .people_in_a(&[("Ala", "Kot"), ("Ola", "Pies"), ("Ela", "Mysz")])
        .await
        .try_into()
        .unwrap();
    let g = group(&app, "Rada Pedagogiczna", json!([])).await;
    assert!(members_in_ldap(&app, &g).await.is_empty());

    let add = json!({"schemas":[PATCH],"Operations":[
        {"op":"Add","path":"members","value":[{"value":u1},{"value":u2},{"value":u3}]}
    ]});
    let res = app.patch(&app.token_a, &format!("/Groups/{g}"), add).await;
    assert!(res.status.is_success(), "{}", res.body);
    assert_eq!(members_in_ldap(&app, &g).await.len(), 3);

    // Entra's old form: remove listed members only, never the whole list.
    let remove = json!({"schemas":[PATCH],"Operations":[
        {"op":"Remove","path":"members","value":[{"value":u1}]}
    ]});
    let res = app
        .patch(&app.token_a, &format!("/Groups/{g}"), remove)
        .await;
    assert!(res.status.is_success(), "{}", res.body);
    let mut expected = vec![u2.clone(), u3.clone()];
    expected.sort();
    assert_eq!(
        member_ids(&app.get(&app.token_a, &format!("/Groups/{g}")).await.body),
        expected
    );

    // The newer form, with a value filter.
    let remove = json!({"schemas":[PATCH],"Operations":[
        {"op":"remove","path": format!("members[value eq \"{u2}\"]")}
    ]});
    let res = app
        .patch(&app.token_a, &format!("/Groups/{g}"), remove)
        .await;
    assert!(res.status.is_success(), "{}", res.body);
    assert_eq!(
        member_ids(&app.get(&app.token_a, &format!("/Groups/{g}")).await.body),
        vec![u3.clone()]
    );
    assert_eq!(members_in_ldap(&app, &g).await.len(), 1);

    // The user shows the membership (read-only `groups`).
    let user = app.get(&app.token_a, &format!("/Users/{u3}")).await;
    assert_eq!(user.body["groups"][0]["value"], g.as_str(), "{}", user.body);

    let actions = app.actions_about(&g).await;
    assert_eq!(
        actions,
        [
            "group.members_changed",
            "group.members_changed",
            "group.members_changed",
            "group.created"
        ]
    );
}

#[tokio::test]
async fn okta_renames_a_group_with_a_pathless_replace_and_keeps_its_id() {
    let app = ScimApp::start().await;
    let u = app
        .create_user(&app.token_a, okta_user(&app.school_a, "Iza", "Wilk"))
        .await;
    let g = group(&app, "Kółko szachowe", json!([{"value": u}])).await;
    let rename = json!({"schemas":[PATCH],"Operations":[
        {"op":"replace","value":{"id": g, "displayName":"Klub szachowy \"Hetman\", (2026)"}}
    ]});
    let res = app
        .patch(&app.token_a, &format!("/Groups/{g}"), rename)
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body["id"], g.as_str());
    assert_eq!(res.body["displayName"], "Klub szachowy \"Hetman\", (2026)");
    assert_eq!(
        members_in_ldap(&app, &g).await.len(),
        1,
        "members survive the rename"
    );

    let found = app
        .get(
            &app.token_a,
            "/Groups?filter=displayName%20eq%20%22Klub%20szachowy%20%5C%22Hetman%5C%22%2C%20(2026)%22&excludedAttributes=members",
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    assert_eq!(found.body["totalResults"], 1);
    assert!(found.body["Resources"][0].get("members").is_none());
}

#[tokio::test]
async fn group_names_are_unique_in_a_school_and_members_must_be_visible() {
    let app = ScimApp::start().await;
    group(&app, "Zespół", json!([])).await;
    let dup = app
        .call(
            &app.token_a,
            Method::POST,
            "/Groups",
            Some(json!({"schemas":[GROUP],"displayName":"Zespół"})),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT, "{}", dup.body);
    assert_eq!(error_type(&dup), Some("uniqueness"));

    // A person of school B is not visible to school A's client: refused like an unknown id.
    let in_b = app
        .create_user(&app.token_b, okta_user(&app.school_b, "Obcy", "Człowiek"))
        .await;
    let res = app
        .call(
            &app.token_a,
            Method::POST,
            "/Groups",
            Some(json!({"schemas":[GROUP],"displayName":"Inny","members":[{"value": in_b}]})),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    // School B's groups are invisible to A.
    let gb = app
        .call(
            &app.token_b,
            Method::POST,
            "/Groups",
            Some(json!({"schemas":[GROUP],"displayName":"Tylko B"})),
        )
        .await;
    let gb = gb.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get(&app.token_a, &format!("/Groups/{gb}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_local_administrators_group_is_not_reachable_through_scim() {
    let app = ScimApp::start().await;
    let list = app.get(&app.token_a, "/Groups?count=1000").await;
    assert_eq!(list.status, StatusCode::OK);
    let names: Vec<&str> = list.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["displayName"].as_str().unwrap())
        .collect();
    assert!(!names.contains(&"administratorzy-lokalni"), "{names:?}");
    let res = app
        .call(
            &app.token_a,
            Method::POST,
            "/Groups",
            Some(json!({"schemas":[GROUP],"displayName":"administratorzy-lokalni"})),
        )
        .await;
    assert!(res.status.is_client_error(), "{}", res.body);
}

#[tokio::test]
async fn put_replaces_members_and_delete_removes_the_group() {
    let app = ScimApp::start().await;
    let [u1, u2] = app
        .people_in_a(&[("Jan", "Raz"), ("Jan", "Dwa")])
        .await
        .try_into()
        .unwrap();
    let g = group(&app, "Świetlica", json!([{"value": u1}])).await;
    let put =
        json!({"schemas":[GROUP],"id": g,"displayName":"Świetlica","members":[{"value": u2}]});
    let res = app
        .call(
            &app.token_a,
            Method::PUT,
            &format!("/Groups/{g}"),
            Some(put),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(member_ids(&res.body), vec![u2.clone()]);
    let res = app
        .call(&app.token_a, Method::DELETE, &format!("/Groups/{g}"), None)
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&app.token_a, &format!("/Groups/{g}")).await.status,
        StatusCode::NOT_FOUND
    );
    // Deleting a user removes them from groups (refint).
    let g2 = group(&app, "Biblioteka", json!([{"value": u1}, {"value": u2}])).await;
    app.call(&app.token_a, Method::DELETE, &format!("/Users/{u1}"), None)
        .await;
    assert_eq!(
        member_ids(&app.get(&app.token_a, &format!("/Groups/{g2}")).await.body),
        vec![u2]
    );
}

#[tokio::test]
async fn the_root_search_finds_users_and_groups_and_pages_over_both() {
    let app = ScimApp::start().await;
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let mut user = okta_user(&app.school_a, "Szukany", "Użytkownik");
    user["displayName"] = json!(format!("Wspólna {tag} osoba"));
    let u = app.create_user(&app.token_a, user).await;
    let g = group(&app, &format!("Wspólna {tag} grupa"), json!([])).await;
    let search = |start: u32, count: u32| {
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": format!("displayName sw \"Wspólna {tag}\""),
            "startIndex": start, "count": count
        })
    };
    let all = app
        .call(&app.token_a, Method::POST, "/.search", Some(search(1, 10)))
        .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert_eq!(all.body["totalResults"], 2);
    let found: Vec<&str> = all.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(found, [u.as_str(), g.as_str()], "users first, then groups");
    let second = app
        .call(&app.token_a, Method::POST, "/.search", Some(search(2, 1)))
        .await;
    assert_eq!(second.body["Resources"][0]["id"], g.as_str());
    assert_eq!(second.body["totalResults"], 2);
    // A filter only Users understand finds no groups but is no error.
    let users_only = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": format!("name.givenName eq \"Szukany\" and displayName sw \"Wspólna {tag}\"")
    });
    let res = app
        .call(&app.token_a, Method::POST, "/.search", Some(users_only))
        .await;
    assert_eq!(res.body["totalResults"], 1, "{}", res.body);
}
