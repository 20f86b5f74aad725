use super::*;
use crate::ports::DirectoryError;
use crate::provisioning::login_taken;

fn code(c: &str) -> SchoolCode {
    SchoolCode::parse(c).unwrap()
}

fn emp(primary: &str, others: &[&str]) -> Employment {
    Employment {
        primary: code(primary),
        others: others.iter().map(|c| code(c)).collect(),
    }
}

#[test]
fn only_a_login_clash_moves_on_to_the_next_candidate() {
    use crate::ports::Unique;
    let taken = |what| login_taken(&DirectoryError::taken(what, "uid=x,dc=y"));
    assert!(taken(Unique::Login));
    assert!(!taken(Unique::UserName));
    assert!(!taken(Unique::Email));
    assert!(!taken(Unique::ExternalId));
    assert!(!taken(Unique::Entry));
    assert!(!login_taken(&DirectoryError::Unavailable("x".into())));
}

#[test]
fn a_caller_keeps_the_schools_it_does_not_hold() {
    let scope = SchoolScope::Only(vec![code("A")]);
    let merged = merge_employment(&scope, &emp("A", &["B"]), &emp("A", &[])).unwrap();
    assert_eq!(merged, emp("A", &["B"]));
}

#[test]
fn a_caller_cannot_add_a_school_outside_its_scope() {
    let scope = SchoolScope::Only(vec![code("A")]);
    let e = merge_employment(&scope, &emp("A", &[]), &emp("A", &["C"])).unwrap_err();
    assert!(matches!(e, ProvisioningError::OutOfScope(_)));
}

#[test]
fn a_caller_cannot_move_a_primary_school_it_does_not_hold() {
    let scope = SchoolScope::Only(vec![code("A")]);
    let e = merge_employment(&scope, &emp("B", &["A"]), &emp("A", &[])).unwrap_err();
    assert!(matches!(e, ProvisioningError::OutOfScope(_)));
    // Mentioning the outside school it already has is fine.
    let ok = merge_employment(&scope, &emp("B", &["A"]), &emp("B", &["A"])).unwrap();
    assert_eq!(ok, emp("B", &["A"]));
}

fn person(employment: Employment, active: bool) -> PersonProfile {
    let name = crate::domain::PersonName {
        given: crate::domain::GivenName::parse("Łukasz").unwrap(),
        family: crate::domain::FamilyName::parse("Nowak").unwrap(),
    };
    PersonProfile {
        employment_active: active,
        ..PersonProfile::new(name, employment)
    }
}

#[test]
fn a_secondary_schools_client_changes_only_its_membership() {
    let scope = SchoolScope::Only(vec![code("B")]);
    let before = PersonProfile {
        user_name: Some("l.nowak@hr".into()),
        ..person(emp("A", &["B"]), true)
    };
    // Its `active: false` removes its school; HR's `active` and the rest stay.
    let requested = PersonProfile {
        user_name: Some("hijacked@b".into()),
        ..person(emp("A", &["B"]), false)
    };
    let after = profile_after_change(&scope, &before, requested).unwrap();
    assert_eq!(after.employment, emp("A", &[]));
    assert!(after.employment_active);
    assert_eq!(after.user_name.as_deref(), Some("l.nowak@hr"));
    // Its `active: true` cannot lift the primary school's `active: false`.
    let inactive = person(emp("A", &["B"]), false);
    let after = profile_after_change(&scope, &inactive, person(emp("A", &["B"]), true)).unwrap();
    assert!(!after.employment_active);
}

#[test]
fn the_primary_schools_client_changes_the_global_attributes() {
    let scope = SchoolScope::Only(vec![code("A")]);
    let before = person(emp("A", &["B"]), true);
    let requested = PersonProfile {
        user_name: Some("new@hr".into()),
        ..person(emp("A", &[]), false)
    };
    let after = profile_after_change(&scope, &before, requested).unwrap();
    assert!(!after.employment_active);
    assert_eq!(after.user_name.as_deref(), Some("new@hr"));
    assert_eq!(after.employment, emp("A", &["B"]), "B is not A's to remove");
}

#[test]
fn a_city_wide_caller_moves_people_freely() {
    let merged = merge_employment(&SchoolScope::All, &emp("A", &["B"]), &emp("C", &[])).unwrap();
    assert_eq!(merged, emp("C", &[]));
}
