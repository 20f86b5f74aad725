use super::*;
use crate::domain::query::EmailKind;
use crate::scim::ScimType;
use serde_json::json;

const ID: &str = "u-1";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const ZSZO_USER: &str = "urn:zszo:params:scim:schemas:extension:zszo:2.0:User";

#[path = "patch_group_tests.rs"]
mod group;

fn person() -> PersonDraft {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "anna.nowak@sp1.example",
        "name": {"givenName": "Anna", "familyName": "Nowak"},
        "title": "Nauczycielka",
        "phoneNumbers": [{"value": "+48 12 000 00 00", "type": "work"}]
    });
    crate::scim::user::parse_user(&body, crate::scim::user::WriteMode::Create).unwrap()
}

fn ops(list: serde_json::Value) -> Vec<PatchOperation> {
    parse_patch(&json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": list
    }))
    .unwrap()
}

fn patch(list: serde_json::Value) -> Result<PersonDraft, ScimError> {
    patch_user(&person(), ID, &ops(list))
}

fn err(list: serde_json::Value) -> Option<ScimType> {
    match parse_patch(&json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": list
    })) {
        Ok(o) => patch_user(&person(), ID, &o).unwrap_err().scim_type,
        Err(e) => e.scim_type,
    }
}

#[test]
fn op_names_are_case_insensitive() {
    for op in ["replace", "Replace", "REPLACE", "rEpLaCe"] {
        let d = patch(json!([{"op": op, "path": "title", "value": "Dyrektor"}])).unwrap();
        assert_eq!(d.title.as_deref(), Some("Dyrektor"), "{op}");
    }
}

#[test]
fn active_accepts_strings_and_booleans_with_or_without_a_path() {
    let table = [
        json!([{"op": "Replace", "path": "active", "value": "False"}]),
        json!([{"op": "replace", "path": "active", "value": false}]),
        // Okta deactivation (scim-clients.md, Okta 4).
        json!([{"op": "replace", "value": {"active": false}}]),
        json!([{"op": "Replace", "value": {"active": "False"}}]),
    ];
    for list in table {
        assert!(!patch(list.clone()).unwrap().active, "{list}");
    }
}

#[test]
fn path_less_replace_reads_dotted_and_urn_keys() {
    // scim-clients.md, Entra 3.
    let d = patch(json!([{"op": "replace", "value": {
        "name.givenName": "Joanna",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "123",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Fizyka"},
        "emails[type eq \"work\"].value": "joanna@sp1.krakow.pl",
        "id": ID
    }}]))
    .unwrap();
    assert_eq!(d.given_name.unwrap().as_str(), "Joanna");
    assert_eq!(d.employee_number.unwrap().as_str(), "123");
    assert_eq!(d.department.as_deref(), Some("Fizyka"));
    assert_eq!(d.emails[0].value, "joanna@sp1.krakow.pl");
}

#[test]
fn a_filtered_email_path_creates_the_address_when_absent_and_updates_it_after() {
    // scim-clients.md, Entra 5.
    for op in ["Add", "Replace"] {
        let d = patch(json!([
            {"op": op, "path": "emails[type eq \"work\"].value", "value": "anna@sp1.krakow.pl"}
        ]))
        .unwrap();
        assert_eq!(d.emails.len(), 1, "{op}");
        assert_eq!(d.emails[0].kind, Some(EmailKind::Work));
        let d2 = patch_user(
            &d,
            ID,
            &ops(json!([{"op": op, "path": "emails[type eq \"work\"].value", "value": "nowak@sp1.krakow.pl"}])),
        )
        .unwrap();
        assert_eq!(d2.emails.len(), 1);
        assert_eq!(d2.emails[0].value, "nowak@sp1.krakow.pl");
    }
}

