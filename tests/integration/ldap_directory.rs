//! `LdapDirectory` against a real slapd (the shared harness in `common`): layout, schools,
//! people, uniqueness, escaping, password checks, failure modes and retry discipline.
//! Every test works in its own school (`unique_school_code()`), so they run in parallel.

use crate::common;
use argon2::password_hash::{PasswordHasher, SaltString};
use ldap3::{Scope, SearchEntry};
use secrecy::SecretString;
use std::collections::HashMap;
use std::time::Duration;
use time::OffsetDateTime;
use zszo_connector::domain::{
    AccountState, EmployeeNumber, FamilyName, GivenName, LoginName, PersonName, Position, School,
    SchoolCode, SchoolName,
};
use zszo_connector::ldap::{LdapDirectory, LdapOptions};
use zszo_connector::ports::directory_parts::*;
use zszo_connector::ports::{
    AdminRole, DirectoryError, Employment, NewCredentials, NewPerson, PasswordHash, PersonProfile,
};

#[path = "ldap_directory_escaping.rs"]
mod escaping;
#[path = "ldap_directory_failures.rs"]
mod failures;
#[path = "ldap_directory_passwords.rs"]
mod passwords;
#[path = "ldap_directory_write_places.rs"]
mod write_places;

// ---- helpers ----

pub(crate) fn options_for(url: &str) -> LdapOptions {
    let t = common::ldap();
    let mut o = LdapOptions::new(
        url,
        &t.base_dn,
        &t.service_dn,
        SecretString::from(t.service_password.to_string()),
    );
    o.pool_size = 2;
    o.connect_timeout = Duration::from_secs(3);
    o.operation_timeout = Duration::from_secs(5);
    o
}

pub(crate) async fn directory() -> LdapDirectory {
    let d = LdapDirectory::connect(options_for(&common::ldap().url))
        .await
        .expect("connect to the test slapd");
    d.ensure_layout().await.expect("layout");
    d
}

pub(crate) async fn new_school(d: &LdapDirectory, name: &str) -> School {
    let school = School {
        code: SchoolCode::parse(&common::unique_school_code()).unwrap(),
        name: SchoolName::parse(name).unwrap(),
    };
    d.create_school(&school).await.expect("create school");
    school
}

pub(crate) fn login(school: &School, stem: &str) -> LoginName {
    LoginName::parse(&format!(
        "{stem}.{}",
        school.code.as_str().to_ascii_lowercase()
    ))
    .unwrap()
}

pub(crate) fn person_name(given: &str, family: &str) -> PersonName {
    PersonName {
        given: GivenName::parse(given).unwrap(),
        family: FamilyName::parse(family).unwrap(),
    }
}

pub(crate) fn hash(password: &str) -> PasswordHash {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>()).unwrap();
    PasswordHash(
        argon2::Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .unwrap()
            .to_string(),
    )
}

pub(crate) fn person(login: LoginName, name: PersonName, primary: &School) -> NewPerson {
    let employment = Employment {
        primary: primary.code.clone(),
        others: Vec::new(),
    };
    NewPerson {
        login,
        profile: PersonProfile {
            display_name: Some(name.full()),
            ..PersonProfile::new(name, employment)
        },
        credentials: None,
        created_by: "test".to_owned(),
    }
}

pub(crate) fn credentials(password: &str, expires_at: Option<OffsetDateTime>) -> NewCredentials {
    NewCredentials {
        hash: hash(password),
        state: AccountState::AwaitingFirstLogin,
        must_change: true,
        expires_at,
    }
}

/// Reads an entry as the directory administrator, independently of the adapter.
pub(crate) async fn admin_read(dn: &str, attrs: &[&str]) -> Option<HashMap<String, Vec<String>>> {
    let mut ldap = common::connect_admin().await;
    let res = ldap
        .search(dn, Scope::Base, "(objectClass=*)", attrs.to_vec())
        .await
        .unwrap();
    let _ = ldap.unbind().await;
    if res.1.rc == 32 {
        return None;
    }
    let (entries, _) = res.success().unwrap();
    entries
        .into_iter()
        .next()
        .map(|e| SearchEntry::construct(e).attrs)
}

fn set(values: &[String]) -> std::collections::BTreeSet<&str> {
    values.iter().map(String::as_str).collect()
}

// ---- tests ----

