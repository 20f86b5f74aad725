//! The mass-deprovisioning guard's decision and its use cases (`guard.rs`).

use super::*;
use std::time::Duration;

fn policy() -> DeprovisioningGuardConfig {
    DeprovisioningGuardConfig {
        window: Duration::from_secs(3600),
        max_share_of_school: 0.10,
        max_share_of_city: 0.02,
        min_people: 10,
        min_operations: 1,
    }
}

fn recent(in_school: usize, in_city: usize) -> Recent {
    Recent {
        in_school,
        in_city,
        ..Recent::default()
    }
}

const CITY: usize = 25_000;

fn population(school: usize, city: usize) -> Population {
    Population { school, city }
}

/// Each share allows deletions up to its limit and holds the next one; every case names
/// itself when it fails.
#[test]
fn each_share_allows_its_limit_and_holds_the_next() {
    let cases = [
        (
            "a school of a hundred loses ten people and the eleventh is held",
            population(100, CITY),
            (recent(9, 9), recent(10, 10)),
            Trip::School,
            "number 11 among the 100 people of school S",
        ),
        (
            "a share below one person still allows one",
            population(12, 30),
            (recent(0, 0), recent(1, 1)),
            Trip::School,
            "number 2 among the 12 people of school S",
        ),
        (
            "the city share holds a spread-out wave",
            population(1_000, CITY),
            (recent(0, 499), recent(0, 500)),
            Trip::City,
            "",
        ),
    ];
    for (case, people, (last_allowed, first_held), trip, why) in cases {
        assert_eq!(
            decide(&policy(), &last_allowed, people, "S"),
            None,
            "{case}"
        );
        let held = decide(&policy(), &first_held, people, "S");
        let (held_trip, held_why) = held.expect(case);
        assert_eq!(held_trip, trip, "{case}");
        assert!(held_why.contains(why), "{case}: {held_why}");
    }
}

#[test]
fn a_school_below_min_people_is_not_limited_by_its_share() {
    let people = population(8, CITY);
    assert_eq!(decide(&policy(), &recent(0, 0), people, "S"), None);
    assert_eq!(decide(&policy(), &recent(3, 3), people, "S"), None);
}

#[test]
fn below_the_absolute_floor_nothing_is_held_and_above_it_the_share_holds() {
    let floor = DeprovisioningGuardConfig {
        min_operations: 5,
        ..policy()
    };
    // A school of 20 (share: 2) and a city of 60 (share: 1): the floor allows five.
    let small = population(20, 60);
    for done in 0..5 {
        assert_eq!(
            decide(&floor, &recent(done, done), small, "S"),
            None,
            "{done}"
        );
    }
    let (trip, why) = decide(&floor, &recent(5, 5), small, "S").unwrap();
    assert_eq!(trip, Trip::School);
    assert!(why.contains("number 6 among the 20 people"), "{why}");
    // Where the share is larger than the floor, the share decides.
    let large = population(100, CITY);
    assert_eq!(decide(&floor, &recent(9, 9), large, "S"), None);
    assert!(decide(&floor, &recent(10, 10), large, "S").is_some());
}

#[test]
fn while_something_is_held_the_same_scope_stays_held() {
    let people = population(100, CITY);
    let school = Recent {
        school_held: true,
        ..Recent::default()
    };
    assert_eq!(
        decide(&policy(), &school, people, "S").unwrap().0,
        Trip::School
    );
    let city = Recent {
        city_held: true,
        ..Recent::default()
    };
    assert_eq!(decide(&policy(), &city, people, "S").unwrap().0, Trip::City);
}
