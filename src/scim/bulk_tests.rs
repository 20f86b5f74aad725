use super::*;
use crate::scim::ScimType;

fn request(ops: Value) -> Value {
    json!({ "schemas": [BULK_REQUEST], "Operations": ops })
}

fn user_post(bulk_id: &str) -> Value {
    json!({ "method": "POST", "path": "/Users", "bulkId": bulk_id, "data": { "userName": bulk_id } })
}

fn group_post(bulk_id: &str, members: &[&str]) -> Value {
    let members: Vec<Value> = members.iter().map(|m| json!({ "value": m })).collect();
    json!({ "method": "POST", "path": "/Groups", "bulkId": bulk_id,
            "data": { "displayName": bulk_id, "members": members } })
}

#[test]
fn a_request_with_more_operations_than_allowed_is_refused_with_413_naming_the_limit() {
    let body = request(json!([user_post("a"), user_post("b"), user_post("c")]));
    let e = parse_bulk(body.clone(), 2).unwrap_err();
    assert_eq!(e.status, 413);
    assert!(e.detail.contains("maxOperations is 2"), "{}", e.detail);
    assert!(parse_bulk(body.clone(), 3).is_ok());
}

#[test]
fn a_body_that_is_not_a_bulk_request_is_refused_whole() {
    let e = parse_bulk(json!({ "Operations": [] }), 10).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
    let e = parse_bulk(json!({ "schemas": [BULK_REQUEST] }), 10).unwrap_err();
    assert_eq!(e.status, 400);
    let bad = json!({ "schemas": [BULK_REQUEST], "failOnErrors": 0, "Operations": [] });
    assert_eq!(
        parse_bulk(bad, 10).unwrap_err().scim_type,
        Some(ScimType::InvalidValue)
    );
}

#[test]
fn a_malformed_operation_fails_alone_and_keeps_its_method_and_bulk_id() {
    let body = request(json!([
        user_post("ok"),
        { "method": "GET", "path": "/Users/x", "bulkId": "g" },
        { "method": "POST", "path": "/Users", "data": {} },
        { "method": "PUT", "path": "/Users", "data": {} },
        { "method": "DELETE", "path": "/Users/abc" },
        { "method": "post", "path": "/Nope", "bulkId": "n", "data": {} },
        user_post("ok"),
    ]));
    let r = parse_bulk(body.clone(), 10).unwrap();
    let ok: Vec<bool> = r.slots.iter().map(|s| s.op.is_ok()).collect();
    assert_eq!(ok, [true, false, false, false, true, false, false]);
    assert_eq!(r.slots[1].method, "GET");
    assert_eq!(r.slots[5].bulk_id.as_deref(), Some("n"));
    assert!(r.slots[6]
        .op
        .as_ref()
        .unwrap_err()
        .detail
        .contains("earlier"));
    let del = r.slots[4].op.as_ref().unwrap();
    assert_eq!(
        (del.method, del.id.as_deref()),
        (Method::Delete, Some("abc"))
    );
}

#[test]
fn a_group_waits_for_the_users_it_references_and_gets_their_ids() {
    let body = request(json!([
        user_post("u1"),
        user_post("u2"),
        group_post("g", &["bulkId:u1", "bulkId:u2", "plain-id"]),
    ]));
    let r = parse_bulk(body.clone(), 10).unwrap();
    let deps = dependencies(&r.slots);
    assert_eq!(deps[0].as_ref().unwrap(), &Vec::<usize>::new());
    assert_eq!(deps[2].as_ref().unwrap(), &vec![0, 1]);
    let resolved: HashMap<String, String> =
        [("u1".into(), "id-1".into()), ("u2".into(), "id-2".into())].into();
    let op = substitute(r.slots[2].op.as_ref().unwrap(), &resolved);
    let members: Vec<&str> = op.data["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    assert_eq!(members, ["id-1", "id-2", "plain-id"]);
}

#[test]
fn a_reference_in_the_path_is_resolved_too() {
    let body = request(json!([
        user_post("u1"),
        { "method": "DELETE", "path": "/Users/bulkId:u1" },
    ]));
    let r = parse_bulk(body.clone(), 10).unwrap();
    assert_eq!(dependencies(&r.slots)[1].as_ref().unwrap(), &vec![0]);
    let resolved: HashMap<String, String> = [("u1".into(), "id-1".into())].into();
    let op = substitute(r.slots[1].op.as_ref().unwrap(), &resolved);
    assert_eq!(op.id.as_deref(), Some("id-1"));
}

#[test]
fn unknown_and_circular_references_fail_with_invalid_value() {
    let body = request(json!([
        group_post("a", &["bulkId:b"]),
        group_post("b", &["bulkId:a"]),
        group_post("self", &["bulkId:self"]),
        group_post("lost", &["bulkId:nobody"]),
        group_post("after", &["bulkId:a"]),
        user_post("fine"),
    ]));
    let r = parse_bulk(body.clone(), 10).unwrap();
    let deps = dependencies(&r.slots);
    for i in [0, 1, 2, 3] {
        let e = deps[i].as_ref().unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue), "slot {i}");
    }
    // Waiting on a cycle member is not a cycle itself: it fails when that member fails.
    assert_eq!(deps[4].as_ref().unwrap(), &vec![0]);
    assert!(deps[5].as_ref().unwrap().is_empty());
}

#[test]
fn the_response_lists_outcomes_with_string_statuses_and_errors() {
    let out = bulk_response(&[
        OpOutcome {
            method: "POST".into(),
            bulk_id: Some("u1".into()),
            location: Some("https://x/scim/v2/Users/1".into()),
            version: Some("W/\"1\"".into()),
            status: 201,
            error: None,
        },
        OpOutcome {
            method: "DELETE".into(),
            bulk_id: None,
            location: None,
            version: None,
            status: 404,
            error: Some(ScimError::not_found("no user x")),
        },
    ]);
    assert_eq!(out["schemas"][0], BULK_RESPONSE);
    assert_eq!(out["Operations"][0]["status"], "201");
    assert!(out["Operations"][0].get("response").is_none());
    assert_eq!(out["Operations"][1]["status"], "404");
    assert_eq!(out["Operations"][1]["response"]["status"], "404");
    assert!(out["Operations"][1].get("bulkId").is_none());
}
