//! The request sequences of the vendors' own documentation, replayed as written (only ids,
//! user names and external ids adapted, so parallel tests do not collide) against the real
//! router, LDAP adapter and slapd, with a one-school client (no school named):
//!
//! - Microsoft Learn, "Tutorial: Develop and plan provisioning for a SCIM endpoint in Microsoft
//!   Entra ID" (user and group operations, in the tutorial's order), plus the shapes Entra's
//!   default attribute mappings send (`preferredLanguage`, `addresses[type eq "work"]…`, the
//!   older `manager` list);
//! - Okta, "SCIM 2.0 Protocol Reference" (users, including the full-replace PUT custom apps
//!   send, and groups).
//!
//! The one documented request that is refused on purpose is Okta's create with a `password`:
//! the connector issues credentials itself (security.md AUTHZ-03), and that refusal is the
//! first answer, before any other remark on the body.

use crate::scim_support::{error_type, ScimApp, PATCH};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn unique() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn total(a: &Value) -> u64 {
    a["totalResults"].as_u64().unwrap()
}

#[tokio::test]
async fn entras_documented_user_and_group_requests_are_accepted_in_order() {
    let app = ScimApp::start().await;
    let t = &app.token_a;

    // Test connection: a random lookup answers an empty list.
    let a = app
        .get(t, "/Users?filter=userName%20eq%20%22non-existent%20user%22")
        .await;
    assert_eq!(
        (a.status, total(&a.body)),
        (StatusCode::OK, 0),
        "{}",
        a.body
    );

    // Create User, as documented: meta.resourceType and "roles": [] included.
    let user_name = format!("Test_User_{}", unique());
    let external_id = unique();
    let create = json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": external_id,
        "userName": user_name,
        "active": true,
        "emails": [{
            "primary": true,
            "type": "work",
            "value": format!("Test_User_{}@testuser.com", unique())
        }],
        "meta": {
            "resourceType": "User"
        },
        "name": {
            "formatted": "givenName familyName",
            "familyName": "familyName",
            "givenName": "givenName"
        },
        "roles": []
    });
    let a = app.call(t, Method::POST, "/Users", Some(create)).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let id = a.body["id"].as_str().unwrap().to_owned();
    assert_eq!(a.body["userName"], user_name.as_str());
    assert_eq!(a.body["meta"]["resourceType"], "User");

    // Get User; Get User by query (userName, externalId); zero results.
    let a = app.get(t, &format!("/Users/{id}")).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let a = app
        .get(
            t,
            &format!("/Users?filter=userName%20eq%20%22{user_name}%22"),
        )
        .await;
    assert_eq!(total(&a.body), 1, "{}", a.body);
    let a = app
        .get(
            t,
            &format!("/Users?filter=externalId%20eq%20%22{external_id}%22"),
        )
        .await;
    assert_eq!(total(&a.body), 1, "{}", a.body);
    let a = app
        .get(t, "/Users?filter=userName%20eq%20%22non-existent%20user%22")
        .await;
    assert_eq!(total(&a.body), 0, "{}", a.body);

    // Update User [Multi-valued properties].
    let a = app
        .call(
            t,
            Method::PATCH,
            &format!("/Users/{id}"),
            Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [
                    {
                        "op": "Replace",
                        "path": "emails[type eq \"work\"].value",
                        "value": "updatedEmail@microsoft.com"
                    },
                    {
                        "op": "Replace",
                        "path": "name.familyName",
                        "value": "updatedFamilyName"
                    }
                ]
            })),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["name"]["familyName"], "updatedFamilyName");
    assert_eq!(a.body["emails"][0]["value"], "updatedEmail@microsoft.com");

    // Update User [Single-valued properties].
    let renamed = format!("{}@contoso.com", unique());
    let a = app
        .call(
            t,
            Method::PATCH,
            &format!("/Users/{id}"),
            Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{
                    "op": "Replace",
                    "path": "userName",
                    "value": renamed
                }]
            })),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["userName"], renamed.as_str());

    // Entra's default attribute mappings: attributes without a place in the directory are
    // accepted (and ignored); the manager in its older list shape is set.
    let manager = app
        .create_user(
            t,
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": format!("{}@contoso.com", unique()),
                "name": {"givenName": "Maria", "familyName": "Kierownik"}
            }),
        )
        .await;
    let a = app
        .call(
            t,
            Method::PATCH,
            &format!("/Users/{id}"),
            Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [
                    {"op": "Add", "path": "preferredLanguage", "value": "pl-PL"},
                    {"op": "Add", "path": "addresses[type eq \"work\"].postalCode", "value": "31-004"},
                    {"op": "Add", "path": "addresses[type eq \"work\"].locality", "value": "Kraków"},
                    {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
                     "value": [{"$ref": format!("{}/Users/{manager}", app.base), "value": manager}]}
                ]
            })),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let ext = &a.body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"];
    assert_eq!(ext["manager"]["value"], manager.as_str(), "{}", a.body);
    assert!(a.body.get("preferredLanguage").is_none());

    // Disable User.
    let a = app
        .call(
            t,
            Method::PATCH,
            &format!("/Users/{id}"),
            Some(json!({
                "Operations": [{"op": "Replace", "path": "active", "value": false}],
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]
            })),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["active"], false);

    // Create Group, as documented: the ADSCIM schema URN and meta included.
    let display = format!("displayName {}", unique());
    let a = app
        .call(
            t,
            Method::POST,
            "/Groups",
            Some(json!({
                "schemas": [
                    "urn:ietf:params:scim:schemas:core:2.0:Group",
                    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
                "externalId": unique(),
                "displayName": display,
                "meta": {
                    "resourceType": "Group"
                }
            })),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let gid = a.body["id"].as_str().unwrap().to_owned();

    // Get Group; Get Group by displayName.
    let a = app
        .get(t, &format!("/Groups/{gid}?excludedAttributes=members"))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert!(a.body.get("members").is_none());
    let a = app
        .get(
            t,
            &format!(
                "/Groups?excludedAttributes=members&filter=displayName%20eq%20%22{}%22",
                display.replace(' ', "%20")
            ),
        )
        .await;
    assert_eq!(total(&a.body), 1, "{}", a.body);

    // Update Group [Non-member attributes]; [Add Members]; [Remove Members].
    let updated = format!("{gid}updatedDisplayName");
    let steps = [
        json!([{"op": "Replace", "path": "displayName", "value": updated}]),
        json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": id}]}]),
        json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": id}]}]),
    ];
    for (n, ops) in steps.into_iter().enumerate() {
        let a = app
            .call(
                t,
                Method::PATCH,
                &format!("/Groups/{gid}"),
                Some(json!({"schemas": [PATCH], "Operations": ops})),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "step {n}: {}", a.body);
        let members = a.body["members"].as_array().map_or(0, Vec::len);
        assert_eq!(members, usize::from(n == 1), "step {n}: {}", a.body);
    }
    assert_eq!(
        app.get(t, &format!("/Groups/{gid}")).await.body["displayName"],
        updated.as_str()
    );

    // Delete Group; Delete User.
    let a = app
        .call(t, Method::DELETE, &format!("/Groups/{gid}"), None)
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.body);
    let a = app
        .call(t, Method::DELETE, &format!("/Users/{id}"), None)
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.body);
}

