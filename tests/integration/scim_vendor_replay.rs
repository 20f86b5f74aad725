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

use crate::scim_support::{Check, ScimApp, Step, PATCH};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn unique() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[tokio::test]
async fn entras_documented_user_and_group_requests_are_accepted_in_order() {
    let app = ScimApp::start().await;
    let user_name = format!("Test_User_{}", unique());
    let external_id = unique();
    let renamed = format!("{}@contoso.com", unique());
    let display = format!("displayName {}", unique());
    let by = |attr: &str, value: &str| {
        format!(
            "/Users?filter={attr}%20eq%20%22{}%22",
            value.replace(' ', "%20")
        )
    };
    let patch = |ops: Value| json!({"schemas": [PATCH], "Operations": ops});
    let group_patch = |what, ops: Value, members| {
        Step::new(what, Method::PATCH, "/Groups/{gid}")
            .body(patch(ops))
            .check(Check::count("/members", members))
    };
    let enterprise = "/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    app.run_steps(
        &app.token_a,
        vec![
            Step::new("test connection: a random lookup", Method::GET, by("userName", "non-existent user"))
                .check(Check::is("/totalResults", json!(0))),
            // As documented: meta.resourceType and "roles": [] included.
            Step::new("create user", Method::POST, "/Users")
                .body(json!({
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
                }))
                .status(StatusCode::CREATED)
                .check(Check::is("/userName", json!(user_name)))
                .check(Check::is("/meta/resourceType", json!("User")))
                .keep_id("id"),
            Step::new("get user", Method::GET, "/Users/{id}"),
            Step::new("get user by userName", Method::GET, by("userName", &user_name))
                .check(Check::is("/totalResults", json!(1))),
            Step::new("get user by externalId", Method::GET, by("externalId", &external_id))
                .check(Check::is("/totalResults", json!(1))),
            Step::new("zero results", Method::GET, by("userName", "non-existent user"))
                .check(Check::is("/totalResults", json!(0))),
            Step::new("update user [multi-valued properties]", Method::PATCH, "/Users/{id}")
                .body(patch(json!([
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
                ])))
                .check(Check::is("/name/familyName", json!("updatedFamilyName")))
                .check(Check::is("/emails/0/value", json!("updatedEmail@microsoft.com"))),
            Step::new("update user [single-valued properties]", Method::PATCH, "/Users/{id}")
                .body(patch(json!([{"op": "Replace", "path": "userName", "value": renamed}])))
                .check(Check::is("/userName", json!(renamed))),
            // Entra's default attribute mappings: attributes without a place in the directory
            // are accepted (and ignored); the manager in its older list shape is set.
            Step::new("a manager", Method::POST, "/Users")
                .body(json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": format!("{}@contoso.com", unique()),
                    "name": {"givenName": "Maria", "familyName": "Kierownik"}
                }))
                .status(StatusCode::CREATED)
                .keep_id("manager"),
            Step::new("default attribute mappings", Method::PATCH, "/Users/{id}")
                .body(patch(json!([
                    {"op": "Add", "path": "preferredLanguage", "value": "pl-PL"},
                    {"op": "Add", "path": "addresses[type eq \"work\"].postalCode", "value": "31-004"},
                    {"op": "Add", "path": "addresses[type eq \"work\"].locality", "value": "Kraków"},
                    {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
                     "value": [{"$ref": format!("{}/Users/{{manager}}", app.base), "value": "{manager}"}]}
                ])))
                .check(Check::is(&format!("{enterprise}/manager/value"), json!("{manager}")))
                .check(Check::absent("/preferredLanguage")),
            Step::new("disable user", Method::PATCH, "/Users/{id}")
                .body(json!({
                    "Operations": [{"op": "Replace", "path": "active", "value": false}],
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]
                }))
                .check(Check::is("/active", json!(false))),
            // As documented: the ADSCIM schema URN and meta included.
            Step::new("create group", Method::POST, "/Groups")
                .body(json!({
                    "schemas": [
                        "urn:ietf:params:scim:schemas:core:2.0:Group",
                        "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
                    "externalId": unique(),
                    "displayName": display,
                    "meta": {
                        "resourceType": "Group"
                    }
                }))
                .status(StatusCode::CREATED)
                .keep_id("gid"),
            Step::new("get group", Method::GET, "/Groups/{gid}?excludedAttributes=members")
                .check(Check::absent("/members")),
            Step::new(
                "get group by displayName",
                Method::GET,
                format!(
                    "/Groups?excludedAttributes=members&filter=displayName%20eq%20%22{}%22",
                    display.replace(' ', "%20")
                ),
            )
            .check(Check::is("/totalResults", json!(1))),
            group_patch(
                "update group [non-member attributes]",
                json!([{"op": "Replace", "path": "displayName", "value": "{gid}updatedDisplayName"}]),
                0,
            ),
            group_patch(
                "update group [add members]",
                json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": "{id}"}]}]),
                1,
            ),
            group_patch(
                "update group [remove members]",
                json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "{id}"}]}]),
                0,
            ),
            Step::new("the group renamed", Method::GET, "/Groups/{gid}")
                .check(Check::is("/displayName", json!("{gid}updatedDisplayName"))),
            Step::new("delete group", Method::DELETE, "/Groups/{gid}").status(StatusCode::NO_CONTENT),
            Step::new("delete user", Method::DELETE, "/Users/{id}").status(StatusCode::NO_CONTENT),
        ],
    )
    .await;
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
        .patch(
            t,
            &format!("/Groups/{gid}?excludedAttributes=members"),
            patch,
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
    let user_name = format!("test.user.{}@okta.local", uuid::Uuid::new_v4().simple());
    let external_id = format!("00u{}", uuid::Uuid::new_v4().simple());
    let display = format!("Test SCIMv2 {}", uuid::Uuid::new_v4().simple());
    let query = |resource: &str, attr: &str, value: &str| {
        format!(
            "/{resource}?filter={attr}%20eq%20%22{}%22&startIndex=1&count=100",
            value.replace(' ', "%20")
        )
    };
    let create = json!({
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
        "externalId": external_id,
        "groups": [],
        "password": "1mz050nq",
        "active": true
    });
    // With password sync off in Okta (what the refusal asks for), the same body.
    let mut without_password = create.clone();
    without_password.as_object_mut().unwrap().remove("password");
    // Update a specific User (PUT), as documented: middleName, emails[].display, meta.
    let put = |given: &str, active: bool| {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "{id}",
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
            "externalId": external_id,
            "groups": [],
            "active": active,
            "meta": {
                "resourceType": "User",
                "created": "2010-01-23T04:56:22Z",
                "lastModified": "2011-05-13T04:42:34Z"
            }
        })
    };
    let patch = |ops: Value| json!({"schemas": [PATCH], "Operations": ops});
    let group_patch = |what, ops: Value, members| {
        Step::new(what, Method::PATCH, "/Groups/{gid}")
            .body(patch(ops))
            .check(Check::count("/members", members))
    };
    let groups = query("Groups", "displayName", &display);
    app.run_steps(
        &app.token_a,
        vec![
            Step::new("existence check", Method::GET, query("Users", "userName", &user_name))
                .check(Check::is("/totalResults", json!(0))),
            // As documented: the password is refused first, and clearly.
            Step::new("create user with a password", Method::POST, "/Users")
                .body(create)
                .refused(StatusCode::BAD_REQUEST, "mutability")
                .check(Check::contains("/detail", "password cannot be set over SCIM")),
            Step::new("create user", Method::POST, "/Users")
                .body(without_password)
                .status(StatusCode::CREATED)
                .keep_id("id"),
            Step::new("retrieve user", Method::GET, "/Users/{id}"),
            Step::new(
                "existence check, in any case",
                Method::GET,
                query("Users", "userName", &user_name.to_uppercase()),
            )
            .check(Check::is("/totalResults", json!(1))),
            Step::new("update user (PUT)", Method::PUT, "/Users/{id}")
                .body(put("Another", true))
                .check(Check::is("/name/givenName", json!("Another"))),
            // Deactivate: custom apps send a full PUT, others the path-less PATCH.
            Step::new("deactivate by PUT", Method::PUT, "/Users/{id}")
                .body(put("Another", false))
                .check(Check::is("/active", json!(false))),
            Step::new("deactivate by PATCH", Method::PATCH, "/Users/{id}")
                .body(patch(json!([{"op": "replace", "value": {"active": false}}]))),
            Step::new("a deactivated user stays readable", Method::GET, "/Users/{id}")
                .check(Check::is("/active", json!(false))),
            // Groups: existence check, create, retrieve, rename, members in and out, delete.
            Step::new("group existence check", Method::GET, groups.clone())
                .check(Check::is("/totalResults", json!(0))),
            Step::new("create group", Method::POST, "/Groups")
                .body(json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                    "displayName": display,
                    "members": []
                }))
                .status(StatusCode::CREATED)
                .keep_id("gid"),
            Step::new("group found", Method::GET, groups)
                .check(Check::is("/totalResults", json!(1))),
            group_patch(
                "rename group",
                json!([{"op": "replace", "value": {"id": "{gid}", "displayName": display}}]),
                0,
            ),
            group_patch(
                "add member",
                json!([{"op": "add", "path": "members", "value": [{"value": "{id}", "display": user_name}]}]),
                1,
            ),
            group_patch(
                "remove member",
                json!([{"op": "remove", "path": "members[value eq \"{id}\"]"}]),
                0,
            ),
            Step::new("delete group", Method::DELETE, "/Groups/{gid}").status(StatusCode::NO_CONTENT),
        ],
    )
    .await;
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
