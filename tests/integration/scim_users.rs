//! SCIM Users against real slapd: every operation checked through SCIM and directly in LDAP,
//! with the request shapes Entra ID and Okta really send (shared/docs/scim-clients.md).

use crate::common;
use crate::scim_support::*;
use ldap3::Scope;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn scim_discovery_documents_are_complete_and_typed() {
    let app = ScimApp::start().await;
    let spc = app.get(&app.token_a, "/ServiceProviderConfig").await;
    assert_eq!(spc.status, StatusCode::OK);
    assert!(is_scim(&spc));
    for key in [
        "patch",
        "bulk",
        "filter",
        "changePassword",
        "sort",
        "etag",
        "authenticationSchemes",
    ] {
        assert!(!spc.body[key].is_null(), "{key} missing in {}", spc.body);
    }
    assert!(spc.body["bulk"]["maxOperations"].is_number());
    assert!(spc.body["filter"]["maxResults"].is_number());
    let schemas = app.get(&app.token_a, "/Schemas").await;
    assert!(schemas.body["totalResults"].as_u64().unwrap() >= 4);
    let rt = app.get(&app.token_a, "/ResourceTypes/User").await;
    assert_eq!(rt.status, StatusCode::OK, "{}", rt.body);
}

#[tokio::test]
async fn scim_requires_a_valid_bearer_token() {
    let app = ScimApp::start().await;
    let res = app
        .http
        .get(format!("{}/Users", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Bearer"));
    let bad = app.get("zszo_not-a-real-token", "/Users").await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert!(is_scim(&bad));
    assert!(bad.headers["www-authenticate"]
        .to_str()
        .unwrap()
        .contains("invalid_token"));
}

#[tokio::test]
async fn okta_creates_a_user_with_a_generated_login_and_the_entry_lands_in_its_school() {
    let app = ScimApp::start().await;
    let body = okta_user(&app.school_a, "Łucja", "Żądło-Wąs");
    let created = app
        .call(&app.token_a, Method::POST, "/Users", Some(body.clone()))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert!(is_scim(&created));
    let id = created.body["id"].as_str().unwrap();
    assert!(created.headers["location"]
        .to_str()
        .unwrap()
        .ends_with(&format!("/Users/{id}")));
    assert!(created.headers["etag"]
        .to_str()
        .unwrap()
        .starts_with("W/\""));
    assert_eq!(created.body["meta"]["resourceType"], "User");
    assert!(created.body.get("password").is_none());

    // In LDAP: the id is the entryUUID, the login is generated from the name, not userName.
    let dn = app.person_dn(id).await.unwrap();
    assert!(
        dn.contains(&format!("ou=pracownicy,ou={},ou=placowki", app.school_a)),
        "{dn}"
    );
    let entry = common::admin_entry(&dn).await;
    assert_eq!(entry.attrs["entryUUID"], vec![id.to_owned()]);
    assert!(
        entry.attrs["uid"][0].starts_with("lucja.zadlo-was"),
        "{:?}",
        entry.attrs["uid"]
    );
    assert_eq!(
        entry.attrs["zszoExternalUserName"][0],
        body["userName"].as_str().unwrap()
    );
    assert_eq!(
        entry.attrs["mail"][0],
        body["emails"][0]["value"].as_str().unwrap()
    );
    assert_eq!(entry.attrs["zszoAccountState"], vec!["none"]);
    assert!(
        !entry.attrs.contains_key("userPassword"),
        "SCIM never creates credentials"
    );

    // One audit record for the creation.
    let records = app.audit_about(id).await;
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].record.action, "person.created");
}

#[tokio::test]
async fn user_name_is_unique_case_insensitively() {
    let app = ScimApp::start().await;
    let body = okta_user(&app.school_a, "Jan", "Nowak");
    app.create_user(&app.token_a, body.clone()).await;
    let mut again = body.clone();
    again["userName"] = json!(body["userName"].as_str().unwrap().to_uppercase());
    let dup = app
        .call(&app.token_a, Method::POST, "/Users", Some(again))
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT, "{}", dup.body);
    assert_eq!(error_type(&dup), Some("uniqueness"));
}