#[tokio::test]
async fn layout_is_created_once_and_then_left_alone() {
    let d = directory().await;
    assert_eq!(d.ensure_layout().await.unwrap(), Vec::<String>::new());
    d.ping().await.unwrap();
    let dn = d.layout().schools_dn();
    assert!(admin_read(&dn, &["ou"]).await.is_some());
}

#[tokio::test]
async fn a_created_school_can_be_found_and_listed_with_its_containers() {
    let d = directory().await;
    let school = new_school(&d, "Szkoła Podstawowa nr 1 im. Jana Matejki").await;
    let found = d.find_school(&school.code).await.unwrap().unwrap();
    assert_eq!(found.school, school);
    assert_eq!(found.entry.dn, d.layout().school_dn(&school.code));
    assert!(!found.entry.id.is_empty());
    let listed = d.list_schools().await.unwrap();
    assert!(listed.contains(&found));

    for dn in [
        d.layout().people_dn(&school.code),
        d.layout().groups_dn(&school.code),
    ] {
        assert!(admin_read(&dn, &["ou"]).await.is_some(), "{dn}");
    }
    let group = admin_read(&d.layout().local_admins_dn(&school.code), &["member"])
        .await
        .unwrap();
    assert_eq!(group["member"], [""]);

    let again = d.create_school(&school).await.unwrap_err();
    assert!(
        matches!(again, DirectoryError::AlreadyExists { .. }),
        "{again}"
    );
    let other = SchoolCode::parse(&common::unique_school_code()).unwrap();
    assert_eq!(d.find_school(&other).await.unwrap(), None);
}

#[tokio::test]
async fn a_person_reads_back_with_every_field_and_polish_letters() {
    let d = directory().await;
    let school = new_school(&d, "Zespół Szkół Łączności").await;
    let mut p = person(
        login(&school, "lukasz.zolc"),
        person_name("Łukasz", "Żółć-Ąę"),
        &school,
    );
    p.profile.employee_number =
        Some(EmployeeNumber::parse(&format!("KR/{}", school.code)).unwrap());
    p.profile.position = Some(Position::parse("nauczyciel języka polskiego").unwrap());
    let expires = OffsetDateTime::now_utc() + time::Duration::days(7);
    p.credentials = Some(credentials("Pierwsze-Hasło-123", Some(expires)));
    p.created_by = "admin:anna.nowak".to_owned();

    let created = d.create_person(&p).await.unwrap();
    assert_eq!(created.login, p.login);
    assert_eq!(created.profile.name, p.profile.name);
    assert_eq!(created.profile.employee_number, p.profile.employee_number);
    assert_eq!(created.profile.position, p.profile.position);
    assert_eq!(created.profile.employment, p.profile.employment);
    assert_eq!(created.account_state, AccountState::AwaitingFirstLogin);
    assert_eq!(
        created.entry.dn,
        d.layout().person_dn(&school.code, &p.login)
    );

    let by_login = d.find_person_by_login(&p.login).await.unwrap().unwrap();
    assert_eq!(by_login, created);
    let by_number = d
        .find_person_by_employee_number(p.profile.employee_number.as_ref().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_number, created);

    let raw = admin_read(&created.entry.dn, &["*", "+"]).await.unwrap();
    assert_eq!(raw["cn"], ["Łukasz Żółć-Ąę"]);
    assert_eq!(raw["displayName"], ["Łukasz Żółć-Ąę"]);
    // One folded value (issue 17: each value's substring keys cost every add).
    assert_eq!(set(&raw["zszoSearchName"]), ["lukasz zolc-ae"].into());
    assert_eq!(raw["zszoEmploymentActive"], ["TRUE"]);
    assert_eq!(raw["entryUUID"], [created.entry.id.as_str()]);
    assert_eq!(
        raw["eduPersonPrincipalName"],
        [format!("{}@{}", p.login, d_scope())]
    );
    assert_eq!(
        set(&raw["eduPersonAffiliation"]),
        ["employee", "staff"].into()
    );
    assert_eq!(
        raw["eduPersonPrimaryOrgUnitDN"],
        [d.layout().school_dn(&school.code)]
    );
    assert!(raw["userPassword"][0].starts_with("{ARGON2}$argon2id$"));
    assert_eq!(raw["pwdReset"], ["TRUE"]);
    let end = &raw["pwdEndTime"][0];
    assert_eq!(end.len(), 15, "{end}");
    assert!(end.ends_with('Z'));
    assert_eq!(raw["zszoInitialPasswordExpiry"], [end.as_str()]);
    assert_eq!(raw["zszoAccountCreatedBy"], ["admin:anna.nowak"]);
    assert!(raw.contains_key("zszoAccountCreatedAt"));
}

