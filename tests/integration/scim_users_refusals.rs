//! SCIM Users requests that must change nothing: other schools' people and read-only clients,
//! malformed or oversized input (a SCIM error, the directory unchanged), and filter or DN
//! injection attempts.

use super::*;

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
        .patch(&app.token_a, &format!("/Users/{in_b}"), patch)
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
        .patch(&app.token_a, &format!("/Users/{id}"), bad_path)
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    // All-or-nothing: a valid first operation is not applied when the second fails.
    let half = json!({"schemas":[PATCH],"Operations":[
        {"op":"replace","path":"title","value":"changed"},
        {"op":"frobnicate","path":"title","value":"x"}
    ]});
    let res = app.patch(&app.token_a, &format!("/Users/{id}"), half).await;
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