#[tokio::test]
async fn a_group_patch_that_excludes_members_answers_no_content_with_the_new_etag() {
    let app = ScimApp::start().await;
    let t = &app.token_a;
    let a = app
        .call(
            t,
            Method::POST,
            "/Groups",
            Some(json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": format!("G {}", unique())
            })),
        )
        .await;
    let gid = a.body["id"].as_str().unwrap().to_owned();
    let patch = json!({"schemas": [PATCH], "Operations": [
        {"op": "Replace", "path": "displayName", "value": format!("H {}", unique())}]});
    let a = app
        .call(
            t,
            Method::PATCH,
            &format!("/Groups/{gid}?excludedAttributes=members"),
            Some(patch),
        )
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.body);
    assert_eq!(a.body, Value::Null);
    let etag = a.headers.get("etag").unwrap().to_str().unwrap().to_owned();
    let now = app.get(t, &format!("/Groups/{gid}")).await;
    assert_eq!(now.headers.get("etag").unwrap().to_str().unwrap(), etag);
}

#[tokio::test]
async fn oktas_documented_user_and_group_requests_are_accepted_in_order() {
    let app = ScimApp::start().await;
    let t = &app.token_a;
    let user_name = format!("test.user.{}@okta.local", uuid::Uuid::new_v4().simple());

    // Existence check.
    let a = app
        .get(
            t,
            &format!("/Users?filter=userName%20eq%20%22{user_name}%22&startIndex=1&count=100"),
        )
        .await;
    assert_eq!(
        (a.status, total(&a.body)),
        (StatusCode::OK, 0),
        "{}",
        a.body
    );

    // Create User as documented: the password is refused first, and clearly.
    let mut create = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {
            "givenName": "Test",
            "familyName": "User"
        },
        "emails": [{
            "primary": true,
            "value": user_name,
            "type": "work"
        }],
        "displayName": "Test User",
        "locale": "en-US",
        "externalId": format!("00u{}", uuid::Uuid::new_v4().simple()),
        "groups": [],
        "password": "1mz050nq",
        "active": true
    });
    let a = app
        .call(t, Method::POST, "/Users", Some(create.clone()))
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
    assert_eq!(error_type(&a), Some("mutability"), "{}", a.body);
    assert!(
        a.body["detail"]
            .as_str()
            .unwrap()
            .contains("password cannot be set over SCIM"),
        "{}",
        a.body
    );
    // With password sync off in Okta (what the refusal asks for), the same body is accepted.
    create.as_object_mut().unwrap().remove("password");
    let a = app.call(t, Method::POST, "/Users", Some(create)).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let id = a.body["id"].as_str().unwrap().to_owned();

    // Retrieve; existence check finds it, in any case.
    assert_eq!(
        app.get(t, &format!("/Users/{id}")).await.status,
        StatusCode::OK
    );
    let a = app
        .get(
            t,
            &format!(
                "/Users?filter=userName%20eq%20%22{}%22&startIndex=1&count=100",
                user_name.to_uppercase()
            ),
        )
        .await;
    assert_eq!(total(&a.body), 1, "{}", a.body);

    // Update a specific User (PUT), as documented: middleName, emails[].display, meta.
    let put = |given: &str, active: bool| {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": id,
            "userName": user_name,
            "name": {
                "givenName": given,
                "middleName": "Excited",
                "familyName": "User"
            },
            "emails": [{
                "primary": true,
                "value": user_name,
                "type": "work",
                "display": user_name
            }],
            "displayName": format!("{given} User"),
            "locale": "en-US",
            "externalId": a.body["externalId"],
            "groups": [],
            "active": active,
            "meta": {
                "resourceType": "User",
                "created": "2010-01-23T04:56:22Z",
                "lastModified": "2011-05-13T04:42:34Z"
            }
        })
    };
    let r = app
        .call(
            t,
            Method::PUT,
            &format!("/Users/{id}"),
            Some(put("Another", true)),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["name"]["givenName"], "Another");

    // Deactivate: custom apps send a full PUT, others the path-less PATCH.
    let r = app
        .call(
            t,
            Method::PUT,
            &format!("/Users/{id}"),
            Some(put("Another", false)),
        )
        .await;
    assert_eq!(
        (r.status, &r.body["active"]),
        (StatusCode::OK, &json!(false)),
        "{}",
        r.body
    );
    let r = app
        .call(
            t,
            Method::PATCH,
            &format!("/Users/{id}"),
            Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "value": {"active": false}}]
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.get(t, &format!("/Users/{id}")).await.body["active"],
        false,
        "a deactivated user stays readable"
    );

    // Groups: existence check, create, retrieve, rename, members in and out, delete.
    let display = format!("Test SCIMv2 {}", uuid::Uuid::new_v4().simple());
    let filter = format!(
        "/Groups?filter=displayName%20eq%20%22{}%22&startIndex=1&count=100",
        display.replace(' ', "%20")
    );
    assert_eq!(total(&app.get(t, &filter).await.body), 0);
    let g = app
        .call(
            t,
            Method::POST,
            "/Groups",
            Some(json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": display,
                "members": []
            })),
        )
        .await;
    assert_eq!(g.status, StatusCode::CREATED, "{}", g.body);
    let gid = g.body["id"].as_str().unwrap().to_owned();
    assert_eq!(total(&app.get(t, &filter).await.body), 1);
    let steps = [
        json!([{"op": "replace", "value": {"id": gid, "displayName": display}}]),
        json!([{"op": "add", "path": "members", "value": [{"value": id, "display": user_name}]}]),
        json!([{"op": "remove", "path": format!("members[value eq \"{id}\"]")}]),
    ];
    for (n, ops) in steps.into_iter().enumerate() {
        let a = app
            .call(
                t,
                Method::PATCH,
                &format!("/Groups/{gid}"),
                Some(json!({"schemas": [PATCH], "Operations": ops})),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "step {n}: {}", a.body);
        let members = a.body["members"].as_array().map_or(0, Vec::len);
        assert_eq!(members, usize::from(n == 1), "step {n}: {}", a.body);
    }
    let a = app
        .call(t, Method::DELETE, &format!("/Groups/{gid}"), None)
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.body);
}

