use super::*;
use crate::domain::query::EmailKind;
use crate::domain::{FamilyName, GivenName, SchoolCode};
use time::macros::datetime;

const BASE: &str = "https://zszo.example/scim/v2/";

pub(crate) fn view() -> ScimUserView {
    ScimUserView {
        id: "1b4e28ba-2fa1-11d2-883f-0016d3cca427".into(),
        user_name: "anna.nowak@sp1.example".into(),
        external_id: Some("hr-17".into()),
        login: LoginName::parse("anna.nowak").unwrap(),
        name: PersonName {
            given: GivenName::parse("Anna").unwrap(),
            family: FamilyName::parse("Nowak").unwrap(),
        },
        formatted_name: None,
        display_name: None,
        emails: vec![Email {
            value: "anna@sp1.krakow.pl".into(),
            kind: Some(EmailKind::Work),
            primary: true,
        }],
        phones: vec![],
        title: Some("Nauczycielka".into()),
        active: false,
        employee_number: Some(EmployeeNumber::parse("KR/1").unwrap()),
        department: None,
        organization: Some("SP1".into()),
        manager: Some(ResourceRef {
            id: "m-1".into(),
            display: Some("Jan Dyrektor".into()),
        }),
        employment: Employment {
            primary: SchoolCode::parse("12345").unwrap(),
            others: vec![SchoolCode::parse("SP-2").unwrap()],
        },
        position: None,
        account_state: AccountState::AwaitingFirstLogin,
        account_requested: false,
        groups: vec![ResourceRef {
            id: "g-1".into(),
            display: Some("Nauczyciele".into()),
        }],
        meta: ResourceMeta {
            created: datetime!(2024-09-01 08:00 UTC),
            last_modified: datetime!(2024-09-02 09:30:15 UTC),
            version: "42".into(),
        },
    }
}

#[test]
fn a_user_renders_core_extensions_and_meta() {
    let v = view().render(BASE);
    assert_eq!(v["id"], "1b4e28ba-2fa1-11d2-883f-0016d3cca427");
    assert_eq!(v["schemas"].as_array().unwrap().len(), 3);
    assert_eq!(v["name"]["formatted"], "Anna Nowak");
    assert_eq!(v["displayName"], "Anna Nowak");
    assert_eq!(v["active"], false, "an inactive user is still rendered");
    assert_eq!(v["emails"][0]["type"], "work");
    assert_eq!(
        v["groups"][0]["$ref"],
        "https://zszo.example/scim/v2/Groups/g-1"
    );
    let ent = &v["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"];
    assert_eq!(ent["employeeNumber"], "KR/1");
    assert_eq!(ent["manager"]["value"], "m-1");
    assert_eq!(ent["manager"]["displayName"], "Jan Dyrektor");
    let z = &v["urn:zszo:params:scim:schemas:extension:zszo:2.0:User"];
    assert_eq!(z["schools"], serde_json::json!(["12345", "SP-2"]));
    assert_eq!(z["primarySchool"], "12345");
    assert_eq!(z["accountState"], "awaiting-first-login");
    assert_eq!(z["login"], "anna.nowak");
    let meta = &v["meta"];
    assert_eq!(meta["resourceType"], "User");
    assert_eq!(meta["created"], "2024-09-01T08:00:00Z");
    assert_eq!(meta["lastModified"], "2024-09-02T09:30:15Z");
    assert_eq!(
        meta["location"],
        "https://zszo.example/scim/v2/Users/1b4e28ba-2fa1-11d2-883f-0016d3cca427"
    );
    assert_eq!(meta["version"], "W/\"42\"");
}

#[test]
fn password_is_never_rendered_even_when_asked_for() {
    let p = Projection::for_users(Some("password,userName"), None).unwrap();
    let v = p.apply(view().render(BASE));
    let text = v.to_string().to_lowercase();
    assert!(!text.contains("password"));
    assert!(!view()
        .render(BASE)
        .to_string()
        .to_lowercase()
        .contains("password"));
}

#[test]
fn attributes_keep_only_the_named_ones_plus_id_and_schemas() {
    let p = Projection::for_users(
        Some("userName,name.familyName,emails.value,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"),
        None,
    )
    .unwrap();
    let v = p.apply(view().render(BASE));
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "emails",
            "id",
            "name",
            "schemas",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "userName"
        ]
    );
    assert_eq!(v["name"], serde_json::json!({"familyName": "Nowak"}));
    assert_eq!(
        v["emails"],
        serde_json::json!([{"value": "anna@sp1.krakow.pl"}])
    );
    assert_eq!(
        v["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        serde_json::json!({"employeeNumber": "KR/1"})
    );
}

#[test]
fn excluded_attributes_drop_the_named_ones_but_never_id() {
    let p = Projection::for_users(None, Some("groups,ID,meta.location,emails.type")).unwrap();
    let v = p.apply(view().render(BASE));
    assert!(v.get("groups").is_none());
    assert_eq!(v["id"], "1b4e28ba-2fa1-11d2-883f-0016d3cca427");
    assert!(v["meta"].get("location").is_none());
    assert!(v["meta"].get("version").is_some());
    assert!(v["emails"][0].get("type").is_none());
    assert!(v.get("schemas").is_some());
}

#[test]
fn both_projection_parameters_at_once_are_refused() {
    let e = Projection::for_users(Some("userName"), Some("groups")).unwrap_err();
    assert_eq!(e.scim_type, Some(crate::scim::ScimType::InvalidValue));
    assert_eq!(
        Projection::for_users(Some(""), None).unwrap(),
        Projection::Default
    );
}

#[test]
fn a_view_turns_into_the_draft_patch_starts_from() {
    let d = view().to_draft();
    assert_eq!(d.user_name.as_deref(), Some("anna.nowak@sp1.example"));
    assert!(!d.active);
    assert_eq!(d.schools.len(), 2);
    assert_eq!(d.primary_school.as_ref().unwrap().as_str(), "12345");
    assert_eq!(d.manager.as_deref(), Some("m-1"));
}

#[test]
fn the_default_projection_answers_the_typed_document_and_others_a_projected_value() {
    use crate::scim::document::Rendered;
    let v = view();
    let full = serde_json::to_value(Projection::Default.project(v.document(BASE))).unwrap();
    assert_eq!(full, v.render(BASE));
    let text = serde_json::to_string(&Projection::Default.project(v.document(BASE))).unwrap();
    assert!(text.starts_with("{\"schemas\":["), "{text}");
    let only = Projection::for_users(Some("userName"), None).unwrap();
    let part = serde_json::to_value(only.project(v.document(BASE))).unwrap();
    let keys: Vec<&String> = part.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 3, "schemas, id and userName only: {part}");
    assert_eq!(part["userName"], "anna.nowak@sp1.example");
}
