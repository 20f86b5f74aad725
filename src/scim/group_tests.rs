use super::*;
use crate::scim::render::Projection;
use crate::scim::ScimType;
use serde_json::json;
use time::macros::datetime;

/// The `meta` of a group created and last changed at the same moment.
fn meta_at_version(version: &str) -> ResourceMeta {
    let at = datetime!(2024-09-01 08:00 UTC);
    ResourceMeta {
        created: at,
        last_modified: at,
        version: version.into(),
    }
}

fn body(extra: Value) -> Value {
    let mut b = json!({"schemas": [GROUP_SCHEMA], "displayName": "Nauczyciele SP1"});
    for (k, v) in extra.as_object().unwrap() {
        b[k] = v.clone();
    }
    b
}

#[test]
fn entra_creates_groups_with_empty_members() {
    let d = parse_group(
        &body(json!({"externalId": "e1", "members": []})),
        WriteMode::Create,
    )
    .unwrap();
    assert_eq!(d.display_name.as_deref(), Some("Nauczyciele SP1"));
    assert!(d.members.is_empty());
}

#[test]
fn members_are_ids_deduplicated_with_echoed_refs_accepted() {
    let d = parse_group(
        &body(json!({"members": [
            {"value": "u1", "display": "Anna", "$ref": "https://x/Users/u1"},
            {"value": "u2", "type": "User"},
            {"value": "u1"}
        ]})),
        WriteMode::Create,
    )
    .unwrap();
    assert_eq!(d.members, ["u1", "u2"]);
}

#[test]
fn bad_group_bodies_get_the_rfc_error() {
    let table = [
        (json!({"schemas": [GROUP_SCHEMA]}), ScimType::InvalidValue),
        (
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "displayName": "x"}),
            ScimType::InvalidSyntax,
        ),
        (body(json!({"owner": "x"})), ScimType::InvalidSyntax),
        (
            body(json!({"members": [{"value": ""}]})),
            ScimType::InvalidValue,
        ),
        (
            body(json!({"members": [{"value": "u", "weight": 1}]})),
            ScimType::InvalidSyntax,
        ),
        (body(json!({"displayName": 5})), ScimType::InvalidValue),
    ];
    for (b, want) in table {
        let e = parse_group(&b, WriteMode::Create).unwrap_err();
        assert_eq!(e.scim_type, Some(want), "{b}");
    }
    assert!(parse_group(
        &body(json!({"id": "g", "meta": {}})),
        WriteMode::Replace { id: "g" }
    )
    .is_ok());
    // RFC 7644 §3.3: read-only values in a POST are ignored (Entra sends meta).
    assert!(parse_group(
        &body(json!({"id": "g", "meta": {"resourceType": "Group"}})),
        WriteMode::Create
    )
    .is_ok());
}

const LEGACY_GROUP_SCHEMAS_FOR_TEST: [&str; 2] = crate::scim::attrs::LEGACY_GROUP_SCHEMAS;

#[test]
fn entras_legacy_adscim_group_schema_is_accepted() {
    for urn in LEGACY_GROUP_SCHEMAS_FOR_TEST {
        let b = json!({
            "schemas": [GROUP_SCHEMA, urn],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "displayName",
            "meta": {"resourceType": "Group"}
        });
        let d = parse_group(&b, WriteMode::Create).unwrap();
        assert_eq!(d.display_name.as_deref(), Some("displayName"), "{urn}");
    }
}

#[test]
fn a_group_renders_members_with_refs_and_can_exclude_them() {
    let view = ScimGroupView {
        id: "g-1".into(),
        display_name: "Nauczyciele".into(),
        external_id: None,
        members: vec![ResourceRef {
            id: "u1".into(),
            display: Some("Anna Nowak".into()),
        }],
        school: SchoolCode::parse("SP1").unwrap(),
        meta: meta_at_version("7"),
    };
    let v = view.render("https://x/scim/v2");
    assert_eq!(v["members"][0]["$ref"], "https://x/scim/v2/Users/u1");
    assert_eq!(v["members"][0]["type"], "User");
    assert_eq!(v["meta"]["location"], "https://x/scim/v2/Groups/g-1");
    assert_eq!(view.to_draft().members, ["u1"]);
    // Entra lists groups with excludedAttributes=members (scim-clients.md, Entra 7).
    let p = Projection::parse(&GROUP_ATTRS, &GROUP_SCHEMAS, None, Some("members")).unwrap();
    let v = p.apply(v);
    assert!(v.get("members").is_none());
    assert_eq!(v["displayName"], "Nauczyciele");
}

