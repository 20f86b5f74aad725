//! `POST /Bulk` (RFC 7644 §3.7) against real slapd: bulkId references, failures in their
//! slots, failOnErrors, the advertised limits, request order, scope, and re-sent bulks that
//! create nothing twice.

use crate::scim_support::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use zszo_connector::ports::directory_parts::*;
use zszo_connector::ports::{PersonSearch, SchoolScope};

const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

fn bulk(ops: Vec<Value>) -> Value {
    json!({ "schemas": [BULK], "Operations": ops })
}

fn post_user(bulk_id: &str, user: Value) -> Value {
    json!({ "method": "POST", "path": "/Users", "bulkId": bulk_id, "data": user })
}

fn user_with_external_id(school: &str, given: &str, family: &str, external: &str) -> Value {
    let mut u = okta_user(school, given, family);
    u["externalId"] = json!(external);
    u
}

async fn send(app: &ScimApp, token: &str, body: Value) -> Answer {
    app.call(token, Method::POST, "/Bulk", Some(body)).await
}

fn ops(a: &Answer) -> &Vec<Value> {
    a.body["Operations"].as_array().expect("Operations")
}

/// People of `school` whose externalId starts with `prefix`, as the directory holds them.
async fn people_with_prefix(app: &ScimApp, school: &str, prefix: &str) -> Vec<String> {
    let code = zszo_connector::domain::SchoolCode::parse(school).unwrap();
    let page = app
        .directory
        .search_people(&PersonSearch {
            filter: None,
            scope: SchoolScope::Only(vec![code]),
            sort: None,
            start_index: 1,
            count: 1000,
        })
        .await
        .unwrap();
    page.items
        .into_iter()
        .filter(|p| {
            p.profile
                .external_id
                .as_deref()
                .is_some_and(|e| e.starts_with(prefix))
        })
        .map(|p| p.entry.id)
        .collect()
}

async fn creation_records(app: &ScimApp, id: &str) -> usize {
    app.audit_about(id)
        .await
        .iter()
        .filter(|r| r.record.action == "person.created")
        .count()
}

