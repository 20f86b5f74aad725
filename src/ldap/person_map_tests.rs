//! Unit tests of person entries ↔ `PersonProfile`.

use super::*;
use crate::domain::query::EmailKind;
use crate::ldap::test_fixtures::{code, email, entry, phone};
use crate::ports::{DirectoryError, NewCredentials, PasswordHash};
use std::collections::HashMap;
use time::macros::datetime;

fn name(given: &str, family: &str) -> PersonName {
    PersonName {
        given: GivenName::parse(given).unwrap(),
        family: FamilyName::parse(family).unwrap(),
    }
}

fn new_person(credentials: Option<NewCredentials>) -> NewPerson {
    NewPerson {
        login: LoginName::parse("lukasz.zolc").unwrap(),
        profile: PersonProfile {
            display_name: Some("Łukasz Żółć-Nowak".to_owned()),
            employee_number: Some(EmployeeNumber::parse("KR/2024/7").unwrap()),
            position: Some(Position::parse("nauczyciel matematyki").unwrap()),
            ..PersonProfile::new(
                name("Łukasz", "Żółć-Nowak"),
                Employment {
                    primary: code("SP-1"),
                    others: vec![code("LO-5"), code("SP-1")],
                },
            )
        },
        credentials,
        created_by: "admin:anna.nowak".to_owned(),
    }
}

fn credentials(
    hash: &str,
    state: AccountState,
    must_change: bool,
    expires_at: Option<OffsetDateTime>,
) -> NewCredentials {
    NewCredentials {
        hash: PasswordHash(hash.to_owned()),
        state,
        must_change,
        expires_at,
    }
}

/// The attributes of `person`'s new entry (no manager), by name; each must stand once.
fn new_entry_attrs(
    person: &NewPerson,
    layout: &Layout,
    eppn_scope: &str,
    now: OffsetDateTime,
) -> HashMap<String, HashSet<String>> {
    let mut map = HashMap::new();
    for (k, v) in person_attrs(person, layout, eppn_scope, None, now) {
        assert!(map.insert(k.clone(), v).is_none(), "attribute {k} twice");
    }
    map
}

fn set(values: &[&str]) -> HashSet<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