fn ext(school: Value) -> Value {
    json!({
        "schemas": [GROUP_SCHEMA, ZSZO_GROUP_SCHEMA],
        "displayName": "Nauczyciele SP1",
        ZSZO_GROUP_SCHEMA: {"school": school}
    })
}

#[test]
fn the_school_is_read_from_the_extension() {
    let d = parse_group(&ext(json!("SP2")), WriteMode::Create).unwrap();
    assert_eq!(d.school, Some(SchoolCode::parse("SP2").unwrap()));
    assert_eq!(
        parse_group(&body(json!({})), WriteMode::Create)
            .unwrap()
            .school,
        None,
        "left out: the HTTP layer implies a single-school client's school"
    );
    let d = parse_group(&ext(Value::Null), WriteMode::Create).unwrap();
    assert_eq!(d.school, None);
    // The qualified key outside the extension object means the same.
    let d = parse_group(
        &body(json!({"urn:zszo:params:scim:schemas:extension:zszo:2.0:Group:school": "SP3"})),
        WriteMode::Create,
    )
    .unwrap();
    assert_eq!(d.school, Some(SchoolCode::parse("SP3").unwrap()));
    let d = parse_group(&ext(json!("SP2")), WriteMode::Replace { id: "g" }).unwrap();
    assert!(check_school(&d, &SchoolCode::parse("sp2").unwrap()).is_ok());
    let e = check_school(&d, &SchoolCode::parse("SP1").unwrap()).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::Mutability));
    let mut no_school = d;
    no_school.school = None;
    assert!(check_school(&no_school, &SchoolCode::parse("SP1").unwrap()).is_ok());
}

#[test]
fn a_bad_school_extension_gets_the_rfc_error() {
    let table = [
        (ext(json!("SP 1")), ScimType::InvalidValue),
        (ext(json!("")), ScimType::InvalidValue),
        (ext(json!(7)), ScimType::InvalidValue),
        (ext(json!(["SP1"])), ScimType::InvalidValue),
        (
            json!({"schemas": [GROUP_SCHEMA], "displayName": "x", ZSZO_GROUP_SCHEMA: "SP1"}),
            ScimType::InvalidSyntax,
        ),
        (
            json!({"schemas": [GROUP_SCHEMA], "displayName": "x",
                   ZSZO_GROUP_SCHEMA: {"schools": ["SP1"]}}),
            ScimType::InvalidSyntax,
        ),
    ];
    for (b, want) in table {
        let e = parse_group(&b, WriteMode::Create).unwrap_err();
        assert_eq!(e.scim_type, Some(want), "{b}");
    }
}

#[test]
fn the_school_is_rendered_in_the_extension_and_carried_to_the_draft() {
    let view = ScimGroupView {
        id: "g-2".into(),
        display_name: "Kadra".into(),
        external_id: Some("e-2".into()),
        members: vec![],
        school: SchoolCode::parse("SP2").unwrap(),
        meta: meta_at_version("1"),
    };
    let v = view.render("https://x/scim/v2");
    assert_eq!(v["schemas"], json!([GROUP_SCHEMA, ZSZO_GROUP_SCHEMA]));
    assert_eq!(v[ZSZO_GROUP_SCHEMA]["school"], "SP2");
    assert_eq!(
        view.to_draft().school.as_ref().map(SchoolCode::as_str),
        Some("SP2")
    );
    // What GET renders, PUT accepts unchanged.
    let again = parse_group(&v, WriteMode::Replace { id: "g-2" }).unwrap();
    assert_eq!(again, view.to_draft());

    let only = Projection::parse(
        &GROUP_ATTRS,
        &GROUP_SCHEMAS,
        Some("urn:zszo:params:scim:schemas:extension:zszo:2.0:Group:school"),
        None,
    )
    .unwrap()
    .apply(v.clone());
    assert_eq!(only[ZSZO_GROUP_SCHEMA]["school"], "SP2");
    assert!(only.get("displayName").is_none());
    let without = Projection::parse(&GROUP_ATTRS, &GROUP_SCHEMAS, None, Some("school"))
        .unwrap()
        .apply(v);
    assert!(without[ZSZO_GROUP_SCHEMA].get("school").is_none());
}
