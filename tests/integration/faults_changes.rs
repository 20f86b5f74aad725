//! Unknown outcomes of changes to existing entries (issue 14, item 1 on the remaining write
//! paths): the answer to a Modify is lost by the cutting proxy after slapd applied it. The use
//! case reads back before answering, so the client learns the change happened and the audit
//! store holds its one success record; never a 503 with a failure record for a write that
//! happened.

use crate::cutting_proxy::MODIFY;
use crate::faults::{post_user, proxied_daemon};
use crate::faults_support::{outcomes, school_admin, scim_person};
use crate::scim_backpressure::Daemon;
use serde_json::{json, Value};
use zszo_connector::domain::audit::Outcome;
use zszo_connector::ports::directory_parts::*;
use zszo_connector::ports::SchoolScope;

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// Records with `action` that name no target (failures before the entry was known).
async fn all_outcomes(d: &Daemon, action: &str) -> Vec<Outcome> {
    let records = crate::common::app::records_of(&d.audit, action).await;
    records.into_iter().map(|r| r.record.outcome).collect()
}

async fn send(d: &Daemon, method: reqwest::Method, path: &str, body: &Value) -> (u16, Value) {
    let res = reqwest::Client::new()
        .request(method, format!("{}{path}", d.base))
        .bearer_auth(&d.token)
        .header("content-type", "application/scim+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn title_patch(title: &str) -> Value {
    json!({
        "schemas": [PATCH_OP],
        "Operations": [{ "op": "replace", "path": "title", "value": title }],
    })
}

/// A person's PUT and PATCH whose answers were lost are answered 200 with the change, one
/// success record each. With the directory down after the lost answer, the client gets 503
/// and no record (the change may have happened); its retry answers 200 and records once.
#[tokio::test]
async fn a_lost_answer_to_a_person_replace_or_patch_is_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let (d, proxy, _slapd, school) = proxied_daemon(dir.path()).await;
    let mut user = crate::scim_support::okta_user(&school, "Zmieniona", "Osoba");
    let created: Value = post_user(&d, &user).await.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("/Users/{id}");

    user["title"] = json!("Nauczycielka fizyki");
    proxy.cut_next(MODIFY, false);
    let (status, body) = send(&d, reqwest::Method::PUT, &path, &user).await;
    assert_eq!(status, 200, "the replace happened: {body}");
    assert_eq!(body["title"], "Nauczycielka fizyki");
    assert_eq!(
        outcomes(&d, &id, "person.updated").await,
        vec![Outcome::Success]
    );

    proxy.cut_next(MODIFY, false);
    let (status, body) = send(
        &d,
        reqwest::Method::PATCH,
        &path,
        &title_patch("Nauczycielka chemii"),
    )
    .await;
    assert_eq!(status, 200, "the PATCH happened: {body}");
    assert_eq!(body["title"], "Nauczycielka chemii");
    assert_eq!(
        outcomes(&d, &id, "person.updated").await,
        vec![Outcome::Success, Outcome::Success]
    );

    // The answer is lost and the directory stays down: 503, no record yet.
    proxy.cut_next(MODIFY, true);
    let patch = title_patch("Wicedyrektorka");
    let (status, _) = send(&d, reqwest::Method::PATCH, &path, &patch).await;
    assert_eq!(status, 503);
    assert_eq!(
        outcomes(&d, &id, "person.updated").await.len(),
        2,
        "no failure record for a change that may have happened"
    );
    proxy.heal();
    let (status, body) = send(&d, reqwest::Method::PATCH, &path, &patch).await;
    assert_eq!(status, 200);
    assert_eq!(body["title"], "Wicedyrektorka");
    assert_eq!(
        outcomes(&d, &id, "person.updated").await,
        vec![Outcome::Success; 3]
    );
    let person = d
        .directory
        .get_person(&id, &SchoolScope::All)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        person.profile.position.as_ref().map(|p| p.as_str()),
        Some("Wicedyrektorka")
    );
}

/// An administrator's lock and unlock whose answers were lost succeed, one record each.
#[tokio::test]
async fn a_lost_answer_to_a_lock_or_an_unlock_is_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let (d, proxy, _slapd, school) = proxied_daemon(dir.path()).await;
    let id = scim_person(&d, &school, "Zablokowana", "Osoba").await;
    let admin = school_admin(&school);
    let provisioning = d.state.provisioning();
    provisioning.create_account(&admin, &id).await.unwrap();

    proxy.cut_next(MODIFY, false);
    let locked = provisioning
        .lock_account(&admin, &id)
        .await
        .expect("the lock happened; its answer was only lost");
    assert_eq!(locked.account_state.as_str(), "locked");
    proxy.cut_next(MODIFY, false);
    let unlocked = provisioning
        .unlock_account(&admin, &id)
        .await
        .expect("the unlock happened; its answer was only lost");
    assert_ne!(unlocked.account_state.as_str(), "locked");

    assert_eq!(
        outcomes(&d, &id, "account.locked").await,
        vec![Outcome::Success]
    );
    assert_eq!(
        outcomes(&d, &id, "account.unlocked").await,
        vec![Outcome::Success]
    );
}

