//! People through the `Directory` port against a real slapd: full profiles, userName
//! uniqueness, updates, moves between schools, sign-in locks and deletion (searching is in
//! `ldap_people_search`). Each test uses its own schools; results are also
//! checked directly in LDAP as the rootdn.

use crate::common;
use crate::ldap_directory::{
    admin_read, credentials, directory, login, new_school, person, person_name,
};
use ldap3::Mod;
use secrecy::SecretString;
use std::collections::HashSet;
use time::OffsetDateTime;
use zszo_connector::domain::query::{
    CompareOp, EmailKind, Filter, PersonAttr as P, PersonFilter, PhoneKind, Value,
};
use zszo_connector::domain::{AccountState, EmployeeNumber, Position, School};
use zszo_connector::ldap::LdapDirectory;
use zszo_connector::ports::directory_parts::*;
use zszo_connector::ports::{
    ContactEmail, ContactPhone, DirectoryError, Employment, GroupProfile, PersonAt, PersonEntry,
    PersonSearch, SchoolScope,
};

pub(crate) fn s(v: &str) -> Value {
    Value::Str(v.to_owned())
}

pub(crate) fn eq(a: P, v: &str) -> PersonFilter {
    Filter::Compare(a, CompareOp::Eq, s(v))
}

pub(crate) fn only(schools: &[&School]) -> SchoolScope {
    SchoolScope::Only(schools.iter().map(|s| s.code.clone()).collect())
}

pub(crate) fn search(filter: Option<PersonFilter>, scope: SchoolScope) -> PersonSearch {
    PersonSearch {
        filter,
        scope,
        sort: None,
        start_index: 1,
        count: 100,
    }
}

/// The logins a search in `school` finds, sorted.
pub(crate) async fn logins(
    d: &LdapDirectory,
    school: &School,
    filter: PersonFilter,
) -> Vec<String> {
    let page = d
        .search_people(&search(Some(filter), only(&[school])))
        .await
        .unwrap();
    assert_eq!(page.total, page.items.len());
    let mut found: Vec<String> = page.items.iter().map(|p| p.login.to_string()).collect();
    found.sort();
    found
}

pub(crate) async fn add(
    d: &LdapDirectory,
    school: &School,
    stem: &str,
    given: &str,
    family: &str,
) -> PersonEntry {
    d.create_person(&person(
        login(school, stem),
        person_name(given, family),
        school,
    ))
    .await
    .unwrap()
}

#[tokio::test]
async fn a_person_with_the_full_profile_reads_back_as_written() {
    let d = directory().await;
    let (a, b) = (new_school(&d, "SP A").await, new_school(&d, "LO B").await);
    let boss = add(&d, &a, "dyr", "Dorota", "Dyrektorska").await;
    let mut p = person(login(&a, "anna"), person_name("Anna", "Żółkiewska"), &a);
    let profile = &mut p.profile;
    profile.display_name = Some("Pani Ania".into());
    profile.user_name = Some(format!("Anna.Z@{}.example", a.code));
    profile.external_id = Some(format!("hr-{}", a.code));
    profile.employee_number = Some(EmployeeNumber::parse(&format!("E-{}", a.code)).unwrap());
    profile.position = Some(Position::parse("nauczycielka fizyki").unwrap());
    profile.emails = vec![
        ContactEmail {
            value: format!("anna@{}.example", a.code),
            kind: Some(EmailKind::Work),
            primary: true,
        },
        ContactEmail {
            value: format!("ania@{}.example", a.code),
            kind: None,
            primary: false,
        },
        ContactEmail {
            value: format!("ania.domowy@{}.example", a.code),
            kind: Some(EmailKind::Home),
            primary: false,
        },
    ];
    profile.formatted_name = Some("dr Anna Żółkiewska".into());
    profile.phones = vec![
        ContactPhone {
            value: "+48 600 700 800".into(),
            kind: Some(PhoneKind::Mobile),
            primary: false,
        },
        ContactPhone {
            value: "+48 12 111 22 33".into(),
            kind: Some(PhoneKind::Work),
            primary: true,
        },
        ContactPhone {
            value: "+48 12 444 55 66".into(),
            kind: Some(PhoneKind::Home),
            primary: false,
        },
        ContactPhone {
            value: "+48 12 999 00 00".into(),
            kind: Some(PhoneKind::Fax),
            primary: false,
        },
    ];
    profile.department = Some("fizyka".into());
    profile.organization = Some("ZSZO Kraków".into());
    profile.manager = Some(boss.entry.id.clone());
    profile.employment = Employment {
        primary: a.code.clone(),
        others: vec![b.code.clone()],
    };
    let created = d.create_person(&p).await.unwrap();

    let read = d
        .get_person(&created.entry.id, &SchoolScope::All)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read, created);
    // Types, primary flags, order and the formatted name are kept (zszoScimContact,
    // zszoFormattedName), also where LDAP's own attributes could not say them.
    assert_eq!(read.profile, p.profile);
    assert_eq!(read.account_state, AccountState::None);
    assert!(read.groups.is_empty());
    assert!(!read.meta.version.is_empty());
    assert!(read.meta.created <= read.meta.modified);
    assert!(
        (OffsetDateTime::now_utc() - read.meta.created)
            .whole_minutes()
            .abs()
            < 5
    );

    let raw = admin_read(
        &created.entry.dn,
        &[
            "mail",
            "mobile",
            "homePhone",
            "facsimileTelephoneNumber",
            "manager",
            "departmentNumber",
            "o",
            "zszoExternalUserName",
            "zszoSchoolCode",
            "displayName",
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        raw["mail"],
        [
            format!("anna@{}.example", a.code),
            format!("ania@{}.example", a.code),
            format!("ania.domowy@{}.example", a.code)
        ]
    );
    assert_eq!(raw["mobile"], ["+48 600 700 800"]);
    assert_eq!(raw["manager"], std::slice::from_ref(&boss.entry.dn));
    assert_eq!(raw["o"], ["ZSZO Kraków"]);
    assert_eq!(raw["displayName"], ["Pani Ania"]);
    assert_eq!(raw["zszoSchoolCode"].len(), 2);

    let mut unknown = person(login(&a, "bez"), person_name("Bez", "Szefa"), &a);
    unknown.profile.manager = Some("00000000-0000-0000-0000-000000000000".into());
    let e = d.create_person(&unknown).await.unwrap_err();
    assert!(
        matches!(e, DirectoryError::NotFound(ref m) if m.contains("manager")),
        "{e}"
    );
}

