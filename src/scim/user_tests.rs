use super::*;
use crate::domain::query::{EmailKind, PhoneKind};
use crate::scim::ScimType;
use serde_json::json;

fn base() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "anna.nowak@sp1.example",
        "name": {"givenName": "Anna", "familyName": "Nowak"}
    })
}

fn with(extra: Value) -> Value {
    let mut body = base();
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

fn err_type(body: Value, mode: WriteMode<'_>) -> (u16, Option<ScimType>, String) {
    let e = parse_user(&body, mode).unwrap_err();
    (e.status, e.scim_type, e.detail)
}

#[test]
fn a_full_entra_create_parses_into_a_draft() {
    let body = json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "urn:zszo:params:scim:schemas:extension:zszo:2.0:User"
        ],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_ab6490ee@testuser.com",
        "active": "True",
        "displayName": "Anna Nowak",
        "title": "Nauczycielka",
        "emails": [{"primary": true, "type": "work", "value": "anna@sp1.krakow.pl"}],
        "phoneNumbers": [{"type": "mobile", "value": "+48 600 000 000"}],
        "name": {"formatted": "Anna Nowak", "familyName": "Nowak", "givenName": "Anna"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "KR/2024/001",
            "department": "Matematyka",
            "manager": {"value": "m-1"}
        },
        "urn:zszo:params:scim:schemas:extension:zszo:2.0:User": {
            "schools": ["12345", "SP-2"],
            "primarySchool": "12345",
            "position": "nauczyciel matematyki"
        },
        "groups": []
    });
    let d = parse_user(&body, WriteMode::Create).unwrap();
    assert_eq!(
        d.user_name.as_deref(),
        Some("Test_User_ab6490ee@testuser.com")
    );
    assert!(d.active);
    assert_eq!(d.given_name.unwrap().as_str(), "Anna");
    assert_eq!(d.emails[0].kind, Some(EmailKind::Work));
    assert!(d.emails[0].primary);
    assert_eq!(d.phones[0].kind, Some(PhoneKind::Mobile));
    assert_eq!(d.employee_number.unwrap().as_str(), "KR/2024/001");
    assert_eq!(d.manager.as_deref(), Some("m-1"));
    assert_eq!(d.schools.len(), 2);
    assert_eq!(d.primary_school.unwrap().as_str(), "12345");
    assert_eq!(d.position.unwrap().as_str(), "nauczyciel matematyki");
}

#[test]
fn active_accepts_booleans_and_entra_strings() {
    for (raw, want) in [
        (json!(true), true),
        (json!(false), false),
        (json!("True"), true),
        (json!("False"), false),
        (json!("false"), false),
    ] {
        let d = parse_user(&with(json!({ "active": raw })), WriteMode::Create).unwrap();
        assert_eq!(d.active, want, "{raw}");
    }
    let (_, t, _) = err_type(with(json!({"active": "yes"})), WriteMode::Create);
    assert_eq!(t, Some(ScimType::InvalidValue));
}

