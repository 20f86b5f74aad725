//! Which SCIM client may change what of a person at several schools (issue 13): the primary
//! school's client changes the global attributes; another school's client only its school's
//! membership, and its `active: false` removes its school, leaving the account usable; no
//! client overwrites the address the person confirmed in the portal.

use crate::common;
use crate::scim_support::{okta_user, ScimApp, PATCH, USER, ZSZO};
use ldap3::{Mod, SearchEntry};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::collections::HashSet;
use zszo_connector::domain::{AccountState, EmailAddress};
use zszo_connector::ports::directory_parts::*;
use zszo_connector::ports::{AccountAt, ConfirmedEmail};

fn values(e: &SearchEntry, attr: &str) -> Vec<String> {
    e.attrs.get(attr).cloned().unwrap_or_default()
}

/// A person of school A who also works at school B, created by the city-wide client.
async fn person_at_a_and_b(app: &ScimApp) -> (String, serde_json::Value) {
    let mut body = okta_user(&app.school_a, "Łukasz", "Nowak");
    body[ZSZO]["schools"] = json!([app.school_a, app.school_b]);
    body[ZSZO]["primarySchool"] = json!(app.school_a);
    body["externalId"] = json!(format!("hr-{}", uuid::Uuid::new_v4().simple()));
    let id = app.create_user(&app.token_city, body.clone()).await;
    (id, body)
}

#[tokio::test]
async fn a_secondary_schools_active_false_removes_that_school_and_leaves_the_account_usable() {
    let app = ScimApp::start().await;
    let (id, created) = person_at_a_and_b(&app).await;
    let dn = app.person_dn(&id).await.unwrap();
    assert_eq!(
        values(&common::admin_entry(&dn).await, "zszoPrimarySchoolCode"),
        [app.school_a.as_str()]
    );
    // The person has a password they can use (as after the portal).
    let password = "a passphrase of his own 2024";
    let mut svc = common::connect_service().await;
    svc.modify(
        &dn,
        vec![Mod::Replace(
            "userPassword".to_owned(),
            HashSet::from([zszo_connector::slapd::argon2_userpassword(password).unwrap()]),
        )],
    )
    .await
    .unwrap()
    .success()
    .unwrap();

    // School B's client: active false, and a try at the global attributes.
    let patch = json!({"schemas": [PATCH], "Operations": [
        {"op": "replace", "path": "active", "value": false},
        {"op": "replace", "path": "userName", "value": "hijacked@b.example"},
        {"op": "replace", "path": "name.givenName", "value": "Przejęty"},
        {"op": "replace", "path": "externalId", "value": "b-owns-this"}
    ]});
    let a = app
        .patch(&app.token_b, &format!("/Users/{id}"), patch)
        .await;
    assert!(a.status.is_success(), "{} {}", a.status, a.body);

    let e = common::admin_entry(&dn).await;
    assert_eq!(
        values(&e, "zszoSchoolCode"),
        [app.school_a.as_str()],
        "B removed"
    );
    assert_eq!(values(&e, "zszoEmploymentActive"), ["TRUE"]);
    assert!(
        values(&e, "pwdAccountLockedTime").is_empty(),
        "not locked city-wide"
    );
    assert_eq!(values(&e, "givenName"), ["Łukasz"]);
    assert_eq!(
        values(&e, "zszoExternalUserName"),
        [created["userName"].as_str().unwrap().to_owned()]
    );
    assert_eq!(
        values(&e, "zszoExternalId"),
        [created["externalId"].as_str().unwrap().to_owned()]
    );
    // The account still works, and B no longer sees the person.
    let _ = common::connect_as(&dn, password).await;
    let gone = app.get(&app.token_b, &format!("/Users/{id}")).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let audit = app.audit_about(&id).await;
    assert!(
        audit
            .iter()
            .any(|r| r.record.actor.to_string() == "scim:hr-b"
                && r.record.details.get("changed").map(String::as_str) == Some("schools")),
        "{audit:#?}"
    );

    // The primary school's client changes the global attributes, and its active:false does
    // end the employment city-wide.
    let patch = json!({"schemas": [PATCH], "Operations": [
        {"op": "replace", "path": "name.givenName", "value": "Łucjan"},
        {"op": "replace", "path": "active", "value": false}
    ]});
    let a = app
        .patch(&app.token_a, &format!("/Users/{id}"), patch)
        .await;
    assert!(a.status.is_success(), "{} {}", a.status, a.body);
    let e = common::admin_entry(&dn).await;
    assert_eq!(values(&e, "givenName"), ["Łucjan"]);
    assert_eq!(values(&e, "zszoEmploymentActive"), ["FALSE"]);
}

#[tokio::test]
async fn scim_cannot_overwrite_the_address_the_person_confirmed() {
    let app = ScimApp::start().await;
    let mut body = okta_user(&app.school_a, "Ewa", "Zielińska");
    body["schemas"] = json!([USER, ZSZO]);
    let id = app.create_user(&app.token_a, body.clone()).await;
    let dn = app.person_dn(&id).await.unwrap();
    let hr_address = body["emails"][0]["value"].as_str().unwrap().to_owned();
    assert_eq!(
        values(&common::admin_entry(&dn).await, "mail"),
        [hr_address.as_str()]
    );
    assert_eq!(
        values(&common::admin_entry(&dn).await, "zszoHrMail"),
        [hr_address.as_str()]
    );

    // The person confirmed their own address in the portal (the directory's own path).
    let mut admin = common::connect_admin().await;
    admin
        .modify(
            &dn,
            vec![Mod::Replace(
                "zszoAccountState".to_owned(),
                HashSet::from(["awaiting-email-confirmation".to_owned()]),
            )],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    let confirmed = format!("ewa.{}@prywatna.example", uuid::Uuid::new_v4().simple());
    app.directory
        .set_confirmed_email(
            AccountAt {
                id: &id,
                expect: AccountState::AwaitingEmailConfirmation,
                read: None,
            },
            ConfirmedEmail {
                address: &EmailAddress::parse(&confirmed).unwrap(),
                at: time::OffsetDateTime::now_utc(),
            },
        )
        .await
        .unwrap();

    // HR sends another address: kept as HR's, the confirmed one stays in `mail`.
    let new_hr = format!("{}@szkola.example", uuid::Uuid::new_v4().simple());
    body["emails"] = json!([{ "value": new_hr, "type": "work", "primary": true }]);
    let a = app
        .call(
            &app.token_a,
            Method::PUT,
            &format!("/Users/{id}"),
            Some(body),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let e = common::admin_entry(&dn).await;
    assert_eq!(values(&e, "mail"), [confirmed.as_str()]);
    assert_eq!(values(&e, "zszoHrMail"), [new_hr.as_str()]);
    // A PATCH of emails changes nothing of `mail` either.
    let patch = json!({"schemas": [PATCH], "Operations": [
        {"op": "replace", "path": "emails", "value": [{"value": "other@szkola.example", "primary": true}]}
    ]});
    let a = app
        .patch(&app.token_a, &format!("/Users/{id}"), patch)
        .await;
    assert!(a.status.is_success(), "{} {}", a.status, a.body);
    assert_eq!(values(&common::admin_entry(&dn).await, "mail"), [confirmed]);
}