#[tokio::test]
async fn a_user_name_is_unique_city_wide_regardless_of_case() {
    let d = directory().await;
    let (a, b) = (new_school(&d, "SP A").await, new_school(&d, "SP B").await);
    let name = format!("Anna.Nowak@{}.Example", a.code);
    let mut first = person(login(&a, "anna"), person_name("Anna", "Nowak"), &a);
    first.profile.user_name = Some(name.clone());
    let first = d.create_person(&first).await.unwrap();
    let mut second = person(login(&b, "anna"), person_name("Anna", "Nowak"), &b);
    second.profile.user_name = Some(name.to_lowercase());
    let e = d.create_person(&second).await.unwrap_err();
    assert!(
        matches!(
            e,
            DirectoryError::AlreadyExists {
                taken: zszo_connector::ports::Unique::UserName,
                ..
            }
        ),
        "{e}"
    );

    second.profile.user_name = None;
    let second = d.create_person(&second).await.unwrap();
    let mut taken = second.profile.clone();
    taken.user_name = Some(name.to_uppercase());
    let e = d.update_person(&second.entry.id, &taken).await.unwrap_err();
    assert!(
        matches!(
            e,
            DirectoryError::AlreadyExists {
                taken: zszo_connector::ports::Unique::UserName,
                ..
            }
        ),
        "{e}"
    );
    // The owner may keep (or re-case) their own name.
    let mut own = first.profile.clone();
    own.user_name = Some(name.to_lowercase());
    d.update_person(&first.entry.id, &own).await.unwrap();
}

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
async fn a_move_to_another_school_keeps_the_id_and_the_groups() {
    let d = directory().await;
    let (a, b) = (
        new_school(&d, "SP stara").await,
        new_school(&d, "SP nowa").await,
    );
    let p = add(&d, &a, "marek", "Marek", "Wędrowny").await;
    let report = {
        let mut r = person(login(&a, "uczen"), person_name("Piotr", "Podwładny"), &a);
        r.profile.manager = Some(p.entry.id.clone());
        d.create_person(&r).await.unwrap()
    };
    let group = d
        .create_group(&GroupProfile {
            display_name: "Projekt Erasmus".into(),
            external_id: None,
            school: a.code.clone(),
            members: vec![p.entry.id.clone()],
        })
        .await
        .unwrap();

    let mut moved = p.profile.clone();
    moved.employment = Employment {
        primary: b.code.clone(),
        others: vec![a.code.clone()],
    };
    let after = d.update_person(&p.entry.id, &moved).await.unwrap();
    assert_eq!(after.entry.id, p.entry.id);
    assert_eq!(after.entry.dn, d.layout().person_dn(&b.code, &p.login));
    assert_eq!(after.profile.employment, moved.employment);
    assert_eq!(
        after.groups.iter().map(|g| &g.id).collect::<Vec<_>>(),
        [&group.entry.id]
    );
    assert!(
        admin_read(&p.entry.dn, &["uid"]).await.is_none(),
        "the old DN is gone"
    );
    let again = d.update_person(&p.entry.id, &moved).await.unwrap();
    assert_eq!(again.meta.version, after.meta.version, "nothing to write");
    let raw = admin_read(
        &after.entry.dn,
        &[
            "eduPersonPrimaryOrgUnitDN",
            "zszoPrimarySchoolCode",
            "memberOf",
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        raw["eduPersonPrimaryOrgUnitDN"],
        [d.layout().school_dn(&b.code)]
    );
    assert_eq!(raw["memberOf"], std::slice::from_ref(&group.entry.dn));
    let g = d
        .get_group(&group.entry.id, &SchoolScope::All)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(g.profile.members, std::slice::from_ref(&p.entry.id));
    let report = d
        .get_person(&report.entry.id, &SchoolScope::All)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        report.profile.manager.as_deref(),
        Some(p.entry.id.as_str()),
        "refint follows the move"
    );

    let mut ghost = moved.clone();
    ghost.employment.primary = zszo_connector::domain::SchoolCode::parse("nie-ma-takiej").unwrap();
    let e = d.update_person(&p.entry.id, &ghost).await.unwrap_err();
    assert!(
        matches!(e, DirectoryError::NotFound(ref m) if m.contains("school")),
        "{e}"
    );
}

