//! Helpers of the fault-injection suite (issue 14): Bulks of people and the promises checked
//! after every fault — every person exactly once in the directory, exactly one successful
//! `person.created` per person, none for an entry that is not there.

use crate::scim_backpressure::Daemon;
use serde_json::{json, Value};
use std::collections::HashMap;
use zszo_connector::domain::audit::{Actor, AuditQuery, Outcome};
use zszo_connector::domain::SchoolCode;
use zszo_connector::ports::{AuditLog, Directory, PersonSearch, SchoolScope};
use zszo_connector::provisioning::Caller;

/// The outcomes of the records with `action` about the entry `id`.
pub(crate) async fn outcomes(d: &Daemon, id: &str, action: &str) -> Vec<Outcome> {
    let about = crate::common::app::records_about(&d.audit, id).await;
    about
        .into_iter()
        .filter(|r| r.record.action == action)
        .map(|r| r.record.outcome)
        .collect()
}

/// A local administrator of `school`, as the panel's use cases see one.
pub(crate) fn school_admin(school: &str) -> Caller {
    Caller {
        actor: Actor::Person("dyrektor.test".into()),
        scope: SchoolScope::Only(vec![SchoolCode::parse(school).unwrap()]),
        request_id: None,
    }
}

/// A person of `school` created through SCIM (`POST /Users`); the id.
pub(crate) async fn scim_person(d: &Daemon, school: &str, given: &str, family: &str) -> String {
    let user = crate::scim_support::okta_user(school, given, family);
    let created: Value = crate::faults::post_user(d, &user)
        .await
        .json()
        .await
        .unwrap();
    created["id"].as_str().unwrap().to_owned()
}

pub(crate) fn bulk_of_people(school: &str, tag: &str, n: usize) -> Value {
    let ops: Vec<Value> = (0..n)
        .map(|i| {
            let mut user = crate::scim_support::okta_user(school, "Ewa", &format!("Awaria{i}"));
            user["externalId"] = json!(format!("{tag}-{i}"));
            json!({"method": "POST", "path": "/Users", "bulkId": format!("b{i}"), "data": user})
        })
        .collect();
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": ops,
    })
}

pub(crate) async fn post_bulk(d: &Daemon, body: &Value, key: &str) -> (u16, bool, Value) {
    let res = reqwest::Client::new()
        .post(format!("{}/Bulk", d.base))
        .bearer_auth(&d.token)
        .header("content-type", "application/scim+json")
        .header("idempotency-key", key)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let (status, replayed) = (
        res.status().as_u16(),
        res.headers().contains_key("idempotency-replayed"),
    );
    (status, replayed, res.json().await.unwrap_or(Value::Null))
}

pub(crate) fn statuses(answer: &Value) -> Vec<String> {
    answer["Operations"]
        .as_array()
        .map(|ops| {
            ops.iter()
                .map(|o| o["status"].as_str().unwrap_or("?").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The promises after a fault, for the people of `school` with `externalId`s `tag-0..n`.
pub(crate) async fn assert_each_person_once_with_one_creation_record(
    d: &Daemon,
    school: &str,
    tag: &str,
    n: usize,
) {
    assert_each_once_in(d.audit.as_ref(), d.directory.as_ref(), school, tag, n).await
}

/// [`assert_each_person_once_with_one_creation_record`] on an audit store and a directory
/// opened by the test itself (e.g. after the daemon binary has stopped).
pub(crate) async fn assert_each_once_in(
    audit: &dyn AuditLog,
    directory: &dyn Directory,
    school: &str,
    tag: &str,
    n: usize,
) {
    let people = people_of(directory, school).await;
    for i in 0..n {
        let external = format!("{tag}-{i}");
        assert!(
            people.contains_key(&external),
            "{external} is not in the directory"
        );
    }
    assert_records_match(audit, school, &people).await;
}

/// The people of `school` by externalId → entry id; fails when an externalId is there twice.
pub(crate) async fn people_of(directory: &dyn Directory, school: &str) -> HashMap<String, String> {
    let page = directory
        .search_people(&PersonSearch {
            filter: None,
            scope: SchoolScope::All,
            sort: None,
            start_index: 1,
            count: 1000,
        })
        .await
        .unwrap();
    let mut by_external: HashMap<String, Vec<String>> = HashMap::new();
    for p in page
        .items
        .iter()
        .filter(|p| p.profile.employment.primary.as_str() == school)
    {
        if let Some(x) = &p.profile.external_id {
            by_external
                .entry(x.clone())
                .or_default()
                .push(p.entry.id.clone());
        }
    }
    by_external
        .into_iter()
        .map(|(external, ids)| {
            assert_eq!(
                ids.len(),
                1,
                "{external} is in the directory {} times",
                ids.len()
            );
            (external, ids[0].clone())
        })
        .collect()
}

/// Each of `people` has exactly one successful `person.created`; no success record names an
/// entry that is not among them; the records come back in sequence.
pub(crate) async fn assert_records_match(
    audit: &dyn AuditLog,
    school: &str,
    people: &HashMap<String, String>,
) {
    let records = audit
        .query(AuditQuery {
            school: Some(school.to_owned()),
            ..Default::default()
        })
        .await
        .unwrap();
    let success_for = |id: &str| {
        records
            .iter()
            .filter(|r| {
                r.record.action == "person.created"
                    && r.record.outcome == Outcome::Success
                    && r.record
                        .target
                        .as_ref()
                        .and_then(|t| t.entry_uuid.as_deref())
                        == Some(id)
            })
            .count()
    };
    for (external, id) in people {
        let created = success_for(id);
        assert_eq!(
            created, 1,
            "{external}: {created} successful person.created records"
        );
    }
    let live: Vec<&String> = people.values().collect();
    for r in records
        .iter()
        .filter(|r| r.record.action == "person.created" && r.record.outcome == Outcome::Success)
    {
        let id = r
            .record
            .target
            .as_ref()
            .and_then(|t| t.entry_uuid.as_ref())
            .expect("a success names its target");
        assert!(
            live.contains(&id),
            "a person.created for {id}, which is not in the directory"
        );
    }
    let mut seqs: Vec<u64> = records.iter().map(|r| r.seq).collect();
    seqs.sort_unstable();
    assert!(seqs.windows(2).all(|w| w[1] > w[0]));
}