#[test]
fn a_person_without_credentials_has_every_identity_attribute() {
    let layout = Layout::new("dc=zszo,dc=krakow,dc=pl").unwrap();
    let now = datetime!(2025-03-01 10:00:00 UTC);
    let a = new_entry_attrs(&new_person(None), &layout, "zszo.krakow.pl", now);
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
    assert_eq!(a["zszoSearchName"], set(&["lukasz zolc-nowak"]));
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
    let creds = credentials(
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
        AccountState::AwaitingFirstLogin,
        true,
        Some(datetime!(2025-03-08 10:00:00 +01:00)),
    );
    let now = datetime!(2025-03-01 09:08:07 UTC);
    let a = new_entry_attrs(&new_person(Some(creds)), &layout, "x.pl", now);
    let without = new_entry_attrs(&new_person(None), &layout, "x.pl", now);
    // Exactly these attributes differ from the entry without credentials.
    let changed: HashMap<&str, HashSet<String>> = a
        .iter()
        .filter(|(k, v)| without.get(*k) != Some(v))
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let expected = HashMap::from([
        (
            "userPassword",
            set(&["{ARGON2}$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"]),
        ),
        ("pwdReset", set(&["TRUE"])),
        ("pwdEndTime", set(&["20250308090000Z"])),
        ("zszoInitialPasswordExpiry", set(&["20250308090000Z"])),
        ("zszoAccountState", set(&["awaiting-first-login"])),
        ("zszoAccountCreatedBy", set(&["admin:anna.nowak"])),
        ("zszoAccountCreatedAt", set(&["20250301090807Z"])),
    ]);
    assert_eq!(changed, expected);
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
            ("createTimestamp", &["20250102010405Z"]),
            ("modifyTimestamp", &["20250102010406Z"]),
            ("entryCSN", &["20250102010406.000000Z#000000#000#000000"]),
            ("mail", &["jan@x.pl", "j.k@x.pl"]),
            ("mobile", &["+48 600"]),
            ("telephoneNumber", &["+48 12"]),
            ("manager", &["uid=boss,dc=x"]),
            ("memberOf", &["cn=g,dc=x"]),
            ("zszoEmploymentActive", &["FALSE"]),
        ],
    );
    let raw = person_from_entry(&e).unwrap();
    assert_eq!(raw.manager_dn.as_deref(), Some("uid=boss,dc=x"));
    assert_eq!(raw.member_of, ["cn=g,dc=x"]);
    let p = raw.person;
    assert_eq!(p.meta.version, "20250102010406.000000Z#000000#000#000000");
    assert_eq!(p.meta.created, datetime!(2025-01-02 01:04:05 UTC));
    assert_eq!(
        p.profile.emails,
        [
            email("jan@x.pl", Some(EmailKind::Work), true),
            email("j.k@x.pl", Some(EmailKind::Work), false)
        ]
    );
    assert_eq!(
        p.profile.phones,
        [
            phone("+48 12", Some(PhoneKind::Work), true),
            phone("+48 600", Some(PhoneKind::Mobile), false)
        ]
    );
    assert!(!p.profile.employment_active);
    assert_eq!(p.entry.id, "0b2f3c1e-1111-4c4c-8888-123456789abc");
    assert_eq!(p.login.as_str(), "jan.kowalski");
    assert_eq!(p.profile.name, name("Jan", "Kowalski"));
    assert_eq!(p.profile.employee_number, None);
    assert_eq!(p.profile.position.unwrap().as_str(), "dyrektor");
    assert_eq!(p.profile.employment.primary, code("SP-1"));
    assert_eq!(p.profile.employment.others, [code("LO-5"), code("ZS-3")]);
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
        ("createTimestamp", &["20250102010405Z"]),
        ("modifyTimestamp", &["20250102010405Z"]),
        ("entryCSN", &["csn"]),
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
fn multi_valued_attributes_are_written_in_order_primary_first() {
    let layout = Layout::new("dc=x").unwrap();
    let mut p = new_person(None).profile;
    p.emails = vec![
        email("b@x.pl", Some(EmailKind::Home), false),
        email("a@x.pl", Some(EmailKind::Work), true),
        email("A@X.pl", None, false),
    ];
    p.phones = vec![
        phone("1", Some(PhoneKind::Other), false),
        phone("2", Some(PhoneKind::Fax), false),
        phone("3", None, true),
    ];
    p.department = Some("  ".into());
    let values: std::collections::HashMap<_, _> = hr_values(&p, &layout, Some("uid=m,dc=x"))
        .into_iter()
        .collect();
    assert_eq!(
        values["mail"],
        ["a@x.pl", "b@x.pl"],
        "primary first, case-insensitive repeats dropped"
    );
    assert_eq!(values["telephoneNumber"], ["3", "1"]);
    assert_eq!(values["facsimileTelephoneNumber"], ["2"]);
    assert!(values["departmentNumber"].is_empty(), "blank is absent");
    assert_eq!(values["manager"], ["uid=m,dc=x"]);
    let mods = replace_mods(vec![("mail", vec!["a".into(), "b".into()]), ("o", vec![])]);
    assert_eq!(
        mods,
        [
            Mod::Replace("mail".into(), HashSet::from(["a".to_owned()])),
            Mod::Add("mail".into(), HashSet::from(["b".to_owned()])),
            Mod::Replace("o".into(), HashSet::new()),
        ]
    );
    // No EQUALITY rule on fax numbers: slapd refuses an `add` of more values.
    let fax = replace_mods(vec![(
        "facsimileTelephoneNumber",
        vec!["1".into(), "2".into()],
    )]);
    assert_eq!(
        fax,
        [Mod::Replace(
            "facsimileTelephoneNumber".into(),
            HashSet::from(["1".to_owned(), "2".to_owned()])
        )]
    );
}

#[test]
fn an_inactive_person_with_credentials_is_created_locked() {
    let layout = Layout::new("dc=x").unwrap();
    let creds = credentials("h", AccountState::Active, false, None);
    let mut p = new_person(Some(creds));
    p.profile.employment_active = false;
    let a = new_entry_attrs(&p, &layout, "x", datetime!(2025-01-01 0:00 UTC));
    assert_eq!(a["pwdAccountLockedTime"], set(&[PERMANENT_LOCK]));
    assert_eq!(a["zszoEmploymentActive"], set(&["FALSE"]));
    p.credentials = None;
    let a = new_entry_attrs(&p, &layout, "x", datetime!(2025-01-01 0:00 UTC));
    assert!(
        !a.contains_key("pwdAccountLockedTime"),
        "no credentials, nothing to lock"
    );
}
