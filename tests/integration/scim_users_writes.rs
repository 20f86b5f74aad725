//! SCIM Users changed after creation, checked in LDAP: the PATCH shapes Entra ID sends, Okta's
//! full PUT, DELETE, a move to another primary school, deactivation locking sign-in, and the
//! title / position pair.

use super::*;
use ldap3::Scope;

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
        .patch(&app.token_a, &format!("/Users/{id}"), patch)
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
        .patch(&app.token_city, &format!("/Users/{id}"), patch)
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
            .patch(&app.token_a, &format!("/Users/{id}"), patch)
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
