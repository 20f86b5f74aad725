//! People through the `Directory` port against a real slapd: full profiles, userName
//! uniqueness, updates, moves between schools, sign-in locks and deletion (searching is in
//! `ldap_people_search`). Each test uses its own schools; results are also
//! checked directly in LDAP as the rootdn.

use crate::ldap_directory::{admin_read, directory, login, new_school, person, person_name};
use time::OffsetDateTime;
use zszo_connector::domain::query::{
    CompareOp, EmailKind, Filter, PersonAttr as P, PersonFilter, PhoneKind, Value,
};
use zszo_connector::domain::{AccountState, EmployeeNumber, Position, School};
use zszo_connector::ldap::LdapDirectory;
use zszo_connector::ports::directory_parts::*;
use zszo_connector::ports::{
    ContactEmail, ContactPhone, DirectoryError, Employment, PersonEntry, PersonSearch, SchoolScope,
};

#[path = "ldap_people_lifecycle.rs"]
mod lifecycle;
#[path = "ldap_people_updates.rs"]
mod updates;

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