/// A group's PUT and membership PATCH whose answers were lost are answered 200, one success
/// record each, and no failure record.
#[tokio::test]
async fn a_lost_answer_to_a_group_replace_or_membership_change_is_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let (d, proxy, _slapd, school) = proxied_daemon(dir.path()).await;
    let user = crate::scim_support::okta_user(&school, "Członkini", "Grupy");
    let person: Value = post_user(&d, &user).await.json().await.unwrap();
    let member = person["id"].as_str().unwrap().to_owned();
    let group = json!({
        "schemas": [GROUP],
        "displayName": "Zespół przedmiotowy",
        "externalId": "changed-group",
    });
    let (status, created) = send(&d, reqwest::Method::POST, "/Groups", &group).await;
    assert_eq!(status, 201);
    let gid = created["id"].as_str().unwrap().to_owned();
    let path = format!("/Groups/{gid}");

    let mut replaced = group.clone();
    replaced["displayName"] = json!("Zespół matematyczny");
    replaced["members"] = json!([{ "value": member }]);
    proxy.cut_next(MODIFY, false);
    let (status, body) = send(&d, reqwest::Method::PUT, &path, &replaced).await;
    assert_eq!(status, 200, "the replace happened: {body}");
    assert_eq!(
        outcomes(&d, &gid, "group.updated").await,
        vec![Outcome::Success]
    );

    let remove = json!({
        "schemas": [PATCH_OP],
        "Operations": [{ "op": "remove", "path": format!("members[value eq \"{member}\"]") }],
    });
    proxy.cut_next(MODIFY, false);
    let (status, body) = send(&d, reqwest::Method::PATCH, &path, &remove).await;
    assert_eq!(status, 200, "the membership change happened: {body}");
    assert_eq!(
        outcomes(&d, &gid, "group.members_changed").await,
        vec![Outcome::Success]
    );
    let now = d
        .directory
        .get_group(&gid, &SchoolScope::All)
        .await
        .unwrap()
        .unwrap();
    assert!(now.profile.members.is_empty());
    assert!(all_outcomes(&d, "group.updated")
        .await
        .iter()
        .chain(all_outcomes(&d, "group.members_changed").await.iter())
        .all(|o| *o == Outcome::Success));
}

/// The portal's first-login form and password change whose answers were lost: the new
/// password is checked by a bind, so the person is answered with success and the audit store
/// holds one success record each. With the directory down after the lost answer: 503 and no
/// record; the person's retry then succeeds and records once.
#[tokio::test]
async fn a_lost_answer_to_a_portal_password_write_is_checked_with_the_new_password() {
    use secrecy::SecretString;
    use zszo_connector::onboarding::first_login::SignedIn;
    use zszo_connector::onboarding::{OnboardingError, PortalCaller};
    let dir = tempfile::tempdir().unwrap();
    let (d, proxy, _slapd, school) = proxied_daemon(dir.path()).await;
    let id = scim_person(&d, &school, "Portalowa", "Osoba").await;
    let admin = school_admin(&school);
    let issued = d
        .state
        .provisioning()
        .create_account(&admin, &id)
        .await
        .unwrap();
    let portal = d.state.onboarding();
    let signed = portal
        .sign_in(Some(&issued.login), &issued.password, None)
        .await
        .unwrap();
    let SignedIn::FirstLogin { otp_digest, .. } = signed else {
        panic!("a one-time password signs in to the first-login form");
    };
    let caller = PortalCaller {
        person_id: id.clone(),
        login: issued.login.clone(),
        request_id: None,
        session_key: None,
    };
    let first = SecretString::from("Zielony-Parasol-Nad-Wisłą-42".to_owned());
    let email = zszo_connector::domain::EmailAddress::parse("portalowa@szkola.example").unwrap();

    proxy.cut_next(MODIFY, false);
    portal
        .complete_first_login(&caller, &otp_digest, &first, &email, "pl")
        .await
        .expect("the password was set; its answer was only lost");
    assert!(d
        .directory
        .check_password(&issued.login, &first)
        .await
        .unwrap());
    assert_eq!(
        all_outcomes(&d, "account.password_set").await,
        vec![Outcome::Success]
    );

    let second = SecretString::from("Czerwony-Tramwaj-Pod-Wawelem-7".to_owned());
    proxy.cut_next(MODIFY, true);
    let lost = portal.change_password(&caller, &first, &second).await;
    assert!(
        matches!(lost, Err(OnboardingError::OutcomeUnknown)),
        "{lost:?}"
    );
    assert!(
        all_outcomes(&d, "account.password_changed")
            .await
            .is_empty(),
        "no failure record for a change that may have happened"
    );
    proxy.heal();
    // The change happened: the person's retry signs in with the new password as "current".
    assert!(d
        .directory
        .check_password(&issued.login, &second)
        .await
        .unwrap());
    let third = SecretString::from("Niebieski-Rower-Przy-Plantach-9".to_owned());
    proxy.cut_next(MODIFY, false);
    portal
        .change_password(&caller, &second, &third)
        .await
        .expect("the change happened; its answer was only lost");
    assert_eq!(
        all_outcomes(&d, "account.password_changed").await,
        vec![Outcome::Success]
    );
}