#[test]
fn filtered_paths_select_update_and_remove_matching_values() {
    let d = patch(json!([
        {"op": "add", "path": "emails", "value": [
            {"value": "a@x.pl", "type": "work"}, {"value": "b@home.pl", "type": "home"}
        ]},
        {"op": "replace", "path": "emails[type eq \"home\"]", "value": {"value": "c@home.pl"}},
        {"op": "remove", "path": "emails[type eq \"work\" and value co \"@x\"]"},
        {"op": "remove", "path": "phoneNumbers[type eq \"work\"]"}
    ]))
    .unwrap();
    assert_eq!(d.emails.len(), 1);
    assert_eq!(d.emails[0].value, "c@home.pl");
    assert_eq!(d.emails[0].kind, Some(EmailKind::Home));
    assert!(d.phones.is_empty());
}

#[test]
fn urn_paths_and_manager_objects_set_enterprise_attributes() {
    let d = patch(json!([
        {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": {"value": "m-7"}},
        {"op": "Replace", "path": "urn:zszo:params:scim:schemas:extension:zszo:2.0:User:schools", "value": ["12345", "SP-2"]},
        {"op": "Add", "path": "urn:zszo:params:scim:schemas:extension:zszo:2.0:User:schools", "value": ["SP-3"]},
        {"op": "Remove", "path": "urn:zszo:params:scim:schemas:extension:zszo:2.0:User:schools", "value": ["SP-2"]},
        {"op": "Replace", "path": "urn:zszo:params:scim:schemas:extension:zszo:2.0:User:primarySchool", "value": "SP-3"}
    ]))
    .unwrap();
    assert_eq!(d.manager.as_deref(), Some("m-7"));
    let codes: Vec<&str> = d.schools.iter().map(|c| c.as_str()).collect();
    assert_eq!(codes, ["12345", "SP-3"]);
    assert_eq!(d.primary_school.unwrap().as_str(), "SP-3");
}

#[test]
fn remove_clears_singular_attributes() {
    let d = patch(json!([{"op": "remove", "path": "title"}])).unwrap();
    assert_eq!(d.title, None);
}

#[test]
fn bad_operations_get_the_rfc_scim_type() {
    // By the `scimType` each operation list is refused with.
    let table = [
        (
            ScimType::NoTarget,
            vec![
                json!([{"op": "remove"}]),
                json!([{"op": "replace", "path": "emails[type ne \"work\"]", "value": {"value": "a@b.pl"}}]),
            ],
        ),
        (
            ScimType::InvalidSyntax,
            vec![json!([{"op": "move", "path": "title", "value": "x"}])],
        ),
        (
            ScimType::InvalidValue,
            vec![
                json!([{"op": "replace", "path": "title"}]),
                json!([{"op": "replace", "path": "active", "value": "maybe"}]),
                json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "nope"}]),
                json!([{"op": "remove", "path": "name.familyName"}]),
                json!([{"op": "replace", "value": "x"}]),
            ],
        ),
        (
            ScimType::InvalidPath,
            vec![
                json!([{"op": "replace", "path": "favouriteColour", "value": "x"}]),
                json!([{"op": "replace", "path": "emails[type eq", "value": "x"}]),
                json!([{"op": "replace", "path": "title[value eq \"x\"]", "value": "x"}]),
            ],
        ),
        (
            ScimType::Mutability,
            vec![
                json!([{"op": "replace", "path": "id", "value": "x"}]),
                json!([{"op": "replace", "path": "meta.version", "value": "x"}]),
                json!([{"op": "add", "path": "groups", "value": [{"value": "g"}]}]),
                json!([{"op": "replace", "path": "password", "value": "Secret1!"}]),
                json!([{"op": "replace", "value": {"password": "Secret1!"}}]),
                json!([{"op": "replace", "value": {"id": "other"}}]),
                json!([{"op": "replace", "path": "urn:zszo:params:scim:schemas:extension:zszo:2.0:User:accountState", "value": "active"}]),
            ],
        ),
    ];
    for (want, lists) in table {
        for list in lists {
            assert_eq!(err(list.clone()), Some(want), "{list}");
        }
    }
}

#[test]
fn the_body_needs_the_patch_op_schema_and_operations() {
    for body in [
        json!({"Operations": [{"op": "remove", "path": "title"}]}),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": []}),
        json!([]),
    ] {
        assert_eq!(
            parse_patch(&body).unwrap_err().scim_type,
            Some(ScimType::InvalidSyntax),
            "{body}"
        );
    }
}