#[tokio::test]
async fn a_group_created_in_a_bulk_references_users_created_earlier_in_it() {
    let app = ScimApp::start().await;
    let a = &app.school_a;
    let answer = send(
        &app,
        &app.token_a,
        bulk(vec![
            post_user("anna", okta_user(a, "Anna", "Żółkiewska")),
            post_user("jan", okta_user(a, "Jan", "Łęcki")),
            json!({ "method": "POST", "path": "/Groups", "bulkId": "g",
                    "data": { "schemas": [GROUP], "displayName": "Rada pedagogiczna",
                              "members": [{ "value": "bulkId:anna" }, { "value": "bulkId:jan" }] } }),
        ]),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(is_scim(&answer));
    let ops = ops(&answer);
    let statuses: Vec<&str> = ops.iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["201", "201", "201"], "{}", answer.body);
    let ids: Vec<String> = ops[..2]
        .iter()
        .map(|o| {
            o["location"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    let group = app
        .get(
            &app.token_a,
            &format!(
                "/Groups/{}",
                ops[2]["location"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
            ),
        )
        .await;
    let mut members: Vec<String> = group.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap().to_owned())
        .collect();
    members.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(members, expected);
    assert!(ops[0]["version"].as_str().unwrap().starts_with("W/"));
    assert_eq!(ops[0]["bulkId"], "anna");
}

#[tokio::test]
async fn an_operation_referencing_a_failed_one_fails_and_the_others_succeed() {
    let app = ScimApp::start().await;
    let a = &app.school_a;
    let mut nameless = okta_user(a, "Ewa", "Nowak");
    nameless.as_object_mut().unwrap().remove("name");
    let answer = send(
        &app,
        &app.token_a,
        bulk(vec![
            post_user("bad", nameless),
            json!({ "method": "POST", "path": "/Groups", "bulkId": "g",
                    "data": { "schemas": [GROUP], "displayName": "Świetlica", "members": [{ "value": "bulkId:bad" }] } }),
            json!({ "method": "POST", "path": "/Groups", "bulkId": "lost",
                    "data": { "schemas": [GROUP], "displayName": "Biblioteka", "members": [{ "value": "bulkId:nobody" }] } }),
            post_user("ok", okta_user(a, "Olga", "Wróbel")),
        ]),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let ops = ops(&answer);
    assert_eq!(ops.len(), 4);
    assert_eq!(ops[0]["status"], "400");
    for o in &ops[1..3] {
        assert_eq!(o["status"], "400", "{o}");
        assert_eq!(o["response"]["scimType"], "invalidValue", "{o}");
    }
    assert!(ops[1]["response"]["detail"]
        .as_str()
        .unwrap()
        .contains("failed"));
    assert_eq!(ops[3]["status"], "201");
    let groups = app.get(&app.token_a, "/Groups").await;
    assert_eq!(groups.body["totalResults"], 0, "no group was created");
}

#[tokio::test]
async fn fail_on_errors_stops_before_the_rest_and_reports_only_what_was_attempted() {
    let app = ScimApp::start().await;
    let a = &app.school_a;
    let prefix = format!("foe-{}", uuid::Uuid::new_v4().simple());
    let mut operations = vec![json!({ "method": "DELETE", "path": "/Users/no-such-user" })];
    for i in 0..20 {
        let u = user_with_external_id(a, "Zofia", "Kowalska", &format!("{prefix}-{i}"));
        operations.push(post_user(&format!("u{i}"), u));
    }
    let mut body = bulk(operations);
    body["failOnErrors"] = json!(1);
    let answer = send(&app, &app.token_a, body).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let ops = ops(&answer);
    assert_eq!(ops[0]["status"], "404");
    assert!(
        ops.len() < 21,
        "the bulk stopped: {} operations reported",
        ops.len()
    );
    // Whatever was applied is reported, and nothing else was applied.
    let reported = ops.iter().filter(|o| o["status"] == "201").count();
    assert_eq!(people_with_prefix(&app, a, &prefix).await.len(), reported);
}

#[tokio::test]
async fn a_malformed_first_operation_with_fail_on_errors_one_applies_nothing() {
    let app = ScimApp::start().await;
    let a = &app.school_a;
    let mut body = bulk(vec![
        json!({ "method": "POST", "path": "/Users", "data": okta_user(a, "Ala", "Nowak") }),
        post_user("u", okta_user(a, "Ola", "Nowak")),
    ]);
    body["failOnErrors"] = json!(1);
    let answer = send(&app, &app.token_a, body).await;
    let ops = ops(&answer);
    assert_eq!(ops.len(), 1, "{}", answer.body);
    assert_eq!(ops[0]["response"]["scimType"], "invalidSyntax");
    assert_eq!(
        app.get(&app.token_a, "/Users").await.body["totalResults"],
        0
    );
}

#[tokio::test]
async fn results_are_listed_in_request_order() {
    let app = ScimApp::start().await;
    let a = &app.school_a;
    let operations: Vec<Value> = (0..12)
        .map(|i| post_user(&format!("b{i}"), okta_user(a, "Józef", &format!("Bąk{i}"))))
        .collect();
    let answer = send(&app, &app.token_a, bulk(operations)).await;
    let ids: Vec<&str> = ops(&answer)
        .iter()
        .map(|o| o["bulkId"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (0..12).map(|i| format!("b{i}")).collect();
    assert_eq!(ids, expected);
}

#[tokio::test]
async fn too_many_operations_and_too_large_a_body_are_refused_with_413_as_advertised() {
    let app = ScimApp::start().await;
    let spc = app.get(&app.token_a, "/ServiceProviderConfig").await;
    let limits = &spc.body["bulk"];
    assert_eq!(limits["supported"], true);
    let max_ops = limits["maxOperations"].as_u64().unwrap() as usize;
    let max_size = limits["maxPayloadSize"].as_u64().unwrap() as usize;

    let tiny = json!({ "method": "DELETE", "path": "/Users/x" });
    let too_many = send(&app, &app.token_a, bulk(vec![tiny.clone(); max_ops + 1])).await;
    if too_many.body.to_string().len() <= max_size {
        assert_eq!(
            too_many.status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{}",
            too_many.body
        );
        assert!(is_scim(&too_many));
        let detail = too_many.body["detail"].as_str().unwrap();
        assert!(
            detail.contains(&format!("maxOperations is {max_ops}")),
            "{detail}"
        );
    }
    // Exactly at the limit is accepted (each DELETE fails alone with 404).
    let mut at_limit = bulk(vec![tiny.clone(); max_ops.min(50)]);
    let at = send(&app, &app.token_a, at_limit.clone()).await;
    assert_eq!(at.status, StatusCode::OK);

    // A body of maxPayloadSize bytes passes; one byte more is refused.
    let padding = |len: usize, body: &mut Value| {
        body["pad"] = json!("");
        let base = body.to_string().len();
        body["pad"] = json!("x".repeat(len - base));
    };
    padding(max_size, &mut at_limit);
    assert_eq!(at_limit.to_string().len(), max_size);
    let fits = send(&app, &app.token_a, at_limit.clone()).await;
    assert_eq!(fits.status, StatusCode::OK, "{}", fits.body);
    padding(max_size + 1, &mut at_limit);
    let over = send(&app, &app.token_a, at_limit).await;
    assert_eq!(over.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(is_scim(&over));
    assert_eq!(over.body["status"], "413");
}

#[tokio::test]
async fn an_operation_for_another_school_fails_with_403_in_its_slot_and_the_others_succeed() {
    let app = ScimApp::start().await;
    let (a, b) = (&app.school_a, &app.school_b);
    let answer = send(
        &app,
        &app.token_a,
        bulk(vec![
            post_user("mine", okta_user(a, "Adam", "Mickiewicz")),
            post_user("theirs", okta_user(b, "Juliusz", "Słowacki")),
            post_user("mine2", okta_user(a, "Eliza", "Orzeszkowa")),
        ]),
    )
    .await;
    let statuses: Vec<&str> = ops(&answer)
        .iter()
        .map(|o| o["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["201", "403", "201"], "{}", answer.body);
    assert_eq!(
        app.get(&app.token_b, "/Users").await.body["totalResults"],
        0
    );
}

#[tokio::test]
async fn a_read_only_client_cannot_send_a_bulk() {
    let app = ScimApp::start().await;
    let answer = send(&app, &app.token_read_only, bulk(vec![])).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(is_scim(&answer));
}

#[tokio::test]
async fn a_re_sent_bulk_creates_no_duplicates_and_answers_each_item_with_200() {
    let app = ScimApp::start().await;
    let a = &app.school_a;
    let prefix = format!("resend-{}", uuid::Uuid::new_v4().simple());
    let mut operations: Vec<Value> = (0..6)
        .map(|i| {
            let u = user_with_external_id(a, "Małgorzata", "Wójcik", &format!("{prefix}-{i}"));
            post_user(&format!("u{i}"), u)
        })
        .collect();
    operations.push(json!({ "method": "POST", "path": "/Groups", "bulkId": "g",
        "data": { "schemas": [GROUP], "displayName": format!("Grupa {prefix}"),
                  "members": [{ "value": "bulkId:u0" }, { "value": "bulkId:u5" }] } }));
    let first = send(&app, &app.token_a, bulk(operations.clone())).await;
    assert!(
        ops(&first).iter().all(|o| o["status"] == "201"),
        "{}",
        first.body
    );
    let again = send(&app, &app.token_a, bulk(operations)).await;
    assert!(
        ops(&again).iter().all(|o| o["status"] == "200"),
        "{}",
        again.body
    );
    for (x, y) in ops(&first).iter().zip(ops(&again)) {
        assert_eq!(x["location"], y["location"], "the same resources");
    }
    let ids = people_with_prefix(&app, a, &prefix).await;
    assert_eq!(ids.len(), 6);
    for id in &ids {
        assert_eq!(creation_records(&app, id).await, 1, "{id}");
    }
    // The re-send's adds are tried first and refused (issue 17): a refusal that turns into a
    // replay is not a failed creation, and writes no record of its own.
    use zszo_connector::domain::audit::Outcome;
    let school_records = crate::common::app::records_of_school(&app.audit, a).await;
    let failed: Vec<_> = school_records
        .iter()
        .filter(|r| matches!(r.record.outcome, Outcome::Failure(_)))
        .map(|r| &r.record.action)
        .collect();
    assert!(failed.is_empty(), "failure records: {failed:?}");
    assert_eq!(
        app.get(&app.token_a, "/Groups").await.body["totalResults"],
        1
    );
}

#[tokio::test]
async fn a_replay_after_a_crash_before_the_audit_append_records_the_missing_creation() {
    use zszo_connector::domain::{FamilyName, GivenName, PersonName, SchoolCode};
    use zszo_connector::ports::{Employment, NewPerson, PersonProfile};
    let app = ScimApp::start().await;
    let a = &app.school_a;
    let external = format!("crash-{}", uuid::Uuid::new_v4().simple());
    // What a crash between the LDAP add and the audit append leaves: an entry, no record.
    let name = PersonName {
        given: GivenName::parse("Jadwiga").unwrap(),
        family: FamilyName::parse("Żuławska").unwrap(),
    };
    let mut profile = PersonProfile::new(
        name,
        Employment {
            primary: SchoolCode::parse(a).unwrap(),
            others: vec![],
        },
    );
    profile.external_id = Some(external.clone());
    profile.user_name = Some(format!("{external}@szkola.example"));
    let login = zszo_connector::domain::login_candidates(&profile.name)
        .next()
        .unwrap();
    let entry = app
        .directory
        .create_person(&NewPerson {
            login,
            profile,
            credentials: None,
            created_by: "hr-a".into(),
        })
        .await
        .unwrap();
    assert_eq!(creation_records(&app, &entry.entry.id).await, 0);

    let user = user_with_external_id(a, "Jadwiga", "Żuławska", &external);
    let answer = send(&app, &app.token_a, bulk(vec![post_user("j", user)])).await;
    assert_eq!(ops(&answer)[0]["status"], "200", "{}", answer.body);
    let records = app.audit_about(&entry.entry.id).await;
    assert_eq!(records.len(), 1, "one record for the replay");
    assert_eq!(records[0].record.action, "person.created");
    let details = &records[0].record.details;
    assert_eq!(details.get("recovered").map(String::as_str), Some("true"));
    assert_eq!(people_with_prefix(&app, a, &external).await.len(), 1);
}
