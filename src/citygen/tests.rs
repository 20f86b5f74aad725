use super::*;
use crate::scim::user::{parse_user, WriteMode};
use std::collections::{HashMap, HashSet};

fn city() -> City {
    City::generate(50, 2_000, 7)
}

#[test]
fn the_same_arguments_give_the_same_city_and_another_seed_another() {
    let (a, b) = (city(), city());
    assert_eq!(a, b);
    assert_eq!(
        people_ldif(&a, "dc=zszo,dc=krakow,dc=pl", "zszo.krakow.pl"),
        people_ldif(&b, "dc=zszo,dc=krakow,dc=pl", "zszo.krakow.pl")
    );
    assert_eq!(
        bulk_requests(&a, 100, 1 << 20),
        bulk_requests(&b, 100, 1 << 20)
    );
    assert_ne!(a, City::generate(50, 2_000, 8));
}

#[test]
fn codes_numbers_ids_and_user_names_are_unique_and_valid() {
    let c = city();
    let codes: HashSet<&str> = c.schools.iter().map(|s| s.code.as_str()).collect();
    assert_eq!(codes.len(), 50);
    for s in &c.schools {
        assert!(s.code.as_str().len() >= 5 && s.code.as_str().bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(SchoolCode::parse(s.code.as_str()).unwrap(), s.code);
    }
    let unique = |f: fn(&GenPerson) -> String| {
        c.people.iter().map(f).collect::<HashSet<_>>().len() == c.people.len()
    };
    assert!(unique(|p| p.employee_number.as_str().to_owned()));
    assert!(unique(|p| p.external_id.clone()));
    assert!(unique(|p| p.user_name.to_lowercase()));
    let ls = logins(&c);
    assert_eq!(ls.iter().collect::<HashSet<_>>().len(), ls.len());
    for l in &ls {
        assert_eq!(&crate::domain::LoginName::parse(l.as_str()).unwrap(), l);
    }
}

#[test]
fn names_collide_within_and_across_schools_and_some_work_at_several() {
    let c = city();
    let mut by_name: HashMap<String, Vec<&GenPerson>> = HashMap::new();
    for p in &c.people {
        by_name.entry(p.name.full()).or_default().push(p);
    }
    let same_school = by_name.values().any(|ps| {
        let schools: HashSet<_> = ps.iter().map(|p| &p.employment.primary).collect();
        schools.len() < ps.len()
    });
    let across = by_name.values().any(|ps| {
        let schools: HashSet<_> = ps.iter().map(|p| &p.employment.primary).collect();
        schools.len() > 1
    });
    assert!(same_school && across);
    let most = by_name.values().map(Vec::len).max().unwrap();
    assert!(most >= 10, "the most frequent name occurs {most} times");
    let several = c
        .people
        .iter()
        .filter(|p| !p.employment.others.is_empty())
        .count();
    assert!((40..300).contains(&several), "{several} at several schools");
    let diacritics = c
        .people
        .iter()
        .filter(|p| !p.name.full().is_ascii())
        .count();
    assert!(
        diacritics > c.people.len() / 4,
        "{diacritics} names with diacritics"
    );
    // Namesakes get suffixed logins, as the connector allocates them.
    assert!(logins(&c)
        .iter()
        .any(|l| l.as_str().ends_with(char::is_numeric)));
}

#[test]
fn bulk_requests_respect_the_limits_and_parse_as_scim_users() {
    let c = city();
    let requests = bulk_requests(&c, 300, 100_000);
    let mut seen = 0;
    for r in &requests {
        let ops = r["Operations"].as_array().unwrap();
        assert!(!ops.is_empty() && ops.len() <= 300);
        assert!(r.to_string().len() <= 100_000);
        for op in ops {
            assert_eq!(op["method"], "POST");
            assert_eq!(op["bulkId"], format!("p{seen}"));
            let draft = parse_user(&op["data"], WriteMode::Create).unwrap();
            let p = &c.people[seen];
            assert_eq!(draft.external_id.as_deref(), Some(p.external_id.as_str()));
            assert_eq!(draft.employee_number.as_ref(), Some(&p.employee_number));
            assert_eq!(draft.given_name.as_ref(), Some(&p.name.given));
            assert_eq!(draft.family_name.as_ref(), Some(&p.name.family));
            assert_eq!(draft.employment(), Some(p.employment.clone()));
            seen += 1;
        }
    }
    assert_eq!(seen, c.people.len());
}

#[test]
fn ldif_has_one_entry_per_person_with_the_connectors_classes() {
    let c = City::generate(3, 40, 1);
    let ldif = people_ldif(&c, "dc=zszo,dc=krakow,dc=pl", "zszo.krakow.pl").unwrap();
    let entries: Vec<&str> = ldif
        .split("\n\n")
        .filter(|e| !e.trim().is_empty())
        .collect();
    assert_eq!(entries.len(), 40);
    let first = entries[0];
    assert!(first.starts_with("dn: uid="), "{first}");
    assert!(first.contains(",ou=pracownicy,ou="), "{first}");
    for class in ["inetOrgPerson", "zszoPerson", "eduPerson"] {
        assert!(
            first.contains(&format!("objectClass: {class}\n")),
            "{first}"
        );
    }
    for attr in [
        "zszoExternalId: ",
        "employeeNumber: K",
        "zszoPrimarySchoolCode: ",
    ] {
        assert!(first.contains(attr), "{first}");
    }
    // A name with diacritics is base64 (RFC 2849 SAFE-STRING is ASCII only).
    assert!(ldif.contains("sn:: ") || ldif.contains("givenName:: "));
    let seed = seed_toml(&c);
    assert_eq!(seed.matches("[[school]]").count(), 3, "{seed}");
}
