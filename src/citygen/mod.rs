//! A deterministic generated city for load tests and benchmarks: schools with RSPO-like codes
//! and their staff, Polish names with diacritics and the collisions a real city has (namesakes
//! in one school and across schools, people working at two or three schools).
//!
//! `City::generate(schools, people, seed)` always yields the same city for the same arguments
//! (a SplitMix64 generator seeded in code; no thread RNG, no hash-map order). [`render`] turns
//! it into SCIM Bulk requests, the equivalent LDIF for `ldapadd`, and a bootstrap seed of its
//! schools.

mod names;
pub mod render;

use crate::domain::{
    login_candidates, EmployeeNumber, FamilyName, GivenName, PersonName, Position, SchoolCode,
    SchoolName,
};
use crate::ports::Employment;

pub use render::{bulk_requests, logins, people_ldif, profile, seed_toml, user_json};

/// SplitMix64 (Steele, Lea, Flood 2014): small, fast, good enough for test data.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`; the modulo bias is irrelevant here).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// `true` with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < per_mille as usize
    }
}

/// Picks indices `0..n` with weight `1 / (i + 1)`: the first names are the most frequent.
struct Zipf(Vec<f64>);

impl Zipf {
    fn new(n: usize) -> Self {
        Self::weighted((0..n).map(|i| 1.0 / (i as f64 + 1.0)))
    }

    fn weighted(weights: impl IntoIterator<Item = f64>) -> Self {
        let mut total = 0.0;
        Self(
            weights
                .into_iter()
                .map(|w| {
                    total += w;
                    total
                })
                .collect(),
        )
    }

