//! PATCH on groups: members by value list and by filter, renames, the immutable school.

use super::*;
use crate::scim::ScimType;
use serde_json::json;

fn group() -> GroupDraft {
    GroupDraft {
        display_name: Some("Nauczyciele".into()),
        external_id: None,
        members: vec!["u1".into(), "u2".into(), "u3".into()],
        school: Some(crate::domain::SchoolCode::parse("SP1").unwrap()),
    }
}

fn gpatch(list: serde_json::Value) -> Result<GroupDraft, ScimError> {
    patch_group(&group(), "g-1", &ops(list))
}

#[test]
fn removing_members_by_value_list_removes_only_those() {
    // scim-clients.md, Entra 4: never the whole list.
    let d =
        gpatch(json!([{"op": "Remove", "path": "members", "value": [{"value": "u2"}]}])).unwrap();
    assert_eq!(d.members, ["u1", "u3"]);
}

#[test]
fn removing_members_by_value_filter_removes_only_matches() {
    let d = gpatch(json!([{"op": "remove", "path": "members[value eq \"u1\"]"}])).unwrap();
    assert_eq!(d.members, ["u2", "u3"]);
    let d = gpatch(json!([{"op": "remove", "path": "members[value eq \"nobody\"]"}])).unwrap();
    assert_eq!(d.members.len(), 3, "removing a non-member changes nothing");
}

#[test]
fn adding_and_replacing_members_and_renaming() {
    let d = gpatch(json!([
        {"op": "Add", "path": "members", "value": [{"value": "u4"}, {"value": "u1"}]}
    ]))
    .unwrap();
    assert_eq!(d.members, ["u1", "u2", "u3", "u4"]);
    let d =
        gpatch(json!([{"op": "replace", "path": "members", "value": [{"value": "u9"}]}])).unwrap();
    assert_eq!(d.members, ["u9"]);
    // Okta renames with a path-less replace of {id, displayName} (Okta 6).
    let d =
        gpatch(json!([{"op": "replace", "value": {"id": "g-1", "displayName": "Kadra"}}])).unwrap();
    assert_eq!(d.display_name.as_deref(), Some("Kadra"));
    let d = gpatch(json!([{"op": "remove", "path": "members"}])).unwrap();
    assert!(
        d.members.is_empty(),
        "remove without a value clears the list (RFC 7644 §3.5.2.2)"
    );
}

#[test]
fn bad_group_operations_get_the_rfc_scim_type() {
    let table = [
        (
            json!([{"op": "add", "path": "members[value eq \"u1\"]", "value": [{"value": "u1"}]}]),
            ScimType::InvalidPath,
        ),
        (
            json!([{"op": "remove", "path": "members[display eq \"x\"]"}]),
            ScimType::InvalidPath,
        ),
        (
            json!([{"op": "remove", "path": "displayName"}]),
            ScimType::InvalidValue,
        ),
        (
            json!([{"op": "replace", "value": {"id": "g-2"}}]),
            ScimType::Mutability,
        ),
        (
            json!([{"op": "replace", "path": "owner", "value": "x"}]),
            ScimType::InvalidPath,
        ),
        (
            json!([{"op": "add", "path": "members", "value": [{"value": ""}]}]),
            ScimType::InvalidValue,
        ),
    ];
    for (list, want) in table {
        let e = gpatch(list.clone()).unwrap_err();
        assert_eq!(e.scim_type, Some(want), "{list}");
    }
}

const GROUP_SCHOOL: &str = "urn:zszo:params:scim:schemas:extension:zszo:2.0:Group:school";

#[test]
fn the_group_school_is_immutable_under_patch() {
    // Repeating the current school (in any case, in any form) changes nothing.
    for list in [
        json!([{"op": "replace", "path": GROUP_SCHOOL, "value": "SP1"}]),
        json!([{"op": "add", "path": "school", "value": "sp1"}]),
        json!([{"op": "replace", "value": {
            "urn:zszo:params:scim:schemas:extension:zszo:2.0:Group": {"school": "SP1"},
            "displayName": "Kadra"
        }}]),
    ] {
        let d = gpatch(list.clone()).unwrap_or_else(|e| panic!("{list}: {e:?}"));
        assert_eq!(d.school.as_ref().map(|s| s.as_str()), Some("SP1"), "{list}");
    }
    for list in [
        json!([{"op": "replace", "path": GROUP_SCHOOL, "value": "SP2"}]),
        json!([{"op": "add", "path": "school", "value": "SP2"}]),
        json!([{"op": "remove", "path": GROUP_SCHOOL}]),
        json!([{"op": "replace", "value": {GROUP_SCHOOL: "SP2"}}]),
        json!([{"op": "replace", "value": {
            "urn:zszo:params:scim:schemas:extension:zszo:2.0:Group": {"school": "SP2"}
        }}]),
    ] {
        let e = gpatch(list.clone()).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::Mutability), "{list}");
    }
    let e = gpatch(json!([{"op": "replace", "path": GROUP_SCHOOL, "value": "SP 2"}])).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
}

#[test]
fn a_bare_group_extension_urn_path_sets_and_cannot_remove_the_school() {
    let g = group();
    let ops_ok = ops(json!([{"op": "replace",
        "path": "urn:zszo:params:scim:schemas:extension:zszo:2.0:Group", "value": {"school": "SP1"}}]));
    assert_eq!(patch_group(&g, "g", &ops_ok).unwrap(), g);
    let other = ops(json!([{"op": "replace",
        "path": "urn:zszo:params:scim:schemas:extension:zszo:2.0:Group", "value": {"school": "SP2"}}]));
    assert_eq!(
        patch_group(&g, "g", &other).unwrap_err().scim_type,
        Some(ScimType::Mutability)
    );
    let remove = ops(json!([{"op": "remove",
        "path": "urn:zszo:params:scim:schemas:extension:zszo:2.0:Group"}]));
    assert_eq!(
        patch_group(&g, "g", &remove).unwrap_err().scim_type,
        Some(ScimType::Mutability)
    );
}