#[tokio::test]
async fn identifiers_of_sixty_four_characters_are_stored_and_read_back() {
    use zszo_connector::domain::{School, SchoolCode, SchoolName};
    use zszo_connector::ports::directory_parts::*;
    let app = ScimApp::start().await;
    // A generated school code: 64 characters (a UUID and more).
    let code = format!("{}-{}", uuid::Uuid::new_v4(), "X".repeat(27));
    assert_eq!(code.len(), 64);
    app.directory
        .create_school(&School {
            code: SchoolCode::parse(&code).unwrap(),
            name: SchoolName::parse("Szkoła o długim kodzie").unwrap(),
        })
        .await
        .unwrap();
    let employee = format!("{}/{}", uuid::Uuid::new_v4(), "7".repeat(27));
    assert_eq!(employee.len(), 64);
    let body = json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            crate::scim_support::ZSZO],
        "userName": format!("{}@contoso.com", unique()),
        "externalId": unique(),
        "name": {"givenName": "Jan", "familyName": "Długi"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": employee},
        crate::scim_support::ZSZO: {"schools": [code]}
    });
    let id = app.create_user(&app.token_city, body).await;
    let a = app.get(&app.token_city, &format!("/Users/{id}")).await;
    assert_eq!(
        a.body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["employeeNumber"],
        employee.as_str(),
        "{}",
        a.body
    );
    assert_eq!(
        a.body[crate::scim_support::ZSZO]["primarySchool"],
        code.as_str(),
        "{}",
        a.body
    );
    let long = format!("{code}Y");
    let a = app
        .call(
            &app.token_city,
            Method::PATCH,
            &format!("/Users/{id}"),
            Some(json!({"schemas": [PATCH], "Operations": [
                {"op": "add", "path": format!("{}:schools", crate::scim_support::ZSZO), "value": [long]}]})),
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
    assert!(
        a.body["detail"].as_str().unwrap().contains("64"),
        "{}",
        a.body
    );
}
