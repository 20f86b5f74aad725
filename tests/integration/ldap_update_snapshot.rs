//! Writes planned from the caller's own read (`PersonAt::read`, `AccountAt::read`, issue 17: a
//! SCIM PATCH and an account creation no longer read the person twice) against a real slapd:
//! the snapshot's version is asserted even when the caller named none, so a stale snapshot
//! never decides what is written; a change of a unique attribute stays one Modify.

use crate::common;
use crate::ldap_directory::{
    admin_read, credentials, directory, login, new_school, person, person_name,
};
use ldap3::Mod;
use std::collections::HashSet;
use zszo_connector::domain::query::EmailKind;
use zszo_connector::domain::{AccountState, Position, School};
use zszo_connector::ldap::LdapDirectory;
use zszo_connector::ports::directory_parts::*;
use zszo_connector::ports::{
    AccountAt, ContactEmail, DirectoryError, InitialCredentials, PersonAt, PersonEntry, SchoolScope,
};

#[tokio::test]
async fn a_stale_snapshot_is_not_written_from() {
    let d = directory().await;
    let (created, read) = read_new_person(
        &d,
        &new_school(&d, "SP migawki").await,
        "marta",
        ("Marta", "Migawka"),
    )
    .await;
    assert!(
        format!("{:?}", read.snapshot).contains(".."),
        "get_person keeps its read"
    );

    // Another LDAP client changes the title after the caller's read.
    replaced_by_another_client(&created.entry.dn, "title", "dyrektor").await;

    // The caller's profile (from its read: no title) with a new display name, no version.
    // Written from the stale snapshot, the title would look unchanged and stay "dyrektor";
    // slapd refuses the snapshot's version, and the update applies to the entry as it is
    // now, as an update without a snapshot does: the profile is the whole truth.
    let mut changed = read.profile.clone();
    changed.display_name = Some("Pani Marta".into());
    let updated = d
        .update_person_at(
            PersonAt {
                id: &read.entry.id,
                version: None,
                read: Some(&read.snapshot),
            },
            &changed,
        )
        .await
        .unwrap();
    assert_eq!(updated.profile.display_name.as_deref(), Some("Pani Marta"));
    assert_eq!(updated.profile.position, None);
    let raw = admin_read(&created.entry.dn, &["title", "displayName"])
        .await
        .unwrap();
    assert_eq!(raw.get("title"), None, "the stale read decided nothing");
    assert_eq!(raw["displayName"], ["Pani Marta"]);
}

#[tokio::test]
async fn a_snapshot_update_of_a_unique_attribute_is_one_write() {
    let d = directory().await;
    let school = new_school(&d, "SP migawki unikalne").await;
    let taken = format!("wspolny@{}.example", school.code);
    let email = |value: &str| ContactEmail {
        value: value.to_owned(),
        kind: Some(EmailKind::Work),
        primary: true,
    };
    let mut first = person(
        login(&school, "rafal"),
        person_name("Rafał", "Pierwszy"),
        &school,
    );
    first.profile.emails = vec![email(&taken)];
    d.create_person(&first).await.unwrap();
    let (created, read) = read_new_person(&d, &school, "rafal2", ("Rafał", "Drugi")).await;

    // A new title and an address slapo-unique refuses (`mail` is unique city-wide and has no
    // search before the write). Written as an asserted Modify of the title followed by one of
    // the address, the title would land and the address not: half a write. One Modify
    // writes neither.
    let mut changed = read.profile.clone();
    changed.position = Some(Position::parse("pedagog").unwrap());
    changed.emails = vec![email(&taken)];
    let at = PersonAt {
        id: &read.entry.id,
        version: None,
        read: Some(&read.snapshot),
    };
    let e = d.update_person_at(at, &changed).await.unwrap_err();
    assert!(matches!(e, DirectoryError::AlreadyExists { .. }), "{e}");
    let raw = admin_read(&created.entry.dn, &["title", "mail"])
        .await
        .unwrap();
    assert_eq!(raw.get("title"), None, "nothing of the update was written");
    assert_eq!(raw.get("mail"), None);

    // With an address of its own the same update lands whole.
    changed.emails = vec![email(&format!("rafal.drugi@{}.example", school.code))];
    let updated = d.update_person_at(at, &changed).await.unwrap();
    assert_eq!(updated.profile.position, changed.position);
    assert_eq!(updated.profile.emails, changed.emails);
}

#[tokio::test]
async fn an_account_is_planned_from_the_entry_as_it_is_when_the_snapshot_is_stale() {
    let d = directory().await;
    let (created, read) = read_new_person(
        &d,
        &new_school(&d, "SP migawki konta").await,
        "kamil",
        ("Kamil", "Konto"),
    )
    .await;
    assert!(read.profile.employment_active);

    // HR ends the employment (another LDAP client here) while the administrator's one-time
    // password is being hashed.
    replaced_by_another_client(&created.entry.dn, "zszoEmploymentActive", "FALSE").await;

    let now = time::OffsetDateTime::now_utc();
    let issued = d
        .set_initial_credentials(
            AccountAt {
                id: &read.entry.id,
                expect: AccountState::None,
                read: Some(&read.snapshot),
            },
            &InitialCredentials {
                hash: credentials("Jednorazowe hasło 42", None).hash,
                expires_at: now + time::Duration::days(7),
                created_by: "person:admin".into(),
                created_at: now,
            },
        )
        .await
        .unwrap();
    assert_eq!(issued.account_state, AccountState::AwaitingFirstLogin);
    // Planned from the stale read (employment active), the account would open for a person
    // whose employment has ended; planned from the entry as it is, it is locked.
    let raw = admin_read(&created.entry.dn, &["pwdAccountLockedTime"])
        .await
        .unwrap();
    assert_eq!(raw["pwdAccountLockedTime"], ["000001010000Z"]);
}

/// A new person in `school`, and the caller's `get_person` read of them (with its snapshot).
async fn read_new_person(
    d: &LdapDirectory,
    school: &School,
    login_name: &str,
    (given, family): (&str, &str),
) -> (PersonEntry, PersonEntry) {
    let p = person(
        login(school, login_name),
        person_name(given, family),
        school,
    );
    let created = d.create_person(&p).await.unwrap();
    let read = d
        .get_person(&created.entry.id, &SchoolScope::All)
        .await
        .unwrap()
        .unwrap();
    (created, read)
}

/// Another LDAP client (the rootdn) replaces `attribute` of `dn` with `value`.
async fn replaced_by_another_client(dn: &str, attribute: &str, value: &str) {
    let mut admin = common::connect_admin().await;
    admin
        .modify(dn, vec![Mod::Replace(attribute, HashSet::from([value]))])
        .await
        .unwrap()
        .success()
        .unwrap();
    let _ = admin.unbind().await;
}