    fn pick(&self, rng: &mut Rng) -> usize {
        let total = *self.0.last().expect("at least one weight");
        let x = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * total;
        self.0.partition_point(|&c| c <= x).min(self.0.len() - 1)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenSchool {
    pub code: SchoolCode,
    pub name: SchoolName,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenPerson {
    pub name: PersonName,
    /// Unique in the city (`K0000001`, …): what tells namesakes apart.
    pub employee_number: EmployeeNumber,
    /// The HR system's id, a UUID: unique in the city.
    pub external_id: String,
    /// The HR user name (a UPN-like address), unique in the city; also the work e-mail.
    pub user_name: String,
    pub position: Position,
    pub employment: Employment,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct City {
    pub schools: Vec<GenSchool>,
    pub people: Vec<GenPerson>,
}

/// Every this many people, one is a namesake of someone already in the same school.
const SAME_SCHOOL_NAMESAKE_EVERY: usize = 37;
/// Every this many people, one is a namesake of someone anywhere in the city.
const CITY_NAMESAKE_EVERY: usize = 19;

impl City {
    /// `schools` ≥ 1. The same arguments always give the same city.
    pub fn generate(schools: usize, people: usize, seed: u64) -> City {
        assert!(schools >= 1, "a city needs at least one school");
        let mut rng = Rng::new(seed ^ 0x5A53_5A4F_2D4B_524B);
        let schools = generate_schools(schools, &mut rng);
        // Schools differ in size: a preschool is small, a school complex large.
        let school_pick = Zipf::weighted((0..schools.len()).map(|_| 1.0 + rng.below(4) as f64));
        let female = Zipf::new(names::FEMALE_GIVEN.len());
        let male = Zipf::new(names::MALE_GIVEN.len());
        let surname = Zipf::new(names::SURNAMES.len());
        let mut by_school: Vec<Vec<usize>> = vec![Vec::new(); schools.len()];
        let mut out: Vec<GenPerson> = Vec::with_capacity(people);
        for i in 0..people {
            let primary = school_pick.pick(&mut rng);
            let name = if i % SAME_SCHOOL_NAMESAKE_EVERY == SAME_SCHOOL_NAMESAKE_EVERY - 1
                && !by_school[primary].is_empty()
            {
                let colleagues = &by_school[primary];
                out[colleagues[rng.below(colleagues.len())]].name.clone()
            } else if i % CITY_NAMESAKE_EVERY == CITY_NAMESAKE_EVERY - 1 && i > 0 {
                out[rng.below(i)].name.clone()
            } else {
                // Most of the city's school staff are women.
                let (given, family) = if rng.chance(780) {
                    (
                        names::FEMALE_GIVEN[female.pick(&mut rng)],
                        names::feminine(names::SURNAMES[surname.pick(&mut rng)]),
                    )
                } else {
                    (
                        names::MALE_GIVEN[male.pick(&mut rng)],
                        names::SURNAMES[surname.pick(&mut rng)].to_owned(),
                    )
                };
                let family = if rng.chance(30) {
                    let second = names::feminine(names::SURNAMES[surname.pick(&mut rng)]);
                    format!("{family}-{second}")
                } else {
                    family
                };
                PersonName {
                    given: GivenName::parse(given).expect("a listed given name"),
                    family: FamilyName::parse(&family).expect("a listed surname"),
                }
            };
            let mut others = Vec::new();
            if schools.len() > 1 && rng.chance(60) {
                let extra = if rng.chance(150) { 2 } else { 1 };
                while others.len() < extra.min(schools.len() - 1) {
                    let s = rng.below(schools.len());
                    if s != primary && !others.contains(&s) {
                        others.push(s);
                    }
                }
            }
            by_school[primary].push(i);
            out.push(person(i, name, primary, others, &schools, &mut rng));
        }
        City {
            schools,
            people: out,
        }
    }
}

fn generate_schools(n: usize, rng: &mut Rng) -> Vec<GenSchool> {
    let mut number_of_kind = vec![0usize; names::SCHOOL_KINDS.len()];
    // RSPO numbers are 5–6 digit integers; ours are distinct and increasing.
    let mut code = 10_000 + rng.below(1_000);
    (0..n)
        .map(|_| {
            code += 1 + rng.below(40);
            let kind = if rng.chance(500) {
                0
            } else {
                rng.below(names::SCHOOL_KINDS.len())
            };
            number_of_kind[kind] += 1;
            let mut name = format!("{} {}", names::SCHOOL_KINDS[kind], number_of_kind[kind]);
            if rng.chance(400) {
                let patron = names::PATRONS[rng.below(names::PATRONS.len())];
                name = format!("{name} im. {patron}");
            }
            GenSchool {
                code: SchoolCode::parse(&code.to_string()).expect("digits"),
                name: SchoolName::parse(&format!("{name} w Krakowie")).expect("a short name"),
            }
        })
        .collect()
}

fn person(
    i: usize,
    name: PersonName,
    primary: usize,
    others: Vec<usize>,
    schools: &[GenSchool],
    rng: &mut Rng,
) -> GenPerson {
    let number = format!("K{:07}", i + 1);
    let mut uuid = [0u8; 16];
    uuid[..8].copy_from_slice(&rng.next_u64().to_be_bytes());
    uuid[8..].copy_from_slice(&rng.next_u64().to_be_bytes());
    let external_id = uuid::Builder::from_random_bytes(uuid)
        .into_uuid()
        .to_string();
    let base = login_candidates(&name)
        .next()
        .map_or_else(|| "pracownik".to_owned(), |l| l.to_string());
    let position = names::POSITIONS[rng.below(names::POSITIONS.len())];
    GenPerson {
        user_name: format!("{base}.{}@edu.krakow.pl", number.to_lowercase()),
        employee_number: EmployeeNumber::parse(&number).expect("short"),
        external_id,
        position: Position::parse(position).expect("a listed position"),
        employment: Employment {
            primary: schools[primary].code.clone(),
            others: others
                .into_iter()
                .map(|s| schools[s].code.clone())
                .collect(),
        },
        name,
    }
}

#[cfg(test)]
mod tests;
