//! Refusals are audited (issue 13): a SCIM read of another school's id, a panel page of
//! another school's person and requests with bad tokens leave records in the audit store, the
//! tokens rate-limited so a flood does not fill it.

use crate::scim_support::{okta_user, ScimApp};
use reqwest::StatusCode;
use zszo_connector::domain::audit::{AuditRecord, Outcome};
use zszo_connector::provisioning::refusals::PER_WINDOW;

async fn records(app: &ScimApp, action: &str) -> Vec<AuditRecord> {
    crate::common::app::records_of(&app.audit, action).await
}

#[tokio::test]
async fn a_scim_read_of_another_schools_person_is_refused_and_audited() {
    let app = ScimApp::start().await;
    let id = app
        .create_user(&app.token_a, okta_user(&app.school_a, "Maria", "Kos"))
        .await;
    let a = app.get(&app.token_b, &format!("/Users/{id}")).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    // An id that exists nowhere is only a 404, with nothing to record about.
    let unknown = app
        .get(&app.token_b, "/Users/00000000-0000-0000-0000-000000000000")
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(
        unknown.body["detail"]
            .as_str()
            .map(|d| d.starts_with("no user")),
        Some(true)
    );

    let refused = records(&app, "person.read_refused").await;
    assert_eq!(refused.len(), 1, "{refused:#?}");
    let r = &refused[0].record;
    assert_eq!(r.actor.to_string(), "scim:hr-b");
    assert_eq!(r.outcome, Outcome::Failure("out_of_scope".into()));
    assert_eq!(
        r.target.as_ref().unwrap().entry_uuid.as_deref(),
        Some(id.as_str())
    );
    assert_eq!(r.school.as_deref(), Some(app.school_a.as_str()));
    assert_eq!(r.details["via"], "scim");
}

#[tokio::test]
async fn bad_tokens_are_audited_at_most_ten_a_minute() {
    let app = ScimApp::start().await;
    for i in 0..(PER_WINDOW + 5) {
        let a = app.get(&format!("zszo_guessed-{i}"), "/Users").await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    }
    let refused = records(&app, "scim.token_refused").await;
    assert_eq!(refused.len(), PER_WINDOW as usize, "{refused:#?}");
    assert!(refused
        .iter()
        .all(|r| r.record.outcome == Outcome::Failure("invalid_token".into())));
    let json = serde_json::to_string(&refused).unwrap();
    assert!(
        !json.contains("zszo_guessed"),
        "no token in the audit store: {json}"
    );
}
