//! Updates of people through the `Directory` port: optional attributes replaced and deleted,
//! and a write at a stale version refused by slapd's own assertion.

use super::*;
use crate::common;
use ldap3::Mod;
use std::collections::HashSet;
use zszo_connector::ports::PersonAt;

#[tokio::test]
async fn an_update_replaces_and_deletes_optional_attributes() {
    let d = directory().await;
    let school = new_school(&d, "SP zmiany").await;
    let mut p = person(
        login(&school, "zenon"),
        person_name("Zenon", "Zmienny"),
        &school,
    );
    p.profile.position = Some(Position::parse("polonista").unwrap());
    p.profile.department = Some("humanistyczny".into());
    p.profile.emails = vec![ContactEmail {
        value: format!("z@{}.example", school.code),
        kind: None,
        primary: true,
    }];
    p.profile.phones = vec![ContactPhone {
        value: "+48 1".into(),
        kind: Some(PhoneKind::Home),
        primary: true,
    }];
    let created = d.create_person(&p).await.unwrap();

    let mut changed = created.profile.clone();
    changed.name = person_name("Zenon", "Nowy");
    changed.position = None;
    changed.department = None;
    changed.display_name = None;
    changed.emails = vec![ContactEmail {
        value: format!("nowy@{}.example", school.code),
        kind: None,
        primary: true,
    }];
    changed.phones = Vec::new();
    changed.organization = Some("ZSZO".into());
    let updated = d.update_person(&created.entry.id, &changed).await.unwrap();
    assert_eq!(updated.entry, created.entry);
    assert_eq!(updated.profile.name.family.as_str(), "Nowy");
    assert_eq!(updated.profile.position, None);
    assert_eq!(updated.profile.organization.as_deref(), Some("ZSZO"));
    assert_ne!(updated.meta.version, created.meta.version);
    let again = d.update_person(&created.entry.id, &changed).await.unwrap();
    assert_eq!(again, updated, "an unchanged profile writes nothing");

    let raw = admin_read(
        &created.entry.dn,
        &[
            "title",
            "departmentNumber",
            "homePhone",
            "displayName",
            "mail",
            "sn",
            "cn",
            "zszoSearchName",
        ],
    )
    .await
    .unwrap();
    for gone in ["title", "departmentNumber", "homePhone", "displayName"] {
        assert!(!raw.contains_key(gone), "{gone} should be deleted: {raw:?}");
    }
    assert_eq!(raw["mail"], [format!("nowy@{}.example", school.code)]);
    assert_eq!(raw["cn"], ["Zenon Nowy"]);
    assert!(raw["zszoSearchName"].contains(&"zenon nowy".to_owned()));

    let e = d
        .update_person("0b2f3c1e-1111-4c4c-8888-123456789abc", &changed)
        .await
        .unwrap_err();
    assert!(matches!(e, DirectoryError::NotFound(_)), "{e}");
}
#[tokio::test]
async fn an_update_at_a_version_is_refused_by_slapd_after_another_client_wrote() {
    let d = directory().await;
    let school = new_school(&d, "SP wersje").await;
    let p = person(
        login(&school, "wiktor"),
        person_name("Wiktor", "Wersja"),
        &school,
    );
    let created = d.create_person(&p).await.unwrap();
    let read_version = created.meta.version.clone();

    // Another LDAP client changes the entry after the caller read its version.
    let mut admin = common::connect_admin().await;
    admin
        .modify(
            &created.entry.dn,
            vec![Mod::Replace("title", HashSet::from(["dyrektor"]))],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    let _ = admin.unbind().await;

    // The adapter reads the new entry itself, so only slapd's assertion on the stale version
    // can refuse this write.
    let mut changed = created.profile.clone();
    changed.display_name = Some("Pan Wiktor".into());
    changed.position = Some(Position::parse("dyrektor").unwrap());
    let e = d
        .update_person_at(
            PersonAt {
                id: &created.entry.id,
                version: Some(&read_version),
                read: None,
            },
            &changed,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, DirectoryError::VersionChanged(_)), "{e}");
    let raw = admin_read(&created.entry.dn, &["displayName", "title"])
        .await
        .unwrap();
    assert_ne!(
        raw.get("displayName"),
        Some(&vec!["Pan Wiktor".to_owned()]),
        "nothing written"
    );

    // At the current version the same write goes through.
    let now = d
        .get_person(&created.entry.id, &SchoolScope::All)
        .await
        .unwrap()
        .unwrap();
    let updated = d
        .update_person_at(
            PersonAt {
                id: &created.entry.id,
                version: Some(&now.meta.version),
                read: None,
            },
            &changed,
        )
        .await
        .unwrap();
    assert_eq!(updated.profile.display_name.as_deref(), Some("Pan Wiktor"));
    // Attributes slapo-unique checks (userName, externalId) are written the same way.
    let mut renamed = updated.profile.clone();
    renamed.user_name = Some(format!("wiktor.{}@x.example", school.code));
    renamed.external_id = Some(format!("hr-w-{}", school.code));
    let renamed = d
        .update_person_at(
            PersonAt {
                id: &created.entry.id,
                version: Some(&updated.meta.version),
                read: None,
            },
            &renamed,
        )
        .await
        .unwrap();
    assert!(renamed.profile.user_name.unwrap().starts_with("wiktor."));
    // Nothing to write at a stale version is refused as well.
    let e = d
        .update_person_at(
            PersonAt {
                id: &created.entry.id,
                version: Some(&read_version),
                read: None,
            },
            &renamed_now(&d, &created.entry.id).await,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, DirectoryError::VersionChanged(_)), "{e}");
}

/// The person's profile as it is now.
async fn renamed_now(d: &LdapDirectory, id: &str) -> zszo_connector::ports::PersonProfile {
    d.get_person(id, &SchoolScope::All)
        .await
        .unwrap()
        .unwrap()
        .profile
}