#[test]
fn schemas_must_be_present_known_and_include_the_core_urn() {
    let table = [
        json!({"userName": "a"}),
        json!({"schemas": "urn:ietf:params:scim:schemas:core:2.0:User", "userName": "a"}),
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "userName": "a"}),
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:example:x"]}),
        json!({"schemas": ["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]}),
        json!([]),
        json!({}),
    ];
    for body in table {
        let (status, t, _) = err_type(body.clone(), WriteMode::Create);
        assert_eq!((status, t), (400, Some(ScimType::InvalidSyntax)), "{body}");
    }
}

#[test]
fn unknown_attributes_and_passwords_are_refused_by_name() {
    let table = [
        (
            json!({"favouriteColour": "x"}),
            ScimType::InvalidSyntax,
            "favouriteColour",
        ),
        (
            json!({"name": {"secondName": "x"}}),
            ScimType::InvalidSyntax,
            "secondName",
        ),
        (
            json!({"emails": [{"value": "a@b.pl", "label": "x"}]}),
            ScimType::InvalidSyntax,
            "label",
        ),
        (
            json!({"password": "Secret123!"}),
            ScimType::Mutability,
            "password",
        ),
    ];
    for (extra, want, name) in table {
        let (status, t, detail) = err_type(with(extra.clone()), WriteMode::Create);
        assert_eq!((status, t), (400, Some(want)), "{extra}");
        assert!(detail.contains(name), "{extra}: {detail}");
    }
}

#[test]
fn read_only_values_in_a_post_are_ignored() {
    // RFC 7644 §3.3: Entra's documented create carries meta.resourceType.
    let body = with(json!({
        "id": "123",
        "meta": {"resourceType": "User"},
        "groups": [{"value": "g1"}],
        "urn:zszo:params:scim:schemas:extension:zszo:2.0:User": {"accountState": "active", "login": "x"}
    }));
    let d = parse_user(&body, WriteMode::Create).unwrap();
    assert_eq!(d.user_name.as_deref(), Some("anna.nowak@sp1.example"));
}

#[test]
fn standard_attributes_without_a_place_are_accepted_and_ignored() {
    let body = with(json!({
        "roles": [],
        "locale": "en-US",
        "preferredLanguage": "pl-PL",
        "timezone": "Europe/Warsaw",
        "nickName": "Ania",
        "addresses": [{"type": "work", "postalCode": "31-000"}],
        "entitlements": [], "x509Certificates": [], "ims": [], "photos": [],
        "userType": "Employee", "profileUrl": "https://example.pl/a",
        "name": {"givenName": "Anna", "familyName": "Nowak", "middleName": "Maria",
                 "honorificPrefix": "dr", "honorificSuffix": "x"},
        "emails": [{"value": "a@b.pl", "type": "work", "display": "a@b.pl"}],
        "phoneNumbers": [{"value": "+48 12 000 00 00", "display": "x"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "costCenter": "4130", "division": "Oświata"
        }
    }));
    let d = parse_user(&body, WriteMode::Create).unwrap();
    assert_eq!(d.given_name.unwrap().as_str(), "Anna");
    assert_eq!(d.emails[0].value, "a@b.pl");
    assert_eq!(d.phones.len(), 1);
}

#[test]
fn a_password_is_refused_before_any_other_problem() {
    // Okta's documented create: an unknown attribute would otherwise be reported first.
    let body = json!({
        "favouriteColour": "x",
        "password": "1mz050nq",
        "schemas": ["urn:example:unknown"]
    });
    let (_, t, detail) = err_type(body, WriteMode::Create);
    assert_eq!(t, Some(ScimType::Mutability));
    assert!(detail.contains("password"), "{detail}");
    let body = with(json!({
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"password": "x"}
    }));
    assert_eq!(
        err_type(body, WriteMode::Create).1,
        Some(ScimType::Mutability)
    );
}

#[test]
fn manager_is_accepted_as_an_object_an_id_or_a_list_of_one() {
    const E: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    for manager in [
        json!({"value": "m-1"}),
        json!("m-1"),
        json!([{"$ref": "https://x/Users/m-1", "value": "m-1"}]),
        json!([{"$ref": null, "value": "m-1", "displayName": "Jan"}]),
    ] {
        let d = parse_user(
            &with(json!({ E: {"manager": manager.clone()} })),
            WriteMode::Create,
        )
        .unwrap();
        assert_eq!(d.manager.as_deref(), Some("m-1"), "{manager}");
    }
    let d = parse_user(&with(json!({ E: {"manager": []} })), WriteMode::Create).unwrap();
    assert_eq!(d.manager, None);
    let two = json!({ E: {"manager": [{"value": "a"}, {"value": "b"}]} });
    assert_eq!(
        err_type(with(two), WriteMode::Create).1,
        Some(ScimType::InvalidValue)
    );
}

#[test]
fn put_ignores_read_only_values_but_checks_the_id() {
    let read_only = with(json!({
        "id": "u-1",
        "meta": {"resourceType": "User", "version": "W/\"3\""},
        "groups": [{"value": "g1"}]
    }));
    // (body, the id of the PUT's path, the `scimType` it is refused with)
    let cases = [
        (read_only.clone(), "u-1", Ok(())),
        (read_only, "u-2", Err(Some(ScimType::Mutability))),
        // password is refused on PUT too
        (
            with(json!({"password": "x"})),
            "u-1",
            Err(Some(ScimType::Mutability)),
        ),
    ];
    for (body, id, want) in cases {
        let got = parse_user(&body, WriteMode::Replace { id });
        assert_eq!(got.map(drop).map_err(|e| e.scim_type), want, "{id}: {body}");
    }
}

#[test]
fn required_attributes_and_value_shapes_are_checked() {
    let table = [
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}),
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a"}),
        with(json!({"userName": ""})),
        with(json!({"emails": [{"value": "not-an-address"}]})),
        with(json!({"emails": [{"value": "a@b.pl", "type": "pager"}]})),
        with(json!({"phoneNumbers": [{"value": "call me"}]})),
        with(json!({"title": 7})),
        with(
            json!({"urn:zszo:params:scim:schemas:extension:zszo:2.0:User": {"schools": ["ou=x"]}}),
        ),
        with(
            json!({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "1*"}}),
        ),
    ];
    for body in table {
        let (status, t, _) = err_type(body.clone(), WriteMode::Create);
        assert_eq!((status, t), (400, Some(ScimType::InvalidValue)), "{body}");
    }
}

#[test]
fn null_clears_and_attribute_names_are_case_insensitive() {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "USERNAME": "B@x.pl",
        "Name": {"GivenName": "Anna", "familyname": "Nowak"},
        "TITLE": "x",
        "DisplayName": null
    });
    let d = parse_user(&body, WriteMode::Create).unwrap();
    assert_eq!(d.title.as_deref(), Some("x"));
    assert_eq!(d.display_name, None);
    assert_eq!(d.user_name.as_deref(), Some("B@x.pl"));
}
