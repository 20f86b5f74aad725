//! Unit tests of entry ↔ domain mapping.

use super::*;
use crate::ports::{NewCredentials, PasswordHash};
use std::collections::HashMap;
use time::macros::datetime;

fn code(s: &str) -> SchoolCode {
    SchoolCode::parse(s).unwrap()
}

fn name(given: &str, family: &str) -> PersonName {
    PersonName {
        given: GivenName::parse(given).unwrap(),
        family: FamilyName::parse(family).unwrap(),
    }
}

fn new_person(credentials: Option<NewCredentials>) -> NewPerson {
    NewPerson {
        login: LoginName::parse("lukasz.zolc").unwrap(),
        name: name("Łukasz", "Żółć-Nowak"),
        employee_number: Some(EmployeeNumber::parse("KR/2024/7").unwrap()),
        position: Some(Position::parse("nauczyciel matematyki").unwrap()),
        employment: Employment {
            primary: code("SP-1"),
            others: vec![code("LO-5"), code("SP-1")],
        },
        credentials,
        created_by: "admin:anna.nowak".to_owned(),
    }
}

fn as_map(attrs: Vec<AddAttr>) -> HashMap<String, HashSet<String>> {
    let mut map = HashMap::new();
    for (k, v) in attrs {
        assert!(map.insert(k.clone(), v).is_none(), "attribute {k} twice");
    }
    map
}

fn set(values: &[&str]) -> HashSet<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

fn entry(dn: &str, attrs: &[(&str, &[&str])]) -> SearchEntry {
    SearchEntry {
        dn: dn.to_owned(),
        attrs: attrs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.iter().map(|s| (*s).to_owned()).collect()))
            .collect(),
        bin_attrs: HashMap::new(),
    }
}

#[test]
fn a_person_without_credentials_has_every_identity_attribute() {
    let layout = Layout::new("dc=zszo,dc=krakow,dc=pl").unwrap();
    let now = datetime!(2025-03-01 10:00:00 UTC);
    let a = as_map(person_attrs(
        &new_person(None),
        &layout,
        "zszo.krakow.pl",
        now,
    ));
    assert_eq!(a["uid"], set(&["lukasz.zolc"]));
    assert_eq!(a["cn"], set(&["Łukasz Żółć-Nowak"]));
    assert_eq!(a["displayName"], set(&["Łukasz Żółć-Nowak"]));
    assert_eq!(a["sn"], set(&["Żółć-Nowak"]));
    assert_eq!(a["givenName"], set(&["Łukasz"]));
    assert_eq!(a["employeeNumber"], set(&["KR/2024/7"]));
    assert_eq!(a["title"], set(&["nauczyciel matematyki"]));
    assert_eq!(a["zszoSchoolCode"], set(&["SP-1", "LO-5"]));
    assert_eq!(a["zszoPrimarySchoolCode"], set(&["SP-1"]));
    assert_eq!(a["zszoEmploymentActive"], set(&["TRUE"]));
    assert_eq!(a["zszoAccountState"], set(&["none"]));
    assert_eq!(
        a["zszoSearchName"],
        set(&["lukasz zolc-nowak", "zolc-nowak lukasz"])
    );
    assert_eq!(a["eduPersonAffiliation"], set(&["staff", "employee"]));
    assert_eq!(
        a["eduPersonPrincipalName"],
        set(&["lukasz.zolc@zszo.krakow.pl"])
    );
    assert_eq!(
        a["eduPersonOrgUnitDN"],
        set(&[
            "ou=SP-1,ou=placowki,dc=zszo,dc=krakow,dc=pl",
            "ou=LO-5,ou=placowki,dc=zszo,dc=krakow,dc=pl"
        ])
    );
    assert_eq!(
        a["eduPersonPrimaryOrgUnitDN"],
        set(&["ou=SP-1,ou=placowki,dc=zszo,dc=krakow,dc=pl"])
    );
    assert!(a["objectClass"].contains("zszoPerson"));
    assert!(a["objectClass"].contains("eduPerson"));
    for absent in [
        "userPassword",
        "pwdReset",
        "pwdEndTime",
        "zszoAccountCreatedBy",
    ] {
        assert!(!a.contains_key(absent), "{absent}");
    }
}

