//! Unit tests of the generic entry mapping (schools, times, groups).

use super::*;
use crate::ldap::test_fixtures::{code, entry};
use time::macros::datetime;

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

#[test]
fn generalized_time_parses_as_slapd_writes_it() {
    assert_eq!(
        parse_generalized_time("20250102010405Z"),
        Some(datetime!(2025-01-02 01:04:05 UTC))
    );
    assert_eq!(
        parse_generalized_time("20250102010405.123456Z"),
        Some(datetime!(2025-01-02 01:04:05 UTC))
    );
    assert_eq!(parse_generalized_time("20251302010405Z"), None);
    assert_eq!(parse_generalized_time("2025"), None);
    assert_eq!(parse_generalized_time("20250102010405"), None);
}

#[test]
fn attributes_are_found_in_any_spelling_of_their_name() {
    let e = entry(
        "uid=a,dc=x",
        &[("givenName", &["Anna"]), ("SN", &["Nowak", "Kowalska"])],
    );
    let r = Reader(&e);
    assert_eq!(r.values("givenName"), ["Anna"]);
    assert_eq!(r.values("GIVENNAME"), ["Anna"]);
    assert_eq!(r.values("sn"), ["Nowak", "Kowalska"]);
    assert!(r.values("mail").is_empty());
}