#[tokio::test]
async fn okta_existence_check_and_entra_test_connection_get_lists() {
    let app = ScimApp::start().await;
    let body = okta_user(&app.school_a, "Anna", "Kowalska");
    let id = app.create_user(&app.token_a, body.clone()).await;
    let user_name = body["userName"].as_str().unwrap().to_uppercase();
    let found = app
        .get(
            &app.token_a,
            &format!("/Users?filter=userName%20eq%20%22{user_name}%22&startIndex=1&count=100"),
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    assert_eq!(found.body["totalResults"], 1);
    assert_eq!(found.body["Resources"][0]["id"], id.as_str());
    assert_eq!(found.body["startIndex"], 1);
    assert_eq!(found.body["itemsPerPage"], 1);

    let random = app
        .get(
            &app.token_a,
            "/Users?filter=userName%20eq%20%22a1b2c3d4-nobody%22",
        )
        .await;
    assert_eq!(random.status, StatusCode::OK);
    assert_eq!(random.body["totalResults"], 0);
    assert_eq!(random.body["Resources"], json!([]));
}

#[tokio::test]
async fn entra_patch_shapes_are_applied_and_written_to_ldap() {
    let app = ScimApp::start().await;
    let mut body = okta_user(&app.school_a, "Piotr", "Zieliński");
    body.as_object_mut().unwrap().remove("emails");
    let id = app.create_user(&app.token_a, body).await;
    let patch = json!({
        "schemas": [PATCH],
        "Operations": [
            { "op": "Replace", "path": "active", "value": "False" },
            { "op": "Add", "path": "emails[type eq \"work\"].value", "value": "piotr.z@szkola.example" },
            { "op": "replace", "value": {
                "name.givenName": "Piotr Paweł",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "KR-777",
                "title": "nauczyciel fizyki"
            }}
        ]
    });
    let res = app
        .call(
            &app.token_a,
            Method::PATCH,
            &format!("/Users/{id}"),
            Some(patch),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body["active"], false);
    assert_eq!(res.body["name"]["givenName"], "Piotr Paweł");

    let entry = common::admin_entry(&app.person_dn(&id).await.unwrap()).await;
    assert_eq!(entry.attrs["zszoEmploymentActive"], vec!["FALSE"]);
    assert_eq!(entry.attrs["mail"], vec!["piotr.z@szkola.example"]);
    assert_eq!(entry.attrs["employeeNumber"], vec!["KR-777"]);
    assert_eq!(entry.attrs["title"], vec!["nauczyciel fizyki"]);
    assert_eq!(entry.attrs["givenName"], vec!["Piotr Paweł"]);

    // Deactivated, still readable.
    let get = app.get(&app.token_a, &format!("/Users/{id}")).await;
    assert_eq!(get.status, StatusCode::OK);
    let actions = app.actions_about(&id).await;
    assert_eq!(actions, ["person.deactivated", "person.created"]);
}

#[tokio::test]
async fn okta_full_put_replaces_and_deletes_omitted_attributes() {
    let app = ScimApp::start().await;
    let mut body = okta_user(&app.school_a, "Ewa", "Lis");
    body["title"] = json!("pedagog");
    let id = app.create_user(&app.token_a, body.clone()).await;
    let mut put = body.clone();
    put.as_object_mut().unwrap().remove("title");
    put["active"] = json!(false);
    put["id"] = json!(id);
    let res = app
        .call(
            &app.token_a,
            Method::PUT,
            &format!("/Users/{id}"),
            Some(put),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let entry = common::admin_entry(&app.person_dn(&id).await.unwrap()).await;
    assert!(!entry.attrs.contains_key("title"));
    assert_eq!(entry.attrs["zszoEmploymentActive"], vec!["FALSE"]);
}

#[tokio::test]
async fn delete_removes_the_entry() {
    let app = ScimApp::start().await;
    let id = app
        .create_user(&app.token_a, okta_user(&app.school_a, "Adam", "Mak"))
        .await;
    let dn = app.person_dn(&id).await.unwrap();
    let res = app
        .call(&app.token_a, Method::DELETE, &format!("/Users/{id}"), None)
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&app.token_a, &format!("/Users/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let mut ldap = common::connect_admin().await;
    let gone = ldap
        .search(&dn, Scope::Base, "(objectClass=*)", vec!["uid"])
        .await
        .unwrap();
    assert_eq!(gone.1.rc, 32, "no such object");
}

#[tokio::test]
async fn clients_see_and_change_only_their_schools() {
    let app = ScimApp::start().await;
    let in_b = app
        .create_user(&app.token_b, okta_user(&app.school_b, "Beata", "Bąk"))
        .await;

    // A cannot see B's person: 404, and the list does not show it.
    let get = app.get(&app.token_a, &format!("/Users/{in_b}")).await;
    assert_eq!(get.status, StatusCode::NOT_FOUND);
    assert!(is_scim(&get));
    let list = app.get(&app.token_a, "/Users?count=1000").await;
    assert!(!list.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == in_b.as_str()));
    let patch =
        json!({"schemas":[PATCH],"Operations":[{"op":"replace","path":"active","value":false}]});
    let res = app
        .call(
            &app.token_a,
            Method::PATCH,
            &format!("/Users/{in_b}"),
            Some(patch),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = app
        .call(
            &app.token_a,
            Method::DELETE,
            &format!("/Users/{in_b}"),
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(app.person_dn(&in_b).await.is_some());

    // Creating in B with A's token is forbidden.
    let before = common::count_in_school(&app.school_b, "(objectClass=inetOrgPerson)").await;
    let res = app
        .call(
            &app.token_a,
            Method::POST,
            "/Users",
            Some(okta_user(&app.school_b, "X", "Y")),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    assert_eq!(
        common::count_in_school(&app.school_b, "(objectClass=inetOrgPerson)").await,
        before
    );

    // The city-wide client sees both.
    assert_eq!(
        app.get(&app.token_city, &format!("/Users/{in_b}"))
            .await
            .status,
        StatusCode::OK
    );

    // A read-only client cannot write.
    let res = app
        .call(
            &app.token_read_only,
            Method::POST,
            "/Users",
            Some(okta_user(&app.school_a, "R", "O")),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn changing_the_primary_school_moves_the_entry_and_keeps_its_id() {
    let app = ScimApp::start().await;
    let id = app
        .create_user(&app.token_city, okta_user(&app.school_a, "Marek", "Kos"))
        .await;
    let before = app.person_dn(&id).await.unwrap();
    let patch = json!({"schemas":[PATCH],"Operations":[
        {"op":"replace","path": format!("{ZSZO}:primarySchool"),"value": app.school_b},
        {"op":"replace","path": format!("{ZSZO}:schools"),"value": [app.school_b]}
    ]});
    let res = app
        .call(
            &app.token_city,
            Method::PATCH,
            &format!("/Users/{id}"),
            Some(patch),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let after = app.person_dn(&id).await.unwrap();
    assert_ne!(before, after);
    assert!(after.contains(&format!("ou={}", app.school_b)), "{after}");
    assert_eq!(res.body["id"], id.as_str());
    let actions = app.actions_about(&id).await;
    assert_eq!(actions[0], "person.moved");
}

#[tokio::test]
async fn bad_input_gets_a_scim_error_and_leaves_the_directory_unchanged() {
    let app = ScimApp::start().await;
    let id = app
        .create_user(&app.token_a, okta_user(&app.school_a, "Olga", "Wrona"))
        .await;
    let before = common::admin_entry(&app.person_dn(&id).await.unwrap())
        .await
        .attrs;
    let count = common::count_in_school(&app.school_a, "(objectClass=inetOrgPerson)").await;

    for body in ["{\"schemas\": [", "", "[1,2]"] {
        let res = app
            .http
            .post(format!("{}/Users", app.base))
            .bearer_auth(&app.token_a)
            .header("content-type", "application/scim+json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{body:?}");
        let json: serde_json::Value = res.json().await.unwrap();
        assert_eq!(json["scimType"], "invalidSyntax", "{body:?}: {json}");
    }

    let mut wrong_schema = okta_user(&app.school_a, "W", "S");
    wrong_schema["schemas"] = json!(["urn:ietf:params:scim:schemas:core:2.0:Usr"]);
    let res = app
        .call(&app.token_a, Method::POST, "/Users", Some(wrong_schema))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);

    let mut with_password = okta_user(&app.school_a, "P", "W");
    with_password["password"] = json!("Secret-123-Secret");
    let res = app
        .call(&app.token_a, Method::POST, "/Users", Some(with_password))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);

    let res = app.get(&app.token_a, "/Users?filter=userName%20eq").await;
    assert_eq!(
        (res.status, error_type(&res)),
        (StatusCode::BAD_REQUEST, Some("invalidFilter"))
    );
    let res = app
        .get(&app.token_a, "/Users?filter=nickName%20eq%20%22x%22")
        .await;
    assert_eq!(error_type(&res), Some("invalidFilter"));

    let bad_path =
        json!({"schemas":[PATCH],"Operations":[{"op":"replace","path":"name.nosuch","value":"x"}]});
    let res = app
        .call(
            &app.token_a,
            Method::PATCH,
            &format!("/Users/{id}"),
            Some(bad_path),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    // All-or-nothing: a valid first operation is not applied when the second fails.
    let half = json!({"schemas":[PATCH],"Operations":[
        {"op":"replace","path":"title","value":"changed"},
        {"op":"frobnicate","path":"title","value":"x"}
    ]});
    let res = app
        .call(
            &app.token_a,
            Method::PATCH,
            &format!("/Users/{id}"),
            Some(half),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);

    let huge = json!({"schemas":[USER],"userName":"x".repeat(70_000)});
    let res = app
        .call(&app.token_a, Method::POST, "/Users", Some(huge))
        .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(is_scim(&res), "{:?}", res.headers);

    let res = app.get(&app.token_a, "/Nothing").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(is_scim(&res));
    let res = app.call(&app.token_a, Method::DELETE, "/Users", None).await;
    assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(is_scim(&res));

    let after = common::admin_entry(&app.person_dn(&id).await.unwrap())
        .await
        .attrs;
    assert_eq!(before.get("title"), after.get("title"));
    assert_eq!(before.get("modifyTimestamp"), after.get("modifyTimestamp"));
    assert_eq!(
        common::count_in_school(&app.school_a, "(objectClass=inetOrgPerson)").await,
        count
    );
}

#[tokio::test]
async fn filter_and_dn_injection_attempts_match_nothing_and_round_trip() {
    let app = ScimApp::start().await;
    let mut body = okta_user(&app.school_a, "Jan*)(uid=*", "Kowalski,ou=system\\+\"<>;=#");
    body["userName"] = json!(format!("*)(uid=*{}", uuid::Uuid::new_v4().simple()));
    let id = app.create_user(&app.token_a, body.clone()).await;
    let got = app.get(&app.token_a, &format!("/Users/{id}")).await;
    assert_eq!(got.body["name"]["familyName"], body["name"]["familyName"]);
    assert!(app
        .person_dn(&id)
        .await
        .unwrap()
        .contains(&format!("ou={}", app.school_a)));

    let res = app
        .get(
            &app.token_a,
            "/Users?filter=userName%20eq%20%22*%29%28uid%3D*%22",
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body["totalResults"], 0);
}

#[tokio::test]
async fn lists_page_with_a_stable_order_and_post_search_works() {
    let app = ScimApp::start().await;
    for i in 0..5 {
        app.create_user(
            &app.token_a,
            okta_user(&app.school_a, "Paged", &format!("Person{i}")),
        )
        .await;
    }
    let filter = "name.givenName%20eq%20%22Paged%22";
    let p1 = app
        .get(
            &app.token_a,
            &format!("/Users?filter={filter}&startIndex=1&count=2"),
        )
        .await;
    let p2 = app
        .get(
            &app.token_a,
            &format!("/Users?filter={filter}&startIndex=3&count=2"),
        )
        .await;
    let p3 = app
        .get(
            &app.token_a,
            &format!("/Users?filter={filter}&startIndex=5&count=2"),
        )
        .await;
    assert_eq!(p1.body["totalResults"], 5);
    let ids: Vec<String> = [&p1, &p2, &p3]
        .iter()
        .flat_map(|p| p.body["Resources"].as_array().unwrap().clone())
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 5, "{ids:?}");

    let search = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": "name.givenName eq \"Paged\" and name.familyName sw \"person\"",
        "sortBy": "name.familyName", "sortOrder": "descending",
        "attributes": ["userName"], "count": 2
    });
    let res = app
        .call(&app.token_a, Method::POST, "/Users/.search", Some(search))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body["totalResults"], 5);
    let first = &res.body["Resources"][0];
    assert!(
        first.get("userName").is_some() && first.get("emails").is_none(),
        "{first}"
    );
}

#[tokio::test]
async fn deactivation_locks_sign_in_at_the_directory_and_reactivation_restores_it() {
    use secrecy::SecretString;
    use zszo_connector::config::PasswordConfig;
    use zszo_connector::credentials::hash_password;
    use zszo_connector::domain::{AccountState, FamilyName, GivenName, PersonName};
    use zszo_connector::ports::directory_parts::*;
    use zszo_connector::ports::{Employment, NewCredentials, NewPerson, PersonProfile};

    let app = ScimApp::start().await;
    // A person with an account (as the panel will create them).
    let password = SecretString::from("konto-testowe-haslo-2026".to_owned());
    let cost = PasswordConfig {
        argon2_memory_kib: 19_456,
        argon2_iterations: 2,
        argon2_parallelism: 1,
        initial_password_ttl: time::Duration::days(7),
        max_hashing_in_flight: 32,
    };
    let name = PersonName {
        given: GivenName::parse("Konto").unwrap(),
        family: FamilyName::parse("Aktywne").unwrap(),
    };
    let employment = Employment {
        primary: zszo_connector::domain::SchoolCode::parse(&app.school_a).unwrap(),
        others: vec![],
    };
    let login = zszo_connector::domain::LoginName::parse(&format!(
        "konto.{}",
        uuid::Uuid::new_v4().simple()
    ))
    .unwrap();
    let mut profile = PersonProfile::new(name, employment);
    profile.user_name = Some(format!("{login}@szkola.example"));
    let person = app
        .directory
        .create_person(&NewPerson {
            login: login.clone(),
            profile,
            credentials: Some(NewCredentials {
                hash: hash_password(&password, &cost).unwrap(),
                state: AccountState::Active,
                must_change: false,
                expires_at: None,
            }),
            created_by: "test".into(),
        })
        .await
        .unwrap();
    let id = person.entry.id;
    assert!(app
        .directory
        .check_password(&login, &password)
        .await
        .unwrap());

    let set_active = |active: bool| json!({"schemas":[PATCH],"Operations":[{"op":"replace","value":{"active": active}}]});
    let res = app
        .call(
            &app.token_a,
            Method::PATCH,
            &format!("/Users/{id}"),
            Some(set_active(false)),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        !app.directory
            .check_password(&login, &password)
            .await
            .unwrap(),
        "locked by the directory"
    );
    assert_eq!(
        app.get(&app.token_a, &format!("/Users/{id}")).await.body["active"],
        false
    );

    let res = app
        .call(
            &app.token_a,
            Method::PATCH,
            &format!("/Users/{id}"),
            Some(set_active(true)),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(app
        .directory
        .check_password(&login, &password)
        .await
        .unwrap());
    let actions = app.actions_about(&id).await;
    assert_eq!(actions, ["person.reactivated", "person.deactivated"]);
}

#[tokio::test]
async fn patching_title_or_position_changes_the_one_directory_attribute() {
    let app = ScimApp::start().await;
    let mut body = okta_user(&app.school_a, "Tytus", "Stanowski");
    body["title"] = json!("nauczyciel");
    let id = app.create_user(&app.token_a, body).await;
    for (path, value) in [
        ("title", "wicedyrektor"),
        (&*format!("{ZSZO}:position"), "dyrektor"),
    ] {
        let patch =
            json!({"schemas":[PATCH],"Operations":[{"op":"replace","path":path,"value":value}]});
        let res = app
            .call(
                &app.token_a,
                Method::PATCH,
                &format!("/Users/{id}"),
                Some(patch),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.body["title"], value, "{path}: {}", res.body);
        assert_eq!(res.body[ZSZO]["position"], value);
        let entry = common::admin_entry(&app.person_dn(&id).await.unwrap()).await;
        assert_eq!(entry.attrs["title"], vec![value.to_owned()]);
    }
    // A whole resource naming two different values is refused, not silently resolved.
    let mut both = okta_user(&app.school_a, "Dwa", "Tytuły");
    both["title"] = json!("a");
    both[ZSZO]["position"] = json!("b");
    let res = app
        .call(&app.token_a, Method::POST, "/Users", Some(both))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
}

#[tokio::test]
async fn namesakes_get_the_next_free_login_in_order() {
    let app = ScimApp::start().await;
    let family = format!(
        "Nazwisko{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let mut logins = Vec::new();
    for _ in 0..3 {
        let id = app
            .create_user(&app.token_a, okta_user(&app.school_a, "Jan", &family))
            .await;
        let entry = common::admin_entry(&app.person_dn(&id).await.unwrap()).await;
        logins.push(entry.attrs["uid"][0].clone());
    }
    let base = format!("jan.{}", family.to_lowercase());
    assert_eq!(
        logins,
        [base.clone(), format!("{base}2"), format!("{base}3")]
    );
}