fn d_scope() -> String {
    zszo_connector::ldap::names::eppn_scope_from_base(&common::ldap().base_dn).unwrap()
}

#[tokio::test]
async fn a_person_can_work_at_two_schools() {
    let d = directory().await;
    let first = new_school(&d, "Szkoła Podstawowa nr 2").await;
    let second = new_school(&d, "Liceum Ogólnokształcące nr 5").await;
    let mut p = person(
        login(&first, "anna.nowak"),
        person_name("Anna", "Nowak"),
        &first,
    );
    p.profile.employment.others = vec![second.code.clone()];
    let created = d.create_person(&p).await.unwrap();
    assert_eq!(created.profile.employment.primary, first.code);
    assert_eq!(created.profile.employment.others, vec![second.code.clone()]);
    let raw = admin_read(&created.entry.dn, &["eduPersonOrgUnitDN", "zszoSchoolCode"])
        .await
        .unwrap();
    assert_eq!(
        set(&raw["zszoSchoolCode"]),
        [first.code.as_str(), second.code.as_str()].into()
    );
    let units = [
        d.layout().school_dn(&first.code),
        d.layout().school_dn(&second.code),
    ];
    assert_eq!(set(&raw["eduPersonOrgUnitDN"]), set(&units));
}

#[tokio::test]
async fn a_login_taken_anywhere_in_the_city_is_already_exists() {
    let d = directory().await;
    let first = new_school(&d, "Szkoła Podstawowa nr 3").await;
    let second = new_school(&d, "Szkoła Podstawowa nr 4").await;
    let taken = login(&first, "jan.kowalski");
    d.create_person(&person(
        taken.clone(),
        person_name("Jan", "Kowalski"),
        &first,
    ))
    .await
    .unwrap();

    let same_school = d
        .create_person(&person(
            taken.clone(),
            person_name("Jan", "Kowalski"),
            &first,
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(same_school, DirectoryError::AlreadyExists { .. }),
        "{same_school}"
    );

    let other_school = d
        .create_person(&person(
            taken.clone(),
            person_name("Jan", "Kowalski"),
            &second,
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(other_school, DirectoryError::AlreadyExists { .. }),
        "{other_school}"
    );

    let next = LoginName::parse(&format!("{taken}2")).unwrap();
    d.create_person(&person(next, person_name("Jan", "Kowalski"), &second))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_person_in_a_school_that_does_not_exist_is_not_found() {
    let d = directory().await;
    let ghost = School {
        code: SchoolCode::parse(&common::unique_school_code()).unwrap(),
        name: SchoolName::parse("Nie ma").unwrap(),
    };
    let e = d
        .create_person(&person(login(&ghost, "x"), person_name("X", "Y"), &ghost))
        .await
        .unwrap_err();
    assert!(matches!(e, DirectoryError::NotFound(_)), "{e}");
}

#[tokio::test]
async fn granting_a_role_is_idempotent() {
    let d = directory().await;
    let school = new_school(&d, "Szkoła Podstawowa nr 7").await;
    let created = d
        .create_person(&person(
            login(&school, "ewa.dyrektor"),
            person_name("Ewa", "Dyrektor"),
            &school,
        ))
        .await
        .unwrap();
    let role = AdminRole::LocalAdministrator(school.code.clone());
    assert!(d.grant_role(&created.entry, &role).await.unwrap());
    assert!(!d.grant_role(&created.entry, &role).await.unwrap());
    let group = admin_read(&d.layout().local_admins_dn(&school.code), &["member"])
        .await
        .unwrap();
    assert_eq!(
        set(&group["member"]),
        ["", created.entry.dn.as_str()].into()
    );

    let mut ghost = created.entry.clone();
    ghost.dn = d
        .layout()
        .person_dn(&school.code, &login(&school, "nobody"));
    let e = d.grant_role(&ghost, &role).await.unwrap_err();
    assert!(matches!(e, DirectoryError::NotFound(_)), "{e}");
}