#[test]
fn credentials_add_password_reset_and_expiry() {
    let layout = Layout::new("dc=zszo,dc=krakow,dc=pl").unwrap();
    let creds = NewCredentials {
        hash: PasswordHash("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned()),
        state: AccountState::AwaitingFirstLogin,
        must_change: true,
        expires_at: Some(datetime!(2025-03-08 10:00:00 +01:00)),
    };
    let now = datetime!(2025-03-01 09:08:07 UTC);
    let a = as_map(person_attrs(&new_person(Some(creds)), &layout, "x.pl", now));
    assert_eq!(
        a["userPassword"],
        set(&["{ARGON2}$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"])
    );
    assert_eq!(a["pwdReset"], set(&["TRUE"]));
    assert_eq!(a["pwdEndTime"], set(&["20250308090000Z"]));
    assert_eq!(a["zszoInitialPasswordExpiry"], set(&["20250308090000Z"]));
    assert_eq!(a["zszoAccountState"], set(&["awaiting-first-login"]));
    assert_eq!(a["zszoAccountCreatedBy"], set(&["admin:anna.nowak"]));
    assert_eq!(a["zszoAccountCreatedAt"], set(&["20250301090807Z"]));
}

#[test]
fn a_person_entry_parses_with_case_insensitive_names() {
    let e = entry(
        "uid=jan.kowalski,ou=pracownicy,ou=SP-1,ou=placowki,dc=x",
        &[
            ("entryUUID", &["0b2f3c1e-1111-4c4c-8888-123456789abc"]),
            ("uid", &["jan.kowalski"]),
            ("givenname", &["Jan"]),
            ("SN", &["Kowalski"]),
            ("title", &["dyrektor"]),
            ("zszoSchoolCode", &["SP-1", "ZS-3", "LO-5"]),
            ("zszoPrimarySchoolCode", &["SP-1"]),
            ("zszoAccountState", &["active"]),
        ],
    );
    let p = person_from_entry(&e).unwrap();
    assert_eq!(p.entry.id, "0b2f3c1e-1111-4c4c-8888-123456789abc");
    assert_eq!(p.login.as_str(), "jan.kowalski");
    assert_eq!(p.name, name("Jan", "Kowalski"));
    assert_eq!(p.employee_number, None);
    assert_eq!(p.position.unwrap().as_str(), "dyrektor");
    assert_eq!(p.employment.primary, code("SP-1"));
    assert_eq!(p.employment.others, [code("LO-5"), code("ZS-3")]);
    assert_eq!(p.account_state, AccountState::Active);
}

#[test]
fn a_broken_entry_is_an_error_naming_the_dn_and_attribute() {
    let base: Vec<(&str, &[&str])> = vec![
        ("entryUUID", &["u"]),
        ("uid", &["jan.kowalski"]),
        ("givenName", &["Jan"]),
        ("sn", &["Kowalski"]),
        ("zszoPrimarySchoolCode", &["SP-1"]),
        ("zszoAccountState", &["active"]),
    ];
    let cases: Vec<(&str, Option<&[&str]>, &str)> = vec![
        ("uid", Some(&["bad login!"]), "attribute uid: login"),
        ("sn", None, "attribute sn: is missing"),
        (
            "zszoAccountState",
            Some(&["weird"]),
            "attribute zszoAccountState",
        ),
        (
            "zszoPrimarySchoolCode",
            Some(&["a,b"]),
            "attribute zszoPrimarySchoolCode",
        ),
        ("givenName", Some(&["A", "B"]), "several values"),
        ("entryUUID", None, "attribute entryUUID: is missing"),
    ];
    for (attr, value, expected) in cases {
        let mut attrs: Vec<(&str, &[&str])> =
            base.iter().filter(|(k, _)| *k != attr).cloned().collect();
        if let Some(v) = value {
            attrs.push((attr, v));
        }
        let err = person_from_entry(&entry("uid=x,dc=y", &attrs)).unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, DirectoryError::Other(_)), "{text}");
        assert!(text.contains("\"uid=x,dc=y\""), "{text}");
        assert!(text.contains(expected), "{attr}: {text}");
    }
}

#[test]
fn a_school_entry_parses_and_refuses_bad_names() {
    let ok = entry(
        "ou=SP-1,ou=placowki,dc=x",
        &[
            ("entryUUID", &["id-1"]),
            ("zszoSchoolCode", &["SP-1"]),
            ("displayName", &["Szkoła Podstawowa nr 1 \"Żak\", (*)"]),
        ],
    );
    let s = school_from_entry(&ok).unwrap();
    assert_eq!(s.school.code, code("SP-1"));
    assert_eq!(
        s.school.name.as_str(),
        "Szkoła Podstawowa nr 1 \"Żak\", (*)"
    );
    assert_eq!(s.entry.dn, "ou=SP-1,ou=placowki,dc=x");
    let bad = entry(
        "ou=SP-1,ou=placowki,dc=x",
        &[("entryUUID", &["id-1"]), ("zszoSchoolCode", &["SP-1"])],
    );
    assert!(school_from_entry(&bad)
        .unwrap_err()
        .to_string()
        .contains("displayName"));
}

#[test]
fn generalized_time_is_utc_without_fractions() {
    assert_eq!(
        generalized_time(datetime!(2025-01-02 03:04:05.678 +02:00)),
        "20250102010405Z"
    );
}

#[test]
fn empty_group_members_are_dropped() {
    let values = vec![String::new(), "uid=a,dc=x".to_owned()];
    assert_eq!(real_members(&values).collect::<Vec<_>>(), ["uid=a,dc=x"]);
    assert_eq!(empty_group_attrs("g")[2], attr("member", [""]));
}