#[tokio::test]
async fn inactive_employment_refuses_sign_in_and_keeps_the_entry_readable() {
    let d = directory().await;
    let school = new_school(&d, "SP blokady").await;
    let mut p = person(
        login(&school, "konto"),
        person_name("Konrad", "Kontowy"),
        &school,
    );
    let mut creds = credentials("Haslo-do-konta-1", None);
    (creds.state, creds.must_change) = (AccountState::Active, false);
    p.credentials = Some(creds);
    let created = d.create_person(&p).await.unwrap();
    let password = SecretString::from("Haslo-do-konta-1".to_owned());
    assert!(d.check_password(&created.login, &password).await.unwrap());

    let mut off = created.profile.clone();
    off.employment_active = false;
    let after = d.update_person(&created.entry.id, &off).await.unwrap();
    assert!(!after.profile.employment_active);
    assert!(
        !d.check_password(&created.login, &password).await.unwrap(),
        "locked"
    );
    let raw = admin_read(
        &created.entry.dn,
        &["pwdAccountLockedTime", "zszoEmploymentActive"],
    )
    .await
    .unwrap();
    assert_eq!(raw["pwdAccountLockedTime"], ["000001010000Z"]);
    assert_eq!(raw["zszoEmploymentActive"], ["FALSE"]);
    assert!(d
        .get_person(&created.entry.id, &SchoolScope::All)
        .await
        .unwrap()
        .is_some());
    d.update_person(&created.entry.id, &off).await.unwrap();

    let mut on = off.clone();
    on.employment_active = true;
    d.update_person(&created.entry.id, &on).await.unwrap();
    assert!(
        d.check_password(&created.login, &password).await.unwrap(),
        "unlocked"
    );
    let raw = admin_read(&created.entry.dn, &["pwdAccountLockedTime"])
        .await
        .unwrap();
    assert!(!raw.contains_key("pwdAccountLockedTime"));

    // An account an administrator locked stays locked whatever HR says.
    let mut admin = common::connect_admin().await;
    let locked = vec![
        Mod::Replace("zszoAccountState", HashSet::from(["locked"])),
        Mod::Replace("pwdAccountLockedTime", HashSet::from(["000001010000Z"])),
    ];
    admin
        .modify(&created.entry.dn, locked)
        .await
        .unwrap()
        .success()
        .unwrap();
    let _ = admin.unbind().await;
    let after = d.update_person(&created.entry.id, &on).await.unwrap();
    assert_eq!(after.account_state, AccountState::Locked);
    assert!(
        !d.check_password(&created.login, &password).await.unwrap(),
        "still locked"
    );

    // Without credentials there is nothing to lock, and none are created.
    let plain = add(&d, &school, "bezkonta", "Bez", "Konta").await;
    let mut off = plain.profile.clone();
    off.employment_active = false;
    let after = d.update_person(&plain.entry.id, &off).await.unwrap();
    assert_eq!(after.account_state, AccountState::None);
    let raw = admin_read(&plain.entry.dn, &["pwdAccountLockedTime", "userPassword"])
        .await
        .unwrap();
    assert!(raw.is_empty(), "{raw:?}");
}

#[tokio::test]
async fn a_deleted_person_is_gone_with_their_memberships() {
    let d = directory().await;
    let school = new_school(&d, "SP usuwanie").await;
    let p = add(&d, &school, "odchodzi", "Olga", "Odchodząca").await;
    let group = d
        .create_group(&GroupProfile {
            display_name: "Rada".into(),
            external_id: None,
            school: school.code.clone(),
            members: vec![p.entry.id.clone()],
        })
        .await
        .unwrap();
    d.delete_person(&p.entry.id).await.unwrap();
    assert_eq!(
        d.get_person(&p.entry.id, &SchoolScope::All).await.unwrap(),
        None
    );
    assert!(admin_read(&p.entry.dn, &["uid"]).await.is_none());
    let raw = admin_read(&group.entry.dn, &["member"]).await.unwrap();
    assert_eq!(raw["member"], [""]);
    let e = d.delete_person(&p.entry.id).await.unwrap_err();
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