#[test]
fn a_failing_operation_leaves_the_draft_unchanged() {
    let before = person();
    let list = ops(json!([
        {"op": "replace", "path": "title", "value": "Dyrektor"},
        {"op": "replace", "path": "favouriteColour", "value": "x"}
    ]));
    assert!(patch_user(&before, ID, &list).is_err());
    assert_eq!(before.title.as_deref(), Some("Nauczycielka"));
}

#[test]
fn a_bare_extension_urn_path_takes_an_object_for_add_and_replace() {
    for op in ["add", "replace", "Replace"] {
        let d = patch(json!([
            {"op": op, "path": ENTERPRISE, "value": {"employeeNumber": "E-1", "department": "Fizyka"}},
            {"op": op, "path": ZSZO_USER, "value": {"position": "nauczyciel", "accountRequested": true}}
        ]))
        .unwrap();
        assert_eq!(d.employee_number.unwrap().as_str(), "E-1", "{op}");
        assert_eq!(d.department.as_deref(), Some("Fizyka"));
        assert_eq!(d.position.unwrap().as_str(), "nauczyciel");
        assert_eq!(d.account_requested, Some(true));
    }
    // The core schema URN as a path is a path-less operation.
    let d = patch(
        json!([{"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User",
        "value": {"title": "Dyrektor", "name.givenName": "Ewa"}}]),
    )
    .unwrap();
    assert_eq!(d.title.as_deref(), Some("Dyrektor"));
    assert_eq!(d.given_name.unwrap().as_str(), "Ewa");
    assert_eq!(
        err(json!([{"op": "add", "path": ENTERPRISE, "value": "x"}])),
        Some(ScimType::InvalidValue)
    );
}

#[test]
fn removing_a_bare_extension_urn_clears_its_attributes() {
    let d = patch(json!([
        {"op": "add", "path": ENTERPRISE, "value": {"employeeNumber": "E-1", "organization": "UMK"}},
        {"op": "remove", "path": ENTERPRISE}
    ]))
    .unwrap();
    assert_eq!((d.employee_number, d.organization), (None, None));
    assert_eq!(d.title.as_deref(), Some("Nauczycielka"), "core untouched");
    assert_eq!(
        err(json!([{"op": "remove", "path": "urn:ietf:params:scim:schemas:core:2.0:User"}])),
        Some(ScimType::InvalidPath)
    );
}

#[test]
fn standard_attributes_without_a_place_are_ignored_by_patch() {
    // Entra's default mappings (issue 20): preferredLanguage, addresses[type eq "work"].….
    let d = patch(json!([
        {"op": "Add", "path": "preferredLanguage", "value": "pl-PL"},
        {"op": "Replace", "path": "addresses[type eq \"work\"].postalCode", "value": "31-000"},
        {"op": "Add", "path": "name.middleName", "value": "Maria"},
        {"op": "Replace", "path": "emails[type eq \"work\"].display", "value": "x"},
        {"op": "Remove", "path": "locale"},
        {"op": "replace", "value": {"locale": "en-US", "meta": {"resourceType": "User"}, "title": "Dyrektor"}}
    ]))
    .unwrap();
    assert_eq!(d.title.as_deref(), Some("Dyrektor"));
    assert_eq!(d, {
        let mut p = person();
        p.title = Some("Dyrektor".into());
        p
    });
}

#[test]
fn a_password_in_a_later_operation_is_refused_before_an_earlier_error() {
    assert_eq!(
        err(json!([
            {"op": "replace", "path": "favouriteColour", "value": "x"},
            {"op": "replace", "value": {"password": "Secret1!"}}
        ])),
        Some(ScimType::Mutability)
    );
}

#[test]
fn an_extension_object_may_repeat_its_schemas() {
    let d = patch(json!([{"op": "add", "path": ENTERPRISE,
        "value": {"schemas": [ENTERPRISE], "department": "Fizyka"}}]))
    .unwrap();
    assert_eq!(d.department.as_deref(), Some("Fizyka"));
}
